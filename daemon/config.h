// Daemon configuration: every option is a CLI11 flag that may also come from an environment
// variable or a `.env` file (precedence: flag > environment > .env > default), as the original
// Node app read DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD and PORT.
//
// ParseConfig is pure: arguments and environment in, a Config or an exit decision out. main()
// gathers the process environment and the .env file and prints what ParseConfig returns.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/guard/jwt_verifier.h"
#include "decoder/normalizer.h"

namespace walcast::daemon {

enum class SourceMode { kAuto, kReplication, kNotify };

struct Config {
  // HTTP, WebSocket, SSE and UI listener.
  std::string host = "127.0.0.1";
  uint16_t port = 3001;
  unsigned threads = 0;  // 0: one per core
  std::size_t max_body_bytes = 64 * 1024;
  // Time allowed to send a whole request (headers and body), and to stay idle between requests on
  // a kept-alive connection: a client slower than this is disconnected.
  unsigned read_timeout_seconds = 30;
  // Client connections (HTTP, SSE, WebSocket) open at once. 0: derived from RLIMIT_NOFILE, less
  // the descriptors PostgreSQL connections and the process itself need (App).
  std::size_t max_connections = 0;

  // Database.
  std::string db_host = "localhost";
  uint16_t db_port = 5432;
  std::string db_name = "realtime_orders";
  std::string db_user = "postgres";
  std::string db_password;
  std::string db_url;  // a libpq conninfo string or postgres:// URI; overrides the db_* fields
  bool apply_schema = false;
  std::string schema_file;  // empty: share/walcast/schema.sql beside the binary

  // REST API (docs/rest-api.md).
  std::size_t db_pool_size = 8;          // non-blocking connections for REST queries
  unsigned statement_timeout_ms = 5000;  // per REST statement, server side
  unsigned write_event_wait_ms = 2000;   // how long a write waits for its eventId

  // Change stream.
  SourceMode source = SourceMode::kAuto;
  std::string slot = "walcast_orders";
  std::string publication = "walcast_orders";
  // The tables streamed (--tables): walcast creates or extends the publication to hold them. Empty
  // means every table of the publication (`*`, FOR ALL TABLES when walcast creates it).
  std::vector<decoder::TableName> tables{decoder::TableName{}};  // public.orders
  // How often the table catalog (GET /api/tables, what filters are checked against) is read again;
  // it is also read at once whenever the stream has created or extended the publication.
  unsigned catalog_refresh_ms = 2000;
  // Replay window (docs/contract.md §4): bounded by event count, age and WAL the slot keeps.
  std::size_t replay_max_events = 100'000;
  unsigned replay_max_age_seconds = 900;
  uint64_t replay_max_wal_bytes = 256ull << 20;
  uint64_t replay_max_bytes = 48ull << 20;
  // Large transactions (docs/change-stream.md): decoded changes of open transactions held in
  // memory, beyond which they spill to unlinked files in spill_dir, bounded by spill_max_bytes;
  // a committed one is published in parts at the pace of the clients still reading.
  std::size_t txn_memory_bytes = 32 << 20;
  std::string spill_dir;  // empty: $TMPDIR, else /var/tmp
  uint64_t spill_max_bytes = 8ull << 30;
  unsigned slow_client_timeout_seconds = 10;
  // Writers committing with synchronous_commit = off: their changes reach walcast only when the
  // server flushes their WAL (wal_writer_delay). With this, a connection of walcast's commits one
  // tiny transaction synchronously every interval while unflushed WAL exists, flushing theirs
  // (database/async_commit_flusher.h; docs/operations.md, "Late WAL flushes"). Replication only.
  bool flush_async_commits = false;
  unsigned flush_async_commits_interval_ms = 5;
  // Per-client outbound queue; a client that cannot keep up reads from the shared replay window
  // instead, and is disconnected only when what it needs has left the window.
  std::size_t max_client_queue_messages = 1024;
  std::size_t max_client_queue_bytes = 4 << 20;
  unsigned sse_heartbeat_seconds = 15;
  // A WebSocket client silent this long (no frame, no pong to the ping sent halfway) is closed:
  // half-open connections (a phone that lost its network) do not hold a slot forever.
  unsigned ws_idle_timeout_seconds = 60;
  std::size_t max_connections_per_ip = 1000;  // open streams (WebSocket + SSE); 0: no limit
  // Socket.IO (docs/contract.md §7): Engine.IO's heartbeat and largest message, the reference
  // server's defaults.
  unsigned socketio_ping_interval_ms = 25000;
  unsigned socketio_ping_timeout_ms = 20000;
  std::size_t socketio_max_payload = 1000000;

  // Cluster (docs/cluster.md): with a Redis URL this walcastd is one member of the cluster
  // sharing --slot; without one it runs alone.
  std::string redis_url;
  unsigned cluster_takeover_ms =
      5000;                    // the leader's wal_sender_timeout: a hung leader's slot frees
  std::string cluster_member;  // empty: <hostname>:<port>

  // Protection.
  double rate_limit = 100;  // requests per second per client IP; 0 disables
  std::string api_token;
  std::string stream_token;
  // Per-user tokens (api/guard/jwt_verifier.h): an HS256 secret, or the path of a PEM public key
  // (RS256 / ES256). At most one; main() loads it into `jwt` (LoadJwtVerifier).
  std::string jwt_secret;
  std::string jwt_public_key;
  std::shared_ptr<const api::JwtVerifier> jwt;
  std::vector<std::string> cors_origins{"*"};
  // Addresses and CIDR blocks whose X-Forwarded-For / Forwarded name the client (validated by
  // api/guard/trusted_proxies.h); empty: every client is its TCP peer.
  std::string trusted_proxies;

  std::string web_root;  // empty: share/walcast/web beside the binary
  std::string log_level = "info";
};

using Environment = std::map<std::string, std::string>;

// What main() should do after parsing: run with `config`, or print `message` (to stdout when
// exit_code is 0, else stderr) and exit with `exit_code`.
struct ParseOutcome {
  std::optional<Config> config;
  int exit_code = 0;
  std::string message;
};

// args excludes the program name. `env` is the merged environment (see MergeEnvironment).
ParseOutcome ParseConfig(const std::vector<std::string>& args, const Environment& env);

// The verifier of --jwt-secret / --jwt-public-key (reading the key file), null when neither is
// set, or one line saying why it cannot be used (walcastd then exits 2).
std::variant<std::shared_ptr<const api::JwtVerifier>, std::string> LoadJwtVerifier(
    const Config& config);

// Parses a dotenv file: KEY=VALUE lines, `#` comments, blank lines, an optional `export ` prefix,
// values optionally in single or double quotes. Malformed lines are returned in `errors`.
Environment ParseDotEnv(std::istream& in, std::vector<std::string>* errors);

// The process environment wins over the .env file.
Environment MergeEnvironment(const Environment& process, const Environment& dotenv);

// libpq connection keywords/values for the configured database (db_url expanded by libpq).
std::vector<std::pair<std::string, std::string>> ConnectionParams(const Config& config);

std::string_view SourceModeName(SourceMode mode);

// The --tables value: comma-separated `schema.table`, `table` (schema public) or `*` alone (empty
// result: every table of the publication). Each part is a PostgreSQL identifier as SQL reads it:
// unquoted, letters, digits, `_` and `$`, not starting with a digit, folded to lower case; or in
// double quotes, kept exactly (a `""` inside is one quote), so "Sales"."Q1,Q2" works. At most 63
// bytes each. Duplicates are dropped. Returns one line saying what is wrong otherwise.
std::variant<std::vector<decoder::TableName>, std::string> ParseTableList(std::string_view text);

// "public.orders, sales.invoices" for logs, or "*" for an empty list.
std::string TableListText(const std::vector<decoder::TableName>& tables);

// Whether the list is exactly public.orders, the only table NOTIFY mode streams.
bool IsOrdersOnly(const std::vector<decoder::TableName>& tables);

}  // namespace walcast::daemon
