#include "daemon/config.h"

#include <gtest/gtest.h>

#include <sstream>

namespace walcast::daemon {
namespace {

Config MustParse(const std::vector<std::string>& args, const Environment& env = {}) {
  auto outcome = ParseConfig(args, env);
  EXPECT_TRUE(outcome.config.has_value()) << outcome.message;
  return outcome.config.value_or(Config{});
}

TEST(Config, DefaultsMatchTheContract) {
  Config c = MustParse({});
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 3001);
  EXPECT_EQ(c.db_host, "localhost");
  EXPECT_EQ(c.db_port, 5432);
  EXPECT_EQ(c.db_name, "realtime_orders");
  EXPECT_EQ(c.db_user, "postgres");
  EXPECT_EQ(c.db_password, "");
  EXPECT_FALSE(c.apply_schema);
  EXPECT_EQ(c.source, SourceMode::kAuto);
  EXPECT_EQ(c.slot, "walcast_orders");
  EXPECT_EQ(c.publication, "walcast_orders");
  EXPECT_EQ(c.rate_limit, 100);
  EXPECT_EQ(c.cors_origins, std::vector<std::string>{"*"});
  EXPECT_EQ(c.log_level, "info");
  EXPECT_GE(c.threads, 1u);
}

TEST(Config, OriginalAppVariablesStillWork) {
  Config c = MustParse({}, {{"DB_HOST", "db.internal"},
                            {"DB_PORT", "6543"},
                            {"DB_NAME", "shop"},
                            {"DB_USER", "app"},
                            {"DB_PASSWORD", "s3cret"},
                            {"PORT", "8080"}});
  EXPECT_EQ(c.db_host, "db.internal");
  EXPECT_EQ(c.db_port, 6543);
  EXPECT_EQ(c.db_name, "shop");
  EXPECT_EQ(c.db_user, "app");
  EXPECT_EQ(c.db_password, "s3cret");
  EXPECT_EQ(c.port, 8080);
}

TEST(Config, FlagWinsOverEnvironment) {
  Config c = MustParse(
      {"--port", "9000", "--db-host=flaghost", "--cors-origins", "http://a"},
      {{"PORT", "8080"}, {"DB_HOST", "envhost"}, {"WALCAST_CORS_ORIGINS", "http://x,http://y"}});
  EXPECT_EQ(c.port, 9000);
  EXPECT_EQ(c.db_host, "flaghost");
  EXPECT_EQ(c.cors_origins, std::vector<std::string>{"http://a"});
}

TEST(Config, EveryWalcastVariableIsRead) {
  Config c = MustParse({}, {{"WALCAST_HOST", "0.0.0.0"},
                            {"WALCAST_APPLY_SCHEMA", "true"},
                            {"WALCAST_SOURCE", "notify"},
                            {"WALCAST_SLOT", "s1"},
                            {"WALCAST_PUBLICATION", "p1"},
                            {"WALCAST_RATE_LIMIT", "0"},
                            {"WALCAST_API_TOKEN", "api"},
                            {"WALCAST_STREAM_TOKEN", "stream"},
                            {"WALCAST_CORS_ORIGINS", "http://a,http://b"},
                            {"WALCAST_WEB_ROOT", "/srv/web"},
                            {"WALCAST_LOG_LEVEL", "debug"},
                            {"WALCAST_THREADS", "3"},
                            {"WALCAST_MAX_BODY_BYTES", "1024"},
                            {"WALCAST_SCHEMA_FILE", "/srv/schema.sql"},
                            {"DATABASE_URL", "postgres://u@h/d"}});
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_TRUE(c.apply_schema);
  EXPECT_EQ(c.source, SourceMode::kNotify);
  EXPECT_EQ(c.slot, "s1");
  EXPECT_EQ(c.publication, "p1");
  EXPECT_EQ(c.rate_limit, 0);
  EXPECT_EQ(c.api_token, "api");
  EXPECT_EQ(c.stream_token, "stream");
  EXPECT_EQ(c.cors_origins, (std::vector<std::string>{"http://a", "http://b"}));
  EXPECT_EQ(c.web_root, "/srv/web");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.threads, 3u);
  EXPECT_EQ(c.max_body_bytes, 1024u);
  EXPECT_EQ(c.schema_file, "/srv/schema.sql");
  EXPECT_EQ(c.db_url, "postgres://u@h/d");
}

TEST(Config, RestApiOptions) {
  Config defaults = MustParse({});
  EXPECT_EQ(defaults.db_pool_size, 8u);
  EXPECT_EQ(defaults.statement_timeout_ms, 5000u);
  EXPECT_EQ(defaults.write_event_wait_ms, 2000u);
  Config c = MustParse({"--db-pool-size", "8", "--write-event-wait-ms", "0"},
                       {{"WALCAST_DB_POOL_SIZE", "2"}, {"WALCAST_STATEMENT_TIMEOUT_MS", "750"}});
  EXPECT_EQ(c.db_pool_size, 8u);
  EXPECT_EQ(c.statement_timeout_ms, 750u);
  EXPECT_EQ(c.write_event_wait_ms, 0u);
  EXPECT_FALSE(ParseConfig({"--db-pool-size", "0"}, {}).config.has_value());
}

TEST(Config, ApplySchemaIsAFlagAndABooleanVariable) {
  EXPECT_TRUE(MustParse({"--apply-schema"}).apply_schema);
  EXPECT_TRUE(MustParse({}, {{"WALCAST_APPLY_SCHEMA", "1"}}).apply_schema);
  EXPECT_FALSE(MustParse({}, {{"WALCAST_APPLY_SCHEMA", "false"}}).apply_schema);
  EXPECT_TRUE(MustParse({"--apply-schema"}, {{"WALCAST_APPLY_SCHEMA", "false"}}).apply_schema);
}

TEST(Config, FlushAsyncCommitsIsOffByDefaultAndBoundedWhenOn) {
  Config c = MustParse({});
  EXPECT_FALSE(c.flush_async_commits);
  EXPECT_EQ(c.flush_async_commits_interval_ms, 5u);
  c = MustParse({"--flush-async-commits", "--flush-async-commits-interval-ms", "20"});
  EXPECT_TRUE(c.flush_async_commits);
  EXPECT_EQ(c.flush_async_commits_interval_ms, 20u);
  c = MustParse({}, {{"WALCAST_FLUSH_ASYNC_COMMITS", "true"},
                     {"WALCAST_FLUSH_ASYNC_COMMITS_INTERVAL_MS", "1"}});
  EXPECT_TRUE(c.flush_async_commits);
  EXPECT_EQ(c.flush_async_commits_interval_ms, 1u);
  EXPECT_FALSE(MustParse({}, {{"WALCAST_FLUSH_ASYNC_COMMITS", "false"}}).flush_async_commits);
  EXPECT_EQ(ParseConfig({"--flush-async-commits-interval-ms", "0"}, {}).exit_code, 2);
  EXPECT_EQ(ParseConfig({"--flush-async-commits-interval-ms", "1001"}, {}).exit_code, 2);
  EXPECT_TRUE(MustParse({"--flush-async-commits", "--source", "replication"}).flush_async_commits);
  EXPECT_TRUE(MustParse({"--flush-async-commits"}).flush_async_commits) << "auto may choose it";
}

TEST(Config, FlushAsyncCommitsWithNotifyIsAUsageError) {
  // A notification is delivered at commit whether its WAL is flushed or not: nothing to fix.
  auto outcome = ParseConfig({"--flush-async-commits", "--source", "notify"}, {});
  EXPECT_FALSE(outcome.config);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.message.find("--flush-async-commits"), std::string::npos) << outcome.message;
  EXPECT_EQ(outcome.message.find('\n'), std::string::npos) << "one line";
}

TEST(Config, SourceAndLogLevelAreCaseInsensitive) {
  Config c = MustParse({"--source", "Replication", "--log-level", "WARN"});
  EXPECT_EQ(c.source, SourceMode::kReplication);
  EXPECT_EQ(c.log_level, "warn");
}

TEST(Config, RedisUrlMakesAClusterMemberOnTheReplicationSource) {
  Config c = MustParse(
      {"--cluster-member", "node2"},
      {{"REDIS_URL", "redis://:pw@127.0.0.1:6380/2"}, {"WALCAST_CLUSTER_TAKEOVER_MS", "3000"}});
  EXPECT_EQ(c.redis_url, "redis://:pw@127.0.0.1:6380/2");
  EXPECT_EQ(c.cluster_takeover_ms, 3000u);
  EXPECT_EQ(c.cluster_member, "node2");
  EXPECT_EQ(c.source, SourceMode::kReplication) << "--source auto becomes replication";
  EXPECT_TRUE(MustParse({}).redis_url.empty()) << "alone by default";
}

TEST(Config, TrustedProxiesAreCheckedAtStart) {
  EXPECT_EQ(MustParse({}, {{"WALCAST_TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/8"}}).trusted_proxies,
            "127.0.0.1,10.0.0.0/8");
  EXPECT_TRUE(MustParse({}).trusted_proxies.empty()) << "no proxy is trusted by default";
  auto bad = ParseConfig({"--trusted-proxies", "10.0.0.0/8,proxy.local"}, {});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.message.find("--trusted-proxies"), std::string::npos) << bad.message;
  EXPECT_NE(bad.message.find("proxy.local"), std::string::npos) << bad.message;
}

TEST(Config, VersionIsAnAnswerNotAnError) {
  auto outcome = ParseConfig({"--version"}, {});
  EXPECT_FALSE(outcome.config);
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.message, WALCAST_VERSION);
}

TEST(Config, JwtKeysAreLoadedOrRefusedWithTheReason) {
  auto none = LoadJwtVerifier(MustParse({}));
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const api::JwtVerifier>>(none));
  EXPECT_EQ(std::get<0>(none), nullptr) << "no per-user tokens by default";
  auto secret =
      LoadJwtVerifier(MustParse({}, {{"WALCAST_JWT_SECRET", "0123456789abcdef0123456789abcdef"}}));
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const api::JwtVerifier>>(secret));
  EXPECT_EQ(std::get<0>(secret)->Algorithm(), "HS256");
  auto error = [](const Config& config) {
    auto loaded = LoadJwtVerifier(config);
    return std::holds_alternative<std::string>(loaded) ? std::get<std::string>(loaded) : "";
  };
  EXPECT_NE(error(MustParse({"--jwt-secret", "short"})).find("--jwt-secret"), std::string::npos);
  EXPECT_EQ(error(MustParse({"--jwt-secret", "short"})).find("short"), std::string::npos)
      << "the secret is never echoed";
  EXPECT_NE(error(MustParse({"--jwt-public-key", "/nonexistent/key.pem"})).find("cannot read"),
            std::string::npos);
  EXPECT_NE(error(MustParse({"--jwt-secret", "0123456789abcdef0123456789abcdef", "--jwt-public-key",
                             "/nonexistent/key.pem"}))
                .find("exclude"),
            std::string::npos);
}

TEST(Config, RedisUrlErrorsAreConfigurationErrors) {
  for (const char* url : {"notaurl", "redis://host:99999", "rediss://host"}) {
    auto outcome = ParseConfig({"--redis-url", url}, {});
    EXPECT_FALSE(outcome.config) << url;
    EXPECT_EQ(outcome.exit_code, 2) << url;
    EXPECT_NE(outcome.message.find("--redis-url"), std::string::npos) << outcome.message;
  }
  auto notify = ParseConfig({"--redis-url", "redis://h", "--source", "notify"}, {});
  EXPECT_EQ(notify.exit_code, 2);
  EXPECT_NE(notify.message.find("replication"), std::string::npos) << notify.message;
  auto takeover = ParseConfig({"--cluster-takeover-ms", "10"}, {});
  EXPECT_EQ(takeover.exit_code, 2) << "below a second a live leader could lose the slot";
}

TEST(Config, UnknownOptionIsOneLineUsageError) {
  auto outcome = ParseConfig({"--no-such-option"}, {});
  EXPECT_FALSE(outcome.config);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.message.find("--no-such-option"), std::string::npos) << outcome.message;
  EXPECT_EQ(outcome.message.find('\n'), std::string::npos) << outcome.message;
}

TEST(Config, BadEnvironmentValueNamesTheVariable) {
  auto outcome = ParseConfig({}, {{"PORT", "not-a-port"}});
  EXPECT_FALSE(outcome.config);
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.message.find("PORT"), std::string::npos) << outcome.message;
}

TEST(Config, SlotAndPublicationNamesFollowPostgresRules) {
  EXPECT_EQ(ParseConfig({"--slot", "Bad-Name"}, {}).exit_code, 2);
  EXPECT_EQ(ParseConfig({"--publication", "x;drop table orders"}, {}).exit_code, 2);
  EXPECT_EQ(ParseConfig({"--slot", std::string(64, 'a')}, {}).exit_code, 2);
  EXPECT_EQ(MustParse({"--slot", "walcast_2"}).slot, "walcast_2");
}

// "schema.name" of each table, for comparing lists in one line.
std::vector<std::string> Names(const std::vector<decoder::TableName>& tables) {
  std::vector<std::string> out;
  for (const auto& t : tables) out.push_back(t.schema + "." + t.name);
  return out;
}

using Strings = std::vector<std::string>;

TEST(Config, TablesDefaultToOrders) {
  Config c = MustParse({});
  EXPECT_EQ(Names(c.tables), Strings{"public.orders"});
  EXPECT_TRUE(IsOrdersOnly(c.tables));
}

TEST(Config, TablesFromFlagAndVariable) {
  EXPECT_EQ(Names(MustParse({"--tables", "customers, sales.invoices,orders"}).tables),
            (Strings{"public.customers", "sales.invoices", "public.orders"}));
  EXPECT_EQ(Names(MustParse({}, {{"WALCAST_TABLES", "a,b"}}).tables),
            (Strings{"public.a", "public.b"}));
  // The flag wins over the variable.
  EXPECT_EQ(Names(MustParse({"--tables=c"}, {{"WALCAST_TABLES", "a,b"}}).tables),
            Strings{"public.c"});
}

TEST(Config, StarMeansEveryTableOfThePublication) {
  EXPECT_TRUE(MustParse({"--tables", "*"}).tables.empty());
  EXPECT_TRUE(MustParse({}, {{"WALCAST_TABLES", " * "}}).tables.empty());
  EXPECT_FALSE(IsOrdersOnly({}));
}

TEST(Config, TableNamesReadAsSqlIdentifiers) {
  // Unquoted names fold to lower case, as in SQL; quoted ones are kept, dots and commas included.
  EXPECT_EQ(Names(MustParse({"--tables", "Sales.Invoices,t$1,_x"}).tables),
            (Strings{"sales.invoices", "public.t$1", "public._x"}));
  auto c = MustParse({"--tables", R"("Sales"."Q1,Q2","a""b")"});
  ASSERT_EQ(c.tables.size(), 2u);
  EXPECT_EQ(c.tables[0].schema, "Sales");
  EXPECT_EQ(c.tables[0].name, "Q1,Q2");
  EXPECT_EQ(c.tables[1].schema, "public");
  EXPECT_EQ(c.tables[1].name, "a\"b");
  // Duplicates (after folding) are listed once.
  EXPECT_EQ(Names(MustParse({"--tables", "orders,public.ORDERS,Orders"}).tables),
            Strings{"public.orders"});
}

TEST(Config, MalformedTablesAreAStartupError) {
  for (const std::string& bad :
       Strings{"a.b.c", "1abc", "a,,b", "a,", ",a", "*,orders", "orders,*", "\"open", "\"\".x",
               "a b", "a;drop", "sales.", std::string(64, 'a'), ""}) {
    auto outcome = ParseConfig({"--tables", bad}, {});
    EXPECT_FALSE(outcome.config) << bad;
    EXPECT_EQ(outcome.exit_code, 2) << bad;
    EXPECT_NE(outcome.message.find("--tables"), std::string::npos) << outcome.message;
  }
  auto from_env = ParseConfig({}, {{"WALCAST_TABLES", "x.y.z"}});
  EXPECT_EQ(from_env.exit_code, 2);
  EXPECT_NE(from_env.message.find("WALCAST_TABLES"), std::string::npos) << from_env.message;
  EXPECT_NE(from_env.message.find("expected schema.table, table or *"), std::string::npos)
      << from_env.message;
  EXPECT_NE(ParseConfig({"--tables", "*,a"}, {}).message.find("cannot be mixed"),
            std::string::npos);
}

TEST(Config, TableListText) {
  EXPECT_EQ(TableListText({}), "*");
  EXPECT_EQ(TableListText({decoder::TableName{}, {"sales", "invoices"}}),
            "public.orders, sales.invoices");
}

TEST(Config, HelpDescribesTables) {
  auto help = ParseConfig({"--help"}, {}).message;
  EXPECT_NE(help.find("--tables"), std::string::npos);
  EXPECT_NE(help.find("WALCAST_TABLES"), std::string::npos);
}

TEST(Config, RejectsOutOfRangeValues) {
  EXPECT_EQ(ParseConfig({"--port", "70000"}, {}).exit_code, 2);
  EXPECT_EQ(ParseConfig({"--source", "kafka"}, {}).exit_code, 2);
  EXPECT_EQ(ParseConfig({"--rate-limit", "-1"}, {}).exit_code, 2);
  EXPECT_EQ(ParseConfig({"--log-level", "loud"}, {}).exit_code, 2);
}

TEST(Config, ReadTimeoutIsAFlagAndAVariableOfAtLeastOneSecond) {
  EXPECT_EQ(MustParse({}).read_timeout_seconds, 30u);
  EXPECT_EQ(MustParse({"--read-timeout", "2"}).read_timeout_seconds, 2u);
  EXPECT_EQ(MustParse({}, {{"WALCAST_READ_TIMEOUT", "7"}}).read_timeout_seconds, 7u);
  EXPECT_EQ(ParseConfig({"--read-timeout", "0"}, {}).exit_code, 2);
}

TEST(Config, HelpListsEveryOptionWithItsVariable) {
  auto outcome = ParseConfig({"--help"}, {});
  EXPECT_FALSE(outcome.config);
  EXPECT_EQ(outcome.exit_code, 0);
  for (const char* expected : {"--host",
                               "WALCAST_HOST",
                               "--port",
                               "PORT",
                               "--db-host",
                               "DB_HOST",
                               "--db-port",
                               "DB_PORT",
                               "--db-name",
                               "DB_NAME",
                               "--db-user",
                               "DB_USER",
                               "--db-password",
                               "DB_PASSWORD",
                               "--db-url",
                               "DATABASE_URL",
                               "--apply-schema",
                               "WALCAST_APPLY_SCHEMA",
                               "--flush-async-commits",
                               "WALCAST_FLUSH_ASYNC_COMMITS",
                               "--flush-async-commits-interval-ms",
                               "WALCAST_FLUSH_ASYNC_COMMITS_INTERVAL_MS",
                               "--source",
                               "WALCAST_SOURCE",
                               "--slot",
                               "WALCAST_SLOT",
                               "--publication",
                               "WALCAST_PUBLICATION",
                               "--rate-limit",
                               "WALCAST_RATE_LIMIT",
                               "--api-token",
                               "WALCAST_API_TOKEN",
                               "--stream-token",
                               "WALCAST_STREAM_TOKEN",
                               "--cors-origins",
                               "WALCAST_CORS_ORIGINS",
                               "--trusted-proxies",
                               "WALCAST_TRUSTED_PROXIES",
                               "--jwt-secret",
                               "WALCAST_JWT_SECRET",
                               "--jwt-public-key",
                               "WALCAST_JWT_PUBLIC_KEY",
                               "--web-root",
                               "WALCAST_WEB_ROOT",
                               "--log-level",
                               "WALCAST_LOG_LEVEL"}) {
    EXPECT_NE(outcome.message.find(expected), std::string::npos) << expected;
  }
}

TEST(DotEnv, ParsesTheOriginalAppsFile) {
  std::istringstream in(
      "# database\n"
      "DB_HOST=localhost\n"
      "export DB_PORT=5433\n"
      "DB_PASSWORD=\"with spaces # not a comment\"\n"
      "DB_USER='quoted'\n"
      "PORT=3002 # trailing comment\n"
      "\n"
      "not a line\n");
  std::vector<std::string> errors;
  Environment env = ParseDotEnv(in, &errors);
  EXPECT_EQ(env["DB_HOST"], "localhost");
  EXPECT_EQ(env["DB_PORT"], "5433");
  EXPECT_EQ(env["DB_PASSWORD"], "with spaces # not a comment");
  EXPECT_EQ(env["DB_USER"], "quoted");
  EXPECT_EQ(env["PORT"], "3002");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("line 8"), std::string::npos);
}

TEST(DotEnv, ProcessEnvironmentWinsOverDotEnv) {
  Environment merged = MergeEnvironment({{"PORT", "1"}}, {{"PORT", "2"}, {"DB_NAME", "x"}});
  EXPECT_EQ(merged["PORT"], "1");
  EXPECT_EQ(merged["DB_NAME"], "x");
}

TEST(Config, ConnectionParamsUseUrlWhenGiven) {
  Config c;
  c.db_password = "pw";
  auto params = ConnectionParams(c);
  auto find = [&](const std::string& key) {
    for (auto& [k, v] : params)
      if (k == key) return v;
    return std::string("<missing>");
  };
  EXPECT_EQ(find("host"), "localhost");
  EXPECT_EQ(find("password"), "pw");
  c.db_url = "postgres://u@h:1/d";
  params = ConnectionParams(c);
  EXPECT_EQ(find("dbname"), "postgres://u@h:1/d");
  EXPECT_EQ(find("host"), "<missing>");
}

}  // namespace
}  // namespace walcast::daemon
