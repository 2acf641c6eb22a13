#include "pg_result.h"

#include <libpq-fe.h>

namespace walcast::database {

void ResultDeleter::operator()(pg_result* result) const { PQclear(result); }
void ConnDeleter::operator()(pg_conn* conn) const { PQfinish(conn); }

}  // namespace walcast::database
