#include "testing/feed.h"

#include "event_serializer.h"

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
    const CommittedTransaction& txn = **result;
    lines.push_back("commit xid=" + std::to_string(txn.xid) + " lsn=" + txn.commit_lsn.ToString() +
                    " end=" + txn.end_lsn.ToString() +
                    " changes=" + std::to_string(txn.change_count) +
                    " events=" + std::to_string(txn.events.size()));
    for (const OrderEvent& event : txn.events) lines.push_back(SerializeEvent(event, kServerTime));
  }
  return lines;
}

}  // namespace walcast::decoder::testing
