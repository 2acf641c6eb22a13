// libFuzzer target over everything in decoder/ that reads untrusted bytes: walsender frames,
// pgoutput messages through the whole StreamDecoder (reader, relation cache, normalizer,
// assembler), the serializer, NOTIFY payloads and value text. Beyond "no crash, no leak, no
// unbounded allocation" (ASan/UBSan, -malloc_limit_mb), it checks that every frame produced is
// valid JSON and that row indexes point at the right values. Input format: testing/fuzz_input.h.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "decoder/event_id.h"
#include "decoder/event_serializer.h"
#include "decoder/lsn.h"
#include "decoder/notify_payload.h"
#include "decoder/pg_time.h"
#include "decoder/stream_decoder.h"
#include "decoder/testing/fuzz_input.h"
#include "decoder/value_format.h"
#include "decoder/walsender_frame.h"

namespace walcast::decoder {
namespace {

using testing::FuzzTarget;

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckJson(std::string_view text) {
  // Grammar only: numbers stay text, so huge ones (valid JSON; jsonb allows 1e1000) pass.
  rapidjson::Document document;
  document.Parse<rapidjson::kParseNumbersAsStringsFlag>(text.data(), text.size());
  if (document.HasParseError()) {
    std::fprintf(stderr, "invalid JSON produced (%zu bytes): %.*s\n", text.size(),
                 static_cast<int>(text.size()), text.data());
    std::abort();
  }
}

void CheckEvent(const OrderEvent& event) {
  const std::string frame = SerializeEvent(event, "2026-11-24T10:45:55.000000Z");
  CheckJson(frame);
  for (const auto* row : {&event.data, &event.old}) {
    if (!*row) continue;
    for (size_t i = 0; i < (*row)->size(); ++i) {
      CheckJson((*row)->value(i));
    }
  }
}

class Session {
 public:
  void Feed(std::string_view message) {
    auto result = decoder_->Feed(message);
    if (!result.ok()) {
      Check(!result.error().ToString().empty());
      Reset();  // as the stream does: reconnect with a fresh decoder
      return;
    }
    if (*result) {
      for (const OrderEvent& event : (*result)->events) CheckEvent(event);
    }
  }

  void Frame(std::string_view frame) {
    Result<WalsenderFrame> parsed = ParseWalsenderFrame(frame);
    if (!parsed.ok()) return;
    if (const auto* data = std::get_if<XLogData>(&*parsed)) Feed(data->message);
  }

 private:
  void Reset() {
    StreamDecoderOptions options;
    options.tables = {{"public", "orders"}, {"s", "t"}};
    options.max_buffered_bytes = 1 << 20;
    decoder_ = std::make_unique<StreamDecoder>(options);
  }

  std::unique_ptr<StreamDecoder> decoder_ = [] {
    StreamDecoderOptions options;
    options.tables = {{"public", "orders"}, {"s", "t"}};
    options.max_buffered_bytes = 1 << 20;
    return std::make_unique<StreamDecoder>(options);
  }();
};

void Text(std::string_view text) {
  for (uint32_t oid : {pg_type::kInt4, pg_type::kBool, pg_type::kJsonb, pg_type::kTimestampTz,
                       pg_type::kNumeric}) {
    CheckJson(JsonValue(oid, text));
  }
  if (std::optional<int64_t> micros = ParsePgTimestamp(text)) {
    std::string direct;
    if (AppendPgTimestampAsRfc3339(text, &direct)) Check(direct == FormatRfc3339(*micros));
  }
  if (std::optional<Lsn> lsn = Lsn::Parse(text)) Check(Lsn::Parse(lsn->ToString()) == lsn);
  if (std::optional<EventId> id = EventId::Parse(text)) Check(EventId::Parse(id->view()) == id);
}

void Notify(std::string_view payload) {
  static const NotifyPayloadParser parser;
  Result<OrderEvent> event = parser.Parse(payload, EventId(Lsn(1), 2));
  if (event.ok()) CheckEvent(*event);
}

}  // namespace
}  // namespace walcast::decoder

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace walcast::decoder;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Session session;
  while (!input.empty()) {
    auto target = FuzzTarget::kFeed;
    std::string_view payload = input;
    if (input.size() >= 3) {
      target = static_cast<FuzzTarget>(static_cast<uint8_t>(input[0]) % testing::kFuzzTargets);
      const size_t length = static_cast<uint8_t>(input[1]) << 8 | static_cast<uint8_t>(input[2]);
      payload = input.substr(3, length);
      input.remove_prefix(3 + payload.size());
    } else {
      input = {};
    }
    switch (target) {
      case FuzzTarget::kFrame:
        session.Frame(payload);
        break;
      case FuzzTarget::kFeed:
        session.Feed(payload);
        break;
      case FuzzTarget::kNotify:
        Notify(payload);
        break;
      case FuzzTarget::kText:
        Text(payload);
        break;
    }
  }
  return 0;
}
