// StreamFilter: which events one client wants (CONTRACT.md §4): by order id, status and
// operation, from the query string (`status=a,b&order_id=1,2&operation=insert`) or from
// `subscribe`/`unsubscribe` messages. An empty criterion matches everything; criteria combine
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

#include "stream_event.h"

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

  // Parses the filter parameters of a query string; unknown parameters are ignored.
  static std::optional<std::string> FromQuery(std::string_view query, StreamFilter* out);

 private:
  std::set<int64_t> order_ids_;
  std::set<std::string> statuses_;
  std::set<Operation> operations_;
};

}  // namespace walcast::api
