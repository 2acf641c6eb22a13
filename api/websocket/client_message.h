// What a WebSocket client may send (docs/contract.md §4), parsed without I/O:
//   {"event":"subscribe","data":{"orderIds":[1,2],"statuses":["pending"],"operations":["update"],
//                               "tables":["customers"],"filters":["customers:country=eq.DE"]}}
//   {"event":"unsubscribe","data":{...same shape...}}
//   {"event":"ping","data":<anything>}
//   {"event":"auth","data":{"token":"<a fresh token>"}}   (refresh before the current one expires)
// Anything else is an error with a short reason for the client's `error` frame. Pure.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/stream/stream_filter.h"
#include "decoder/table_catalog.h"

namespace walcast::api {

struct SubscribeMessage {
  StreamFilter filter;
};
struct UnsubscribeMessage {
  StreamFilter filter;               // orderIds, statuses, operations
  std::vector<std::string> tables;   // as given: removed by name (StreamFilter::RemoveNamed), so
  std::vector<std::string> filters;  // that what the catalog no longer has can be removed too
};
struct PingMessage {
  std::string payload_json;  // `data` as sent ("null" when absent), echoed in the pong
};
struct AuthMessage {
  std::string token;
};
struct ClientMessageError {
  std::string reason;
};

using ClientMessage = std::variant<SubscribeMessage, UnsubscribeMessage, PingMessage, AuthMessage,
                                   ClientMessageError>;

// `catalog`: the streamed tables, against which `tables` and `filters` are checked.
ClientMessage ParseClientMessage(std::string_view text, const decoder::CatalogTables& catalog);

// The `tables` (["customers"]) or `filters` (["customers:country=eq.DE"]) member of a subscribe's
// data, by `key`, added to `out`; an error message for a value that is not an array of valid
// names or predicates. Also for Socket.IO's subscribe and CONNECT auth payload.
std::optional<std::string> AddTableCriteria(std::string_view key, const rapidjson::Value& value,
                                            const decoder::CatalogTables& catalog,
                                            StreamFilter* out);

// The strings of an unsubscribe's `tables` or `filters` member (`key`), appended to `out`
// unchecked against the catalog; an error message when it is not an array of strings.
std::optional<std::string> TableCriteriaTexts(std::string_view key, const rapidjson::Value& value,
                                              std::vector<std::string>* out);

// The token of an `auth` message's data ({"token":"..."}); nullopt when it has none.
std::optional<std::string> AuthToken(const rapidjson::Value* data);

// {"event":"auth","data":{"expiresAt":<Unix seconds or null>}}: a refresh was accepted.
std::string AuthAcceptedMessage(std::optional<int64_t> expires_at);

// {"event":"pong","data":{"timestamp":<payload>,"serverTime":"..."}}
std::string PongMessage(std::string_view payload_json, std::string_view server_time);

}  // namespace walcast::api
