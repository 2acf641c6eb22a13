#include "event_hub.h"

#include <gtest/gtest.h>

#include <thread>

#include "testing/transactions.h"

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

}  // namespace
}  // namespace walcast::api
