#include "decoder/order_event.h"

namespace walcast::decoder {

std::string_view OperationName(Operation operation) {
  switch (operation) {
    case Operation::kInsert:
      return "insert";
    case Operation::kUpdate:
      return "update";
    case Operation::kDelete:
      return "delete";
    case Operation::kTruncate:
      return "truncate";
  }
  return "unknown";
}

std::optional<Operation> ParseOperation(std::string_view name) {
  for (Operation operation :
       {Operation::kInsert, Operation::kUpdate, Operation::kDelete, Operation::kTruncate}) {
    if (OperationName(operation) == name) return operation;
  }
  return std::nullopt;
}

size_t OrderEvent::ApproxBytes() const {
  size_t bytes = sizeof(OrderEvent) + table.capacity() + schema.capacity();
  if (data) bytes += data->ApproxBytes();
  if (old) bytes += old->ApproxBytes();
  if (changed) bytes += changed->HeapBytes();
  for (const std::string& name : unchanged) bytes += sizeof(std::string) + name.capacity();
  return bytes;
}

std::string QualifiedTableName(std::string_view schema, std::string_view table) {
  std::string name;
  if (schema == "public") {
    name.assign(table);
  } else {
    name.reserve(schema.size() + 1 + table.size());
    name.append(schema).append(".").append(table);
  }
  return name;
}

std::string EventName(const OrderEvent& event) {
  std::string name;
  std::string_view operation = OperationName(event.operation);
  const bool qualified = event.schema != "public";
  name.reserve((qualified ? event.schema.size() + 1 : 0) + event.table.size() + 1 +
               operation.size());
  if (qualified) name.append(event.schema).append(".");
  name.append(event.table).append(":").append(operation);
  return name;
}

}  // namespace walcast::decoder
