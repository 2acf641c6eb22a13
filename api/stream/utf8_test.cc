#include "api/stream/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast::api {
namespace {

struct Case {
  const char* name;
  std::string bytes;
  bool valid;
};

TEST(Utf8, AcceptsWellFormedAndRejectsEveryIllFormedClass) {
  const Case cases[] = {
      {"ascii", "abc", true},
      {"two, three and four bytes", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", true},
      {"last code point U+10FFFF", "\xF4\x8F\xBF\xBF", true},
      {"U+FFFD", "\xEF\xBF\xBD", true},
      {"lone continuation", "\x80", false},
      {"0xFF", "\xFF", false},
      {"overlong slash C0 AF", "\xC0\xAF", false},
      {"overlong C1", "\xC1\xBF", false},
      {"overlong three bytes", "\xE0\x80\xAF", false},
      {"overlong four bytes", "\xF0\x80\x80\xAF", false},
      {"high surrogate U+D800 as UTF-8", "\xED\xA0\x80", false},
      {"low surrogate U+DC00 as UTF-8", "\xED\xB0\x80", false},
      {"above U+10FFFF", "\xF4\x90\x80\x80", false},
      {"F5 lead", "\xF5\x80\x80\x80", false},
      {"truncated two", "\xC3", false},
      {"truncated three", "\xE2\x82", false},
      {"truncated four", "\xF0\x9F\x98", false},
      {"bad continuation", "\xE2\x28\xA1", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsValidUtf8(c.bytes), c.valid) << c.name;
    std::string repaired = ToValidUtf8(c.bytes);
    EXPECT_TRUE(IsValidUtf8(repaired)) << c.name;
    if (c.valid) {
      EXPECT_EQ(repaired, c.bytes) << c.name;
    }
  }
  EXPECT_EQ(Utf8CodePoints("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), 3u);
}

TEST(Utf8, PrefixNeverSplitsACharacter) {
  std::string text = "ab\xE2\x82\xAC";  // "ab€": 5 bytes
  for (std::size_t max = 0; max <= 6; ++max) {
    EXPECT_TRUE(IsValidUtf8(Utf8Prefix(text, max))) << max;
  }
  EXPECT_EQ(Utf8Prefix(text, 4), "ab");
  EXPECT_EQ(Utf8Prefix(text, 5), text);
}

TEST(Utf8, JsonLoneSurrogateEscapesAreFound) {
  for (const char* json : {R"({"a":"x\udc00y"})", R"({"\udc00":1})", R"([["\ud800"]])"}) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(json);
    // RapidJSON refuses a lone high surrogate itself; a lone low one parses into bad bytes.
    EXPECT_TRUE(doc.HasParseError() || !JsonStringsAreValidUtf8(doc)) << json;
  }
  rapidjson::Document good;
  good.Parse(R"({"a":["\ud83d\ude00", "é", 1, null]})");
  ASSERT_FALSE(good.HasParseError());
  EXPECT_TRUE(JsonStringsAreValidUtf8(good));
}

}  // namespace
}  // namespace walcast::api
