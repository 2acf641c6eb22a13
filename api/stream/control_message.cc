#include "api/stream/control_message.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

#include "api/stream/utf8.h"
#include "decoder/pg_time.h"

namespace walcast::api {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void String(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void OptionalId(Writer& writer, const std::optional<decoder::EventId>& id) {
  if (id) {
    String(writer, id->view());
  } else {
    writer.Null();
  }
}

// {"event":name,"data":{ ...fill... }}
template <typename Fill>
std::string Envelope(std::string_view name, Fill fill) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("event");
  String(writer, name);
  writer.Key("data");
  writer.StartObject();
  fill(writer);
  writer.EndObject();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string NowRfc3339() {
  return decoder::FormatRfc3339(decoder::UnixMicros(std::chrono::system_clock::now()));
}

std::string WelcomeMessage(std::string_view client_id, uint64_t total_clients,
                           const std::optional<decoder::EventId>& last_event_id) {
  return Envelope("welcome", [&](Writer& w) {
    w.Key("message");
    String(w, "Connected to walcast: live changes of the orders table");
    w.Key("clientId");
    String(w, client_id);
    w.Key("connectedAt");
    String(w, NowRfc3339());
    w.Key("totalClients");
    w.Uint64(total_clients);
    w.Key("lastEventId");
    OptionalId(w, last_event_id);
  });
}

std::string ResyncMessage(std::string_view reason,
                          const std::optional<decoder::EventId>& oldest_id) {
  return Envelope("resync", [&](Writer& w) {
    w.Key("reason");
    String(w, reason);
    w.Key("oldestId");
    OptionalId(w, oldest_id);
  });
}

std::string ErrorMessage(std::string_view message) {
  return Envelope("error", [&](Writer& w) {
    w.Key("message");
    // Messages may quote client input; a text frame must be valid UTF-8 whatever it quotes.
    String(w, ToValidUtf8(message));
  });
}

std::string ClientsMessage(uint64_t total_clients) {
  return Envelope("clients", [&](Writer& w) {
    w.Key("totalClients");
    w.Uint64(total_clients);
  });
}

std::string CursorMessage(std::string_view from) {
  return Envelope("cursor", [&](Writer& w) {
    w.Key("from");
    String(w, from);
  });
}

std::string ShutdownMessage() {
  return Envelope("server_shutdown", [&](Writer& w) {
    w.Key("message");
    String(w, "walcast is shutting down; reconnect with your last event id");
    w.Key("timestamp");
    String(w, NowRfc3339());
  });
}

}  // namespace walcast::api
