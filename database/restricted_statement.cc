#include "database/restricted_statement.h"

#include <cstdio>
#include <cstdlib>

namespace walcast::database {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether `sql` at `*pos` holds the keyword `word` (any case) followed by whitespace or `(`; if so
// `*pos` moves past it and the whitespace after it.
bool ConsumeKeyword(std::string_view sql, size_t* pos, std::string_view word) {
  if (sql.size() - *pos < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (Lower(sql[*pos + i]) != word[i]) return false;
  }
  size_t end = *pos + word.size();
  if (end < sql.size() && !IsSpace(sql[end]) && sql[end] != '(') return false;
  while (end < sql.size() && IsSpace(sql[end])) ++end;
  *pos = end;
  return true;
}

[[noreturn]] void NotARead(const Statement& statement) {
  std::fprintf(stderr, "RestrictedRead: statement %s is not a read (retry_safe SELECT)\n",
               statement.name.c_str());
  std::abort();
}

}  // namespace

int HighestParameter(std::string_view sql) {
  int highest = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '$') continue;
    int number = 0;
    size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') {
      number = number * 10 + (sql[j] - '0');
      ++j;
    }
    if (number > highest) highest = number;
    i = j - 1;
  }
  return highest;
}

std::string RowRestrictionPredicate(int ids_parameter, int customer_parameter,
                                    std::string_view table) {
  const std::string ids = "$" + std::to_string(ids_parameter);
  const std::string customer = "$" + std::to_string(customer_parameter);
  const std::string prefix = table.empty() ? std::string() : std::string(table) + ".";
  return "(" + ids + "::int8[] IS NULL OR " + prefix + "id = ANY(" + ids + "::int8[])) AND (" +
         customer + "::text IS NULL OR " + prefix + "customer_name = " + customer + "::text)";
}

Statement RestrictedRead(const Statement& read) {
  if (!read.retry_safe) NotARead(read);
  const int next = HighestParameter(read.sql) + 1;
  const std::string visible =
      "orders AS (SELECT * FROM orders WHERE " + RowRestrictionPredicate(next, next + 1) + ")";
  std::string_view sql = read.sql;
  size_t pos = 0;
  while (pos < sql.size() && IsSpace(sql[pos])) ++pos;
  std::string restricted;
  size_t body = pos;
  if (ConsumeKeyword(sql, &body, "with")) {
    size_t after = body;
    if (ConsumeKeyword(sql, &after, "recursive")) NotARead(read);
    restricted = "WITH " + visible + ", " + std::string(sql.substr(body));
  } else if (size_t select = pos; ConsumeKeyword(sql, &select, "select")) {
    restricted = "WITH " + visible + " " + std::string(sql.substr(pos));
  } else {
    NotARead(read);
  }
  return Statement{read.name + "_restricted", std::move(restricted), read.retry_safe};
}

}  // namespace walcast::database
