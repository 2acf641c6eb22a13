#include "tools/cli/tail_options.h"

#include <gtest/gtest.h>

namespace walcast::cli {
namespace {

TEST(TailOptions, TargetCarriesFromAndFilters) {
  TailOptions options;
  EXPECT_EQ(StreamTarget(options, ""), "/ws");
  options.sse = true;
  EXPECT_EQ(StreamTarget(options, ""), "/api/events");
  options.statuses = {"pending", "shipped"};
  options.order_ids = {"1", "2"};
  options.operations = {"insert"};
  EXPECT_EQ(StreamTarget(options, "0000000001A3F2C8-00000003"),
            "/api/events?from=0000000001A3F2C8-00000003&status=pending,shipped&order_id=1,2&"
            "operation=insert");
}

TEST(TailOptions, ValidOptionsPass) {
  TailOptions options;
  options.statuses = {"delivered"};
  options.order_ids = {"2147483647"};
  options.operations = {"insert", "update", "delete", "truncate"};
  options.from = "0000000001a3f2c8-00000003";
  EXPECT_EQ(ValidateTailOptions(options), std::nullopt);
}

TEST(TailOptions, EachProblemIsOneLineNamingTheOption) {
  struct Case {
    const char* name;
    TailOptions options;
    const char* expected_prefix;
  };
  std::vector<Case> cases;
  cases.push_back({"status", {}, "--status: 'lost'"});
  cases.back().options.statuses = {"lost"};
  cases.push_back({"operation", {}, "--operation: 'upsert'"});
  cases.back().options.operations = {"upsert"};
  for (const char* id : {"0", "-1", "abc", "2147483648", "+3", ""}) {
    cases.push_back({"order id", {}, "--order-id:"});
    cases.back().options.order_ids = {id};
  }
  cases.push_back({"from", {}, "--from: 'yesterday'"});
  cases.back().options.from = "yesterday";
  cases.push_back({"timeout", {}, "--timeout"});
  cases.back().options.timeout_seconds = -1;
  cases.push_back({"retry-for", {}, "--retry-for"});
  cases.back().options.retry_for_seconds = -1;
  for (const auto& c : cases) {
    auto problem = ValidateTailOptions(c.options);
    ASSERT_TRUE(problem) << c.name;
    EXPECT_EQ(problem->rfind(c.expected_prefix, 0), 0u) << *problem;
    EXPECT_EQ(problem->find('\n'), std::string::npos);
  }
}

TEST(TailOptions, FromTakesAStreamPositionToo) {
  TailOptions options;
  options.from = "P1_0000000000000FFF-FFFFFFFF_0000000000002000_2E4_2EE_2E5_1A2B3C4D";
  EXPECT_EQ(ValidateTailOptions(options), std::nullopt);
  EXPECT_TRUE(IsStreamPosition(options.from));
  EXPECT_FALSE(IsStreamPosition("0000000001A3F2C8-00000003"));
  EXPECT_NE(StreamTarget(options, options.from).find("from=P1_0000000000000FFF-FFFFFFFF_"),
            std::string::npos);
}

TEST(TailOptions, FormatNames) {
  EXPECT_EQ(ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(ParseOutputFormat("pretty"), OutputFormat::kPretty);
  EXPECT_EQ(ParseOutputFormat("yaml"), std::nullopt);
}

}  // namespace
}  // namespace walcast::cli
