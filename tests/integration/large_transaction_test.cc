// Transactions of any size (docs/change-stream.md): a million rows deleted in one transaction
// (REPLICA IDENTITY FULL, so every delete carries its whole row), half a million updated, the same
// delete streamed by PostgreSQL while it runs (protocol 2), a SIGKILL while it is being delivered,
// two concurrent large transactions between small ones, a client that stops reading, and the disk
// bound exceeded. A client that keeps reading gets every event once, in commit order, with the
// usual ids (`<commit LSN hex16>-<index hex8>`), and walcastd's resident memory stays within what
// its flags allow whatever the transaction's size.
//
// WALCAST_TEST_LARGE_TXN_ROWS (default 1,000,000) sets the size of the large delete; the update
// uses half of it, the concurrent, stalled-client and disk-bound cases a fifth. Rows are inserted
// before walcastd creates its slot, so only the transactions under test are decoded. Labelled
// `slow`.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/rss_sampler.h"
#include "tests/harness/sse_client.h"
#include "tests/harness/ws_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMiB = std::size_t{1} << 20;
// The flags the bounded-memory cases run with: open transactions may hold 16 MiB of decoded
// changes before spilling, the replay window 32 MiB of events.
constexpr std::size_t kTxnMemoryBytes = 16 * kMiB;
constexpr std::size_t kReplayMaxBytes = 32 * kMiB;
// What walcastd's RSS may grow by while it delivers a transaction of any size: four times the two
// bounds (allocator slack, a part held both as decoded rows and as frames, AddressSanitizer's
// shadow pages) plus 64 MiB for socket buffers, the client queues and ASan's quarantine (16 MiB,
// set below). Measured: 110-130 MiB above idle for the million-row delete, whose events are
// 440 MiB of JSON; with both bounds raised to 8 GiB, so that walcastd holds it whole, the peak
// was 1.7 GiB above idle.
constexpr std::size_t kRssBound = 4 * (kTxnMemoryBytes + kReplayMaxBytes) + 64 * kMiB;
// How long a reading client may see no change event before the case fails. Generous: a
// sanitizer build on two shared cores decodes a few tens of thousands of rows per second.
constexpr auto kStall = 180s;

std::size_t LargeRows() {
  const char* text = std::getenv("WALCAST_TEST_LARGE_TXN_ROWS");
  if (text == nullptr || *text == '\0') return 1'000'000;
  return std::max<std::size_t>(std::stoull(text), 100);
}

uint64_t ParseHex(std::string_view text, bool* ok) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  *ok = *ok && ec == std::errc() && end == text.data() + text.size();
  return value;
}

// PostgreSQL's "X/Y" LSN text as a number.
uint64_t ParseLsn(const std::string& text) {
  auto slash = text.find('/');
  bool ok = slash != std::string::npos;
  uint64_t high = ok ? ParseHex(std::string_view(text).substr(0, slash), &ok) : 0;
  uint64_t low = ok ? ParseHex(std::string_view(text).substr(slash + 1), &ok) : 0;
  EXPECT_TRUE(ok) << "not an LSN: " << text;
  return high << 32 | low;
}

// One change event as the cases keep it: 24 bytes, so a million of them cost little.
struct Change {
  uint64_t commit_lsn = 0;
  uint32_t index = 0;
  char operation = '?';  // i, u, d or t
  int64_t order_id = 0;
};

bool Before(const Change& a, const Change& b) {
  return a.commit_lsn < b.commit_lsn || (a.commit_lsn == b.commit_lsn && a.index < b.index);
}

// The order row's id, read without a JSON parser: walcastd writes
// `{"event":...,"data":{"id":"<event id>",...,"schema":"public","data":{"id":<n>,...},...`
// (decoder/event_serializer.cc); a delete's row is in "data" too. Every 4096th event is parsed
// with RapidJSON as well (ReadChanges), so a change of that layout fails loudly.
std::optional<int64_t> OrderIdOf(std::string_view data) {
  constexpr std::string_view kRow = R"(,"data":{"id":)";
  auto table = data.find(R"("table":)");
  if (table == std::string_view::npos) return std::nullopt;
  auto row = data.find(kRow, table);
  if (row == std::string_view::npos) return std::nullopt;
  const char* begin = data.data() + row + kRow.size();
  int64_t id = 0;
  auto [end, ec] = std::from_chars(begin, data.data() + data.size(), id);
  if (ec != std::errc() || end == begin) return std::nullopt;
  return id;
}

// What one client has received, across reconnects.
struct Received {
  std::vector<Change> changes;
  std::string last_id;                // of the last change event, for `from`
  std::size_t data_bytes = 0;         // of all change events' JSON
  std::vector<std::string> problems;  // any event but welcome and changes (resync, error)
};

enum class ReadEnd { kDone, kClosed, kStalled };

std::ostream& operator<<(std::ostream& out, ReadEnd end) {
  switch (end) {
    case ReadEnd::kDone:
      return out << "done";
    case ReadEnd::kClosed:
      return out << "closed by the server";
    case ReadEnd::kStalled:
      return out << "no change for " << kStall.count() << " s";
  }
  return out;
}

// Reads `client` into `received` until `done` says so (checked after each change), the server
// closes, or no change arrives for `stall`.
ReadEnd ReadChanges(SseClient& client, Received& received,
                    const std::function<bool(const Received&)>& done,
                    std::chrono::seconds stall = kStall) {
  auto last_progress = std::chrono::steady_clock::now();
  std::size_t checked = 0;
  auto on_event = [&](const SseEventView& event) {
    if (event.event.substr(0, 7) != "orders:") {
      if (event.event != "welcome" && received.problems.size() < 10) {
        received.problems.push_back(std::string(event.event) + ": " +
                                    std::string(event.data.substr(0, 300)));
      }
      return true;
    }
    Change change;
    bool ok = event.id.size() == 25 && event.id[16] == '-';
    change.commit_lsn = ok ? ParseHex(event.id.substr(0, 16), &ok) : 0;
    change.index = ok ? static_cast<uint32_t>(ParseHex(event.id.substr(17), &ok)) : 0;
    change.operation = event.event.size() > 7 ? event.event[7] : '?';
    auto order_id = OrderIdOf(event.data);
    if (!ok || (change.operation != 't' && !order_id)) {
      ADD_FAILURE() << "unreadable change event " << event.id << ": " << event.data.substr(0, 300);
      return false;
    }
    change.order_id = order_id.value_or(0);
    if (++checked % 4096 == 1 && change.operation != 't') {
      rapidjson::Document doc;
      doc.Parse(event.data.data(), event.data.size());
      EXPECT_FALSE(doc.HasParseError()) << event.data;
      if (doc.HasParseError()) return false;
      EXPECT_EQ(std::string_view(doc["data"]["id"].GetString()), event.id);
      EXPECT_EQ(doc["data"]["data"]["id"].GetInt64(), change.order_id) << event.data;
    }
    received.changes.push_back(change);
    received.last_id.assign(event.id);
    received.data_bytes += event.data.size();
    last_progress = std::chrono::steady_clock::now();
    return !done(received);
  };
  while (true) {
    auto end = client.Stream(on_event, 1s);
    if (end == SseClient::StreamEnd::kStopped) return ReadEnd::kDone;
    if (end == SseClient::StreamEnd::kClosed) return ReadEnd::kClosed;
    if (std::chrono::steady_clock::now() - last_progress > stall) return ReadEnd::kStalled;
  }
}

std::function<bool(const Received&)> UntilCount(std::size_t count) {
  return [count](const Received& received) { return received.changes.size() >= count; };
}

// Reports problems with a long run of changes in a few lines, not one failure per event.
class Findings {
 public:
  void Add(const std::string& finding) {
    if (++count_ <= 8) text_ += "\n  " + finding;
  }
  bool Empty() const { return count_ == 0; }
  std::string Text() const {
    return std::to_string(count_) + " problem(s):" + text_ + (count_ > 8 ? "\n  ..." : "");
  }

 private:
  std::size_t count_ = 0;
  std::string text_;
};

// Whether changes[begin, begin + count) are exactly one whole transaction: one commit LSN,
// indexes 0..count-1 in order, all of `operation`, and order ids exactly the set
// [first_order, first_order + count).
std::string CheckWholeTransaction(const std::vector<Change>& changes, std::size_t begin,
                                  std::size_t count, char operation, int64_t first_order) {
  Findings findings;
  if (changes.size() < begin + count) {
    return "only " + std::to_string(changes.size() - std::min(begin, changes.size())) + " of " +
           std::to_string(count) + " changes arrived";
  }
  std::vector<bool> seen(count, false);
  const uint64_t lsn = changes[begin].commit_lsn;
  for (std::size_t i = 0; i < count; ++i) {
    const Change& change = changes[begin + i];
    auto where = [i] { return "change " + std::to_string(i) + ": "; };
    if (change.commit_lsn != lsn) findings.Add(where() + "another commit LSN");
    if (change.index != i) {
      findings.Add(where() + "index " + std::to_string(change.index) + ", expected " +
                   std::to_string(i));
    }
    if (change.operation != operation) findings.Add(where() + "operation " + change.operation);
    int64_t slot = change.order_id - first_order;
    if (slot < 0 || slot >= static_cast<int64_t>(count)) {
      findings.Add(where() + "order " + std::to_string(change.order_id) + " is not in the set");
    } else if (seen[static_cast<std::size_t>(slot)]) {
      findings.Add(where() + "order " + std::to_string(change.order_id) + " twice");
    } else {
      seen[static_cast<std::size_t>(slot)] = true;
    }
  }
  return findings.Empty() ? "" : findings.Text();
}

// Ids strictly increase over the whole stream: nothing twice, nothing reordered.
std::string CheckIdsIncrease(const std::vector<Change>& changes) {
  Findings findings;
  for (std::size_t i = 1; i < changes.size(); ++i) {
    if (!Before(changes[i - 1], changes[i])) {
      findings.Add("change " + std::to_string(i) + " does not follow change " +
                   std::to_string(i - 1));
    }
  }
  return findings.Empty() ? "" : findings.Text();
}

std::string Tail(const std::string& log) {
  return log.size() <= 6000 ? log : "..." + log.substr(log.size() - 6000);
}

// PostgreSQL keeps a transaction of this size in memory until its commit and sends it in one go,
// so walcastd, not PostgreSQL, has to bound what it holds.
const std::vector<std::string> kWholeAtCommit{"logical_decoding_work_mem = '1GB'"};
// PostgreSQL streams any transaction beyond 64 kB while it runs (protocol 2 stream blocks).
const std::vector<std::string> kStreamedInProgress{"logical_decoding_work_mem = '64kB'"};

std::vector<std::string> BoundedMemoryFlags() {
  return {"--txn-memory-bytes", std::to_string(kTxnMemoryBytes), "--replay-max-bytes",
          std::to_string(kReplayMaxBytes)};
}

class LargeTransaction : public ::testing::Test {
 protected:
  // A cluster with `settings`, database `name` with the schema and `rows` orders in it (ids
  // first_order_ .. first_order_ + rows - 1), notifications off (a million pg_notify calls
  // would only time the trigger).
  void Prepare(const std::string& name, const std::vector<std::string>& settings,
               std::size_t rows) {
    cluster_ = std::make_unique<PgCluster>(settings);
    cluster_->Start();
    db_ = CreateOrdersDatabase(name, cluster_->ConnInfo());
    PgSession(db_.conninfo).Exec("ALTER DATABASE \"" + name + "\" SET walcast.notify = off");
    session_ = std::make_unique<PgSession>(db_.conninfo);
    session_->Exec(
        "INSERT INTO orders (customer_name, product_name) "
        "SELECT 'customer ' || g, 'product ' || g FROM generate_series(1, " +
        std::to_string(rows) + ") g");
    auto range = session_->Query("SELECT min(id), count(*), max(id) FROM orders");
    first_order_ = std::stoll(*range[0][0]);
    ASSERT_EQ(std::stoull(*range[0][1]), rows);
    ASSERT_EQ(std::stoll(*range[0][2]), first_order_ + static_cast<int64_t>(rows) - 1);
  }

  // walcastd on db_ with `flags`, spilling into a directory of this test, its ASan quarantine
  // small enough not to be mistaken for what walcastd holds; waits for the stream.
  void StartDaemon(const std::vector<std::string>& flags) {
    std::string spill_dir = std::string(std::getenv("WALCAST_TEST_TMPDIR")) + "/spill-" + db_.name;
    mkdir(spill_dir.c_str(), 0755);
    auto args = DaemonArgs(db_);
    args.insert(args.end(), {"--spill-dir", spill_dir});
    args.insert(args.end(), flags.begin(), flags.end());
    const char* asan = std::getenv("ASAN_OPTIONS");
    std::string asan_options = asan != nullptr && *asan != '\0' ? std::string(asan) + ":" : "";
    asan_options += "quarantine_size_mb=16";
    daemon_ = std::make_unique<DaemonProcess>(args, EnvVars{{"ASAN_OPTIONS", asan_options}});
    port_ = daemon_->WaitForPort();
    ASSERT_GT(port_, 0) << Tail(daemon_->Log());
    ASSERT_TRUE(WaitForStream(port_)) << Tail(daemon_->Log());
  }

  // An SSE client on /api/events (from `from` when given), past its welcome.
  std::unique_ptr<SseClient> Connect(const std::string& from = "") {
    auto client = std::make_unique<SseClient>(
        port_, from.empty() ? "/api/events" : "/api/events?from=" + from);
    EXPECT_EQ(client->status(), 200) << client->ReadRest(1s);
    auto welcome = client->Next(30s);
    EXPECT_TRUE(welcome && welcome->event == "welcome");
    return client;
  }

  // Inserts one order in a transaction of its own; returns its id.
  int64_t InsertOne(const std::string& name) {
    return std::stoll(session_->Scalar(
        "INSERT INTO orders (customer_name, product_name) VALUES ($1, 'small') RETURNING id",
        {name}));
  }

  // Idle RSS of the daemon once it has settled with its client connected.
  std::size_t SettledRss() {
    std::this_thread::sleep_for(1s);
    return ResidentBytes(daemon_->Pid());
  }

  std::string Metrics() { return HttpGet(port_, "/metrics").body; }

  // The peak `rss` saw is at most kRssBound above `idle_rss`. The figures are printed as well,
  // to show how much room the bound leaves.
  void ExpectRssWithinBound(std::size_t idle_rss, const RssSampler& rss) {
    std::size_t peak = rss.PeakBytes();
    std::string figures = "walcastd RSS: idle " + std::to_string(idle_rss / kMiB) + " MiB, peak " +
                          std::to_string(peak / kMiB) + " MiB (" + std::to_string(rss.Samples()) +
                          " samples), bound " + std::to_string(kRssBound / kMiB) +
                          " MiB above idle";
    std::printf("%s\n", figures.c_str());
    EXPECT_LE(peak - std::min(peak, idle_rss), kRssBound) << figures;
  }

  // One large transaction of `rows` changes (`sql`, operation `operation`) on rows first_order_..
  // delivered to a client connected before it, then a small insert: every change once, in
  // order, and walcastd's RSS within kRssBound of its idle value.
  void ExpectDeliveredWhole(const std::string& sql, std::size_t rows, char operation) {
    auto client = Connect();
    ASSERT_FALSE(HasFailure());
    std::size_t idle_rss = SettledRss();
    RssSampler rss(daemon_->Pid());
    session_->Exec(sql);
    int64_t after = InsertOne("after");

    Received received;
    received.changes.reserve(rows + 1);
    auto end = ReadChanges(*client, received, UntilCount(rows + 1));
    ASSERT_EQ(end, ReadEnd::kDone)
        << received.changes.size() << " of " << rows + 1 << " changes arrived\n"
        << Tail(daemon_->Log());
    EXPECT_TRUE(received.problems.empty()) << received.problems.front();
    EXPECT_EQ(CheckWholeTransaction(received.changes, 0, rows, operation, first_order_), "");
    EXPECT_EQ(CheckIdsIncrease(received.changes), "");
    EXPECT_EQ(received.changes[rows].operation, 'i');
    EXPECT_EQ(received.changes[rows].order_id, after) << "the stream goes on after it";
    EXPECT_FALSE(client->Next(1s).has_value()) << "nothing else";

    std::printf("%zu changes, %zu MiB of event JSON\n", received.changes.size(),
                received.data_bytes / kMiB);
    ExpectRssWithinBound(idle_rss, rss);
    auto metrics = Metrics();
    // Only a transaction well beyond the memory bound must spill (WALCAST_TEST_LARGE_TXN_ROWS
    // may make it small); the million-row delete is 440 MiB of event JSON, 27 times the bound.
    if (received.data_bytes > 2 * kTxnMemoryBytes) {
      EXPECT_GE(MetricValue(metrics, "walcast_spilled_transactions_total"), 1);
    }
    EXPECT_EQ(MetricValue(metrics, "walcast_spill_bytes"), 0) << "the spill file is gone";
    EXPECT_EQ(MetricValue(metrics, "walcast_decode_errors_total"), 0);
    EXPECT_FALSE(daemon_->WaitExit(0ms).has_value());
  }

  std::unique_ptr<PgCluster> cluster_;
  OrdersDatabase db_;
  std::unique_ptr<PgSession> session_;
  std::unique_ptr<DaemonProcess> daemon_;
  int port_ = 0;
  int64_t first_order_ = 0;
};

TEST_F(LargeTransaction, MillionRowDeleteArrivesWholeInOrderWithBoundedMemory) {
  const std::size_t rows = LargeRows();
  Prepare("large_delete", kWholeAtCommit, rows);
  ASSERT_FALSE(HasFailure());
  StartDaemon(BoundedMemoryFlags());
  ASSERT_FALSE(HasFailure());
  ExpectDeliveredWhole("DELETE FROM orders", rows, 'd');
}

TEST_F(LargeTransaction, HalfMillionRowUpdateArrivesWholeInOrderWithBoundedMemory) {
  const std::size_t rows = LargeRows() / 2;
  Prepare("large_update", kWholeAtCommit, rows);
  ASSERT_FALSE(HasFailure());
  StartDaemon(BoundedMemoryFlags());
  ASSERT_FALSE(HasFailure());
  ExpectDeliveredWhole("UPDATE orders SET status = 'shipped'", rows, 'u');
}

TEST_F(LargeTransaction, DeleteStreamedByPostgresInProgressArrivesWhole) {
  const std::size_t rows = LargeRows();
  Prepare("large_streamed", kStreamedInProgress, rows);
  ASSERT_FALSE(HasFailure());
  StartDaemon(BoundedMemoryFlags());
  ASSERT_FALSE(HasFailure());
  ExpectDeliveredWhole("DELETE FROM orders", rows, 'd');
  // PostgreSQL did stream it (otherwise this case would repeat the first one).
  EXPECT_NE(
      session_->Scalar("SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = $1",
                       {db_.name}),
      "0");
}

// The client has ~30% of the delete when walcastd is SIGKILLed; it resumes from its last id
// against a restarted walcastd, which decodes the transaction again with the same ids.
TEST_F(LargeTransaction, SigkillWhileDeliveringResumesExactlyOnce) {
  const std::size_t rows = LargeRows();
  Prepare("large_kill", kWholeAtCommit, rows);
  ASSERT_FALSE(HasFailure());
  StartDaemon(BoundedMemoryFlags());
  ASSERT_FALSE(HasFailure());
  auto client = Connect();
  ASSERT_FALSE(HasFailure());
  std::size_t idle_rss = SettledRss();
  session_->Exec("DELETE FROM orders");

  Received received;
  received.changes.reserve(rows + 1);
  ASSERT_EQ(ReadChanges(*client, received, UntilCount(rows * 3 / 10)), ReadEnd::kDone)
      << received.changes.size() << " changes arrived\n"
      << Tail(daemon_->Log());
  daemon_->Signal(SIGKILL);
  ASSERT_EQ(daemon_->WaitExit(10s), -SIGKILL);
  client.reset();  // what it had not read yet is lost with the connection
  int64_t after = InsertOne("after the restart");

  StartDaemon(BoundedMemoryFlags());
  ASSERT_FALSE(HasFailure());
  RssSampler rss(daemon_->Pid());
  client = Connect(received.last_id);
  ASSERT_FALSE(HasFailure());
  auto end = ReadChanges(*client, received, UntilCount(rows + 1));
  ASSERT_EQ(end, ReadEnd::kDone) << received.changes.size() << " of " << rows + 1
                                 << " changes arrived\n"
                                 << Tail(daemon_->Log());
  EXPECT_TRUE(received.problems.empty()) << received.problems.front();
  EXPECT_EQ(CheckWholeTransaction(received.changes, 0, rows, 'd', first_order_), "")
      << "no gap and no duplicate at the resume";
  EXPECT_EQ(CheckIdsIncrease(received.changes), "");
  EXPECT_EQ(received.changes[rows].order_id, after);
  EXPECT_FALSE(client->Next(1s).has_value()) << "nothing else";
  // The restarted walcastd is the same program with the same flags: its idle RSS is the first's.
  ExpectRssWithinBound(idle_rss, rss);
}

// Two sessions interleave statements of two large transactions while a third commits single
// rows; the stream has every transaction whole, in the order of the commits.
TEST_F(LargeTransaction, ConcurrentLargeTransactionsKeepCommitOrder) {
  const std::size_t rows = LargeRows() / 5;  // each
  constexpr int kStatements = 10;            // per large transaction
  Prepare("large_concurrent", kWholeAtCommit, 2 * rows);
  ASSERT_FALSE(HasFailure());
  StartDaemon(BoundedMemoryFlags());
  ASSERT_FALSE(HasFailure());
  auto client = Connect();
  ASSERT_FALSE(HasFailure());

  struct Committed {
    std::string what;
    char operation;
    int64_t first_order;
    std::size_t count;
    uint64_t wal_after;  // pg_current_wal_lsn() right after the commit
  };
  std::vector<Committed> commits;
  auto wal_now = [this] { return ParseLsn(session_->Scalar("SELECT pg_current_wal_lsn()")); };
  auto small = [&](const std::string& what) {
    int64_t id = InsertOne(what);
    commits.push_back({what, 'i', id, 1, wal_now()});
  };

  PgSession deleter(db_.conninfo), updater(db_.conninfo);
  const int64_t a_first = first_order_, b_first = first_order_ + static_cast<int64_t>(rows);
  deleter.Exec("BEGIN");
  updater.Exec("BEGIN");
  const std::size_t step = (rows + kStatements - 1) / kStatements;
  for (std::size_t from = 0; from < rows; from += step) {
    const std::size_t to = std::min(rows, from + step) - 1;
    deleter.Exec("DELETE FROM orders WHERE id BETWEEN " + std::to_string(a_first + from) + " AND " +
                 std::to_string(a_first + to));
    small("between deletes " + std::to_string(from));
    updater.Exec("UPDATE orders SET status = 'delivered' WHERE id BETWEEN " +
                 std::to_string(b_first + from) + " AND " + std::to_string(b_first + to));
    small("between updates " + std::to_string(from));
  }
  deleter.Exec("COMMIT");
  commits.push_back({"the large delete", 'd', a_first, rows, wal_now()});
  small("between the commits");
  updater.Exec("COMMIT");
  commits.push_back({"the large update", 'u', b_first, rows, wal_now()});
  small("after both");

  std::size_t total = 0;
  for (const auto& commit : commits) total += commit.count;
  Received received;
  received.changes.reserve(total);
  auto end = ReadChanges(*client, received, UntilCount(total));
  ASSERT_EQ(end, ReadEnd::kDone) << received.changes.size() << " of " << total
                                 << " changes arrived\n"
                                 << Tail(daemon_->Log());
  EXPECT_TRUE(received.problems.empty()) << received.problems.front();
  EXPECT_EQ(CheckIdsIncrease(received.changes), "");
  EXPECT_FALSE(client->Next(1s).has_value()) << "nothing else";

  // Commit k's record lies between the WAL positions read after commits k-1 and k.
  std::size_t at = 0;
  uint64_t wal_before = 0;
  for (const auto& commit : commits) {
    SCOPED_TRACE(commit.what);
    ASSERT_LT(at, received.changes.size());
    uint64_t lsn = received.changes[at].commit_lsn;
    EXPECT_GE(lsn, wal_before);
    EXPECT_LE(lsn, commit.wal_after);
    EXPECT_EQ(CheckWholeTransaction(received.changes, at, commit.count, commit.operation,
                                    commit.first_order),
              "");
    at += commit.count;
    wal_before = commit.wal_after;
  }
}

// A client that stops reading holds a large transaction back for --slow-client-timeout at most;
// then it is closed as too slow by the usual rule (`error`, WebSocket close 4008) while a client
// that keeps reading gets the whole transaction.
TEST_F(LargeTransaction, AStalledClientIsClosedAsSlowWhileAReaderGetsEverything) {
  const std::size_t rows = LargeRows() / 5;
  Prepare("large_stalled", kWholeAtCommit, rows);
  ASSERT_FALSE(HasFailure());
  auto flags = BoundedMemoryFlags();
  // The stalled client never answers pings: the idle timeout is kept out of the way.
  flags.insert(flags.end(), {"--slow-client-timeout", "2", "--ws-idle-timeout", "3600"});
  StartDaemon(flags);
  ASSERT_FALSE(HasFailure());
  WsClient stalled(port_, "/ws", {}, 4096);
  ASSERT_TRUE(stalled.NextEvent("welcome", 30s));
  auto reader = Connect();
  ASSERT_FALSE(HasFailure());
  session_->Exec("DELETE FROM orders");
  int64_t after = InsertOne("after");

  Received received;
  received.changes.reserve(rows + 1);
  auto end = ReadChanges(*reader, received, UntilCount(rows + 1));
  ASSERT_EQ(end, ReadEnd::kDone) << received.changes.size() << " of " << rows + 1
                                 << " changes arrived\n"
                                 << Tail(daemon_->Log());
  EXPECT_TRUE(received.problems.empty()) << received.problems.front();
  EXPECT_EQ(CheckWholeTransaction(received.changes, 0, rows, 'd', first_order_), "");
  EXPECT_EQ(received.changes[rows].order_id, after);

  std::optional<std::string> last;
  while (auto message = stalled.Next(30s)) last = message;
  EXPECT_TRUE(stalled.Closed());
  EXPECT_EQ(stalled.CloseCode(), 4008) << Tail(daemon_->Log());
  ASSERT_TRUE(last);
  EXPECT_NE(last->find("slow consumer"), std::string::npos) << *last;
  EXPECT_EQ(MetricValue(Metrics(), "walcast_slow_clients_dropped_total"), 1);
}

// A transaction that needs more disk than --spill-max-bytes: a clear error, /health and /metrics
// say so, no event of it (or of anything committed after it) reaches a client, and walcastd
// keeps serving. With a larger limit the same transaction then arrives whole: nothing was lost.
TEST_F(LargeTransaction, DiskBoundExceededIsReportedAndNothingIsHalfDelivered) {
  const std::size_t rows = LargeRows() / 5;
  Prepare("large_disk_bound", kWholeAtCommit, rows);
  ASSERT_FALSE(HasFailure());
  StartDaemon(
      {"--txn-memory-bytes", std::to_string(kMiB), "--spill-max-bytes", std::to_string(kMiB)});
  ASSERT_FALSE(HasFailure());
  auto client = Connect();
  ASSERT_FALSE(HasFailure());
  session_->Exec("DELETE FROM orders");
  int64_t after = InsertOne("after the large delete");

  auto deadline = std::chrono::steady_clock::now() + kStall;
  rapidjson::Document health;
  std::string health_text;
  while (std::chrono::steady_clock::now() < deadline) {
    health_text = HttpGet(port_, "/health").body;
    health.Parse(health_text.c_str());
    if (!health.HasParseError() && health.HasMember("problem") &&
        std::string(health["problem"].GetString()).find("spill") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_FALSE(health.HasParseError()) << health_text;
  EXPECT_STREQ(health["status"].GetString(), "degraded") << health_text;
  ASSERT_TRUE(health.HasMember("problem")) << health_text;
  EXPECT_NE(std::string(health["problem"].GetString()).find("spill"), std::string::npos)
      << health_text;
  EXPECT_TRUE(daemon_->WaitForLog("spill limit exceeded", 10s)) << Tail(daemon_->Log());
  EXPECT_GE(MetricValue(Metrics(), "walcast_decode_errors_total"), 1);

  // The error repeats on every attempt (with a growing backoff) and each one counts.
  deadline = std::chrono::steady_clock::now() + kStall;
  while (MetricValue(Metrics(), "walcast_decode_errors_total") < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_GE(MetricValue(Metrics(), "walcast_decode_errors_total"), 2) << Tail(daemon_->Log());

  Received received;
  ReadChanges(*client, received, UntilCount(1), 5s);
  EXPECT_TRUE(received.changes.empty())
      << received.changes.size() << " change(s) arrived, the first of order "
      << received.changes.front().order_id;
  EXPECT_FALSE(daemon_->WaitExit(0ms).has_value()) << "walcastd keeps running";
  EXPECT_EQ(HttpGet(port_, "/api/orders?limit=1").status, 200) << "and serving REST";

  // The operator's fix: a larger limit. Nothing was acknowledged past the transaction, so the
  // client asks for everything after the slot's confirmed position (the window's floor).
  client.reset();
  daemon_->Signal(SIGTERM);
  ASSERT_TRUE(daemon_->WaitExit(30s).has_value());
  std::string confirmed = session_->Scalar(
      "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1", {db_.name});
  StartDaemon(BoundedMemoryFlags());
  ASSERT_FALSE(HasFailure());
  char from[32];
  std::snprintf(from, sizeof(from), "%016llX-00000000",
                static_cast<unsigned long long>(ParseLsn(confirmed)));
  client = Connect(from);
  ASSERT_FALSE(HasFailure());
  received = {};
  auto end = ReadChanges(*client, received, UntilCount(rows + 1));
  ASSERT_EQ(end, ReadEnd::kDone) << received.changes.size() << " of " << rows + 1
                                 << " changes arrived\n"
                                 << Tail(daemon_->Log());
  EXPECT_TRUE(received.problems.empty()) << received.problems.front();
  EXPECT_EQ(CheckWholeTransaction(received.changes, 0, rows, 'd', first_order_), "");
  EXPECT_EQ(received.changes[rows].order_id, after);
}

}  // namespace
}  // namespace walcast::testing
