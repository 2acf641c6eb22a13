#include "tools/bench/stream_bench_receiver.h"

#include <stdexcept>

#include "tools/bench/stream_bench_event.h"

namespace walcast::bench {

ChangeReceiver::ChangeReceiver(int port, std::string from) : port_(port), from_(std::move(from)) {}

ChangeReceiver::~ChangeReceiver() = default;

void ChangeReceiver::Open(Clock::time_point deadline) {
  std::string target = "/api/events";
  const std::string& cursor = last_id_.empty() ? from_ : last_id_;
  if (!cursor.empty()) target += "?from=" + cursor;
  reader_.reset();  // the old connection goes first, as a browser's would
  reader_ = std::make_unique<SseReader>(port_, target, deadline);
  bool welcomed = false;
  reader_->Read(
      [&](const SseEvent& event) {
        welcomed = event.name == "welcome";
        if (!welcomed) problem_ = "expected welcome first, got '" + std::string(event.name) + "'";
        return false;
      },
      std::chrono::seconds(10));
  if (!welcomed) throw std::runtime_error(problem_.empty() ? "no welcome event" : problem_);
}

void ChangeReceiver::Connect(Clock::time_point deadline) {
  Open(deadline);
  connected_ = reader_->connected();
}

bool ChangeReceiver::Handle(const SseEvent& event, std::size_t total,
                            const std::function<void(const SseEvent&)>& on_change) {
  if (!IsChange(event.name)) {
    if (event.name == "clients") return true;  // walcastd's live count of connected clients
    if (event.name == "error" && event.data.find("slow consumer") != std::string_view::npos) {
      dropped_ = true;
      return true;  // the server closes next
    }
    problem_ = "unexpected '" + std::string(event.name) + "' event: " + std::string(event.data);
    return false;
  }
  if (!last_id_.empty() && event.id <= last_id_) {
    problem_ = "event ids out of order: " + std::string(event.id) + " after " + last_id_;
    return false;
  }
  last_change_ = Clock::now();
  if (count_ == 0) {
    first_id_ = event.id;
    first_change_ = last_change_;
  }
  last_id_ = event.id;
  ++count_;
  if (on_change) on_change(event);
  return count_ < total;
}

void ChangeReceiver::ReceiveUntil(std::size_t total,
                                  const std::function<void(const SseEvent&)>& on_change,
                                  std::chrono::milliseconds idle_timeout) {
  while (count_ < total) {
    auto end = reader_->Read([&](const SseEvent& event) { return Handle(event, total, on_change); },
                             idle_timeout);
    if (!problem_.empty()) throw std::runtime_error(problem_);
    if (count_ >= total) return;
    if (end == SseReader::End::kIdle) {
      throw std::runtime_error("no event for " + std::to_string(idle_timeout.count()) +
                               " ms after " + std::to_string(count_) + " of " +
                               std::to_string(total) + " changes");
    }
    if (!dropped_) throw std::runtime_error("walcastd closed the event stream");
    dropped_ = false;
    ++reconnects_;
    Open(Clock::now() + std::chrono::seconds(5));
  }
}

}  // namespace walcast::bench
