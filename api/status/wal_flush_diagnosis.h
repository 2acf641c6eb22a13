// WalFlushDiagnosis: decides whether committed transactions reach walcast late because their WAL
// is flushed late, i.e. writers commit with synchronous_commit = off and the server flushes their
// WAL only every wal_writer_delay (200 ms by default). A logical walsender decodes flushed WAL
// only, so such a commit waits for the WAL writer however fast walcast is; the fix is on the
// server (wal_writer_delay) or walcastd's --flush-async-commits (docs/operations.md, "Late WAL
// flushes").
//
// Fed with the commit → hand-off delay of each small transaction (the change pipeline) and, at each
// check of the database monitor (every 2 s), with what the server said about its WAL. A check is
// "late" when all of these hold:
//   - at least `min_transactions` small transactions were handed off in the last `window`, their
//     median delay is at least `late_median`, and that median exceeds their smallest delay by at
//     least `min_spread`: a clock skew between the database and walcastd hosts shifts every delay
//     alike and so cannot pass this, while a flush every D ms spreads delays between ~0 and D;
//   - unflushed WAL (pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn()) was seen at a check
//     within `window` (never on a standby, where it is not read);
//   - walcast keeps up: what it has received reaches, within `decode_slack_bytes`, the flush
//     position of the previous check (2 s before). A backlog (a slow walcastd, slow clients
//     holding the stream back, a walsender decoding a huge transaction) fails this, and so does a
//     stream that is down.
// Transactions of more than `max_events` events are left out: their delay includes their own
// decoding and hand-off. The verdict changes with hysteresis: detected after `checks_to_start`
// late checks in a row, over after `checks_to_end` checks in a row that are not.
//
// Pure: no I/O, no clock (callers pass the steady time), no locking (api::Metrics holds one
// under its mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace walcast::api {

// What one check of the database monitor read, with the stream's position at that moment.
struct WalFlushCheck {
  // WAL inserted but not yet flushed (insert position minus flush position, 0 at least);
  // nullopt when unknown: a standby, a failed read.
  std::optional<uint64_t> unflushed_bytes;
  uint64_t flush_lsn = 0;     // the server's WAL flush position; 0: unknown
  uint64_t received_lsn = 0;  // how far walcast has received the stream; 0: not streaming
};

// What /health and /metrics say about it.
struct WalFlushLag {
  bool detected = false;
  // Of the small transactions handed off in the window, as of the last check; 0 without any.
  double median_ms = 0;
  double max_ms = 0;
  std::string advice;  // one sentence with the fix; empty while not detected
};

enum class WalFlushTransition { kNone, kStarted, kEnded };

struct WalFlushDiagnosisOptions {
  std::chrono::steady_clock::duration window = std::chrono::seconds(30);
  std::size_t max_samples = 4096;  // the newest are kept
  std::size_t min_transactions = 5;
  std::chrono::microseconds late_median{20'000};
  std::chrono::microseconds min_spread{10'000};
  std::size_t max_events = 100;
  uint64_t decode_slack_bytes = 64 * 1024;  // a record cut by a flush at a page boundary
  int checks_to_start = 2;
  int checks_to_end = 3;
  // walcastd already runs --flush-async-commits: the advice then points at it instead.
  bool remedy_enabled = false;
};

class WalFlushDiagnosis {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WalFlushDiagnosis(WalFlushDiagnosisOptions options = {}) : options_(options) {}

  // A transaction of `events` events handed off `delay` after its commit (PostgreSQL's commit
  // timestamp against walcastd's clock: negative when the database's clock is ahead).
  void ObserveTransaction(std::chrono::microseconds delay, std::size_t events,
                          Clock::time_point now);
  // One check of the monitor; returns whether the verdict changed with it.
  WalFlushTransition ObserveCheck(const WalFlushCheck& check, Clock::time_point now);
  const WalFlushLag& Verdict() const { return verdict_; }

 private:
  struct Sample {
    Clock::time_point at;
    int64_t delay_micros;
  };
  bool Late(const WalFlushCheck& check, Clock::time_point now);

  WalFlushDiagnosisOptions options_;
  std::deque<Sample> samples_;
  std::optional<Clock::time_point> unflushed_seen_at_;
  uint64_t previous_flush_lsn_ = 0;
  int late_in_a_row_ = 0;
  int fine_in_a_row_ = 0;
  WalFlushLag verdict_;
};

// The sentence of WalFlushLag::advice.
std::string WalFlushAdvice(double median_ms, double max_ms, bool remedy_enabled);

}  // namespace walcast::api
