#include "decoder/relation_cache.h"

#include <gtest/gtest.h>

#include "decoder/pgoutput_reader.h"
#include "decoder/testing/pgoutput_encoder.h"

namespace walcast::decoder {
namespace {

namespace t = testing;

RelationMessage Read(const std::string& bytes) {
  Result<Message> message = ReadMessage(bytes, false);
  EXPECT_TRUE(message.ok());
  return std::get<RelationMessage>(*message);
}

TEST(RelationCache, StoresColumnsTypesAndKeys) {
  RelationCache cache;
  const std::string bytes =
      t::Relation(16385, "public", "orders", 'd', {{"id", 23, true}, {"status", 1043, false, 54}});
  const RelationInfo& stored = cache.Apply(Read(bytes));
  const RelationInfo* found = cache.Find(16385);
  ASSERT_EQ(found, &stored);
  EXPECT_EQ(found->namespace_name, "public");
  EXPECT_EQ(found->name, "orders");
  EXPECT_EQ(found->replica_identity, ReplicaIdentity::kDefault);
  ASSERT_EQ(found->columns.size(), 2u);
  EXPECT_EQ(found->columns[0].name, "id");
  EXPECT_TRUE(found->columns[0].key);
  EXPECT_EQ(found->columns[0].value_kind, ValueKind::kNumber);
  EXPECT_EQ(found->columns[0].json_key, "\"id\":");
  EXPECT_EQ(found->columns[1].type_oid, 1043u);
  EXPECT_EQ(found->columns[1].type_modifier, 54);
  EXPECT_FALSE(found->columns[1].key);
  EXPECT_EQ(found->columns[1].value_kind, ValueKind::kText);
  EXPECT_EQ(found->json_keys_size, 5u + 9u);
}

TEST(RelationCache, OutlivesTheMessageBuffer) {
  RelationCache cache;
  {
    std::string bytes = t::Relation(1, "s", "t", 'f', {{"c", 25}});
    cache.Apply(Read(bytes));
    bytes.assign(bytes.size(), 'x');
  }
  EXPECT_EQ(cache.Find(1)->columns[0].name, "c");
}

TEST(RelationCache, ReplacesDefinitionAfterAlterTable) {
  RelationCache cache;
  cache.Apply(Read(t::Relation(1, "public", "orders", 'f', {{"id", 23, true}})));
  cache.Apply(Read(t::Relation(1, "public", "orders", 'f', {{"id", 23, true}, {"note", 25}})));
  ASSERT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Find(1)->columns.size(), 2u);
  EXPECT_EQ(cache.Find(1)->columns[1].name, "note");
}

TEST(RelationCache, EmptyNamespaceMeansPgCatalog) {
  RelationCache cache;
  cache.Apply(Read(t::Relation(2, "", "pg_thing", 'n', {})));
  EXPECT_EQ(cache.Find(2)->namespace_name, "pg_catalog");
}

TEST(RelationCache, UnknownIdIsNotFound) {
  RelationCache cache;
  EXPECT_EQ(cache.Find(99), nullptr);
  cache.Apply(Read(t::Relation(1, "s", "t", 'd', {})));
  EXPECT_EQ(cache.Find(99), nullptr);
  cache.Clear();
  EXPECT_EQ(cache.Find(1), nullptr);
}

}  // namespace
}  // namespace walcast::decoder
