// Test-only: builds pgoutput messages and walsender frames byte for byte the way PostgreSQL 15
// writes them (src/backend/replication/logical/proto.c, walsender.c), so tests, benchmarks and the
// fuzzer's seed corpus can state inputs as values. `stream_xid` is written only when non-zero, as
// proto.c does inside a stream block. Never linked into the daemon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace walcast::decoder::testing {

// A big-endian byte builder.
class ByteWriter {
 public:
  ByteWriter& U8(uint8_t value);
  ByteWriter& U16(uint16_t value);
  ByteWriter& U32(uint32_t value);
  ByteWriter& U64(uint64_t value);
  ByteWriter& CString(std::string_view text);  // text plus NUL
  ByteWriter& Bytes(std::string_view bytes);
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

struct Value {
  char kind = 'n';  // 'n' null, 'u' unchanged TOAST, 't' text, 'b' binary
  std::string data;
};
inline Value Text(std::string text) { return Value{'t', std::move(text)}; }
inline Value Null() { return Value{'n', {}}; }
inline Value Unchanged() { return Value{'u', {}}; }
inline Value Binary(std::string bytes) { return Value{'b', std::move(bytes)}; }
using Tuple = std::vector<Value>;

struct Column {
  std::string name;
  uint32_t type_oid = 25;
  bool key = false;
  int32_t type_modifier = -1;
};

std::string Begin(uint64_t final_lsn, int64_t commit_time, uint32_t xid);
std::string Commit(uint64_t commit_lsn, uint64_t end_lsn, int64_t commit_time, uint8_t flags = 0);
std::string Origin(uint64_t commit_lsn, std::string_view name);
std::string Relation(uint32_t relation_id, std::string_view namespace_name, std::string_view name,
                     char replica_identity, const std::vector<Column>& columns,
                     uint32_t stream_xid = 0);
std::string Type(uint32_t type_oid, std::string_view namespace_name, std::string_view name,
                 uint32_t stream_xid = 0);
std::string Insert(uint32_t relation_id, const Tuple& new_tuple, uint32_t stream_xid = 0);
// old_kind: 0 (no old tuple), 'K' or 'O'.
std::string Update(uint32_t relation_id, char old_kind, const Tuple& old_tuple,
                   const Tuple& new_tuple, uint32_t stream_xid = 0);
std::string Delete(uint32_t relation_id, char old_kind, const Tuple& old_tuple,
                   uint32_t stream_xid = 0);
std::string Truncate(const std::vector<uint32_t>& relation_ids, uint8_t options,
                     uint32_t stream_xid = 0);
std::string LogicalMessage(bool transactional, uint64_t lsn, std::string_view prefix,
                           std::string_view content, uint32_t stream_xid = 0);
std::string StreamStart(uint32_t xid, bool first_segment);
std::string StreamStop();
std::string StreamCommit(uint32_t xid, uint64_t commit_lsn, uint64_t end_lsn, int64_t commit_time,
                         uint8_t flags = 0);
std::string StreamAbort(uint32_t xid, uint32_t subxid);

std::string XLogDataFrame(uint64_t data_start, uint64_t wal_end, int64_t send_time,
                          std::string_view message);
std::string KeepaliveFrame(uint64_t wal_end, int64_t send_time, bool reply_requested);

// The orders table of docs/contract.md §1 (public.orders, REPLICA IDENTITY FULL, key `id`).
inline constexpr uint32_t kOrdersRelationId = 16385;
std::vector<Column> OrdersColumns();
std::string OrdersRelation(uint32_t relation_id = kOrdersRelationId, uint32_t stream_xid = 0);
// A row as PostgreSQL's text output writes it.
Tuple OrdersRow(int id, std::string customer = "Alice", std::string product = "Laptop",
                std::string status = "pending",
                std::string created_at = "2026-11-24 10:45:54.991053+00",
                std::string updated_at = "2026-11-24 10:45:54.991053+00");

}  // namespace walcast::decoder::testing
