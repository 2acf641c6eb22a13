#include "redis/redis_endpoint.h"

#include <gtest/gtest.h>

namespace walcast::redis {
namespace {

RedisEndpoint Parsed(std::string_view url) {
  auto parsed = ParseRedisUrl(url);
  if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << url << ": " << *error;
  return std::get_if<RedisEndpoint>(&parsed) ? std::get<RedisEndpoint>(parsed) : RedisEndpoint{};
}

std::string Refusal(std::string_view url) {
  auto parsed = ParseRedisUrl(url);
  auto* error = std::get_if<std::string>(&parsed);
  return error ? *error : "(accepted)";
}

TEST(ParseRedisUrl, HostAlone) {
  auto endpoint = Parsed("redis://cache.internal");
  EXPECT_EQ(endpoint.host, "cache.internal");
  EXPECT_EQ(endpoint.port, 6379);
  EXPECT_EQ(endpoint.db, 0);
  EXPECT_EQ(endpoint.password, "");
  EXPECT_EQ(endpoint.Describe(), "cache.internal:6379/0");
}

TEST(ParseRedisUrl, PasswordPortAndDatabase) {
  auto endpoint = Parsed("redis://:s%40cret@127.0.0.1:6380/3");
  EXPECT_EQ(endpoint.host, "127.0.0.1");
  EXPECT_EQ(endpoint.port, 6380);
  EXPECT_EQ(endpoint.password, "s@cret");
  EXPECT_EQ(endpoint.user, "");
  EXPECT_EQ(endpoint.db, 3);
  EXPECT_EQ(endpoint.Describe().find("s@cret"), std::string::npos);
}

TEST(ParseRedisUrl, AclUserAndAPasswordWithoutAColon) {
  auto acl = Parsed("redis://walcast:pw@10.0.0.5/");
  EXPECT_EQ(acl.user, "walcast");
  EXPECT_EQ(acl.password, "pw");
  // redis-cli reads redis://secret@host as the password.
  auto bare = Parsed("redis://secret@host");
  EXPECT_EQ(bare.user, "");
  EXPECT_EQ(bare.password, "secret");
}

TEST(ParseRedisUrl, BracketedIpv6) {
  auto endpoint = Parsed("redis://[::1]:7000");
  EXPECT_EQ(endpoint.host, "::1");
  EXPECT_EQ(endpoint.port, 7000);
  EXPECT_EQ(endpoint.Describe(), "[::1]:7000/0");
}

TEST(ParseRedisUrl, WhatIsWrongIsNamed) {
  EXPECT_NE(Refusal("http://host").find("redis://"), std::string::npos);
  EXPECT_NE(Refusal("host:6379").find("redis://"), std::string::npos);
  EXPECT_NE(Refusal("redis://").find("no host"), std::string::npos);
  EXPECT_NE(Refusal("redis://host:0").find("port"), std::string::npos);
  EXPECT_NE(Refusal("redis://host:65536").find("port"), std::string::npos);
  EXPECT_NE(Refusal("redis://host:63a9").find("port"), std::string::npos);
  EXPECT_NE(Refusal("redis://host/16").find("database"), std::string::npos);
  EXPECT_NE(Refusal("redis://host/x").find("database"), std::string::npos);
  EXPECT_NE(Refusal("redis://:%4@host").find("percent"), std::string::npos);
  EXPECT_NE(Refusal("redis://[::1:6379").find("["), std::string::npos);
  EXPECT_NE(Refusal("redis://host?timeout=1").find("query"), std::string::npos);
}

}  // namespace
}  // namespace walcast::redis
