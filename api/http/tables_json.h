// The body of GET /api/tables (docs/tables.md): the streamed tables, sorted by the name events and
// filters use, each with its replica identity and its columns in table order:
//
//   {"success":true,"data":[{"schema":"public","name":"customers","qualifiedName":"customers",
//     "replicaIdentity":"full","columns":[{"name":"id","type":"integer","key":true,
//     "notNull":true},...]}],"count":1}
//
// Pure.
#pragma once

#include <string>

#include "decoder/table_catalog.h"

namespace walcast::api {

std::string TablesJson(const decoder::CatalogTables& tables);

}  // namespace walcast::api
