#include "decoder/event_id.h"

#include <gtest/gtest.h>

#include <string>

namespace walcast::decoder {
namespace {

TEST(EventId, PrintsFixedWidthUpperHex) {
  EXPECT_EQ(EventId(Lsn(0x1A3F2C8), 3).view(), "0000000001A3F2C8-00000003");
  EXPECT_EQ(EventId().view(), "0000000000000000-00000000");
  EXPECT_EQ(EventId(Lsn(UINT64_MAX), UINT32_MAX).view(), "FFFFFFFFFFFFFFFF-FFFFFFFF");
}

TEST(EventId, ParsesPrintedFormInEitherCase) {
  std::optional<EventId> id = EventId::Parse("0000000001a3f2c8-0000000A");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->commit_lsn(), Lsn(0x1A3F2C8));
  EXPECT_EQ(id->index(), 10u);
  EXPECT_EQ(id->view(), "0000000001A3F2C8-0000000A");
}

TEST(EventId, RejectsOtherText) {
  for (const char* text :
       {"", "0000000001A3F2C8", "0000000001A3F2C8-0000003", "0000000001A3F2C8-000000030",
        "0000000001A3F2C8+00000003", "000000000XA3F2C8-00000003", "0/1A3F2C8-00000003"}) {
    EXPECT_FALSE(EventId::Parse(text).has_value()) << text;
  }
}

TEST(EventId, StringOrderIsCommitOrder) {
  const EventId ids[] = {EventId(Lsn(0xF), 0xFFFF), EventId(Lsn(0x10), 0), EventId(Lsn(0x10), 1),
                         EventId(Lsn(0x100000000), 0)};
  for (size_t i = 1; i < std::size(ids); ++i) {
    EXPECT_LT(ids[i - 1], ids[i]);
    EXPECT_LT(std::string(ids[i - 1].view()), std::string(ids[i].view()));
  }
}

}  // namespace
}  // namespace walcast::decoder
