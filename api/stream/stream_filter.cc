#include "api/stream/stream_filter.h"

#include <charconv>
#include <vector>

namespace walcast::api {
namespace {

constexpr std::string_view kStatuses[] = {"pending", "shipped", "delivered"};

std::vector<std::string_view> SplitCommas(std::string_view list) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view part = list.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) parts.push_back(part);
    start = end + 1;
  }
  return parts;
}

}  // namespace

bool StreamFilter::Matches(const StreamEvent& event) const {
  const EventKeys& keys = event.keys;
  if (!selected_tables_.empty() && !selected_tables_.contains(event.table)) return false;
  if (!operations_.empty() && !operations_.contains(keys.operation)) return false;
  // Order ids and statuses are criteria on orders: another table's event never matches them.
  if ((!order_ids_.empty() || !statuses_.empty()) && event.table != "orders") return false;
  // A truncate has no row: it concerns every row, so row criteria do not exclude it.
  if (keys.operation == Operation::kTruncate) return true;
  if (!columns_.Empty() && !columns_.Matches(event.table, event.row ? &*event.row : nullptr,
                                             event.old_row ? &*event.old_row : nullptr)) {
    return false;
  }
  if (!order_ids_.empty()) {
    bool hit = (keys.order_id && order_ids_.contains(*keys.order_id)) ||
               (keys.old_order_id && order_ids_.contains(*keys.old_order_id));
    if (!hit) return false;
  }
  if (!statuses_.empty()) {
    bool hit = (keys.status && statuses_.contains(*keys.status)) ||
               (keys.old_status && statuses_.contains(*keys.old_status));
    if (!hit) return false;
  }
  return true;
}

std::optional<std::string> StreamFilter::AddOrderIds(std::string_view comma_list) {
  std::vector<int64_t> ids;
  for (auto part : SplitCommas(comma_list)) {
    int64_t id = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
    if (ec != std::errc() || end != part.data() + part.size() || id <= 0 || id > INT32_MAX) {
      return "order_id must be positive integers, got '" + std::string(part) + "'";
    }
    ids.push_back(id);
  }
  order_ids_.insert(ids.begin(), ids.end());
  return std::nullopt;
}

std::optional<std::string> StreamFilter::AddStatuses(std::string_view comma_list) {
  std::vector<std::string> statuses;
  for (auto part : SplitCommas(comma_list)) {
    bool known = false;
    for (auto status : kStatuses) known = known || part == status;
    if (!known) {
      return "status must be pending, shipped or delivered, got '" + std::string(part) + "'";
    }
    statuses.emplace_back(part);
  }
  statuses_.insert(statuses.begin(), statuses.end());
  return std::nullopt;
}

std::optional<std::string> StreamFilter::AddOperations(std::string_view comma_list) {
  std::vector<Operation> operations;
  for (auto part : SplitCommas(comma_list)) {
    auto operation = decoder::ParseOperation(part);
    if (!operation) {
      return "operation must be insert, update, delete or truncate, got '" + std::string(part) +
             "'";
    }
    operations.push_back(*operation);
  }
  operations_.insert(operations.begin(), operations.end());
  return std::nullopt;
}

std::optional<std::string> StreamFilter::AddTables(std::string_view comma_list,
                                                   const decoder::CatalogTables& catalog) {
  std::vector<std::string> tables;
  for (auto part : SplitCommas(comma_list)) {
    const decoder::CatalogTable* table = decoder::FindTable(catalog, part);
    if (table == nullptr) {
      return "table '" + std::string(part.substr(0, 128)) +
             "' is not streamed (GET /api/tables lists what is)";
    }
    tables.push_back(table->QualifiedName());
  }
  tables_.insert(tables.begin(), tables.end());
  UpdateSelectedTables();
  return std::nullopt;
}

std::optional<std::string> StreamFilter::AddColumnFilter(std::string_view text,
                                                         const decoder::CatalogTables& catalog) {
  auto parsed = ParseColumnPredicate(text, catalog);
  if (auto* error = std::get_if<ColumnFilterError>(&parsed)) return error->message;
  if (auto error = columns_.Add(std::get<ColumnPredicate>(std::move(parsed)))) return error;
  UpdateSelectedTables();
  return std::nullopt;
}

void StreamFilter::UpdateSelectedTables() {
  selected_tables_.clear();
  selected_tables_.insert(tables_.begin(), tables_.end());
  for (auto& table : columns_.Tables()) selected_tables_.insert(std::move(table));
}

std::optional<std::string> StreamFilter::Add(const StreamFilter& other) {
  ColumnFilter columns = columns_;
  for (const ColumnPredicate& predicate : other.columns_.Predicates()) {
    if (auto error = columns.Add(predicate)) return error;
  }
  columns_ = std::move(columns);
  order_ids_.insert(other.order_ids_.begin(), other.order_ids_.end());
  statuses_.insert(other.statuses_.begin(), other.statuses_.end());
  operations_.insert(other.operations_.begin(), other.operations_.end());
  tables_.insert(other.tables_.begin(), other.tables_.end());
  UpdateSelectedTables();
  return std::nullopt;
}

void StreamFilter::RemoveNamed(const std::vector<std::string>& tables,
                               const std::vector<std::string>& filter_texts) {
  for (const std::string& list : tables) {
    for (std::string_view name : SplitCommas(list)) {
      // FindTable reads "public.x" as "x", and QualifiedName writes it so.
      if (name.starts_with("public.")) name.remove_prefix(std::string_view("public.").size());
      tables_.erase(std::string(name));
    }
  }
  for (const std::string& text : filter_texts) columns_.Remove(text);
  UpdateSelectedTables();
}

void StreamFilter::Remove(const StreamFilter& other) {
  for (auto id : other.order_ids_) order_ids_.erase(id);
  for (const auto& status : other.statuses_) statuses_.erase(status);
  for (auto operation : other.operations_) operations_.erase(operation);
  for (const auto& table : other.tables_) tables_.erase(table);
  for (const ColumnPredicate& predicate : other.columns_.Predicates()) {
    columns_.Remove(predicate.text());
  }
  UpdateSelectedTables();
}

}  // namespace walcast::api
