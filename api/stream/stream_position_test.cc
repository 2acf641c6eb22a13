#include "api/stream/stream_position.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

using decoder::EventId;
using decoder::Lsn;

XidSnapshot Snapshot(std::string_view text) {
  auto parsed = XidSnapshot::Parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(XidSnapshot{});
}

TEST(XidSnapshot, ParsesPgSnapshotText) {
  auto snapshot = Snapshot("740:750:741,745");
  EXPECT_EQ(snapshot.xmin, 740u);
  EXPECT_EQ(snapshot.xmax, 750u);
  EXPECT_EQ(snapshot.in_progress, (std::vector<uint64_t>{741, 745}));
  EXPECT_TRUE(Snapshot("10:10:").in_progress.empty());
  for (const char* bad : {"", "1:2", "1:2:3:4", "a:2:", "5:2:", "1:5:7", "1:5:3,2", "1:5:3,3",
                          "1:5:,", "-1:5:", "1:5: 3"}) {
    EXPECT_FALSE(XidSnapshot::Parse(bad)) << bad;
  }
}

TEST(XidSnapshot, SeesWhatFinishedBeforeItOnly) {
  auto snapshot = Snapshot("740:750:741,745");
  EXPECT_TRUE(snapshot.Sees(700));
  EXPECT_TRUE(snapshot.Sees(740));
  EXPECT_FALSE(snapshot.Sees(741)) << "in progress";
  EXPECT_TRUE(snapshot.Sees(742));
  EXPECT_FALSE(snapshot.Sees(745));
  EXPECT_TRUE(snapshot.Sees(749));
  EXPECT_FALSE(snapshot.Sees(750)) << "started after";
  EXPECT_FALSE(snapshot.Sees(900));
}

TEST(XidSnapshot, WidensThirtyTwoBitXidsAcrossAnEpoch) {
  // xmax in epoch 3, just past the wrap; a 32-bit xid just below the wrap is epoch 2.
  const uint64_t epoch3 = 3ull << 32;
  XidSnapshot snapshot{epoch3 - 10, epoch3 + 5, {epoch3 - 3, epoch3 + 2}};
  EXPECT_EQ(snapshot.Widen(0xFFFFFFFDu), epoch3 - 3);
  EXPECT_EQ(snapshot.Widen(2), epoch3 + 2);
  EXPECT_FALSE(snapshot.Sees(0xFFFFFFFDu));
  EXPECT_TRUE(snapshot.Sees(0xFFFFFFFEu));
  EXPECT_FALSE(snapshot.Sees(2));
  EXPECT_TRUE(snapshot.Sees(1));
  EXPECT_FALSE(snapshot.Sees(5));
}

TEST(StreamPosition, RoundTripsAndRejectsWhatItDidNotWrite) {
  auto position = StreamPosition::FromRead(Lsn(0x1000), Lsn(0x2000), Snapshot("740:750:741,745"));
  std::string text = position.ToString();
  EXPECT_TRUE(StreamPosition::LooksLikePosition(text));
  EXPECT_FALSE(StreamPosition::LooksLikePosition("0000000001A3F2C8-00000003"));
  auto parsed = StreamPosition::Parse(text);
  ASSERT_TRUE(parsed.position) << parsed.error;
  EXPECT_EQ(parsed.position->after(), position.after());
  EXPECT_EQ(parsed.position->until(), Lsn(0x2000));
  EXPECT_EQ(parsed.position->snapshot().in_progress, (std::vector<uint64_t>{741, 745}));
  EXPECT_EQ(parsed.position->ToString(), text);

  // Every single-character change is refused, never read as another position.
  for (std::size_t i = StreamPosition::kPrefix.size(); i < text.size(); ++i) {
    std::string changed = text;
    changed[i] = changed[i] == '1' ? '2' : '1';
    EXPECT_FALSE(StreamPosition::Parse(changed).position) << changed;
  }
  for (std::string_view bad :
       {std::string_view("P1_"), std::string_view("P1_x_y"),
        std::string_view(text).substr(0, text.size() - 1), std::string_view("garbage")}) {
    auto result = StreamPosition::Parse(bad);
    EXPECT_FALSE(result.position) << bad;
    EXPECT_FALSE(result.error.empty());
  }
}

TEST(StreamPosition, DeliversWhatTheSnapshotDidNotSeeAndEverythingFromUntil) {
  auto position = StreamPosition::FromRead(Lsn(0x1000), Lsn(0x2000), Snapshot("740:750:741"));
  EXPECT_LT(position.after(), EventId(Lsn(0x1000), 0));
  EXPECT_LT(EventId(Lsn(0xFFF), 7), position.after());
  // Before `until`: by visibility.
  EXPECT_FALSE(position.Delivers(739, Lsn(0x1800)));
  EXPECT_TRUE(position.Delivers(741, Lsn(0x1100))) << "committed early, still in progress";
  EXPECT_TRUE(position.Delivers(750, Lsn(0x1F00))) << "began after the snapshot";
  EXPECT_FALSE(position.Settled(Lsn(0x1FFF)));
  // From `until` on: everything.
  EXPECT_TRUE(position.Delivers(739, Lsn(0x2000)));
  EXPECT_TRUE(position.Settled(Lsn(0x2000)));
  auto advanced = position.Advanced(EventId(Lsn(0x1100), 0));
  EXPECT_EQ(advanced.after(), EventId(Lsn(0x1100), 0));
  EXPECT_EQ(advanced.until(), position.until());
  EXPECT_TRUE(StreamPosition::Parse(advanced.ToString()).position);
}

TEST(StreamPosition, OversizedInProgressListIsRefused) {
  XidSnapshot huge{1, 1'000'000, {}};
  for (uint64_t x = 1; x < 70'000; ++x) huge.in_progress.push_back(x);
  auto text = StreamPosition::FromRead(Lsn(1), Lsn(2), huge).ToString();
  EXPECT_FALSE(StreamPosition::Parse(text).position);
}

}  // namespace
}  // namespace walcast::api
