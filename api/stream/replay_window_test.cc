#include "api/stream/replay_window.h"

#include <gtest/gtest.h>

#include "api/stream/testing/transactions.h"

namespace walcast::api {
namespace {

using decoder::EventId;
using decoder::Lsn;
using namespace std::chrono_literals;

PublishedTransaction Txn(uint64_t commit, uint32_t events) {
  return testing::Txn(commit, events, 0x100);  // these tests count WAL bytes in 0x100s
}

const auto kStart = ReplayWindow::Clock::time_point{} + 1h;

std::vector<std::string> Ids(const std::vector<StreamEventPtr>& events) {
  std::vector<std::string> ids;
  for (const auto& e : events) ids.push_back(e->id.ToString());
  return ids;
}

TEST(ReplayWindow, ResumeReturnsEverythingAfterTheIdInOrder) {
  ReplayWindow window({});
  window.SetStart(Lsn(0x1000));
  ASSERT_TRUE(window.Append(Txn(0x2000, 2), kStart));
  ASSERT_TRUE(window.Append(Txn(0x3000, 3), kStart));
  auto resume = window.After(EventId(Lsn(0x2000), 1));
  EXPECT_EQ(resume.status, ReplayWindow::ResumeStatus::kOk);
  EXPECT_EQ(Ids(resume.events),
            (std::vector<std::string>{"0000000000003000-00000000", "0000000000003000-00000001",
                                      "0000000000003000-00000002"}));
  EXPECT_EQ(window.After(EventId(Lsn(0x3000), 0)).events.size(), 2u);
  EXPECT_TRUE(window.After(EventId(Lsn(0x3000), 2)).events.empty());
  EXPECT_EQ(window.After(EventId(Lsn(0x1000), 0)).events.size(), 5u);
}

TEST(ReplayWindow, AFutureIdResumesWithNothingYet) {
  // After a restart a client may know ids the slot has not delivered again yet.
  ReplayWindow window({});
  window.SetStart(Lsn(0x1000));
  auto resume = window.After(EventId(Lsn(0x9000), 4));
  EXPECT_EQ(resume.status, ReplayWindow::ResumeStatus::kOk);
  EXPECT_TRUE(resume.events.empty());
}

TEST(ReplayWindow, IdBeforeTheSlotStartIsTooOld) {
  ReplayWindow window({});
  window.SetStart(Lsn(0x1000));
  EXPECT_EQ(window.After(EventId(Lsn(0x0fff), 9)).status, ReplayWindow::ResumeStatus::kTooOld);
  EXPECT_EQ(window.After(EventId(Lsn(0x1000), 0)).status, ReplayWindow::ResumeStatus::kOk);
}

TEST(ReplayWindow, DuplicateTransactionsAreDropped) {
  ReplayWindow window({});
  window.SetStart(Lsn(0x1000));
  ASSERT_TRUE(window.Append(Txn(0x2000, 1), kStart));
  EXPECT_FALSE(window.Append(Txn(0x2000, 1), kStart));
  EXPECT_FALSE(window.Append(Txn(0x1800, 1), kStart));
  EXPECT_EQ(window.EventCount(), 1u);
}

TEST(ReplayWindow, AcknowledgesOnlyTransactionsThatLeftTheWindow) {
  ReplayWindow window({.max_events = 3});
  window.SetStart(Lsn(0x1000));
  window.Append(Txn(0x2000, 2), kStart);
  window.Append(Txn(0x3000, 1), kStart);
  window.Trim(kStart);
  EXPECT_EQ(window.AckLsn(), Lsn(0x1000)) << "everything is retained, so nothing is acknowledged";
  window.Append(Txn(0x4000, 1), kStart);
  window.Trim(kStart);
  EXPECT_EQ(window.AckLsn(), Lsn(0x2100)) << "the end LSN of the evicted transaction";
  EXPECT_EQ(window.EventCount(), 2u);
  EXPECT_EQ(window.OldestId()->ToString(), "0000000000003000-00000000");
}

TEST(ReplayWindow, ResumeFromAnEvictedRangeIsTooOldButFromTheBoundaryIsNot) {
  ReplayWindow window({.max_events = 2});
  window.SetStart(Lsn(0x1000));
  window.Append(Txn(0x2000, 2), kStart);
  window.Append(Txn(0x3000, 2), kStart);
  window.Trim(kStart);
  EXPECT_EQ(window.After(EventId(Lsn(0x2000), 0)).status, ReplayWindow::ResumeStatus::kTooOld);
  auto boundary = window.After(EventId(Lsn(0x2000), 1));
  EXPECT_EQ(boundary.status, ReplayWindow::ResumeStatus::kOk);
  EXPECT_EQ(boundary.events.size(), 2u);
}

TEST(ReplayWindow, AgeLimitEvictsOldTransactions) {
  ReplayWindow window({.max_age = 10s});
  window.SetStart(Lsn(0x1000));
  window.Append(Txn(0x2000, 1), kStart);
  window.Append(Txn(0x3000, 1), kStart + 8s);
  window.Trim(kStart + 9s);
  EXPECT_EQ(window.EventCount(), 2u);
  window.Trim(kStart + 11s);
  EXPECT_EQ(window.EventCount(), 1u);
  EXPECT_EQ(window.AckLsn(), Lsn(0x2100));
}

TEST(ReplayWindow, WalBytesLimitEvicts) {
  ReplayWindow window({.max_wal_bytes = 0x1000});
  window.SetStart(Lsn(0x1000));
  window.Append(Txn(0x1100, 1), kStart);
  window.Trim(kStart);
  EXPECT_EQ(window.EventCount(), 1u);
  window.ObserveIdleWalEnd(Lsn(0x5000));  // other tables wrote WAL meanwhile
  window.Trim(kStart);
  EXPECT_EQ(window.EventCount(), 0u);
  EXPECT_EQ(window.AckLsn(), Lsn(0x1200));
}

TEST(ReplayWindow, IdleWalEndAdvancesTheAckOnlyWhenNothingIsRetained) {
  ReplayWindow window({});
  window.SetStart(Lsn(0x1000));
  window.ObserveIdleWalEnd(Lsn(0x1800));
  EXPECT_EQ(window.AckLsn(), Lsn(0x1800));
  window.Append(Txn(0x2000, 1), kStart);
  window.ObserveIdleWalEnd(Lsn(0x9000));
  EXPECT_EQ(window.AckLsn(), Lsn(0x1800)) << "the retained transaction must be decoded again";
}

TEST(ReplayWindow, TransactionWithoutEventsAdvancesAnEmptyWindow) {
  ReplayWindow window({});
  window.SetStart(Lsn(0x1000));
  window.Append(Txn(0x2000, 0), kStart);
  EXPECT_EQ(window.AckLsn(), Lsn(0x2100));
  EXPECT_EQ(window.TransactionCount(), 0u);
}

TEST(ReplayWindow, AGapRefusesResumesFromBeforeIt) {
  ReplayWindow window({});
  window.SetStart(Lsn(0x1000));
  window.Append(Txn(0x2000, 2), kStart);
  window.MarkGap();  // e.g. the NOTIFY connection was lost here
  window.Append(Txn(0x3000, 1), kStart);
  EXPECT_EQ(window.After(EventId(Lsn(0x2000), 0)).status, ReplayWindow::ResumeStatus::kTooOld);
  EXPECT_EQ(window.After(EventId(Lsn(0x2000), 1)).status, ReplayWindow::ResumeStatus::kTooOld)
      << "the newest id before the gap: what the gap lost came after it";
  auto after_gap = window.After(EventId(Lsn(0x3000), 0));
  EXPECT_EQ(after_gap.status, ReplayWindow::ResumeStatus::kOk);
  EXPECT_TRUE(after_gap.events.empty());
}

TEST(ReplayWindow, ReconnectWithinARunKeepsTheFloor) {
  ReplayWindow window({.max_events = 1});
  window.SetStart(Lsn(0x1000));
  window.Append(Txn(0x2000, 1), kStart);
  window.Append(Txn(0x3000, 1), kStart);
  window.Trim(kStart);
  window.SetStart(window.AckLsn());  // the stream reconnected at our acknowledgement
  EXPECT_EQ(window.After(EventId(Lsn(0x2000), 0)).status, ReplayWindow::ResumeStatus::kOk);
  EXPECT_EQ(window.After(EventId(Lsn(0x1000), 0)).status, ReplayWindow::ResumeStatus::kTooOld);
}

using testing::Part;

TEST(ReplayWindow, ALargeTransactionIsRetainedAsPartsAndAcknowledgedOnlyWhenAllHaveLeft) {
  ReplayWindow window({.max_events = 4});
  window.SetStart(Lsn(0x1000));
  ASSERT_TRUE(window.Append(Txn(0x2000, 1), kStart));
  ASSERT_TRUE(window.Append(Part(0x3000, 0, 3, false), kStart));
  ASSERT_TRUE(window.Append(Part(0x3000, 3, 3, false), kStart));
  window.Trim(kStart);
  // Two parts evicted (the small transaction and the first part): the slot may pass the first
  // transaction only, the large one is still being read.
  EXPECT_EQ(window.AckLsn(), Lsn(0x2100));
  EXPECT_EQ(window.EventCount(), 3u);
  EXPECT_EQ(window.After(EventId(Lsn(0x3000), 1)).status, ReplayWindow::ResumeStatus::kTooOld);
  auto from_part = window.After(EventId(Lsn(0x3000), 2));
  EXPECT_EQ(from_part.status, ReplayWindow::ResumeStatus::kOk);
  EXPECT_EQ(from_part.events.size(), 3u);
  // An idle keepalive must not move the acknowledgement past a transaction still being
  // published, even with nothing retained.
  window.ObserveIdleWalEnd(Lsn(0x9000));
  EXPECT_EQ(window.AckLsn(), Lsn(0x2100));
  ASSERT_TRUE(window.Append(Part(0x3000, 6, 2, true), kStart));
  window.Trim(kStart);
  EXPECT_EQ(window.AckLsn(), Lsn(0x2100)) << "its last part is still retained";
  ASSERT_TRUE(window.Append(Txn(0x4000, 4), kStart));
  window.Trim(kStart);
  EXPECT_EQ(window.AckLsn(), Lsn(0x3010)) << "every part of it has left the window";
  EXPECT_FALSE(window.Append(Part(0x3000, 6, 2, true), kStart)) << "an old transaction again";
}

TEST(ReplayWindow, APartDecodedAgainKeepsOnlyItsNewEvents) {
  // A reconnect in the middle of publishing: the slot sends the transaction again from its start.
  ReplayWindow window({});
  window.SetStart(Lsn(0x1000));
  ASSERT_TRUE(window.Append(Part(0x3000, 0, 4, false), kStart));
  ASSERT_TRUE(window.Append(Part(0x3000, 4, 4, false), kStart));
  std::size_t skipped = 99;
  EXPECT_FALSE(window.Append(Part(0x3000, 0, 4, false), kStart, &skipped));
  EXPECT_FALSE(window.Append(Part(0x3000, 4, 4, false), kStart, &skipped));
  // Parts of another size straddle the old boundary.
  EXPECT_TRUE(window.Append(Part(0x3000, 6, 5, true), kStart, &skipped));
  EXPECT_EQ(skipped, 2u);
  EXPECT_EQ(window.EventCount(), 11u);
  auto all = window.After(EventId(Lsn(0x1000), 0));
  ASSERT_EQ(all.events.size(), 11u);
  for (uint32_t i = 0; i < 11; ++i) EXPECT_EQ(all.events[i]->id, EventId(Lsn(0x3000), i));
  EXPECT_FALSE(window.Append(Part(0x3000, 0, 11, true), kStart)) << "complete: a duplicate";
}

TEST(ReplayWindow, TheWalBoundLeavesATransactionBeingPublishedAlone) {
  // A transaction whose own WAL exceeds the bound stays while its parts are published: evicting
  // them would not let the slot move (its acknowledgement needs every part gone) and would take
  // the events its readers are reading. Once complete it leaves whole, as any transaction.
  ReplayWindow window({.max_wal_bytes = 0x100});
  window.SetStart(Lsn(0x1000));
  ASSERT_TRUE(window.Append(Part(0x3000, 0, 2, false, 0x5000), kStart));
  window.Trim(kStart);
  ASSERT_TRUE(window.Append(Part(0x3000, 2, 2, false, 0x5000), kStart));
  window.Trim(kStart);
  EXPECT_EQ(window.EventCount(), 4u);
  EXPECT_EQ(window.AckLsn(), Lsn(0x1000));
  ASSERT_TRUE(window.Append(Part(0x3000, 4, 1, true, 0x5000), kStart));
  window.Trim(kStart);
  EXPECT_EQ(window.EventCount(), 0u);
  EXPECT_EQ(window.AckLsn(), Lsn(0x8000));
}

TEST(ReplayWindow, BoundedByBytesAndTellsWhatAReaderStillNeeds) {
  const uint64_t each = RetainedBytes(*Txn(0x2000, 1).events[0]);
  ReplayWindow window({.max_bytes = 10 * each});
  window.SetStart(Lsn(0x1000));
  ASSERT_TRUE(window.Append(Part(0x2000, 0, 6, false), kStart));
  ASSERT_TRUE(window.Append(Part(0x2000, 6, 6, true), kStart));
  window.Trim(kStart);
  EXPECT_EQ(window.EventCount(), 6u);
  EXPECT_EQ(window.ByteCount(), 6 * each);
  ASSERT_TRUE(window.Append(Txn(0x3000, 3), kStart));
  window.Trim(kStart);
  // A reader inside the second part needs that part (whole) and the last transaction.
  auto needed = window.NeededAfter(EventId(Lsn(0x2000), 8));
  EXPECT_EQ(needed.events, 9u);
  EXPECT_EQ(needed.bytes, 9 * each);
  EXPECT_EQ(window.NeededAfter(EventId(Lsn(0x3000), 2)).events, 0u);
}

}  // namespace
}  // namespace walcast::api
