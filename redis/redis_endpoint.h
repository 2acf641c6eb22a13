// Where a walcastd cluster's Redis is (docs/contract.md §8): `--redis-url` / `REDIS_URL`, the
// original app's variable, in the form redis://[[user]:password@]host[:port][/db]. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace walcast::redis {

struct RedisEndpoint {
  std::string host;  // a name or an IP address; [::1] is written with brackets in the URL
  uint16_t port = 6379;
  std::string user;      // Redis 6 ACL user; empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;

  // "host:port/db" without the password, for log lines and errors.
  std::string Describe() const;
};

// The endpoint of `url`, or an error message naming what is wrong ("redis:// URL expected",
// "port must be 1..65535", "database must be 0..15"…). Percent-escapes in the user and password
// are decoded.
std::variant<RedisEndpoint, std::string> ParseRedisUrl(std::string_view url);

}  // namespace walcast::redis
