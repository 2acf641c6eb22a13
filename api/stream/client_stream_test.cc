#include "api/stream/client_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "api/stream/testing/transactions.h"

namespace walcast::api {
namespace {

using decoder::EventId;
using decoder::Lsn;
using testing::Txn;

// A session without sockets: a mutex stands in for the strand, Drain for the socket writes.
class FakeSession : public EventSubscriber, public std::enable_shared_from_this<FakeSession> {
 public:
  FakeSession(std::shared_ptr<StreamContext> context, StreamFrom from)
      : client_(std::move(context), StreamFilter{}, std::move(from), "c", "peer", "test"),
        inbox_(client_.context().outbound.max_messages) {}
  void Start() {
    std::lock_guard lock(strand_);
    client_.Start(weak_from_this());
  }
  // Like the real sessions: through the inbox, drained at once unless `hold` (a strand that is
  // busy elsewhere) keeps the batches waiting until DrainInbox.
  void Deliver(std::shared_ptr<const std::vector<StreamEventPtr>> events) override {
    inbox_.Add(std::move(events));
    if (!hold) DrainInbox();
  }
  void DrainInbox() {
    std::lock_guard lock(strand_);
    client_.OnDelivered(inbox_.Take());
  }
  void Resync(std::string) override {}
  void Shutdown() override {}
  void ArchivePage(EventArchive::Page page) override {
    std::lock_guard lock(strand_);
    client_.OnArchivePage(std::move(page));
  }
  // Writes up to `n` queued messages; returns how many it wrote.
  std::size_t Drain(std::size_t n) {
    std::lock_guard lock(strand_);
    std::size_t written = 0;
    while (written < n && !client_.queue().Empty()) {
      const auto& message = client_.queue().Front();
      if (message.event) {
        ids.push_back(message.event->id);
        resumes.push_back(message.resume);
      } else {
        controls.push_back(message.name);
      }
      client_.queue().Pop();
      client_.Refill();
      ++written;
    }
    return written;
  }
  bool slow() {
    std::lock_guard lock(strand_);
    return client_.slow();
  }

  std::vector<EventId> ids;
  std::vector<std::string> resumes;  // per event: the position to resume at, or empty
  std::vector<std::string> controls;
  std::atomic<bool> hold{false};

 private:
  std::mutex strand_;
  ClientStream client_;
  DeliveryInbox inbox_;
};

std::shared_ptr<StreamContext> Context(ReplayLimits replay, std::size_t queue_messages) {
  auto context = std::make_shared<StreamContext>();
  context->hub = std::make_shared<EventHub>(replay);
  context->outbound.max_messages = queue_messages;
  context->hub->OnStreamStart(Lsn(0x100));
  return context;
}

// An archive kept in memory: every event ever published, from `first` on. Reads wait until
// Answer(), as a real archive answers later on another thread.
class KeptArchive : public EventArchive {
 public:
  void Keep(const PublishedTransaction& transaction) {
    for (const auto& event : transaction.events) events_.push_back(event);
  }
  void ReadAfter(const EventId& after, std::size_t max_events,
                 std::function<void(Page)> done) override {
    reads_.push_back({after, max_events, std::move(done)});
  }
  // Answers the reads asked so far; returns how many there were.
  std::size_t Answer(const EventId& first) {
    auto reads = std::move(reads_);
    reads_.clear();
    for (auto& read : reads) {
      Page page;
      if (read.after < first) {
        page.error = "no longer reaches back";
      } else {
        for (const auto& event : events_) {
          if (event->id > read.after && page.events.size() < read.max_events) {
            page.events.push_back(event);
          }
        }
      }
      read.done(std::move(page));
    }
    return reads.size();
  }

 private:
  struct Read {
    EventId after;
    std::size_t max_events;
    std::function<void(Page)> done;
  };
  std::vector<StreamEventPtr> events_;
  std::vector<Read> reads_;
};

// Publishes `transaction` to the hub and keeps it in the archive.
void PublishKept(StreamContext& context, KeptArchive& archive, PublishedTransaction transaction) {
  archive.Keep(transaction);
  context.hub->Publish(std::move(transaction));
}

TEST(ClientStream, AResumeFromBeforeTheWindowReadsTheArchiveThenTheWindow) {
  auto context = Context({.max_events = 2}, 4);
  auto archive = std::make_shared<KeptArchive>();
  context->archive = archive;
  for (int t = 1; t <= 10; ++t) PublishKept(*context, *archive, Txn(0x100 + t * 0x100, 3));
  auto session = std::make_shared<FakeSession>(context, EventId(Lsn(0x200), 1));
  session->Start();
  PublishKept(*context, *archive,
              Txn(0x5000, 1));  // while the archive is read: waits in the window
  // Pages of at most the queue's room, answered as the client drains.
  std::size_t pages = 0;
  while (true) {
    std::size_t answered = archive->Answer(EventId(Lsn(0x100), 0));
    pages += answered;
    if (session->Drain(1) == 0 && answered == 0) break;
  }
  EXPECT_GT(pages, 3u);
  std::vector<EventId> expected{EventId(Lsn(0x200), 2)};
  for (int t = 2; t <= 10; ++t) {
    for (uint32_t i = 0; i < 3; ++i) expected.push_back(EventId(Lsn(0x100 + t * 0x100), i));
  }
  expected.push_back(EventId(Lsn(0x5000), 0));
  EXPECT_EQ(session->ids, expected);
  EXPECT_EQ(session->controls, std::vector<std::string>{"welcome"});
  EXPECT_FALSE(session->slow());

  PublishKept(*context, *archive, Txn(0x6000, 1));  // live again
  session->Drain(10);
  EXPECT_EQ(session->ids.back(), EventId(Lsn(0x6000), 0));
}

TEST(ClientStream, AnArchiveThatNoLongerReachesBackGivesResyncThenLive) {
  auto context = Context({.max_events = 2}, 4);
  auto archive = std::make_shared<KeptArchive>();
  context->archive = archive;
  for (int t = 1; t <= 5; ++t) PublishKept(*context, *archive, Txn(0x100 + t * 0x100, 1));
  auto session = std::make_shared<FakeSession>(context, EventId(Lsn(0x200), 0));
  session->Start();
  PublishKept(*context, *archive, Txn(0x9000, 1));
  EXPECT_EQ(archive->Answer(EventId(Lsn(0x400), 0)), 1u);
  while (session->Drain(1) > 0) {
  }
  EXPECT_EQ(session->controls, (std::vector<std::string>{"welcome", "resync"}));
  EXPECT_EQ(session->ids, std::vector<EventId>{EventId(Lsn(0x9000), 0)}) << "then live";
}

TEST(ClientStream, ABurstLargerThanTheQueueArrivesWholeAndInOrder) {
  auto context = Context({}, 4);
  auto session = std::make_shared<FakeSession>(context, StreamFrom{});
  session->Start();
  context->hub->Publish(Txn(0x200, 100));
  while (session->Drain(3) > 0) {
  }
  ASSERT_EQ(session->ids.size(), 100u);
  for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(session->ids[i], EventId(Lsn(0x200), i));
  EXPECT_FALSE(session->slow());
}

TEST(ClientStream, ResumeReplaysTheBacklogThenLive) {
  auto context = Context({}, 4);
  for (int t = 1; t <= 10; ++t) context->hub->Publish(Txn(0x100 + t * 0x100, 2));
  auto session = std::make_shared<FakeSession>(context, EventId(Lsn(0x300), 1));
  session->Start();
  context->hub->Publish(Txn(0x5000, 1));
  while (session->Drain(1) > 0) {
  }
  ASSERT_EQ(session->ids.size(), 17u);  // 8 transactions x 2 after the from, then the live one
  EXPECT_EQ(session->ids.front(), EventId(Lsn(0x400), 0));
  EXPECT_EQ(session->ids.back(), EventId(Lsn(0x5000), 0));
  EXPECT_EQ(session->controls, std::vector<std::string>{"welcome"});
}

TEST(ClientStream, TooOldFromGetsResyncThenLiveOnly) {
  auto context = Context({.max_events = 2}, 4);
  for (int t = 1; t <= 5; ++t) context->hub->Publish(Txn(0x100 + t * 0x100, 1));
  auto session = std::make_shared<FakeSession>(context, EventId(Lsn(0x200), 0));
  session->Start();
  context->hub->Publish(Txn(0x9000, 1));
  while (session->Drain(1) > 0) {
  }
  EXPECT_EQ(session->controls, (std::vector<std::string>{"welcome", "resync"}));
  EXPECT_EQ(session->ids, std::vector<EventId>{EventId(Lsn(0x9000), 0)});
}

// A strand a little late must not make a client "slow" just because the replay window is small:
// the burst waits in the inbox and lands in the client's own queue.
TEST(ClientStream, ABurstWaitingInTheInboxOutlivesASmallWindow) {
  auto context = Context({.max_events = 2}, 16);
  auto session = std::make_shared<FakeSession>(context, StreamFrom{});
  session->Start();
  session->hold = true;
  for (int t = 1; t <= 5; ++t) context->hub->Publish(Txn(0x100 + t * 0x100, 1));
  session->DrainInbox();
  while (session->Drain(1) > 0) {
  }
  EXPECT_FALSE(session->slow());
  ASSERT_EQ(session->ids.size(), 5u);
  for (int t = 1; t <= 5; ++t) EXPECT_EQ(session->ids[t - 1], EventId(Lsn(0x100 + t * 0x100), 0));
}

// More batches waiting than the queue could hold: the inbox lets them go and the client catches
// up from the window, in order, with no duplicate.
TEST(ClientStream, AnOverflowingInboxFallsBackToTheWindow) {
  auto context = Context({}, 4);
  auto session = std::make_shared<FakeSession>(context, StreamFrom{});
  session->Start();
  session->hold = true;
  for (int t = 1; t <= 10; ++t) context->hub->Publish(Txn(0x100 + t * 0x100, 2));
  session->DrainInbox();
  while (session->Drain(1) > 0) {
  }
  EXPECT_FALSE(session->slow());
  ASSERT_EQ(session->ids.size(), 20u);
  for (std::size_t i = 1; i < session->ids.size(); ++i) {
    EXPECT_LT(session->ids[i - 1], session->ids[i]);
  }
}

TEST(ClientStream, AClientWhoseEventsLeftTheWindowIsSlow) {
  auto context = Context({.max_events = 10}, 4);
  auto session = std::make_shared<FakeSession>(context, StreamFrom{});
  session->Start();
  for (int t = 1; t <= 30; ++t) context->hub->Publish(Txn(0x100 + t * 0x100, 1));  // never read
  EXPECT_TRUE(session->slow());
  while (session->Drain(1) > 0) {
  }
  EXPECT_EQ(session->controls.back(), "error");
  EXPECT_EQ(context->counters.slow_clients_dropped.load(), 1u);
}

TEST(ClientStream, NoGapNoDuplicateWithConcurrentPublishAndSlowReaders) {
  auto context = Context({}, 8);
  constexpr int kTransactions = 3000;
  std::vector<std::shared_ptr<FakeSession>> sessions;
  for (int i = 0; i < 8; ++i) {
    sessions.push_back(std::make_shared<FakeSession>(context, EventId(Lsn(0x100), 0)));
    sessions.back()->Start();
  }
  std::atomic<bool> done{false};
  std::thread publisher([&] {
    for (int t = 1; t <= kTransactions; ++t)
      context->hub->Publish(Txn(0x100 + t * 0x100, 1 + t % 3));
    done = true;
  });
  std::vector<std::thread> readers;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    readers.emplace_back([&, i] {
      std::mt19937 random(static_cast<unsigned>(i));
      while (!done || sessions[i]->Drain(SIZE_MAX) > 0) {
        sessions[i]->Drain(1 + random() % 16);
        if (random() % 4 == 0) std::this_thread::yield();
      }
    });
  }
  publisher.join();
  for (auto& reader : readers) reader.join();
  std::vector<EventId> expected;
  for (int t = 1; t <= kTransactions; ++t) {
    for (int i = 0; i < 1 + t % 3; ++i) expected.push_back(EventId(Lsn(0x100 + t * 0x100), i));
  }
  for (const auto& session : sessions) {
    ASSERT_EQ(session->ids.size(), expected.size());
    EXPECT_EQ(session->ids, expected);
  }
}

// A read's snapshot 740:750:741 (741 in progress) and `until` 0x800: 741 committed at 0x300
// before the read yet unseen, 742 at 0x400 seen, 750 began after it, 0x800 on everything.
TEST(ClientStream, FromAPositionOnlyWhatTheReadDidNotSeeThenEverything) {
  auto context = Context({}, 16);
  context->hub->Publish(testing::XidTxn(0x200, 739));
  context->hub->Publish(testing::XidTxn(0x300, 741));
  context->hub->Publish(testing::XidTxn(0x400, 742));
  auto position =
      StreamPosition::FromRead(Lsn(0x300), Lsn(0x800), XidSnapshot::Parse("740:750:741").value());
  auto session = std::make_shared<FakeSession>(context, position);
  session->Start();
  context->hub->Publish(testing::XidTxn(0x500, 750));
  context->hub->Publish(testing::XidTxn(0x600, 743));  // seen: committed before the snapshot
  context->hub->Publish(testing::XidTxn(0x800, 744));  // at `until`: delivered whatever its xid
  context->hub->Publish(testing::XidTxn(0x900, 745));
  while (session->Drain(1) > 0) {
  }
  EXPECT_EQ(session->controls, std::vector<std::string>{"welcome"});
  EXPECT_EQ(session->ids, (std::vector<EventId>{EventId(Lsn(0x300), 0), EventId(Lsn(0x500), 0),
                                                EventId(Lsn(0x800), 0), EventId(Lsn(0x900), 0)}));
  // Before `until` the client resumes at the position moved past the event, after it at the id.
  ASSERT_EQ(session->resumes.size(), 4u);
  auto resumed = StreamPosition::Parse(session->resumes[1]);
  ASSERT_TRUE(resumed.position) << resumed.error;
  EXPECT_EQ(resumed.position->after(), EventId(Lsn(0x500), 0));
  EXPECT_EQ(session->resumes[2], "");
  EXPECT_EQ(session->resumes[3], "");

  // Resuming at that point skips 743 again and delivers the rest once.
  auto again = std::make_shared<FakeSession>(context, *resumed.position);
  again->Start();
  while (again->Drain(1) > 0) {
  }
  EXPECT_EQ(again->ids, (std::vector<EventId>{EventId(Lsn(0x800), 0), EventId(Lsn(0x900), 0)}));
}

TEST(ClientStream, APositionOlderThanTheWindowGetsResync) {
  auto context = Context({.max_events = 2}, 16);
  for (uint32_t t = 1; t <= 5; ++t)
    context->hub->Publish(testing::XidTxn(0x100 + t * 0x100, 700 + t));
  auto position =
      StreamPosition::FromRead(Lsn(0x200), Lsn(0x300), XidSnapshot::Parse("701:702:").value());
  auto session = std::make_shared<FakeSession>(context, position);
  session->Start();
  while (session->Drain(1) > 0) {
  }
  EXPECT_EQ(session->controls, (std::vector<std::string>{"welcome", "resync"}));
  EXPECT_TRUE(session->ids.empty());
}

}  // namespace
}  // namespace walcast::api
