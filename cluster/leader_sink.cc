#include "cluster/leader_sink.h"

#include <boost/asio/post.hpp>

#include "decoder/event_id.h"

namespace walcast::cluster {
namespace asio = boost::asio;

void LeaderSink::State::StepDown(const std::string& reason) {
  if (stepped_down.exchange(true)) return;
  if (callbacks.step_down) callbacks.step_down(reason);
}

void LeaderSink::State::Acknowledge(uint64_t position) {
  uint64_t known = acknowledged.load();
  while (known < position && !acknowledged.compare_exchange_weak(known, position)) {
  }
}

LeaderSink::LeaderSink(asio::any_io_executor appender_strand,
                       std::shared_ptr<StreamAppender> appender, LeaderCallbacks callbacks,
                       std::size_t max_in_flight_events)
    : appender_strand_(std::move(appender_strand)),
      appender_(std::move(appender)),
      state_(std::make_shared<State>()),
      max_in_flight_events_(max_in_flight_events) {
  state_->callbacks = std::move(callbacks);
}

void LeaderSink::OnStreamStart(decoder::Lsn confirmed_flush) {
  // A later connection of the same stream would start again from the slot; the owner streams
  // once per term (ReplicationOptions::reconnect is off), so this runs once.
  state_->acknowledged.store(confirmed_flush.value());
  // Below the first id that can follow the slot's position, nothing can be resumed from a new
  // stream: its floor.
  auto floor = decoder::EventId(confirmed_flush, 0).ToString();
  asio::post(appender_strand_, [appender = appender_, state = state_, floor, confirmed_flush] {
    appender->TakeOver(
        floor, confirmed_flush, [state](std::variant<Takeover, ScriptRefusal> outcome) {
          if (auto* refusal = std::get_if<ScriptRefusal>(&outcome)) {
            return state->StepDown("taking the stream over failed: " + refusal->message);
          }
          state->leading = true;
          if (state->callbacks.on_leading) {
            state->callbacks.on_leading(std::get<Takeover>(outcome));
          }
        });
  });
}

bool LeaderSink::Publish(api::PublishedTransaction transaction, const OnFresh& /*on_fresh*/) {
  // Counted where members publish what they read back, not here.
  if (state_->stepped_down) return false;
  const uint64_t events = std::max<std::size_t>(1, transaction.events.size());
  state_->in_flight_events += events;
  ++state_->in_flight_jobs;
  asio::post(appender_strand_, [appender = appender_, state = state_, events,
                                transaction = std::move(transaction)] {
    const auto end = transaction.end_lsn.value();
    // A transaction without events writes nothing, so it cannot raise the stream's `end`: its
    // position is acknowledged like an idle one (ObserveIdleWalEnd), after an advance.
    const bool complete = transaction.complete && !transaction.events.empty();
    appender->Append(transaction, [state, events, end, complete](StreamAppender::Outcome outcome) {
      if (auto* refusal = std::get_if<ScriptRefusal>(&outcome)) {
        state->StepDown("appending to the stream failed: " + refusal->message);
      } else if (complete && !state->stepped_down) {
        // Appends complete in order: this transaction and all before it are in Redis.
        state->Acknowledge(end);
      }
      state->in_flight_events -= events;
      --state->in_flight_jobs;
    });
  });
  return true;
}

bool LeaderSink::RoomForPart(std::size_t /*events*/, uint64_t /*bytes*/,
                             std::chrono::steady_clock::duration /*stall_timeout*/) const {
  // Readers pace themselves on their members' windows; the leader only keeps Redis's pace.
  return !Backlogged();
}

bool LeaderSink::Backlogged() const {
  return state_->in_flight_events.load() >= max_in_flight_events_;
}

void LeaderSink::ObserveIdleWalEnd(decoder::Lsn wal_end) {
  // Nothing decoded is waiting for Redis: the server's position holds no change of ours, and
  // acknowledging it keeps PostgreSQL from retaining WAL for an idle table; first the stream's
  // `end` goes there. One advance at a time; a keepalive comes again soon.
  if (!state_->leading || state_->stepped_down || state_->in_flight_jobs.load() != 0) return;
  if (wal_end.value() <= state_->acknowledged.load() || state_->advancing.exchange(true)) return;
  asio::post(appender_strand_, [appender = appender_, state = state_, wal_end] {
    appender->Advance(wal_end, [state, wal_end](StreamAppender::Outcome outcome) {
      if (auto* refusal = std::get_if<ScriptRefusal>(&outcome)) {
        state->StepDown("advancing the stream's end failed: " + refusal->message);
      } else if (!state->stepped_down) {
        state->Acknowledge(wal_end.value());
      }
      state->advancing = false;
    });
  });
}

decoder::Lsn LeaderSink::AckLsn() const { return decoder::Lsn(state_->acknowledged.load()); }

}  // namespace walcast::cluster
