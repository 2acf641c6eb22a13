#include "decoder/lsn.h"

#include <gtest/gtest.h>

namespace walcast::decoder {
namespace {

TEST(Lsn, FormatsLikePostgres) {
  EXPECT_EQ(Lsn().ToString(), "0/0");
  EXPECT_EQ(Lsn(0x16B374D848).ToString(), "16/B374D848");
  EXPECT_EQ(Lsn(0x1A3F2C8).ToString(), "0/1A3F2C8");
  EXPECT_EQ(Lsn(UINT64_MAX).ToString(), "FFFFFFFF/FFFFFFFF");
}

TEST(Lsn, ParsesEitherCase) {
  EXPECT_EQ(Lsn::Parse("16/B374D848"), Lsn(0x16B374D848));
  EXPECT_EQ(Lsn::Parse("16/b374d848"), Lsn(0x16B374D848));
  EXPECT_EQ(Lsn::Parse("0/0"), Lsn());
  EXPECT_EQ(Lsn::Parse("FFFFFFFF/FFFFFFFF"), Lsn(UINT64_MAX));
  EXPECT_EQ(Lsn::Parse("00000000/00000001"), Lsn(1));
}

TEST(Lsn, RejectsMalformedText) {
  for (const char* text : {"", "/", "0/", "/0", "0//0", "1/2/3", "G/0", "0/0 ", " 0/0",
                           "123456789/0", "0/123456789", "-1/0", "+1/0", "0x1/0", "16"}) {
    EXPECT_FALSE(Lsn::Parse(text).has_value()) << text;
  }
}

TEST(Lsn, RoundTrips) {
  for (uint64_t value : {uint64_t{0}, uint64_t{1}, uint64_t{0xFFFFFFFF}, uint64_t{0x100000000},
                         uint64_t{0x0123456789ABCDEF}}) {
    EXPECT_EQ(Lsn::Parse(Lsn(value).ToString()), Lsn(value));
  }
}

TEST(Lsn, OrdersByPosition) {
  EXPECT_LT(Lsn(1), Lsn(2));
  EXPECT_LT(Lsn(0xFFFFFFFF), Lsn(0x100000000));
  EXPECT_EQ(Lsn(7), Lsn(7));
  EXPECT_FALSE(Lsn().valid());
  EXPECT_TRUE(Lsn(1).valid());
}

}  // namespace
}  // namespace walcast::decoder
