// Client-side checks and request bodies for `walcast orders` and the shell. The rules are the
// server's (docs/contract.md §3), checked here too where it is cheap, so a typo gets its message
// without a round trip; the server stays the authority. Pure; unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace walcast::cli {

inline const std::vector<std::string> kOrderStatuses = {"pending", "shipped", "delivered"};

// nullopt when valid; otherwise the message, phrased like the server's.
std::optional<std::string> CheckOrderId(const std::string& text);  // positive int4
std::optional<std::string> CheckName(const std::string& field, const std::string& text);
std::optional<std::string> CheckStatus(const std::string& text);

// Leading and trailing whitespace removed, as the server does before checking the length.
std::string Trim(const std::string& text);

struct OrderFields {
  std::optional<std::string> customer_name;
  std::optional<std::string> product_name;
  std::optional<std::string> status;
};

// JSON bodies: {"customer_name":…,"product_name":…,"status":…} with only the fields given, and
// {"order_ids":[…],"status":…}. Ids must have passed CheckOrderId.
std::string OrderBody(const OrderFields& fields);
std::string BulkStatusBody(const std::vector<std::string>& ids, const std::string& status);

// The query of GET /api/orders ("?status=shipped&limit=10"; "" when nothing is set).
struct ListFilter {
  std::string status;
  std::string customer_name;
  std::optional<int> limit;
  std::optional<int> offset;
};
std::string ListQuery(const ListFilter& filter);

}  // namespace walcast::cli
