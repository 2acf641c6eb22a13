// The cluster's Redis stream (cluster/) against a real redis-server: a leader's appends reach a
// follower's hub whole and in commit order, a large transaction in parts; an append that is
// already there adds nothing; a second leader fences the first; a Redis that lost the stream
// refuses the old epoch; column filters decide on a follower as on the leader. No PostgreSQL: the
// transactions are made here.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <mutex>
#include <optional>

#include "api/stream/column_filter.h"
#include "api/stream/event_hub.h"
#include "cluster/stream_appender.h"
#include "cluster/stream_follower.h"
#include "decoder/value_format.h"
#include "tests/harness/redis_server.h"

namespace walcast::cluster {
namespace {

using namespace std::chrono_literals;
using decoder::EventId;
using decoder::Lsn;

// The ids of every event delivered to it, in order.
class Collector : public api::EventSubscriber {
 public:
  void Deliver(std::shared_ptr<const std::vector<api::StreamEventPtr>> events) override {
    std::lock_guard lock(mutex_);
    for (const auto& event : *events) {
      ids_.push_back(event->id);
      events_.push_back(event);
    }
  }
  void Resync(std::string) override {
    std::lock_guard lock(mutex_);
    ++resyncs_;
  }
  void Shutdown() override {}
  std::vector<EventId> ids() {
    std::lock_guard lock(mutex_);
    return ids_;
  }
  int resyncs() {
    std::lock_guard lock(mutex_);
    return resyncs_;
  }
  std::vector<api::StreamEventPtr> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<EventId> ids_;
  std::vector<api::StreamEventPtr> events_;
  int resyncs_ = 0;
};

// Events `first`..`first + count - 1` of the transaction committed at `commit`.
api::PublishedTransaction Part(uint64_t commit, uint32_t first, uint32_t count, bool complete) {
  api::PublishedTransaction txn;
  txn.commit_lsn = Lsn(commit);
  txn.end_lsn = Lsn(commit + 8);
  txn.complete = complete;
  for (uint32_t i = first; i < first + count; ++i) {
    auto event = std::make_shared<api::StreamEvent>();
    event->id = EventId(txn.commit_lsn, i);
    event->name = "orders:insert";
    event->json =
        R"({"event":"orders:insert","data":{"id":")" + std::string(event->id.view()) + "\"}}";
    event->ws_header = api::TextFrameHeader(event->json.size());
    event->keys.order_id = static_cast<int64_t>(i + 1);
    event->xid = 700;
    api::AddSocketIoText(*event);
    txn.events.push_back(std::move(event));
  }
  return txn;
}

// A customers update as the leader's decoder makes it: the new row in `country`, the old row in
// `old_country`, a name that needs JSON escapes.
api::StreamEventPtr CustomerUpdate(uint64_t commit, uint32_t index, std::string_view country,
                                   std::string_view old_country) {
  auto row = [](std::string_view value) {
    decoder::RowBuilder builder(128, 3);
    builder.AddValue(decoder::JsonKey("id"), decoder::ValueKind::kNumber, "7");
    builder.AddValue(decoder::JsonKey("name"), decoder::ValueKind::kText, "Ada \"A\"\t\x1f");
    builder.AddValue(decoder::JsonKey("country"), decoder::ValueKind::kText, value);
    return std::move(builder).Finish();
  };
  decoder::OrderEvent event;
  event.id = EventId(Lsn(commit), index);
  event.operation = decoder::Operation::kUpdate;
  event.table = "customers";
  event.data = row(country);
  event.old = row(old_country);
  event.xid = 700;
  return api::MakeStreamEvent(event, "2026-12-07T00:00:00Z");
}

bool Passes(const std::string& filter_text, const api::StreamEvent& event) {
  decoder::CatalogTable customers{"public", "customers", decoder::ReplicaIdentity::kFull, {}};
  customers.columns = {{"id", "bigint", 20, true, true},
                       {"name", "text", 25, false, false},
                       {"country", "text", 25, false, false}};
  auto parsed = api::ParseColumnPredicate(filter_text, decoder::CatalogTables{customers});
  EXPECT_TRUE(std::holds_alternative<api::ColumnPredicate>(parsed)) << filter_text;
  api::ColumnFilter filter;
  if (auto* predicate = std::get_if<api::ColumnPredicate>(&parsed)) {
    (void)filter.Add(std::move(*predicate));
  }
  return filter.Matches(event.table, event.row ? &*event.row : nullptr,
                        event.old_row ? &*event.old_row : nullptr);
}

class ClusterStreamTest : public ::testing::Test {
 protected:
  std::shared_ptr<redis::RedisConnection> Connect() {
    auto endpoint = std::get<redis::RedisEndpoint>(redis::ParseRedisUrl(server_.Url()));
    auto connection =
        std::make_shared<redis::RedisConnection>(boost::asio::make_strand(io_), endpoint);
    std::optional<std::optional<std::string>> outcome;
    connection->Connect(5s, [&](std::optional<std::string> error) { outcome = error; });
    RunUntil([&] { return outcome.has_value(); });
    EXPECT_TRUE(outcome && !*outcome) << (outcome && *outcome ? **outcome : "no answer");
    return connection;
  }

  // A leader that took the slot at `confirmed`; its takeover's reply in `*takeover` if given.
  std::shared_ptr<StreamAppender> Leader(const std::string& member, Lsn confirmed = Lsn(1),
                                         Takeover* takeover = nullptr) {
    auto appender = std::make_shared<StreamAppender>(Connect(), keys_, 10000, member);
    std::optional<std::variant<Takeover, ScriptRefusal>> outcome;
    appender->TakeOver(std::string(EventId(confirmed, 0).view()), confirmed,
                       [&](std::variant<Takeover, ScriptRefusal> result) { outcome = result; });
    RunUntil([&] { return outcome.has_value(); });
    EXPECT_TRUE(outcome && std::holds_alternative<Takeover>(*outcome));
    if (takeover && outcome && std::holds_alternative<Takeover>(*outcome)) {
      *takeover = std::get<Takeover>(*outcome);
    }
    RunFor(100ms);  // SCRIPT LOAD
    return appender;
  }

  StreamAppender::Outcome Advance(StreamAppender& appender, Lsn position) {
    std::optional<StreamAppender::Outcome> outcome;
    appender.Advance(position,
                     [&](StreamAppender::Outcome result) { outcome = std::move(result); });
    RunUntil([&] { return outcome.has_value(); });
    return outcome ? *outcome : StreamAppender::Outcome(ScriptRefusal{});
  }

  StreamAppender::Outcome Append(StreamAppender& appender, const api::PublishedTransaction& txn) {
    std::optional<StreamAppender::Outcome> outcome;
    appender.Append(txn, [&](StreamAppender::Outcome result) { outcome = std::move(result); });
    RunUntil([&] { return outcome.has_value(); });
    EXPECT_TRUE(outcome);
    return outcome ? *outcome : StreamAppender::Outcome(ScriptRefusal{});
  }

  redis::RedisValue Call(std::vector<std::string> args) {
    auto connection = Connect();
    std::optional<redis::RedisValue> reply;
    connection->Command(std::move(args),
                        [&](redis::RedisValue value) { reply = std::move(value); });
    RunUntil([&] { return reply.has_value(); });
    return reply.value_or(redis::RedisValue::Error("no reply"));
  }

  template <class Done>
  void RunUntil(Done done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) RunFor(10ms);
  }
  void RunFor(std::chrono::milliseconds time) {
    io_.restart();
    io_.run_for(time);
  }

  testing::RedisServer server_;
  boost::asio::io_context io_;
  StreamKeys keys_ = StreamKeys::ForSlot("test_slot");
};

TEST_F(ClusterStreamTest, AppendsReachAFollowerWholeAndInOrderAndAReplayAddsNothing) {
  auto leader = Leader("a");
  EXPECT_EQ(leader->term(), 1);
  auto hub = std::make_shared<api::EventHub>(api::ReplayLimits{});
  auto collector = std::make_shared<Collector>();
  hub->Subscribe(collector, std::nullopt);
  std::string follower_error;
  auto follower = std::make_shared<StreamFollower>(
      Connect(), keys_, hub, FollowerOptions{200ms, 3, {}},
      [&](std::string error) { follower_error = std::move(error); });
  follower->Start("0-0");

  std::vector<api::PublishedTransaction> txns{Part(100, 0, 2, true), Part(200, 0, 3, false),
                                              Part(200, 3, 2, true), Part(300, 0, 1, true)};
  for (const auto& txn : txns) {
    auto outcome = Append(*leader, txn);
    ASSERT_TRUE(std::holds_alternative<Appended>(outcome));
    EXPECT_EQ(std::get<Appended>(outcome).added, static_cast<int64_t>(txn.events.size()));
  }
  RunUntil([&] { return collector->ids().size() >= 8 || !follower_error.empty(); });
  EXPECT_EQ(follower_error, "");
  std::vector<EventId> expected;
  for (const auto& txn : txns) {
    for (const auto& event : txn.events) expected.push_back(event->id);
  }
  EXPECT_EQ(collector->ids(), expected);

  // Appending again (a reconnect, a new leader decoding the same WAL) adds nothing.
  auto again = Append(*leader, txns[1]);
  ASSERT_TRUE(std::holds_alternative<Appended>(again));
  EXPECT_EQ(std::get<Appended>(again).added, 0);
  EXPECT_EQ(std::get<Appended>(again).present, 3);
  RunFor(500ms);
  EXPECT_EQ(collector->ids().size(), 8u);
  EXPECT_EQ(Call({"HGET", keys_.meta, "end"}).text, "308");  // the last complete transaction's
  follower->Stop();
}

// Entries trimmed before a follower read them: its clients are told (resync), and it reads on.
TEST_F(ClusterStreamTest, AFollowerBehindTheTrimmingReportsTheGap) {
  auto leader = Leader("a");
  auto hub = std::make_shared<api::EventHub>(api::ReplayLimits{});
  auto collector = std::make_shared<Collector>();
  hub->Subscribe(collector, std::nullopt);
  std::string follower_error;
  auto follower = std::make_shared<StreamFollower>(
      Connect(), keys_, hub, FollowerOptions{200ms, 100, {}},
      [&](std::string error) { follower_error = std::move(error); });
  follower->Start("0-0");
  ASSERT_TRUE(std::holds_alternative<Appended>(Append(*leader, Part(100, 0, 2, true))));
  RunUntil([&] { return collector->ids().size() >= 2; });
  follower->Stop();
  RunFor(400ms);  // its last blocking read ends

  for (uint64_t commit : {200, 300, 400}) {
    ASSERT_TRUE(std::holds_alternative<Appended>(Append(*leader, Part(commit, 0, 2, true))));
  }
  Call({"XTRIM", keys_.stream, "MAXLEN", "=", "2"});  // 200 and 300 go unread
  follower->Start(follower->last_id());
  RunUntil([&] { return collector->ids().size() >= 4; });
  EXPECT_EQ(follower_error, "");
  EXPECT_EQ(collector->resyncs(), 1);
  EXPECT_EQ(follower->gaps(), 1u);
  auto ids = collector->ids();
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[2], EventId(Lsn(400), 0)) << "reads on after the gap";

  // A resume from before the gap is refused: those events are in no stream.
  EXPECT_EQ(hub->Subscribe(std::make_shared<Collector>(), ids[1]).status,
            api::ReplayWindow::ResumeStatus::kTooOld);
  follower->Stop();
}

// The slot was acknowledged past what the stream holds (its tail was lost under a lazy fsync):
// the next leader starts a new epoch from the slot, and the old one's appends are refused.
TEST_F(ClusterStreamTest, ATakeoverBeyondTheStreamsEndStartsANewEpoch) {
  auto first = Leader("a");
  ASSERT_TRUE(std::holds_alternative<Appended>(Append(*first, Part(100, 0, 2, true))));
  EXPECT_EQ(Call({"HGET", keys_.meta, "end"}).text, "108");
  Call({"HSET", keys_.meta, "end", "50"});  // as if the last append had been lost

  Takeover takeover;
  auto second = Leader("b", Lsn(108), &takeover);
  EXPECT_TRUE(takeover.lost);
  EXPECT_EQ(takeover.term, 2);
  EXPECT_EQ(Call({"XLEN", keys_.stream}).integer, 0) << "the stream starts again";
  EXPECT_EQ(Call({"HGET", keys_.meta, "floor"}).text, EventId(Lsn(108), 0).ToString());
  auto refused = Append(*first, Part(200, 0, 1, true));
  ASSERT_TRUE(std::holds_alternative<ScriptRefusal>(refused));
  EXPECT_EQ(std::get<ScriptRefusal>(refused).kind, ScriptRefusal::Kind::kEpoch);
  EXPECT_TRUE(std::holds_alternative<Appended>(Append(*second, Part(200, 0, 1, true))));
}

// An idle position reaches the slot only through the stream's `end`, which never moves back, so a
// takeover at that position keeps the stream.
TEST_F(ClusterStreamTest, AnAdvanceRaisesTheEndOnlyForItsTerm) {
  auto first = Leader("a");
  EXPECT_TRUE(std::holds_alternative<Appended>(Advance(*first, Lsn(500))));
  EXPECT_TRUE(std::holds_alternative<Appended>(Advance(*first, Lsn(300))));
  EXPECT_EQ(Call({"HGET", keys_.meta, "end"}).text, "500") << "never back";
  ASSERT_TRUE(std::holds_alternative<Appended>(Append(*first, Part(400, 0, 1, true))));
  EXPECT_EQ(Call({"HGET", keys_.meta, "end"}).text, "500") << "an older end does not lower it";

  Takeover takeover;
  auto second = Leader("b", Lsn(500), &takeover);
  EXPECT_FALSE(takeover.lost);
  EXPECT_EQ(takeover.end_lsn, "500");
  auto fenced = Advance(*first, Lsn(900));
  ASSERT_TRUE(std::holds_alternative<ScriptRefusal>(fenced));
  EXPECT_EQ(std::get<ScriptRefusal>(fenced).kind, ScriptRefusal::Kind::kFenced);
}

TEST_F(ClusterStreamTest, ASecondLeaderFencesTheFirst) {
  auto first = Leader("a");
  ASSERT_TRUE(std::holds_alternative<Appended>(Append(*first, Part(100, 0, 1, true))));
  auto second = Leader("b");
  EXPECT_EQ(second->term(), 2);
  EXPECT_EQ(second->epoch(), first->epoch());  // the same stream, a new term

  auto fenced = Append(*first, Part(200, 0, 1, true));
  ASSERT_TRUE(std::holds_alternative<ScriptRefusal>(fenced));
  EXPECT_EQ(std::get<ScriptRefusal>(fenced).kind, ScriptRefusal::Kind::kFenced);
  EXPECT_TRUE(std::holds_alternative<Appended>(Append(*second, Part(200, 0, 1, true))));
  EXPECT_EQ(Call({"XLEN", keys_.stream}).integer, 2);
}

TEST_F(ClusterStreamTest, ARedisThatLostTheStreamRefusesTheOldEpoch) {
  auto leader = Leader("a");
  ASSERT_TRUE(std::holds_alternative<Appended>(Append(*leader, Part(100, 0, 1, true))));
  const std::string old_epoch = leader->epoch();
  Call({"FLUSHALL"});  // what a restart without persistence leaves

  auto lost = Append(*leader, Part(200, 0, 1, true));
  ASSERT_TRUE(std::holds_alternative<ScriptRefusal>(lost));
  EXPECT_EQ(std::get<ScriptRefusal>(lost).kind, ScriptRefusal::Kind::kEpoch);
  EXPECT_EQ(Call({"EXISTS", keys_.stream}).integer, 0);  // refused before any write

  auto again = Leader("a");
  EXPECT_NE(again->epoch(), old_epoch);
  EXPECT_EQ(again->term(), 1);
}

TEST_F(ClusterStreamTest, AForeignEntryStopsTheFollowerWithAnError) {
  Call({"XADD", keys_.stream, "5-0", "hello", "world"});
  auto hub = std::make_shared<api::EventHub>(api::ReplayLimits{});
  std::string error;
  auto follower =
      std::make_shared<StreamFollower>(Connect(), keys_, hub, FollowerOptions{200ms, 10, {}},
                                       [&](std::string why) { error = std::move(why); });
  follower->Start("0-0");
  RunUntil([&] { return !error.empty(); });
  EXPECT_NE(error.find("did not write"), std::string::npos) << error;
  EXPECT_FALSE(hub->LastId());
}

// A follower has only the events' JSON; the rows it rebuilds (api/stream/event_rows.h) make every
// column filter decide as it does on the leader, which holds the decoder's rows.
TEST_F(ClusterStreamTest, ColumnFiltersDecideOnAFollowerAsOnTheLeader) {
  auto leader = Leader("a");
  api::PublishedTransaction txn;
  txn.commit_lsn = Lsn(500);
  txn.end_lsn = Lsn(508);
  txn.complete = true;
  txn.events = {CustomerUpdate(500, 0, "FR", "DE"), CustomerUpdate(500, 1, "IT", "IT")};
  auto hub = std::make_shared<api::EventHub>(api::ReplayLimits{});
  auto collector = std::make_shared<Collector>();
  hub->Subscribe(collector, std::nullopt);
  std::string follower_error;
  auto follower = std::make_shared<StreamFollower>(
      Connect(), keys_, hub, FollowerOptions{200ms, 10, {}},
      [&](std::string error) { follower_error = std::move(error); });
  follower->Start("0-0");
  ASSERT_TRUE(std::holds_alternative<Appended>(Append(*leader, txn)));
  RunUntil([&] { return collector->events().size() >= 2 || !follower_error.empty(); });
  EXPECT_EQ(follower_error, "");
  const auto followed = collector->events();
  ASSERT_EQ(followed.size(), 2u);

  const std::vector<std::string> filters = {
      "customers:country=eq.DE",            // the first event's old row: it left the filter
      "customers:country=in.(FR,ES)",       // its new row
      "customers:country=eq.IT",            // the second event only
      "customers:name=eq.Ada \"A\"\t\x1f",  // escapes compared as the decoder writes them
      "customers:id=gt.7",                  // neither
  };
  for (size_t i = 0; i < followed.size(); ++i) {
    EXPECT_EQ(followed[i]->table, "customers");
    ASSERT_TRUE(followed[i]->row && followed[i]->old_row);
    for (const std::string& filter : filters) {
      EXPECT_EQ(Passes(filter, *followed[i]), Passes(filter, *txn.events[i]))
          << "event " << i << ", " << filter;
    }
  }
  EXPECT_TRUE(Passes("customers:country=eq.DE", *followed[0]));
  EXPECT_FALSE(Passes("customers:country=eq.DE", *followed[1]));
  EXPECT_TRUE(Passes("customers:name=eq.Ada \"A\"\t\x1f", *followed[1]));
  EXPECT_FALSE(Passes("customers:id=gt.7", *followed[0]));
  follower->Stop();
}

TEST_F(ClusterStreamTest, AStreamKeyOfAnotherTypeIsAnAppendError) {
  auto leader = Leader("a");
  Call({"DEL", keys_.stream});
  Call({"SET", keys_.stream, "not a stream"});
  auto outcome = Append(*leader, Part(100, 0, 1, true));
  ASSERT_TRUE(std::holds_alternative<ScriptRefusal>(outcome));
  EXPECT_EQ(std::get<ScriptRefusal>(outcome).kind, ScriptRefusal::Kind::kOther);
  EXPECT_NE(std::get<ScriptRefusal>(outcome).message.find("WRONGTYPE"), std::string::npos)
      << std::get<ScriptRefusal>(outcome).message;
}

}  // namespace
}  // namespace walcast::cluster
