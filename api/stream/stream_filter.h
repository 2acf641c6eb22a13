// StreamFilter: which events one client wants (docs/contract.md §4, docs/tables.md): by table,
// by column predicates on a table's rows, by operation, and for orders by order id and status;
// from the query string (api/http/stream_request.h) or from `subscribe`/`unsubscribe` messages.
// An empty criterion matches everything; criteria combine with AND, values within one with OR.
// Tables: a client that names tables (`table=`, or a table in a column filter) receives only
// those tables' events. An event matches a status, an order id or a table's column predicates
// when its new or its old row does, so a subscriber also sees a row leave what it watches. Order
// ids and statuses concern the orders table: other tables' events never match them.
//
// Pure value type; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "api/stream/column_filter.h"
#include "api/stream/stream_event.h"
#include "decoder/table_catalog.h"

namespace walcast::api {

class StreamFilter {
 public:
  bool Matches(const StreamEvent& event) const;
  bool Empty() const {
    return order_ids_.empty() && statuses_.empty() && operations_.empty() && tables_.empty() &&
           columns_.Empty();
  }

  // Each returns an error message for a malformed value and changes nothing then.
  std::optional<std::string> AddOrderIds(std::string_view comma_list);
  std::optional<std::string> AddStatuses(std::string_view comma_list);
  std::optional<std::string> AddOperations(std::string_view comma_list);
  // Tables by the names clients use ("customers", "sales.invoices"), each one `catalog` lists.
  std::optional<std::string> AddTables(std::string_view comma_list,
                                       const decoder::CatalogTables& catalog);
  // One column predicate, "customers:country=in.(DE,FR)" (api/stream/column_filter.h).
  std::optional<std::string> AddColumnFilter(std::string_view text,
                                             const decoder::CatalogTables& catalog);

  // subscribe: union per criterion; an error (and no change) when the column predicates would
  // exceed ColumnFilter::kMaxPredicates.
  std::optional<std::string> Add(const StreamFilter& other);
  void Remove(const StreamFilter& other);  // unsubscribe: difference per criterion
  // Unsubscribe by name, without the catalog, so that a table or column dropped since can still
  // be removed: `tables` as a client names them (comma lists too), `filter_texts` as it wrote the
  // filters; both normalized as QualifiedName writes tables. Unknown names change nothing.
  void RemoveNamed(const std::vector<std::string>& tables,
                   const std::vector<std::string>& filter_texts);

  const std::set<int64_t>& order_ids() const { return order_ids_; }
  const std::set<std::string>& statuses() const { return statuses_; }
  const std::set<Operation>& operations() const { return operations_; }
  const std::set<std::string>& tables() const { return tables_; }
  const ColumnFilter& columns() const { return columns_; }

 private:
  void UpdateSelectedTables();

  std::set<int64_t> order_ids_;
  std::set<std::string> statuses_;
  std::set<Operation> operations_;
  std::set<std::string> tables_;  // qualified names (CatalogTable::QualifiedName)
  ColumnFilter columns_;
  // tables_ and the tables columns_ has predicates on: the tables this client receives, when
  // not empty.
  std::set<std::string, std::less<>> selected_tables_;
};

}  // namespace walcast::api
