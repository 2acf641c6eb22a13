// The text frame of docs/contract.md §4 for one event, built once and shared by every client (the
// .cc says why it is not written with RapidJSON's Writer):
//
//   {"event":"orders:update","data":{"id":"0000000001A3F2C8-00000003","type":"database_change",
//    "operation":"update","table":"orders","schema":"public",["replicaIdentity":"default",]
//    "data":{...},"old":{...}|null,"changed":[...]|null,
//    ["unchanged":[...],]"timestamp":"2026-11-24T10:45:54.991053Z",
//    "serverTime":"2026-11-24T10:45:55.000120Z","lsn":"0/1A3F2C8"|null,"xid":1234|null}}
//
// The event name is "<schema>.<table>:<operation>" when the schema is not public.
// `replicaIdentity` appears only for a table whose REPLICA IDENTITY is not FULL: its update's `old`
// and its delete's `data` then hold only the key columns. `changed` is an array for updates whose
// whole old row is known, else null; `unchanged` appears only when some column's value is unknown
// (unchanged TOAST without an old row). SSE sends the same frame as `data:`, with `id:` =
// event.id.view() and `event:` = EventName(event). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "decoder/order_event.h"

namespace walcast::decoder {

// `server_time` is the send time as RFC 3339 text (FormatRfc3339 of now), supplied by the caller
// so this stays pure.
std::string SerializeEvent(const OrderEvent& event, std::string_view server_time);

}  // namespace walcast::decoder
