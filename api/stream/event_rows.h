// The table and rows of an event known only by its serialized form: a cluster member serving an
// event it read back from Redis (cluster/stream_entry.h) rebuilds what column filters read
// (StreamEvent::table, row, old_row) from the event's JSON, once per event, instead of keeping
// them twice in the stream. Pure.
#pragma once

#include "api/stream/stream_event.h"

namespace walcast::api {

// Sets `event.table` from the payload's `schema` and `table` (from its name,
// "sales.invoices:update" → "sales.invoices", when they are missing) and `row` / `old_row` from the
// payload's `data` and `old` objects. Leaves them unset where the JSON does not have that shape (a
// filter then sees no row, as for a truncate).
void AddRowsFromJson(StreamEvent& event);

}  // namespace walcast::api
