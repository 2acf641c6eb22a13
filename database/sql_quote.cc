#include "database/sql_quote.h"

namespace walcast::database {
namespace {

std::string Quote(std::string_view text, char quote) {
  std::string out;
  out.reserve(text.size() + 2);
  out += quote;
  for (char c : text) {
    if (c == '\0') continue;
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) { return Quote(name, '"'); }
std::string QuoteLiteral(std::string_view text) { return Quote(text, '\''); }

std::string QuoteQualifiedName(std::string_view qualified) {
  auto dot = qualified.find('.');
  if (dot == std::string_view::npos) return QuoteIdentifier(qualified);
  return QuoteIdentifier(qualified.substr(0, dot)) + "." +
         QuoteIdentifier(qualified.substr(dot + 1));
}

}  // namespace walcast::database
