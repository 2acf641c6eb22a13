// RelationCache: relation id -> the table's definition, from pgoutput Relation messages.
//
// pgoutput sends a Relation message before the first change to a table in a session and again
// after its definition changes (ALTER TABLE mid-stream); a later message replaces the earlier one.
// A change naming an id not defined here is an error for the caller to raise: its columns cannot
// be named. Not thread-safe; owned by one StreamDecoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "decoder/pgoutput_message.h"
#include "decoder/value_format.h"

namespace walcast::decoder {

struct RelationInfo {
  struct Column {
    std::string name;
    uint32_t type_oid = 0;
    int32_t type_modifier = -1;
    bool key = false;  // part of the replica identity (every column under REPLICA IDENTITY FULL)
    ValueKind value_kind = ValueKind::kText;
    std::string json_key;  // the name as a JSON object key, quoted and escaped, with the ':'
  };

  uint32_t id = 0;
  std::string namespace_name;  // "pg_catalog" when pgoutput sends it empty
  std::string name;
  ReplicaIdentity replica_identity = ReplicaIdentity::kDefault;
  std::vector<Column> columns;
  size_t json_keys_size = 0;  // sum of the columns' json_key sizes, for reserving row buffers
};

class RelationCache {
 public:
  // Stores the definition, replacing any earlier one with the same id; returns the stored entry.
  const RelationInfo& Apply(const RelationMessage& message);

  // The definition of `relation_id`, or nullptr if none was received. The pointer stays valid
  // until the next Apply for the same id or Clear.
  const RelationInfo* Find(uint32_t relation_id) const;

  size_t size() const { return relations_.size(); }
  void Clear() { relations_.clear(); }

 private:
  std::unordered_map<uint32_t, RelationInfo> relations_;
};

}  // namespace walcast::decoder
