#include "tools/cli/sse_parser.h"

#include <gtest/gtest.h>

#include <vector>

namespace walcast::cli {
namespace {

std::vector<SseEvent> FeedPieces(const std::vector<std::string>& pieces) {
  SseParser parser;
  std::vector<SseEvent> events;
  for (const auto& piece : pieces) {
    parser.Feed(piece, [&](const SseEvent& e) { events.push_back(e); });
  }
  return events;
}

TEST(SseParser, FieldsCommentsAndMultiLineData) {
  auto events =
      FeedPieces({": heartbeat\n\nid: A-1\nevent: orders:insert\ndata: {\"a\":1}\n\n"
                  "data: one\ndata: two\nretry: 10\n\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, "A-1");
  EXPECT_EQ(events[0].event, "orders:insert");
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[1].event, "message");
  EXPECT_EQ(events[1].data, "one\ntwo");
}

TEST(SseParser, SplitAtEveryByteGivesTheSameEvents) {
  std::string stream = "id: X\r\nevent: e\r\ndata:no space\r\n\r\ndata: b\r\r";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    auto events = FeedPieces({stream.substr(0, cut), stream.substr(cut)});
    ASSERT_EQ(events.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(events[0].data, "no space");
    EXPECT_EQ(events[0].id, "X");
    EXPECT_EQ(events[1].data, "b");
  }
}

TEST(SseParser, NoDataNoEventAndIncompleteBlocksWait) {
  EXPECT_TRUE(FeedPieces({"event: x\n\n"}).empty());
  EXPECT_TRUE(FeedPieces({"data: half"}).empty());
  EXPECT_TRUE(FeedPieces({"data: half\n"}).empty());
}

}  // namespace
}  // namespace walcast::cli
