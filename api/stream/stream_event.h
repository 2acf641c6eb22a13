// StreamEvent: one change event as every client receives it, serialized once and shared by all
// sessions (WebSocket and SSE) through shared_ptr<const StreamEvent>. Immutable after creation,
// apart from `restricted`, a cache filled once, thread-safely, on first use.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/stream/websocket_frame.h"
#include "decoder/event_id.h"
#include "decoder/lsn.h"
#include "decoder/order_event.h"

namespace walcast::api {

using decoder::Operation;

// What the orders filters look at (docs/contract.md §4): a subscriber to a status also sees an
// order leave it, so both the new and the old row's values are kept. Set for events of the orders
// table only; other tables' events never match an order id or a status.
struct EventKeys {
  Operation operation = Operation::kInsert;
  std::optional<int64_t> order_id;      // new row (old row for delete)
  std::optional<int64_t> old_order_id;  // old row, when there is one
  std::optional<std::string> status;
  std::optional<std::string> old_status;
};

struct StreamEvent;

// What clients with a row restriction (api/stream/restricted_view.h) need beyond the shared form:
// the customer of each row, and an update in the form of the delete of a row that leaves the
// restriction or of the insert of one that enters it. Built once, by the first restricted client
// that looks at the event, and shared by all; an event nobody restricted looks at never pays.
// A copied event starts with an empty cache (it is rebuilt from the copy's own json).
struct RestrictedForms {
  RestrictedForms() = default;
  RestrictedForms(const RestrictedForms&) {}
  RestrictedForms& operator=(const RestrictedForms&) { return *this; }

  std::once_flag once;
  std::optional<std::string> customer;      // the new row's customer_name (the deleted row's)
  std::optional<std::string> old_customer;  // the old row's, when there is one
  std::shared_ptr<const StreamEvent> as_delete;
  std::shared_ptr<const StreamEvent> as_insert;
};

struct StreamEvent {
  decoder::EventId id;
  std::string name;  // "orders:insert", the SSE `event:` and the frame's "event"
  std::string json;  // {"event":name,"data":{...}}, the WebSocket text frame and SSE `data:`
  WebSocketFrameHeader ws_header;  // the text frame header for `json`, shared by all sessions
  EventKeys keys;
  // The table as events and filters name it: "orders", "sales.invoices" (docs/tables.md).
  std::string table;
  // The rows a column filter (api/stream/column_filter.h) reads: the new row (the deleted row for
  // a delete) and the old row, when the event has them. On the node that decoded the event they
  // share the decoder's block (no copy); elsewhere they are rebuilt from `json` (event_rows.h).
  std::optional<decoder::Row> row;
  std::optional<decoder::Row> old_row;
  uint32_t xid = 0;  // the transaction's (pgoutput's 32-bit xid; 0 in NOTIFY mode)
  // The Socket.IO form (docs/contract.md §7), also built once for every session: the Engine.IO
  // message of an EVENT packet whose last argument is the event id as the recovery offset,
  // 42["orders:update",{...},"<id>"]. Its first `socketio_head` bytes stop before the id, for a
  // socket whose offsets say more (api/socketio/socketio_offset.h).
  std::string socketio;
  std::size_t socketio_head = 0;
  WebSocketFrameHeader socketio_ws_header;
  mutable RestrictedForms restricted;
};

using StreamEventPtr = std::shared_ptr<const StreamEvent>;

// The two parts of a {"event":<name>,"data":<data>} message (a change event's `json`, a control
// message): the name as its JSON string token (quotes included) and the data's JSON text. Views
// into `json`; nullopt when it is not that shape.
struct EnvelopeParts {
  std::string_view name_json;
  std::string_view data_json;
};
std::optional<EnvelopeParts> SplitEnvelope(std::string_view json);

// Fills `event.socketio` (and its head size and frame header) from its json and id; leaves them
// empty if the json is not an envelope.
void AddSocketIoText(StreamEvent& event);

// Serializes a decoded event once (decoder::SerializeEvent) and extracts its filter keys.
// `server_time` is the RFC 3339 send time shared by the events of one transaction.
StreamEventPtr MakeStreamEvent(const decoder::OrderEvent& event, std::string_view server_time);

// The events of one committed transaction, in commit order, or of one part of it: a large
// transaction is published in consecutive parts with the same commit and end LSN, `complete` only
// on the last. `end_lsn` is what the slot is acknowledged with once the whole transaction may be
// forgotten.
struct PublishedTransaction {
  decoder::Lsn commit_lsn;
  decoder::Lsn end_lsn;
  std::vector<StreamEventPtr> events;
  bool complete = true;
};

// Bytes an event holds in the replay window (its frame text dominates).
inline std::size_t RetainedBytes(const StreamEvent& event) {
  return sizeof(StreamEvent) + event.json.size() + event.name.size() + event.socketio.size() +
         (event.row ? event.row->ApproxBytes() : 0) +
         (event.old_row ? event.old_row->ApproxBytes() : 0);
}

}  // namespace walcast::api
