#include "daemon/app.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/http/listener.h"
#include "api/http/router.h"
#include "api/http/server_context.h"
#include "api/http/static_files.h"
#include "api/orders/order_routes.h"
#include "api/orders/read_positions.h"
#include "api/orders/write_tracker.h"
#include "api/socketio/engineio_server.h"
#include "api/socketio/socketio_connection.h"
#include "api/status/dashboard_history.h"
#include "api/status/metrics.h"
#include "api/stream/control_message.h"
#include "api/stream/event_hub.h"
#include "api/stream/stream_context.h"
#include "cluster/stream_archive.h"
#include "daemon/change_source.h"
#include "daemon/status_report.h"
#include "daemon/systemd_notify.h"
#include "daemon/table_catalog_refresher.h"
#include "database/async_commit_flusher.h"
#include "database/database_monitor.h"
#include "database/pg_pool.h"

namespace walcast::daemon {
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// Installed data lives in <prefix>/share/walcast beside <prefix>/bin; the build tree mirrors it.
fs::path DefaultDataDir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "share/walcast";
  return exe.parent_path().parent_path() / "share" / "walcast";
}

// Client connections the daemon keeps open at once: --max-connections, or the descriptor limit
// less a reserve: two descriptors per PostgreSQL connection (libpq's socket and the dup() Asio
// waits on; the REST pool, the monitor, the change source), the listener, epoll and timers, log
// and static files. Clients past the cap are refused (or idle ones reclaimed), so accept() never
// runs out of descriptors that PostgreSQL connections need.
std::size_t ConnectionCap(const Config& config) {
  if (config.max_connections > 0) return config.max_connections;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  const auto descriptors = static_cast<std::size_t>(limit.rlim_cur);
  const std::size_t reserve =
      std::max<std::size_t>(32 + 2 * (config.db_pool_size + 2), descriptors / 10);
  const std::size_t cap = descriptors > reserve + 8 ? descriptors - reserve : 8;
  spdlog::info("connection cap {} (RLIMIT_NOFILE {}, {} kept for the database and files)", cap,
               descriptors, descriptors > cap ? descriptors - cap : 0);
  return cap;
}

// The stream's received position as the change source last reported it (a cluster member's only
// while it leads); 0 when not streaming.
uint64_t ReceivedLsn(const ChangeSource::Snapshot& source) {
  const database::ReplicationState* stream = nullptr;
  if (source.replication) stream = &*source.replication;
  if (source.cluster && source.cluster->replication) stream = &*source.cluster->replication;
  if (stream == nullptr || !stream->streaming) return 0;
  return stream->server_wal_end.value();
}

// The late-WAL-flush diagnosis, at each check of the database monitor: one log line when it
// starts and one when it ends, never one per transaction.
void DiagnoseWalFlush(api::Metrics& metrics, const ChangeSource& source,
                      const database::WalFlushReading& reading) {
  api::WalFlushCheck check;
  check.unflushed_bytes = reading.unflushed_bytes;
  check.flush_lsn = reading.flush_lsn.value_or(0);
  check.received_lsn = ReceivedLsn(source.State());
  switch (metrics.ObserveWalFlushCheck(check)) {
    case api::WalFlushTransition::kStarted:
      spdlog::warn("late WAL flushes: {}", metrics.WalFlushVerdict().advice);
      break;
    case api::WalFlushTransition::kEnded:
      spdlog::info(
          "late WAL flushes: over, commits reach walcast {:.1f} ms (median) after they commit",
          metrics.WalFlushVerdict().median_ms);
      break;
    case api::WalFlushTransition::kNone:
      break;
  }
}

}  // namespace

App::App(Config config) : config_(std::move(config)) {
  if (config_.web_root.empty()) config_.web_root = (DefaultDataDir() / "web").string();
  if (config_.schema_file.empty()) config_.schema_file = (DefaultDataDir() / "schema.sql").string();
}

App::~App() = default;

bool App::Start() {
  api::ReplayLimits replay;
  replay.max_events = config_.replay_max_events;
  replay.max_age = std::chrono::seconds(config_.replay_max_age_seconds);
  replay.max_wal_bytes = config_.replay_max_wal_bytes;
  replay.max_bytes = config_.replay_max_bytes;
  hub_ = std::make_shared<api::EventHub>(replay);
  auto metrics = std::make_shared<api::Metrics>();
  stream_context_ = std::make_shared<api::StreamContext>();
  stream_context_->hub = hub_;
  stream_context_->outbound.max_messages = config_.max_client_queue_messages;
  stream_context_->outbound.max_bytes = config_.max_client_queue_bytes;
  stream_context_->heartbeat = std::chrono::seconds(config_.sse_heartbeat_seconds);
  stream_context_->ws_idle_timeout = std::chrono::seconds(config_.ws_idle_timeout_seconds);
  access_tokens_ = std::make_shared<api::AccessTokens>(
      api::AccessTokenOptions{config_.api_token, config_.stream_token, config_.jwt});
  if (access_tokens_->PerUser() || !config_.stream_token.empty()) {
    stream_context_->authority = access_tokens_;
  }
  stream_context_->allowed_origins = config_.cors_origins;
  stream_context_->limiter =
      std::make_shared<api::ConnectionLimiter>(config_.max_connections_per_ip);
  if (!config_.redis_url.empty()) {
    // A cluster member resumes clients from before its window out of the cluster's stream.
    archive_ = std::make_shared<cluster::StreamArchive>(
        asio::make_strand(io_context_),
        std::get<redis::RedisEndpoint>(redis::ParseRedisUrl(config_.redis_url)),
        cluster::StreamKeys::ForSlot(config_.slot));
    stream_context_->archive = archive_;
  }

  database::DatabaseMonitorOptions db_options;
  db_options.params = ConnectionParams(config_);
  // The WAL kept for the slot (walcast_slot_retained_wal_bytes) and the late-WAL-flush
  // diagnosis; NOTIFY mode has no slot, and a notification does not wait for the WAL flush.
  if (config_.source != SourceMode::kNotify) {
    db_options.slot_name = config_.slot;
    api::WalFlushDiagnosisOptions diagnosis;
    diagnosis.remedy_enabled = config_.flush_async_commits;
    metrics->ConfigureWalFlushDiagnosis(diagnosis);
  }
  if (config_.apply_schema) {
    std::ifstream in(config_.schema_file);
    if (!in) {
      spdlog::critical("cannot read the schema file {} (--schema-file)", config_.schema_file);
      return false;
    }
    std::stringstream sql;
    sql << in.rdbuf();
    db_options.schema_sql = sql.str();
  }
  // The REST API's own connections (docs/rest-api.md), separate from the monitor's and the
  // stream's so a slow query never delays either.
  database::PgPoolOptions pool_options;
  pool_options.params = ConnectionParams(config_);
  pool_options.size = config_.db_pool_size;
  pool_options.statement_timeout = std::chrono::milliseconds(config_.statement_timeout_ms);
  db_pool_ =
      std::make_shared<database::PgPool>(io_context_.get_executor(), std::move(pool_options));
  catalog_refresher_ = std::make_shared<TableCatalogRefresher>(
      io_context_.get_executor(), db_pool_, config_.publication, config_.tables,
      stream_context_->tables, std::chrono::milliseconds(config_.catalog_refresh_ms));
  // The change source needs the table and publication the schema creates: start it once the
  // database has been reached (and the schema applied).
  write_tracker_ = std::make_shared<api::WriteTracker>(/*enabled=*/false);
  read_positions_ = std::make_shared<api::orders::ReadPositions>(hub_);
  // A read of the catalog before the stream has created or extended the publication cannot see
  // its tables: the stream asks for another at once.
  change_source_ = std::make_shared<ChangeSource>(
      io_context_, config_, hub_, metrics, write_tracker_, read_positions_,
      [catalog = catalog_refresher_] { catalog->RefreshNow(); });
  db_options.on_first_ready = [source = change_source_] { source->OnDatabaseReady(); };
  db_options.on_wal_flush = [metrics,
                             source = change_source_](const database::WalFlushReading& reading) {
    DiagnoseWalFlush(*metrics, *source, reading);
  };
  // The horizon of REST reads' stream positions (api/stream/handoff_ledger.h): a snapshot at
  // each health check. Cheap (one row), and only the replication source makes positions.
  db_options.on_horizon = [hub = hub_, positions = read_positions_](const std::string& snapshot,
                                                                    const std::string& committed) {
    if (!positions->enabled()) return;
    auto horizon = api::XidSnapshot::Parse(snapshot);
    auto committed_xids = api::XidSnapshot::ParseList(committed);
    if (!horizon || !committed_xids) {
      spdlog::error(
          "database snapshot '{}' (committed: '{}') unreadable: the horizon of stream "
          "positions stays where it was",
          snapshot, committed);
      return;
    }
    hub->ObserveHorizon(*horizon, *committed_xids);
  };
  database_monitor_ = std::make_shared<database::DatabaseMonitor>(io_context_.get_executor(),
                                                                  std::move(db_options));
  status_ = std::make_shared<StatusReport>(config_, database_monitor_, change_source_, hub_,
                                           stream_context_, metrics);
  status_->AttachCatalog(catalog_refresher_);
  if (config_.flush_async_commits) {
    // A connection of its own, so a slow check or REST query never delays a flush.
    database::AsyncCommitFlusherOptions flusher_options;
    flusher_options.params = ConnectionParams(config_);
    flusher_options.interval = std::chrono::milliseconds(config_.flush_async_commits_interval_ms);
    // Only where walcast decodes the slot: not when --source auto chose NOTIFY, not on a
    // cluster's followers.
    flusher_options.wanted = [source = change_source_] {
      auto state = source->State();
      return state.replication.has_value() || (state.cluster && state.cluster->leader);
    };
    flusher_ = std::make_shared<database::AsyncCommitFlusher>(io_context_.get_executor(),
                                                              std::move(flusher_options));
    status_->AttachFlusher(flusher_);
  }
  metrics_ = metrics;
  dashboard_history_ = std::make_shared<api::DashboardHistory>();

  std::error_code ec;
  if (!fs::is_directory(config_.web_root, ec)) {
    spdlog::warn("web root {} is not a directory: the UI will not be served (--web-root)",
                 config_.web_root);
  } else {
    static_files_ = std::make_unique<api::StaticFiles>(config_.web_root);
  }

  api::orders::OrderRoutesOptions route_options;
  route_options.write_event_wait = std::chrono::milliseconds(config_.write_event_wait_ms);
  order_routes_ = std::make_shared<api::orders::OrderRoutes>(
      db_pool_, write_tracker_, io_context_.get_executor(), route_options, read_positions_);

  api::RouterServices services;
  services.tables = stream_context_->tables;
  services.rest = [routes = order_routes_](const api::Request& request,
                                           const api::AccessGrant& grant,
                                           const api::Respond& respond) {
    return routes->Handle(request, grant, respond);
  };
  services.health = [status = status_] { return status->Health(); };
  services.metrics = [status = status_] { return status->MetricsText(); };
  services.metrics_history = [history = dashboard_history_](std::optional<uint64_t> after) {
    return history->Json(after);
  };
  services.static_files = static_files_.get();
  api::ServerLimits limits;
  limits.max_body_bytes = config_.max_body_bytes;
  limits.read_timeout = std::chrono::seconds(config_.read_timeout_seconds);
  limits.max_connections = ConnectionCap(config_);
  api::GuardOptions guard;
  guard.rate_limit.requests_per_second = config_.rate_limit;
  guard.tokens = access_tokens_;
  guard.cors_origins = config_.cors_origins;
  // Validated when the configuration was read (daemon/config.cc).
  guard.trusted_proxies =
      std::get<api::TrustedProxies>(api::TrustedProxies::Parse(config_.trusted_proxies));
  auto context = std::make_shared<api::ServerContext>(api::Router(std::move(services)), limits,
                                                      stream_context_, metrics, std::move(guard));

  boost::system::error_code bind_error;
  auto address = asio::ip::make_address(config_.host, bind_error);
  if (bind_error) {
    spdlog::critical("--host {} is not an IP address: {}", config_.host, bind_error.message());
    return false;
  }
  if (stream_context_) {
    api::EngineIoSettings engineio;
    engineio.ping_interval = std::chrono::milliseconds(config_.socketio_ping_interval_ms);
    engineio.ping_timeout = std::chrono::milliseconds(config_.socketio_ping_timeout_ms);
    engineio.max_payload = config_.socketio_max_payload;
    engineio_ =
        std::make_shared<api::EngineIoServer>(io_context_.get_executor(), "/socket.io/", engineio,
                                              api::SocketIoHandlerFactory(stream_context_, {}));
    context->SetEngineIo(engineio_);
  }
  status_->AttachServer(context);
  listener_ = std::make_shared<api::Listener>(io_context_, context);
  bind_error = listener_->Open({address, config_.port});
  if (bind_error) {
    spdlog::critical("cannot listen on {}:{}: {}", config_.host, config_.port,
                     bind_error.message());
    return false;
  }
  return true;
}

// Once a second: tells every client the live client count when it has changed, so a UI can show
// it without polling, and adds a sample to the dashboard's history (GET /metrics/history).
void App::EverySecond() {
  auto timer = std::make_shared<asio::steady_timer>(io_context_, std::chrono::seconds(1));
  timer->async_wait([this, timer](boost::system::error_code ec) {
    if (ec || stopping_every_second_) return;
    uint64_t clients = hub_->Subscribers();
    if (clients != last_client_count_) {
      last_client_count_ = clients;
      hub_->BroadcastNotice("clients", api::ClientsMessage(clients));
    }
    SampleDashboard();
    EverySecond();
  });
}

void App::SampleDashboard() {
  api::DashboardReading reading;
  reading.unix_seconds =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  reading.counters = metrics_->Counters();
  reading.gauges = status_->Gauges();
  dashboard_history_->Add(reading);
}

int App::Run() {
  database_monitor_->Start();
  catalog_refresher_->Start();
  if (flusher_) flusher_->Start();
  listener_->Start();
  SampleDashboard();  // the baseline of the first sample
  EverySecond();
  auto endpoint = listener_->LocalEndpoint();
  spdlog::info("listening on http://{}:{} (threads={}, source={}, slot={}, web_root={})",
               endpoint.address().to_string(), endpoint.port(), config_.threads,
               SourceModeName(config_.source), config_.slot, config_.web_root);

  asio::signal_set signals(io_context_, SIGINT, SIGTERM);
  signals.async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("received signal {}, shutting down", signal);
    Shutdown();
  });
  NotifyReady();
  watchdog_ = std::make_unique<WatchdogPinger>(io_context_);
  watchdog_->Start();

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < config_.threads; ++i) {
    threads.emplace_back([this] { io_context_.run(); });
  }
  io_context_.run();
  for (auto& thread : threads) thread.join();
  spdlog::info("stopped");
  return 0;
}

void App::Shutdown() {
  NotifyStopping();
  if (watchdog_) watchdog_->Stop();
  stopping_every_second_ = true;
  listener_->Stop();
  hub_->ShutdownAll();
  if (engineio_) engineio_->CloseAll("server shutting down");
  if (archive_) archive_->Close();
  change_source_->Stop();
  database_monitor_->Stop();
  if (flusher_) flusher_->Stop();
  catalog_refresher_->Stop();
  db_pool_->Stop();
  // Idle keep-alive connections would keep the loop alive: give in-flight responses a moment,
  // then stop. Well under the two seconds systemd and operators expect.
  auto timer = std::make_shared<asio::steady_timer>(io_context_, std::chrono::milliseconds(300));
  timer->async_wait([this, timer](boost::system::error_code) { io_context_.stop(); });
}

}  // namespace walcast::daemon
