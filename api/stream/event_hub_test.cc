#include "api/stream/event_hub.h"

#include <gtest/gtest.h>

#include <thread>

#include "api/stream/testing/transactions.h"

namespace walcast::api {
namespace {

using decoder::EventId;
using decoder::Lsn;
using testing::Txn;

class Recorder : public EventSubscriber {
 public:
  void Deliver(std::shared_ptr<const std::vector<StreamEventPtr>> events) override {
    std::lock_guard lock(mutex);
    for (const auto& e : *events) ids.push_back(e->id);
  }
  void Resync(std::string reason) override { resyncs.push_back(std::move(reason)); }
  void Shutdown() override { ++shutdowns; }
  int shutdowns = 0;
  std::mutex mutex;
  std::vector<EventId> ids;
  std::vector<std::string> resyncs;
};

TEST(EventHub, DeliversToSubscribersAndDropsDuplicates) {
  EventHub hub({});
  hub.OnStreamStart(Lsn(0x100));
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  hub.Subscribe(a, std::nullopt);
  hub.Subscribe(b, std::nullopt);
  EXPECT_TRUE(hub.Publish(Txn(0x200, 2)));
  EXPECT_FALSE(hub.Publish(Txn(0x200, 2)));
  EXPECT_EQ(a->ids.size(), 2u);
  EXPECT_EQ(b->ids, a->ids);
  EXPECT_EQ(hub.LastId(), EventId(Lsn(0x200), 1));
}

// Appends its name to a shared log on each delivery: the order the hub hands a transaction out.
class OrderLog : public EventSubscriber {
 public:
  OrderLog(int name, std::vector<int>* log) : name_(name), log_(log) {}
  void Deliver(std::shared_ptr<const std::vector<StreamEventPtr>>) override {
    log_->push_back(name_);
  }
  void Resync(std::string) override {}
  void Shutdown() override {}

 private:
  int name_;
  std::vector<int>* log_;
};

TEST(EventHub, NoSubscriberIsAlwaysServedLast) {
  EventHub hub({});
  hub.OnStreamStart(Lsn(0x100));
  constexpr int kSubscribers = 50;
  constexpr int kTransactions = 200;
  std::vector<int> log;
  std::vector<std::shared_ptr<OrderLog>> subscribers;
  for (int i = 0; i < kSubscribers; ++i) {
    subscribers.push_back(std::make_shared<OrderLog>(i, &log));
    hub.Subscribe(subscribers.back(), std::nullopt);
  }
  std::vector<int> last_counts(kSubscribers, 0);
  std::vector<int> delivered(kSubscribers, 0);
  for (int t = 0; t < kTransactions; ++t) {
    log.clear();
    ASSERT_TRUE(hub.Publish(Txn(0x200 + 0x10 * static_cast<uint64_t>(t), 1)));
    ASSERT_EQ(log.size(), static_cast<std::size_t>(kSubscribers));
    for (int name : log) ++delivered[static_cast<std::size_t>(name)];
    // Still one rotation of the subscription order: every subscriber once, neighbours kept.
    for (std::size_t i = 1; i < log.size(); ++i) {
      EXPECT_EQ(log[i], (log[i - 1] + 1) % kSubscribers);
    }
    ++last_counts[static_cast<std::size_t>(log.back())];
  }
  for (int i = 0; i < kSubscribers; ++i) {
    EXPECT_EQ(delivered[static_cast<std::size_t>(i)], kTransactions);
    // Served last 4 times on average; with a fixed order one subscriber would be last 200 times.
    EXPECT_LT(last_counts[static_cast<std::size_t>(i)], 20) << "subscriber " << i;
  }
}

TEST(EventHub, DeadSubscribersAreDropped) {
  EventHub hub({});
  auto a = std::make_shared<Recorder>();
  hub.Subscribe(a, std::nullopt);
  EXPECT_EQ(hub.Subscribers(), 1u);
  a.reset();
  hub.Publish(Txn(0x200, 1));
  EXPECT_EQ(hub.Subscribers(), 0u);
}

TEST(EventHub, SubscribeReturnsTheBacklogAndThenOnlyNewEvents) {
  EventHub hub({});
  hub.OnStreamStart(Lsn(0x100));
  hub.Publish(Txn(0x200, 2));
  hub.Publish(Txn(0x300, 1));
  auto late = std::make_shared<Recorder>();
  auto subscription = hub.Subscribe(late, EventId(Lsn(0x200), 0));
  EXPECT_EQ(subscription.status, ReplayWindow::ResumeStatus::kOk);
  auto backlog = hub.Fetch(EventId(Lsn(0x200), 0), 100);
  ASSERT_EQ(backlog.events.size(), 2u);
  EXPECT_EQ(backlog.events[0]->id, EventId(Lsn(0x200), 1));
  EXPECT_FALSE(backlog.more);
  EXPECT_EQ(hub.Fetch(EventId(Lsn(0x200), 0), 1).more, true);
  EXPECT_EQ(subscription.last_id, EventId(Lsn(0x300), 0));
  hub.Publish(Txn(0x400, 1));
  EXPECT_EQ(late->ids, std::vector<EventId>{EventId(Lsn(0x400), 0)});
}

TEST(EventHub, TooOldResumeIsReported) {
  EventHub hub({.max_events = 1});
  hub.OnStreamStart(Lsn(0x100));
  hub.Publish(Txn(0x200, 1));
  hub.Publish(Txn(0x300, 1));
  auto recorder = std::make_shared<Recorder>();
  auto subscription = hub.Subscribe(recorder, EventId(Lsn(0x150), 0));
  EXPECT_EQ(subscription.status, ReplayWindow::ResumeStatus::kTooOld);
  EXPECT_EQ(subscription.oldest_id, EventId(Lsn(0x300), 0));
}

TEST(EventHub, ResyncReachesEverySubscriber) {
  EventHub hub({});
  auto a = std::make_shared<Recorder>();
  hub.Subscribe(a, std::nullopt);
  hub.ResyncAll("notify connection lost");
  EXPECT_EQ(a->resyncs, std::vector<std::string>{"notify connection lost"});
  hub.ShutdownAll();
  EXPECT_EQ(a->shutdowns, 1);
}

TEST(EventHub, ALargeTransactionWaitsForReadersThatAreMakingProgress) {
  EventHub hub({.max_events = 10});
  hub.OnStreamStart(Lsn(0x100));
  auto reader = std::make_shared<Recorder>();
  auto subscription = hub.Subscribe(reader, std::nullopt);
  constexpr auto kPatient = std::chrono::hours(1);
  ASSERT_TRUE(hub.RoomForPart(4, 0, kPatient)) << "no reader behind: no limit";
  ASSERT_TRUE(hub.Publish(testing::Part(0x200, 0, 4, false)));
  ASSERT_TRUE(hub.Publish(testing::Part(0x200, 4, 4, false)));
  // The reader falls behind at the start of the transaction and pulls from the window.
  auto pulled = hub.Fetch(subscription.id, EventId(Lsn(0x100), 0), 2);
  ASSERT_EQ(pulled.events.size(), 2u);
  EXPECT_FALSE(hub.RoomForPart(4, 0, kPatient)) << "8 needed + 4 > 10: the next part would "
                                                   "push out events the reader still needs";
  EXPECT_TRUE(hub.RoomForPart(2, 0, kPatient));
  // It makes progress: room again.
  hub.Fetch(subscription.id, EventId(Lsn(0x200), 3), 10);
  EXPECT_TRUE(hub.RoomForPart(4, 0, kPatient));
  // A reader that stopped pulling does not hold the stream back.
  hub.Fetch(subscription.id, EventId(Lsn(0x100), 0), 0);
  EXPECT_FALSE(hub.RoomForPart(4, 0, kPatient));
  EXPECT_TRUE(hub.RoomForPart(4, 0, std::chrono::seconds(0)));
  // Caught up (or gone): no longer a reader.
  hub.CaughtUp(subscription.id);
  EXPECT_TRUE(hub.RoomForPart(4, 0, kPatient));
  hub.Fetch(subscription.id, EventId(Lsn(0x100), 0), 0);
  hub.Unsubscribe(subscription.id);
  EXPECT_TRUE(hub.RoomForPart(4, 0, kPatient));
}

TEST(EventHub, APartPublishedAgainReachesSubscribersOnlyWithNewEvents) {
  EventHub hub({});
  hub.OnStreamStart(Lsn(0x100));
  auto reader = std::make_shared<Recorder>();
  hub.Subscribe(reader, std::nullopt);
  ASSERT_TRUE(hub.Publish(testing::Part(0x200, 0, 3, false)));
  hub.OnStreamStart(Lsn(0x100));  // reconnected in the middle of the transaction
  EXPECT_FALSE(hub.Publish(testing::Part(0x200, 0, 2, false)));
  ASSERT_TRUE(hub.Publish(testing::Part(0x200, 2, 3, true)));
  ASSERT_EQ(reader->ids.size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(reader->ids[i], EventId(Lsn(0x200), i));
}

TEST(EventHub, OnFreshSeesOnlyNewEventsBeforeAnySubscriber) {
  EventHub hub({});
  hub.OnStreamStart(Lsn(0x100));
  auto reader = std::make_shared<Recorder>();
  hub.Subscribe(reader, std::nullopt);
  std::vector<EventId> counted;
  std::size_t delivered_when_counted = 99;
  auto count = [&](const std::vector<StreamEventPtr>& fresh) {
    delivered_when_counted = reader->ids.size();
    for (const auto& event : fresh) counted.push_back(event->id);
  };
  ASSERT_TRUE(hub.Publish(testing::Part(0x200, 0, 3, false), count));
  EXPECT_EQ(delivered_when_counted, 0u) << "counted before the subscriber saw the events";
  hub.OnStreamStart(Lsn(0x100));
  EXPECT_FALSE(hub.Publish(testing::Part(0x200, 0, 3, false), count));
  ASSERT_TRUE(hub.Publish(testing::Part(0x200, 2, 3, true), count));
  ASSERT_EQ(counted.size(), 5u) << "the re-published event 2 is not counted twice";
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(counted[i], EventId(Lsn(0x200), i));
}

}  // namespace
}  // namespace walcast::api
