#include "api/guard/trusted_proxies.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

namespace walcast::api {
namespace {

TrustedProxies Proxies(std::string_view list) {
  auto parsed = TrustedProxies::Parse(list);
  EXPECT_TRUE(std::holds_alternative<TrustedProxies>(parsed)) << std::get<std::string>(parsed);
  return std::get<TrustedProxies>(std::move(parsed));
}

Request WithHeaders(std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
  Request request(http::verb::get, "/api/orders", 11);
  for (const auto& [name, value] : headers) request.insert(name, value);
  return request;
}

bool Contains(const TrustedProxies& proxies, std::string_view address) {
  return proxies.Contains(boost::asio::ip::make_address(std::string(address)));
}

TEST(TrustedProxies, ParsesAddressesAndBlocks) {
  auto proxies = Proxies(" 127.0.0.1, 10.0.0.0/8 ,fd00::/8,192.168.1.77/24");
  EXPECT_TRUE(Contains(proxies, "127.0.0.1"));
  EXPECT_FALSE(Contains(proxies, "127.0.0.2"));
  EXPECT_TRUE(Contains(proxies, "10.255.1.2"));
  EXPECT_FALSE(Contains(proxies, "11.0.0.1"));
  EXPECT_TRUE(Contains(proxies, "fd12::1"));
  EXPECT_FALSE(Contains(proxies, "fe80::1"));
  EXPECT_TRUE(Contains(proxies, "192.168.1.1"));  // the host bits of 192.168.1.77/24 are ignored
  EXPECT_TRUE(Contains(proxies, "::ffff:10.1.2.3"));  // IPv4-mapped is the IPv4 address
  EXPECT_FALSE(Contains(Proxies(""), "127.0.0.1"));
  EXPECT_TRUE(Contains(Proxies("0.0.0.0/0"), "203.0.113.9"));
  EXPECT_FALSE(Contains(Proxies("0.0.0.0/0"), "2001:db8::1"));  // families never mix
  EXPECT_TRUE(Contains(Proxies("10.0.0.0/13"), "10.7.255.255"));
  EXPECT_FALSE(Contains(Proxies("10.0.0.0/13"), "10.8.0.0"));
}

TEST(TrustedProxies, RefusesWhatIsNotAnAddressOrBlock) {
  for (std::string_view bad : {"localhost", "10.0.0.0/33", "fd00::/129", "10.0.0.1/", "1.2.3.4/x",
                               "10.0.0.0/8,", "1.2.3.4:80", "10.0.0.0/-1"}) {
    auto parsed = TrustedProxies::Parse(bad);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << bad;
    EXPECT_NE(std::get<std::string>(parsed).find('\''), std::string::npos) << bad;
  }
}

TEST(TrustedProxies, ParsesHopsWithPortsAndBrackets) {
  EXPECT_EQ(ParseForwardedHop("203.0.113.9")->to_string(), "203.0.113.9");
  EXPECT_EQ(ParseForwardedHop(" 203.0.113.9:4711 ")->to_string(), "203.0.113.9");
  EXPECT_EQ(ParseForwardedHop("2001:db8::1")->to_string(), "2001:db8::1");
  EXPECT_EQ(ParseForwardedHop("\"[2001:db8::1]:4711\"")->to_string(), "2001:db8::1");
  EXPECT_EQ(ParseForwardedHop("[2001:db8::1]")->to_string(), "2001:db8::1");
  EXPECT_EQ(ParseForwardedHop("::ffff:192.0.2.1")->to_string(), "192.0.2.1");
  for (std::string_view bad :
       {"", "unknown", "_hidden", "[2001:db8::1", "1.2.3", "a.b.c.d", "\"\"", "1.2.3.4:80:90x"}) {
    EXPECT_FALSE(ParseForwardedHop(bad)) << bad;
  }
}

TEST(TrustedProxies, AnUntrustedPeerIsTheClientWhateverItClaims) {
  auto proxies = Proxies("127.0.0.1");
  auto request = WithHeaders({{"X-Forwarded-For", "198.51.100.7"}, {"Forwarded", "for=1.2.3.4"}});
  EXPECT_EQ(proxies.ClientAddress(request, "127.0.0.2"), "127.0.0.2");
  EXPECT_EQ(Proxies("").ClientAddress(request, "127.0.0.1"), "127.0.0.1");
}

TEST(TrustedProxies, TakesTheRightMostHopThatIsNotTrusted) {
  auto proxies = Proxies("127.0.0.1, 10.0.0.0/8");
  // The client forged the first entry; nginx appended the real one.
  EXPECT_EQ(proxies.ClientAddress(WithHeaders({{"X-Forwarded-For", "203.0.113.9, 127.0.0.2"}}),
                                  "127.0.0.1"),
            "127.0.0.2");
  // Two proxies: the inner one (10.1.1.1) is trusted, so the hop before it is the client.
  EXPECT_EQ(
      proxies.ClientAddress(
          WithHeaders({{"X-Forwarded-For", "203.0.113.9, 198.51.100.7, 10.1.1.1"}}), "127.0.0.1"),
      "198.51.100.7");
  // Several header lines are one list, in order.
  EXPECT_EQ(proxies.ClientAddress(WithHeaders({{"X-Forwarded-For", "203.0.113.9"},
                                               {"X-Forwarded-For", "198.51.100.7"}}),
                                  "127.0.0.1"),
            "198.51.100.7");
  // Everybody on the path is trusted: the farthest one is the client.
  EXPECT_EQ(
      proxies.ClientAddress(WithHeaders({{"X-Forwarded-For", "10.0.0.5, 10.0.0.6"}}), "127.0.0.1"),
      "10.0.0.5");
  // No header: the proxy itself (a health check it makes).
  EXPECT_EQ(proxies.ClientAddress(WithHeaders({}), "127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(proxies.ClientAddress(WithHeaders({{"X-Forwarded-For", "[2001:db8::7]:55"}}),
                                  "::ffff:127.0.0.1"),
            "2001:db8::7");
}

TEST(TrustedProxies, AHopThatIsNotAnAddressStopsAtTheProxyThatReportedIt) {
  auto proxies = Proxies("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(proxies.ClientAddress(WithHeaders({{"X-Forwarded-For", "198.51.100.7, garbage"}}),
                                  "127.0.0.1"),
            "127.0.0.1");
  EXPECT_EQ(proxies.ClientAddress(
                WithHeaders({{"X-Forwarded-For", "198.51.100.7, unknown, 10.0.0.9"}}), "127.0.0.1"),
            "10.0.0.9");
  EXPECT_EQ(proxies.ClientAddress(WithHeaders({{"X-Forwarded-For", ""}}), "127.0.0.1"),
            "127.0.0.1");
}

TEST(TrustedProxies, ReadsForwardedOnlyWithoutXForwardedFor) {
  auto proxies = Proxies("127.0.0.1");
  EXPECT_EQ(
      proxies.ClientAddress(
          WithHeaders({{"Forwarded", "for=203.0.113.9;proto=https, For=\"[2001:db8::9]:1\""}}),
          "127.0.0.1"),
      "2001:db8::9");
  EXPECT_EQ(
      proxies.ClientAddress(WithHeaders({{"Forwarded", "proto=https;by=10.0.0.1"}}), "127.0.0.1"),
      "127.0.0.1");  // an element without for= names nobody
  EXPECT_EQ(proxies.ClientAddress(WithHeaders({{"Forwarded", "for=203.0.113.9"},
                                               {"X-Forwarded-For", "198.51.100.7"}}),
                                  "127.0.0.1"),
            "198.51.100.7");
}

TEST(TrustedProxies, WalksABoundedNumberOfHops) {
  std::string chain;
  for (int i = 0; i < 1000; ++i) chain += "127.0.0.1, ";
  chain += "127.0.0.1";
  auto request = WithHeaders({{"X-Forwarded-For", chain}});
  EXPECT_EQ(Proxies("127.0.0.1").ClientAddress(request, "127.0.0.1"), "127.0.0.1");
}

}  // namespace
}  // namespace walcast::api
