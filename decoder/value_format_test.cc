#include "decoder/value_format.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include "decoder/row_block.h"

namespace walcast::decoder {
namespace {

using namespace std::string_literals;

struct Case {
  uint32_t type_oid;
  std::string text;
  std::string json;
};

TEST(ValueFormat, TypesValuesAsTheContractSays) {
  const Case cases[] = {
      {pg_type::kInt4, "42", "42"},
      {pg_type::kInt4, "-7", "-7"},
      {pg_type::kInt2, "0", "0"},
      {pg_type::kInt8, "9223372036854775807", "9223372036854775807"},
      {pg_type::kOid, "4294967295", "4294967295"},
      {pg_type::kNumeric, "123.450", "\"123.450\""},
      {pg_type::kNumeric, "NaN", "\"NaN\""},
      {pg_type::kBool, "t", "true"},
      {pg_type::kBool, "f", "false"},
      {pg_type::kJson, "{\"a\": [1, 2.5, null]}", "{\"a\": [1, 2.5, null]}"},
      {pg_type::kJsonb, "\"text\"", "\"text\""},
      {pg_type::kJsonb, "3", "3"},
      {pg_type::kJsonb, "[12345678901234567890123456789.5]", "[12345678901234567890123456789.5]"},
      {pg_type::kTimestampTz, "2026-11-24 10:45:54.991053+00", "\"2026-11-24T10:45:54.991053Z\""},
      {pg_type::kTimestampTz, "2026-11-24 16:15:54+05:30", "\"2026-11-24T10:45:54.000000Z\""},
      {pg_type::kTimestamp, "2026-11-24 10:45:54.5", "\"2026-11-24T10:45:54.500000Z\""},
      {pg_type::kVarchar, "shipped", "\"shipped\""},
      {pg_type::kText, "", "\"\""},
      {700 /* float4 */, "1.5", "\"1.5\""},
      {1082 /* date */, "2026-11-24", "\"2026-11-24\""},
      {2950 /* uuid */, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
       "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(JsonValue(c.type_oid, c.text), c.json) << c.type_oid << " " << c.text;
  }
}

TEST(ValueFormat, FallsBackToStringsForTextThatDoesNotParse) {
  const Case cases[] = {
      {pg_type::kInt4, "", "\"\""},
      {pg_type::kInt4, "012", "\"012\""},
      {pg_type::kInt4, "1e3", "\"1e3\""},
      {pg_type::kInt4, "-", "\"-\""},
      {pg_type::kBool, "true", "\"true\""},
      {pg_type::kJson, "{broken", "\"{broken\""},
      {pg_type::kJson, "1 2", "\"1 2\""},
      // RapidJSON's checker refuses numbers beyond a double's range (valid JSON, but rare).
      {pg_type::kJsonb, "[1e1000]", "\"[1e1000]\""},
      {pg_type::kTimestampTz, "infinity", "\"infinity\""},
      {pg_type::kTimestampTz, "-infinity", "\"-infinity\""},
      {pg_type::kTimestamp, "0044-03-15 12:00:00 BC", "\"0044-03-15 12:00:00 BC\""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(JsonValue(c.type_oid, c.text), c.json) << c.type_oid << " " << c.text;
  }
}

TEST(ValueFormat, EscapesStrings) {
  std::string out;
  AppendJsonString("a\"b\\c\nd\re\tf\bg\fh\x01i\x1f\x7f\xc3\xa9"s, &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u001f\x7f\xc3\xa9\""s);
  out.clear();
  AppendJsonString("\0"s, &out);
  EXPECT_EQ(out, "\"\\u0000\"");
}

// The escaper scans eight bytes at a time: every byte that needs an escape, at every position in
// strings around the word size, next to bytes that must pass (0x20, 0x7f, 0x80, 0xff, '#', ']').
TEST(ValueFormat, EscapesAtEveryPositionOfAWord) {
  const auto reference = [](std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (u < 0x20) {
        static const char* const kShort[] = {nullptr, nullptr, nullptr, nullptr, nullptr,
                                             nullptr, nullptr, nullptr, "\\b",   "\\t",
                                             "\\n",   nullptr, "\\f",   "\\r"};
        if (u < 14 && kShort[u] != nullptr) {
          out += kShort[u];
        } else {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\u%04x", u);
          out += hex;
        }
      } else {
        out += c;
      }
    }
    return out + '"';
  };
  const std::string special = "\"\\\n\x01\x1f\0"s;
  const std::string plain = " \x7f\x80\xff#]!~"s;
  for (size_t size = 0; size <= 24; ++size) {
    for (char filler : plain) {
      std::string text(size, filler);
      std::string out;
      AppendJsonString(text, &out);
      ASSERT_EQ(out, reference(text)) << size << " " << int{filler};
      for (size_t at = 0; at < size; ++at) {
        for (char c : special) {
          text.assign(size, filler);
          text[at] = c;
          out.clear();
          AppendJsonString(text, &out);
          ASSERT_EQ(out, reference(text)) << size << " " << at << " " << int{c};
        }
      }
    }
  }
  std::string out = "prefix";
  AppendJsonString(std::string(300, 'x'), &out);  // longer than the one-append buffer
  EXPECT_EQ(out, "prefix\"" + std::string(300, 'x') + "\"");
}

// A row being built (RowWriter) and a pre-sized buffer (JsonStringSize, WriteJsonString) get the
// bytes a std::string gets, for every byte value and for values of every kind.
TEST(ValueFormat, EveryOutputWritesTheSameJson) {
  const auto check_string = [](std::string_view text) {
    std::string expected;
    AppendJsonString(text, &expected);
    RowWriter row(0);  // grows on the first append
    AppendJsonString(text, &row);
    EXPECT_EQ(std::string_view(row.data(), row.size()), expected);
    ASSERT_EQ(JsonStringSize(text), expected.size()) << text;
    std::string sized(expected.size(), '?');
    EXPECT_EQ(WriteJsonString(text, sized.data()), sized.data() + sized.size());
    EXPECT_EQ(sized, expected);
  };
  for (int c = 0; c < 256; ++c) {
    check_string(std::string(1, static_cast<char>(c)));
    check_string("abcdefgh" + std::string(1, static_cast<char>(c)) + "ijk");
  }
  check_string("");
  check_string(std::string(300, 'x'));
  check_string("tab\there \"quoted\" \x01\x1f back\\slash");

  for (const auto& [oid, text] : std::vector<std::pair<uint32_t, std::string>>{
           {pg_type::kInt4, "42"},
           {pg_type::kInt4, "042"},
           {pg_type::kBool, "t"},
           {pg_type::kBool, "x"},
           {pg_type::kJsonb, R"({"a": [1, 2]})"},
           {pg_type::kJsonb, "{bad"},
           {pg_type::kTimestampTz, "2026-11-24 10:45:54.991053+00"},
           {pg_type::kTimestampTz, "2026-11-24 16:15:54.5+05:30"},
           {pg_type::kTimestampTz, "infinity"},
           {pg_type::kText, "caf\xc3\xa9 \"x\""}}) {
    std::string expected;
    AppendJsonValue(oid, text, &expected);
    RowWriter row(4);
    AppendJsonValue(ValueKindOf(oid), text, &row);
    EXPECT_EQ(std::string_view(row.data(), row.size()), expected) << text;
  }
}

TEST(ValueFormat, RecognisesJsonIntegers) {
  for (const char* yes :
       {"0", "-0", "7", "-123", "99999999999999999999", "-18446744073709551615"}) {
    EXPECT_TRUE(IsJsonInteger(yes)) << yes;
  }
  for (const char* no :
       {"", "-", "01", "-01", "+1", "1.0", " 1", "1 ", "0x1", "123456789012345678901"}) {
    EXPECT_FALSE(IsJsonInteger(no)) << no;
  }
}

}  // namespace
}  // namespace walcast::decoder
