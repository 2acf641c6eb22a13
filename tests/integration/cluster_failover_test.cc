// Several walcastd on one database, slot and Redis stream (docs/contract.md §8, docs/cluster.md),
// as real processes. While a writer commits, leaders are SIGKILLed and one is SIGSTOPped past the
// takeover time, a follower is killed and Redis restarts from its AOF: every client that resumes
// from its last id on whichever member is alive ends with every committed change exactly once, in
// commit order, and one leader is left. Also: an id from one member resumes on another, Redis
// hanging for ten seconds costs nothing, and wrong Redis URLs or keys are reported, not fatal.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <chrono>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/redis_server.h"
#include "tests/harness/sse_client.h"
#include "tests/harness/ws_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

// A hung leader loses the slot after this long (its wal_sender_timeout): short, so tests wait less.
constexpr auto kTakeover = 2000ms;
// Starting, taking over and catching up under the sanitizers on a busy machine. Nothing asserts
// on speed: these only bound how long a test waits for what must happen.
constexpr auto kSlow = 120s;

// ---------------------------------------------------------------------------------------------
// Small readers of JSON, logs and Redis.

const rapidjson::Value* Child(const rapidjson::Value* object, const char* name) {
  if (object == nullptr || !object->IsObject()) return nullptr;
  auto it = object->FindMember(name);
  return it == object->MemberEnd() ? nullptr : &it->value;
}

std::string Text(const rapidjson::Value* value) {
  return value != nullptr && value->IsString() ? value->GetString() : "";
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::size_t CountOf(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// The end of a daemon's log, for failure messages (a whole ASan log drowns the point).
std::string Tail(const DaemonProcess& process, std::size_t bytes = 4000) {
  std::string log = process.Log();
  return log.size() <= bytes ? log : "…" + log.substr(log.size() - bytes);
}

// True once `needle` occurs `count` times in the log: a member logs its role at start and at
// every change, so "stepped down again" is one more occurrence than before.
bool WaitForLogCount(const DaemonProcess& process, const std::string& needle, std::size_t count,
                     std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (CountOf(process.Log(), needle) >= count) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

int PortOf(const std::string& conninfo) {
  return std::stoi(conninfo.substr(conninfo.find("port=") + 5));
}

// One command in RESP to a Redis without a password; the first line of the reply ("+OK").
// Written out here so a test can shape Redis before any walcastd touches it.
std::string RawRedisCommand(int port, const std::vector<std::string>& args) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  std::string request = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& arg : args) request += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  boost::asio::write(socket, boost::asio::buffer(request));
  boost::asio::streambuf reply;
  boost::asio::read_until(socket, reply, "\r\n");
  std::istream in(&reply);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The durability docs/cluster.md asks for: a reply follows its fsync, so nothing acknowledged to
// the slot is lost when Redis is killed.
std::vector<std::string> DurableRedis(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--appendonly", "yes", "--appendfsync", "always"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Runs `action` when the scope ends, however it ends (an ASSERT returns early).
class Defer {
 public:
  explicit Defer(std::function<void()> action) : action_(std::move(action)) {}
  ~Defer() { action_(); }
  Defer(const Defer&) = delete;
  Defer& operator=(const Defer&) = delete;

 private:
  std::function<void()> action_;
};

// ---------------------------------------------------------------------------------------------
// Members and their /health.

// What a member's /health says; `answered` is false when it did not answer with JSON.
struct MemberHealth {
  bool answered = false;
  int http_status = 0;
  std::string body;
  std::string status;
  std::string role;
  std::string redis;
  std::string redis_problem;
  bool term_is_integer = false;
  int64_t term = -1;
  bool lag_is_integer = false;
};

MemberHealth ReadHealth(int port) {
  MemberHealth health;
  HttpResult result;
  try {
    result = HttpGet(port, "/health");
  } catch (const std::exception&) {
    return health;  // not listening (killed, or not up yet)
  }
  rapidjson::Document doc;
  doc.Parse(result.body.c_str());
  if (doc.HasParseError() || !doc.IsObject()) return health;
  health.answered = true;
  health.http_status = result.status;
  health.body = result.body;
  health.status = Text(Child(&doc, "status"));
  health.role = Text(Child(&doc, "role"));
  health.redis = Text(Child(&doc, "redis"));
  health.redis_problem = Text(Child(&doc, "redisProblem"));
  if (const auto* term = Child(&doc, "term"); term != nullptr && term->IsInt64()) {
    health.term_is_integer = true;
    health.term = term->GetInt64();
  }
  const auto* lag = Child(&doc, "clusterLagMs");
  health.lag_is_integer = lag != nullptr && lag->IsInt64();
  return health;
}

// Polls /health until `done` holds; returns the last answer either way.
MemberHealth WaitForHealth(int port, const std::function<bool(const MemberHealth&)>& done,
                           std::chrono::milliseconds timeout = kSlow) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  MemberHealth health;
  while (true) {
    health = ReadHealth(port);
    if (done(health) || std::chrono::steady_clock::now() >= deadline) return health;
    std::this_thread::sleep_for(100ms);
  }
}

bool Joined(const MemberHealth& health) { return !health.role.empty() && health.redis == "up"; }

// --rate-limit 0: the tests poll /health and reopen streams from one address far more often than
// a person would, and rate limiting is not what they test.
std::vector<std::string> MemberArgs(const OrdersDatabase& db, const std::string& redis_url,
                                    const std::string& name,
                                    const std::vector<std::string>& extra = {}) {
  auto args = DaemonArgs(db);
  args.insert(args.end(),
              {"--redis-url", redis_url, "--cluster-takeover-ms", std::to_string(kTakeover.count()),
               "--cluster-member", name, "--rate-limit", "0"});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// One walcastd of a cluster under test.
struct Member {
  std::string name;
  std::unique_ptr<DaemonProcess> process;
  int port = -1;  // -1 until it listens
};

// Starts walcastd as member `name` and waits only until it listens (port -1 when it did not).
Member LaunchMember(const OrdersDatabase& db, const std::string& redis_url, const std::string& name,
                    const std::vector<std::string>& extra = {}) {
  Member member{name, std::make_unique<DaemonProcess>(MemberArgs(db, redis_url, name, extra))};
  member.port = member.process->WaitForPort(kSlow);
  return member;
}

// The members m0, m1, … of one cluster (one database, slot and Redis). Only the test's main thread
// starts, signals and polls them; reader threads only ask, through Pick and Serving (under the
// mutex), which members take clients. A member is withdrawn before it is killed or stopped and
// serves again once it has rejoined.
class ClusterMembers {
 public:
  ClusterMembers(OrdersDatabase db, std::string redis_url, std::size_t count,
                 std::vector<std::string> extra = {})
      : db_(std::move(db)),
        redis_url_(std::move(redis_url)),
        extra_(std::move(extra)),
        members_(count),
        serving_(count, -1) {
    for (std::size_t i = 0; i < count; ++i) members_[i].name = "m" + std::to_string(i);
  }

  std::size_t size() const { return members_.size(); }
  Member& at(std::size_t index) { return members_[index]; }
  const std::string& Name(std::size_t index) const { return members_[index].name; }

  // Starts member `index` (again, after a kill) and waits until it has joined: /health answers
  // with a role and Redis up. It then takes clients.
  AssertionResult Start(std::size_t index) {
    auto& member = members_[index];
    member = LaunchMember(db_, redis_url_, member.name, extra_);
    if (member.port <= 0) {
      return AssertionFailure() << member.name << " did not listen:\n" << Tail(*member.process);
    }
    auto health = WaitForHealth(member.port, Joined);
    if (!Joined(health)) {
      return AssertionFailure() << member.name
                                << " did not join the cluster; /health: " << health.body << "\n"
                                << Tail(*member.process);
    }
    Serve(index);
    return AssertionSuccess();
  }

  // SIGKILL, after withdrawing it from new clients.
  void Kill(std::size_t index) {
    Withdraw(index);
    members_[index].process->Signal(SIGKILL);
    members_[index].process->WaitExit(30s);
  }

  void Withdraw(std::size_t index) {
    std::lock_guard lock(mutex_);
    serving_[index] = -1;
  }

  void Serve(std::size_t index) {
    std::lock_guard lock(mutex_);
    serving_[index] = members_[index].port;
  }

  // Nothing may stay stopped when a test ends early: a reader blocked on a stopped member would
  // hold up its thread's join.
  void ContinueAll() {
    for (auto& member : members_) {
      if (member.process) member.process->Signal(SIGCONT);
    }
  }

  // The one serving member that reports role leader, once exactly one does; nullopt when that did
  // not happen within `timeout`.
  std::optional<std::size_t> WaitForOneLeader(std::chrono::milliseconds timeout = kSlow) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      std::vector<std::size_t> leaders;
      for (std::size_t i = 0; i < members_.size(); ++i) {
        if (IsServing(i) && ReadHealth(members_[i].port).role == "leader") leaders.push_back(i);
      }
      if (leaders.size() == 1) return leaders[0];
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(100ms);
    }
  }

  // The end of every member's log, for failure messages.
  std::string Logs() const {
    std::string text;
    for (const auto& member : members_) {
      if (member.process) text += "\n--- " + member.name + " ---\n" + Tail(*member.process, 3000);
    }
    return text;
  }

  // For reader threads.
  struct Target {
    std::size_t index;
    int port;
    std::string name;
  };
  // A member that takes clients, another than `avoid` when there is one (in turn, so clients
  // spread), nullopt when none does.
  std::optional<Target> Pick(std::size_t avoid) {
    std::lock_guard lock(mutex_);
    std::optional<Target> fallback;
    for (std::size_t step = 0; step < serving_.size(); ++step) {
      std::size_t i = (next_ + step) % serving_.size();
      if (serving_[i] <= 0) continue;
      if (i == avoid) {
        fallback = Target{i, serving_[i], members_[i].name};
        continue;
      }
      next_ = i + 1;
      return Target{i, serving_[i], members_[i].name};
    }
    return fallback;
  }
  // Whether the process listening on `port` still takes clients (not stopped, killed or replaced).
  bool Serving(std::size_t index, int port) const {
    std::lock_guard lock(mutex_);
    return serving_[index] == port;
  }

 private:
  bool IsServing(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return serving_[index] > 0;
  }

  OrdersDatabase db_;
  std::string redis_url_;
  std::vector<std::string> extra_;
  std::vector<Member> members_;
  mutable std::mutex mutex_;
  std::vector<int> serving_;  // the port of each member taking clients, -1 when withdrawn
  std::size_t next_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Stream clients over either transport.

enum class Transport { kSse, kSseLastEventId, kWebSocket };

std::string TransportName(Transport transport) {
  switch (transport) {
    case Transport::kSse:
      return "sse";
    case Transport::kSseLastEventId:
      return "sse(Last-Event-ID)";
    case Transport::kWebSocket:
      return "ws";
  }
  return "?";
}

// What one read from a stream connection gave.
struct StreamMessage {
  enum class Kind { kChange, kControl, kIdle, kClosed };
  Kind kind = Kind::kIdle;
  std::string name;    // "orders:insert", "welcome", "resync", …
  std::string id;      // change events: the event id
  std::string marker;  // change events: the row's customer_name (each change writes its own)
  std::string json;    // the event as sent
};

// One stream connection (SSE or WebSocket), resuming after `from` when it is not empty. Throws
// when the member refuses or is gone. Not thread-safe.
class StreamConnection {
 public:
  StreamConnection(Transport transport, int port, const std::string& from) {
    std::string query = from.empty() ? "" : "?from=" + from;
    switch (transport) {
      case Transport::kSse:
        sse_ = std::make_unique<SseClient>(port, "/api/events" + query);
        break;
      case Transport::kSseLastEventId: {
        std::vector<std::pair<std::string, std::string>> headers;
        if (!from.empty()) headers.emplace_back("Last-Event-ID", from);
        sse_ = std::make_unique<SseClient>(port, "/api/events", headers);
        break;
      }
      case Transport::kWebSocket:
        ws_ = std::make_unique<WsClient>(port, "/ws" + query);
        break;
    }
    if (sse_ && sse_->status() != 200) throw std::runtime_error("SSE refused: " + sse_->head());
  }

  StreamMessage Next(std::chrono::milliseconds timeout) {
    StreamMessage message;
    std::string sse_id;
    if (sse_) {
      auto event = sse_->Next(timeout);
      if (!event) return Ended(sse_->Closed());
      message.name = event->event;
      message.json = std::move(event->data);
      sse_id = std::move(event->id);
    } else {
      auto text = ws_->Next(timeout);
      if (!text) return Ended(ws_->Closed());
      message.json = std::move(*text);
    }
    rapidjson::Document doc;
    doc.Parse(message.json.c_str());
    if (!sse_) message.name = Text(Child(&doc, "event"));
    if (message.name.rfind("orders:", 0) != 0) {
      message.kind = StreamMessage::Kind::kControl;
      return message;
    }
    message.kind = StreamMessage::Kind::kChange;
    const auto* data = Child(&doc, "data");
    // SSE's `id:` line is what Last-Event-ID resumes from; WebSocket carries the id in the event.
    message.id = sse_ ? sse_id : Text(Child(data, "id"));
    message.marker = Text(Child(Child(data, "data"), "customer_name"));
    return message;
  }

  bool Closed() const { return sse_ ? sse_->Closed() : ws_->Closed(); }

 private:
  static StreamMessage Ended(bool closed) {
    StreamMessage message;
    message.kind = closed ? StreamMessage::Kind::kClosed : StreamMessage::Kind::kIdle;
    return message;
  }

  std::unique_ptr<SseClient> sse_;
  std::unique_ptr<WsClient> ws_;
};

// Reads the welcome every connection starts with (anything else first is a failure).
AssertionResult ReadWelcome(StreamConnection& connection, const std::string& who) {
  auto message = connection.Next(kSlow);
  if (message.kind != StreamMessage::Kind::kControl || message.name != "welcome") {
    return AssertionFailure() << who << ": expected welcome, got '" << message.name << "' "
                              << message.json;
  }
  return AssertionSuccess();
}

// Messages until `count` changes arrived, the connection closed, or `timeout` passed.
std::vector<StreamMessage> ReadChanges(StreamConnection& connection, std::size_t count,
                                       std::chrono::milliseconds timeout = kSlow) {
  std::vector<StreamMessage> messages;
  std::size_t changes = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (changes < count) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto message = connection.Next(left);
    if (message.kind == StreamMessage::Kind::kClosed) break;
    if (message.kind == StreamMessage::Kind::kIdle) continue;
    if (message.kind == StreamMessage::Kind::kChange) ++changes;
    messages.push_back(std::move(message));
  }
  return messages;
}

std::vector<StreamMessage> ChangesIn(const std::vector<StreamMessage>& messages) {
  std::vector<StreamMessage> changes;
  for (const auto& message : messages) {
    if (message.kind == StreamMessage::Kind::kChange) changes.push_back(message);
  }
  return changes;
}

std::vector<std::string> MarkersOf(const std::vector<StreamMessage>& changes) {
  std::vector<std::string> markers;
  for (const auto& change : changes) markers.push_back(change.marker);
  return markers;
}

void InsertNamed(PgSession& session, const std::string& name) {
  session.Query("INSERT INTO orders (customer_name, product_name) VALUES ($1, 'p')", {name});
}

// ---------------------------------------------------------------------------------------------
// The failover run: its writer's transactions and its readers.

constexpr int kTransactions = 2000;
constexpr int kRowsPerTransaction = 5;  // 5 inserts and 5 updates: 10 changes a transaction
constexpr auto kWriterPace = 25ms;      // 2,000 transactions in about 50 s
// Explicit ids (the schema's sample rows have used the sequence), so a transaction can update
// the rows of the one before without reading anything back.
constexpr int kBaseId = 1'000'000;
constexpr int kWarmupId = kBaseId - 1;

struct Transaction {
  std::string sql;
  std::vector<std::pair<int, std::string>> changes;  // (order id, customer_name) in commit order
};

// Transaction t inserts 5 orders and renames the 5 of transaction t-1 (its own for t = 0). Every
// change writes a customer_name of its own ("t17-i3", "t17-u3"), so a change is known by it.
Transaction MakeTransaction(int t) {
  Transaction txn;
  txn.sql = "BEGIN;";
  for (int k = 0; k < kRowsPerTransaction; ++k) {
    int id = kBaseId + t * kRowsPerTransaction + k;
    std::string marker = "t" + std::to_string(t) + "-i" + std::to_string(k);
    txn.sql += "INSERT INTO orders (id, customer_name, product_name) VALUES (" +
               std::to_string(id) + ", '" + marker + "', 'p');";
    txn.changes.emplace_back(id, marker);
  }
  int renamed = std::max(t - 1, 0);
  for (int k = 0; k < kRowsPerTransaction; ++k) {
    int id = kBaseId + renamed * kRowsPerTransaction + k;
    std::string marker = "t" + std::to_string(t) + "-u" + std::to_string(k);
    txn.sql +=
        "UPDATE orders SET customer_name = '" + marker + "' WHERE id = " + std::to_string(id) + ";";
    txn.changes.emplace_back(id, marker);
  }
  txn.sql += "COMMIT;";
  return txn;
}

struct SeenChange {
  std::string id;
  std::string marker;
};

// One stream client of the failover run. It reads every change until it has `expected` of them;
// whenever its connection breaks it resumes from its last id on another member that takes
// clients. A patient reader waits through a stall of its member (SIGSTOP), an impatient one moves
// on once its member is withdrawn: both ways must lose nothing.
class Reader {
 public:
  Reader(Transport transport, bool patient, ClusterMembers& cluster)
      : transport_(transport), patient_(patient), cluster_(cluster) {}

  // Connects to `member` without `from` (the writer has not started) and reads the welcome. On
  // the test's main thread, before Run.
  AssertionResult Connect(std::size_t member) {
    member_ = member;
    port_ = cluster_.at(member).port;
    name_ = TransportName(transport_) + (patient_ ? "-patient@" : "@") + cluster_.Name(member);
    path_ = cluster_.Name(member);
    try {
      connection_ = std::make_unique<StreamConnection>(transport_, port_, "");
    } catch (const std::exception& e) {
      return AssertionFailure() << name_ << ": " << e.what();
    }
    return ReadWelcome(*connection_, name_);
  }

  // On its own thread until `expected` changes arrived or `stop` is requested.
  void Run(std::stop_token stop, std::size_t expected) {
    while (!stop.stop_requested() && changes_.size() < expected) {
      if (!connection_ && !Reconnect()) {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      Consume(connection_->Next(1s));
    }
    // A change delivered twice after the last expected one would otherwise go unseen.
    while (connection_ && !stop.stop_requested()) {
      auto message = connection_->Next(1s);
      if (message.kind == StreamMessage::Kind::kIdle) break;
      Consume(std::move(message));
    }
    connection_.reset();
    done_ = true;
  }

  const std::string& name() const { return name_; }
  // The members it read from, in order ("m0 m2 m1").
  const std::string& path() const { return path_; }
  std::size_t received() const { return received_.load(); }
  bool done() const { return done_.load(); }
  int reconnects() const { return reconnects_; }
  // After Run: what it got, and any control event but welcome (a resync, an error).
  const std::vector<SeenChange>& changes() const { return changes_; }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  bool Reconnect() {
    auto target = cluster_.Pick(member_);
    if (!target) return false;
    try {
      connection_ = std::make_unique<StreamConnection>(transport_, target->port, last_id_);
    } catch (const std::exception&) {
      return false;  // it went away meanwhile: pick again
    }
    member_ = target->index;
    port_ = target->port;
    path_ += " " + target->name;
    ++reconnects_;
    return true;
  }

  void Consume(StreamMessage message) {
    switch (message.kind) {
      case StreamMessage::Kind::kChange:
        last_id_ = message.id;
        changes_.push_back({std::move(message.id), std::move(message.marker)});
        received_ = changes_.size();
        break;
      case StreamMessage::Kind::kControl:
        if (message.name != "welcome") {
          problems_.push_back(cluster_.Name(member_) + " sent " + message.json);
        }
        break;
      case StreamMessage::Kind::kClosed:
        connection_.reset();  // its member was killed: resume elsewhere
        break;
      case StreamMessage::Kind::kIdle:
        if (!patient_ && !cluster_.Serving(member_, port_)) connection_.reset();
        break;
    }
  }

  Transport transport_;
  bool patient_;
  ClusterMembers& cluster_;
  std::string name_;
  std::string path_;
  std::size_t member_ = 0;
  int port_ = -1;
  std::string last_id_;
  std::unique_ptr<StreamConnection> connection_;
  std::vector<SeenChange> changes_;
  std::vector<std::string> problems_;
  int reconnects_ = 0;
  std::atomic<std::size_t> received_{0};
  std::atomic<bool> done_{false};
};

// What a reader got against what was committed (`expected`: markers in commit order): event ids
// strictly increasing, none missing, none twice, nothing else, and commit order.
AssertionResult Verdict(const Reader& reader, const std::vector<std::string>& expected) {
  const auto& got = reader.changes();
  std::string who = reader.name() + " (read from " + reader.path() + ")";
  for (std::size_t i = 1; i < got.size(); ++i) {
    if (!(got[i - 1].id < got[i].id)) {
      return AssertionFailure() << who << ": change " << i << " has id " << got[i].id << " ("
                                << got[i].marker << ") after " << got[i - 1].id << " ("
                                << got[i - 1].marker << ")";
    }
  }
  std::unordered_map<std::string, int> seen;
  for (const auto& change : got) ++seen[change.marker];
  std::size_t missing = 0, duplicated = 0, unknown = 0;
  std::string first_missing, first_duplicated, first_unknown;
  std::unordered_map<std::string, bool> wanted;
  for (const auto& marker : expected) {
    wanted[marker] = true;
    if (seen.count(marker) == 0 && missing++ == 0) first_missing = marker;
  }
  for (const auto& [marker, times] : seen) {
    if (times > 1 && duplicated++ == 0) first_duplicated = marker;
    if (wanted.count(marker) == 0 && unknown++ == 0) first_unknown = marker;
  }
  if (missing + duplicated + unknown > 0) {
    auto failure = AssertionFailure() << who << ": " << got.size() << " changes for "
                                      << expected.size() << " committed";
    if (missing > 0) failure << "; " << missing << " missing (first " << first_missing << ")";
    if (duplicated > 0) {
      failure << "; " << duplicated << " duplicated (first " << first_duplicated << ")";
    }
    if (unknown > 0) {
      failure << "; " << unknown << " never committed (first " << first_unknown << ")";
    }
    return failure;
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (got[i].marker != expected[i]) {
      return AssertionFailure() << who << ": out of commit order at change " << i << ": got "
                                << got[i].marker << " (id " << got[i].id << "), committed "
                                << expected[i];
    }
  }
  return AssertionSuccess();
}

// The whole run. Faults come at points of the writer's progress, one after the other; a fault
// that takes long just moves the next one later (after the writer ended, if need be).
TEST(Cluster, FailoverLosesNothing) {
  RedisServer redis(DurableRedis());
  auto db = CreateOrdersDatabase("cluster_failover");
  ClusterMembers cluster(db, redis.Url(), 3);
  for (std::size_t i = 0; i < cluster.size(); ++i) ASSERT_TRUE(cluster.Start(i));
  ASSERT_TRUE(cluster.WaitForOneLeader()) << "no single leader at start" << cluster.Logs();

  // On every member an impatient SSE reader and a patient WebSocket one.
  std::vector<std::unique_ptr<Reader>> readers;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    for (bool patient : {false, true}) {
      readers.push_back(std::make_unique<Reader>(patient ? Transport::kWebSocket : Transport::kSse,
                                                 patient, cluster));
      ASSERT_TRUE(readers.back()->Connect(i));
    }
  }
  const std::size_t expected_count = 1 + kTransactions * kRowsPerTransaction * 2;
  std::atomic<int> committed{0};
  std::atomic<bool> writer_done{false};

  std::vector<std::jthread> threads;  // declared after what they use: joined before it goes
  for (auto& reader : readers) {
    threads.emplace_back(
        [&reader, expected_count](std::stop_token stop) { reader->Run(stop, expected_count); });
  }
  Defer continue_all([&] { cluster.ContinueAll(); });  // runs before the joins

  // A first change every reader has before any fault, so every reader has an id to resume from.
  PgSession session(db.conninfo);
  session.Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (" +
               std::to_string(kWarmupId) + ", 'warmup', 'p')");
  for (const auto& reader : readers) {
    auto deadline = std::chrono::steady_clock::now() + kSlow;
    while (reader->received() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_GT(reader->received(), 0u) << reader->name() << " got no first change" << cluster.Logs();
  }

  threads.emplace_back([&](std::stop_token stop) {
    try {
      PgSession writer(db.conninfo);
      auto start = std::chrono::steady_clock::now();
      for (int t = 0; t < kTransactions && !stop.stop_requested(); ++t) {
        std::this_thread::sleep_until(start + t * kWriterPace);
        writer.Exec(MakeTransaction(t).sql);
        committed = t + 1;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "writer: " << e.what();
    }
    writer_done = true;
  });
  auto reach = [&](int percent) {
    while (committed < kTransactions * percent / 100 && !writer_done) {
      std::this_thread::sleep_for(5ms);
    }
  };

  // Twice: the leader is SIGKILLed, another member takes over, the killed one rejoins.
  for (int percent : {10, 30}) {
    reach(percent);
    auto leader = cluster.WaitForOneLeader();
    ASSERT_TRUE(leader) << "no single leader at " << percent << "%" << cluster.Logs();
    cluster.Kill(*leader);
    auto successor = cluster.WaitForOneLeader();
    ASSERT_TRUE(successor) << "nobody took over from the killed leader " << cluster.Name(*leader)
                           << cluster.Logs();
    ASSERT_TRUE(cluster.Start(*leader));
  }

  // The leader hangs (SIGSTOP) past the takeover time; another takes over; woken up, the old
  // leader must step down (and, as the verdict shows, append nothing out of place).
  reach(50);
  auto hung = cluster.WaitForOneLeader();
  ASSERT_TRUE(hung) << "no single leader at 50%" << cluster.Logs();
  auto& hung_member = cluster.at(*hung);
  const std::string kFollowerLine = "cluster role: follower";
  std::size_t follower_lines = CountOf(hung_member.process->Log(), kFollowerLine);
  cluster.Withdraw(*hung);
  hung_member.process->Signal(SIGSTOP);
  std::this_thread::sleep_for(kTakeover * 5 / 2);
  auto successor = cluster.WaitForOneLeader();
  ASSERT_TRUE(successor) << "nobody took over from the stopped leader " << hung_member.name
                         << cluster.Logs();
  hung_member.process->Signal(SIGCONT);
  ASSERT_TRUE(WaitForLogCount(*hung_member.process, kFollowerLine, follower_lines + 1, kSlow))
      << hung_member.name << " did not log that it stepped down after SIGCONT\n"
      << Tail(*hung_member.process);
  auto woken =
      WaitForHealth(hung_member.port, [](const MemberHealth& h) { return h.role == "follower"; });
  ASSERT_EQ(woken.role, "follower") << hung_member.name << " /health: " << woken.body;
  cluster.Serve(*hung);

  // A follower is killed: its readers resume on another member; it rejoins.
  reach(70);
  auto leader = cluster.WaitForOneLeader();
  ASSERT_TRUE(leader) << "no single leader at 70%" << cluster.Logs();
  std::size_t follower = (*leader + 1) % cluster.size();
  cluster.Kill(follower);
  ASSERT_TRUE(cluster.Start(follower));

  // Redis is SIGKILLed and comes back from its AOF on the same port.
  reach(85);
  redis.Restart();
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    auto health = WaitForHealth(cluster.at(i).port, Joined);
    ASSERT_TRUE(Joined(health)) << cluster.Name(i)
                                << " did not rejoin after the Redis restart: " << health.body
                                << cluster.Logs();
  }

  // Every reader reads to the end (or the test gives up on it and says who).
  auto deadline = std::chrono::steady_clock::now() + 600s;
  while (std::chrono::steady_clock::now() < deadline &&
         !(writer_done && std::all_of(readers.begin(), readers.end(),
                                      [](const auto& reader) { return reader->done(); }))) {
    std::this_thread::sleep_for(200ms);
  }
  for (auto& thread : threads) thread.request_stop();
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(committed.load(), kTransactions);

  // What was committed, checked against the table itself.
  std::vector<std::string> expected{"warmup"};
  std::map<int, std::string> final_names{{kWarmupId, "warmup"}};
  for (int t = 0; t < kTransactions; ++t) {
    for (const auto& [id, marker] : MakeTransaction(t).changes) {
      expected.push_back(marker);
      final_names[id] = marker;
    }
  }
  std::map<int, std::string> table;
  for (const auto& row : session.Query("SELECT id, customer_name FROM orders WHERE id >= $1",
                                       {std::to_string(kWarmupId)})) {
    table[std::stoi(*row[0])] = *row[1];
  }
  ASSERT_EQ(table.size(), final_names.size());
  auto differs = std::mismatch(table.begin(), table.end(), final_names.begin());
  ASSERT_TRUE(differs.first == table.end())
      << "order " << differs.first->first << " is '" << differs.first->second << "', expected '"
      << differs.second->second << "'";

  int reconnects = 0;
  for (const auto& reader : readers) {
    EXPECT_TRUE(Verdict(*reader, expected));
    EXPECT_TRUE(reader->problems().empty()) << reader->name() << " (read from " << reader->path()
                                            << ") got: " << reader->problems().front();
    reconnects += reader->reconnects();
  }
  EXPECT_GT(reconnects, 0) << "no reader ever resumed on another member: the faults missed";

  // Settled: one leader, which took over three times at least; everyone up and following.
  auto settled = cluster.WaitForOneLeader();
  ASSERT_TRUE(settled) << "not exactly one leader after settling" << cluster.Logs();
  std::this_thread::sleep_for(2 * kTakeover);
  EXPECT_EQ(cluster.WaitForOneLeader(), settled) << "the leader changed without a fault";
  double leaders_by_metrics = 0, leader_changes = 0;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    const auto& member = cluster.at(i);
    EXPECT_FALSE(member.process->WaitExit(0ms).has_value()) << member.name << " exited:\n"
                                                            << Tail(*member.process);
    auto health = WaitForHealth(member.port, [](const MemberHealth& h) {
      return h.http_status == 200 && h.status == "ok";
    });
    EXPECT_EQ(health.status, "ok") << member.name << " /health: " << health.body;
    EXPECT_EQ(health.role, i == *settled ? "leader" : "follower") << member.name;
    EXPECT_EQ(health.redis, "up") << member.name;
    EXPECT_TRUE(health.term_is_integer && health.lag_is_integer)
        << member.name << " /health: " << health.body;
    if (i == *settled) {
      EXPECT_GE(health.term, 4) << "a first leader and three takeovers: " << health.body;
    }
    auto metrics = HttpGet(member.port, "/metrics").body;
    leaders_by_metrics += MetricValue(metrics, "walcast_cluster_role");
    leader_changes += std::max(0.0, MetricValue(metrics, "walcast_cluster_leader_changes_total"));
    EXPECT_EQ(MetricValue(metrics, "walcast_redis_up"), 1) << member.name;
    EXPECT_GE(MetricValue(metrics, "walcast_cluster_stream_lag_ms"), 0) << member.name;
    EXPECT_GT(MetricValue(metrics, "walcast_redis_roundtrip_seconds_count"), 0) << member.name;
  }
  EXPECT_EQ(leaders_by_metrics, 1) << "walcast_cluster_role over all members";
  EXPECT_GE(leader_changes, 1) << "walcast_cluster_leader_changes_total over all members";
}

// An id is the same on every member: ids read from one resume on another, from the middle of the
// window (the events after it, same ids), from before the window (read from the cluster's stream),
// or from before what the stream still holds (resync, then live).
TEST(Cluster, ResumeOnAnotherMember) {
  RedisServer redis(DurableRedis());
  auto db = CreateOrdersDatabase("cluster_resume");
  // A small window, so that an id can be too old for it.
  ClusterMembers cluster(db, redis.Url(), 2, {"--replay-max-events", "5"});
  ASSERT_TRUE(cluster.Start(0));
  ASSERT_TRUE(cluster.Start(1));
  ASSERT_TRUE(cluster.WaitForOneLeader()) << cluster.Logs();
  const int port_a = cluster.at(0).port;
  const int port_b = cluster.at(1).port;

  StreamConnection on_a(Transport::kSse, port_a, "");
  ASSERT_TRUE(ReadWelcome(on_a, "sse@m0"));
  StreamConnection on_b(Transport::kWebSocket, port_b, "");
  ASSERT_TRUE(ReadWelcome(on_b, "ws@m1"));
  PgSession session(db.conninfo);
  for (int i = 0; i < 4; ++i) InsertNamed(session, "r" + std::to_string(i));
  auto from_a = ChangesIn(ReadChanges(on_a, 4));
  ASSERT_EQ(from_a.size(), 4u) << "sse@m0" << cluster.Logs();
  auto from_b = ChangesIn(ReadChanges(on_b, 4));
  ASSERT_EQ(from_b.size(), 4u) << "ws@m1" << cluster.Logs();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(from_b[i].id, from_a[i].id) << "change " << i << ": one event, one id everywhere";
    EXPECT_EQ(from_b[i].marker, from_a[i].marker);
  }

  // From m0's second id, on m1, by every means: m0's third and fourth, with m0's ids.
  std::vector<std::pair<std::string, std::unique_ptr<StreamConnection>>> resumed;
  for (auto transport : {Transport::kSse, Transport::kSseLastEventId, Transport::kWebSocket}) {
    std::string who = TransportName(transport) + "@m1 from m0's " + from_a[1].id;
    resumed.emplace_back(who, std::make_unique<StreamConnection>(transport, port_b, from_a[1].id));
    ASSERT_TRUE(ReadWelcome(*resumed.back().second, who));
    auto changes = ChangesIn(ReadChanges(*resumed.back().second, 2));
    ASSERT_EQ(changes.size(), 2u) << who << cluster.Logs();
    EXPECT_EQ(changes[0].id, from_a[2].id) << who;
    EXPECT_EQ(changes[1].id, from_a[3].id) << who;
  }
  InsertNamed(session, "live");
  for (auto& [who, connection] : resumed) {
    auto live = ChangesIn(ReadChanges(*connection, 1));
    ASSERT_EQ(live.size(), 1u) << who << ": then live";
    EXPECT_EQ(live[0].marker, "live") << who;
    EXPECT_GT(live[0].id, from_a[3].id) << who;
    EXPECT_EQ(connection->Next(1s).kind, StreamMessage::Kind::kIdle) << who << ": no duplicate";
  }

  // Push m0's first ids out: far more events than the window keeps (and than one node of a Redis
  // stream holds, should the stream be trimmed approximately).
  // 600: the archive is read in more than one page.
  for (int t = 0; t < 60; ++t) {
    session.Exec("INSERT INTO orders (customer_name, product_name) SELECT 'bulk" +
                 std::to_string(t) + "-' || g, 'p' FROM generate_series(1, 10) g");
  }
  ASSERT_EQ(ChangesIn(ReadChanges(on_b, 601)).size(), 601u) << "ws@m1" << cluster.Logs();

  // Older than m1's window, still in the cluster's stream: read from Redis, then live, every
  // change once, in order.
  auto all_on_a = from_a;
  for (auto& change : ChangesIn(ReadChanges(on_a, 601))) all_on_a.push_back(change);
  ASSERT_EQ(all_on_a.size(), 605u) << "sse@m0";
  for (auto transport : {Transport::kSse, Transport::kWebSocket}) {
    std::string who = TransportName(transport) + "@m1 from m0's first id " + from_a[0].id;
    StreamConnection connection(transport, port_b, from_a[0].id);
    ASSERT_TRUE(ReadWelcome(connection, who));
    auto changes = ChangesIn(ReadChanges(connection, all_on_a.size() - 1));
    ASSERT_EQ(changes.size(), all_on_a.size() - 1) << who << cluster.Logs();
    for (std::size_t i = 0; i < changes.size(); ++i) {
      ASSERT_EQ(changes[i].id, all_on_a[i + 1].id) << who << ": change " << i;
    }
    EXPECT_EQ(connection.Next(1s).kind, StreamMessage::Kind::kIdle) << who << ": no duplicate";
  }

  // Trimmed out of the stream too (as MAXLEN would after many more changes): resync, then live.
  ASSERT_EQ(RawRedisCommand(redis.port(),
                            {"XTRIM", "walcast:{" + db.name + "}:events", "MAXLEN", "=", "100"}),
            ":505");
  std::vector<std::pair<std::string, std::unique_ptr<StreamConnection>>> too_old;
  for (auto transport : {Transport::kSse, Transport::kWebSocket}) {
    std::string who = TransportName(transport) + "@m1 from m0's first id " + from_a[0].id;
    too_old.emplace_back(who, std::make_unique<StreamConnection>(transport, port_b, from_a[0].id));
    auto& connection = *too_old.back().second;
    ASSERT_TRUE(ReadWelcome(connection, who));
    auto resync = connection.Next(kSlow);
    EXPECT_EQ(resync.name, "resync") << who << ": " << resync.json;
    EXPECT_NE(resync.json.find("oldestId"), std::string::npos) << who << ": " << resync.json;
  }
  InsertNamed(session, "after resync");
  for (auto& [who, connection] : too_old) {
    auto live = ChangesIn(ReadChanges(*connection, 1));
    ASSERT_EQ(live.size(), 1u) << who << ": it continues live after the resync";
    EXPECT_EQ(live[0].marker, "after resync") << who;
  }
}

// Redis hangs (SIGSTOP) for ten seconds while changes are committed: the members say so in
// /health, stay up, keep their clients, and deliver every change of the outage once it ends.
TEST(Cluster, RedisDownTenSeconds) {
  RedisServer redis(DurableRedis());
  auto db = CreateOrdersDatabase("cluster_redis_down");
  ClusterMembers cluster(db, redis.Url(), 2);
  ASSERT_TRUE(cluster.Start(0));
  ASSERT_TRUE(cluster.Start(1));
  ASSERT_TRUE(cluster.WaitForOneLeader()) << cluster.Logs();

  struct Client {
    std::string name;
    std::unique_ptr<StreamConnection> connection;
    std::string last_id;
  };
  std::vector<Client> clients;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    for (auto transport : {Transport::kSse, Transport::kWebSocket}) {
      std::string name = TransportName(transport) + "@" + cluster.Name(i);
      clients.push_back(
          {name, std::make_unique<StreamConnection>(transport, cluster.at(i).port, ""), ""});
      ASSERT_TRUE(ReadWelcome(*clients.back().connection, name));
    }
  }
  PgSession session(db.conninfo);
  InsertNamed(session, "before");
  for (auto& client : clients) {
    auto changes = ChangesIn(ReadChanges(*client.connection, 1));
    ASSERT_EQ(changes.size(), 1u) << client.name << cluster.Logs();
    client.last_id = changes[0].id;
  }

  redis.Pause();
  Defer resume([&] { redis.Resume(); });  // also when an ASSERT ends the test early
  auto outage_end = std::chrono::steady_clock::now() + 10s;
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {  // spread over the outage
    expected.push_back("during" + std::to_string(i));
    InsertNamed(session, expected.back());
    std::this_thread::sleep_for(1s);
  }
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    auto health =
        WaitForHealth(cluster.at(i).port, [](const MemberHealth& h) { return h.redis == "down"; });
    EXPECT_EQ(health.redis, "down") << cluster.Name(i) << " /health: " << health.body;
    EXPECT_EQ(health.status, "degraded") << cluster.Name(i) << " /health: " << health.body;
    EXPECT_EQ(health.http_status, 503) << cluster.Name(i);
    EXPECT_FALSE(health.redis_problem.empty()) << cluster.Name(i) << " /health: " << health.body;
    auto metrics = HttpGet(cluster.at(i).port, "/metrics").body;
    EXPECT_EQ(MetricValue(metrics, "walcast_redis_up"), 0) << cluster.Name(i);
  }
  std::this_thread::sleep_until(outage_end);
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    ASSERT_FALSE(cluster.at(i).process->WaitExit(0ms).has_value())
        << cluster.Name(i) << " exited while Redis hung:\n"
        << Tail(*cluster.at(i).process);
  }
  for (auto& client : clients) {
    EXPECT_NE(client.connection->Next(100ms).kind, StreamMessage::Kind::kClosed)
        << client.name << " was disconnected while Redis hung";
  }

  redis.Resume();
  expected.push_back("after");
  InsertNamed(session, expected.back());
  for (auto& client : clients) {
    auto changes = ChangesIn(ReadChanges(*client.connection, expected.size()));
    EXPECT_FALSE(client.connection->Closed()) << client.name << " lost its connection";
    EXPECT_EQ(MarkersOf(changes), expected) << client.name << cluster.Logs();
    for (const auto& change : changes) {
      EXPECT_GT(change.id, client.last_id) << client.name << ": ids strictly increase";
      client.last_id = change.id;
    }
    EXPECT_EQ(client.connection->Next(2s).kind, StreamMessage::Kind::kIdle)
        << client.name << ": nothing twice";
  }
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    auto health = WaitForHealth(cluster.at(i).port, [](const MemberHealth& h) {
      return h.redis == "up" && h.status == "ok";
    });
    EXPECT_EQ(health.status, "ok") << cluster.Name(i) << " /health: " << health.body;
  }
}

// A member whose Redis setting is wrong says what is wrong and keeps running; only a URL that
// cannot be parsed stops it at startup, like any other bad option.
TEST(Cluster, BadRedisInputs) {
  auto db = CreateOrdersDatabase("cluster_bad_redis");

  {
    DaemonProcess bad_url(MemberArgs(db, "notaurl", "bad-url"));
    EXPECT_EQ(bad_url.WaitExit(kSlow), 2) << bad_url.Log();
    std::string log = bad_url.Log();
    EXPECT_TRUE(log.find("notaurl") != std::string::npos ||
                log.find("--redis-url") != std::string::npos)
        << "the message names the URL: " << log;
    EXPECT_EQ(log.find("not expected"), std::string::npos) << "the option itself is known: " << log;
  }

  // Waits until the member reports a Redis problem; checks it is alive and tells no secrets.
  auto problem_of = [](Member& member, const std::string& secret = "") {
    // Past the first attempt: until then the problem is only that it is still connecting.
    auto health = WaitForHealth(member.port, [](const MemberHealth& h) {
      return !h.redis_problem.empty() && h.redis_problem != "connecting to Redis";
    });
    EXPECT_FALSE(health.redis_problem.empty())
        << member.name << " reports no Redis problem; /health: " << health.body << "\n"
        << Tail(*member.process);
    EXPECT_EQ(health.body.find("127.0.0.1"), std::string::npos)
        << member.name << ": no addresses in /health: " << health.body;
    if (!secret.empty()) {
      EXPECT_EQ(health.body.find(secret), std::string::npos)
          << member.name << ": no password in /health: " << health.body;
    }
    EXPECT_FALSE(member.process->WaitExit(0ms).has_value()) << member.name << " exited:\n"
                                                            << Tail(*member.process);
    return health;
  };

  RedisServer secured(DurableRedis({"--requirepass", "right-password"}));
  auto wrong_password = LaunchMember(db, secured.Url("wrong-password"), "wrong-password");
  ASSERT_GT(wrong_password.port, 0) << Tail(*wrong_password.process);
  auto health = problem_of(wrong_password, "wrong-password");
  EXPECT_EQ(health.redis, "down") << health.body;
  EXPECT_EQ(health.status, "degraded") << health.body;
  EXPECT_EQ(health.http_status, 503);
  EXPECT_NE(Lower(health.redis_problem).find("password"), std::string::npos)
      << health.redis_problem;
  // The same Redis with the right password: the URL's password is what was wrong.
  auto right_password = LaunchMember(db, secured.Url("right-password"), "right-password");
  ASSERT_GT(right_password.port, 0) << Tail(*right_password.process);
  auto joined = WaitForHealth(right_password.port, Joined);
  EXPECT_EQ(joined.redis, "up") << joined.body << "\n" << Tail(*right_password.process);

  // Something that is not Redis: another walcastd's HTTP port (it answers, in HTTP), and
  // PostgreSQL (it closes the connection on a startup packet it cannot read, saying nothing).
  const std::vector<std::pair<std::string, int>> not_redis = {
      {"http-port", wrong_password.port}, {"postgres-port", PortOf(db.conninfo)}};
  std::vector<Member> confused;
  for (const auto& [name, port] : not_redis) {
    confused.push_back(LaunchMember(db, "redis://127.0.0.1:" + std::to_string(port) + "/0", name));
    ASSERT_GT(confused.back().port, 0) << Tail(*confused.back().process);
  }
  for (auto& member : confused) {
    auto confused_health = problem_of(member);
    EXPECT_EQ(confused_health.redis, "down") << member.name << ": " << confused_health.body;
  }
  EXPECT_NE(Lower(ReadHealth(confused[0].port).redis_problem).find("not a redis server"),
            std::string::npos)
      << confused[0].name << ": " << ReadHealth(confused[0].port).body;

  // The stream's key holds a string: the member says so and leaves the key alone (it is not the
  // member's to destroy).
  RedisServer occupied(DurableRedis());
  const std::string stream_key = "walcast:{" + db.name + "}:events";
  ASSERT_EQ(RawRedisCommand(occupied.port(), {"SET", stream_key, "not a stream"}), "+OK");
  auto wrong_type = LaunchMember(db, occupied.Url(), "wrong-type");
  ASSERT_GT(wrong_type.port, 0) << Tail(*wrong_type.process);
  auto wrong_type_health = problem_of(wrong_type);
  auto problem = Lower(wrong_type_health.redis_problem);
  EXPECT_TRUE(problem.find("stream") != std::string::npos ||
              problem.find("wrongtype") != std::string::npos)
      << wrong_type_health.redis_problem;
  EXPECT_EQ(RawRedisCommand(occupied.port(), {"TYPE", stream_key}), "+string");

  // Still running, every one of them, a while later.
  std::this_thread::sleep_for(2 * kTakeover);
  for (auto* member : {&wrong_password, &right_password, &confused[0], &confused[1], &wrong_type}) {
    EXPECT_FALSE(member->process->WaitExit(0ms).has_value()) << member->name << " exited:\n"
                                                             << Tail(*member->process);
    EXPECT_TRUE(ReadHealth(member->port).answered) << member->name << " stopped answering";
  }
}

}  // namespace
}  // namespace walcast::testing
