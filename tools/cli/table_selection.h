// TableSelection: which tables `walcast tail` asks the stream for (`--table`) and the column
// predicates it narrows them with (`--filter`), checked cheaply before anything is sent and turned
// into the stream's `table=` / `filter=` query parameters. The server stays the authority on
// table and column names and on value types; this only catches what is wrong in any database.
// Pure: no I/O, unit-tested in table_selection_test.cc.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace walcast::cli {

struct TableSelection {
  std::vector<std::string> tables;   // --table: "customers", "sales.invoices" (lists split)
  std::vector<std::string> filters;  // --filter: "customers:country=eq.DE", one predicate each
};

// The server's cap on predicates per connection: more is refused there, so here too.
inline constexpr std::size_t kMaxFilters = 32;

// The first problem as one line naming the option ("--filter: 'customers:country' is not
// <table>:<column>=<op>.<value>"), or nullopt when the selection can be sent.
std::optional<std::string> ValidateTableSelection(const TableSelection& selection);

// `target` (a stream URL, with or without a query) with `table=a,b` and one `filter=` per
// predicate appended, percent-encoded. Unchanged for an empty selection.
std::string WithTableSelection(std::string target, const TableSelection& selection);

}  // namespace walcast::cli
