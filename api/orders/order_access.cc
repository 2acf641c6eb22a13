#include "api/orders/order_access.h"

namespace walcast::api::orders {
namespace {

Invalid Forbidden(std::string error) {
  return Invalid{http::status::forbidden, std::move(error), {}};
}

}  // namespace

std::optional<Invalid> CheckScope(http::verb method, const AccessGrant& grant) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
      if (!grant.read) return Forbidden("token lacks the read scope");
      break;
    case http::verb::post:
    case http::verb::put:
    case http::verb::patch:
    case http::verb::delete_:
      if (!grant.write) return Forbidden("token lacks the write scope");
      break;
    default:
      break;
  }
  return std::nullopt;
}

Invalid OutsideRows() { return Forbidden("outside this token's rows"); }

std::optional<Invalid> CheckCreate(const RowRestriction& rows, const OrderFields& fields) {
  if (rows.order_ids) return OutsideRows();
  if (rows.customer && fields.customer_name != rows.customer) return OutsideRows();
  return std::nullopt;
}

std::optional<Invalid> CheckUpdate(const RowRestriction& rows, const OrderFields& fields) {
  if (rows.customer && fields.customer_name && *fields.customer_name != *rows.customer) {
    return OutsideRows();
  }
  return std::nullopt;
}

std::optional<Invalid> CheckBulkIds(const RowRestriction& rows, const std::vector<int32_t>& ids) {
  if (!rows.order_ids) return std::nullopt;
  for (int32_t id : ids) {
    if (!rows.order_ids->contains(id)) return OutsideRows();
  }
  return std::nullopt;
}

std::vector<std::optional<std::string>> RestrictionParams(const RowRestriction& rows) {
  std::optional<std::string> ids;
  if (rows.order_ids) {
    ids = "{";
    for (int64_t id : *rows.order_ids) {
      if (ids->size() > 1) ids->push_back(',');
      ids->append(std::to_string(id));
    }
    ids->push_back('}');
  }
  return {std::move(ids), rows.customer};
}

}  // namespace walcast::api::orders
