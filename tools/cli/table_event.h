// Change events of any streamed table (`customers:insert`, `sales.invoices:update`, …) for
// `walcast tail`: recognising them among the stream's frames and the terminal line that names
// the event. Pure; unit-tested in table_event_test.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tools/cli/stream_message.h"

namespace walcast::cli {

// Whether `event` names a change: "<table or schema.table>:<insert|update|delete|truncate>".
bool IsChangeEvent(std::string_view event);

// ParseStreamMessage, with the change events of every table (not only orders) as kChange and
// their data.id as the id; nullopt for a malformed frame or a change event without an id.
std::optional<StreamMessage> ParseTailMessage(std::string_view frame);

// One line (no newline) for a terminal, led by the commit time and the event name:
//   10:45:54.991  orders:update      #42     shipped     Ada · Laptop  (status pending → shipped)
//   10:45:55.002  customers:insert   id=7 name="Ada L" country=DE
//   10:45:56.120  customers:truncate  the customers table was emptied
// Orders keep their columns; another table shows its row as column=value (a delete's row is
// what the server sends: the key columns only unless REPLICA IDENTITY FULL) and an update what
// changed when the old row is known. Control characters in values are escaped, so a value cannot
// move the cursor or recolour the terminal. ANSI colours when `color`. A frame of another shape
// is returned as is.
std::string EventLine(std::string_view frame, bool color);

}  // namespace walcast::cli
