// Rows: a libpq text result rendered as JSON objects with the same value formatting as change
// events (docs/contract.md §2, decoder/value_format.h), so an order looks the same in REST and in
// the stream. Columns whose names start with "__" are not part of the row: they carry values about
// the result (a total count, the writing transaction's id), read from the first row as text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "decoder/json_row.h"

struct pg_result;

namespace walcast::database {

struct Rows {
  std::vector<decoder::Row> rows;
  // "__name" columns of the first row, without the prefix: {"total", "42"}; nullopt is NULL.
  std::vector<std::pair<std::string, std::optional<std::string>>> extras;
  // Rows whose first column was NULL are left out (a LEFT JOIN that found nothing).

  // The extra column `name`'s text; nullopt when absent or NULL.
  std::optional<std::string> Extra(std::string_view name) const;
};

// Renders `result` (text format). Reads the column types from the result.
Rows RenderRows(const pg_result* result);

}  // namespace walcast::database
