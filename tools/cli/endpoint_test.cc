#include "tools/cli/endpoint.h"

#include <gtest/gtest.h>

namespace walcast::cli {
namespace {

TEST(Endpoint, HostAndPort) {
  auto e = ParseEndpoint("http://127.0.0.1:3001");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, "3001");
  EXPECT_EQ(e->host_header, "127.0.0.1:3001");
}

TEST(Endpoint, DefaultPortTrailingSlashAndIpv6) {
  auto e = ParseEndpoint("http://orders.example/");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, "80");
  EXPECT_EQ(e->host_header, "orders.example");
  auto v6 = ParseEndpoint("http://[::1]:8080");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header, "[::1]:8080");
}

TEST(Endpoint, RejectsWhatItCannotServe) {
  for (const char* url : {"https://a:1", "127.0.0.1:3001", "http://a:0", "http://a:70000",
                          "http://a/path", "http://", ""}) {
    EXPECT_FALSE(ParseEndpoint(url)) << url;
  }
}

TEST(Endpoint, PercentEncodeKeepsUnreservedAndCommas) {
  EXPECT_EQ(PercentEncode("pending,shipped"), "pending,shipped");
  EXPECT_EQ(PercentEncode("Ada L&co/ü=1?"), "Ada%20L%26co%2F%C3%BC%3D1%3F");
  EXPECT_EQ(PercentEncode("a-b_c.d~e"), "a-b_c.d~e");
}

}  // namespace
}  // namespace walcast::cli
