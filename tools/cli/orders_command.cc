#include "tools/cli/orders_command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "tools/cli/exit_codes.h"
#include "tools/cli/order_view.h"
#include "tools/cli/rest_client.h"

namespace walcast::cli {

OrdersCommand::OrdersCommand(CLI::App& app) {
  orders_ = app.add_subcommand("orders", "Read and change orders through the REST API");
  orders_->require_subcommand(1);
  orders_->fallthrough();
  orders_->add_flag("--json", json_, "Print the server's JSON response as is (for scripts)");

  list_ = orders_->add_subcommand("list", "List orders, newest update first");
  list_->add_option("--status", filter_.status, "Only this status");
  list_->add_option("--customer", filter_.customer_name, "Customer name contains (any case)");
  list_->add_option("--limit", filter_.limit, "1..1000 (server default 50)");
  list_->add_option("--offset", filter_.offset, "Skip this many");

  get_ = orders_->add_subcommand("get", "Show one order");
  get_->add_option("id", id_, "Order id")->required();

  create_ = orders_->add_subcommand("create", "Create an order");
  create_->add_option("--customer", customer_, "Customer name (1..255 characters)")->required();
  create_->add_option("--product", product_, "Product name (1..255 characters)")->required();
  create_->add_option("--status", status_, "pending (default), shipped or delivered");

  update_ = orders_->add_subcommand("update", "Change any of an order's fields");
  update_->add_option("id", id_, "Order id")->required();
  update_->add_option("--customer", customer_, "New customer name");
  update_->add_option("--product", product_, "New product name");
  update_->add_option("--status", status_, "New status");

  delete_ = orders_->add_subcommand("delete", "Delete an order (prints the deleted row)");
  delete_->add_option("id", id_, "Order id")->required();

  stats_ = orders_->add_subcommand("stats", "Counts by status, customers, last update");

  bulk_ = orders_->add_subcommand("bulk-status", "Set the status of up to 1000 orders at once");
  bulk_->add_option("--status", status_, "The new status")->required();
  bulk_->add_option("ids", ids_, "Order ids")->required()->delimiter(',');
}

bool OrdersCommand::Parsed() const { return orders_->parsed(); }

namespace {

// Which checks apply to the fields given; the first failure is the usage error.
std::optional<std::string> CheckFields(const OrderFields& fields) {
  if (fields.customer_name) {
    if (auto e = CheckName("customer_name", *fields.customer_name)) return e;
  }
  if (fields.product_name) {
    if (auto e = CheckName("product_name", *fields.product_name)) return e;
  }
  if (fields.status) return CheckStatus(*fields.status);
  return std::nullopt;
}

}  // namespace

int OrdersCommand::Run(const ClientOptions& client) {
  auto usage = [](const std::string& message) {
    std::cerr << "walcast orders: " << message << std::endl;
    return kExitUsage;
  };
  std::string method = "GET";
  std::string target;
  std::string body;
  std::string (*view)(const std::string&) = OrderDetails;

  OrderFields fields;
  for (CLI::App* command : {create_, update_}) {
    if (!command->parsed()) continue;
    if (command->count("--customer")) fields.customer_name = customer_;
    if (command->count("--product")) fields.product_name = product_;
    if (command->count("--status")) fields.status = status_;
  }

  if (get_->parsed() || update_->parsed() || delete_->parsed()) {
    if (auto e = CheckOrderId(id_)) return usage(*e);
  }
  if (list_->parsed()) {
    if (!filter_.status.empty()) {
      if (auto e = CheckStatus(filter_.status)) return usage(*e);
    }
    if (filter_.limit && (*filter_.limit < 1 || *filter_.limit > 1000)) {
      return usage("--limit must be between 1 and 1000");
    }
    if (filter_.offset && *filter_.offset < 0) return usage("--offset must be 0 or more");
    target = "/api/orders" + ListQuery(filter_);
    view = OrderTable;
  } else if (get_->parsed()) {
    target = "/api/orders/" + id_;
  } else if (create_->parsed()) {
    if (auto e = CheckFields(fields)) return usage(*e);
    method = "POST";
    target = "/api/orders";
    body = OrderBody(fields);
  } else if (update_->parsed()) {
    if (!fields.customer_name && !fields.product_name && !fields.status) {
      return usage("update needs at least one of --customer, --product, --status");
    }
    if (auto e = CheckFields(fields)) return usage(*e);
    method = "PUT";
    target = "/api/orders/" + id_;
    body = OrderBody(fields);
  } else if (delete_->parsed()) {
    method = "DELETE";
    target = "/api/orders/" + id_;
  } else if (stats_->parsed()) {
    target = "/api/orders/stats";
    view = StatsView;
  } else if (bulk_->parsed()) {
    if (auto e = CheckStatus(status_)) return usage(*e);
    if (ids_.empty() || ids_.size() > 1000) return usage("bulk-status takes 1 to 1000 order ids");
    for (const auto& id : ids_) {
      if (auto e = CheckOrderId(id)) return usage(*e);
    }
    method = "PATCH";
    target = "/api/orders/bulk-status";
    body = BulkStatusBody(ids_, status_);
    view = OrderTable;
  } else {
    return usage("a subcommand is required");
  }

  auto response = RestClient(client).Request(method, target, body);
  bool ok = response.status >= 200 && response.status < 300;
  if (!ok) {
    if (json_) std::cout << response.body << std::endl;
    std::cerr << "walcast orders: " << ErrorView(response.status, response.body) << std::endl;
    return kExitFailure;
  }
  std::cout << (json_ ? response.body : view(response.body)) << std::endl;
  return kExitOk;
}

}  // namespace walcast::cli
