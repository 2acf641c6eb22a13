#include "decoder/table_catalog.h"

namespace walcast::decoder {

std::string CatalogTable::QualifiedName() const {
  if (schema == "public") return name;
  return schema + "." + name;
}

const CatalogColumn* CatalogTable::FindColumn(std::string_view column) const {
  for (const CatalogColumn& candidate : columns) {
    if (candidate.name == column) return &candidate;
  }
  return nullptr;
}

std::string_view ReplicaIdentityName(ReplicaIdentity identity) {
  switch (identity) {
    case ReplicaIdentity::kDefault:
      return "default";
    case ReplicaIdentity::kNothing:
      return "nothing";
    case ReplicaIdentity::kFull:
      return "full";
    case ReplicaIdentity::kIndex:
      return "index";
  }
  return "default";
}

const CatalogTable* FindTable(const CatalogTables& tables, std::string_view name) {
  std::string_view schema = "public";
  std::string_view table = name;
  // A schema-qualified name splits at its first dot; names holding dots themselves are not
  // addressable this way (docs/tables.md).
  if (auto dot = name.find('.'); dot != std::string_view::npos) {
    schema = name.substr(0, dot);
    table = name.substr(dot + 1);
  }
  for (const CatalogTable& candidate : tables) {
    if (candidate.schema == schema && candidate.name == table) return &candidate;
  }
  return nullptr;
}

}  // namespace walcast::decoder
