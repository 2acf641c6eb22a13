#include "tools/cli/table_selection.h"

#include <gtest/gtest.h>

namespace walcast::cli {
namespace {

TEST(TableSelection, TargetCarriesTablesAsOneListAndOneFilterParameterEach) {
  TableSelection selection;
  EXPECT_EQ(WithTableSelection("/ws", selection), "/ws");
  selection.tables = {"customers", "sales.invoices"};
  selection.filters = {"customers:country=in.(DE,\"F R\")", "customers:age=gte.18"};
  EXPECT_EQ(
      WithTableSelection("/ws", selection),
      "/ws?table=customers,sales.invoices&filter=customers%3Acountry%3Din.%28DE,%22F%20R%22%29"
      "&filter=customers%3Aage%3Dgte.18");
  selection.tables.clear();
  EXPECT_EQ(WithTableSelection("/api/events?from=P1_x", selection),
            "/api/events?from=P1_x&filter=customers%3Acountry%3Din.%28DE,%22F%20R%22%29"
            "&filter=customers%3Aage%3Dgte.18");
}

TEST(TableSelection, ValidSelectionsPass) {
  TableSelection selection;
  EXPECT_EQ(ValidateTableSelection(selection), std::nullopt);
  selection.tables = {"customers", "sales.invoices", "orders", "My Table", "a.b.c"};
  selection.filters = {"customers:country=eq.DE",           "customers:email=not.is.null",
                       "orders:status=not.eq.pending",      "payments:amount=gt.99.50",
                       "events:at=lt.2026-12-01T00:00:00Z", "sales.invoices:note=eq.",
                       "customers:country=in.(DE,FR)",      "customers:name=eq.a=b:c"};
  EXPECT_EQ(ValidateTableSelection(selection), std::nullopt);
}

TEST(TableSelection, EachProblemIsOneLineNamingTheOption) {
  struct Case {
    std::vector<std::string> tables;
    std::vector<std::string> filters;
    const char* expected;
  };
  std::vector<Case> cases = {
      {{""}, {}, "--table: '' is not a table name (table or schema.table)"},
      {{"a\tb"}, {}, "--table: 'a\tb' is not a table name (table or schema.table)"},
      {{"a:b"}, {}, "--table: 'a:b' is not a table name (table or schema.table)"},
      {{".t"}, {}, "--table: '.t' is not a table name (table or schema.table)"},
      {{"s."}, {}, "--table: 's.' is not a table name (table or schema.table)"},
      {{}, {"customers"}, "--filter: 'customers' is not <table>:<column>=[not.]<op>.<value>"},
      {{},
       {"customers:country"},
       "--filter: 'customers:country' is not <table>:<column>=[not.]<op>.<value>"},
      {{},
       {"customers:country=DE"},
       "--filter: 'customers:country=DE' is not <table>:<column>=[not.]<op>.<value>"},
      {{}, {":country=eq.DE"}, "--filter: ':country=eq.DE' names no table ('')"},
      {{}, {"customers:=eq.DE"}, "--filter: 'customers:=eq.DE' names no column ('')"},
      {{},
       {"customers:country=like.D*"},
       "--filter: 'customers:country=like.D*' has no operator: 'like' is not one of eq, neq, lt, "
       "lte, gt, gte, in, is"},
      {{},
       {"customers:country=in.DE,FR"},
       "--filter: 'customers:country=in.DE,FR' in needs a list in parentheses: in.(a,b)"},
      {{},
       {"customers:email=is.nothing"},
       "--filter: 'customers:email=is.nothing' is takes null, true or false"},
  };
  for (const auto& c : cases) {
    TableSelection selection{c.tables, c.filters};
    EXPECT_EQ(ValidateTableSelection(selection), std::optional<std::string>(c.expected));
  }
  TableSelection many;
  many.filters.assign(kMaxFilters + 1, "customers:age=gte.18");
  EXPECT_EQ(ValidateTableSelection(many), "--filter: at most 32 predicates, got 33");
}

}  // namespace
}  // namespace walcast::cli
