#include "decoder/transaction_assembler.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "decoder/pg_time.h"
#include "decoder/testing/memory_spill_space.h"

namespace walcast::decoder {
namespace {

OrderEvent Event(const std::string& marker) {
  OrderEvent event;
  event.table = marker;  // identifies the event in assertions
  return event;
}

std::vector<std::string> Markers(const CommittedTransaction& txn) {
  std::vector<std::string> markers;
  for (const OrderEvent& event : txn.events) {
    markers.push_back(event.table + "@" + std::to_string(event.id.index()));
  }
  return markers;
}

using Markers_t = std::vector<std::string>;

TEST(TransactionAssembler, AssemblesBeginCommitAndStampsEvents) {
  TransactionAssembler assembler;
  ASSERT_TRUE(assembler.Begin({Lsn(0x500), 1000, 42}).ok());
  EXPECT_TRUE(assembler.in_transaction());
  ASSERT_TRUE(assembler.AddChange("Insert", 0, Event("a")).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 0, std::nullopt).ok());  // another table
  ASSERT_TRUE(assembler.AddChange("Insert", 0, Event("b")).ok());
  EXPECT_GT(assembler.buffered_bytes(), 0u);
  Result<CommittedTransaction> txn = assembler.Commit({0, Lsn(0x500), Lsn(0x530), 1000});
  ASSERT_TRUE(txn.ok()) << txn.error().ToString();
  EXPECT_FALSE(assembler.in_transaction());
  EXPECT_EQ(assembler.buffered_bytes(), 0u);
  EXPECT_EQ(txn->xid, 42u);
  EXPECT_EQ(txn->commit_lsn, Lsn(0x500));
  EXPECT_EQ(txn->end_lsn, Lsn(0x530));
  EXPECT_EQ(txn->commit_time, UnixMicrosFromPg(1000));
  EXPECT_FALSE(txn->streamed);
  EXPECT_EQ(txn->change_count, 3u);
  EXPECT_EQ(Markers(*txn), (Markers_t{"a@0", "b@2"}));
  const OrderEvent& b = txn->events[1];
  EXPECT_EQ(b.id.view(), "0000000000000500-00000002");
  EXPECT_EQ(b.lsn, Lsn(0x500));
  EXPECT_EQ(b.xid, 42u);
  EXPECT_EQ(b.timestamp, UnixMicrosFromPg(1000));
}

TEST(TransactionAssembler, EmptyTransactionStillCommits) {
  TransactionAssembler assembler;
  ASSERT_TRUE(assembler.Begin({Lsn(1), 0, 1}).ok());
  Result<CommittedTransaction> txn = assembler.Commit({0, Lsn(1), Lsn(2), 0});
  ASSERT_TRUE(txn.ok());
  EXPECT_TRUE(txn->events.empty());
  EXPECT_EQ(txn->end_lsn, Lsn(2));
}

TEST(TransactionAssembler, BuffersInterleavedStreamsUntilStreamCommit) {
  TransactionAssembler assembler;
  ASSERT_TRUE(assembler.StreamStart({100, true}).ok());
  EXPECT_TRUE(assembler.in_stream_block());
  ASSERT_TRUE(assembler.AddChange("Insert", 100, Event("x1")).ok());
  ASSERT_TRUE(assembler.StreamStop().ok());
  ASSERT_TRUE(assembler.StreamStart({200, true}).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 200, Event("y1")).ok());
  ASSERT_TRUE(assembler.StreamStop().ok());
  // A small transaction commits in between, as a whole.
  ASSERT_TRUE(assembler.Begin({Lsn(0x10), 0, 300}).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 0, Event("z1")).ok());
  Result<CommittedTransaction> z = assembler.Commit({0, Lsn(0x10), Lsn(0x18), 0});
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(Markers(*z), (Markers_t{"z1@0"}));
  ASSERT_TRUE(assembler.StreamStart({100, false}).ok());
  ASSERT_TRUE(assembler.AddChange("Update", 100, Event("x2")).ok());
  ASSERT_TRUE(assembler.StreamStop().ok());
  EXPECT_EQ(assembler.open_streamed_transactions(), 2u);

  Result<CommittedTransaction> x = assembler.StreamCommit({100, 0, Lsn(0x20), Lsn(0x28), 5});
  ASSERT_TRUE(x.ok()) << x.error().ToString();
  EXPECT_TRUE(x->streamed);
  EXPECT_EQ(x->xid, 100u);
  EXPECT_EQ(Markers(*x), (Markers_t{"x1@0", "x2@1"}));
  EXPECT_EQ(x->events[1].xid, 100u);
  Result<CommittedTransaction> y = assembler.StreamCommit({200, 0, Lsn(0x30), Lsn(0x38), 6});
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(Markers(*y), (Markers_t{"y1@0"}));
  EXPECT_EQ(assembler.buffered_bytes(), 0u);
  EXPECT_EQ(assembler.open_streamed_transactions(), 0u);
}

TEST(TransactionAssembler, StreamAbortDropsTheTransaction) {
  TransactionAssembler assembler;
  ASSERT_TRUE(assembler.StreamStart({100, true}).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 100, Event("x1")).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 101, Event("x2")).ok());
  ASSERT_TRUE(assembler.StreamStop().ok());
  ASSERT_TRUE(assembler.StreamAbort({100, 100}).ok());
  EXPECT_EQ(assembler.open_streamed_transactions(), 0u);
  EXPECT_EQ(assembler.buffered_bytes(), 0u);
  Result<CommittedTransaction> txn = assembler.StreamCommit({100, 0, Lsn(1), Lsn(2), 0});
  ASSERT_FALSE(txn.ok());
  EXPECT_EQ(txn.error().code, ErrorCode::kSequence);
}

TEST(TransactionAssembler, SubtransactionAbortDropsOnlyItsChanges) {
  TransactionAssembler assembler;
  ASSERT_TRUE(assembler.StreamStart({100, true}).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 100, Event("top1")).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 101, Event("sub1")).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 101, std::nullopt).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 102, Event("kept")).ok());
  ASSERT_TRUE(assembler.StreamStop().ok());
  const size_t before = assembler.buffered_bytes();
  ASSERT_TRUE(assembler.StreamAbort({100, 101}).ok());
  EXPECT_LT(assembler.buffered_bytes(), before);
  ASSERT_TRUE(assembler.StreamStart({100, false}).ok());
  ASSERT_TRUE(assembler.AddChange("Insert", 100, Event("top2")).ok());
  ASSERT_TRUE(assembler.StreamStop().ok());
  Result<CommittedTransaction> txn = assembler.StreamCommit({100, 0, Lsn(0x40), Lsn(0x48), 0});
  ASSERT_TRUE(txn.ok());
  // Indexes count surviving changes only: the same as a non-streamed decode of the transaction.
  EXPECT_EQ(Markers(*txn), (Markers_t{"top1@0", "kept@1", "top2@2"}));
  EXPECT_EQ(txn->change_count, 3u);
}

TEST(TransactionAssembler, TruncateSlotsCountTowardsIndexes) {
  TransactionAssembler assembler;
  ASSERT_TRUE(assembler.Begin({Lsn(1), 0, 1}).ok());
  ASSERT_TRUE(assembler.AddChange("Truncate", 0, std::nullopt, 2).ok());
  ASSERT_TRUE(assembler.AddChange("Truncate", 0, Event("t")).ok());
  Result<CommittedTransaction> txn = assembler.Commit({0, Lsn(1), Lsn(2), 0});
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(Markers(*txn), (Markers_t{"t@2"}));
}

TEST(TransactionAssembler, UnknownStreamAbortIsHarmless) {
  TransactionAssembler assembler;
  EXPECT_TRUE(assembler.StreamAbort({7, 8}).ok());
  EXPECT_TRUE(assembler.StreamAbort({7, 7}).ok());
}

struct SequenceCase {
  std::string name;
  std::function<Status(TransactionAssembler&)> setup;
  std::function<Status(TransactionAssembler&)> step;
  std::string_view kind;
};

Status FromResult(const Result<CommittedTransaction>& r) {
  if (r.ok()) return Status();
  return r.error();
}

TEST(TransactionAssembler, RejectsMessagesOutOfSequence) {
  using A = TransactionAssembler;
  auto nothing = [](A&) { return Status(); };
  auto begun = [](A& a) { return a.Begin({Lsn(1), 0, 1}); };
  auto streaming = [](A& a) { return a.StreamStart({9, true}); };
  auto stream_open = [](A& a) {
    Status s = a.StreamStart({9, true});
    return s.ok() ? a.StreamStop() : s;
  };
  const SequenceCase cases[] = {
      {"CommitWithoutBegin", nothing,
       [](A& a) {
         return FromResult(a.Commit({0, Lsn(1), Lsn(2), 0}));
       },
       "Commit"},
      {"NestedBegin", begun,
       [](A& a) {
         return a.Begin({Lsn(2), 0, 2});
       },
       "Begin"},
      {"CommitLsnMismatch", begun,
       [](A& a) {
         return FromResult(a.Commit({0, Lsn(7), Lsn(8), 0}));
       },
       "Commit"},
      {"ChangeOutsideTransaction", nothing,
       [](A& a) { return a.AddChange("Insert", 0, std::nullopt); }, "Insert"},
      {"ChangeAfterStreamStop", stream_open,
       [](A& a) { return a.AddChange("Delete", 9, std::nullopt); }, "Delete"},
      {"BeginInStreamBlock", streaming,
       [](A& a) {
         return a.Begin({Lsn(2), 0, 2});
       },
       "Begin"},
      {"NestedStreamStart", streaming,
       [](A& a) {
         return a.StreamStart({10, true});
       },
       "StreamStart"},
      {"StreamStartInTransaction", begun,
       [](A& a) {
         return a.StreamStart({10, true});
       },
       "StreamStart"},
      {"RepeatedFirstSegment", stream_open,
       [](A& a) {
         return a.StreamStart({9, true});
       },
       "StreamStart"},
      {"LaterSegmentOfUnknown", nothing,
       [](A& a) {
         return a.StreamStart({9, false});
       },
       "StreamStart"},
      {"StreamStopOutsideBlock", nothing, [](A& a) { return a.StreamStop(); }, "StreamStop"},
      {"StreamCommitInBlock", streaming,
       [](A& a) {
         return FromResult(a.StreamCommit({9, 0, Lsn(1), Lsn(2), 0}));
       },
       "StreamCommit"},
      {"StreamCommitUnknown", nothing,
       [](A& a) {
         return FromResult(a.StreamCommit({9, 0, Lsn(1), Lsn(2), 0}));
       },
       "StreamCommit"},
      {"StreamCommitInTransaction", begun,
       [](A& a) {
         return FromResult(a.StreamCommit({9, 0, Lsn(1), Lsn(2), 0}));
       },
       "StreamCommit"},
      {"StreamAbortInBlock", streaming,
       [](A& a) {
         return a.StreamAbort({9, 9});
       },
       "StreamAbort"},
      {"StreamAbortInTransaction", begun,
       [](A& a) {
         return a.StreamAbort({9, 9});
       },
       "StreamAbort"},
  };
  for (const SequenceCase& c : cases) {
    TransactionAssembler assembler;
    ASSERT_TRUE(c.setup(assembler).ok()) << c.name;
    Status status = c.step(assembler);
    ASSERT_FALSE(status.ok()) << c.name;
    EXPECT_EQ(status.error().code, ErrorCode::kSequence) << c.name;
    EXPECT_EQ(status.error().kind, c.kind) << c.name;
    EXPECT_FALSE(status.error().reason.empty()) << c.name;
  }
}

TEST(TransactionAssembler, EnforcesTheMemoryBound) {
  TransactionAssembler assembler(4096);
  ASSERT_TRUE(assembler.StreamStart({1, true}).ok());
  Status status;
  int added = 0;
  while ((status = assembler.AddChange("Insert", 1, Event(std::string(100, 'x')))).ok()) ++added;
  EXPECT_GT(added, 0);
  EXPECT_EQ(status.error().code, ErrorCode::kMemoryLimit);
  EXPECT_NE(status.error().reason.find("limit of 4096 bytes"), std::string::npos)
      << status.error().reason;
  EXPECT_LE(assembler.buffered_bytes(), 4096u);
  // Skipped changes of other tables cost nothing more once merged.
  TransactionAssembler small(1024);
  ASSERT_TRUE(small.Begin({Lsn(1), 0, 1}).ok());
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(small.AddChange("Insert", 0, std::nullopt).ok());
  Result<CommittedTransaction> txn = small.Commit({0, Lsn(1), Lsn(2), 0});
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(txn->change_count, 100000u);
}

// Every event of a committed transaction, spilled or not, with ids: "marker@index".
Markers_t AllMarkers(CommittedTransaction& txn) {
  if (txn.spilled) {
    Result<bool> more = true;
    while (more.ok() && *more) more = txn.spilled->Next(3, &txn.events);
    EXPECT_TRUE(more.ok()) << more.error().ToString();
    txn.change_count = txn.spilled->change_count();
  }
  return Markers(txn);
}

TEST(TransactionAssembler, SpillsBeyondTheBoundAndReadsBackInOrder) {
  testing::MemorySpillSpace space;
  TransactionAssembler assembler(2048, &space);
  ASSERT_TRUE(assembler.Begin({Lsn(0x900), 0, 7}).ok());
  Markers_t expected;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(assembler.AddChange("Delete", 0, Event("e" + std::to_string(i))).ok());
    if (i % 10 == 9) {
      ASSERT_TRUE(assembler.AddChange("Delete", 0, std::nullopt).ok());
    }
    EXPECT_LE(assembler.buffered_bytes(), 2048u);
  }
  EXPECT_EQ(space.live_files(), 1);
  EXPECT_GT(space.live_bytes(), 0u);
  Result<CommittedTransaction> txn = assembler.Commit({0, Lsn(0x900), Lsn(0x990), 5});
  ASSERT_TRUE(txn.ok()) << txn.error().ToString();
  ASSERT_NE(txn->spilled, nullptr);
  EXPECT_TRUE(txn->events.empty());
  EXPECT_EQ(assembler.buffered_bytes(), 0u);
  EXPECT_EQ(assembler.spilled_transactions(), 1u);
  Markers_t markers = AllMarkers(*txn);
  ASSERT_EQ(markers.size(), 200u);
  int index = 0;
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(markers[i], "e" + std::to_string(i) + "@" + std::to_string(index));
    index += (i % 10 == 9) ? 2 : 1;
  }
  EXPECT_EQ(txn->change_count, 220u);
  EXPECT_EQ(txn->events.back().xid, 7u);
  EXPECT_EQ(txn->events.back().lsn, Lsn(0x900));
  EXPECT_EQ(txn->events.back().timestamp, UnixMicrosFromPg(5));
  // The file is freed as soon as it has been read.
  EXPECT_EQ(space.live_files(), 0);
}

TEST(TransactionAssembler, SpillingNeverChangesWhatIsCommitted) {
  // The same random mix of interleaved streamed transactions, subtransaction aborts, whole
  // aborts and small commits, assembled once in memory and once with a bound that spills: the
  // committed events and their ids must be identical.
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 random(seed);
    testing::MemorySpillSpace space;
    TransactionAssembler in_memory(SIZE_MAX);
    TransactionAssembler spilling(1500, &space);
    auto both = [&](const std::function<Status(TransactionAssembler&)>& step) {
      Status a = step(in_memory);
      Status b = step(spilling);
      ASSERT_TRUE(a.ok()) << a.error().ToString();
      ASSERT_TRUE(b.ok()) << b.error().ToString();
    };
    std::vector<uint32_t> open;
    uint32_t next_xid = 100;
    uint64_t lsn = 0x1000;
    int marker = 0;
    for (int step = 0; step < 300; ++step) {
      int action = static_cast<int>(random() % 10);
      if (action < 5 || open.empty()) {
        uint32_t xid =
            open.empty() || random() % 4 == 0 ? next_xid++ : open[random() % open.size()];
        bool first = std::find(open.begin(), open.end(), xid) == open.end();
        if (first) open.push_back(xid);
        both([&](TransactionAssembler& a) { return a.StreamStart({xid, first}); });
        int changes = 1 + static_cast<int>(random() % 30);
        for (int c = 0; c < changes; ++c) {
          uint32_t subxid = random() % 3 == 0 ? xid + 10000 + random() % 3 : xid;
          std::optional<OrderEvent> event;
          if (random() % 5 != 0) event = Event("m" + std::to_string(marker++));
          both([&](TransactionAssembler& a) { return a.AddChange("Insert", subxid, event); });
        }
        both([&](TransactionAssembler& a) { return a.StreamStop(); });
      } else if (action < 7) {
        uint32_t xid = open[random() % open.size()];
        uint32_t subxid = random() % 2 == 0 ? xid : xid + 10000 + random() % 3;
        both([&](TransactionAssembler& a) { return a.StreamAbort({xid, subxid}); });
        if (subxid == xid) std::erase(open, xid);
      } else if (action < 8) {
        ++lsn;
        both([&](TransactionAssembler& a) { return a.Begin({Lsn(lsn), 0, next_xid}); });
        both([&](TransactionAssembler& a) {
          return a.AddChange("Insert", 0, Event("s" + std::to_string(marker)));
        });
        ++marker;
        ++next_xid;
        Result<CommittedTransaction> a = in_memory.Commit({0, Lsn(lsn), Lsn(lsn), 0});
        Result<CommittedTransaction> b = spilling.Commit({0, Lsn(lsn), Lsn(lsn), 0});
        ASSERT_TRUE(a.ok() && b.ok());
        EXPECT_EQ(AllMarkers(*a), AllMarkers(*b));
      } else {
        size_t pick = random() % open.size();
        uint32_t xid = open[pick];
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(pick));
        ++lsn;
        Result<CommittedTransaction> a = in_memory.StreamCommit({xid, 0, Lsn(lsn), Lsn(lsn), 0});
        Result<CommittedTransaction> b = spilling.StreamCommit({xid, 0, Lsn(lsn), Lsn(lsn), 0});
        ASSERT_TRUE(a.ok()) << a.error().ToString();
        ASSERT_TRUE(b.ok()) << b.error().ToString();
        EXPECT_EQ(AllMarkers(*a), AllMarkers(*b)) << "seed " << seed << " xid " << xid;
        EXPECT_EQ(a->change_count, b->change_count);
      }
      EXPECT_LE(spilling.buffered_bytes(), 1500u);
    }
    EXPECT_GT(spilling.spilled_transactions(), 0u) << "seed " << seed << " never spilled";
  }
}

TEST(TransactionAssembler, AbortedSpilledTransactionFreesItsFile) {
  testing::MemorySpillSpace space;
  TransactionAssembler assembler(1024, &space);
  ASSERT_TRUE(assembler.StreamStart({5, true}).ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(assembler.AddChange("Insert", 5, Event("x")).ok());
  ASSERT_TRUE(assembler.StreamStop().ok());
  EXPECT_EQ(space.live_files(), 1);
  ASSERT_TRUE(assembler.StreamAbort({5, 5}).ok());
  EXPECT_EQ(space.live_files(), 0);
  EXPECT_EQ(space.live_bytes(), 0u);
  EXPECT_EQ(assembler.buffered_bytes(), 0u);
}

TEST(TransactionAssembler, SpillLimitIsAClearError) {
  testing::MemorySpillSpace space(4000);
  TransactionAssembler assembler(1024, &space);
  ASSERT_TRUE(assembler.Begin({Lsn(0x77), 0, 9}).ok());
  Status status;
  for (int i = 0; i < 1000 && status.ok(); ++i) {
    status = assembler.AddChange("Delete", 0, Event(std::string(50, 'y')));
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kSpillLimit);
  EXPECT_NE(status.error().reason.find("xid 9"), std::string::npos) << status.error().reason;
  EXPECT_EQ(status.error().kind, "Delete");
}

}  // namespace
}  // namespace walcast::decoder
