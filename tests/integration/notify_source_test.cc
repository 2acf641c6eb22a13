// NOTIFY mode in-process against a real PostgreSQL (docs/contract.md §5): NotifySource and
// NotifyPipeline deliver the schema trigger's changes to an EventHub subscriber, reject payloads
// of the wrong shape or table without stopping, reconnect after the LISTEN session is killed and
// make subscribers resync, and make ids of an earlier run resync. Also the `--source auto` probe
// against clusters with and without logical replication.
#include "database/notify_source.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/status/metrics.h"
#include "api/stream/event_hub.h"
#include "daemon/notify_pipeline.h"
#include "database/pg_connection.h"
#include "database/source_probe.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"

namespace walcast::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using decoder::EventId;
using decoder::Lsn;

// Generous: a loaded 2-core machine runs several suites at once. Nothing asserts on time.
constexpr auto kTimeout = 60s;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A fresh database with database/schema.sql applied and the sample rows removed.
std::string OrdersDatabase(const std::string& name) {
  std::string conninfo = CreateTestDatabase(name);
  PgSession db(conninfo);
  db.Exec(ReadFile(SourceDir() + "/database/schema.sql"));
  db.Exec("DELETE FROM orders");
  return conninfo;
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Records what the hub delivers, for a test thread to wait on.
class Recorder : public api::EventSubscriber {
 public:
  void Deliver(std::shared_ptr<const std::vector<api::StreamEventPtr>> events) override {
    std::lock_guard lock(mutex_);
    events_.insert(events_.end(), events->begin(), events->end());
    changed_.notify_all();
  }
  void Resync(std::string reason) override {
    std::lock_guard lock(mutex_);
    resyncs_.push_back(std::move(reason));
    changed_.notify_all();
  }
  void Shutdown() override {}

  // True once at least `count` events have arrived.
  bool WaitEvents(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kTimeout, [&] { return events_.size() >= count; });
  }
  bool WaitResyncs(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kTimeout, [&] { return resyncs_.size() >= count; });
  }
  std::vector<api::StreamEventPtr> Events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<std::string> Resyncs() const {
    std::lock_guard lock(mutex_);
    return resyncs_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<api::StreamEventPtr> events_;
  std::vector<std::string> resyncs_;
};

// A hub with one recording subscriber, a NotifyPipeline and a NotifySource LISTENing to
// `conninfo`'s database, on an io_context thread of its own. The destructor stops the source and
// joins the thread.
class NotifyRig {
 public:
  NotifyRig(const std::string& conninfo, const std::string& application_name,
            const std::function<void(database::NotifyOptions&)>& configure = {})
      : hub(std::make_shared<api::EventHub>(api::ReplayLimits{})),
        recorder(std::make_shared<Recorder>()),
        metrics(std::make_shared<api::Metrics>()),
        pipeline(hub, metrics),
        work_(io_.get_executor()) {
    hub->Subscribe(recorder, std::nullopt);
    database::NotifyOptions options;
    options.params = {{"dbname", conninfo}};
    options.application_name = application_name;
    if (configure) configure(options);
    source = std::make_shared<database::NotifySource>(io_.get_executor(), options, pipeline);
    source->Start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~NotifyRig() {
    source->Stop();
    work_.reset();
    thread_.join();
    source.reset();  // its timer and socket belong to io_, which is destroyed first
  }

  bool WaitListening() {
    return Eventually([&] { return source->State().listening; }, kTimeout);
  }

  std::shared_ptr<api::EventHub> hub;
  std::shared_ptr<Recorder> recorder;
  std::shared_ptr<api::Metrics> metrics;
  daemon::NotifyPipeline pipeline;
  std::shared_ptr<database::NotifySource> source;

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

// A TCP proxy in front of a server, on a thread of its own, that can play two network faults:
// Blackhole() makes the current connections go silent without closing, which is how a dead
// network path or a vanished server host looks to the client (a half-open connection); Down()
// refuses connections as a stopped server does, and Up() accepts them again on the same port.
class TcpProxy {
 public:
  explicit TcpProxy(int target_port) : acceptor_(io_), target_port_(target_port) {
    Listen(0);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TcpProxy() {
    OnThread([this] {
      Close();
      work_.reset();
    });
    thread_.join();
  }

  int Port() const { return port_; }

  // From now on nothing passes in either direction on the current connections.
  void Blackhole() {
    OnThread([this] {
      for (auto& link : links_) link->frozen = true;
    });
  }
  // Closes every connection and stops listening.
  void Down() {
    OnThread([this] { Close(); });
  }
  void Up() {
    OnThread([this] { Listen(port_); });
  }

 private:
  struct Link : std::enable_shared_from_this<Link> {
    explicit Link(asio::io_context& io) : client(io), server(io) {}
    void Pump(asio::ip::tcp::socket& from, asio::ip::tcp::socket& to,
              std::array<char, 8192>& buffer) {
      from.async_read_some(asio::buffer(buffer), [self = shared_from_this(), &from, &to, &buffer](
                                                     boost::system::error_code ec, std::size_t n) {
        if (ec) return self->Close();
        if (self->frozen) return self->Pump(from, to, buffer);  // swallowed
        asio::async_write(to, asio::buffer(buffer.data(), n),
                          [self, &from, &to, &buffer](boost::system::error_code ec, std::size_t) {
                            if (ec) return self->Close();
                            self->Pump(from, to, buffer);
                          });
      });
    }
    void Close() {
      boost::system::error_code ignored;
      client.close(ignored);
      server.close(ignored);
    }
    asio::ip::tcp::socket client, server;
    std::array<char, 8192> up{}, down{};
    bool frozen = false;
  };

  // Runs `task` on the proxy's thread and waits for it.
  void OnThread(std::function<void()> task) {
    std::promise<void> done;
    asio::post(io_, [&] {
      task();
      done.set_value();
    });
    done.get_future().wait();
  }

  void Listen(int port) {
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                                     static_cast<uint16_t>(port));
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    Accept();
  }

  void Close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& link : links_) link->Close();
    links_.clear();
  }

  void Accept() {
    auto link = std::make_shared<Link>(io_);
    acceptor_.async_accept(link->client, [this, link](boost::system::error_code ec) {
      if (ec) return;
      boost::system::error_code connect_error;
      link->server.connect(
          {asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(target_port_)},
          connect_error);
      if (connect_error) {
        link->Close();
      } else {
        links_.push_back(link);
        link->Pump(link->client, link->server, link->up);
        link->Pump(link->server, link->client, link->down);
      }
      Accept();
    });
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  asio::ip::tcp::acceptor acceptor_;
  int target_port_;
  int port_ = 0;
  std::vector<std::shared_ptr<Link>> links_;  // on the proxy's thread
  std::thread thread_;
};

// The port= value of a conninfo string.
int PortOf(const std::string& conninfo) {
  auto pos = conninfo.find("port=");
  if (pos == std::string::npos) throw std::runtime_error("no port in " + conninfo);
  return std::stoi(conninfo.substr(pos + 5));
}

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

// A payload in the trigger's shape for `table`.
std::string Payload(const std::string& table, const std::string& operation, int id) {
  return R"({"operation":")" + operation + R"(","table":")" + table + R"(","data":{"id":)" +
         std::to_string(id) +
         R"(,"customer_name":"Ada","product_name":"Lamp","status":"pending"},)"
         R"("timestamp":1732445154.991053})";
}

TEST(NotifySource, InsertUpdateDeleteArriveAsEventsWithNullLsn) {
  std::string conninfo = OrdersDatabase("notify_crud");
  NotifyRig rig(conninfo, "walcast notify crud");
  ASSERT_TRUE(rig.WaitListening()) << rig.source->State().problem;

  PgSession db(conninfo);
  std::string id = db.Scalar(
      "INSERT INTO orders (customer_name, product_name) VALUES ('Ada', 'Lamp') RETURNING id");
  db.Query("UPDATE orders SET status = 'shipped' WHERE id = $1", {id});
  db.Query("DELETE FROM orders WHERE id = $1", {id});
  ASSERT_TRUE(rig.recorder->WaitEvents(3));

  auto events = rig.recorder->Events();
  ASSERT_EQ(events.size(), 3u);
  const char* names[] = {"orders:insert", "orders:update", "orders:delete"};
  const char* statuses[] = {"pending", "shipped", "shipped"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(events[i]->json);
    EXPECT_EQ(events[i]->name, names[i]);
    auto doc = Json(events[i]->json);
    ASSERT_TRUE(doc.IsObject());
    EXPECT_STREQ(doc["event"].GetString(), names[i]);
    const auto& data = doc["data"];
    EXPECT_STREQ(data["id"].GetString(), events[i]->id.ToString().c_str());
    EXPECT_STREQ(data["type"].GetString(), "database_change");
    EXPECT_STREQ(data["table"].GetString(), "orders");
    EXPECT_TRUE(data["lsn"].IsNull());
    EXPECT_TRUE(data["old"].IsNull());
    const auto& row = data["data"];
    ASSERT_TRUE(row.IsObject());
    EXPECT_EQ(std::to_string(row["id"].GetInt()), id);
    EXPECT_STREQ(row["customer_name"].GetString(), "Ada");
    EXPECT_STREQ(row["product_name"].GetString(), "Lamp");
    EXPECT_STREQ(row["status"].GetString(), statuses[i]);
    // Re-typed per docs/contract.md §2, as the replication source writes it.
    std::string created_at = row["created_at"].GetString();
    EXPECT_EQ(created_at.back(), 'Z') << created_at;
    // Ids of this run: above the run's floor and ordered.
    EXPECT_GT(events[i]->id.commit_lsn(), rig.pipeline.RunFloor());
    if (i > 0) {
      EXPECT_LT(events[i - 1]->id, events[i]->id);
    }
  }
  // The hub delivers inside Publish, before the pipeline counts the event.
  EXPECT_TRUE(Eventually([&] { return rig.pipeline.Published() == 3; }, kTimeout));
  EXPECT_EQ(rig.pipeline.Rejected(), 0u);
}

TEST(NotifySource, RejectsMalformedAndForeignPayloadsAndKeepsStreaming) {
  std::string conninfo = OrdersDatabase("notify_reject");
  NotifyRig rig(conninfo, "walcast notify reject");
  ASSERT_TRUE(rig.WaitListening()) << rig.source->State().problem;

  PgSession db(conninfo);
  db.Exec("SELECT pg_notify('orders_change', 'garbage')");
  db.Query("SELECT pg_notify('orders_change', $1)", {Payload("customers", "INSERT", 1)});
  db.Query("SELECT pg_notify('orders_change', $1)", {Payload("orders", "MERGE", 1)});
  db.Exec("SELECT pg_notify('orders_change', '')");
  // Another channel never reaches the pipeline at all.
  db.Query("SELECT pg_notify('other_channel', $1)", {Payload("orders", "INSERT", 1)});
  db.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Bob', 'Desk')");
  ASSERT_TRUE(rig.recorder->WaitEvents(1));

  auto events = rig.recorder->Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->name, "orders:insert");
  EXPECT_STREQ(Json(events[0]->json)["data"]["data"]["customer_name"].GetString(), "Bob");
  // Notifications arrive in order, so the rejected ones were handled before the insert.
  EXPECT_EQ(rig.pipeline.Rejected(), 4u);
  std::string metrics = rig.metrics->Render({});
  EXPECT_NE(metrics.find("\nwalcast_rejected_notifications_total 4\n"), std::string::npos)
      << metrics;
  EXPECT_TRUE(Eventually([&] { return rig.pipeline.Published() == 1; }, kTimeout));
  EXPECT_TRUE(rig.source->State().listening);
}

TEST(NotifySource, OversizeRowIsPublishedWithTheIdOnly) {
  std::string conninfo = OrdersDatabase("notify_truncated");
  PgSession db(conninfo);
  // A column an operator added can push the payload past pg_notify's 8000-byte limit; the
  // trigger then sends {"truncated":true, "data":{"id":…}}.
  db.Exec("ALTER TABLE orders ADD COLUMN notes text");
  NotifyRig rig(conninfo, "walcast notify truncated");
  ASSERT_TRUE(rig.WaitListening()) << rig.source->State().problem;

  std::string id = db.Scalar(
      "INSERT INTO orders (customer_name, product_name, notes) "
      "VALUES ('Cy', 'Rug', repeat('x', 9000)) RETURNING id");
  db.Exec("INSERT INTO orders (customer_name, product_name, notes) VALUES ('Di', 'Cup', 'short')");
  ASSERT_TRUE(rig.recorder->WaitEvents(2));

  auto events = rig.recorder->Events();
  auto truncated = Json(events[0]->json);
  const auto& row = truncated["data"]["data"];
  EXPECT_EQ(std::to_string(row["id"].GetInt()), id);
  EXPECT_EQ(row.MemberCount(), 1u) << events[0]->json;
  auto full = Json(events[1]->json);
  EXPECT_STREQ(full["data"]["data"]["notes"].GetString(), "short");
  EXPECT_EQ(rig.pipeline.Rejected(), 0u);
}

TEST(NotifySource, ReconnectsAfterTheListenSessionIsKilledAndSubscribersResync) {
  std::string conninfo = OrdersDatabase("notify_reconnect");
  const std::string application_name = "walcast notify reconnect";
  NotifyRig rig(conninfo, application_name);
  ASSERT_TRUE(rig.WaitListening()) << rig.source->State().problem;

  PgSession db(conninfo);
  db.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Ed', 'Pen')");
  ASSERT_TRUE(rig.recorder->WaitEvents(1));
  EXPECT_TRUE(rig.recorder->Resyncs().empty()) << "the first LISTEN is not a reconnect";

  auto killed =
      db.Query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
               {application_name});
  ASSERT_EQ(killed.size(), 1u);
  EXPECT_EQ(killed[0][0], "t");

  // The resync comes once LISTEN is active again, so a change made after it is not missed.
  ASSERT_TRUE(rig.recorder->WaitResyncs(1));
  EXPECT_NE(rig.recorder->Resyncs()[0].find("NOTIFY connection was lost"), std::string::npos);
  EXPECT_TRUE(rig.source->State().listening);

  db.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Flo', 'Ink')");
  ASSERT_TRUE(rig.recorder->WaitEvents(2));
  auto events = rig.recorder->Events();
  EXPECT_STREQ(Json(events[1]->json)["data"]["data"]["customer_name"].GetString(), "Flo");
  EXPECT_LT(events[0]->id, events[1]->id);
  EXPECT_EQ(rig.recorder->Resyncs().size(), 1u);
}

TEST(NotifySource, NotificationsArrivingDuringTheConnectionCheckAreNotLost) {
  std::string conninfo = OrdersDatabase("notify_check");
  // A check after every millisecond of silence, so many notifications reach libpq while
  // `SELECT 1` waits for its result and no socket readiness announces them afterwards.
  NotifyRig rig(conninfo, "walcast notify check",
                [](database::NotifyOptions& options) { options.check_interval = 1ms; });
  ASSERT_TRUE(rig.WaitListening()) << rig.source->State().problem;

  // One change at a time, each awaited before the next: a notification left in libpq's buffer
  // would wait forever, as no later one comes to wake the source.
  PgSession db(conninfo);
  constexpr int kRows = 100;
  for (int i = 0; i < kRows; ++i) {
    db.Query("INSERT INTO orders (customer_name, product_name) VALUES ($1, 'Clip')",
             {"customer " + std::to_string(i)});
    ASSERT_TRUE(rig.recorder->WaitEvents(i + 1)) << "change " << i << " did not arrive";
  }
  auto events = rig.recorder->Events();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kRows));
  for (int i = 0; i < kRows; ++i) {
    EXPECT_EQ(Json(events[i]->json)["data"]["data"]["customer_name"].GetString(),
              "customer " + std::to_string(i));
  }
  EXPECT_TRUE(rig.recorder->Resyncs().empty());
}

TEST(NotifySource, AHalfOpenConnectionIsNoticedByTheCheckAndReplaced) {
  std::string conninfo = OrdersDatabase("notify_half_open");
  TcpProxy proxy(PortOf(conninfo));
  NotifyRig rig(conninfo + " port=" + std::to_string(proxy.Port()), "walcast notify half open",
                [](database::NotifyOptions& options) {
                  options.check_interval = 200ms;
                  options.check_timeout = 1s;
                });
  ASSERT_TRUE(rig.WaitListening()) << rig.source->State().problem;

  PgSession db(conninfo);
  db.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Hal', 'Fan')");
  ASSERT_TRUE(rig.recorder->WaitEvents(1));

  // Nothing closes: only the failing check can tell that this connection is dead.
  proxy.Blackhole();
  ASSERT_TRUE(rig.recorder->WaitResyncs(1));
  db.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Ivy', 'Jar')");
  ASSERT_TRUE(rig.recorder->WaitEvents(2));
  EXPECT_STREQ(Json(rig.recorder->Events()[1]->json)["data"]["data"]["customer_name"].GetString(),
               "Ivy");
}

TEST(NotifySource, KeepsRetryingWhileTheDatabaseIsUnreachable) {
  std::string conninfo = OrdersDatabase("notify_unreachable");
  TcpProxy proxy(PortOf(conninfo));
  proxy.Down();  // connections are refused, as by a server that is not running
  NotifyRig rig(conninfo + " port=" + std::to_string(proxy.Port()), "walcast notify unreachable");
  EXPECT_TRUE(Eventually(
      [&] { return rig.source->State().problem.find("Connection refused") != std::string::npos; },
      kTimeout))
      << rig.source->State().problem;
  EXPECT_FALSE(rig.source->State().listening);

  proxy.Up();
  ASSERT_TRUE(rig.WaitListening()) << rig.source->State().problem;
  PgSession db(conninfo);
  db.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Gus', 'Map')");
  EXPECT_TRUE(rig.recorder->WaitEvents(1));
  EXPECT_TRUE(rig.recorder->Resyncs().empty()) << "never listened before: nothing was missed";

  rig.source->Stop();
  EXPECT_TRUE(Eventually([&] { return rig.source->State().problem == "stopped"; }, kTimeout));
  EXPECT_FALSE(rig.source->State().listening);
}

TEST(NotifyPipeline, AnIdFromAnEarlierRunGetsResyncAndOneFromThisRunReplays) {
  auto hub = std::make_shared<api::EventHub>(api::ReplayLimits{});
  auto run_start = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  daemon::NotifyPipeline pipeline(hub, std::make_shared<api::Metrics>(), {}, run_start);
  EXPECT_EQ(pipeline.RunFloor(), Lsn(uint64_t{1'800'000'000} << 32));
  pipeline.OnListenStart(false);
  pipeline.OnNotification(Payload("orders", "INSERT", 1));
  pipeline.OnNotification(Payload("orders", "UPDATE", 1));
  ASSERT_EQ(hub->LastId(), EventId(Lsn((uint64_t{1'800'000'000} << 32) | 2), 0));

  // The previous run started a minute earlier and published many events.
  EventId earlier(Lsn((uint64_t{1'800'000'000 - 60} << 32) | 5000), 0);
  auto stale = hub->Subscribe(std::make_shared<Recorder>(), earlier);
  EXPECT_EQ(stale.status, api::ReplayWindow::ResumeStatus::kTooOld);

  auto resumed = hub->Subscribe(std::make_shared<Recorder>(),
                                EventId(Lsn((uint64_t{1'800'000'000} << 32) | 1), 0));
  EXPECT_EQ(resumed.status, api::ReplayWindow::ResumeStatus::kOk);
  auto backlog = hub->Fetch(EventId(Lsn((uint64_t{1'800'000'000} << 32) | 1), 0), 100);
  ASSERT_EQ(backlog.events.size(), 1u);
  EXPECT_EQ(backlog.events[0]->name, "orders:update");
}

TEST(NotifyPipeline, OnlyAReconnectTellsSubscribersToResync) {
  auto hub = std::make_shared<api::EventHub>(api::ReplayLimits{});
  auto recorder = std::make_shared<Recorder>();
  hub->Subscribe(recorder, std::nullopt);
  daemon::NotifyPipeline pipeline(hub, std::make_shared<api::Metrics>());
  pipeline.OnListenStart(false);
  EXPECT_TRUE(recorder->Resyncs().empty());
  pipeline.OnNotification(Payload("orders", "INSERT", 1));
  auto before_gap = hub->LastId();
  ASSERT_TRUE(before_gap);
  pipeline.OnListenStart(true);
  EXPECT_EQ(recorder->Resyncs().size(), 1u);
  pipeline.OnNotification(Payload("orders", "INSERT", 2));

  auto after_gap = hub->LastId();

  // A client away during the gap cannot resume across it silently, not even from the newest id
  // before it (the gap came after that id); from the first id after it, it can.
  auto late = std::make_shared<Recorder>();
  EXPECT_EQ(hub->Subscribe(late, before_gap).status, api::ReplayWindow::ResumeStatus::kTooOld);
  EXPECT_EQ(hub->Subscribe(late, after_gap).status, api::ReplayWindow::ResumeStatus::kOk);
}

TEST(NotifyPipeline, RejectedPayloadsUseNoId) {
  auto hub = std::make_shared<api::EventHub>(api::ReplayLimits{});
  auto run_start = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  daemon::NotifyPipeline pipeline(hub, std::make_shared<api::Metrics>(), {}, run_start);
  pipeline.OnNotification("{\"operation\":\"INSERT\"");
  pipeline.OnNotification(std::string(100'000, '\n'));
  pipeline.OnNotification(Payload("orders", "DELETE", 3));
  EXPECT_EQ(pipeline.Rejected(), 2u);
  EXPECT_EQ(hub->LastId(), EventId(Lsn((uint64_t{1'800'000'000} << 32) | 1), 0));
}

// Connects to `conninfo` and probes it, on an io_context of the test's own.
database::SourceProbe Probe(const std::string& conninfo) {
  asio::io_context io;
  database::SourceProbe probe;
  probe.reason = "the probe did not finish";
  // Built outside the coroutine: GCC 12 rejects a braced pair of a literal inside one.
  database::ConnectionParams params{{"dbname", conninfo}};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        database::PgConnection connection(co_await asio::this_coro::executor);
        if (auto error = co_await connection.Connect(params, 30s)) {
          probe.error = error;
          probe.reason = error->message;
          co_return;
        }
        probe = co_await database::ProbeSource(connection);
      },
      asio::detached);
  io.run();
  return probe;
}

TEST(SourceProbe, LogicalWalLevelAndSuperuserMeanReplication) {
  auto probe = Probe(SharedConnInfo());
  EXPECT_FALSE(probe.error.has_value()) << probe.reason;
  EXPECT_TRUE(probe.replication_possible) << probe.reason;
  EXPECT_NE(probe.reason.find("wal_level is logical"), std::string::npos) << probe.reason;
}

TEST(SourceProbe, WalLevelReplicaMeansNotify) {
  PgCluster cluster({"wal_level = replica"});
  cluster.Start();
  auto probe = Probe(cluster.ConnInfo());
  EXPECT_FALSE(probe.error.has_value()) << probe.reason;
  EXPECT_FALSE(probe.replication_possible);
  EXPECT_EQ(probe.reason, "wal_level is replica (needs logical)");
}

TEST(SourceProbe, RoleWithoutReplicationMeansNotify) {
  PgSession admin(SharedConnInfo());
  admin.Exec("DROP ROLE IF EXISTS walcast_probe_app");
  admin.Exec("CREATE ROLE walcast_probe_app LOGIN");
  auto probe = Probe(SharedConnInfo() + " user=walcast_probe_app");
  admin.Exec("DROP ROLE walcast_probe_app");
  EXPECT_FALSE(probe.error.has_value()) << probe.reason;
  EXPECT_FALSE(probe.replication_possible);
  EXPECT_NE(probe.reason.find("role walcast_probe_app lacks REPLICATION"), std::string::npos)
      << probe.reason;
}

TEST(SourceProbe, ReplicationRoleThatIsNotSuperuserMayReplicate) {
  PgSession admin(SharedConnInfo());
  admin.Exec("DROP ROLE IF EXISTS walcast_probe_replicator");
  admin.Exec("CREATE ROLE walcast_probe_replicator LOGIN REPLICATION");
  auto probe = Probe(SharedConnInfo() + " user=walcast_probe_replicator");
  admin.Exec("DROP ROLE walcast_probe_replicator");
  EXPECT_TRUE(probe.replication_possible) << probe.reason;
}

TEST(SourceProbe, AFailedProbeIsAnErrorNotADecision) {
  asio::io_context io;
  database::SourceProbe probe;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        database::PgConnection never_connected(co_await asio::this_coro::executor);
        probe = co_await database::ProbeSource(never_connected);
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(probe.error.has_value());
  EXPECT_FALSE(probe.replication_possible);
}

TEST(SourceProbe, ChooseSourceNamesEveryMissingPiece) {
  database::ServerFacts facts{"logical", "app", true, 10, 10};
  EXPECT_TRUE(database::ChooseSource(facts).replication_possible);

  facts.wal_level = "minimal";
  facts.role_may_replicate = false;
  auto both = database::ChooseSource(facts);
  EXPECT_FALSE(both.replication_possible);
  EXPECT_EQ(both.reason,
            "wal_level is minimal (needs logical); role app lacks REPLICATION (ALTER ROLE app "
            "REPLICATION)");

  database::ServerFacts no_senders{"logical", "app", true, 0, 10};
  EXPECT_EQ(database::ChooseSource(no_senders).reason, "max_wal_senders is 0");
  database::ServerFacts no_slots{"logical", "app", true, 10, 0};
  EXPECT_EQ(database::ChooseSource(no_slots).reason, "max_replication_slots is 0");
}

}  // namespace
}  // namespace walcast::testing
