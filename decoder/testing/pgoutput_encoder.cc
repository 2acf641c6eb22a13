#include "decoder/testing/pgoutput_encoder.h"

namespace walcast::decoder::testing {
namespace {

void PutStreamXid(ByteWriter& w, uint32_t stream_xid) {
  if (stream_xid != 0) w.U32(stream_xid);
}

void PutTuple(ByteWriter& w, const Tuple& tuple) {
  w.U16(static_cast<uint16_t>(tuple.size()));
  for (const Value& value : tuple) {
    w.U8(static_cast<uint8_t>(value.kind));
    if (value.kind == 't' || value.kind == 'b') {
      w.U32(static_cast<uint32_t>(value.data.size())).Bytes(value.data);
    }
  }
}

}  // namespace

ByteWriter& ByteWriter::U8(uint8_t value) {
  out_.push_back(static_cast<char>(value));
  return *this;
}
ByteWriter& ByteWriter::U16(uint16_t value) { return U8(value >> 8).U8(value & 0xFF); }
ByteWriter& ByteWriter::U32(uint32_t value) {
  return U16(static_cast<uint16_t>(value >> 16)).U16(value & 0xFFFF);
}
ByteWriter& ByteWriter::U64(uint64_t value) {
  return U32(static_cast<uint32_t>(value >> 32)).U32(value & 0xFFFFFFFF);
}
ByteWriter& ByteWriter::CString(std::string_view text) { return Bytes(text).U8(0); }
ByteWriter& ByteWriter::Bytes(std::string_view bytes) {
  out_.append(bytes);
  return *this;
}

std::string Begin(uint64_t final_lsn, int64_t commit_time, uint32_t xid) {
  return ByteWriter().U8('B').U64(final_lsn).U64(commit_time).U32(xid).str();
}

std::string Commit(uint64_t commit_lsn, uint64_t end_lsn, int64_t commit_time, uint8_t flags) {
  return ByteWriter().U8('C').U8(flags).U64(commit_lsn).U64(end_lsn).U64(commit_time).str();
}

std::string Origin(uint64_t commit_lsn, std::string_view name) {
  return ByteWriter().U8('O').U64(commit_lsn).CString(name).str();
}

std::string Relation(uint32_t relation_id, std::string_view namespace_name, std::string_view name,
                     char replica_identity, const std::vector<Column>& columns,
                     uint32_t stream_xid) {
  ByteWriter w;
  w.U8('R');
  PutStreamXid(w, stream_xid);
  w.U32(relation_id).CString(namespace_name).CString(name).U8(replica_identity);
  w.U16(static_cast<uint16_t>(columns.size()));
  for (const Column& column : columns) {
    w.U8(column.key ? 1 : 0).CString(column.name).U32(column.type_oid);
    w.U32(static_cast<uint32_t>(column.type_modifier));
  }
  return w.str();
}

std::string Type(uint32_t type_oid, std::string_view namespace_name, std::string_view name,
                 uint32_t stream_xid) {
  ByteWriter w;
  w.U8('Y');
  PutStreamXid(w, stream_xid);
  return w.U32(type_oid).CString(namespace_name).CString(name).str();
}

std::string Insert(uint32_t relation_id, const Tuple& new_tuple, uint32_t stream_xid) {
  ByteWriter w;
  w.U8('I');
  PutStreamXid(w, stream_xid);
  w.U32(relation_id).U8('N');
  PutTuple(w, new_tuple);
  return w.str();
}

std::string Update(uint32_t relation_id, char old_kind, const Tuple& old_tuple,
                   const Tuple& new_tuple, uint32_t stream_xid) {
  ByteWriter w;
  w.U8('U');
  PutStreamXid(w, stream_xid);
  w.U32(relation_id);
  if (old_kind != 0) {
    w.U8(static_cast<uint8_t>(old_kind));
    PutTuple(w, old_tuple);
  }
  w.U8('N');
  PutTuple(w, new_tuple);
  return w.str();
}

std::string Delete(uint32_t relation_id, char old_kind, const Tuple& old_tuple,
                   uint32_t stream_xid) {
  ByteWriter w;
  w.U8('D');
  PutStreamXid(w, stream_xid);
  w.U32(relation_id).U8(static_cast<uint8_t>(old_kind));
  PutTuple(w, old_tuple);
  return w.str();
}

std::string Truncate(const std::vector<uint32_t>& relation_ids, uint8_t options,
                     uint32_t stream_xid) {
  ByteWriter w;
  w.U8('T');
  PutStreamXid(w, stream_xid);
  w.U32(static_cast<uint32_t>(relation_ids.size())).U8(options);
  for (uint32_t id : relation_ids) w.U32(id);
  return w.str();
}

std::string LogicalMessage(bool transactional, uint64_t lsn, std::string_view prefix,
                           std::string_view content, uint32_t stream_xid) {
  ByteWriter w;
  w.U8('M');
  PutStreamXid(w, stream_xid);
  w.U8(transactional ? 1 : 0).U64(lsn).CString(prefix);
  return w.U32(static_cast<uint32_t>(content.size())).Bytes(content).str();
}

std::string StreamStart(uint32_t xid, bool first_segment) {
  return ByteWriter().U8('S').U32(xid).U8(first_segment ? 1 : 0).str();
}

std::string StreamStop() { return ByteWriter().U8('E').str(); }

std::string StreamCommit(uint32_t xid, uint64_t commit_lsn, uint64_t end_lsn, int64_t commit_time,
                         uint8_t flags) {
  return ByteWriter()
      .U8('c')
      .U32(xid)
      .U8(flags)
      .U64(commit_lsn)
      .U64(end_lsn)
      .U64(commit_time)
      .str();
}

std::string StreamAbort(uint32_t xid, uint32_t subxid) {
  return ByteWriter().U8('A').U32(xid).U32(subxid).str();
}

std::string XLogDataFrame(uint64_t data_start, uint64_t wal_end, int64_t send_time,
                          std::string_view message) {
  return ByteWriter().U8('w').U64(data_start).U64(wal_end).U64(send_time).Bytes(message).str();
}

std::string KeepaliveFrame(uint64_t wal_end, int64_t send_time, bool reply_requested) {
  return ByteWriter().U8('k').U64(wal_end).U64(send_time).U8(reply_requested ? 1 : 0).str();
}

std::vector<Column> OrdersColumns() {
  // With REPLICA IDENTITY FULL, pgoutput flags every column as part of the identity.
  return {
      {"id", 23, true},
      {"customer_name", 1043, true, 259},
      {"product_name", 1043, true, 259},
      {"status", 1043, true, 54},
      {"created_at", 1184, true},
      {"updated_at", 1184, true},
  };
}

std::string OrdersRelation(uint32_t relation_id, uint32_t stream_xid) {
  return Relation(relation_id, "public", "orders", 'f', OrdersColumns(), stream_xid);
}

Tuple OrdersRow(int id, std::string customer, std::string product, std::string status,
                std::string created_at, std::string updated_at) {
  return {Text(std::to_string(id)), Text(std::move(customer)),   Text(std::move(product)),
          Text(std::move(status)),  Text(std::move(created_at)), Text(std::move(updated_at))};
}

}  // namespace walcast::decoder::testing
