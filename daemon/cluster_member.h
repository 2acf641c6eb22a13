// ClusterMember: what a walcastd started with --redis-url does instead of streaming the slot into
// its hub (docs/cluster.md, docs/contract.md §8). On one strand it keeps two Redis connections
// (one for the blocking reads of the follower, one for everything else), follows the stream into
// the member's hub, and watches the replication slot: when no walsender holds it, the member tries
// to take it, and if START_REPLICATION succeeds it leads, its change pipeline appending to Redis
// through a LeaderSink. It steps down when its stream ends, when Redis refuses an append (another
// term, a lost stream) or when Redis is unreachable; then it watches the slot again.
//
// Redis unreachable: the member reports `redis: down` (health degraded), keeps its clients and
// reconnects with backoff, then reads on from where its follower stopped. A new epoch (Redis lost
// the stream) whose floor is above what the member has read is a gap its clients are told about
// (`resync`), never a silent one.
//
// Start/Stop from any thread; State() is thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cluster/stream_script.h"
#include "daemon/change_pipeline.h"
#include "database/pg_connection.h"
#include "database/replication_stream.h"
#include "redis/redis_endpoint.h"

namespace walcast::api {
class EventHub;
class Metrics;
class WriteTracker;
}  // namespace walcast::api
namespace walcast::cluster {
class LeaderSink;
class StreamFollower;
}  // namespace walcast::cluster
namespace walcast::redis {
class RedisConnection;
}

namespace walcast::daemon {

struct ClusterOptions {
  redis::RedisEndpoint endpoint;
  std::string member;                          // how logs and the stream's meta name this member
  std::size_t max_entries;                     // the stream's MAXLEN (--replay-max-events)
  database::ConnectionParams params;           // the ordinary connection that watches the slot
  database::ReplicationOptions replication;    // the leader's, with its wal_sender_timeout
  PipelineOptions pipeline;                    // the leader's decoder and parts
  std::chrono::milliseconds slot_poll{250};    // how often a standby looks at the slot
  std::chrono::milliseconds redis_poll{1000};  // liveness and epoch check
};

struct ClusterState {
  bool leader = false;
  bool redis_up = false;
  std::string redis_problem = "connecting to Redis";
  int64_t term = 0;
  int64_t lag_ms = 0;  // how long this member's follower has been behind the stream's end
  uint64_t leader_changes = 0;
  std::optional<database::ReplicationState> replication;  // while leading
};

class ClusterMember : public std::enable_shared_from_this<ClusterMember> {
 public:
  ClusterMember(boost::asio::io_context& io_context, ClusterOptions options,
                std::shared_ptr<api::EventHub> hub, std::shared_ptr<api::Metrics> metrics,
                std::shared_ptr<api::WriteTracker> write_tracker);
  ~ClusterMember();

  void Start();
  void Stop();
  ClusterState State() const;

 private:
  // One term as leader (or an attempt at one): the sink, the pipeline and the stream live and die
  // together.
  struct Term;

  boost::asio::awaitable<void> Run();
  // One Redis session: connect, follow, watch the slot, until a connection fails. Returns why.
  boost::asio::awaitable<std::string> Session();
  boost::asio::awaitable<std::optional<std::string>> CheckStreamKey();
  boost::asio::awaitable<void> CheckPersistence();
  boost::asio::awaitable<std::optional<std::string>> LoadStart();
  boost::asio::awaitable<std::optional<std::string>> PollRedis();
  boost::asio::awaitable<void> WatchSlot();
  void Candidate();
  void OnLeading(const cluster::Takeover& takeover);
  void StepDown(const std::string& reason);
  void OnStreamEnded(uint64_t generation, const std::string& reason);
  void SetRedis(bool up, std::string problem);
  void StopFollower();

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  ClusterOptions options_;
  cluster::StreamKeys keys_;
  std::shared_ptr<api::EventHub> hub_;
  std::shared_ptr<api::Metrics> metrics_;
  std::shared_ptr<api::WriteTracker> write_tracker_;

  // On the strand.
  bool stopped_ = false;
  boost::asio::steady_timer timer_;
  std::shared_ptr<redis::RedisConnection> control_;
  std::shared_ptr<redis::RedisConnection> reader_;
  std::shared_ptr<cluster::StreamFollower> follower_;
  std::optional<std::string> follower_error_;
  std::string cursor_ = "0-0";  // the follower's position, kept across Redis sessions
  bool loaded_ = false;         // the hub's start is set (first session)
  bool announced_ = false;      // the first role line was logged
  std::string known_epoch_;
  std::string persistence_warned_;  // the settings last warned about, so each is said once
  database::PgConnection slot_watch_;
  std::chrono::steady_clock::time_point caught_up_at_ = std::chrono::steady_clock::now();
  std::shared_ptr<Term> term_;
  uint64_t generation_ = 0;  // of term_, so a late end of an older stream is ignored

  mutable std::mutex mutex_;
  ClusterState state_;
  std::shared_ptr<database::ReplicationStream> leading_stream_;  // for State(), while a term runs
};

}  // namespace walcast::daemon
