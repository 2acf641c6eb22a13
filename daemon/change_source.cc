#include "daemon/change_source.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>

#include "api/orders/read_positions.h"
#include "api/orders/write_tracker.h"
#include "api/stream/event_hub.h"
#include "daemon/change_pipeline.h"
#include "daemon/cluster_member.h"
#include "daemon/notify_pipeline.h"
#include "daemon/spill_directory.h"
#include "database/pg_connection.h"
#include "database/reconnect.h"
#include "database/source_probe.h"
#include "redis/redis_endpoint.h"

namespace walcast::daemon {
namespace asio = boost::asio;

ChangeSource::ChangeSource(asio::io_context& io_context, const Config& config,
                           std::shared_ptr<api::EventHub> hub,
                           std::shared_ptr<api::Metrics> metrics,
                           std::shared_ptr<api::WriteTracker> write_tracker,
                           std::shared_ptr<api::orders::ReadPositions> read_positions,
                           std::function<void()> on_publication_ready)
    : io_context_(io_context),
      config_(config),
      hub_(std::move(hub)),
      metrics_(std::move(metrics)),
      write_tracker_(std::move(write_tracker)),
      read_positions_(std::move(read_positions)),
      on_publication_ready_(std::move(on_publication_ready)) {
  std::lock_guard lock(mutex_);
  if (config_.source == SourceMode::kReplication) CreateReplication();
  if (config_.source == SourceMode::kNotify) CreateNotify();
}

ChangeSource::~ChangeSource() = default;

void ChangeSource::OnDatabaseReady() {
  if (config_.source == SourceMode::kAuto) return ChooseByProbe();
  std::lock_guard lock(mutex_);
  StartLocked();
}

void ChangeSource::Stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  if (replication_) replication_->Stop();
  if (cluster_) cluster_->Stop();
  if (notify_) notify_->Stop();
}

ChangeSource::Snapshot ChangeSource::State() const {
  std::shared_ptr<database::ReplicationStream> replication;
  std::shared_ptr<database::NotifySource> notify;
  std::shared_ptr<ClusterMember> cluster;
  Snapshot snapshot;
  {
    std::lock_guard lock(mutex_);
    replication = replication_;
    notify = notify_;
    cluster = cluster_;
    if (spill_) {
      snapshot.spill_bytes = spill_->LiveBytes();
      snapshot.spilled_transactions = spill_->CreatedFiles();
    }
  }
  if (replication) snapshot.replication = replication->State();
  if (notify) snapshot.notify = notify->State();
  if (cluster) snapshot.cluster = cluster->State();
  return snapshot;
}

void ChangeSource::CreateReplication() {
  std::string spill_dir = config_.spill_dir;
  if (spill_dir.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    spill_dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/var/tmp";
  }
  spill_ = std::make_shared<SpillDirectory>(spill_dir, config_.spill_max_bytes);
  PipelineOptions pipeline_options;
  pipeline_options.decoder.tables = config_.tables;  // empty: every table the slot sends
  pipeline_options.decoder.max_buffered_bytes = config_.txn_memory_bytes;
  pipeline_options.decoder.spill = spill_.get();
  pipeline_options.stall_timeout = std::chrono::seconds(config_.slow_client_timeout_seconds);
  write_tracker_->SetEnabled(true);   // replication reports xids: writes get their eventId
  read_positions_->SetEnabled(true);  // ... and reads a stream position
  database::ReplicationOptions options;
  options.params = ConnectionParams(config_);
  // The walsender renders values with its session's settings: UTC ISO timestamps are what the
  // decoder turns into RFC 3339 fastest (other zones are converted too). The publication's SQL
  // quotes literals as standard_conforming_strings reads them, whatever the database's default.
  std::string session = "-c TimeZone=UTC -c DateStyle=ISO -c standard_conforming_strings=on";
  options.slot = config_.slot;
  options.publication = config_.publication;
  options.tables = config_.tables;
  options.on_server_position = [hub = hub_](decoder::Lsn position) {
    hub->ObserveServerPosition(position);
  };
  options.on_publication_ready = on_publication_ready_;
  if (!config_.redis_url.empty()) {
    // A leader that stops answering (paused, partitioned) loses the slot after this, so a
    // standby can take over; status updates go out often enough that a live one never does.
    session += " -c wal_sender_timeout=" + std::to_string(config_.cluster_takeover_ms) + "ms";
    options.status_interval = std::min(options.status_interval,
                                       std::chrono::milliseconds(config_.cluster_takeover_ms / 4));
    options.params.emplace_back("options", session);
    ClusterOptions cluster;
    cluster.endpoint = std::get<redis::RedisEndpoint>(redis::ParseRedisUrl(config_.redis_url));
    cluster.member = config_.cluster_member;
    if (cluster.member.empty()) {
      char host[256] = {};
      gethostname(host, sizeof(host) - 1);
      cluster.member = std::string(host) + ":" + std::to_string(config_.port);
    }
    // Never tiny: Redis trims whole nodes of a hundred entries, and a stream shorter than what a
    // follower may be behind by would cost its clients a resync (StreamFollower).
    cluster.max_entries = std::max<std::size_t>(config_.replay_max_events, 10'000);
    cluster.params = ConnectionParams(config_);
    cluster.replication = std::move(options);
    cluster.pipeline = std::move(pipeline_options);
    cluster_ = std::make_shared<ClusterMember>(io_context_, std::move(cluster), hub_, metrics_,
                                               write_tracker_);
    return;
  }
  options.params.emplace_back("options", session);
  auto pipeline = std::make_unique<ChangePipeline>(hub_, metrics_, std::move(pipeline_options));
  pipeline->SetWriteTracker(write_tracker_);
  pipeline_ = std::move(pipeline);
  replication_ = std::make_shared<database::ReplicationStream>(io_context_.get_executor(),
                                                               std::move(options), *pipeline_);
}

void ChangeSource::CreateNotify() {
  if (!IsOrdersOnly(config_.tables)) {
    // The trigger behind NOTIFY is on orders only (database/schema.sql); the other tables would
    // silently stream nothing.
    spdlog::warn(
        "NOTIFY mode streams only the orders table: --tables {} is ignored (the "
        "replication source streams any table)",
        TableListText(config_.tables));
  }
  // The pipeline claims the hub's id space (ids of this run, resync for older ones): only now
  // that NOTIFY is the source.
  notify_pipeline_ = std::make_unique<NotifyPipeline>(hub_, metrics_);
  database::NotifyOptions options;
  options.params = ConnectionParams(config_);
  notify_ = std::make_shared<database::NotifySource>(io_context_.get_executor(), std::move(options),
                                                     *notify_pipeline_);
}

void ChangeSource::StartLocked() {
  if (stopping_) return;
  if (replication_) replication_->Start();
  if (cluster_) cluster_->Start();
  if (notify_) notify_->Start();
}

void ChangeSource::ChooseByProbe() {
  using namespace std::chrono_literals;
  asio::co_spawn(
      asio::make_strand(io_context_),
      [this]() -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        database::PgConnection connection(executor);
        asio::steady_timer timer(executor);
        database::Backoff backoff(250ms, 5000ms);
        database::SourceProbe probe;
        while (true) {
          if (auto error = co_await connection.Connect(ConnectionParams(config_), 10s)) {
            probe.error = error;
            probe.reason = error->message;
          } else {
            probe = co_await database::ProbeSource(connection);
          }
          connection.Close();
          if (!probe.error) break;
          auto wait = backoff.Next();
          spdlog::warn("--source auto cannot probe the database: {}; retrying in {} ms",
                       probe.reason, wait.count());
          timer.expires_after(wait);
          co_await timer.async_wait(asio::use_awaitable);
        }
        std::lock_guard lock(mutex_);
        if (stopping_) co_return;
        if (probe.replication_possible) {
          spdlog::info("--source auto chose replication: {}", probe.reason);
          CreateReplication();
        } else {
          spdlog::warn(
              "--source auto chose NOTIFY: {}; events carry no LSN and changes made while the "
              "LISTEN connection is down are lost (clients are told to resync)",
              probe.reason);
          CreateNotify();
        }
        StartLocked();
      },
      asio::detached);
}

}  // namespace walcast::daemon
