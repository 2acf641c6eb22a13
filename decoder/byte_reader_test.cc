#include "decoder/byte_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast::decoder {
namespace {

using namespace std::string_literals;

TEST(ByteReader, ReadsBigEndianIntegers) {
  const std::string bytes = "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F"s;
  ByteReader reader(bytes, "Test");
  EXPECT_EQ(reader.ReadU8("a"), 0x01);
  EXPECT_EQ(reader.ReadU16("b"), 0x0203);
  EXPECT_EQ(reader.ReadU32("c"), 0x04050607u);
  EXPECT_EQ(reader.ReadU64("d"), 0x08090A0B0C0D0E0Full);
  EXPECT_TRUE(reader.ExpectEnd().ok());
}

TEST(ByteReader, ReadsSignedValues) {
  const std::string bytes = "\xFF\xFF\xFF\xFE\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"s;
  ByteReader reader(bytes, "Test");
  EXPECT_EQ(reader.ReadI32("a"), -2);
  EXPECT_EQ(reader.ReadI64("b"), -1);
}

TEST(ByteReader, ReadsStringsAndLengthPrefixedBytes) {
  const std::string bytes = "abc\0\0\0\0\x02xy"s;
  ByteReader reader(bytes, "Test");
  EXPECT_EQ(reader.ReadCString("s"), "abc");
  EXPECT_EQ(reader.ReadLengthPrefixed("v"), "xy");
  EXPECT_TRUE(reader.ExpectEnd().ok());
}

TEST(ByteReader, TruncationNamesKindFieldAndOffset) {
  const std::string bytes = "\x01\x02\x03"s;
  ByteReader reader(bytes, "Insert");
  EXPECT_TRUE(reader.ReadU8("tag"));
  EXPECT_FALSE(reader.ReadU32("relation_id"));
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, ErrorCode::kTruncated);
  EXPECT_EQ(reader.error().kind, "Insert");
  EXPECT_EQ(reader.error().field, "relation_id");
  EXPECT_EQ(reader.error().offset, 1u);
  EXPECT_EQ(reader.error().ToString(),
            "Insert.relation_id at offset 1: truncated: need 4 bytes, 2 left");
}

TEST(ByteReader, FirstErrorSticks) {
  const std::string bytes = "\x01"s;
  ByteReader reader(bytes, "Test");
  EXPECT_FALSE(reader.ReadU16("first"));
  EXPECT_FALSE(reader.ReadU8("second"));  // would fit, but the reader has failed
  EXPECT_EQ(reader.error().field, "first");
  EXPECT_FALSE(reader.ExpectEnd().ok());
}

TEST(ByteReader, RejectsUnterminatedString) {
  const std::string bytes = "abc"s;
  ByteReader reader(bytes, "Test");
  EXPECT_FALSE(reader.ReadCString("name"));
  EXPECT_EQ(reader.error().code, ErrorCode::kTruncated);
  EXPECT_EQ(reader.error().offset, 0u);
}

TEST(ByteReader, RejectsNegativeAndOversizedLengths) {
  {
    const std::string bytes = "\xFF\xFF\xFF\xFF"s;
    ByteReader reader(bytes, "Test");
    EXPECT_FALSE(reader.ReadLengthPrefixed("value"));
    EXPECT_EQ(reader.error().code, ErrorCode::kBadValue);
  }
  {
    const std::string bytes = "\x00\x00\x00\x05xy"s;
    ByteReader reader(bytes, "Test");
    EXPECT_FALSE(reader.ReadLengthPrefixed("value"));
    EXPECT_EQ(reader.error().code, ErrorCode::kTruncated);
    EXPECT_EQ(reader.error().offset, 0u);
  }
}

TEST(ByteReader, ReportsTrailingBytes) {
  const std::string bytes = "\x01\x02"s;
  ByteReader reader(bytes, "Test");
  reader.ReadU8("a");
  Status end = reader.ExpectEnd();
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code, ErrorCode::kTrailingBytes);
  EXPECT_EQ(end.error().offset, 1u);
}

TEST(ByteReader, DescribesBytes) {
  EXPECT_EQ(DescribeByte('w'), "'w' (0x77)");
  EXPECT_EQ(DescribeByte(0), "0x00");
  EXPECT_EQ(DescribeByte(0xFF), "0xff");
}

}  // namespace
}  // namespace walcast::decoder
