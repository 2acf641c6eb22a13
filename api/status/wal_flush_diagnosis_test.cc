#include "api/status/wal_flush_diagnosis.h"

#include <gtest/gtest.h>

#include <functional>

namespace walcast::api {
namespace {

using namespace std::chrono_literals;
using Clock = WalFlushDiagnosis::Clock;

// A scripted server and stream: every 2 s a monitor check, between them a transaction every
// `commit_every` whose delay `delay(t)` gives (t: ms since the start).
struct Script {
  std::chrono::milliseconds commit_every = 5ms;
  std::function<std::chrono::microseconds(int64_t)> delay;
  std::size_t events = 1;
  std::optional<uint64_t> unflushed = 512;  // what each check reads
  uint64_t wal_per_check = 600'000;         // the flush position advances this much a check
  int64_t backlog_bytes = 0;                // the stream's received position behind the flush
  bool streaming = true;
};

class Driver {
 public:
  explicit Driver(WalFlushDiagnosisOptions options = {}) : diagnosis_(options) {}

  // Runs `checks` checks of the script; returns the transitions seen, in order.
  std::vector<WalFlushTransition> Run(const Script& script, int checks) {
    std::vector<WalFlushTransition> seen;
    for (int i = 0; i < checks; ++i) {
      const auto until = elapsed_ + 2000ms;
      for (; elapsed_ < until; elapsed_ += script.commit_every) {
        diagnosis_.ObserveTransaction(script.delay(elapsed_.count()), script.events,
                                      start_ + elapsed_);
      }
      flush_lsn_ += script.wal_per_check;
      WalFlushCheck check;
      check.unflushed_bytes = script.unflushed;
      check.flush_lsn = flush_lsn_;
      check.received_lsn =
          script.streaming
              ? static_cast<uint64_t>(static_cast<int64_t>(flush_lsn_) - script.backlog_bytes)
              : 0;
      auto transition = diagnosis_.ObserveCheck(check, start_ + elapsed_);
      if (transition != WalFlushTransition::kNone) seen.push_back(transition);
    }
    return seen;
  }

  const WalFlushLag& Verdict() const { return diagnosis_.Verdict(); }

 private:
  WalFlushDiagnosis diagnosis_;
  Clock::time_point start_ = Clock::time_point() + 1h;
  std::chrono::milliseconds elapsed_{0};
  uint64_t flush_lsn_ = 0x1000000;
};

// synchronous_commit = off with wal_writer_delay 200ms: a commit waits for the next flush.
std::chrono::microseconds UntilNextFlush(int64_t ms) {
  return std::chrono::milliseconds(200 - ms % 200);
}

Script AsyncWriters() {
  Script script;
  script.delay = UntilNextFlush;
  return script;
}

Script SyncWriters() {
  Script script;
  script.delay = [](int64_t ms) { return std::chrono::microseconds(150 + ms % 7 * 20); };
  return script;
}

const auto kStarted = WalFlushTransition::kStarted;
const auto kEnded = WalFlushTransition::kEnded;

TEST(WalFlushDiagnosis, AsyncWritersAreDetectedAfterTwoLateChecks) {
  Driver driver;
  EXPECT_TRUE(driver.Run(AsyncWriters(), 1).empty()) << "the first check has no flush to compare";
  EXPECT_TRUE(driver.Run(AsyncWriters(), 1).empty()) << "one late check is not enough";
  EXPECT_FALSE(driver.Verdict().detected);
  EXPECT_EQ(driver.Run(AsyncWriters(), 1), std::vector{kStarted});
  const auto& verdict = driver.Verdict();
  EXPECT_TRUE(verdict.detected);
  EXPECT_NEAR(verdict.median_ms, 100, 5);
  EXPECT_NEAR(verdict.max_ms, 200, 5);
  EXPECT_NE(verdict.advice.find("synchronous_commit = off"), std::string::npos) << verdict.advice;
  EXPECT_NE(verdict.advice.find("wal_writer_delay"), std::string::npos) << verdict.advice;
  EXPECT_NE(verdict.advice.find("--flush-async-commits"), std::string::npos) << verdict.advice;
  EXPECT_TRUE(driver.Run(AsyncWriters(), 20).empty()) << "stays detected, said once";
}

TEST(WalFlushDiagnosis, EndsAfterThreeFineChecksOnceTheCommitsArriveInTime) {
  Driver driver;
  ASSERT_EQ(driver.Run(AsyncWriters(), 3), std::vector{kStarted});
  // The fix applied: the old, late transactions leave the 30 s window and the median falls.
  auto seen = driver.Run(SyncWriters(), 20);
  EXPECT_EQ(seen, std::vector{kEnded});
  EXPECT_FALSE(driver.Verdict().detected);
  EXPECT_TRUE(driver.Verdict().advice.empty());
}

TEST(WalFlushDiagnosis, EndsWhenTheWritersStop) {
  Driver driver;
  ASSERT_EQ(driver.Run(AsyncWriters(), 3), std::vector{kStarted});
  Script idle = AsyncWriters();
  idle.commit_every = 2000ms;  // one transaction a check: too few in the window
  idle.unflushed = 0;
  EXPECT_EQ(driver.Run(idle, 30), std::vector{kEnded});
}

TEST(WalFlushDiagnosis, SynchronousWritersAreNot) {
  Driver driver;
  Script script = SyncWriters();
  script.unflushed = 4096;  // a busy server shows WAL in flight at any instant
  EXPECT_TRUE(driver.Run(script, 20).empty());
  EXPECT_LT(driver.Verdict().median_ms, 1);
}

TEST(WalFlushDiagnosis, ClockSkewIsNot) {
  // The walcastd host's clock 300 ms ahead: every delay is 300 ms and a little, with WAL in
  // flight at every check. The spread of the delays gives it away.
  Driver driver;
  Script script = SyncWriters();
  script.delay = [](int64_t ms) { return std::chrono::microseconds(300'000 + ms % 7 * 100); };
  EXPECT_TRUE(driver.Run(script, 20).empty());
  EXPECT_NEAR(driver.Verdict().median_ms, 300, 1);
}

TEST(WalFlushDiagnosis, ClockSkewWithJitterButNoUnflushedWalIsNot) {
  Driver driver;
  Script script = SyncWriters();
  script.delay = [](int64_t ms) { return std::chrono::microseconds(300'000 + ms % 97 * 1000); };
  script.unflushed = 0;
  EXPECT_TRUE(driver.Run(script, 20).empty());
}

TEST(WalFlushDiagnosis, ABacklogIsNot) {
  // walcast (or slow clients holding it back) 5 MB behind what the server has flushed, delays
  // growing: late, but not for the flush.
  Driver driver;
  Script script = SyncWriters();
  script.delay = [](int64_t ms) { return std::chrono::microseconds(50'000 + ms * 100); };
  script.backlog_bytes = 5'000'000;
  EXPECT_TRUE(driver.Run(script, 20).empty());
  EXPECT_GT(driver.Verdict().median_ms, 20);
}

TEST(WalFlushDiagnosis, ABacklogEndsADetection) {
  Driver driver;
  ASSERT_EQ(driver.Run(AsyncWriters(), 3), std::vector{kStarted});
  Script script = AsyncWriters();
  script.backlog_bytes = 5'000'000;
  EXPECT_EQ(driver.Run(script, 3), std::vector{kEnded});
}

TEST(WalFlushDiagnosis, ARecordCutByAPageFlushStillKeepsUp) {
  Driver driver;
  Script script = AsyncWriters();
  script.backlog_bytes = 300;  // the walsender waits for the rest of a record the flush cut
  EXPECT_EQ(driver.Run(script, 3), std::vector{kStarted});
}

TEST(WalFlushDiagnosis, LargeTransactionsAreLeftOut) {
  // Transactions of 10,000 rows, each handed off seconds after its commit (decoding and
  // publishing it takes that long): not a flush problem.
  Driver driver;
  Script script = SyncWriters();
  script.commit_every = 200ms;
  script.events = 10'000;
  script.delay = [](int64_t ms) { return std::chrono::microseconds(1'000'000 + ms % 1000 * 1000); };
  EXPECT_TRUE(driver.Run(script, 20).empty());
  EXPECT_EQ(driver.Verdict().median_ms, 0) << "none counted";
}

TEST(WalFlushDiagnosis, OnAStandbyNothingIsDecided) {
  Driver driver;
  Script script = AsyncWriters();
  script.unflushed = std::nullopt;  // not read during recovery
  EXPECT_TRUE(driver.Run(script, 20).empty());
}

TEST(WalFlushDiagnosis, NotWhileTheStreamIsDown) {
  Driver driver;
  Script script = AsyncWriters();
  script.streaming = false;
  EXPECT_TRUE(driver.Run(script, 20).empty());
}

TEST(WalFlushDiagnosis, ALateBlipIsNot) {
  // One late check between fine ones (a burst after a pause) never reaches two in a row.
  Driver driver;
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(driver.Run(SyncWriters(), 16).empty());
    Script blip = AsyncWriters();
    blip.commit_every = 100ms;
    // Too few to move the median of the window off the fine ones.
    EXPECT_TRUE(driver.Run(blip, 1).empty());
  }
}

TEST(WalFlushDiagnosis, TheAdviceFollowsTheRemedy) {
  WalFlushDiagnosisOptions options;
  options.remedy_enabled = true;
  Driver driver(options);
  ASSERT_EQ(driver.Run(AsyncWriters(), 3), std::vector{kStarted});
  EXPECT_NE(driver.Verdict().advice.find("runs --flush-async-commits"), std::string::npos)
      << driver.Verdict().advice;
  EXPECT_EQ(WalFlushAdvice(114.4, 310, false),
            "commits reach walcast 114 ms (median; up to 310 ms) after they commit: their WAL is "
            "not flushed at commit (synchronous_commit = off in the writers?) and a logical "
            "walsender decodes flushed WAL only. Lower wal_writer_delay on the server (e.g. 10ms) "
            "or run walcastd with --flush-async-commits");
}

}  // namespace
}  // namespace walcast::api
