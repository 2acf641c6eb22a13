#include "api/stream/handoff_ledger.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

using decoder::Lsn;

XidSnapshot Snap(std::string_view text) { return XidSnapshot::Parse(text).value(); }

// A ledger past its start-up: the first horizon saw nothing committed and still in progress.
HandoffLedger Started() {
  HandoffLedger ledger;
  ledger.ObserveHorizon(Snap("100:100:"), {});
  return ledger;
}

TEST(HandoffLedger, StartsAtThePublishedEndWhenNothingInProgressIsRetained) {
  auto ledger = Started();
  auto mark = ledger.MarkRead();
  EXPECT_EQ(ledger.StartFor(mark, Snap("120:125:"), Lsn(0x500)), Lsn(0x500));
  // In progress and not retained: it has not committed (or not been decoded) yet, so it comes
  // after everything published.
  EXPECT_EQ(ledger.StartFor(mark, Snap("120:125:121"), Lsn(0x500)), Lsn(0x500));
}

TEST(HandoffLedger, ARetainedTransactionTheReadMissedPullsTheStartBack) {
  auto ledger = Started();
  ledger.Retained(121, Lsn(0x300));  // committed early, e.g. waiting for a synchronous standby
  ledger.Retained(122, Lsn(0x400));
  auto mark = ledger.MarkRead();
  EXPECT_EQ(ledger.StartFor(mark, Snap("121:125:121"), Lsn(0x500)), Lsn(0x300));
  EXPECT_EQ(ledger.StartFor(mark, Snap("122:125:"), Lsn(0x500)), Lsn(0x500));
}

// xmax follows the newest finished transaction: one that wrote its commit record (and was
// published) but had not finished when the snapshot was taken is at or beyond xmax, not listed.
TEST(HandoffLedger, ARetainedTransactionAtOrBeyondXmaxPullsTheStartBackToo) {
  auto ledger = Started();
  ledger.Retained(125, Lsn(0x280));
  ledger.Retained(126, Lsn(0x300));
  ledger.Retained(127, Lsn(0x400));
  auto mark = ledger.MarkRead();
  EXPECT_EQ(ledger.StartFor(mark, Snap("126:126:"), Lsn(0x500)), Lsn(0x300));
  EXPECT_EQ(ledger.StartFor(mark, Snap("128:128:"), Lsn(0x500)), Lsn(0x500));
}

TEST(HandoffLedger, OneThatLeftWhileTheReadRanMakesThePositionTooOld) {
  auto ledger = Started();
  ledger.Retained(121, Lsn(0x300));
  ledger.ObserveHorizon(Snap("125:125:"), {});  // 121 is visible to everyone now
  auto mark = ledger.MarkRead();
  ledger.Evicted(121);
  EXPECT_EQ(ledger.StartFor(mark, Snap("121:125:121"), Lsn(0x500)), std::nullopt);
  // A read that began after it left cannot list it as in progress; another xid is fine.
  auto later = ledger.MarkRead();
  EXPECT_EQ(ledger.StartFor(later, Snap("123:125:123"), Lsn(0x500)), Lsn(0x500));
}

TEST(HandoffLedger, OneEvictedWhileStillInvisibleStaysTooOldUntilTheHorizonSeesIt) {
  auto ledger = Started();
  ledger.Retained(121, Lsn(0x300));
  ledger.Retained(121, Lsn(0x300));  // two parts
  ledger.Evicted(121);
  EXPECT_EQ(ledger.UnsafeCount(), 0u) << "a part is still retained";
  ledger.Evicted(121);
  EXPECT_EQ(ledger.UnsafeCount(), 1u) << "the horizon (xmax 100) does not see 121 yet";
  auto mark = ledger.MarkRead();
  EXPECT_EQ(ledger.StartFor(mark, Snap("121:130:121"), Lsn(0x500)), std::nullopt);
  // The horizon sees it: reads already running still find it in the log.
  ledger.ObserveHorizon(Snap("130:130:"), {});
  EXPECT_EQ(ledger.UnsafeCount(), 0u);
  EXPECT_EQ(ledger.StartFor(mark, Snap("121:130:121"), Lsn(0x500)), std::nullopt);
}

TEST(HandoffLedger, TooManyDeparturesDuringOneReadMakeItTooOld) {
  auto ledger = Started();
  ledger.ObserveHorizon(Snap("1000000:1000000:"), {});
  auto mark = ledger.MarkRead();
  for (uint32_t xid = 1; xid <= HandoffLedger::kLogSize + 1; ++xid) {
    ledger.Retained(xid, Lsn(xid));
    ledger.Evicted(xid);
  }
  EXPECT_EQ(ledger.StartFor(mark, Snap("999999:1000001:999999"), Lsn(0x500)), std::nullopt);
  EXPECT_EQ(ledger.StartFor(ledger.MarkRead(), Snap("999999:1000001:999999"), Lsn(0x500)),
            Lsn(0x500));
}

TEST(HandoffLedger, BeforeTheFirstHorizonAnUnknownInProgressTransactionIsTooOld) {
  HandoffLedger ledger;
  auto mark = ledger.MarkRead();
  EXPECT_EQ(ledger.StartFor(mark, Snap("120:125:"), Lsn(0x500)), Lsn(0x500));
  EXPECT_EQ(ledger.StartFor(mark, Snap("120:125:121"), Lsn(0x500)), std::nullopt);
  ledger.ObserveHorizon(Snap("120:125:121,122"), {122});
  // The read began before the horizon was known.
  EXPECT_EQ(ledger.StartFor(mark, Snap("120:125:121"), Lsn(0x500)), std::nullopt);
  auto after = ledger.MarkRead();
  EXPECT_EQ(ledger.StartFor(after, Snap("120:125:121"), Lsn(0x500)), Lsn(0x500));
  // 122 had committed and was still invisible when this process began: a previous process may
  // have published and evicted it.
  EXPECT_EQ(ledger.StartFor(after, Snap("120:125:122"), Lsn(0x500)), std::nullopt);
}

}  // namespace
}  // namespace walcast::api
