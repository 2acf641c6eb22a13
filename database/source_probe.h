// The `--source auto` decision (docs/contract.md §5): logical replication when the server and the
// role allow it, else the NOTIFY compatibility source. ProbeSource reads the facts over a normal
// connection; ChooseSource is the pure decision, so every combination is testable without a
// server.
//
// ProbeSource uses the caller's connection (already connected, on the caller's strand, one
// operation at a time as PgConnection requires). ChooseSource is pure and thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "database/pg_result.h"

namespace walcast::database {

class PgConnection;

// What the server says about replicating as the connected role.
struct ServerFacts {
  std::string wal_level;            // current_setting('wal_level')
  std::string role;                 // current_user
  bool role_may_replicate = false;  // rolreplication OR rolsuper
  int max_wal_senders = 0;
  int max_replication_slots = 0;
};

struct SourceProbe {
  // Set when the facts could not be read (connection lost, timeout): no decision was made, and
  // the caller should retry rather than settle for NOTIFY.
  std::optional<PgError> error;
  bool replication_possible = false;
  // One line explaining the choice, for the log: "wal_level is replica (needs logical)",
  // "role app lacks REPLICATION (...)", several joined by "; ".
  std::string reason;
};

SourceProbe ChooseSource(const ServerFacts& facts);

// Reads ServerFacts on `connection` and decides. Never throws; a failure comes back in `error`.
boost::asio::awaitable<SourceProbe> ProbeSource(
    PgConnection& connection, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace walcast::database
