// The protection layer through the real daemon (api/guard/request_guard.h): the per-address rate
// limit (429 + Retry-After, other addresses unaffected, /health not counted, `--rate-limit 0`, the
// metrics counter), CORS simple responses and preflights, the write token, and the read timeout
// against slow and idle clients.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// The value of a counter line in the Prometheus text, -1 when absent.
// Sends `count` GETs of `target` from `source` as fast as it can; returns the statuses.
std::vector<int> Burst(int port, const std::string& source, const std::string& target, int count) {
  std::vector<int> statuses;
  for (int i = 0; i < count; ++i) {
    statuses.push_back(HttpRequestFrom(source, port, "GET", target).status);
  }
  return statuses;
}

long CountOf(const std::vector<int>& statuses, int status) {
  return std::count(statuses.begin(), statuses.end(), status);
}

// The guard's own answers carry the same headers as routed ones (CSP without inline
// script, nosniff, frame-ancestors; a request id on every response).
void ExpectSecurityHeaders(const HttpResult& result, const std::string& what) {
  std::string csp = result.Header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << what;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << what;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << what;
  EXPECT_EQ(result.Header("x-content-type-options"), "nosniff") << what;
  EXPECT_FALSE(result.Header("x-request-id").empty()) << what;
}

class HttpGuard : public StreamingDaemonTest {
 protected:
  long OrderCount() { return std::stol(session_->Scalar("SELECT count(*) FROM orders")); }
};

TEST_F(HttpGuard, BurstPastTheBucketGets429WhileOtherAddressesAreServed) {
  StartDaemon("guard_rate", {"--rate-limit", "2"});  // burst 4
  std::vector<int> first = Burst(port_, "127.0.0.1", "/api/orders", 4);
  EXPECT_EQ(CountOf(first, 429), 0) << "a new bucket is full: the whole burst passes";

  // Refilling at 2/s, 40 quick requests cannot all pass (they would need 18 s).
  HttpResult limited;
  int refused = 0;
  for (int i = 0; i < 40; ++i) {
    HttpResult result = HttpRequestFrom("127.0.0.1", port_, "GET", "/api/orders?limit=1");
    if (result.status == 429) {
      ++refused;
      limited = result;
    }
  }
  ASSERT_GT(refused, 0);
  EXPECT_EQ(limited.body, R"({"success":false,"error":"Too many requests"})");
  int retry_after = std::stoi(limited.Header("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 1) << "one token comes within half a second at 2/s";
  ExpectSecurityHeaders(limited, "429");

  // Another client address has its own bucket; monitoring and the UI are never counted.
  EXPECT_NE(HttpRequestFrom("127.0.0.2", port_, "GET", "/api/orders").status, 429);
  EXPECT_EQ(CountOf(Burst(port_, "127.0.0.1", "/health", 10), 429), 0);
  HttpResult metrics = HttpRequestFrom("127.0.0.1", port_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(MetricValue(metrics.body, "walcast_rate_limited_requests_total"), refused);

  // The bucket refills: after Retry-After the client is served again.
  std::this_thread::sleep_for(std::chrono::seconds(retry_after) + 100ms);
  EXPECT_NE(HttpRequestFrom("127.0.0.1", port_, "GET", "/api/orders").status, 429);
}

TEST_F(HttpGuard, RateLimitIsOnByDefault) {
  StartDaemon("guard_rate_default");  // 100/s, burst 200
  // 1000 sequential requests take well under 8 s, so the 200 + 100/s budget runs out.
  auto statuses = Burst(port_, "127.0.0.1", "/api", 1000);
  EXPECT_GT(CountOf(statuses, 429), 0);
  EXPECT_EQ(CountOf(std::vector<int>(statuses.begin(), statuses.begin() + 200), 429), 0);
}

TEST_F(HttpGuard, RateLimitZeroDisablesIt) {
  StartDaemon("guard_rate_off", {"--rate-limit", "0"});
  auto statuses = Burst(port_, "127.0.0.1", "/api", 1000);
  EXPECT_EQ(CountOf(statuses, 429), 0);
  EXPECT_EQ(MetricValue(HttpGet(port_, "/metrics").body, "walcast_rate_limited_requests_total"), 0);
}

TEST_F(HttpGuard, CorsAllowlist) {
  StartDaemon("guard_cors", {"--cors-origins", "https://a.example,https://b.example"});

  HttpResult allowed = HttpRequest(port_, "GET", "/api", "", {{"Origin", "https://b.example"}});
  EXPECT_EQ(allowed.Header("access-control-allow-origin"), "https://b.example");
  EXPECT_EQ(allowed.Header("vary"), "Origin");
  EXPECT_EQ(allowed.Header("access-control-expose-headers"), "X-Request-Id, Retry-After");
  EXPECT_EQ(allowed.Header("access-control-allow-credentials"), "");

  HttpResult foreign = HttpRequest(port_, "GET", "/api", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(foreign.Header("access-control-allow-origin"), "");
  EXPECT_EQ(foreign.Header("vary"), "Origin");

  HttpResult preflight = HttpRequest(port_, "OPTIONS", "/api/orders/7", "",
                                     {{"Origin", "https://a.example"},
                                      {"Access-Control-Request-Method", "DELETE"},
                                      {"Access-Control-Request-Headers", "authorization"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.Header("access-control-allow-origin"), "https://a.example");
  EXPECT_NE(preflight.Header("access-control-allow-methods").find("DELETE"), std::string::npos);
  EXPECT_EQ(preflight.Header("access-control-allow-headers"),
            "Content-Type, Authorization, Last-Event-ID, X-Request-Id");
  EXPECT_EQ(preflight.Header("access-control-max-age"), "600");
  EXPECT_TRUE(preflight.body.empty());
  EXPECT_EQ(preflight.Header("content-length"), "") << "a 204 announces no body";
  ExpectSecurityHeaders(preflight, "preflight");

  HttpResult denied =
      HttpRequest(port_, "OPTIONS", "/api/orders", "",
                  {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.Header("access-control-allow-origin"), "");
  EXPECT_EQ(denied.Header("access-control-allow-methods"), "");
  ExpectSecurityHeaders(denied, "403 preflight");
}

TEST_F(HttpGuard, WriteTokenGuardsWritesOnly) {
  StartDaemon("guard_token", {"--api-token", "s3cret"});
  const std::string body = R"({"customer_name":"Ada","product_name":"Lamp"})";

  for (auto [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/api/orders"},
                                                        {"PUT", "/api/orders/1"},
                                                        {"PATCH", "/api/orders/bulk-status"},
                                                        {"DELETE", "/api/orders/1"},
                                                        {"POST", "/api/no-such-endpoint"}}) {
    HttpResult missing = HttpRequest(port_, method, target, body);
    EXPECT_EQ(missing.status, 401) << method << " " << target;
    EXPECT_EQ(missing.Header("www-authenticate"), "Bearer") << method << " " << target;
    EXPECT_EQ(missing.body, R"({"success":false,"error":"Authentication required"})");
    ExpectSecurityHeaders(missing, "401");
    HttpResult wrong =
        HttpRequest(port_, method, target, body, {{"Authorization", "Bearer s3cre"}});
    EXPECT_EQ(wrong.status, 401) << method << " " << target;
  }
  EXPECT_EQ(OrderCount(), 0) << "no refused write reached the database";

  // Reads stay open; the right token passes the guard (what the route answers is its own affair).
  EXPECT_NE(HttpGet(port_, "/api/orders").status, 401);
  EXPECT_NE(HttpGet(port_, "/health").status, 401);
  EXPECT_NE(
      HttpRequest(port_, "POST", "/api/orders", body, {{"Authorization", "Bearer s3cret"}}).status,
      401);

  // The default CORS policy is `*`, without credentials.
  HttpResult any = HttpRequest(port_, "GET", "/api", "", {{"Origin", "https://x.example"}});
  EXPECT_EQ(any.Header("access-control-allow-origin"), "*");
  EXPECT_EQ(any.Header("vary"), "");
}

// A raw connection for the timeout tests: the Beast client cannot send a request slowly.
class RawConnection {
 public:
  explicit RawConnection(int port) : socket_(io_) {
    socket_.connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }

  // False once the peer has closed (or reset) the connection.
  bool SendByte(char c) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(&c, 1), ec);
    return !ec;
  }

  // Whether the server closed the connection within `timeout` (reads and drops any data first).
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    socket_.non_blocking(true);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      socket_.read_some(asio::buffer(buffer), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(20ms);
        continue;
      }
      if (ec) return true;  // eof or reset
    }
    return false;
  }

  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context io_;
  tcp::socket socket_;
};

TEST_F(HttpGuard, ClientSendingHeadersTooSlowlyIsDisconnected) {
  StartDaemon("guard_slow", {"--read-timeout", "1"});
  // 60 bytes at one per 200 ms would take 12 s; the server allows 1 s for the whole request.
  const std::string request =
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaa\r\n\r\n";
  RawConnection connection(port_);
  std::size_t sent = 0;
  bool closed = false;
  for (char c : request) {
    if (!connection.SendByte(c)) {
      closed = true;
      break;
    }
    ++sent;
    if (connection.ClosedWithin(200ms)) {
      closed = true;
      break;
    }
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(sent, request.size()) << "the server waited for the whole slow request";
}

TEST_F(HttpGuard, IdleKeepAliveConnectionIsClosed) {
  StartDaemon("guard_idle", {"--read-timeout", "1"});
  RawConnection connection(port_);
  beast::flat_buffer buffer;
  // Two requests on one connection: keep-alive works...
  for (int i = 0; i < 2; ++i) {
    beast::http::request<beast::http::empty_body> request(beast::http::verb::get, "/health", 11);
    request.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(connection.socket(), request);
    beast::http::response<beast::http::string_body> response;
    beast::http::read(connection.socket(), buffer, response);
    EXPECT_TRUE(response.keep_alive()) << i;
  }
  // ...and then, idle, the connection is closed by the server (generous bound).
  EXPECT_TRUE(connection.ClosedWithin(10s));
}

}  // namespace
}  // namespace walcast::testing
