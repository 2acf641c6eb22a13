// What a client whose token restricts its rows (api/stream/access_grant.h) receives of an event,
// so that it holds exactly the rows it may see, whatever the transport:
//
//   insert, delete        as is when the row is allowed; nothing otherwise
//   update, both rows in  as is
//   update, row leaves    the delete of the old row (the client drops what it may no longer see;
//                         the new row, which it may not see, is not sent)
//   update, row enters    the insert of the new row (the old row, which it could not see, is
//                         not sent)
//   update, neither       nothing
//   truncate              as is: every row is gone, the client's included, and no row is named
//
// An update without its old row (a table without REPLICA IDENTITY FULL; walcast's schema sets
// it) is judged by its new row. The other forms keep the event's id, so resume and exactly-once
// work as for everyone; they are built once per event and shared (RestrictedForms in
// api/stream/stream_event.h).
//
// Pure; thread-safe (the cache is filled under std::call_once).
#pragma once

#include "api/stream/access_grant.h"
#include "api/stream/stream_event.h"

namespace walcast::api {

// `event` itself, another form of it, or null when the client must not see it.
StreamEventPtr RestrictedView(const StreamEventPtr& event, const RowRestriction& rows);

}  // namespace walcast::api
