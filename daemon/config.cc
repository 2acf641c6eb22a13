#include "daemon/config.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <istream>
#include <sstream>
#include <thread>

#include "api/guard/trusted_proxies.h"
#include "redis/redis_endpoint.h"

namespace walcast::daemon {
namespace {

constexpr const char* kProgram = "walcastd";

// Options whose value may come from the environment, in the order they are offered on --help.
struct EnvBinding {
  const char* flag;
  const char* variable;
};

constexpr EnvBinding kEnvBindings[] = {
    {"--host", "WALCAST_HOST"},
    {"--port", "PORT"},
    {"--threads", "WALCAST_THREADS"},
    {"--max-body-bytes", "WALCAST_MAX_BODY_BYTES"},
    {"--read-timeout", "WALCAST_READ_TIMEOUT"},
    {"--max-connections", "WALCAST_MAX_CONNECTIONS"},
    {"--db-host", "DB_HOST"},
    {"--db-port", "DB_PORT"},
    {"--db-name", "DB_NAME"},
    {"--db-user", "DB_USER"},
    {"--db-password", "DB_PASSWORD"},
    {"--db-url", "DATABASE_URL"},
    {"--apply-schema", "WALCAST_APPLY_SCHEMA"},
    {"--schema-file", "WALCAST_SCHEMA_FILE"},
    {"--db-pool-size", "WALCAST_DB_POOL_SIZE"},
    {"--statement-timeout-ms", "WALCAST_STATEMENT_TIMEOUT_MS"},
    {"--write-event-wait-ms", "WALCAST_WRITE_EVENT_WAIT_MS"},
    {"--source", "WALCAST_SOURCE"},
    {"--slot", "WALCAST_SLOT"},
    {"--publication", "WALCAST_PUBLICATION"},
    {"--tables", "WALCAST_TABLES"},
    {"--catalog-refresh-ms", "WALCAST_CATALOG_REFRESH_MS"},
    {"--replay-max-events", "WALCAST_REPLAY_MAX_EVENTS"},
    {"--replay-max-age", "WALCAST_REPLAY_MAX_AGE"},
    {"--replay-max-wal-bytes", "WALCAST_REPLAY_MAX_WAL_BYTES"},
    {"--replay-max-bytes", "WALCAST_REPLAY_MAX_BYTES"},
    {"--txn-memory-bytes", "WALCAST_TXN_MEMORY_BYTES"},
    {"--spill-dir", "WALCAST_SPILL_DIR"},
    {"--spill-max-bytes", "WALCAST_SPILL_MAX_BYTES"},
    {"--slow-client-timeout", "WALCAST_SLOW_CLIENT_TIMEOUT"},
    {"--flush-async-commits", "WALCAST_FLUSH_ASYNC_COMMITS"},
    {"--flush-async-commits-interval-ms", "WALCAST_FLUSH_ASYNC_COMMITS_INTERVAL_MS"},
    {"--max-client-queue-messages", "WALCAST_MAX_CLIENT_QUEUE_MESSAGES"},
    {"--max-client-queue-bytes", "WALCAST_MAX_CLIENT_QUEUE_BYTES"},
    {"--sse-heartbeat", "WALCAST_SSE_HEARTBEAT"},
    {"--ws-idle-timeout", "WALCAST_WS_IDLE_TIMEOUT"},
    {"--socketio-ping-interval", "WALCAST_SOCKETIO_PING_INTERVAL"},
    {"--socketio-ping-timeout", "WALCAST_SOCKETIO_PING_TIMEOUT"},
    {"--socketio-max-payload", "WALCAST_SOCKETIO_MAX_PAYLOAD"},
    {"--max-connections-per-ip", "WALCAST_MAX_CONNECTIONS_PER_IP"},
    {"--redis-url", "REDIS_URL"},
    {"--cluster-takeover-ms", "WALCAST_CLUSTER_TAKEOVER_MS"},
    {"--cluster-member", "WALCAST_CLUSTER_MEMBER"},
    {"--rate-limit", "WALCAST_RATE_LIMIT"},
    {"--api-token", "WALCAST_API_TOKEN"},
    {"--stream-token", "WALCAST_STREAM_TOKEN"},
    {"--jwt-secret", "WALCAST_JWT_SECRET"},
    {"--jwt-public-key", "WALCAST_JWT_PUBLIC_KEY"},
    {"--cors-origins", "WALCAST_CORS_ORIGINS"},
    {"--trusted-proxies", "WALCAST_TRUSTED_PROXIES"},
    {"--web-root", "WALCAST_WEB_ROOT"},
    {"--log-level", "WALCAST_LOG_LEVEL"},
};

const char* VariableFor(const std::string& flag) {
  for (const auto& binding : kEnvBindings) {
    if (flag == binding.flag) return binding.variable;
  }
  return nullptr;
}

// Adds an option whose help line names its environment variable.
template <typename T>
CLI::Option* AddOption(CLI::App& app, const std::string& flag, T& target,
                       const std::string& description) {
  const char* variable = VariableFor(flag);
  return app.add_option(flag, target, description + " [env: " + variable + "]")
      ->capture_default_str();
}

void DefineOptions(CLI::App& app, Config& c, std::string& source, std::string& tables) {
  app.description(
      "walcastd: streams every committed change of PostgreSQL tables (--tables; default `orders`)\n"
      "to browsers, terminals and services (WebSocket, Server-Sent Events) and serves the orders\n"
      "REST API and web UI on one port. Every option may also be set by the environment\n"
      "variable shown, or in a .env file in the working directory; a flag wins over the\n"
      "environment, which wins over .env.");
  app.get_formatter()->column_width(34);
  // A later value replaces an earlier one: environment values are passed first, flags after.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  AddOption(app, "--host", c.host, "Address to listen on for HTTP, WebSocket, SSE and the UI")
      ->group("Server");
  AddOption(app, "--port", c.port, "Port to listen on (0 picks a free port and logs it)")
      ->group("Server");
  AddOption(app, "--threads", c.threads, "Event-loop threads (0: one per CPU core)")
      ->group("Server");
  AddOption(app, "--max-body-bytes", c.max_body_bytes,
            "Largest accepted request body; larger gets 413")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64} << 20))
      ->group("Server");
  AddOption(app, "--read-timeout", c.read_timeout_seconds,
            "Seconds a client has to send a whole request, and a kept-alive connection may idle")
      ->check(CLI::Range(1u, 3600u))
      ->group("Server");
  AddOption(app, "--max-connections", c.max_connections,
            "Client connections (HTTP, SSE, WebSocket) open at once; past it idle keep-alive "
            "connections are closed to make room, else new ones get 503. 0: the descriptor "
            "limit (RLIMIT_NOFILE) less a reserve for PostgreSQL connections and files")
      ->group("Server");
  AddOption(app, "--web-root", c.web_root,
            "Directory of the web UI's static files (default: share/walcast/web beside the binary)")
      ->group("Server");

  AddOption(app, "--db-host", c.db_host, "PostgreSQL host")->group("Database");
  AddOption(app, "--db-port", c.db_port, "PostgreSQL port")->group("Database");
  AddOption(app, "--db-name", c.db_name, "Database name")->group("Database");
  AddOption(app, "--db-user", c.db_user, "Database role")->group("Database");
  AddOption(app, "--db-password", c.db_password,
            "Database password (prefer the environment: flags are visible in `ps`)")
      ->group("Database");
  AddOption(app, "--db-url", c.db_url,
            "libpq connection string or postgres:// URI; replaces the --db-* options")
      ->group("Database");
  app.add_flag("--apply-schema", c.apply_schema,
               "Apply the schema (idempotent) when the database is first reached; the variable "
               "takes true/false [env: WALCAST_APPLY_SCHEMA]")
      ->group("Database");
  AddOption(
      app, "--schema-file", c.schema_file,
      "Schema applied by --apply-schema (default: share/walcast/schema.sql beside the binary)")
      ->group("Database");

  AddOption(app, "--source", source,
            "Change source: replication (logical slot), notify (trigger NOTIFY), or auto "
            "(replication when allowed, else notify)")
      ->transform(CLI::IsMember({"auto", "replication", "notify"}, CLI::ignore_case))
      ->group("Change stream");
  // PostgreSQL's rule for slot names; publications follow it too, so neither needs quoting care.
  auto name_rule = CLI::Validator(
      [](std::string& name) -> std::string {
        bool ok =
            !name.empty() && name.size() <= 63 &&
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
        return ok ? "" : "must be 1 to 63 lower-case letters, digits or underscores";
      },
      "NAME");
  AddOption(app, "--slot", c.slot, "Logical replication slot (created if missing)")
      ->check(name_rule)
      ->group("Change stream");
  AddOption(app, "--publication", c.publication,
            "Publication of the streamed tables (created if missing, extended by a listed table "
            "it lacks)")
      ->check(name_rule)
      ->group("Change stream");
  AddOption(app, "--tables", tables,
            "Tables to stream, comma-separated: schema.table, or table for schema public; * "
            "streams every table of the publication (created FOR ALL TABLES, which needs a "
            "superuser). Names fold to lower case unless double-quoted. NOTIFY mode streams "
            "orders only")
      ->check(CLI::Validator(
          [](std::string& list) -> std::string {
            auto parsed = ParseTableList(list);
            auto* error = std::get_if<std::string>(&parsed);
            return error ? *error : "";
          },
          "LIST"))
      ->group("Change stream");
  AddOption(app, "--catalog-refresh-ms", c.catalog_refresh_ms,
            "How often the table catalog (GET /api/tables, checked by column filters) is read "
            "again, in milliseconds; also read as soon as the publication was created or extended")
      ->check(CLI::Range(100, 3'600'000))
      ->group("Change stream");
  AddOption(app, "--db-pool-size", c.db_pool_size,
            "Database connections the REST API uses (non-blocking, shared by all requests)")
      ->check(CLI::Range(1, 256))
      ->group("REST API");
  AddOption(app, "--statement-timeout-ms", c.statement_timeout_ms,
            "statement_timeout of REST queries, in milliseconds")
      ->check(CLI::Range(1, 3'600'000))
      ->group("REST API");
  AddOption(app, "--write-event-wait-ms", c.write_event_wait_ms,
            "How long a write response waits for its change event (eventId); 0: never waits")
      ->check(CLI::Range(0, 60'000))
      ->group("REST API");
  AddOption(app, "--replay-max-events", c.replay_max_events,
            "Events kept for clients resuming with a last event id")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--replay-max-age", c.replay_max_age_seconds, "Seconds an event stays replayable")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--replay-max-wal-bytes", c.replay_max_wal_bytes,
            "WAL bytes the slot may hold back for the replay window")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--replay-max-bytes", c.replay_max_bytes,
            "Bytes of serialized events the replay window holds")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--txn-memory-bytes", c.txn_memory_bytes,
            "Memory for the changes of open transactions; beyond, the largest spills to disk")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--spill-dir", c.spill_dir,
            "Directory of spill files (unlinked: nothing is left behind; default: $TMPDIR or "
            "/var/tmp)")
      ->group("Change stream");
  AddOption(app, "--spill-max-bytes", c.spill_max_bytes,
            "Disk all spill files may use; a transaction needing more stops the stream with an "
            "error until this is raised")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--slow-client-timeout", c.slow_client_timeout_seconds,
            "Seconds a client catching up may read nothing and still hold back a large "
            "transaction's publication")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  app.add_flag("--flush-async-commits", c.flush_async_commits,
               "Writers commit with synchronous_commit = off and their changes arrive up to "
               "wal_writer_delay late: every --flush-async-commits-interval-ms, while unflushed "
               "WAL exists, commit one tiny transaction synchronously on a connection of "
               "walcastd's, which flushes theirs. Costs one xid and one WAL flush per interval "
               "while writers commit asynchronously, none when idle. Replication source only; "
               "the variable takes true/false [env: WALCAST_FLUSH_ASYNC_COMMITS]")
      ->group("Change stream");
  AddOption(app, "--flush-async-commits-interval-ms", c.flush_async_commits_interval_ms,
            "With --flush-async-commits: milliseconds between its checks, the most a change "
            "waits for its WAL flush")
      ->check(CLI::Range(1u, 1000u))
      ->group("Change stream");
  AddOption(app, "--max-client-queue-messages", c.max_client_queue_messages,
            "Messages queued for one stream client; beyond, it reads from the replay window")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--max-client-queue-bytes", c.max_client_queue_bytes,
            "Bytes queued for one stream client; beyond, it reads from the replay window")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--max-connections-per-ip", c.max_connections_per_ip,
            "Open WebSocket and SSE streams per client address; 0: no limit")
      ->group("Change stream");
  AddOption(app, "--sse-heartbeat", c.sse_heartbeat_seconds,
            "Seconds between comment heartbeats on idle event streams")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--ws-idle-timeout", c.ws_idle_timeout_seconds,
            "Seconds of silence after which a WebSocket client is closed (a ping is sent "
            "halfway; browsers answer it by themselves)")
      ->check(CLI::PositiveNumber)
      ->group("Change stream");
  AddOption(app, "--socketio-ping-interval", c.socketio_ping_interval_ms,
            "Milliseconds between the server's Engine.IO pings to a Socket.IO client")
      ->check(CLI::Range(1u, 3600000u))
      ->group("Socket.IO");
  AddOption(app, "--socketio-ping-timeout", c.socketio_ping_timeout_ms,
            "Milliseconds a Socket.IO client has to answer a ping before it is closed")
      ->check(CLI::Range(1u, 3600000u))
      ->group("Socket.IO");
  AddOption(app, "--socketio-max-payload", c.socketio_max_payload,
            "Largest Engine.IO message or polling body a Socket.IO client may send, in bytes")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->group("Socket.IO");

  AddOption(app, "--redis-url", c.redis_url,
            "Join the cluster of walcastd sharing --slot through this Redis "
            "(redis://[[user]:password@]host[:port][/db]); none: run alone")
      ->group("Cluster");
  AddOption(app, "--cluster-takeover-ms", c.cluster_takeover_ms,
            "The leader's wal_sender_timeout: a leader that stops answering loses the slot to "
            "another member after this many milliseconds")
      ->check(CLI::Range(1000u, 600000u))
      ->group("Cluster");
  AddOption(app, "--cluster-member", c.cluster_member,
            "This member's name in logs and in the stream's meta (none: <hostname>:<port>)")
      ->group("Cluster");

  AddOption(app, "--rate-limit", c.rate_limit,
            "REST requests per second per client IP (burst 2x); 0 disables")
      ->check(CLI::NonNegativeNumber)
      ->group("Security");
  AddOption(app, "--api-token", c.api_token, "Bearer token required for writes (none: open)")
      ->group("Security");
  AddOption(app, "--stream-token", c.stream_token,
            "Bearer token required for /ws and /api/events (none: open)")
      ->group("Security");
  AddOption(app, "--jwt-secret", c.jwt_secret,
            "Accept per-user tokens (JWT) signed with HS256 and this secret (at least 32 bytes): "
            "their scope, expiry and row restriction apply; every /api request and stream then "
            "needs a token")
      ->group("Security");
  AddOption(app, "--jwt-public-key", c.jwt_public_key,
            "Accept per-user tokens (JWT) verified with this PEM public key file: RSA (RS256) or "
            "EC P-256 (ES256); instead of --jwt-secret")
      ->group("Security");
  AddOption(app, "--trusted-proxies", c.trusted_proxies,
            "Comma-separated addresses or CIDR blocks of reverse proxies (127.0.0.1,10.0.0.0/8): "
            "from them only, the client address for rate limits, per-address caps and logs is the "
            "right-most X-Forwarded-For (or Forwarded) hop that is not a trusted proxy")
      ->check(CLI::Validator(
          [](std::string& list) -> std::string {
            auto parsed = api::TrustedProxies::Parse(list);
            auto* error = std::get_if<std::string>(&parsed);
            return error ? *error : "";
          },
          "LIST"))
      ->group("Security");
  AddOption(app, "--cors-origins", c.cors_origins,
            "Comma-separated origins allowed by CORS; * allows any (without credentials)")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->group("Security");

  AddOption(app, "--log-level", c.log_level, "Log level")
      ->transform(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"},
                                CLI::ignore_case))
      ->group("Logging");
}

bool SameTable(const decoder::TableName& a, const decoder::TableName& b) {
  return a.schema == b.schema && a.name == b.name;
}

// Reads one identifier at text[*pos] into *out, as PostgreSQL's scanner does (scan.l: plain
// identifiers are folded by downcase_identifier, quoted ones kept as written), and advances *pos
// past it. Returns what is wrong instead when it cannot.
std::optional<std::string> ReadIdentifier(std::string_view text, size_t* pos, std::string* out) {
  out->clear();
  size_t i = *pos;
  if (i < text.size() && text[i] == '"') {
    for (++i;; ++i) {
      if (i >= text.size()) return "unterminated quoted name";
      if (text[i] == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          *out += '"';
          ++i;
          continue;
        }
        ++i;
        break;
      }
      *out += text[i];
    }
    if (out->empty()) return "empty quoted name";
  } else {
    auto is_start = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
             static_cast<unsigned char>(c) >= 0x80;
    };
    auto is_part = [&](char c) { return is_start(c) || (c >= '0' && c <= '9') || c == '$'; };
    if (i >= text.size() || !is_start(text[i])) {
      return "expected a name (letters, digits, _ or $, or a \"quoted\" name)";
    }
    for (; i < text.size() && is_part(text[i]); ++i) {
      char c = text[i];
      *out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  if (out->size() > 63) return "name longer than 63 bytes";
  *pos = i;
  return std::nullopt;
}

std::string Trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  auto end = s.find_last_not_of(" \t\r");
  return std::string(s.substr(begin, end - begin + 1));
}

}  // namespace

std::string_view SourceModeName(SourceMode mode) {
  switch (mode) {
    case SourceMode::kAuto:
      return "auto";
    case SourceMode::kReplication:
      return "replication";
    case SourceMode::kNotify:
      return "notify";
  }
  return "?";
}

std::variant<std::vector<decoder::TableName>, std::string> ParseTableList(std::string_view text) {
  std::vector<decoder::TableName> tables;
  bool all = false;
  size_t entries = 0;
  size_t pos = 0;
  auto skip_blanks = [&] {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  };
  while (true) {
    skip_blanks();
    const size_t start = pos;
    auto fail = [&](const std::string& why) {
      return why + " at \"" + std::string(text.substr(start)) +
             "\" (expected schema.table, table or *)";
    };
    ++entries;
    if (pos < text.size() && text[pos] == '*') {
      all = true;
      ++pos;
    } else {
      decoder::TableName table;
      if (auto error = ReadIdentifier(text, &pos, &table.name)) return fail(*error);
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        table.schema = std::move(table.name);
        if (auto error = ReadIdentifier(text, &pos, &table.name)) return fail(*error);
      }
      bool seen = false;
      for (const auto& t : tables) seen = seen || SameTable(t, table);
      if (!seen) tables.push_back(std::move(table));
    }
    skip_blanks();
    if (pos == text.size()) break;
    if (text[pos] != ',') return fail("unexpected character");
    ++pos;
  }
  if (all && entries > 1) {
    return std::string(
        "* streams every table of the publication and cannot be mixed "
        "with table names");
  }
  return tables;
}

std::string TableListText(const std::vector<decoder::TableName>& tables) {
  if (tables.empty()) return "*";
  std::string out;
  for (const auto& table : tables) {
    if (!out.empty()) out += ", ";
    out += table.schema + "." + table.name;
  }
  return out;
}

bool IsOrdersOnly(const std::vector<decoder::TableName>& tables) {
  return tables.size() == 1 && SameTable(tables[0], decoder::TableName{});
}

ParseOutcome ParseConfig(const std::vector<std::string>& args, const Environment& env) {
  Config config;
  std::string source{SourceModeName(config.source)};
  std::string tables = "orders";
  CLI::App app;
  app.name(kProgram);
  app.set_version_flag("--version", WALCAST_VERSION);
  DefineOptions(app, config, source, tables);

  // Environment values go first as if they were flags, so a real flag given later wins. A list
  // option (--cors-origins) takes all values, so its environment value is dropped when the flag
  // is also given.
  std::vector<std::string> effective;
  std::vector<std::pair<std::string, std::string>> from_env;
  for (const auto& binding : kEnvBindings) {
    auto it = env.find(binding.variable);
    if (it == env.end() || it->second.empty()) continue;
    bool flag_given = false;
    for (const auto& arg : args) {
      if (arg == binding.flag || arg.rfind(std::string(binding.flag) + "=", 0) == 0) {
        flag_given = true;
      }
    }
    if (flag_given) continue;
    effective.push_back(std::string(binding.flag) + "=" + it->second);
    from_env.emplace_back(binding.flag, binding.variable);
  }
  effective.insert(effective.end(), args.begin(), args.end());

  // CLI11 wants the arguments in reverse order in a vector.
  std::vector<std::string> reversed(effective.rbegin(), effective.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::CallForVersion&) {
    return {std::nullopt, 0, WALCAST_VERSION};
  } catch (const CLI::ParseError& e) {
    std::string message = std::string(kProgram) + ": " + e.what();
    for (const auto& [flag, variable] : from_env) {
      if (message.find(flag) != std::string::npos) {
        message += " (value from environment variable " + std::string(variable) + ")";
      }
    }
    return {std::nullopt, 2, message + "; see --help"};
  }
  config.source = source == "replication" ? SourceMode::kReplication
                  : source == "notify"    ? SourceMode::kNotify
                                          : SourceMode::kAuto;
  // Validated by the option's check already.
  config.tables = std::get<std::vector<decoder::TableName>>(ParseTableList(tables));
  if (config.flush_async_commits && config.source == SourceMode::kNotify) {
    return {std::nullopt, 2,
            std::string(kProgram) +
                ": --flush-async-commits needs the replication source: a notification is "
                "delivered at commit, flushed or not (use --source replication or auto)"};
  }
  if (config.threads == 0) config.threads = std::max(1u, std::thread::hardware_concurrency());
  if (!config.redis_url.empty()) {
    auto endpoint = redis::ParseRedisUrl(config.redis_url);
    if (auto* error = std::get_if<std::string>(&endpoint)) {
      return {std::nullopt, 2, std::string(kProgram) + ": --redis-url: " + *error};
    }
    if (config.source == SourceMode::kNotify) {
      return {std::nullopt, 2,
              std::string(kProgram) +
                  ": --redis-url needs the replication source: NOTIFY ids are per process, so "
                  "members could not share them (use --source replication or auto)"};
    }
    config.source = SourceMode::kReplication;
  }
  return {config, 0, ""};
}

std::variant<std::shared_ptr<const api::JwtVerifier>, std::string> LoadJwtVerifier(
    const Config& config) {
  if (config.jwt_secret.empty() && config.jwt_public_key.empty()) {
    return std::shared_ptr<const api::JwtVerifier>();
  }
  if (!config.jwt_secret.empty() && !config.jwt_public_key.empty()) {
    return std::string(kProgram) + ": --jwt-secret and --jwt-public-key exclude each other";
  }
  api::JwtKeyOptions options;
  options.hs256_secret = config.jwt_secret;
  if (!config.jwt_public_key.empty()) {
    std::ifstream in(config.jwt_public_key);
    std::ostringstream pem;
    if (!in || !(pem << in.rdbuf())) {
      return std::string(kProgram) + ": --jwt-public-key: cannot read " + config.jwt_public_key;
    }
    options.public_key_pem = pem.str();
  }
  auto verifier = api::JwtVerifier::Create(options);
  if (auto* error = std::get_if<std::string>(&verifier)) {
    return std::string(kProgram) + ": " +
           (config.jwt_secret.empty() ? "--jwt-public-key: " : "--jwt-secret: ") + *error;
  }
  return std::get<std::shared_ptr<const api::JwtVerifier>>(std::move(verifier));
}

Environment ParseDotEnv(std::istream& in, std::vector<std::string>* errors) {
  Environment out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string text = Trim(line);
    if (text.empty() || text[0] == '#') continue;
    if (text.rfind("export ", 0) == 0) text = Trim(text.substr(7));
    auto eq = text.find('=');
    std::string key = eq == std::string::npos ? "" : Trim(text.substr(0, eq));
    bool valid_key = !key.empty() && key.find_first_not_of(
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "abcdefghijklmnopqrstuvwxyz"
                                         "0123456789_") == std::string::npos;
    if (!valid_key) {
      if (errors) errors->push_back("line " + std::to_string(number) + ": expected KEY=VALUE");
      continue;
    }
    std::string value = Trim(text.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (auto hash = value.find(" #"); hash != std::string::npos) {
      value = Trim(value.substr(0, hash));  // an unquoted value may end in a comment
    }
    out[key] = value;
  }
  return out;
}

Environment MergeEnvironment(const Environment& process, const Environment& dotenv) {
  Environment merged = dotenv;
  for (const auto& [key, value] : process) merged[key] = value;
  return merged;
}

std::vector<std::pair<std::string, std::string>> ConnectionParams(const Config& config) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!config.db_url.empty()) {
    // With expand_dbname, libpq parses a conninfo string or URI given as dbname.
    params.emplace_back("dbname", config.db_url);
  } else {
    params.emplace_back("host", config.db_host);
    params.emplace_back("port", std::to_string(config.db_port));
    params.emplace_back("dbname", config.db_name);
    params.emplace_back("user", config.db_user);
    if (!config.db_password.empty()) params.emplace_back("password", config.db_password);
  }
  params.emplace_back("application_name", "walcast");
  params.emplace_back("connect_timeout", "10");
  return params;
}

}  // namespace walcast::daemon
