#include "decoder/stream_decoder.h"

#include <gtest/gtest.h>

#include "decoder/pg_time.h"
#include "decoder/testing/feed.h"
#include "decoder/testing/pgoutput_encoder.h"

namespace walcast::decoder {
namespace {

namespace t = testing;
using Lines = std::vector<std::string>;

// 2026-11-24T10:45:54.991053Z as PostgreSQL sends commit times.
constexpr int64_t kCommitTime = 1'795'517'154'991'053 - kPgEpochUnixMicros;
constexpr uint32_t kOrders = t::kOrdersRelationId;
constexpr char kTs[] = "2026-11-24 10:45:54.991053+00";

std::string Row(int id, const std::string& status = "pending",
                const std::string& product = "Laptop") {
  return R"({"id":)" + std::to_string(id) + R"(,"customer_name":"Alice","product_name":")" +
         product + R"(","status":")" + status +
         R"(","created_at":"2026-11-24T10:45:54.991053Z","updated_at":"2026-11-24T10:45:54.991053Z"})";
}

std::string Frame(const std::string& operation, const std::string& id, const std::string& data,
                  const std::string& old, const std::string& changed, const std::string& lsn,
                  uint32_t xid, const std::string& extra = "") {
  return R"({"event":"orders:)" + operation + R"(","data":{"id":")" + id +
         R"(","type":"database_change","operation":")" + operation +
         R"(","table":"orders","schema":"public","data":)" + data + R"(,"old":)" + old +
         R"(,"changed":)" + changed + extra +
         R"(,"timestamp":"2026-11-24T10:45:54.991053Z","serverTime":")" + t::kServerTime +
         R"(","lsn":")" + lsn + R"(","xid":)" + std::to_string(xid) + "}}";
}

TEST(StreamDecoder, DecodesInsertToTheContractFrame) {
  StreamDecoder decoder;
  Lines lines = t::Feed(decoder, {
                                     t::Begin(0x1A3F2C8, kCommitTime, 1234),
                                     t::OrdersRelation(),
                                     t::Insert(kOrders, t::OrdersRow(1)),
                                     t::Commit(0x1A3F2C8, 0x1A3F2F8, kCommitTime),
                                 });
  EXPECT_EQ(
      lines,
      (Lines{
          "commit xid=1234 lsn=0/1A3F2C8 end=0/1A3F2F8 changes=1 events=1",
          Frame("insert", "0000000001A3F2C8-00000000", Row(1), "null", "null", "0/1A3F2C8", 1234),
      }));
}

TEST(StreamDecoder, DecodesUpdateDeleteAndTruncate) {
  StreamDecoder decoder;
  Lines lines = t::Feed(
      decoder, {
                   t::Begin(0x100, kCommitTime, 7),
                   t::OrdersRelation(),
                   t::Relation(900, "public", "audit", 'd', {{"id", 23, true}}),
                   t::Update(kOrders, 'O', t::OrdersRow(1),
                             t::OrdersRow(1, "Alice", "Laptop", "shipped", kTs, kTs)),
                   t::Insert(900, {t::Text("1")}),  // another table: no event, but it has an index
                   t::Delete(kOrders, 'O', t::OrdersRow(2)),
                   t::Truncate({900, kOrders}, 1),
                   t::Commit(0x100, 0x180, kCommitTime),
               });
  EXPECT_EQ(lines,
            (Lines{
                "commit xid=7 lsn=0/100 end=0/180 changes=5 events=3",
                Frame("update", "0000000000000100-00000000", Row(1, "shipped"), Row(1),
                      R"(["status"])", "0/100", 7),
                Frame("delete", "0000000000000100-00000002", Row(2), "null", "null", "0/100", 7),
                Frame("truncate", "0000000000000100-00000004", "null", "null", "null", "0/100", 7),
            }));
}

TEST(StreamDecoder, IgnoresOriginTypeAndLogicalMessages) {
  StreamDecoder decoder;
  Lines lines = t::Feed(decoder, {
                                     t::LogicalMessage(false, 0x50, "walcast", "hello"),
                                     t::Begin(0x100, kCommitTime, 7),
                                     t::Origin(0x100, "upstream"),
                                     t::Type(90001, "public", "mood"),
                                     t::LogicalMessage(true, 0x60, "walcast", "in txn"),
                                     t::Commit(0x100, 0x180, kCommitTime),
                                 });
  EXPECT_EQ(lines, (Lines{"commit xid=7 lsn=0/100 end=0/180 changes=0 events=0"}));
}

TEST(StreamDecoder, StreamedTransactionWithRolledBackSavepoint) {
  StreamDecoder decoder;
  // xid 500 streams in two chunks; its subtransaction 501 (a savepoint) is rolled back; a small
  // transaction commits in between; the stream's own Relation arrives inside the block.
  Lines lines = t::Feed(decoder, {
                                     t::StreamStart(500, true),
                                     t::OrdersRelation(kOrders, 500),
                                     t::Insert(kOrders, t::OrdersRow(1), 500),
                                     t::Insert(kOrders, t::OrdersRow(2), 501),
                                     t::StreamStop(),
                                     t::Begin(0x200, kCommitTime, 600),
                                     t::Insert(kOrders, t::OrdersRow(9)),
                                     t::Commit(0x200, 0x210, kCommitTime),
                                     t::StreamAbort(500, 501),
                                     t::StreamStart(500, false),
                                     t::Insert(kOrders, t::OrdersRow(3), 500),
                                     t::StreamStop(),
                                     t::StreamCommit(500, 0x300, 0x320, kCommitTime),
                                 });
  EXPECT_EQ(lines,
            (Lines{
                "commit xid=600 lsn=0/200 end=0/210 changes=1 events=1",
                Frame("insert", "0000000000000200-00000000", Row(9), "null", "null", "0/200", 600),
                "commit xid=500 lsn=0/300 end=0/320 changes=2 events=2",
                Frame("insert", "0000000000000300-00000000", Row(1), "null", "null", "0/300", 500),
                Frame("insert", "0000000000000300-00000001", Row(3), "null", "null", "0/300", 500),
            }));
}

TEST(StreamDecoder, StreamedAndWholeDecodesGiveTheSameIds) {
  // The slot may send a transaction streamed now and whole after a restart (or the reverse).
  StreamDecoder streamed;
  Lines a = t::Feed(streamed, {
                                  t::StreamStart(500, true),
                                  t::OrdersRelation(kOrders, 500),
                                  t::Insert(kOrders, t::OrdersRow(1), 500),
                                  t::Insert(kOrders, t::OrdersRow(2), 501),
                                  t::Insert(kOrders, t::OrdersRow(3), 500),
                                  t::StreamStop(),
                                  t::StreamAbort(500, 501),
                                  t::StreamCommit(500, 0x300, 0x320, kCommitTime),
                              });
  StreamDecoder whole;
  Lines b = t::Feed(whole, {
                               t::Begin(0x300, kCommitTime, 500),
                               t::OrdersRelation(),
                               t::Insert(kOrders, t::OrdersRow(1)),
                               t::Insert(kOrders, t::OrdersRow(3)),
                               t::Commit(0x300, 0x320, kCommitTime),
                           });
  EXPECT_EQ(a, b);
}

TEST(StreamDecoder, StreamAbortDropsEverything) {
  StreamDecoder decoder;
  Lines lines = t::Feed(decoder, {
                                     t::StreamStart(500, true),
                                     t::OrdersRelation(kOrders, 500),
                                     t::Insert(kOrders, t::OrdersRow(1), 500),
                                     t::StreamStop(),
                                     t::StreamAbort(500, 500),
                                     t::Begin(0x400, kCommitTime, 501),
                                     t::Insert(kOrders, t::OrdersRow(2)),
                                     t::Commit(0x400, 0x410, kCommitTime),
                                 });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "commit xid=501 lsn=0/400 end=0/410 changes=1 events=1");
  EXPECT_EQ(decoder.assembler().open_streamed_transactions(), 0u);
}

TEST(StreamDecoder, AlterTableMidTransactionRendersEachChangeWithItsSchema) {
  StreamDecoder decoder;
  std::vector<t::Column> altered = t::OrdersColumns();
  altered.push_back({"priority", 23, true});
  t::Tuple row2 = t::OrdersRow(2);
  row2.push_back(t::Text("5"));
  Lines lines = t::Feed(decoder, {
                                     t::Begin(0x500, kCommitTime, 9),
                                     t::OrdersRelation(),
                                     t::Insert(kOrders, t::OrdersRow(1)),
                                     t::Relation(kOrders, "public", "orders", 'f', altered),
                                     t::Insert(kOrders, row2),
                                     t::Commit(0x500, 0x580, kCommitTime),
                                 });
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[1].find(Row(1)), std::string::npos);
  std::string row2_json = Row(2);
  row2_json.insert(row2_json.size() - 1, R"(,"priority":5)");
  EXPECT_NE(lines[2].find(row2_json), std::string::npos) << lines[2];
  // And the old definition no longer fits.
  Lines after = t::Feed(decoder, {
                                     t::Begin(0x600, kCommitTime, 10),
                                     t::Insert(kOrders, t::OrdersRow(3)),
                                 });
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0],
            "error: Insert.new_tuple at offset 6: schema mismatch: tuple has 6 columns, relation "
            "public.orders (id 16385) has 7");
}

TEST(StreamDecoder, UnchangedToastListedWhenTheOldRowLacksIt) {
  StreamDecoder decoder;
  t::Tuple new_row = t::OrdersRow(1, "Alice", "", "shipped");
  new_row[2] = t::Unchanged();
  Lines lines =
      t::Feed(decoder, {
                           t::Begin(0x100, kCommitTime, 7),
                           t::Relation(kOrders, "public", "orders", 'd', t::OrdersColumns()),
                           t::Update(kOrders, 0, {}, new_row),
                           t::Commit(0x100, 0x180, kCommitTime),
                       });
  ASSERT_EQ(lines.size(), 2u);
  std::string expected = Frame(
      "update", "0000000000000100-00000000",
      R"({"id":1,"customer_name":"Alice","status":"shipped",)"
      R"("created_at":"2026-11-24T10:45:54.991053Z","updated_at":"2026-11-24T10:45:54.991053Z"})",
      "null", "null", "0/100", 7, R"(,"unchanged":["product_name"])");
  // REPLICA IDENTITY DEFAULT ('d'): the event says only the key is known of old rows.
  const std::string schema = R"("schema":"public",)";
  expected.insert(expected.find(schema) + schema.size(), R"("replicaIdentity":"default",)");
  EXPECT_EQ(lines[1], expected);
}

TEST(StreamDecoder, SelectsConfiguredTables) {
  StreamDecoder decoder(StreamDecoderOptions{{{"sales", "orders"}}});
  Lines lines = t::Feed(decoder, {
                                     t::Begin(0x100, kCommitTime, 7),
                                     t::OrdersRelation(),
                                     t::Relation(2, "sales", "orders", 'f', t::OrdersColumns()),
                                     t::Insert(kOrders, t::OrdersRow(1)),
                                     t::Insert(2, t::OrdersRow(2)),
                                     t::Commit(0x100, 0x180, kCommitTime),
                                 });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find(R"("id":"0000000000000100-00000001")"), std::string::npos);
  EXPECT_NE(lines[1].find(R"("data":{"id":2,)"), std::string::npos);
}

struct ErrorCase {
  std::string name;
  std::vector<std::string> messages;
  std::string error;
};

TEST(StreamDecoder, ReportsErrorsWithKindFieldAndOffset) {
  t::Tuple extra = t::OrdersRow(1);
  extra.push_back(t::Text("x"));
  const ErrorCase cases[] = {
      {"UnknownRelation",
       {t::Begin(1, 0, 1), t::Insert(77, {t::Text("1")})},
       "Insert.relation_id at offset 1: unknown relation: no Relation message defined relation "
       "id 77"},
      {"UnknownRelationInStream",
       {t::StreamStart(5, true), t::Delete(77, 'K', {t::Text("1")}, 5)},
       "Delete.relation_id at offset 5: unknown relation: no Relation message defined relation "
       "id 77"},
      {"UnknownRelationInTruncate",
       {t::OrdersRelation(), t::Begin(1, 0, 1), t::Truncate({kOrders, 78}, 0)},
       "Truncate.relation_id at offset 10: unknown relation: no Relation message defined "
       "relation id 78"},
      {"MoreColumnsThanTheRelation",
       {t::OrdersRelation(), t::Begin(1, 0, 1), t::Insert(kOrders, extra)},
       "Insert.new_tuple at offset 6: schema mismatch: tuple has 7 columns, relation "
       "public.orders (id 16385) has 6"},
      {"OldTupleMismatch",
       {t::OrdersRelation(), t::Begin(1, 0, 1),
        t::Update(kOrders, 'O', {t::Text("1")}, t::OrdersRow(1))},
       "Update.old_tuple at offset 6: schema mismatch: tuple has 1 columns, relation "
       "public.orders (id 16385) has 6"},
      {"ChangeOutsideTransaction",
       {t::OrdersRelation(), t::Insert(kOrders, t::OrdersRow(1))},
       "Insert at offset 0: out of sequence: change outside a transaction or stream block"},
      {"CorruptMessage",
       {std::string("I\0\0", 3)},
       "Insert.relation_id at offset 1: truncated: need 4 bytes, 2 left"},
      {"TwoPhase",
       {"b"},
       "BeginPrepare.tag at offset 0: unsupported: two-phase commit messages are not supported; "
       "start replication without the two_phase option"},
  };
  for (const ErrorCase& c : cases) {
    StreamDecoder decoder;
    Lines lines = t::Feed(decoder, c.messages);
    ASSERT_FALSE(lines.empty()) << c.name;
    EXPECT_EQ(lines.back(), "error: " + c.error) << c.name;
  }
}

TEST(StreamDecoder, MemoryBoundStopsHugeTransactions) {
  StreamDecoder decoder(StreamDecoderOptions{{{"public", "orders"}}, 64 * 1024});
  std::vector<std::string> messages = {t::Begin(1, 0, 1), t::OrdersRelation()};
  for (int i = 0; i < 1000; ++i) messages.push_back(t::Insert(kOrders, t::OrdersRow(i)));
  Lines lines = t::Feed(decoder, messages);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("memory limit"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace walcast::decoder
