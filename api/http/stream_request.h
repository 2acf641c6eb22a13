// What a stream request (GET /api/events, the /ws upgrade) asks for: the stream token, where to
// start (`from`, or the Last-Event-ID header: an event id or a REST read's stream position) and
// the filters (docs/contract.md §4, §9), plus the address's stream slot. No socket: HttpSession
// sends what this decides.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/http/respond.h"
#include "api/stream/client_stream.h"
#include "api/stream/connection_limiter.h"
#include "api/stream/stream_context.h"
#include "api/stream/stream_filter.h"
#include "decoder/event_id.h"

namespace walcast::api {

struct StreamRequest {
  StreamFrom from;  // an event id, or a REST read's stream position (docs/contract.md §9)
  StreamFilter filter;
  AccessGrant grant;  // what the stream's token allows
  std::unique_ptr<ConnectionLimiter::Slot> slot;
  // A malformed `from` or filter: SSE answers this 400; WebSocket upgrades and then sends
  // `reason` as an `error` and closes with 1008 (a browser cannot read a refused handshake).
  std::optional<Response> invalid;
  std::string reason;
};

// A request refused before it becomes a stream (a wrong token, too many streams from the
// address): the response to send instead.
struct RefusedStream {
  Response response;
};

// Checks the token, parses `from` and the filters, and takes one of `peer_address`'s stream
// slots (released when the StreamRequest's slot is).
std::variant<StreamRequest, RefusedStream> ParseStreamRequest(const Request& request,
                                                              const StreamContext& stream,
                                                              const std::string& peer_address);

// The filter parameters of a query string (`status=a,b&order_id=1,2&operation=insert`,
// `table=customers&filter=customers:country=eq.DE&filter=...`, checked against `catalog`);
// unknown parameters are ignored. Returns an error message for a malformed value and leaves `out`
// as it was.
std::optional<std::string> StreamFilterFromQuery(std::string_view query,
                                                 const decoder::CatalogTables& catalog,
                                                 StreamFilter* out);

}  // namespace walcast::api
