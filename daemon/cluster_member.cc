#include "daemon/cluster_member.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/orders/write_tracker.h"
#include "api/status/metrics.h"
#include "api/stream/event_hub.h"
#include "cluster/leader_sink.h"
#include "cluster/stream_appender.h"
#include "cluster/stream_entry.h"
#include "cluster/stream_follower.h"
#include "database/reconnect.h"
#include "database/sql_quote.h"
#include "redis/redis_connection.h"

namespace walcast::daemon {
namespace asio = boost::asio;
using namespace std::chrono_literals;

struct ClusterMember::Term {
  std::shared_ptr<cluster::StreamAppender> appender;
  std::shared_ptr<cluster::LeaderSink> sink;
  std::unique_ptr<ChangePipeline> pipeline;
  std::shared_ptr<database::ReplicationStream> stream;
  bool leading = false;  // the takeover succeeded
};

namespace {

// Starts an operation that reports once through `done(T)`, and waits for that or the deadline
// (hiredis 0.14 has none): nullopt on expiry. The callback may come later; it is then dropped.
template <class T, class Start>
asio::awaitable<std::optional<T>> WithDeadline(std::chrono::milliseconds timeout, Start start) {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor, timeout);
  auto result = std::make_shared<std::optional<T>>();
  start([timer, result](T value) {
    *result = std::move(value);
    timer->cancel();
  });
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return std::move(*result);
}

// One command. A Redis that stops answering (paused, a network partition) must not hold the
// member: on expiry the connection is closed, which fails whatever else waits on it.
asio::awaitable<redis::RedisValue> Call(const std::shared_ptr<redis::RedisConnection>& connection,
                                        std::vector<std::string> args,
                                        std::chrono::milliseconds timeout) {
  auto reply = co_await WithDeadline<redis::RedisValue>(
      timeout, [&](auto done) { connection->Command(std::move(args), std::move(done)); });
  if (reply) co_return std::move(*reply);
  connection->Close();
  co_return redis::RedisValue::Error("Redis did not answer within " +
                                     std::to_string(timeout.count()) + " ms");
}

asio::awaitable<std::optional<std::string>> Connect(
    const std::shared_ptr<redis::RedisConnection>& connection, std::chrono::milliseconds timeout) {
  // The connection keeps its own deadline; this one only guards against a callback never coming.
  auto outcome = co_await WithDeadline<std::optional<std::string>>(
      timeout + 1s, [&](auto done) { connection->Connect(timeout, std::move(done)); });
  if (outcome) co_return std::move(*outcome);
  connection->Close();
  co_return "connecting to Redis timed out";
}

// A flat [name, value, ...] reply (HGETALL, XINFO STREAM) as a lookup.
const redis::RedisValue* Field(const redis::RedisValue& reply, std::string_view name) {
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    if (reply.elements[i].text == name) return &reply.elements[i + 1];
  }
  return nullptr;
}

}  // namespace

ClusterMember::ClusterMember(asio::io_context& io_context, ClusterOptions options,
                             std::shared_ptr<api::EventHub> hub,
                             std::shared_ptr<api::Metrics> metrics,
                             std::shared_ptr<api::WriteTracker> write_tracker)
    : strand_(asio::make_strand(io_context)),
      options_(std::move(options)),
      keys_(cluster::StreamKeys::ForSlot(options_.replication.slot)),
      hub_(std::move(hub)),
      metrics_(std::move(metrics)),
      write_tracker_(std::move(write_tracker)),
      timer_(strand_),
      slot_watch_(strand_) {}

ClusterMember::~ClusterMember() = default;

void ClusterMember::Start() {
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

void ClusterMember::Stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
    if (self->term_ && self->term_->stream) self->term_->stream->Stop();
    self->StopFollower();
    if (self->control_) self->control_->Close();
    self->slot_watch_.Close();
  });
}

ClusterState ClusterMember::State() const {
  std::shared_ptr<database::ReplicationStream> stream;
  ClusterState state;
  {
    std::lock_guard lock(mutex_);
    state = state_;
    stream = leading_stream_;
  }
  if (stream && state.leader) state.replication = stream->State();
  return state;
}

void ClusterMember::SetRedis(bool up, std::string problem) {
  std::lock_guard lock(mutex_);
  state_.redis_up = up;
  state_.redis_problem = std::move(problem);
}

asio::awaitable<void> ClusterMember::Run() {
  database::Backoff backoff(100ms, 5000ms);
  std::string previous;
  while (!stopped_) {
    const auto started = std::chrono::steady_clock::now();
    std::string reason = co_await Session();
    StopFollower();
    if (control_) control_->Close();
    if (term_) StepDown(stopped_ ? "the server is stopping" : "Redis is unreachable: " + reason);
    if (stopped_) break;
    SetRedis(false, reason);
    if (std::chrono::steady_clock::now() - started > 10s) backoff.Reset();
    auto wait = backoff.Next();
    // The same failure again is logged once; its state stays in /health.
    if (reason != previous) {
      spdlog::warn("cluster: Redis {} unusable: {}; retrying with backoff (up to every 5 s)",
                   options_.endpoint.Describe(), reason);
    }
    previous = reason;
    if (!co_await database::SleepUnlessStopped(timer_, wait, stopped_)) break;
  }
}

asio::awaitable<std::string> ClusterMember::Session() {
  control_ = std::make_shared<redis::RedisConnection>(strand_, options_.endpoint);
  reader_ = std::make_shared<redis::RedisConnection>(strand_, options_.endpoint);
  if (auto error = co_await Connect(control_, 5000ms)) co_return *error;
  if (auto error = co_await Connect(reader_, 5000ms)) co_return *error;
  if (auto problem = co_await CheckStreamKey()) co_return *problem;
  co_await CheckPersistence();
  if (auto problem = co_await PollRedis()) co_return *problem;
  if (auto problem = co_await LoadStart()) co_return *problem;

  cluster::FollowerOptions follower_options;
  follower_options.on_fresh = [metrics = metrics_, tracker = write_tracker_](
                                  const std::vector<api::StreamEventPtr>& added) {
    if (added.empty()) return;
    for (const auto& event : added) metrics->CountEvent(event->keys.operation);
    // A write on this member learns its eventId from the first event of its transaction.
    const auto& first = added.front();
    if (tracker && first->id.index() == 0 && first->xid != 0) {
      tracker->Published(first->xid, first->id.ToString());
    }
  };
  follower_ = std::make_shared<cluster::StreamFollower>(
      reader_, keys_, hub_, follower_options, [weak = weak_from_this()](std::string error) {
        if (auto self = weak.lock()) self->follower_error_ = std::move(error);
      });
  follower_error_.reset();
  follower_->Start(cursor_);
  SetRedis(true, "");
  spdlog::info("cluster: member {} follows {} on Redis {} from {}", options_.member, keys_.stream,
               options_.endpoint.Describe(), cursor_);
  if (!announced_) {
    // Every member starts as a follower; the leader's line follows if it wins the slot.
    spdlog::info("cluster role: follower (member {} joined)", options_.member);
    announced_ = true;
  }

  auto next_poll = std::chrono::steady_clock::now() + options_.redis_poll;
  while (!stopped_) {
    if (follower_error_) co_return *follower_error_;
    if (!control_->usable()) co_return "the connection to Redis was lost";
    if (!reader_->usable()) co_return "the reading connection to Redis was lost";
    if (std::chrono::steady_clock::now() >= next_poll) {
      if (auto problem = co_await PollRedis()) co_return *problem;
      next_poll = std::chrono::steady_clock::now() + options_.redis_poll;
    }
    if (!term_) co_await WatchSlot();
    if (!co_await database::SleepUnlessStopped(timer_, options_.slot_poll, stopped_)) break;
  }
  co_return "stopped";
}

// A key walcast did not create (another application's data, a typo in --slot) is reported, never
// overwritten.
asio::awaitable<std::optional<std::string>> ClusterMember::CheckStreamKey() {
  const std::vector<std::pair<std::string, std::string>> expected_types = {{keys_.stream, "stream"},
                                                                           {keys_.meta, "hash"}};
  for (const auto& [key, expected] : expected_types) {
    std::vector<std::string> command{"TYPE", key};
    auto type = co_await Call(control_, std::move(command), 2000ms);
    if (type.IsError()) co_return "TYPE " + key + " failed: " + type.text;
    if (type.text != "none" && type.text != expected) {
      co_return "the key " + key + " holds a " + type.text + ", not a " + expected +
          ": walcast will not touch it (remove it, or choose another --slot)";
    }
  }
  co_return std::nullopt;
}

// The no-loss promise assumes a reply follows its fsync (docs/cluster.md): say so when Redis is
// set up otherwise. A managed Redis may refuse CONFIG; then nothing can be said.
asio::awaitable<void> ClusterMember::CheckPersistence() {
  std::vector<std::string> command{"CONFIG", "GET", "append*"};
  auto reply = co_await Call(control_, std::move(command), 2000ms);
  if (!reply.IsArray()) co_return;
  const auto* appendonly = Field(reply, "appendonly");
  const auto* appendfsync = Field(reply, "appendfsync");
  if (appendonly == nullptr || appendfsync == nullptr) co_return;
  std::string settings = "appendonly " + appendonly->text + ", appendfsync " + appendfsync->text;
  if (settings == persistence_warned_) co_return;
  if (appendonly->text != "yes") {
    spdlog::warn(
        "cluster: Redis {} runs without an append-only file ({}): a Redis restart loses "
        "the stream, and clients resuming from before it get resync; set appendonly yes "
        "and appendfsync always",
        options_.endpoint.Describe(), settings);
  } else if (appendfsync->text != "always") {
    spdlog::warn(
        "cluster: Redis {} fsyncs its append-only file less than on every write ({}): "
        "a crash of its machine can lose appends the slot was told are safe; set "
        "appendfsync always",
        options_.endpoint.Describe(), settings);
  } else {
    settings.clear();  // as expected: a later change is worth a line again
  }
  persistence_warned_ = settings;
}

// Once per run, before the first read: where resumes into this member's window become complete.
// Nothing before the stream's floor (where its epoch began), nor before its first entry if it has
// been trimmed, can be resumed from.
asio::awaitable<std::optional<std::string>> ClusterMember::LoadStart() {
  if (loaded_) co_return std::nullopt;
  std::vector<std::string> get_floor{"HGET", keys_.meta, "floor"};
  auto meta = co_await Call(control_, std::move(get_floor), 2000ms);
  if (meta.IsError()) co_return "reading " + keys_.meta + " failed: " + meta.text;
  if (meta.IsNil()) co_return std::nullopt;  // no leader has written yet: the epoch poll will say
  auto floor = decoder::EventId::Parse(meta.text);
  if (!floor) co_return "the floor in " + keys_.meta + " is not an event id: " + meta.text;
  decoder::Lsn start = floor->commit_lsn();
  std::vector<std::string> stream_info{"XINFO", "STREAM", keys_.stream};
  auto info = co_await Call(control_, std::move(stream_info), 2000ms);
  if (info.IsArray()) {
    const auto* length = Field(info, "length");
    const auto* added = Field(info, "entries-added");  // Redis 7: absent before
    const auto* first = Field(info, "first-entry");
    const bool trimmed = added == nullptr || length == nullptr || added->integer > length->integer;
    if (trimmed && first != nullptr && !first->elements.empty()) {
      if (auto id = cluster::EventIdOfStreamId(first->elements[0].text)) {
        // Within the first entry's transaction nothing is known to be complete.
        start = std::max(start, decoder::Lsn(id->commit_lsn().value() + 1));
      }
    }
  }
  hub_->OnStreamStart(start);
  loaded_ = true;
  co_return std::nullopt;
}

// Liveness and round trip, the stream's epoch, and how far behind its end this member reads.
asio::awaitable<std::optional<std::string>> ClusterMember::PollRedis() {
  const auto sent = std::chrono::steady_clock::now();
  std::vector<std::string> get_meta{"HMGET", keys_.meta, "epoch", "floor", "lastid", "term"};
  auto meta = co_await Call(control_, std::move(get_meta), 2000ms);
  const std::chrono::duration<double> roundtrip = std::chrono::steady_clock::now() - sent;
  if (meta.IsError()) co_return "Redis did not answer: " + meta.text;
  metrics_->ObserveRedisRoundtrip(std::chrono::duration_cast<std::chrono::microseconds>(roundtrip));
  if (!meta.IsArray() || meta.elements.size() != 4) co_return "unexpected reply " + meta.Describe();
  const auto& epoch = meta.elements[0];
  if (epoch.IsNil()) {
    if (!known_epoch_.empty()) {
      spdlog::warn(
          "cluster: the stream {} and its meta are gone from Redis (restarted without "
          "persistence, or deleted); waiting for a leader to start a new one",
          keys_.stream);
      known_epoch_.clear();
    }
  } else if (epoch.text != known_epoch_) {
    // A member that starts before any leader wrote learns its floor with the first epoch. Later
    // epochs (Redis lost the stream) show in the entries' numbers, which the follower checks.
    if (!loaded_) {
      if (auto floor = decoder::EventId::Parse(meta.elements[1].text)) {
        hub_->OnStreamStart(floor->commit_lsn());
        loaded_ = true;
      }
    }
    if (!known_epoch_.empty()) {
      spdlog::warn("cluster: the stream {} has a new epoch {} (floor {})", keys_.stream, epoch.text,
                   meta.elements[1].text);
    }
    known_epoch_ = epoch.text;
  }
  // Lag: zero while the follower has read the stream's last entry, else how long it has not.
  auto last = cluster::EventIdOfStreamId(meta.elements[2].text);
  auto cursor = cluster::EventIdOfStreamId(follower_ ? follower_->last_id() : cursor_);
  const auto now = std::chrono::steady_clock::now();
  if (!last || (cursor && *cursor >= *last)) caught_up_at_ = now;
  std::lock_guard lock(mutex_);
  if (meta.elements[3].Text()) state_.term = std::atoll(meta.elements[3].text.c_str());
  state_.lag_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - caught_up_at_).count();
  co_return std::nullopt;
}

// A standby's election: the slot is free when no walsender holds it (or it does not exist yet,
// and the first leader creates it). Whoever then starts streaming first wins; the others'
// START_REPLICATION fails ("is active for PID") and they keep watching.
asio::awaitable<void> ClusterMember::WatchSlot() {
  if (!slot_watch_.IsOpen()) {
    if (auto error = co_await slot_watch_.Connect(options_.params, 5s)) {
      spdlog::debug("cluster: cannot watch the slot: {}", error->message);
      co_return;
    }
  }
  auto outcome =
      co_await slot_watch_.Exec("SELECT active_pid FROM pg_replication_slots WHERE slot_name = " +
                                    database::QuoteLiteral(options_.replication.slot),
                                5s);
  if (!outcome.ok()) {
    spdlog::debug("cluster: cannot read the slot's state: {}", outcome.error->message);
    slot_watch_.Close();
    co_return;
  }
  auto* result = outcome.result.get();
  const bool free = PQntuples(result) == 0 || PQgetisnull(result, 0, 0);
  if (free && !term_ && !stopped_) Candidate();
}

void ClusterMember::Candidate() {
  auto term = std::make_shared<Term>();
  const uint64_t generation = ++generation_;
  term->appender = std::make_shared<cluster::StreamAppender>(control_, keys_, options_.max_entries,
                                                             options_.member);
  cluster::LeaderCallbacks callbacks;
  // Both run on the strand (the appender's, which is this member's).
  callbacks.on_leading = [weak = weak_from_this(), generation](const cluster::Takeover& takeover) {
    auto self = weak.lock();
    if (self && self->term_ && self->generation_ == generation) self->OnLeading(takeover);
  };
  callbacks.step_down = [weak = weak_from_this(), generation](const std::string& reason) {
    auto self = weak.lock();
    if (self && self->term_ && self->generation_ == generation) self->StepDown(reason);
  };
  term->sink = std::make_shared<cluster::LeaderSink>(strand_, term->appender, std::move(callbacks));
  term->pipeline = std::make_unique<ChangePipeline>(term->sink, metrics_, options_.pipeline);
  auto replication = options_.replication;
  replication.reconnect = false;
  replication.on_end = [weak = weak_from_this(), generation](const std::string& reason) {
    if (auto self = weak.lock()) {
      asio::post(self->strand_,
                 [self, generation, reason] { self->OnStreamEnded(generation, reason); });
    }
  };
  term->stream = std::make_shared<database::ReplicationStream>(strand_, std::move(replication),
                                                               *term->pipeline);
  term_ = term;
  {
    std::lock_guard lock(mutex_);
    leading_stream_ = term->stream;
  }
  term->stream->Start();
}

void ClusterMember::OnLeading(const cluster::Takeover& takeover) {
  term_->leading = true;
  if (takeover.lost) {
    spdlog::error(
        "cluster: the stream {} ended before the slot's position {}: Redis lost entries it had "
        "accepted (appendfsync not always, or a failover to a replica that lagged); starting it "
        "again as epoch {}, resumes from before it get resync",
        keys_.stream, takeover.end_lsn, takeover.epoch);
  }
  spdlog::info("cluster role: leader (member {}, term {}, {} stream epoch {}, slot {})",
               options_.member, takeover.term,
               takeover.new_stream || takeover.lost ? "new" : "existing", takeover.epoch,
               options_.replication.slot);
  std::lock_guard lock(mutex_);
  state_.leader = true;
  state_.term = takeover.term;
  ++state_.leader_changes;
}

void ClusterMember::StepDown(const std::string& reason) {
  if (!term_) return;
  term_->stream->Stop();
  if (term_->leading) {
    spdlog::warn("cluster role: follower (member {} stepped down: {})", options_.member, reason);
  }
  term_->leading = false;
  std::lock_guard lock(mutex_);
  state_.leader = false;
}

void ClusterMember::OnStreamEnded(uint64_t generation, const std::string& reason) {
  if (!term_ || generation != generation_) return;
  if (term_->leading) {
    spdlog::warn("cluster role: follower (member {}: the replication stream ended: {})",
                 options_.member, reason);
  } else if (reason.find("is active for PID") != std::string::npos ||
             reason.find("is in use by another process") != std::string::npos) {
    // Lost the race for the slot (PostgreSQL's words at START_REPLICATION, or the stream's own
    // check just before it).
    spdlog::debug("cluster: another member took the slot first");
  } else if (reason != "stopped") {
    spdlog::info("cluster: taking the slot failed: {}", reason);
  }
  // The stream's coroutine is done with the pipeline: the term goes, and the slot is watched again.
  term_.reset();
  std::lock_guard lock(mutex_);
  state_.leader = false;
  leading_stream_.reset();
}

void ClusterMember::StopFollower() {
  if (follower_) {
    follower_->Stop();
    cursor_ = follower_->last_id();
    follower_.reset();
  }
  if (reader_) reader_->Close();
}

}  // namespace walcast::daemon
