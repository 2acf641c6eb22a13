// Column filters: a client's `filter=<table>:<column>=<op>.<value>` predicates on the rows of any
// streamed table (docs/tables.md "Filters"), with PostgREST's operators: eq neq lt lte gt gte in
// is, each optionally negated by a `not.` prefix. ParseColumnPredicate checks one against the table
// catalog (decoder/table_catalog.h) when the client sends it, so that testing an event later needs
// no catalog and no allocation: values are parsed once into the form the row carries them in
// (decoder/value_format.h), and compared there.
//
// How each type compares (the column's type OID decides):
//   integer (int2, int4, int8, oid)       as integers; values must be integers
//   numeric, float4, float8               as exact decimals, never through a double
//   bool                                  eq, neq, is.true, is.false only
//   timestamp, timestamptz                as instants; values are RFC 3339 (any offset) or a date
//   text, varchar, char, name, date, uuid every operator; lt/gt in byte order
//   json, jsonb                           is.null only
//   anything else (arrays, enums, ...)    eq, neq, in on the text form
// is.null applies to every type. A NULL satisfies no comparison, negated or not; `is` is
// two-valued (as in SQL, `not.is.true` holds on NULL). A column absent from the row is NULL (a
// column dropped since), except where the row may be partial: a non-key column of a table whose
// REPLICA IDENTITY is not FULL is missing from a key-only delete and from an update that left a
// TOASTed value unchanged. Such a predicate cannot be judged and holds, so the client receives the
// change rather than lose it.
//
// Plain value types; thread-compatible.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "decoder/table_catalog.h"

namespace walcast::decoder {
class Row;
}  // namespace walcast::decoder

namespace walcast::api {

struct ColumnFilterError {
  std::string message;  // for the client, e.g. "table customers has no column 'cuntry'"
};

class ColumnPredicate {
 public:
  // The table's CatalogTable::QualifiedName(): "customers", "sales.invoices".
  const std::string& table() const { return table_; }
  const std::string& column() const { return column_; }
  // "<qualified table>:<column>=<op>.<value>", the rest exactly as the client wrote it: what
  // acknowledgements echo and what unsubscribe compares.
  const std::string& text() const { return text_; }

  // Whether `row` (an event's `data` or `old`) satisfies the predicate. Allocates nothing.
  bool Holds(const decoder::Row& row) const;

 private:
  friend class ColumnPredicateParser;  // column_filter.cc: the one writer of the fields below
  ColumnPredicate() = default;

  enum class Operator : uint8_t { kEq, kNeq, kLt, kLte, kGt, kGte, kIn, kIs };
  // How the column's values compare (the table atop this file).
  enum class TypeClass : uint8_t { kInteger, kDecimal, kBool, kTimestamp, kText, kJson, kOther };
  enum class IsValue : uint8_t { kNull, kTrue, kFalse };

  // One value of the predicate (one per element of an in-list), parsed into the form in which
  // the row holds values of its TypeClass.
  struct Operand {
    // kText, kOther: the JSON string's content (escaped, without quotes); kTimestamp:
    // "YYYY-MM-DDTHH:MM:SS.ffffffZ"; kDecimal: the significant digits, without trailing zeros.
    std::string json;
    std::string text;      // kText: the value itself, for lt/gt in byte order
    int64_t integer = 0;   // kInteger: the value; kDecimal: the exponent (0.digits x 10^integer)
    int8_t sign = 0;       // kDecimal: -1, 0 (zero, no digits) or 1
    bool boolean = false;  // kBool
  };

  // The row's raw JSON value (not null) against `operand`: nullopt when it is not a value of the
  // column's type as decoder/value_format.h renders it ("NaN" is one, an unparsable timestamp
  // is not); then no comparison holds, negated or not.
  std::optional<int> Compare(std::string_view raw, const Operand& operand) const;
  std::optional<bool> Equal(std::string_view raw, const Operand& operand) const;
  // kIn: whether the raw value equals one of operands_ (nullopt as for Compare).
  std::optional<bool> InList(std::string_view raw) const;

  std::string table_;
  std::string column_;
  std::string text_;
  std::string json_column_;  // the column's name as the row's JSON writes it (Row::Find)
  // Where the column was last found in a row. Rows of one table share their column order, so
  // the next row almost always has it at the same index, and Holds compares one name instead of
  // scanning from the first column. Shared by the threads that test events against this
  // predicate: relaxed, since a stale hint only costs the scan.
  struct PositionHint {
    PositionHint() = default;
    PositionHint(const PositionHint& other) : index(other.index.load(std::memory_order_relaxed)) {}
    PositionHint& operator=(const PositionHint& other) {
      index.store(other.index.load(std::memory_order_relaxed), std::memory_order_relaxed);
      return *this;
    }
    mutable std::atomic<uint32_t> index{0};
  };
  PositionHint position_;
  Operator op_ = Operator::kEq;
  TypeClass type_ = TypeClass::kText;
  IsValue is_ = IsValue::kNull;  // for kIs
  bool negated_ = false;
  bool blank_padded_ = false;      // char(n): trailing blanks do not count, as in PostgreSQL
  bool absent_holds_ = false;      // a partial row may lack the column (the table atop this file)
  std::vector<Operand> operands_;  // one, or an in-list's (possibly none); none for kIs
};

// Parses "<table>:<column>=<op>.<value>" and checks it against `tables` (the streamed tables).
// The table may be schema-qualified ("sales.invoices", "public.customers"); the table part ends at
// the first ':' and the column at the first '='.
std::variant<ColumnPredicate, ColumnFilterError> ParseColumnPredicate(
    std::string_view text, const decoder::CatalogTables& tables);

// The column predicates of one connection, grouped by table: an event of a table passes when
// that table has no predicate, or when all of the table's predicates hold on its new row or all
// hold on its old row (so a client sees a row leave its filter).
class ColumnFilter {
 public:
  static constexpr size_t kMaxPredicates = 32;

  bool Empty() const { return predicates_.empty(); }
  size_t size() const { return predicates_.size(); }

  // An error when the connection would hold more than kMaxPredicates; adding a predicate whose
  // text() is already there changes nothing.
  std::optional<std::string> Add(ColumnPredicate predicate);
  // Removes the predicate with this text. The text is normalized as ParseColumnPredicate
  // normalizes it ("public.customers:..." is "customers:..."), without the catalog, so a predicate
  // can be removed after its table left the catalog. Unknown texts change nothing.
  void Remove(std::string_view text);

  // `table` is the event's qualified table name; `row` its new row and `old_row` its old row,
  // each null when the event has none. An event with neither (a truncate) passes.
  bool Matches(std::string_view table, const decoder::Row* row, const decoder::Row* old_row) const;

  // Every predicate, a table's next to each other, tables in the order first added.
  const std::vector<ColumnPredicate>& Predicates() const { return predicates_; }
  std::vector<std::string> Tables() const;  // tables with predicates, in the order first added
  std::vector<std::string> Texts() const;   // every predicate's text(), in Predicates() order

 private:
  // The predicates of one table: predicates_[begin, end).
  struct TableRun {
    std::string table;
    uint32_t begin = 0;
    uint32_t end = 0;
  };
  void IndexRuns();  // after each change of predicates_

  std::vector<ColumnPredicate> predicates_;
  std::vector<TableRun> runs_;  // in the order of predicates_
};

// The canonical form of a filter text: its table part as QualifiedName writes it.
std::string NormalizeColumnFilterText(std::string_view text);

}  // namespace walcast::api
