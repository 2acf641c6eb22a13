#include "api/http/stream_request.h"

#include "api/guard/stream_auth.h"
#include "api/http/json_response.h"
#include "api/http/url.h"

namespace walcast::api {

std::optional<std::string> StreamFilterFromQuery(std::string_view query,
                                                 const decoder::CatalogTables& catalog,
                                                 StreamFilter* out) {
  StreamFilter filter;
  // Each criterion's values; a malformed one is refused, never read as absent, which would widen
  // the stream to what the client asked not to see.
  auto criterion = [&](std::string_view name, auto add) -> std::optional<std::string> {
    auto values = QueryParameters(query, name);
    if (!values) return std::string(name) + ": malformed percent-encoding";
    for (const std::string& value : *values) {
      if (auto error = add(value)) return error;
    }
    return std::nullopt;
  };
  std::optional<std::string> error =
      criterion("order_id", [&](const std::string& v) { return filter.AddOrderIds(v); });
  if (!error)
    error = criterion("status", [&](const std::string& v) { return filter.AddStatuses(v); });
  if (!error) {
    error = criterion("operation", [&](const std::string& v) { return filter.AddOperations(v); });
  }
  if (!error) {
    error = criterion("table", [&](const std::string& v) { return filter.AddTables(v, catalog); });
  }
  if (!error) {
    error = criterion("filter",
                      [&](const std::string& v) { return filter.AddColumnFilter(v, catalog); });
  }
  if (error) return error;
  *out = std::move(filter);
  return std::nullopt;
}

std::variant<StreamRequest, RefusedStream> ParseStreamRequest(const Request& request,
                                                              const StreamContext& stream,
                                                              const std::string& peer_address) {
  std::string_view query = QueryOf(request.target());
  auto authorized = AuthorizeStream(request, query, stream.authority.get());
  if (auto* refused = std::get_if<Response>(&authorized)) return RefusedStream{std::move(*refused)};
  StreamRequest parsed;
  parsed.grant = std::get<AccessGrant>(std::move(authorized));
  std::optional<std::string> from_text = QueryParameter(query, "from");
  if (!from_text) {
    if (auto header = request.find("Last-Event-ID"); header != request.end()) {
      from_text = std::string(header->value());
    }
  }
  if (from_text && !from_text->empty()) {
    if (StreamPosition::LooksLikePosition(*from_text)) {
      auto position = StreamPosition::Parse(*from_text);
      if (!position.position) {
        parsed.reason = "invalid from: " + position.error;
        parsed.invalid = JsonError(http::status::bad_request, "Invalid stream position",
                                   {{"from", position.error}});
        return parsed;
      }
      parsed.from = std::move(*position.position);
    } else if (auto id = decoder::EventId::Parse(*from_text)) {
      parsed.from = *id;
    } else {
      parsed.reason =
          "invalid from: expected an event id such as 0000000001A3F2C8-00000003 or a "
          "streamPosition";
      parsed.invalid = JsonError(
          http::status::bad_request, "Invalid event id",
          {{"from", "expected an event id such as 0000000001A3F2C8-00000003 or a streamPosition"}});
      return parsed;
    }
  }
  if (auto error = StreamFilterFromQuery(query, *stream.tables->Snapshot(), &parsed.filter)) {
    parsed.reason = "invalid stream filter: " + *error;
    parsed.invalid =
        JsonError(http::status::bad_request, "Invalid stream filter", {{"filter", *error}});
    return parsed;
  }
  parsed.slot = stream.limiter->Acquire(peer_address);
  if (!parsed.slot) {
    auto response =
        JsonError(http::status::too_many_requests, "Too many stream connections from this address");
    response.set(http::field::retry_after, "5");
    return RefusedStream{std::move(response)};
  }
  return parsed;
}

}  // namespace walcast::api
