#include "database/table_catalog_query.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

namespace walcast::database::table_catalog_query {
namespace {

// The key columns follow decoder::CatalogColumn::key: the replica identity index's under USING
// INDEX (indisreplident), none under NOTHING, else the primary key's. pg_publication_tables lists
// the tables of a FOR ALL TABLES publication too, so `*` needs no special case; a listed table is
// looked up by name whether or not the publication holds it yet.
constexpr const char* kTablesSql =
    "WITH wanted(schema_name, table_name) AS ("
    "  SELECT schemaname::text, tablename::text FROM pg_catalog.pg_publication_tables"
    "  WHERE $2::text[] IS NULL AND pubname = $1::text"
    "  UNION"
    "  SELECT s, t FROM unnest($2::text[], $3::text[]) AS listed(s, t)),"
    " relations AS ("
    "  SELECT c.oid, n.nspname::text AS schema_name, c.relname::text AS table_name,"
    "    c.relreplident"
    "  FROM wanted w"
    "  JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema_name"
    "  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name"
    "  WHERE c.relkind IN ('r', 'p'))"
    " SELECT r.schema_name, r.table_name, r.relreplident::text AS replica_identity,"
    "   a.attname::text AS column_name,"
    "   pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type,"
    "   a.atttypid::int8 AS type_oid, a.attnotnull AS not_null,"
    "   COALESCE(a.attnum = ANY (k.indkey), false) AS is_key"
    " FROM relations r"
    " LEFT JOIN pg_catalog.pg_attribute a"
    "   ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped"
    " LEFT JOIN LATERAL ("
    "   SELECT i.indkey FROM pg_catalog.pg_index i"
    "   WHERE i.indrelid = r.oid AND CASE r.relreplident WHEN 'i' THEN i.indisreplident"
    "     WHEN 'n' THEN false ELSE i.indisprimary END"
    "   LIMIT 1) k ON true"
    " ORDER BY r.schema_name, r.table_name, a.attnum";

void AppendUtf8(uint32_t code, std::string* out) {
  if (code < 0x80) {
    *out += static_cast<char>(code);
  } else if (code < 0x800) {
    *out += static_cast<char>(0xC0 | (code >> 6));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    *out += static_cast<char>(0xE0 | (code >> 12));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// The text of a JSON string literal as decoder/value_format.h writes it (escapes for '"', '\\'
// and control characters; other bytes as they are). nullopt when `json` is not a string.
std::optional<std::string> JsonStringText(std::string_view json) {
  if (json.size() < 2 || json.front() != '"' || json.back() != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i + 1 < json.size(); ++i) {
    char c = json[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i + 1 >= json.size()) return std::nullopt;
    switch (json[i]) {
      case '"':
      case '\\':
      case '/':
        out += json[i];
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t code = 0;
        if (i + 4 >= json.size() - 1) return std::nullopt;  // four hex digits before the quote
        auto [end, ec] = std::from_chars(json.data() + i + 1, json.data() + i + 5, code, 16);
        if (ec != std::errc() || end != json.data() + i + 5) return std::nullopt;
        AppendUtf8(code, &out);
        i += 4;
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

std::optional<decoder::ReplicaIdentity> IdentityOf(std::string_view letter) {
  if (letter == "d") return decoder::ReplicaIdentity::kDefault;
  if (letter == "n") return decoder::ReplicaIdentity::kNothing;
  if (letter == "f") return decoder::ReplicaIdentity::kFull;
  if (letter == "i") return decoder::ReplicaIdentity::kIndex;
  return std::nullopt;
}

}  // namespace

const Statement& Tables() {
  static const Statement s{"walcast_table_catalog", kTablesSql, true};
  return s;
}

std::string TextArray(const std::vector<std::string>& elements) {
  // Quoted elements need only '"' and '\\' escaped (arrays.c ReadArrayStr); quoting every one
  // keeps NULL, empty and blank-padded names literal.
  std::string out = "{";
  for (const auto& element : elements) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : element) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

Params TablesParams(std::string_view publication, const std::vector<decoder::TableName>& tables) {
  Params params{std::string(publication), std::nullopt, std::nullopt};
  if (!tables.empty()) {
    std::vector<std::string> schemas;
    std::vector<std::string> names;
    for (const auto& table : tables) {
      schemas.push_back(table.schema);
      names.push_back(table.name);
    }
    params[1] = TextArray(schemas);
    params[2] = TextArray(names);
  }
  return params;
}

bool FromRows(const Rows& rows, decoder::CatalogTables* tables, std::string* error) {
  tables->clear();
  auto text = [&](const decoder::Row& row, std::string_view column) -> std::optional<std::string> {
    auto value = row.Find(column);
    if (!value) return std::nullopt;
    return JsonStringText(*value);
  };
  size_t index = 0;
  for (const auto& row : rows.rows) {
    auto fail = [&](std::string_view what) {
      *error = "catalog row " + std::to_string(index) + ": " + std::string(what);
      tables->clear();
      return false;
    };
    ++index;
    auto schema = text(row, "schema_name");
    auto name = text(row, "table_name");
    auto identity_letter = text(row, "replica_identity");
    if (!schema || !name || !identity_letter) return fail("no schema, table or replica identity");
    auto identity = IdentityOf(*identity_letter);
    if (!identity) return fail("unknown replica identity '" + *identity_letter + "'");
    if (tables->empty() || tables->back().schema != *schema || tables->back().name != *name) {
      decoder::CatalogTable table;
      table.schema = std::move(*schema);
      table.name = std::move(*name);
      table.replica_identity = *identity;
      tables->push_back(std::move(table));
    }
    auto column_value = row.Find("column_name");
    if (!column_value || *column_value == "null") continue;  // a table without columns
    decoder::CatalogColumn column;
    auto column_name = JsonStringText(*column_value);
    auto type = text(row, "column_type");
    auto oid = row.Find("type_oid");
    auto not_null = row.Find("not_null");
    auto key = row.Find("is_key");
    if (!column_name || !type || !oid || !not_null || !key) {
      return fail("a column without name, type, type_oid, not_null or is_key");
    }
    auto [end, ec] = std::from_chars(oid->data(), oid->data() + oid->size(), column.type_oid);
    if (ec != std::errc() || end != oid->data() + oid->size()) return fail("type_oid not a number");
    column.name = std::move(*column_name);
    column.type = std::move(*type);
    column.not_null = *not_null == "true";
    column.key = *key == "true";
    tables->back().columns.push_back(std::move(column));
  }
  std::stable_sort(tables->begin(), tables->end(), [](const auto& a, const auto& b) {
    return a.QualifiedName() < b.QualifiedName();
  });
  return true;
}

void Load(PgPool& pool, std::string_view publication, const std::vector<decoder::TableName>& tables,
          std::function<void(Outcome)> done) {
  pool.Execute(Tables(), TablesParams(publication, tables),
               [done = std::move(done)](StoreOutcome outcome) {
                 Outcome result;
                 if (!outcome.ok()) {
                   result.error = "cannot read the table catalog: " +
                                  (outcome.log_message.empty() ? std::string("database unavailable")
                                                               : outcome.log_message);
                 } else if (!FromRows(outcome.rows, &result.tables, &result.error)) {
                   result.tables.clear();
                 }
                 done(std::move(result));
               });
}

}  // namespace walcast::database::table_catalog_query
