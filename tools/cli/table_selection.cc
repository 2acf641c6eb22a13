#include "tools/cli/table_selection.h"

#include <array>
#include <string_view>

#include "tools/cli/endpoint.h"

namespace walcast::cli {
namespace {

// The stream's operators (PostgREST's); "not." may precede any of them.
constexpr std::array<std::string_view, 8> kOperators = {"eq", "neq", "lt", "lte",
                                                        "gt", "gte", "in", "is"};

bool IsOperator(std::string_view text) {
  for (auto op : kOperators) {
    if (op == text) return true;
  }
  return false;
}

// A name part: not empty, no control character, and none of the separators of the stream's
// syntax that a name cannot escape (',' between tables, ':' after a filter's table, '=' after its
// column). Anything else may be a quoted PostgreSQL name; the server knows which names exist.
bool IsNamePart(std::string_view text, std::string_view separators) {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    if (c < ' ' || c == 0x7f || separators.find(static_cast<char>(c)) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// "table" or "schema.table".
bool IsTableName(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return IsNamePart(text, ",:");
  return IsNamePart(text.substr(0, dot), ",:") && IsNamePart(text.substr(dot + 1), ",:");
}

// "<table>:<column>=<op>.<value>": nullopt when it has that shape, else why not.
std::optional<std::string> FilterProblem(std::string_view filter) {
  const std::string shape = "is not <table>:<column>=[not.]<op>.<value>";
  auto colon = filter.find(':');
  auto equals = filter.find('=', colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || equals == std::string_view::npos) return shape;
  auto table = filter.substr(0, colon);
  auto column = filter.substr(colon + 1, equals - colon - 1);
  if (!IsTableName(table)) return "names no table ('" + std::string(table) + "')";
  if (!IsNamePart(column, ":=")) return "names no column ('" + std::string(column) + "')";
  auto rest = filter.substr(equals + 1);
  if (rest.starts_with("not.")) rest.remove_prefix(4);
  auto dot = rest.find('.');
  if (dot == std::string_view::npos) return shape;
  auto op = rest.substr(0, dot);
  auto value = rest.substr(dot + 1);
  if (!IsOperator(op)) {
    return "has no operator: '" + std::string(op) +
           "' is not one of eq, neq, lt, lte, gt, gte, in, is";
  }
  if (op == "in" && (value.size() < 2 || value.front() != '(' || value.back() != ')')) {
    return "in needs a list in parentheses: in.(a,b)";
  }
  if (op == "is" && value != "null" && value != "true" && value != "false") {
    return "is takes null, true or false";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ValidateTableSelection(const TableSelection& selection) {
  for (const auto& table : selection.tables) {
    if (!IsTableName(table)) {
      return "--table: '" + table + "' is not a table name (table or schema.table)";
    }
  }
  for (const auto& filter : selection.filters) {
    if (auto problem = FilterProblem(filter)) return "--filter: '" + filter + "' " + *problem;
  }
  if (selection.filters.size() > kMaxFilters) {
    return "--filter: at most " + std::to_string(kMaxFilters) + " predicates, got " +
           std::to_string(selection.filters.size());
  }
  return std::nullopt;
}

std::string WithTableSelection(std::string target, const TableSelection& selection) {
  char separator = target.find('?') == std::string::npos ? '?' : '&';
  auto add = [&](const std::string& name, const std::string& value) {
    target += separator + name + "=" + PercentEncode(value);
    separator = '&';
  };
  if (!selection.tables.empty()) {
    std::string joined;
    for (const auto& table : selection.tables) joined += (joined.empty() ? "" : ",") + table;
    add("table", joined);
  }
  for (const auto& filter : selection.filters) add("filter", filter);
  return target;
}

}  // namespace walcast::cli
