#include "decoder/value_format.h"

#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "decoder/pg_time.h"
#include "decoder/row_block.h"

namespace walcast::decoder {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Bytes a JSON string cannot hold as they are: control characters, '"' and '\\'.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}();

bool IsValidJson(std::string_view text) {
  rapidjson::MemoryStream memory(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(memory);
  rapidjson::BaseReaderHandler<> ignore;
  rapidjson::Reader reader;
  // Numbers are kept as text, so long ones pass; RapidJSON still refuses numbers beyond a
  // double's range, which then go out as a string.
  return !reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(input, ignore).IsError();
}

// int8's range needs 19 digits; anything longer is not an integer type's output.
constexpr size_t kMaxIntegerDigits = 20;

size_t FirstToEscape(std::string_view text);

template <typename Out>
void AppendJsonStringTo(std::string_view text, Out* out);

// The members of std::string that AppendJsonStringTo uses, writing at a pointer into room the
// caller sized (JsonStringSize).
struct PointerOut {
  void append(const char* bytes, size_t count) {
    std::memcpy(end, bytes, count);
    end += count;
  }
  void append(std::string_view bytes) { append(bytes.data(), bytes.size()); }
  void push_back(char c) { *end++ = c; }

  char* end;
};

// `count` more chars at the end of `out`, to be written by the caller.
char* Extend(PointerOut* out, size_t count) { return std::exchange(out->end, out->end + count); }
char* Extend(RowWriter* out, size_t count) { return out->Extend(count); }
char* Extend(std::string* out, size_t count) {
  const size_t size = out->size();
  out->resize(size + count);
  return out->data() + size;
}

// Written once for both outputs (std::string, RowWriter), which share the members used here.
template <typename Out>
void AppendJsonValueTo(ValueKind kind, std::string_view text, Out* out) {
  switch (kind) {
    case ValueKind::kNumber:
      if (IsJsonInteger(text)) {
        out->append(text);
        return;
      }
      break;
    case ValueKind::kBool:
      if (text == "t") {
        out->append(std::string_view("true"));
        return;
      }
      if (text == "f") {
        out->append(std::string_view("false"));
        return;
      }
      break;
    case ValueKind::kJson:
      // PostgreSQL only outputs valid JSON; checking keeps one bad value from breaking every
      // client's frame.
      if (IsValidJson(text)) {
        out->append(text);
        return;
      }
      break;
    case ValueKind::kTimestamp: {
      char quoted[kRfc3339Size + 2];
      if (WritePgTimestampAsRfc3339(text, quoted + 1)) {
        quoted[0] = '"';
        quoted[kRfc3339Size + 1] = '"';
        out->append(quoted, sizeof(quoted));
        return;
      }
      break;
    }
    case ValueKind::kText:
      break;
  }
  AppendJsonStringTo(text, out);
}

}  // namespace

ValueKind ValueKindOf(uint32_t type_oid) {
  switch (type_oid) {
    case pg_type::kInt2:
    case pg_type::kInt4:
    case pg_type::kInt8:
    case pg_type::kOid:
      return ValueKind::kNumber;
    case pg_type::kBool:
      return ValueKind::kBool;
    case pg_type::kJson:
    case pg_type::kJsonb:
      return ValueKind::kJson;
    case pg_type::kTimestamp:
    case pg_type::kTimestampTz:
      return ValueKind::kTimestamp;
    default:
      return ValueKind::kText;
  }
}

void AppendJsonValue(ValueKind kind, std::string_view text, std::string* out) {
  AppendJsonValueTo(kind, text, out);
}

void AppendJsonValue(ValueKind kind, std::string_view text, RowWriter* out) {
  AppendJsonValueTo(kind, text, out);
}

std::string JsonValue(uint32_t type_oid, std::string_view text) {
  std::string out;
  AppendJsonValue(type_oid, text, &out);
  return out;
}

namespace {

// The index of the first byte of `text` that needs an escape, or text.size(). Eight bytes at a
// time: a byte below 0x20, '"' or '\\' sets the high bit of its lane in `hits` (bytes >= 0x80 never
// do; a lane above a real hit may be set by a borrow, so only the lowest set lane is trusted).
size_t FirstToEscape(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHigh = 0x8080808080808080;
  const char* data = text.data();
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, data + i, sizeof(v));
    const uint64_t quote = v ^ (kOnes * '"');
    const uint64_t backslash = v ^ (kOnes * '\\');
    const uint64_t hits = ((v - kOnes * 0x20) | (quote - kOnes) | (backslash - kOnes)) & ~v & kHigh;
    if (hits != 0) {
      if constexpr (std::endian::native == std::endian::little) {
        return i + static_cast<size_t>(std::countr_zero(hits) / 8);
      } else {
        break;
      }
    }
  }
  for (; i < text.size(); ++i) {
    if (kNeedsEscape[static_cast<unsigned char>(data[i])]) return i;
  }
  return i;
}

template <typename Out>
void AppendJsonStringTo(std::string_view text, Out* out) {
  size_t i = FirstToEscape(text);
  if (i == text.size()) {
    // The usual case, nothing to escape: one copy, into room made for the quotes too.
    char* at = Extend(out, text.size() + 2);
    at[0] = '"';
    std::memcpy(at + 1, text.data(), text.size());
    at[text.size() + 1] = '"';
    return;
  }
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kNeedsEscape[c]) continue;
    out->append(text.data() + run, i - run);
    run = i + 1;
    out->push_back('\\');
    switch (c) {
      case '"':
        out->push_back('"');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '\n':
        out->push_back('n');
        break;
      case '\r':
        out->push_back('r');
        break;
      case '\t':
        out->push_back('t');
        break;
      case '\b':
        out->push_back('b');
        break;
      case '\f':
        out->push_back('f');
        break;
      default:
        out->append(std::string_view("u00"));
        out->push_back(kHexDigits[c >> 4]);
        out->push_back(kHexDigits[c & 0xF]);
    }
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) { AppendJsonStringTo(text, out); }

void AppendJsonString(std::string_view text, RowWriter* out) { AppendJsonStringTo(text, out); }

size_t JsonStringSize(std::string_view text) {
  size_t i = FirstToEscape(text);
  size_t size = text.size() + 2;
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kNeedsEscape[c]) continue;
    // "\n" and the like add one char; "\u00XX" five.
    const bool short_form =
        c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f';
    size += short_form ? 1 : 5;
  }
  return size;
}

char* WriteJsonString(std::string_view text, char* out) {
  PointerOut writer{out};
  AppendJsonStringTo(text, &writer);
  return writer.end;
}

bool IsJsonInteger(std::string_view text) {
  size_t pos = !text.empty() && text[0] == '-' ? 1 : 0;
  if (pos == text.size() || text.size() - pos > kMaxIntegerDigits) return false;
  if (text[pos] == '0' && text.size() - pos > 1) return false;
  for (; pos < text.size(); ++pos) {
    if (text[pos] < '0' || text[pos] > '9') return false;
  }
  return true;
}

}  // namespace walcast::decoder
