#include "decoder/relation_cache.h"

namespace walcast::decoder {

const RelationInfo& RelationCache::Apply(const RelationMessage& message) {
  RelationInfo info;
  info.id = message.relation_id;
  info.namespace_name =
      message.namespace_name.empty() ? "pg_catalog" : std::string(message.namespace_name);
  info.name = std::string(message.name);
  info.replica_identity = message.replica_identity;
  info.columns.reserve(message.columns.size());
  for (const RelationColumn& column : message.columns) {
    RelationInfo::Column& stored = info.columns.emplace_back();
    stored.name = std::string(column.name);
    stored.type_oid = column.type_oid;
    stored.type_modifier = column.type_modifier;
    stored.key = column.key;
    stored.value_kind = ValueKindOf(column.type_oid);
    AppendJsonString(column.name, &stored.json_key);
    stored.json_key.push_back(':');
    info.json_keys_size += stored.json_key.size();
  }
  RelationInfo& slot = relations_[message.relation_id];
  slot = std::move(info);
  return slot;
}

const RelationInfo* RelationCache::Find(uint32_t relation_id) const {
  auto it = relations_.find(relation_id);
  return it == relations_.end() ? nullptr : &it->second;
}

}  // namespace walcast::decoder
