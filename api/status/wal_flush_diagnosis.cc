#include "api/status/wal_flush_diagnosis.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace walcast::api {

std::string WalFlushAdvice(double median_ms, double max_ms, bool remedy_enabled) {
  std::string text = fmt::format(
      "commits reach walcast {:.0f} ms (median; up to {:.0f} ms) after they commit: their WAL is "
      "not flushed at commit (synchronous_commit = off in the writers?) and a logical walsender "
      "decodes flushed WAL only. ",
      median_ms, max_ms);
  if (remedy_enabled) {
    text +=
        "walcastd runs --flush-async-commits: see its log for its connection, or shorten "
        "--flush-async-commits-interval-ms; or lower wal_writer_delay on the server (e.g. 10ms)";
  } else {
    text +=
        "Lower wal_writer_delay on the server (e.g. 10ms) or run walcastd with "
        "--flush-async-commits";
  }
  return text;
}

void WalFlushDiagnosis::ObserveTransaction(std::chrono::microseconds delay, std::size_t events,
                                           Clock::time_point now) {
  if (events > options_.max_events) return;
  samples_.push_back({now, delay.count()});
  while (samples_.size() > options_.max_samples) samples_.pop_front();
}

bool WalFlushDiagnosis::Late(const WalFlushCheck& check, Clock::time_point now) {
  while (!samples_.empty() && now - samples_.front().at > options_.window) samples_.pop_front();
  if (check.unflushed_bytes && *check.unflushed_bytes > 0) unflushed_seen_at_ = now;
  const uint64_t previous_flush = std::exchange(previous_flush_lsn_, check.flush_lsn);

  std::vector<int64_t> delays;
  delays.reserve(samples_.size());
  for (const auto& sample : samples_) delays.push_back(sample.delay_micros);
  verdict_.median_ms = 0;
  verdict_.max_ms = 0;
  if (delays.empty()) return false;
  std::sort(delays.begin(), delays.end());
  const int64_t median = delays[delays.size() / 2];
  verdict_.median_ms = static_cast<double>(median) / 1000.0;
  verdict_.max_ms = static_cast<double>(delays.back()) / 1000.0;

  if (delays.size() < options_.min_transactions) return false;
  if (median < options_.late_median.count()) return false;
  if (median - delays.front() < options_.min_spread.count()) return false;  // a clock skew
  if (!unflushed_seen_at_ || now - *unflushed_seen_at_ > options_.window) return false;
  // Keeping up: everything flushed a check ago has reached walcast.
  if (check.received_lsn == 0 || previous_flush == 0) return false;
  return check.received_lsn + options_.decode_slack_bytes >= previous_flush;
}

WalFlushTransition WalFlushDiagnosis::ObserveCheck(const WalFlushCheck& check,
                                                   Clock::time_point now) {
  if (Late(check, now)) {
    ++late_in_a_row_;
    fine_in_a_row_ = 0;
  } else {
    ++fine_in_a_row_;
    late_in_a_row_ = 0;
  }
  auto transition = WalFlushTransition::kNone;
  if (!verdict_.detected && late_in_a_row_ >= options_.checks_to_start) {
    verdict_.detected = true;
    transition = WalFlushTransition::kStarted;
  } else if (verdict_.detected && fine_in_a_row_ >= options_.checks_to_end) {
    verdict_.detected = false;
    transition = WalFlushTransition::kEnded;
  }
  verdict_.advice = verdict_.detected ? WalFlushAdvice(verdict_.median_ms, verdict_.max_ms,
                                                       options_.remedy_enabled)
                                      : std::string();
  return transition;
}

}  // namespace walcast::api
