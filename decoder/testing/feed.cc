#include "decoder/testing/feed.h"

#include "decoder/event_serializer.h"

namespace walcast::decoder::testing {

std::vector<std::string> Feed(StreamDecoder& decoder, const std::vector<std::string>& messages) {
  std::vector<std::string> lines;
  for (const std::string& message : messages) {
    Result<std::optional<CommittedTransaction>> result = decoder.Feed(message);
    if (!result.ok()) {
      lines.push_back("error: " + result.error().ToString());
      break;
    }
    if (!*result) continue;
    CommittedTransaction& txn = **result;
    if (txn.spilled) {
      // A spilled transaction renders like any other: every event, read back in batches.
      Result<bool> more = true;
      while (more.ok() && *more) more = txn.spilled->Next(7, &txn.events);
      if (!more.ok()) {
        lines.push_back("error: " + more.error().ToString());
        break;
      }
      txn.change_count = txn.spilled->change_count();
    }
    lines.push_back("commit xid=" + std::to_string(txn.xid) + " lsn=" + txn.commit_lsn.ToString() +
                    " end=" + txn.end_lsn.ToString() +
                    " changes=" + std::to_string(txn.change_count) +
                    " events=" + std::to_string(txn.events.size()));
    for (const OrderEvent& event : txn.events) lines.push_back(SerializeEvent(event, kServerTime));
  }
  return lines;
}

}  // namespace walcast::decoder::testing
