// Column filters on the hot path: pgoutput bytes -> StreamDecoder (read, normalize, assemble),
// then every change tested against the ColumnFilters of ten clients (api/stream/column_filter.h),
// each with one or two predicates of different operators and column types. `filters:0` is the
// same decoding without filters, so the difference is what the filters cost. The table has eight
// columns of mixed types; updates carry the old row (REPLICA IDENTITY FULL), so a filter that the
// new row fails is also tested on the old one. Items are changes; `allocs/change` counts heap
// allocations per change over the timed loop, `passed/change` the filters a change passed.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "api/stream/column_filter.h"
#include "decoder/stream_decoder.h"
#include "decoder/table_catalog.h"
#include "decoder/testing/allocation_counter.h"
#include "decoder/testing/pgoutput_encoder.h"

namespace walcast::api {
namespace {

namespace t = decoder::testing;

constexpr uint32_t kCustomersRelationId = 16400;
constexpr int64_t kCommitTime = 848'832'354'991'053;

struct ColumnType {
  const char* name;
  const char* type;
  uint32_t oid;
};
constexpr ColumnType kColumns[] = {
    {"id", "bigint", 20},
    {"name", "text", 25},
    {"country", "character(2)", 1042},
    {"age", "integer", 23},
    {"balance", "numeric(12,2)", 1700},
    {"active", "boolean", 16},
    {"updated_at", "timestamp with time zone", 1184},
    {"profile", "jsonb", 3802},
};

std::string CustomersRelation() {
  std::vector<t::Column> columns;
  for (const ColumnType& c : kColumns) columns.push_back(t::Column{c.name, c.oid, c.oid == 20});
  return t::Relation(kCustomersRelationId, "public", "customers", 'f', columns);
}

decoder::CatalogTables Catalog() {
  decoder::CatalogTable customers{"public", "customers", decoder::ReplicaIdentity::kFull, {}};
  for (const ColumnType& c : kColumns) {
    customers.columns.push_back({c.name, c.type, c.oid, c.oid == 20, c.oid == 20});
  }
  return {customers};
}

// A row as PostgreSQL's text output writes it; `version` changes what an update changes.
t::Tuple CustomerRow(int i, int version) {
  static const char* const kCountries[] = {"DE", "FR", "IT", "US", "ES"};
  return {t::Text(std::to_string(1000 + i)),
          t::Text("Customer " + std::to_string(i)),
          t::Text(kCountries[(i + version) % 5]),
          t::Text(std::to_string(16 + i % 60)),
          t::Text(std::to_string((i * 37 + version * 101) % 1000) + ".50"),
          t::Text((i + version) % 2 == 0 ? "t" : "f"),
          t::Text(version == 0 ? "2026-11-24 10:45:54.991053+00" : "2026-12-02 08:00:01.5+00"),
          t::Text(R"({"tier": "gold", "tags": ["a", "b"], "score": 12})")};
}

enum Path { kInsert = 0, kUpdate = 1 };

std::vector<std::string> Transaction(Path path, int changes) {
  std::vector<std::string> messages = {t::Begin(0x1A3F2C8, kCommitTime, 1234)};
  for (int i = 0; i < changes; ++i) {
    if (path == kUpdate) {
      messages.push_back(
          t::Update(kCustomersRelationId, 'O', CustomerRow(i, 0), CustomerRow(i, 1)));
    } else {
      messages.push_back(t::Insert(kCustomersRelationId, CustomerRow(i, 0)));
    }
  }
  messages.push_back(t::Commit(0x1A3F2C8, 0x1A3F2F8, kCommitTime));
  return messages;
}

// Ten clients, no two alike: every operator, every column type of the table.
std::vector<ColumnFilter> TenClients() {
  const std::vector<std::vector<std::string>> clients = {
      {"customers:country=eq.DE"},
      {"customers:age=gte.18", "customers:balance=gt.99.50"},
      {R"(customers:country=in.(FR,IT,"ES"))"},
      {"customers:active=is.true", "customers:age=lt.65"},
      {"customers:updated_at=lt.2026-12-01T00:00:00Z"},
      {"customers:name=gt.Customer 5", "customers:country=not.eq.US"},
      {"customers:profile=not.is.null"},
      {"customers:id=in.(1001,1002,1003,1010,1020,1050)"},
      {"customers:balance=lte.500", "customers:active=eq.false"},
      {"customers:age=not.in.(30,40,50)", "customers:updated_at=gte.2026-11-01"},
  };
  const decoder::CatalogTables catalog = Catalog();
  std::vector<ColumnFilter> filters;
  for (const auto& texts : clients) {
    ColumnFilter& filter = filters.emplace_back();
    for (const std::string& text : texts) {
      auto parsed = ParseColumnPredicate(text, catalog);
      if (auto* error = std::get_if<ColumnFilterError>(&parsed)) {
        std::fprintf(stderr, "%s\n", error->message.c_str());
        std::abort();
      }
      (void)filter.Add(std::get<ColumnPredicate>(std::move(parsed)));
    }
  }
  return filters;
}

void DecodeAndFilter(benchmark::State& state) {
  const auto path = static_cast<Path>(state.range(0));
  const int changes = static_cast<int>(state.range(1));
  std::vector<ColumnFilter> filters = TenClients();
  filters.resize(static_cast<size_t>(state.range(2)));
  const std::vector<std::string> messages = Transaction(path, changes);
  decoder::StreamDecoder decoder(
      decoder::StreamDecoderOptions{.tables = {decoder::TableName{"public", "customers"}}});
  if (!decoder.Feed(CustomersRelation()).ok()) state.SkipWithError("relation");
  size_t passed = 0;
  const uint64_t allocations_before = t::AllocationCount();
  for (auto _ : state) {
    for (const std::string& message : messages) {
      auto result = decoder.Feed(message);
      if (!result.ok()) {
        state.SkipWithError(result.error().ToString().c_str());
        return;
      }
      if (!*result) continue;
      for (const decoder::OrderEvent& event : (*result)->events) {
        // A public table: its name is its qualified name.
        const decoder::Row* row = event.data ? &*event.data : nullptr;
        const decoder::Row* old_row = event.old ? &*event.old : nullptr;
        for (const ColumnFilter& filter : filters)
          passed += filter.Matches(event.table, row, old_row);
        benchmark::DoNotOptimize(row);
      }
    }
  }
  benchmark::DoNotOptimize(passed);
  const double total = static_cast<double>(state.iterations()) * changes;
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["allocs/change"] =
      static_cast<double>(t::AllocationCount() - allocations_before) / total;
  state.counters["passed/change"] = static_cast<double>(passed) / total;
}
BENCHMARK(DecodeAndFilter)
    ->ArgNames({"path", "changes_per_txn", "filters"})  // path: 0 insert, 1 update
    ->ArgsProduct({{kInsert, kUpdate}, {1, 100}, {0, 10}});

// The filters alone, on changes decoded beforehand: the cost per change of ten clients' tests.
void FilterOnly(benchmark::State& state) {
  const auto path = static_cast<Path>(state.range(0));
  const std::vector<ColumnFilter> filters = TenClients();
  decoder::StreamDecoder decoder(
      decoder::StreamDecoderOptions{.tables = {decoder::TableName{"public", "customers"}}});
  (void)decoder.Feed(CustomersRelation());
  decoder::OrderEvents events;
  for (const std::string& message : Transaction(path, 100)) {
    auto result = decoder.Feed(message);
    if (result.ok() && *result) events = (*result)->events;
  }
  size_t passed = 0;
  const uint64_t allocations_before = t::AllocationCount();
  for (auto _ : state) {
    for (const decoder::OrderEvent& event : events) {
      const decoder::Row* row = event.data ? &*event.data : nullptr;
      const decoder::Row* old_row = event.old ? &*event.old : nullptr;
      for (const ColumnFilter& filter : filters)
        passed += filter.Matches(event.table, row, old_row);
    }
  }
  benchmark::DoNotOptimize(passed);
  const double total = static_cast<double>(state.iterations()) * static_cast<double>(events.size());
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["allocs/change"] =
      static_cast<double>(t::AllocationCount() - allocations_before) / total;
  state.counters["passed/change"] = static_cast<double>(passed) / total;
}
BENCHMARK(FilterOnly)->ArgName("path")->Arg(kInsert)->Arg(kUpdate);

}  // namespace
}  // namespace walcast::api
