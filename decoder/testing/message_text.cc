#include "decoder/testing/message_text.h"

#include <sstream>
#include <type_traits>

namespace walcast::decoder::testing {
namespace {

std::string TupleText(const TupleData& tuple) {
  std::string out = "[";
  bool first = true;
  for (ColumnValue value : tuple) {
    if (!first) out += ",";
    first = false;
    out += static_cast<char>(value.kind);
    if (value.kind == ColumnKind::kText || value.kind == ColumnKind::kBinary) {
      out += "\"" + std::string(value.data) + "\"";
    }
  }
  return out + "]";
}

std::string OldKindText(OldTupleKind kind) {
  return kind == OldTupleKind::kNone ? "none" : std::string(1, static_cast<char>(kind));
}

}  // namespace

std::string MessageText(const Message& message) {
  std::ostringstream out;
  std::visit(
      [&out](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, BeginMessage>) {
          out << "Begin final_lsn=" << m.final_lsn.ToString() << " commit_time=" << m.commit_time
              << " xid=" << m.xid;
        } else if constexpr (std::is_same_v<T, CommitMessage>) {
          out << "Commit flags=" << int{m.flags} << " commit_lsn=" << m.commit_lsn.ToString()
              << " end_lsn=" << m.end_lsn.ToString() << " commit_time=" << m.commit_time;
        } else if constexpr (std::is_same_v<T, OriginMessage>) {
          out << "Origin commit_lsn=" << m.commit_lsn.ToString() << " name=" << m.name;
        } else if constexpr (std::is_same_v<T, RelationMessage>) {
          out << "Relation xid=" << m.stream_xid << " relation=" << m.relation_id << " "
              << m.namespace_name << "." << m.name
              << " identity=" << static_cast<char>(m.replica_identity) << " columns=[";
          for (size_t i = 0; i < m.columns.size(); ++i) {
            const RelationColumn& c = m.columns[i];
            out << (i ? "," : "") << (c.key ? "*" : "") << c.name << ":" << c.type_oid << "/"
                << c.type_modifier;
          }
          out << "]";
        } else if constexpr (std::is_same_v<T, TypeMessage>) {
          out << "Type xid=" << m.stream_xid << " oid=" << m.type_oid << " " << m.namespace_name
              << "." << m.name;
        } else if constexpr (std::is_same_v<T, InsertMessage>) {
          out << "Insert xid=" << m.stream_xid << " relation=" << m.relation_id
              << " new=" << TupleText(m.new_tuple);
        } else if constexpr (std::is_same_v<T, UpdateMessage>) {
          out << "Update xid=" << m.stream_xid << " relation=" << m.relation_id
              << " old=" << OldKindText(m.old_kind);
          if (m.old_kind != OldTupleKind::kNone) out << TupleText(m.old_tuple);
          out << " new=" << TupleText(m.new_tuple);
        } else if constexpr (std::is_same_v<T, DeleteMessage>) {
          out << "Delete xid=" << m.stream_xid << " relation=" << m.relation_id
              << " old=" << OldKindText(m.old_kind) << TupleText(m.old_tuple);
        } else if constexpr (std::is_same_v<T, TruncateMessage>) {
          out << "Truncate xid=" << m.stream_xid << " options=" << int{m.options} << " relations=[";
          for (size_t i = 0; i < m.relation_ids.size(); ++i) {
            out << (i ? "," : "") << m.relation_ids[i];
          }
          out << "]";
        } else if constexpr (std::is_same_v<T, LogicalMessage>) {
          out << "Message xid=" << m.stream_xid << " transactional=" << m.transactional
              << " lsn=" << m.lsn.ToString() << " prefix=" << m.prefix << " content=" << m.content;
        } else if constexpr (std::is_same_v<T, StreamStartMessage>) {
          out << "StreamStart xid=" << m.xid << " first=" << m.first_segment;
        } else if constexpr (std::is_same_v<T, StreamStopMessage>) {
          out << "StreamStop";
        } else if constexpr (std::is_same_v<T, StreamCommitMessage>) {
          out << "StreamCommit xid=" << m.xid << " flags=" << int{m.flags}
              << " commit_lsn=" << m.commit_lsn.ToString() << " end_lsn=" << m.end_lsn.ToString()
              << " commit_time=" << m.commit_time;
        } else if constexpr (std::is_same_v<T, StreamAbortMessage>) {
          out << "StreamAbort xid=" << m.xid << " subxid=" << m.subxid;
        }
      },
      message);
  return out.str();
}

}  // namespace walcast::decoder::testing
