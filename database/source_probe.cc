#include "database/source_probe.h"

#include <libpq-fe.h>

#include <charconv>
#include <string_view>
#include <vector>

#include "database/pg_connection.h"

namespace walcast::database {
namespace {

// One row; the role comes from pg_roles so a role without a pg_authid privilege can read it.
// current_setting works for any role (wal_level and the max_* settings are not superuser-only).
constexpr char kFactsSql[] =
    "SELECT current_setting('wal_level'), current_user::text, "
    "coalesce((SELECT rolreplication OR rolsuper FROM pg_catalog.pg_roles "
    "WHERE rolname = current_user), false), "
    "current_setting('max_wal_senders'), current_setting('max_replication_slots')";

int ToInt(const char* text) {
  int value = 0;
  std::string_view view(text);
  std::from_chars(view.data(), view.data() + view.size(), value);
  return value;
}

}  // namespace

SourceProbe ChooseSource(const ServerFacts& facts) {
  std::vector<std::string> problems;
  if (facts.wal_level != "logical") {
    problems.push_back("wal_level is " + facts.wal_level + " (needs logical)");
  }
  if (!facts.role_may_replicate) {
    problems.push_back("role " + facts.role + " lacks REPLICATION (ALTER ROLE " + facts.role +
                       " REPLICATION)");
  }
  if (facts.max_wal_senders < 1) problems.push_back("max_wal_senders is 0");
  if (facts.max_replication_slots < 1) problems.push_back("max_replication_slots is 0");

  SourceProbe probe;
  probe.replication_possible = problems.empty();
  if (probe.replication_possible) {
    probe.reason = "wal_level is logical and role " + facts.role + " may replicate";
    return probe;
  }
  for (const auto& problem : problems) {
    if (!probe.reason.empty()) probe.reason += "; ";
    probe.reason += problem;
  }
  return probe;
}

boost::asio::awaitable<SourceProbe> ProbeSource(PgConnection& connection,
                                                std::chrono::milliseconds timeout) {
  auto outcome = co_await connection.Exec(kFactsSql, timeout);
  SourceProbe probe;
  if (!outcome.ok()) {
    probe.error = std::move(outcome.error);
    probe.reason = "cannot read the server settings: " + probe.error->message;
    co_return probe;
  }
  pg_result* result = outcome.result.get();
  if (result == nullptr || PQntuples(result) != 1 || PQnfields(result) != 5) {
    probe.error = PgError{"", "unexpected answer reading the server settings"};
    probe.reason = probe.error->message;
    co_return probe;
  }
  ServerFacts facts;
  facts.wal_level = PQgetvalue(result, 0, 0);
  facts.role = PQgetvalue(result, 0, 1);
  facts.role_may_replicate = std::string_view(PQgetvalue(result, 0, 2)) == "t";
  facts.max_wal_senders = ToInt(PQgetvalue(result, 0, 3));
  facts.max_replication_slots = ToInt(PQgetvalue(result, 0, 4));
  co_return ChooseSource(facts);
}

}  // namespace walcast::database
