#include "decoder/normalizer.h"

#include <gtest/gtest.h>

#include <deque>

#include "decoder/pgoutput_reader.h"
#include "decoder/testing/pgoutput_encoder.h"

namespace walcast::decoder {
namespace {

namespace t = testing;
using Names = std::vector<std::string>;

constexpr char kRow1[] =
    R"({"id":1,"customer_name":"Alice","product_name":"Laptop","status":"pending",)"
    R"("created_at":"2026-11-24T10:45:54.991053Z","updated_at":"2026-11-24T10:45:54.991053Z"})";

class NormalizerTest : public ::testing::Test {
 protected:
  void SetUp() override { Define(t::OrdersRelation()); }

  void Define(const std::string& bytes) {
    Result<Message> message = ReadMessage(bytes, false);
    ASSERT_TRUE(message.ok());
    cache_.Apply(std::get<RelationMessage>(*message));
  }

  template <typename T>
  T Read(const std::string& bytes) {
    bytes_.push_back(bytes);  // messages are views: keep their bytes
    Result<Message> message = ReadMessage(bytes_.back(), false);
    EXPECT_TRUE(message.ok()) << message.error().ToString();
    return std::get<T>(*message);
  }

  const RelationInfo& Orders() { return *cache_.Find(t::kOrdersRelationId); }

  Normalizer normalizer_;
  RelationCache cache_;
  std::deque<std::string> bytes_;
};

TEST_F(NormalizerTest, SelectsConfiguredTablesOnly) {
  EXPECT_TRUE(normalizer_.Selects(Orders()));
  Define(t::Relation(2, "other", "orders", 'f', t::OrdersColumns()));
  Define(t::Relation(3, "public", "customers", 'f', t::OrdersColumns()));
  EXPECT_FALSE(normalizer_.Selects(*cache_.Find(2)));
  EXPECT_FALSE(normalizer_.Selects(*cache_.Find(3)));
  Normalizer both({{"public", "orders"}, {"public", "customers"}});
  EXPECT_TRUE(both.Selects(*cache_.Find(3)));
  Normalizer every(std::vector<TableName>{});  // --tables '*'
  EXPECT_TRUE(every.Selects(*cache_.Find(2)));
  EXPECT_TRUE(every.Selects(*cache_.Find(3)));
}

TEST_F(NormalizerTest, EventsCarryTheSchemaAndTheReplicaIdentity) {
  Define(t::Relation(4, "sales", "invoices", 'd', t::OrdersColumns()));
  Normalizer every(std::vector<TableName>{});
  auto message = Read<InsertMessage>(t::Insert(4, t::OrdersRow(1)));
  Result<OrderEvent> event = every.Insert(message, *cache_.Find(4));
  ASSERT_TRUE(event.ok()) << event.error().ToString();
  EXPECT_EQ(event->table, "invoices");
  EXPECT_EQ(event->schema, "sales");
  EXPECT_EQ(event->replica_identity, ReplicaIdentity::kDefault);
  EXPECT_EQ(EventName(*event), "sales.invoices:insert");
  Result<OrderEvent> orders = normalizer_.Insert(message, Orders());
  ASSERT_TRUE(orders.ok());
  EXPECT_EQ(orders->schema, "public");
  EXPECT_EQ(orders->replica_identity, ReplicaIdentity::kFull);
}

TEST_F(NormalizerTest, InsertTypesEveryValue) {
  auto message = Read<InsertMessage>(t::Insert(t::kOrdersRelationId, t::OrdersRow(1)));
  Result<OrderEvent> event = normalizer_.Insert(message, Orders());
  ASSERT_TRUE(event.ok()) << event.error().ToString();
  EXPECT_EQ(event->operation, Operation::kInsert);
  EXPECT_EQ(event->table, "orders");
  EXPECT_EQ(event->data->json(), kRow1);
  EXPECT_FALSE(event->old.has_value());
  EXPECT_FALSE(event->changed.has_value());
  EXPECT_TRUE(event->unchanged.empty());
  EXPECT_FALSE(event->lsn.has_value());  // set at commit
}

TEST_F(NormalizerTest, InsertWritesNullsAndConvertsZones) {
  auto message = Read<InsertMessage>(t::Insert(
      t::kOrdersRelationId, {t::Text("2"), t::Text("Bob \"B\""), t::Null(), t::Text("shipped"),
                             t::Text("2026-11-24 16:15:54.5+05:30"), t::Null()}));
  Result<OrderEvent> event = normalizer_.Insert(message, Orders());
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->data->json(),
            R"({"id":2,"customer_name":"Bob \"B\"","product_name":null,"status":"shipped",)"
            R"("created_at":"2026-11-24T10:45:54.500000Z","updated_at":null})");
}

TEST_F(NormalizerTest, UpdateWithFullOldRowListsChangedColumns) {
  t::Tuple old_row = t::OrdersRow(1);
  t::Tuple new_row = t::OrdersRow(1, "Alice", "Laptop", "shipped", "2026-11-24 10:45:54.991053+00",
                                  "2026-11-24 11:00:00+00");
  auto message = Read<UpdateMessage>(t::Update(t::kOrdersRelationId, 'O', old_row, new_row));
  Result<OrderEvent> event = normalizer_.Update(message, Orders());
  ASSERT_TRUE(event.ok()) << event.error().ToString();
  EXPECT_EQ(event->operation, Operation::kUpdate);
  EXPECT_EQ(event->old->json(), kRow1);
  EXPECT_EQ(event->data->Find("status"), "\"shipped\"");
  EXPECT_EQ(event->data->Find("updated_at"), "\"2026-11-24T11:00:00.000000Z\"");
  EXPECT_EQ(event->changed, (Names{"status", "updated_at"}));
  EXPECT_TRUE(event->unchanged.empty());
}

// Past 64 columns the normalizer notes how the old row gets each column on the heap: the same
// rows as for a narrow relation, with equal values copied, changed and unknown ones right.
TEST_F(NormalizerTest, UpdateOfAWideRelationWithFullOldRow) {
  constexpr int kColumns = 70;
  std::vector<t::Column> columns;
  t::Tuple old_row;
  t::Tuple new_row;
  for (int i = 0; i < kColumns; ++i) {
    columns.push_back({"c" + std::to_string(i), i % 3 == 0 ? 23u : 25u, true});
    old_row.push_back(t::Text(std::to_string(i)));
  }
  new_row = old_row;
  new_row[5] = t::Text("500");
  new_row[66] = t::Null();
  new_row[68] = t::Unchanged();  // the old row has it
  new_row[69] = t::Unchanged();  // and here neither has
  old_row[69] = t::Unchanged();
  Define(t::Relation(9, "public", "orders", 'f', columns));
  auto message = Read<UpdateMessage>(t::Update(9, 'O', old_row, new_row));
  Result<OrderEvent> event = normalizer_.Update(message, *cache_.Find(9));
  ASSERT_TRUE(event.ok()) << event.error().ToString();

  const auto json = [](int i, const std::string& text) {
    return i % 3 == 0 ? text : "\"" + text + "\"";
  };
  std::string data = "{";
  std::string old = "{";
  for (int i = 0; i < kColumns - 1; ++i) {
    const std::string key = (i > 0 ? ",\"c" : "\"c") + std::to_string(i) + "\":";
    data += key + (i == 5 ? json(i, "500") : i == 66 ? "null" : json(i, std::to_string(i)));
    old += key + json(i, std::to_string(i));
  }
  EXPECT_EQ(event->data->json(), data + "}");
  EXPECT_EQ(event->old->json(), old + "}");
  EXPECT_EQ(event->changed, (Names{"c5", "c66"}));
  EXPECT_EQ(event->unchanged, (Names{"c69"}));
  EXPECT_EQ(event->old->Find("c68"), "\"68\"");
}

TEST_F(NormalizerTest, UpdateCountsNullTransitionsAsChanges) {
  t::Tuple old_row = t::OrdersRow(1);
  t::Tuple new_row = old_row;
  new_row[2] = t::Null();
  auto message = Read<UpdateMessage>(t::Update(t::kOrdersRelationId, 'O', old_row, new_row));
  Result<OrderEvent> event = normalizer_.Update(message, Orders());
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->changed, (Names{"product_name"}));
}

TEST_F(NormalizerTest, UnchangedToastIsFilledFromTheOldRow) {
  const std::string big(10000, 'p');
  t::Tuple old_row = t::OrdersRow(1, "Alice", big);
  t::Tuple new_row = t::OrdersRow(1, "Alice", "", "shipped");
  new_row[2] = t::Unchanged();
  auto message = Read<UpdateMessage>(t::Update(t::kOrdersRelationId, 'O', old_row, new_row));
  Result<OrderEvent> event = normalizer_.Update(message, Orders());
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->data->Find("product_name"), "\"" + big + "\"");
  EXPECT_EQ(event->changed, (Names{"status"}));
  EXPECT_TRUE(event->unchanged.empty());
}

TEST_F(NormalizerTest, UnchangedToastWithoutOldRowIsListed) {
  Define(t::Relation(7, "public", "orders", 'd',
                     {{"id", 23, true}, {"product_name", 25}, {"status", 1043}}));
  auto message =
      Read<UpdateMessage>(t::Update(7, 0, {}, {t::Text("1"), t::Unchanged(), t::Text("shipped")}));
  Result<OrderEvent> event = normalizer_.Update(message, *cache_.Find(7));
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->data->json(), R"({"id":1,"status":"shipped"})");
  EXPECT_EQ(event->unchanged, (Names{"product_name"}));
  EXPECT_FALSE(event->old.has_value());
  EXPECT_FALSE(event->changed.has_value());  // unknown without the old row
}

TEST_F(NormalizerTest, KeyFormOldRowHasOnlyKeyColumns) {
  Define(t::Relation(7, "public", "orders", 'd',
                     {{"id", 23, true}, {"product_name", 25}, {"status", 1043}}));
  auto message = Read<UpdateMessage>(t::Update(7, 'K', {t::Text("1"), t::Null(), t::Null()},
                                               {t::Text("2"), t::Unchanged(), t::Text("x")}));
  Result<OrderEvent> event = normalizer_.Update(message, *cache_.Find(7));
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->old->json(), R"({"id":1})");
  EXPECT_EQ(event->data->json(), R"({"id":2,"status":"x"})");
  EXPECT_EQ(event->unchanged, (Names{"product_name"}));
  EXPECT_FALSE(event->changed.has_value());
}

TEST_F(NormalizerTest, DeleteCarriesTheDeletedRowAsData) {
  auto message = Read<DeleteMessage>(t::Delete(t::kOrdersRelationId, 'O', t::OrdersRow(1)));
  Result<OrderEvent> event = normalizer_.Delete(message, Orders());
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->operation, Operation::kDelete);
  EXPECT_EQ(event->data->json(), kRow1);
  EXPECT_FALSE(event->old.has_value());
}

TEST_F(NormalizerTest, DeleteWithKeyShowsTheKey) {
  Define(t::Relation(7, "public", "orders", 'd', {{"id", 23, true}, {"status", 1043}}));
  auto message = Read<DeleteMessage>(t::Delete(7, 'K', {t::Text("5"), t::Null()}));
  Result<OrderEvent> event = normalizer_.Delete(message, *cache_.Find(7));
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->data->json(), R"({"id":5})");
}

TEST_F(NormalizerTest, TruncateHasNoRows) {
  OrderEvent event = normalizer_.Truncate(Orders());
  EXPECT_EQ(event.operation, Operation::kTruncate);
  EXPECT_EQ(event.table, "orders");
  EXPECT_FALSE(event.data.has_value());
}

TEST_F(NormalizerTest, RejectsBinaryValues) {
  t::Tuple row = t::OrdersRow(1);
  row[0] = t::Binary(std::string("\0\0\0\1", 4));
  auto message = Read<InsertMessage>(t::Insert(t::kOrdersRelationId, row));
  Result<OrderEvent> event = normalizer_.Insert(message, Orders());
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(event.error().field, "new_tuple");
  EXPECT_EQ(event.error().offset, 6u);
}

TEST_F(NormalizerTest, ChecksColumnCount) {
  t::Tuple row = t::OrdersRow(1);
  row.push_back(t::Text("extra"));
  auto message = Read<InsertMessage>(t::Insert(t::kOrdersRelationId, row));
  Status status = Normalizer::CheckTuple(message.new_tuple, Orders(), "Insert", "new_tuple");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kSchemaMismatch);
  EXPECT_EQ(status.error().offset, 6u);
  EXPECT_EQ(status.error().reason, "tuple has 7 columns, relation public.orders (id 16385) has 6");
  row.resize(5);
  auto fewer = Read<InsertMessage>(t::Insert(t::kOrdersRelationId, row));
  EXPECT_FALSE(Normalizer::CheckTuple(fewer.new_tuple, Orders(), "Insert", "new_tuple").ok());
}

}  // namespace
}  // namespace walcast::decoder
