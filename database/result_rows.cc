#include "database/result_rows.h"

#include <libpq-fe.h>

namespace walcast::database {

std::optional<std::string> Rows::Extra(std::string_view name) const {
  for (const auto& [key, value] : extras) {
    if (key == name) return value;
  }
  return std::nullopt;
}

Rows RenderRows(const pg_result* const_result) {
  auto* result = const_cast<pg_result*>(const_result);  // libpq's getters take non-const
  Rows out;
  if (result == nullptr) return out;
  const int columns = PQnfields(result);
  const int tuples = PQntuples(result);
  struct Column {
    int index;
    std::string key;
    decoder::ValueKind kind;
  };
  std::vector<Column> row_columns;
  std::vector<int> extra_columns;
  for (int c = 0; c < columns; ++c) {
    std::string_view name = PQfname(result, c);
    if (name.starts_with("__")) {
      extra_columns.push_back(c);
    } else {
      row_columns.push_back({c, decoder::JsonKey(name), decoder::ValueKindOf(PQftype(result, c))});
    }
  }
  if (tuples > 0) {
    for (int c : extra_columns) {
      std::optional<std::string> value;
      if (!PQgetisnull(result, 0, c)) value = PQgetvalue(result, 0, c);
      out.extras.emplace_back(std::string(PQfname(result, c) + 2), std::move(value));
    }
  }
  out.rows.reserve(static_cast<size_t>(tuples));
  for (int t = 0; t < tuples; ++t) {
    if (!row_columns.empty() && PQgetisnull(result, t, row_columns[0].index)) continue;
    decoder::RowBuilder builder(160, row_columns.size());
    for (const auto& column : row_columns) {
      if (PQgetisnull(result, t, column.index)) {
        builder.AddNull(column.key);
      } else {
        builder.AddValue(
            column.key, column.kind,
            std::string_view(PQgetvalue(result, t, column.index),
                             static_cast<size_t>(PQgetlength(result, t, column.index))));
      }
    }
    out.rows.push_back(std::move(builder).Finish());
  }
  return out;
}

}  // namespace walcast::database
