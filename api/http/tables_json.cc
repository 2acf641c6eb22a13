#include "api/http/tables_json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <vector>

namespace walcast::api {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void String(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace

std::string TablesJson(const decoder::CatalogTables& tables) {
  std::vector<const decoder::CatalogTable*> sorted;
  sorted.reserve(tables.size());
  for (const auto& table : tables) sorted.push_back(&table);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->QualifiedName() < b->QualifiedName(); });

  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("success");
  writer.Bool(true);
  writer.Key("data");
  writer.StartArray();
  for (const auto* table : sorted) {
    writer.StartObject();
    writer.Key("schema");
    String(writer, table->schema);
    writer.Key("name");
    String(writer, table->name);
    writer.Key("qualifiedName");
    String(writer, table->QualifiedName());
    writer.Key("replicaIdentity");
    String(writer, decoder::ReplicaIdentityName(table->replica_identity));
    writer.Key("columns");
    writer.StartArray();
    for (const auto& column : table->columns) {
      writer.StartObject();
      writer.Key("name");
      String(writer, column.name);
      writer.Key("type");
      String(writer, column.type);
      writer.Key("key");
      writer.Bool(column.key);
      writer.Key("notNull");
      writer.Bool(column.not_null);
      writer.EndObject();
    }
    writer.EndArray();
    writer.EndObject();
  }
  writer.EndArray();
  writer.Key("count");
  writer.Uint64(sorted.size());
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace walcast::api
