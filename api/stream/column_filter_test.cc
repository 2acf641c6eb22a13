#include "api/stream/column_filter.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "decoder/json_row.h"
#include "decoder/value_format.h"

namespace walcast::api {
namespace {

using decoder::CatalogColumn;
using decoder::CatalogTable;
using decoder::CatalogTables;
using decoder::Row;

CatalogTables Tables() {
  CatalogTable customers{"public", "customers", decoder::ReplicaIdentity::kFull, {}};
  customers.columns = {
      {"id", "integer", 23, true, true},
      {"big", "bigint", 20},
      {"name", "text", 25},
      {"email", "character varying(255)", 1043},
      {"country", "character(3)", 1042},
      {"handle", "name", 19},
      {"born", "date", 1082},
      {"uid", "uuid", 2950},
      {"balance", "numeric(10,2)", 1700},
      {"score", "double precision", 701},
      {"ratio", "real", 700},
      {"active", "boolean", 16},
      {"seen_at", "timestamp with time zone", 1184},
      {"local_at", "timestamp without time zone", 1114},
      {"profile", "jsonb", 3802},
      {"doc", "json", 114},
      {"tags", "text[]", 1009},
      {"mood", "mood", 16500},
      {"we\"ird", "text", 25},
  };
  CatalogTable invoices{"sales", "invoices", decoder::ReplicaIdentity::kDefault, {}};
  invoices.columns = {{"id", "bigint", 20, true, true}, {"amount", "numeric", 1700}};
  return {customers, invoices};
}

const CatalogTables& Catalog() {
  static const CatalogTables tables = Tables();
  return tables;
}

// A customers row from PostgreSQL's text output of each value (nullopt: NULL), rendered as the
// normalizer renders it.
Row Customer(std::initializer_list<std::pair<std::string, std::optional<std::string>>> values) {
  const CatalogTable& table = Catalog()[0];
  decoder::RowBuilder builder(64, values.size());
  for (const auto& [name, text] : values) {
    const CatalogColumn* column = table.FindColumn(name);
    EXPECT_NE(column, nullptr) << name;
    if (!text) {
      builder.AddNull(decoder::JsonKey(name));
    } else {
      builder.AddValue(decoder::JsonKey(name), decoder::ValueKindOf(column->type_oid), *text);
    }
  }
  return std::move(builder).Finish();
}

ColumnPredicate Parse(std::string_view text) {
  auto parsed = ParseColumnPredicate(text, Catalog());
  if (auto* error = std::get_if<ColumnFilterError>(&parsed)) {
    ADD_FAILURE() << text << ": " << error->message;
    return std::get<ColumnPredicate>(ParseColumnPredicate("customers:id=is.null", Catalog()));
  }
  return std::get<ColumnPredicate>(std::move(parsed));
}

std::string Error(std::string_view text) {
  auto parsed = ParseColumnPredicate(text, Catalog());
  if (auto* error = std::get_if<ColumnFilterError>(&parsed)) return error->message;
  return "(parsed)";
}

// Whether the filter holds on a row whose only column `column` has PostgreSQL's text `value`.
bool HoldsOn(std::string_view filter, const std::string& column,
             const std::optional<std::string>& value) {
  return Parse(filter).Holds(Customer({{column, value}}));
}

TEST(ColumnPredicate, NamesItsTableAndKeepsItsText) {
  ColumnPredicate p = Parse("public.customers:id=gte.018");
  EXPECT_EQ(p.table(), "customers");
  EXPECT_EQ(p.column(), "id");
  EXPECT_EQ(p.text(), "customers:id=gte.018");
  EXPECT_EQ(Parse("customers:country=not.in.(DE,\"F,R\")").text(),
            "customers:country=not.in.(DE,\"F,R\")");
  ColumnPredicate q = Parse("sales.invoices:amount=gt.99.50");
  EXPECT_EQ(q.table(), "sales.invoices");
  EXPECT_EQ(q.column(), "amount");
  EXPECT_EQ(q.text(), "sales.invoices:amount=gt.99.50");
}

TEST(ColumnPredicate, ComparesIntegers) {
  EXPECT_TRUE(HoldsOn("customers:id=eq.42", "id", "42"));
  EXPECT_FALSE(HoldsOn("customers:id=eq.42", "id", "43"));
  EXPECT_TRUE(HoldsOn("customers:id=neq.42", "id", "43"));
  EXPECT_FALSE(HoldsOn("customers:id=neq.42", "id", "42"));
  EXPECT_TRUE(HoldsOn("customers:id=lt.42", "id", "-7"));
  EXPECT_FALSE(HoldsOn("customers:id=lt.42", "id", "42"));
  EXPECT_TRUE(HoldsOn("customers:id=lte.42", "id", "42"));
  EXPECT_FALSE(HoldsOn("customers:id=lte.42", "id", "100"));
  EXPECT_TRUE(HoldsOn("customers:id=gt.42", "id", "100"));  // not "100" < "42" as bytes
  EXPECT_FALSE(HoldsOn("customers:id=gt.42", "id", "42"));
  EXPECT_TRUE(HoldsOn("customers:id=gte.42", "id", "42"));
  EXPECT_FALSE(HoldsOn("customers:id=gte.42", "id", "41"));
  EXPECT_TRUE(HoldsOn("customers:id=in.(1,2,42)", "id", "42"));
  EXPECT_FALSE(HoldsOn("customers:id=in.(1,2,42)", "id", "3"));
  EXPECT_TRUE(HoldsOn("customers:id=not.in.(1,2,42)", "id", "3"));
  EXPECT_TRUE(HoldsOn("customers:id=not.gt.42", "id", "42"));
  EXPECT_TRUE(HoldsOn("customers:big=eq.-9223372036854775808", "big", "-9223372036854775808"));
  EXPECT_TRUE(HoldsOn("customers:big=gt.9223372036854775806", "big", "9223372036854775807"));
  EXPECT_EQ(Error("customers:id=eq.abc"), "column id is integer, got 'abc'");
  EXPECT_EQ(Error("customers:id=gt.1.5"), "column id is integer, got '1.5'");
  EXPECT_EQ(Error("customers:id=in.(1,x)"), "column id is integer, got 'x'");
  EXPECT_EQ(Error("customers:big=eq.9223372036854775808"),
            "column big is bigint, got '9223372036854775808'");
}

TEST(ColumnPredicate, ComparesNumericAsExactDecimals) {
  EXPECT_FALSE(HoldsOn("customers:balance=gt.99.50", "balance", "99.50"));
  EXPECT_TRUE(HoldsOn("customers:balance=gt.99.50", "balance", "99.51"));
  EXPECT_TRUE(HoldsOn("customers:balance=gt.99.50", "balance", "100.00"));
  EXPECT_FALSE(HoldsOn("customers:balance=gt.99.50", "balance", "-100.00"));
  EXPECT_TRUE(HoldsOn("customers:balance=eq.99.5", "balance", "99.50"));
  EXPECT_TRUE(HoldsOn("customers:balance=eq.1e2", "balance", "100.00"));
  EXPECT_TRUE(HoldsOn("customers:balance=eq.0", "balance", "-0.00"));
  EXPECT_TRUE(HoldsOn("customers:balance=eq.+.5", "balance", "0.50"));
  EXPECT_TRUE(HoldsOn("customers:balance=lt.-1.5", "balance", "-2"));
  EXPECT_FALSE(HoldsOn("customers:balance=lt.-1.5", "balance", "-1.49"));
  EXPECT_TRUE(HoldsOn("customers:balance=lt.0.001", "balance", "0.0009"));
  EXPECT_TRUE(HoldsOn("customers:balance=gte.0.001", "balance", "0.00100"));
  EXPECT_TRUE(HoldsOn("customers:balance=lte.12345678901234567890.1", "balance",
                      "12345678901234567890.09"));
  // Beyond a double's precision: equal as doubles, not as decimals.
  EXPECT_FALSE(HoldsOn("customers:balance=eq.9007199254740993", "balance", "9007199254740992"));
  EXPECT_TRUE(HoldsOn("customers:balance=neq.0.1", "balance", "0.10000000000000001"));
  EXPECT_TRUE(HoldsOn("customers:balance=in.(1,2.50)", "balance", "2.5"));
  EXPECT_FALSE(HoldsOn("customers:balance=in.(1,2.50)", "balance", "2.05"));
  // PostgreSQL's order: -Infinity < numbers < Infinity < NaN.
  EXPECT_TRUE(HoldsOn("customers:balance=gt.1e300", "balance", "Infinity"));
  EXPECT_TRUE(HoldsOn("customers:balance=gt.1e300", "balance", "NaN"));
  EXPECT_TRUE(HoldsOn("customers:balance=lt.-1e300", "balance", "-Infinity"));
  EXPECT_FALSE(HoldsOn("customers:balance=eq.0", "balance", "NaN"));
  EXPECT_EQ(Error("customers:balance=gt.abc"), "column balance is numeric(10,2), got 'abc'");
  EXPECT_EQ(Error("customers:balance=gt.NaN"), "column balance is numeric(10,2), got 'NaN'");
  EXPECT_EQ(Error("customers:balance=gt.1e"), "column balance is numeric(10,2), got '1e'");
  EXPECT_EQ(Error("customers:balance=gt."), "column balance is numeric(10,2), got ''");
}

TEST(ColumnPredicate, ComparesFloatsAsTheirDecimalText) {
  EXPECT_TRUE(HoldsOn("customers:score=gt.99", "score", "1e+20"));
  EXPECT_TRUE(HoldsOn("customers:score=lt.0.0001", "score", "1.5e-05"));
  EXPECT_TRUE(HoldsOn("customers:score=eq.0.1", "score", "0.1"));
  EXPECT_TRUE(HoldsOn("customers:ratio=gte.-2.5E0", "ratio", "-2.5"));
  EXPECT_TRUE(HoldsOn("customers:ratio=lt.0", "ratio", "-Infinity"));
  EXPECT_EQ(Error("customers:score=eq.x"), "column score is double precision, got 'x'");
}

TEST(ColumnPredicate, ComparesBooleans) {
  EXPECT_TRUE(HoldsOn("customers:active=eq.true", "active", "t"));
  EXPECT_FALSE(HoldsOn("customers:active=eq.true", "active", "f"));
  EXPECT_TRUE(HoldsOn("customers:active=eq.false", "active", "f"));
  EXPECT_TRUE(HoldsOn("customers:active=neq.true", "active", "f"));
  EXPECT_TRUE(HoldsOn("customers:active=not.eq.false", "active", "t"));
  EXPECT_TRUE(HoldsOn("customers:active=is.true", "active", "t"));
  EXPECT_FALSE(HoldsOn("customers:active=is.true", "active", "f"));
  EXPECT_FALSE(HoldsOn("customers:active=is.true", "active", std::nullopt));
  EXPECT_TRUE(HoldsOn("customers:active=is.false", "active", "f"));
  EXPECT_FALSE(HoldsOn("customers:active=is.false", "active", std::nullopt));
  // `is` is two-valued, as in SQL: NULL is neither true nor false, so "not true" holds.
  EXPECT_TRUE(HoldsOn("customers:active=not.is.true", "active", std::nullopt));
  EXPECT_TRUE(HoldsOn("customers:active=not.is.true", "active", "f"));
  EXPECT_FALSE(HoldsOn("customers:active=not.is.false", "active", "f"));
  EXPECT_EQ(Error("customers:active=eq.yes"), "column active is boolean, got 'yes'");
  EXPECT_EQ(Error("customers:active=lt.true"),
            "operator lt does not apply to column active (boolean)");
  EXPECT_EQ(Error("customers:active=gte.true"),
            "operator gte does not apply to column active (boolean)");
  EXPECT_EQ(Error("customers:active=in.(true)"),
            "operator in does not apply to column active (boolean)");
}

TEST(ColumnPredicate, ComparesTimestampsAsInstants) {
  // Rows carry timestamps as decoder/value_format.h writes them: UTC, six fraction digits.
  const std::string at = "2026-11-24 10:45:54.991053+00";
  EXPECT_TRUE(HoldsOn("customers:seen_at=lt.2026-12-01T00:00:00Z", "seen_at", at));
  EXPECT_FALSE(HoldsOn("customers:seen_at=gt.2026-12-01T00:00:00Z", "seen_at", at));
  EXPECT_TRUE(HoldsOn("customers:seen_at=eq.2026-11-24T10:45:54.991053Z", "seen_at", at));
  EXPECT_TRUE(HoldsOn("customers:seen_at=eq.2026-11-24T12:45:54.991053+02:00", "seen_at", at));
  EXPECT_TRUE(HoldsOn("customers:seen_at=eq.2026-11-24t07:15:54.991053-03:30", "seen_at", at));
  EXPECT_TRUE(HoldsOn("customers:seen_at=gt.2026-11-24T10:45:54.991Z", "seen_at", at));
  EXPECT_TRUE(HoldsOn("customers:seen_at=lte.2026-11-24T10:45:54.991053Z", "seen_at", at));
  EXPECT_TRUE(HoldsOn("customers:seen_at=gte.2026-11-24", "seen_at", at));
  EXPECT_FALSE(HoldsOn("customers:seen_at=gte.2026-11-25", "seen_at", at));
  EXPECT_TRUE(HoldsOn("customers:seen_at=neq.2026-11-24", "seen_at", at));
  EXPECT_TRUE(
      HoldsOn("customers:seen_at=in.(2026-11-24,2026-11-24T10:45:54.991053Z)", "seen_at", at));
  // The offset is applied across midnight.
  EXPECT_TRUE(HoldsOn("customers:seen_at=lt.2026-11-24", "seen_at", "2026-11-24 01:00:00+02"));
  EXPECT_TRUE(
      HoldsOn("customers:local_at=gte.2026-11-24T10:00:00Z", "local_at", "2026-11-24 10:00:00"));
  // 'infinity' stays text in the row, and still sorts after every instant.
  EXPECT_TRUE(HoldsOn("customers:seen_at=gt.9999-12-31", "seen_at", "infinity"));
  EXPECT_TRUE(HoldsOn("customers:seen_at=lt.0001-01-01", "seen_at", "-infinity"));
  EXPECT_TRUE(HoldsOn("customers:seen_at=neq.2026-11-24", "seen_at", "-infinity"));
  // A year past 9999 stays PostgreSQL's text, as long as the decoder's form: no instant.
  const std::string far = "10000-01-01 00:00:00.123456";
  EXPECT_FALSE(HoldsOn("customers:local_at=lt.2024-01-01", "local_at", far));
  EXPECT_FALSE(HoldsOn("customers:local_at=gt.2024-01-01", "local_at", far));
  EXPECT_EQ(Error("customers:seen_at=lt.tomorrow"),
            "column seen_at is timestamp with time zone, got 'tomorrow'");
  EXPECT_EQ(Error("customers:seen_at=lt.2026-13-01"),
            "column seen_at is timestamp with time zone, got '2026-13-01'");
  EXPECT_EQ(Error("customers:seen_at=lt.2026-11-24T10:45:54.1234567Z"),
            "column seen_at is timestamp with time zone, got '2026-11-24T10:45:54.1234567Z'");
}

TEST(ColumnPredicate, ComparesTextInByteOrder) {
  EXPECT_TRUE(HoldsOn("customers:name=eq.Alice", "name", "Alice"));
  EXPECT_FALSE(HoldsOn("customers:name=eq.Alice", "name", "alice"));
  EXPECT_TRUE(HoldsOn("customers:name=neq.Alice", "name", "Bob"));
  EXPECT_TRUE(HoldsOn("customers:name=lt.a", "name", "Zed"));  // 'Z' < 'a'
  EXPECT_FALSE(HoldsOn("customers:name=gt.a", "name", "Zed"));
  EXPECT_TRUE(HoldsOn("customers:name=gt.M", "name", "Müller"));
  EXPECT_TRUE(HoldsOn("customers:name=gte.Alice", "name", "Alice"));
  EXPECT_TRUE(HoldsOn("customers:name=lte.Alice", "name", "Alic"));
  EXPECT_FALSE(HoldsOn("customers:name=lt.Alice", "name", "Alice "));
  EXPECT_TRUE(HoldsOn("customers:name=eq.", "name", ""));
  EXPECT_TRUE(HoldsOn("customers:email=eq.a.b@example.com", "email", "a.b@example.com"));
  EXPECT_TRUE(HoldsOn("customers:handle=lt.b", "handle", "alice"));
  EXPECT_TRUE(HoldsOn("customers:born=lt.2000-01-01", "born", "1999-12-31"));
  EXPECT_TRUE(HoldsOn("customers:born=gte.2000-01-01", "born", "2000-01-01"));
  // PostgreSQL reads a uuid in any case and writes it in lower case.
  EXPECT_TRUE(HoldsOn("customers:uid=eq.A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "uid",
                      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
}

TEST(ColumnPredicate, ComparesValuesThatNeedEscapes) {
  // Equality on the escaped form, order on the values themselves.
  EXPECT_TRUE(HoldsOn("customers:name=eq.say \"hi\"\\", "name", "say \"hi\"\\"));
  EXPECT_TRUE(HoldsOn("customers:name=eq.two\nlines", "name", "two\nlines"));
  EXPECT_FALSE(HoldsOn("customers:name=eq.two\nlines", "name", "two\\nlines"));
  // '"' (0x22) sorts before '#' (0x23), though its escape starts with '\\' (0x5C).
  EXPECT_TRUE(HoldsOn("customers:name=lt.a#", "name", "a\""));
  EXPECT_FALSE(HoldsOn("customers:name=lt.a\"", "name", "a\""));
  EXPECT_TRUE(HoldsOn("customers:name=lte.a\"", "name", "a\""));
  EXPECT_TRUE(HoldsOn("customers:name=gt.a\"", "name", "a\"b"));
  EXPECT_TRUE(HoldsOn("customers:name=lt.a\x02", "name", std::string("a\x01", 2)));
  EXPECT_TRUE(HoldsOn("customers:name=gt.\x1f", "name", "\x1f\x1f"));
}

TEST(ColumnPredicate, IgnoresTrailingBlanksOfCharN) {
  EXPECT_TRUE(HoldsOn("customers:country=eq.DE", "country", "DE "));
  EXPECT_TRUE(HoldsOn("customers:country=eq.DE  ", "country", "DE "));
  EXPECT_TRUE(HoldsOn("customers:country=in.(FR,DE)", "country", "DE "));
  EXPECT_FALSE(HoldsOn("customers:country=gt.DE", "country", "DE "));
  EXPECT_TRUE(HoldsOn("customers:country=gt.DE", "country", "DEU"));
  // Only char(n) pads: text keeps its blanks.
  EXPECT_FALSE(HoldsOn("customers:name=eq.DE", "name", "DE "));
}

TEST(ColumnPredicate, ReadsQuotedListValues) {
  const std::string filter = R"x(customers:name=in.(Alice,"Smith, John","(x)","say \"hi\"",""))x";
  EXPECT_TRUE(HoldsOn(filter, "name", "Alice"));
  EXPECT_TRUE(HoldsOn(filter, "name", "Smith, John"));
  EXPECT_TRUE(HoldsOn(filter, "name", "(x)"));
  EXPECT_TRUE(HoldsOn(filter, "name", "say \"hi\""));
  EXPECT_TRUE(HoldsOn(filter, "name", ""));
  EXPECT_FALSE(HoldsOn(filter, "name", "Smith"));
  EXPECT_FALSE(HoldsOn(filter, "name", "\"Alice\""));
  // Unquoted values keep their blanks; an empty one is the empty string.
  EXPECT_TRUE(HoldsOn("customers:name=in.(a, b)", "name", " b"));
  EXPECT_FALSE(HoldsOn("customers:name=in.(a, b)", "name", "b"));
  EXPECT_TRUE(HoldsOn("customers:name=in.(a,)", "name", ""));
  // in.() is the empty list: nothing is in it.
  EXPECT_FALSE(HoldsOn("customers:name=in.()", "name", ""));
  EXPECT_TRUE(HoldsOn("customers:name=not.in.()", "name", "x"));
}

// An in-list reads the row's value once and compares it with each value, in the column's type.
TEST(ColumnPredicate, InListsCompareEachValueInTheColumnsType) {
  EXPECT_TRUE(HoldsOn("customers:big=in.(7,-9223372036854775808)", "big", "-9223372036854775808"));
  EXPECT_FALSE(HoldsOn("customers:big=in.(7,8)", "big", "70"));
  EXPECT_TRUE(HoldsOn("customers:balance=in.(1,99.5)", "balance", "99.50"));
  EXPECT_TRUE(HoldsOn("customers:balance=in.(1e2,3)", "balance", "100.00"));
  EXPECT_FALSE(HoldsOn("customers:balance=in.(99.49,99.51)", "balance", "99.50"));
  EXPECT_TRUE(HoldsOn("customers:country=in.(FR,DE)", "country", "DE "));  // char(3)'s blanks
  EXPECT_TRUE(HoldsOn("customers:name=in.(\"a,b\",c)", "name", "a,b"));
  EXPECT_FALSE(HoldsOn("customers:name=in.(a,b)", "name", "a,b"));
  EXPECT_TRUE(HoldsOn("customers:seen_at=in.(2026-12-01T11:00:00+01:00)", "seen_at",
                      "2026-12-01 10:00:00+00"));
  EXPECT_TRUE(HoldsOn("customers:mood=in.(sad,ok)", "mood", "ok"));
  // An empty list holds on nothing, its negation on every value; a NULL on neither.
  EXPECT_FALSE(HoldsOn("customers:id=in.()", "id", "1"));
  EXPECT_TRUE(HoldsOn("customers:id=not.in.()", "id", "1"));
  EXPECT_TRUE(HoldsOn("customers:id=not.in.()", "id", "x"));
  EXPECT_FALSE(HoldsOn("customers:id=in.(1)", "id", std::nullopt));
  EXPECT_FALSE(HoldsOn("customers:id=not.in.(1)", "id", std::nullopt));
  // A value that is not of the column's type (as the row could not carry it) compares with none.
  EXPECT_FALSE(HoldsOn("customers:id=in.(1)", "id", "x"));
  EXPECT_FALSE(HoldsOn("customers:id=not.in.(1)", "id", "x"));
}

TEST(ColumnPredicate, JsonOnlyTestsNull) {
  EXPECT_TRUE(HoldsOn("customers:profile=is.null", "profile", std::nullopt));
  EXPECT_FALSE(HoldsOn("customers:profile=is.null", "profile", "{\"a\": 1}"));
  EXPECT_TRUE(HoldsOn("customers:profile=not.is.null", "profile", "{\"a\": 1}"));
  // A JSON null is written `null`, as NULL is: the row cannot tell them apart.
  EXPECT_TRUE(HoldsOn("customers:doc=is.null", "doc", "null"));
  EXPECT_EQ(Error("customers:profile=eq.{}"),
            "operator eq does not apply to column profile (jsonb)");
  EXPECT_EQ(Error("customers:doc=in.(1)"), "operator in does not apply to column doc (json)");
  EXPECT_EQ(Error("customers:doc=is.true"), "operator is.true does not apply to column doc (json)");
}

TEST(ColumnPredicate, OtherTypesCompareTheirTextForEquality) {
  EXPECT_TRUE(HoldsOn("customers:tags=eq.{a,b}", "tags", "{a,b}"));
  EXPECT_TRUE(HoldsOn("customers:tags=in.(\"{a,b}\",{c})", "tags", "{a,b}"));
  EXPECT_TRUE(HoldsOn("customers:mood=in.(happy,sad)", "mood", "sad"));
  EXPECT_TRUE(HoldsOn("customers:mood=neq.happy", "mood", "sad"));
  EXPECT_TRUE(HoldsOn("customers:mood=not.eq.happy", "mood", "sad"));
  EXPECT_EQ(Error("customers:mood=lt.happy"), "operator lt does not apply to column mood (mood)");
  EXPECT_EQ(Error("customers:tags=gte.{}"), "operator gte does not apply to column tags (text[])");
  EXPECT_EQ(Error("customers:name=is.true"),
            "operator is.true does not apply to column name (text)");
  EXPECT_EQ(Error("customers:id=is.false"),
            "operator is.false does not apply to column id (integer)");
}

// NULL, and a column the row of a FULL table does not have (dropped since), satisfy only
// is.null: negated comparisons included.
TEST(ColumnPredicate, NullSatisfiesOnlyIsNull) {
  for (const char* filter :
       {"customers:id=eq.1", "customers:id=neq.1", "customers:id=not.eq.1", "customers:id=lt.1",
        "customers:id=not.lt.1", "customers:id=in.(1)", "customers:id=not.in.(1)",
        "customers:id=not.in.()", "customers:id=not.is.null", "customers:name=neq.x",
        "customers:name=not.gt.x", "customers:seen_at=not.lt.2026-01-01",
        "customers:balance=not.eq.1", "customers:active=neq.true", "customers:active=is.true",
        "customers:mood=not.in.(a)"}) {
    ColumnPredicate p = Parse(filter);
    EXPECT_FALSE(p.Holds(Customer({{p.column(), std::nullopt}}))) << filter;
    EXPECT_FALSE(p.Holds(Customer({{"uid", "x"}}))) << filter << " on a row without the column";
    EXPECT_FALSE(p.Holds(Row())) << filter << " on an empty row";
  }
  EXPECT_TRUE(Parse("customers:id=is.null").Holds(Customer({{"id", std::nullopt}})));
  EXPECT_TRUE(Parse("customers:id=is.null").Holds(Customer({{"name", "x"}})));
  EXPECT_FALSE(Parse("customers:id=is.null").Holds(Customer({{"id", "0"}})));
  EXPECT_TRUE(Parse("customers:id=not.is.null").Holds(Customer({{"id", "0"}})));
  EXPECT_EQ(Error("customers:id=is.not.null"),
            "filter 'customers:id=is.not.null': is takes null, true or false");
}

// sales.invoices has REPLICA IDENTITY DEFAULT: a key-only delete carries `id` alone, so a
// predicate on another column cannot be judged and holds; one on the key is judged as usual.
TEST(ColumnPredicate, APartialRowOfANonFullTableCannotFailAPredicateOnAColumnItLacks) {
  decoder::RowBuilder key_only(32, 1);
  key_only.AddValue(decoder::JsonKey("id"), decoder::ValueKind::kNumber, "7");
  const Row deleted = std::move(key_only).Finish();
  for (const char* filter : {"sales.invoices:amount=gt.10", "sales.invoices:amount=is.null",
                             "sales.invoices:amount=not.is.null", "sales.invoices:amount=eq.1"}) {
    EXPECT_TRUE(Parse(filter).Holds(deleted)) << filter;
  }
  EXPECT_TRUE(Parse("sales.invoices:id=eq.7").Holds(deleted));
  EXPECT_FALSE(Parse("sales.invoices:id=eq.8").Holds(deleted));

  decoder::RowBuilder full(64, 2);
  full.AddValue(decoder::JsonKey("id"), decoder::ValueKind::kNumber, "7");
  full.AddValue(decoder::JsonKey("amount"), decoder::ValueKind::kText, "5.00");
  const Row inserted = std::move(full).Finish();
  EXPECT_FALSE(Parse("sales.invoices:amount=gt.10").Holds(inserted)) << "present: judged";
  EXPECT_FALSE(Parse("sales.invoices:amount=is.null").Holds(inserted));

  decoder::RowBuilder no_key(32, 1);
  no_key.AddValue(decoder::JsonKey("amount"), decoder::ValueKind::kText, "5.00");
  EXPECT_FALSE(Parse("sales.invoices:id=eq.7").Holds(std::move(no_key).Finish()))
      << "a key column is in every row: absent means NULL";
}

TEST(ColumnPredicate, FindsColumnsWhoseNamesNeedEscaping) {
  ColumnPredicate p = Parse("customers:we\"ird=eq.x");
  EXPECT_EQ(p.column(), "we\"ird");
  EXPECT_TRUE(p.Holds(Customer({{"id", "1"}, {"we\"ird", "x"}})));
  EXPECT_FALSE(p.Holds(Customer({{"id", "1"}, {"we\"ird", "y"}})));
}

TEST(ColumnPredicate, ReportsSyntaxErrors) {
  constexpr char kShape[] = "expected <table>:<column>=<op>.<value>";
  EXPECT_EQ(Error("customers"), std::string("filter 'customers': ") + kShape);
  EXPECT_EQ(Error("customers:age"), std::string("filter 'customers:age': ") + kShape);
  EXPECT_EQ(Error(":id=eq.1"), std::string("filter ':id=eq.1': ") + kShape);
  EXPECT_EQ(Error("customers:=eq.1"), std::string("filter 'customers:=eq.1': ") + kShape);
  EXPECT_EQ(Error("customers:id=eq"), std::string("filter 'customers:id=eq': ") + kShape);
  EXPECT_EQ(Error("customers:id=not.eq"), std::string("filter 'customers:id=not.eq': ") + kShape);
  EXPECT_EQ(Error("customers:id=like.1"),
            "filter 'customers:id=like.1': unknown operator 'like' "
            "(eq, neq, lt, lte, gt, gte, in, is)");
  EXPECT_EQ(Error("customers:id=not.not.eq.1"),
            "filter 'customers:id=not.not.eq.1': unknown operator 'not' "
            "(eq, neq, lt, lte, gt, gte, in, is)");
  EXPECT_EQ(Error("customers:id=is.maybe"),
            "filter 'customers:id=is.maybe': is takes null, true or false");
  EXPECT_EQ(Error("customers:id=is.NULL"),
            "filter 'customers:id=is.NULL': is takes null, true or false");
  EXPECT_EQ(Error("customers:id=in.1,2"),
            "filter 'customers:id=in.1,2': in takes a list in parentheses, in.(a,b)");
  EXPECT_EQ(Error("customers:id=in.(1,2"),
            "filter 'customers:id=in.(1,2': in takes a list in parentheses, in.(a,b)");
  EXPECT_EQ(Error("customers:name=in.(\"a,b)"),
            "filter 'customers:name=in.(\"a,b)': a quoted value in the list has no closing quote");
  EXPECT_EQ(Error("customers:name=in.(\"a\"b)"),
            "filter 'customers:name=in.(\"a\"b)': a quoted value in the list must be followed by "
            "',' or ')'");
  EXPECT_EQ(Error("customers:name=in.(a(b),c)"),
            "filter 'customers:name=in.(a(b),c)': quote list values that hold commas, "
            "parentheses or quotes: in.(a,\"b,c\")");
  EXPECT_EQ(Error("customers:name=in.(a\"b)"),
            "filter 'customers:name=in.(a\"b)': quote list values that hold commas, "
            "parentheses or quotes: in.(a,\"b,c\")");
}

TEST(ColumnPredicate, ReportsUnknownTablesAndColumns) {
  EXPECT_EQ(Error("x:id=eq.1"), "table 'x' is not streamed");
  EXPECT_EQ(Error("invoices:id=eq.1"), "table 'invoices' is not streamed");  // not in public
  EXPECT_EQ(Error("other.customers:id=eq.1"), "table 'other.customers' is not streamed");
  EXPECT_EQ(Error("customers:cuntry=eq.DE"), "table customers has no column 'cuntry'");
  EXPECT_EQ(Error("public.customers:ID=eq.1"), "table customers has no column 'ID'");
  EXPECT_EQ(Error("sales.invoices:total=gt.1"), "table sales.invoices has no column 'total'");
  // Client input is quoted bounded, and as valid UTF-8.
  EXPECT_EQ(Error(std::string(300, 'x') + ":id=eq.1"),
            "table '" + std::string(128, 'x') + "' is not streamed");
  EXPECT_EQ(Error("bad\xff:id=eq.1"), "table 'bad\xEF\xBF\xBD' is not streamed");
  // Syntax is checked before the catalog.
  EXPECT_EQ(Error("x:id=like.1"),
            "filter 'x:id=like.1': unknown operator 'like' (eq, neq, lt, lte, gt, gte, in, is)");
}

TEST(ColumnPredicate, ListsHoldAtMostAHundredValues) {
  std::string list;
  for (int i = 0; i < 100; ++i) list += (i == 0 ? "" : ",") + std::to_string(i);
  ColumnPredicate p = Parse("customers:id=in.(" + list + ")");
  EXPECT_TRUE(p.Holds(Customer({{"id", "99"}})));
  EXPECT_FALSE(p.Holds(Customer({{"id", "100"}})));
  // The error quotes the filter's first 128 bytes.
  const std::string too_long = "customers:id=in.(" + list + ",100)";
  EXPECT_EQ(Error(too_long),
            "filter '" + too_long.substr(0, 128) + "': a list holds at most 100 values");
}

TEST(ColumnFilter, PassesTablesWithoutPredicates) {
  ColumnFilter filter;
  EXPECT_TRUE(filter.Empty());
  const Row row = Customer({{"id", "1"}});
  EXPECT_TRUE(filter.Matches("customers", &row, nullptr));
  ASSERT_FALSE(filter.Add(Parse("sales.invoices:amount=gt.100")));
  EXPECT_FALSE(filter.Empty());
  EXPECT_TRUE(filter.Matches("customers", &row, nullptr));
  decoder::RowBuilder small(64, 2);
  small.AddValue(decoder::JsonKey("id"), decoder::ValueKind::kNumber, "1");
  small.AddValue(decoder::JsonKey("amount"), decoder::ValueKind::kText, "5");
  const Row invoice = std::move(small).Finish();
  EXPECT_FALSE(filter.Matches("sales.invoices", &invoice, nullptr));
  // sales.invoices is not FULL: a row without amount is partial, and cannot fail on it.
  EXPECT_TRUE(filter.Matches("sales.invoices", &row, nullptr));
}

TEST(ColumnFilter, AndsPredicatesOfOneTable) {
  ColumnFilter filter;
  ASSERT_FALSE(filter.Add(Parse("customers:country=eq.DE")));
  ASSERT_FALSE(filter.Add(Parse("customers:id=gte.18")));
  const Row both = Customer({{"id", "20"}, {"country", "DE"}});
  const Row one = Customer({{"id", "17"}, {"country", "DE"}});
  EXPECT_TRUE(filter.Matches("customers", &both, nullptr));
  EXPECT_FALSE(filter.Matches("customers", &one, nullptr));
}

// An update passes when its new row passes, or its old row does: a row leaving the filter is seen.
TEST(ColumnFilter, MatchesTheNewOrTheOldRow) {
  ColumnFilter filter;
  ASSERT_FALSE(filter.Add(Parse("customers:country=eq.DE")));
  ASSERT_FALSE(filter.Add(Parse("customers:id=gte.18")));
  const Row in = Customer({{"id", "20"}, {"country", "DE"}});
  const Row out = Customer({{"id", "20"}, {"country", "FR"}});
  // Half of the predicates on each row is not enough: all must hold on one row.
  const Row half_new = Customer({{"id", "1"}, {"country", "DE"}});
  const Row half_old = Customer({{"id", "20"}, {"country", "FR"}});
  EXPECT_TRUE(filter.Matches("customers", &in, &out));  // leaves DE
  EXPECT_TRUE(filter.Matches("customers", &out, &in));  // enters DE
  EXPECT_FALSE(filter.Matches("customers", &out, &out));
  EXPECT_FALSE(filter.Matches("customers", &half_new, &half_old));
  EXPECT_TRUE(filter.Matches("customers", nullptr, &in));    // a delete's row, as old
  EXPECT_FALSE(filter.Matches("customers", &out, nullptr));  // no old row to pass on
  // A truncate has no row, and passes.
  EXPECT_TRUE(filter.Matches("customers", nullptr, nullptr));
}

TEST(ColumnFilter, AddsEachTextOnceAndAtMost32) {
  ColumnFilter filter;
  for (int i = 0; i < 32; ++i) {
    ASSERT_FALSE(filter.Add(Parse("customers:id=neq." + std::to_string(i)))) << i;
  }
  EXPECT_EQ(filter.size(), 32u);
  // A duplicate changes nothing, even when full.
  EXPECT_FALSE(filter.Add(Parse("public.customers:id=neq.5")));
  EXPECT_EQ(filter.size(), 32u);
  EXPECT_EQ(filter.Add(Parse("customers:id=neq.32")), "at most 32 filters per connection");
  EXPECT_EQ(filter.Add(Parse("sales.invoices:id=eq.1")), "at most 32 filters per connection");
  EXPECT_EQ(filter.size(), 32u);
  filter.Remove("customers:id=neq.0");
  EXPECT_FALSE(filter.Add(Parse("customers:id=neq.32")));
  EXPECT_EQ(filter.size(), 32u);
}

TEST(ColumnFilter, ListsTablesAndTexts) {
  ColumnFilter filter;
  ASSERT_FALSE(filter.Add(Parse("sales.invoices:amount=gt.99.50")));
  ASSERT_FALSE(filter.Add(Parse("public.customers:country=in.(DE,FR)")));
  ASSERT_FALSE(filter.Add(Parse("sales.invoices:id=lt.10")));
  EXPECT_EQ(filter.Tables(), (std::vector<std::string>{"sales.invoices", "customers"}));
  EXPECT_EQ(filter.Texts(),
            (std::vector<std::string>{"sales.invoices:amount=gt.99.50", "sales.invoices:id=lt.10",
                                      "customers:country=in.(DE,FR)"}));
  ASSERT_EQ(filter.Predicates().size(), 3u);
  EXPECT_EQ(filter.Predicates()[1].text(), "sales.invoices:id=lt.10");
  // A table's predicates stay together when another table's come between.
  const Row row = Customer({{"country", "DE"}});
  EXPECT_TRUE(filter.Matches("customers", &row, nullptr));
  ASSERT_FALSE(filter.Add(Parse("customers:id=is.null")));
  EXPECT_TRUE(filter.Matches("customers", &row, nullptr));
  ASSERT_FALSE(filter.Add(Parse("customers:name=eq.x")));
  EXPECT_FALSE(filter.Matches("customers", &row, nullptr));
  EXPECT_EQ(filter.Tables(), (std::vector<std::string>{"sales.invoices", "customers"}));
}

TEST(ColumnFilter, RemovesByText) {
  ColumnFilter filter;
  ASSERT_FALSE(filter.Add(Parse("customers:country=eq.DE")));
  ASSERT_FALSE(filter.Add(Parse("customers:id=gte.18")));
  ASSERT_FALSE(filter.Add(Parse("sales.invoices:amount=gt.1")));
  filter.Remove("customers:country=eq.FR");  // not there
  filter.Remove("customers:country=eq.DE ");
  EXPECT_EQ(filter.size(), 3u);
  filter.Remove("public.customers:country=eq.DE");  // normalized as the parser does
  EXPECT_EQ(filter.Texts(),
            (std::vector<std::string>{"customers:id=gte.18", "sales.invoices:amount=gt.1"}));
  filter.Remove("customers:id=gte.18");
  EXPECT_EQ(filter.Tables(), (std::vector<std::string>{"sales.invoices"}));
  const Row row = Customer({{"country", "FR"}});
  EXPECT_TRUE(filter.Matches("customers", &row, nullptr));
  filter.Remove("sales.invoices:amount=gt.1");
  EXPECT_TRUE(filter.Empty());
  EXPECT_EQ(filter.size(), 0u);
}

TEST(ColumnFilter, NormalizesTheTableOfAText) {
  EXPECT_EQ(NormalizeColumnFilterText("public.customers:id=eq.1"), "customers:id=eq.1");
  EXPECT_EQ(NormalizeColumnFilterText("customers:id=eq.1"), "customers:id=eq.1");
  EXPECT_EQ(NormalizeColumnFilterText("sales.invoices:id=eq.1"), "sales.invoices:id=eq.1");
  EXPECT_EQ(NormalizeColumnFilterText("customers:x=eq.public.y"), "customers:x=eq.public.y");
}

}  // namespace
}  // namespace walcast::api
