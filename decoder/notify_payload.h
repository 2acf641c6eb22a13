// NotifyPayloadParser: the compatibility source's pg_notify('orders_change', payload) ->
// OrderEvent.
//
// The payload is the original app's JSON: {"operation":"INSERT"|"UPDATE"|"DELETE","table":"orders",
// "data":{row; the old row for DELETE},"timestamp":<epoch seconds, maybe fractional>}. Anything
// else is rejected with a reason (kBadPayload): malformed JSON, another table, an unknown
// operation, non-object data, a missing key. Row values are re-typed per docs/contract.md §2 using
// the configured column types (row_to_json writes timestamps as "...+00:00" and numeric as
// numbers), so NOTIFY events look like replication events; columns without a configured type keep
// their JSON form. The event has lsn, xid, old and changed null; its id is the caller's (a per-run
// counter). Const after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "decoder/decode_error.h"
#include "decoder/event_id.h"
#include "decoder/order_event.h"

namespace walcast::decoder {

struct NotifyPayloadOptions {
  std::string table = "orders";
  // Column name -> type OID; the default describes docs/contract.md §1's orders table.
  std::unordered_map<std::string, uint32_t> column_types = OrdersColumnTypes();

  static std::unordered_map<std::string, uint32_t> OrdersColumnTypes();
};

class NotifyPayloadParser {
 public:
  explicit NotifyPayloadParser(NotifyPayloadOptions options = {});

  Result<OrderEvent> Parse(std::string_view payload, EventId id) const;

 private:
  NotifyPayloadOptions options_;
};

}  // namespace walcast::decoder
