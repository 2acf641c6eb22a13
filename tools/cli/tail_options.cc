#include "tools/cli/tail_options.h"

#include <charconv>

#include "decoder/event_id.h"
#include "tools/cli/endpoint.h"

namespace walcast::cli {
namespace {

const std::vector<std::string> kStatuses = {"pending", "shipped", "delivered"};
const std::vector<std::string> kOperations = {"insert", "update", "delete", "truncate"};

std::string Join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

bool OneOf(const std::string& value, const std::vector<std::string>& allowed) {
  for (const auto& a : allowed) {
    if (a == value) return true;
  }
  return false;
}

// The server takes order ids within int4 (docs/contract.md §3): the same rule here.
bool IsOrderId(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 1 &&
         value <= 2147483647 && text[0] != '+';
}

}  // namespace

std::optional<OutputFormat> ParseOutputFormat(const std::string& text) {
  if (text == "json") return OutputFormat::kJson;
  if (text == "pretty") return OutputFormat::kPretty;
  return std::nullopt;
}

std::optional<std::string> ValidateTailOptions(const TailOptions& options) {
  for (const auto& status : options.statuses) {
    if (!OneOf(status, kStatuses)) {
      return "--status: '" + status + "' is not one of " + Join(kStatuses);
    }
  }
  for (const auto& operation : options.operations) {
    if (!OneOf(operation, kOperations)) {
      return "--operation: '" + operation + "' is not one of " + Join(kOperations);
    }
  }
  for (const auto& id : options.order_ids) {
    if (!IsOrderId(id)) return "--order-id: '" + id + "' is not a positive integer (int4)";
  }
  if (!options.from.empty() && !decoder::EventId::Parse(options.from) &&
      !IsStreamPosition(options.from)) {
    return "--from: '" + options.from +
           "' is neither an event id like 0000000001A3F2C8-00000003 nor a streamPosition from a "
           "REST read";
  }
  if (options.timeout_seconds < 0) return "--timeout: must be 0 (none) or more seconds";
  if (options.retry_for_seconds < 0) return "--retry-for: must be 0 (no retry) or more seconds";
  return std::nullopt;
}

bool IsStreamPosition(std::string_view text) {
  // The server checks the rest (api/stream/stream_position.h); a damaged one gets its error.
  return text.starts_with("P1_");
}

std::string StreamTarget(const TailOptions& options, const std::string& cursor) {
  std::string target = options.sse ? "/api/events" : "/ws";
  std::vector<std::pair<std::string, std::string>> params;
  if (!cursor.empty()) params.emplace_back("from", cursor);
  if (!options.statuses.empty()) params.emplace_back("status", Join(options.statuses));
  if (!options.order_ids.empty()) params.emplace_back("order_id", Join(options.order_ids));
  if (!options.operations.empty()) params.emplace_back("operation", Join(options.operations));
  char separator = '?';
  for (const auto& [name, value] : params) {
    target += separator + name + "=" + PercentEncode(value);
    separator = '&';
  }
  return target;
}

}  // namespace walcast::cli
