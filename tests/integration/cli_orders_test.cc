// `walcast orders …` against a real walcastd: every REST operation round-trips, --json
// prints the server's body as is, server errors print status and message on stderr (exit 1).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/harness/orders_database.h"
#include "tests/integration/cli_process.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class CliOrders : public StreamingDaemonTest {
 protected:
  // Runs walcast with --url set; the test fails when the exit code is not `expected_exit`.
  CliProcess& Run(const std::vector<std::string>& args, int expected_exit = 0, EnvVars env = {}) {
    std::vector<std::string> full = {"--url", "http://127.0.0.1:" + std::to_string(port_)};
    full.insert(full.end(), args.begin(), args.end());
    runs_.push_back(std::make_unique<CliProcess>(full, std::move(env)));
    auto& cli = *runs_.back();
    EXPECT_EQ(cli.WaitExit(60s), expected_exit)
        << args[0] << " " << args[1] << ": " << cli.Stderr() << cli.Stdout();
    return cli;
  }

  std::vector<std::unique_ptr<CliProcess>> runs_;
};

TEST_F(CliOrders, EveryOperationRoundTrips) {
  StartDaemon("cli_orders");
  auto created = ParseJson(
      Run({"orders", "create", "--customer", " Ada ", "--product", "Pen", "--json"}).Stdout());
  ASSERT_TRUE(created.IsObject() && created.HasMember("data"));
  int id = created["data"]["id"].GetInt();
  std::string ids = std::to_string(id);
  EXPECT_STREQ(created["data"]["customer_name"].GetString(), "Ada") << "trimmed by the server";
  EXPECT_STREQ(created["data"]["status"].GetString(), "pending");

  auto& second =
      Run({"orders", "create", "--customer", "Bo", "--product", "Lamp", "--status", "shipped"});
  EXPECT_NE(second.Stdout().find("Order created successfully"), std::string::npos)
      << second.Stdout();
  int second_id = std::stoi(session_->Scalar("SELECT max(id) FROM orders"));

  auto& got = Run({"orders", "get", ids});
  EXPECT_NE(got.Stdout().find("customer_name: Ada"), std::string::npos) << got.Stdout();

  auto& listed = Run({"orders", "list", "--status", "pending"});
  EXPECT_EQ(listed.Stdout().rfind("ID", 0), 0u) << "a table with a header: " << listed.Stdout();
  EXPECT_NE(listed.Stdout().find("Ada"), std::string::npos);
  EXPECT_EQ(listed.Stdout().find("Bo "), std::string::npos) << "filtered by status";
  EXPECT_NE(listed.Stdout().find("1 of 1 orders"), std::string::npos) << listed.Stdout();

  auto& updated = Run({"orders", "update", ids, "--status", "shipped", "--product", "Pencil"});
  EXPECT_NE(updated.Stdout().find("Order updated successfully"), std::string::npos);
  EXPECT_EQ(
      session_->Scalar("SELECT status || ' ' || product_name FROM orders WHERE id = $1", {ids}),
      "shipped Pencil");

  auto& bulk = Run(
      {"orders", "bulk-status", "--status", "delivered", ids + "," + std::to_string(second_id)});
  EXPECT_NE(bulk.Stdout().find("delivered"), std::string::npos) << bulk.Stdout();
  EXPECT_EQ(session_->Scalar("SELECT count(*) FROM orders WHERE status = 'delivered'"), "2");

  auto stats = ParseJson(Run({"orders", "stats", "--json"}).Stdout());
  ASSERT_TRUE(stats.IsObject() && stats.HasMember("data"));
  EXPECT_EQ(stats["data"]["total_orders"].GetInt(), 2);
  EXPECT_EQ(stats["data"]["delivered_orders"].GetInt(), 2);
  auto& stats_view = Run({"orders", "stats"});
  EXPECT_NE(stats_view.Stdout().find("total_orders:"), std::string::npos);

  auto& deleted = Run({"orders", "delete", ids});
  EXPECT_NE(deleted.Stdout().find("Order deleted successfully"), std::string::npos);
  auto& gone = Run({"orders", "get", ids}, 1);
  EXPECT_EQ(gone.Stderr(), "walcast orders: 404 Order not found\n");
  EXPECT_EQ(gone.Stdout(), "");
}

TEST_F(CliOrders, ServerErrorsShowStatusAndMessage) {
  StartDaemon("cli_orders_errors");
  auto& missing = Run({"orders", "update", "999999", "--status", "shipped"}, 1);
  EXPECT_NE(missing.Stderr().find("404"), std::string::npos) << missing.Stderr();
  auto& json = Run({"orders", "delete", "999999", "--json"}, 1);
  EXPECT_NE(json.Stdout().find("\"success\":false"), std::string::npos)
      << "--json still prints the body for scripts";
}

TEST(CliOrdersUnreachable, Exit1WithTheReason) {
  CliProcess cli({"--url", "http://127.0.0.1:1", "orders", "list"});
  EXPECT_EQ(cli.WaitExit(30s), 1);
  EXPECT_NE(cli.Stderr().find("connection refused"), std::string::npos) << cli.Stderr();
}

}  // namespace
}  // namespace walcast::testing
