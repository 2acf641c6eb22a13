#include "decoder/walsender_frame.h"

#include <gtest/gtest.h>

#include <string>

#include "decoder/testing/pgoutput_encoder.h"

namespace walcast::decoder {
namespace {

using namespace std::string_literals;
namespace t = testing;

TEST(WalsenderFrame, ParsesXLogData) {
  const std::string frame = t::XLogDataFrame(0x1000, 0x2000, 777, "B-payload");
  Result<WalsenderFrame> parsed = ParseWalsenderFrame(frame);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const auto& data = std::get<XLogData>(*parsed);
  EXPECT_EQ(data.data_start, Lsn(0x1000));
  EXPECT_EQ(data.wal_end, Lsn(0x2000));
  EXPECT_EQ(data.send_time, 777);
  EXPECT_EQ(data.message, "B-payload");
}

TEST(WalsenderFrame, ParsesXLogDataWithEmptyPayload) {
  Result<WalsenderFrame> parsed = ParseWalsenderFrame(t::XLogDataFrame(0, 1, 2, ""));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(std::get<XLogData>(*parsed).message.empty());
}

TEST(WalsenderFrame, ParsesKeepalive) {
  for (bool reply : {false, true}) {
    Result<WalsenderFrame> parsed = ParseWalsenderFrame(t::KeepaliveFrame(0x55, -3, reply));
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    const auto& keepalive = std::get<PrimaryKeepalive>(*parsed);
    EXPECT_EQ(keepalive.wal_end, Lsn(0x55));
    EXPECT_EQ(keepalive.send_time, -3);
    EXPECT_EQ(keepalive.reply_requested, reply);
  }
}

TEST(WalsenderFrame, RejectsTruncationAtEveryOffset) {
  for (const std::string& frame : {t::XLogDataFrame(1, 2, 3, ""), t::KeepaliveFrame(1, 2, true)}) {
    for (size_t size = 0; size < frame.size(); ++size) {
      Result<WalsenderFrame> parsed = ParseWalsenderFrame(frame.substr(0, size));
      ASSERT_FALSE(parsed.ok()) << size;
      EXPECT_EQ(parsed.error().code, ErrorCode::kTruncated) << size;
      EXPECT_LE(parsed.error().offset, size);
    }
  }
}

TEST(WalsenderFrame, RejectsUnknownTagBadFlagAndTrailingBytes) {
  Result<WalsenderFrame> unknown = ParseWalsenderFrame("x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kBadValue);
  EXPECT_EQ(unknown.error().ToString(),
            "CopyData.tag at offset 0: bad value: unknown walsender frame tag 'x' (0x78)");

  std::string bad_flag = t::KeepaliveFrame(1, 2, true);
  bad_flag.back() = 2;
  Result<WalsenderFrame> flag = ParseWalsenderFrame(bad_flag);
  ASSERT_FALSE(flag.ok());
  EXPECT_EQ(flag.error().field, "reply_requested");
  EXPECT_EQ(flag.error().offset, 17u);

  Result<WalsenderFrame> trailing = ParseWalsenderFrame(t::KeepaliveFrame(1, 2, true) + "x");
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.error().code, ErrorCode::kTrailingBytes);
}

TEST(WalsenderFrame, BuildsStandbyStatusUpdate) {
  auto bytes = BuildStandbyStatusUpdate(
      StandbyStatus{Lsn(0x0102030405060708), Lsn(0x10), Lsn(0x20), 0x7FFF, true});
  const std::string expected =
      "r\x01\x02\x03\x04\x05\x06\x07\x08"
      "\0\0\0\0\0\0\0\x10"
      "\0\0\0\0\0\0\0\x20"
      "\0\0\0\0\0\0\x7F\xFF"
      "\x01"s;
  EXPECT_EQ(std::string(bytes.data(), bytes.size()), expected);
}

}  // namespace
}  // namespace walcast::decoder
