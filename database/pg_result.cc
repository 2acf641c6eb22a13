#include "database/pg_result.h"

#include <libpq-fe.h>

namespace walcast::database {

std::string OneLine(std::string_view text) {
  std::string line;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += c;
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

void ResultDeleter::operator()(pg_result* result) const { PQclear(result); }
void ConnDeleter::operator()(pg_conn* conn) const { PQfinish(conn); }

}  // namespace walcast::database
