// Quoting for the few statements that cannot take parameters: a walsender connection speaks only
// the simple query protocol, and DDL such as CREATE PUBLICATION has no parameters. Everything else
// uses PQsendQueryParams. Pure; the rules are PostgreSQL's quote_identifier/quote_literal with
// standard_conforming_strings on (the default since 9.1).
#pragma once

#include <string>
#include <string_view>

namespace walcast::database {

// "name" with embedded double quotes doubled.
std::string QuoteIdentifier(std::string_view name);
// 'text' with embedded single quotes doubled; NUL bytes are dropped (PostgreSQL text has none).
std::string QuoteLiteral(std::string_view text);
// "schema"."table" from schema.table (a name without a dot is quoted as one identifier).
std::string QuoteQualifiedName(std::string_view qualified);

}  // namespace walcast::database
