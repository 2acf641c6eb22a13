// ChangeSource: what feeds the event hub (docs/contract.md §5) and its pipeline: the replication
// stream (database/replication_stream.h -> daemon/change_pipeline.h), the LISTEN/NOTIFY source
// (database/notify_source.h -> daemon/notify_pipeline.h), or with --source auto whichever a probe
// of the server chooses (database/source_probe.h) once the database is first reached. With
// --redis-url the replication stream belongs to a cluster member (daemon/cluster_member.h): the
// hub is fed from the cluster's Redis stream, and the slot only while this member leads.
//
// Thread-safe. With --source auto the source is created after start-up, on the probe's strand,
// while Snapshot() (health, metrics) and Stop() may run on other threads: a mutex guards the
// pointers (the objects themselves are thread-safe).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "daemon/cluster_member.h"
#include "daemon/config.h"
#include "database/notify_source.h"
#include "database/replication_stream.h"

namespace walcast::api {
class EventHub;
class Metrics;
class WriteTracker;
namespace orders {
class ReadPositions;
}
}  // namespace walcast::api

namespace walcast::daemon {

class SpillDirectory;

class ChangeSource {
 public:
  // With --source replication or notify the source is built now and starts at OnDatabaseReady.
  // `on_publication_ready`: database::ReplicationOptions::on_publication_ready, for the
  // replication stream of this node (a cluster's leader's).
  ChangeSource(boost::asio::io_context& io_context, const Config& config,
               std::shared_ptr<api::EventHub> hub, std::shared_ptr<api::Metrics> metrics,
               std::shared_ptr<api::WriteTracker> write_tracker,
               std::shared_ptr<api::orders::ReadPositions> read_positions,
               std::function<void()> on_publication_ready = {});
  ~ChangeSource();

  // The database was first reached (its schema applied): starts the source, or with --source
  // auto probes the server on a strand of its own, then creates and starts the chosen one.
  void OnDatabaseReady();
  // No source starts after this; a running one stops.
  void Stop();

  // What health and metrics report about the source. Only the present source's state is set.
  struct Snapshot {
    std::optional<database::ReplicationState> replication;
    std::optional<database::NotifyState> notify;
    std::optional<ClusterState> cluster;  // with --redis-url
    uint64_t spill_bytes = 0;
    uint64_t spilled_transactions = 0;
  };
  Snapshot State() const;

 private:
  void CreateReplication();  // mutex_ held
  void CreateNotify();       // mutex_ held
  void StartLocked();        // mutex_ held
  void ChooseByProbe();

  boost::asio::io_context& io_context_;
  const Config& config_;
  std::shared_ptr<api::EventHub> hub_;
  std::shared_ptr<api::Metrics> metrics_;
  std::shared_ptr<api::WriteTracker> write_tracker_;
  std::shared_ptr<api::orders::ReadPositions> read_positions_;
  std::function<void()> on_publication_ready_;

  mutable std::mutex mutex_;
  bool stopping_ = false;
  // Where the replication decoder spills large open transactions; declared before pipeline_ so
  // that it outlives it.
  std::shared_ptr<SpillDirectory> spill_;
  std::unique_ptr<database::ReplicationHandler> pipeline_;
  std::shared_ptr<database::ReplicationStream> replication_;
  std::unique_ptr<database::NotifyHandler> notify_pipeline_;
  std::shared_ptr<database::NotifySource> notify_;
  // With --redis-url, instead of replication_: leads (streams the slot into Redis) or follows.
  std::shared_ptr<ClusterMember> cluster_;
};

}  // namespace walcast::daemon
