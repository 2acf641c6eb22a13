// StreamFilter: which events one client wants (docs/contract.md §4): by order id, status and
// operation, from the query string (api/http/stream_request.h) or from `subscribe`/`unsubscribe`
// messages. An empty criterion matches everything; criteria combine
// with AND, values within one with OR. An event matches a status or order id when its new or its
// old row does, so a status subscriber also sees an order leave that status.
//
// Pure value type; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "api/stream/stream_event.h"

namespace walcast::api {

class StreamFilter {
 public:
  bool Matches(const EventKeys& keys) const;
  bool Empty() const { return order_ids_.empty() && statuses_.empty() && operations_.empty(); }

  // Each returns an error message for a malformed value and changes nothing then.
  std::optional<std::string> AddOrderIds(std::string_view comma_list);
  std::optional<std::string> AddStatuses(std::string_view comma_list);
  std::optional<std::string> AddOperations(std::string_view comma_list);

  void Add(const StreamFilter& other);     // subscribe: union per criterion
  void Remove(const StreamFilter& other);  // unsubscribe: difference per criterion

  const std::set<int64_t>& order_ids() const { return order_ids_; }
  const std::set<std::string>& statuses() const { return statuses_; }
  const std::set<Operation>& operations() const { return operations_; }

 private:
  std::set<int64_t> order_ids_;
  std::set<std::string> statuses_;
  std::set<Operation> operations_;
};

}  // namespace walcast::api
