#include "app.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "change_pipeline.h"
#include "control_message.h"
#include "database_monitor.h"
#include "event_hub.h"
#include "listener.h"
#include "lsn.h"
#include "notify_pipeline.h"
#include "order_routes.h"
#include "pg_pool.h"
#include "pg_time.h"
#include "router.h"
#include "server_context.h"
#include "source_probe.h"
#include "spill_directory.h"
#include "static_files.h"
#include "systemd_notify.h"
#include "write_tracker.h"

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
  metrics_ = std::make_shared<api::Metrics>();
  stream_context_ = std::make_shared<api::StreamContext>();
  stream_context_->hub = hub_;
  stream_context_->outbound.max_messages = config_.max_client_queue_messages;
  stream_context_->outbound.max_bytes = config_.max_client_queue_bytes;
  stream_context_->heartbeat = std::chrono::seconds(config_.sse_heartbeat_seconds);
  stream_context_->ws_idle_timeout = std::chrono::seconds(config_.ws_idle_timeout_seconds);
  stream_context_->stream_token = config_.stream_token;
  stream_context_->allowed_origins = config_.cors_origins;
  stream_context_->limiter =
      std::make_shared<api::ConnectionLimiter>(config_.max_connections_per_ip);

  database::DatabaseMonitorOptions db_options;
  db_options.params = ConnectionParams(config_);
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
  // The change source needs the table and publication the schema creates: start it once the
  // database has been reached (and the schema applied).
  write_tracker_ = std::make_shared<api::WriteTracker>(/*enabled=*/false);
  CreateChangeSource();
  db_options.on_first_ready = [this] {
    if (config_.source == SourceMode::kAuto) return ChooseChangeSource();
    std::lock_guard lock(source_mutex_);
    StartChangeSourceLocked();
  };
  database_monitor_ = std::make_shared<database::DatabaseMonitor>(io_context_.get_executor(),
                                                                  std::move(db_options));

  std::error_code ec;
  if (!fs::is_directory(config_.web_root, ec)) {
    spdlog::warn("web root {} is not a directory: the UI will not be served (--web-root)",
                 config_.web_root);
  } else {
    static_files_ = std::make_unique<api::StaticFiles>(config_.web_root);
  }

  // The REST API's own connections (docs/rest-api.md), separate from the monitor's and the
  // stream's so a slow query never delays either.
  database::PgPoolOptions pool_options;
  pool_options.params = ConnectionParams(config_);
  pool_options.size = config_.db_pool_size;
  pool_options.statement_timeout = std::chrono::milliseconds(config_.statement_timeout_ms);
  db_pool_ =
      std::make_shared<database::PgPool>(io_context_.get_executor(), std::move(pool_options));
  api::orders::OrderRoutesOptions route_options;
  route_options.write_event_wait = std::chrono::milliseconds(config_.write_event_wait_ms);
  order_routes_ = std::make_shared<api::orders::OrderRoutes>(
      db_pool_, write_tracker_, io_context_.get_executor(), route_options);

  api::RouterServices services;
  services.rest = [routes = order_routes_](const api::Request& request,
                                           const api::Respond& respond) {
    return routes->Handle(request, respond);
  };
  services.health = [this] { return Health(); };
  services.metrics = [this] { return MetricsText(); };
  services.static_files = static_files_.get();
  api::ServerLimits limits;
  limits.max_body_bytes = config_.max_body_bytes;
  limits.read_timeout = std::chrono::seconds(config_.read_timeout_seconds);
  limits.max_connections = ConnectionCap(config_);
  api::GuardOptions guard;
  guard.rate_limit.requests_per_second = config_.rate_limit;
  guard.api_token = config_.api_token;
  guard.cors_origins = config_.cors_origins;
  auto context = std::make_shared<api::ServerContext>(api::Router(std::move(services)), limits,
                                                      stream_context_, metrics_, std::move(guard));

  boost::system::error_code bind_error;
  auto address = asio::ip::make_address(config_.host, bind_error);
  if (bind_error) {
    spdlog::critical("--host {} is not an IP address: {}", config_.host, bind_error.message());
    return false;
  }
  server_context_ = context;
  listener_ = std::make_shared<api::Listener>(io_context_, context);
  bind_error = listener_->Open({address, config_.port});
  if (bind_error) {
    spdlog::critical("cannot listen on {}:{}: {}", config_.host, config_.port,
                     bind_error.message());
    return false;
  }
  return true;
}

api::HealthReport App::Health() const {
  auto db = database_monitor_->Snapshot();
  api::HealthReport report;
  report.database_up = db.up;
  report.source = std::string(SourceModeName(config_.source));
  report.slot = config_.slot;
  report.clients = hub_->Subscribers();
  if (auto at = hub_->LastEventAt()) {
    report.last_event_at = decoder::FormatRfc3339(decoder::UnixMicros(*at));
  }
  std::shared_ptr<database::ReplicationStream> replication;
  std::shared_ptr<database::NotifySource> notify;
  {
    std::lock_guard lock(source_mutex_);
    replication = replication_;
    notify = notify_;
  }
  // --source auto before the probe has decided: expected, not yet up.
  report.stream_expected = replication || notify || config_.source == SourceMode::kAuto;
  if (replication) {
    auto stream = replication->State();
    report.source = "replication";
    report.stream_up = stream.streaming;
    if (stream.confirmed_lsn.valid()) report.confirmed_lsn = stream.confirmed_lsn.ToString();
    if (stream.server_wal_end.valid()) {
      report.lag_bytes = stream.server_wal_end > stream.confirmed_lsn
                             ? stream.server_wal_end.value() - stream.confirmed_lsn.value()
                             : 0;
    }
    if (!stream.streaming && db.up) report.problem = stream.problem;
    // A failure that keeps coming back (a transaction that cannot be handed on) must not look
    // healthy during each attempt in between.
    if (stream.streaming && db.up && !stream.last_failure.empty() &&
        std::chrono::steady_clock::now() - stream.last_failure_at < std::chrono::seconds(60)) {
      report.problem = "recovering from: " + stream.last_failure;
    }
  } else if (notify) {
    auto state = notify->State();
    report.source = "notify";
    report.slot.clear();  // no slot in NOTIFY mode
    report.stream_up = state.listening;
    if (!state.listening && db.up) report.problem = state.problem;
  } else if (config_.source == SourceMode::kAuto && db.up) {
    report.problem = "choosing the change source";
  }
  report.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (!db.up) report.problem = "database unreachable";
  return report;
}

std::string App::MetricsText() const {
  auto health = Health();
  api::MetricsGauges gauges;
  gauges.clients = health.clients;
  gauges.slot_lag_bytes = health.lag_bytes;
  gauges.retained_events = hub_->RetainedEvents();
  gauges.database_up = health.database_up;
  gauges.stream_up = health.stream_up;
  gauges.slow_clients_dropped = stream_context_->counters.slow_clients_dropped.load();
  gauges.events_sent = stream_context_->counters.events_sent.load();
  gauges.uptime_seconds = health.uptime_seconds;
  if (server_context_) {
    const auto& budget = server_context_->budget();
    gauges.connections = budget.open();
    gauges.max_connections = budget.max_open();
    gauges.connections_refused = budget.refused();
    gauges.connections_reclaimed = budget.reclaimed();
  }
  gauges.replay_window_bytes = hub_->RetainedBytes();
  {
    std::lock_guard lock(source_mutex_);
    if (spill_) {
      gauges.spill_bytes = spill_->LiveBytes();
      gauges.spilled_transactions = spill_->CreatedFiles();
    }
    if (replication_) gauges.decode_errors = replication_->State().decode_failures;
  }
  return metrics_->Render(gauges);
}

void App::CreateChangeSource() {
  std::lock_guard lock(source_mutex_);
  if (config_.source == SourceMode::kReplication) CreateReplication();
  if (config_.source == SourceMode::kNotify) CreateNotify();
}

void App::CreateReplication() {
  std::string spill_dir = config_.spill_dir;
  if (spill_dir.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    spill_dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/var/tmp";
  }
  spill_ = std::make_shared<SpillDirectory>(spill_dir, config_.spill_max_bytes);
  PipelineOptions pipeline_options;
  pipeline_options.decoder.max_buffered_bytes = config_.txn_memory_bytes;
  pipeline_options.decoder.spill = spill_.get();
  pipeline_options.stall_timeout = std::chrono::seconds(config_.slow_client_timeout_seconds);
  auto pipeline = std::make_unique<ChangePipeline>(hub_, metrics_, std::move(pipeline_options));
  pipeline->SetWriteTracker(write_tracker_);
  write_tracker_->SetEnabled(true);  // replication reports xids: writes get their eventId
  pipeline_ = std::move(pipeline);
  database::ReplicationOptions options;
  options.params = ConnectionParams(config_);
  // The walsender renders values with its session's settings: UTC ISO timestamps are what the
  // decoder turns into RFC 3339 fastest (other zones are converted too).
  options.params.emplace_back("options", "-c TimeZone=UTC -c DateStyle=ISO");
  options.slot = config_.slot;
  options.publication = config_.publication;
  options.on_server_position = [hub = hub_](decoder::Lsn position) {
    hub->ObserveServerPosition(position);
  };
  replication_ = std::make_shared<database::ReplicationStream>(io_context_.get_executor(),
                                                               std::move(options), *pipeline_);
}

void App::CreateNotify() {
  // The pipeline claims the hub's id space (ids of this run, resync for older ones): only now
  // that NOTIFY is the source.
  notify_pipeline_ = std::make_unique<NotifyPipeline>(hub_, metrics_);
  database::NotifyOptions options;
  options.params = ConnectionParams(config_);
  notify_ = std::make_shared<database::NotifySource>(io_context_.get_executor(), std::move(options),
                                                     *notify_pipeline_);
}

void App::StartChangeSourceLocked() {
  if (stopping_) return;
  if (replication_) replication_->Start();
  if (notify_) notify_->Start();
}

void App::ChooseChangeSource() {
  using namespace std::chrono_literals;
  asio::co_spawn(
      asio::make_strand(io_context_),
      [this]() -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        database::PgConnection connection(executor);
        asio::steady_timer timer(executor);
        auto backoff = std::chrono::milliseconds(250);
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
          spdlog::warn("--source auto cannot probe the database: {}; retrying in {} ms",
                       probe.reason, backoff.count());
          timer.expires_after(backoff);
          co_await timer.async_wait(asio::use_awaitable);
          backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        }
        std::lock_guard lock(source_mutex_);
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
        StartChangeSourceLocked();
      },
      asio::detached);
}

// Tells every client the live client count when it has changed, at most once a second, so a UI
// can show it without polling.
void App::BroadcastClientCount() {
  auto timer = std::make_shared<asio::steady_timer>(io_context_, std::chrono::seconds(1));
  timer->async_wait([this, timer](boost::system::error_code ec) {
    if (ec || stopping_clients_broadcast_) return;
    uint64_t clients = hub_->Subscribers();
    if (clients != last_client_count_) {
      last_client_count_ = clients;
      hub_->BroadcastNotice("clients", api::ClientsMessage(clients));
    }
    BroadcastClientCount();
  });
}

int App::Run() {
  database_monitor_->Start();
  listener_->Start();
  BroadcastClientCount();
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
  stopping_clients_broadcast_ = true;
  listener_->Stop();
  hub_->ShutdownAll();
  {
    std::lock_guard lock(source_mutex_);
    stopping_ = true;
    if (replication_) replication_->Stop();
    if (notify_) notify_->Stop();
  }
  database_monitor_->Stop();
  db_pool_->Stop();
  // Idle keep-alive connections would keep the loop alive: give in-flight responses a moment,
  // then stop. Well under the two seconds systemd and operators expect.
  auto timer = std::make_shared<asio::steady_timer>(io_context_, std::chrono::milliseconds(300));
  timer->async_wait([this, timer](boost::system::error_code) { io_context_.stop(); });
}

}  // namespace walcast::daemon
