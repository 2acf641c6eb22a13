// walcast: the command-line client of walcastd. This first version checks a daemon's health;
// `tail`, `orders` and `shell` arrive with issue 7.
#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <iostream>
#include <regex>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

constexpr const char* kVersion = "0.1.0";

struct Endpoint {
  std::string host;
  std::string port;
};

// Accepts http://host[:port][/]; the daemon serves plain HTTP on one port.
std::optional<Endpoint> ParseUrl(const std::string& url) {
  static const std::regex kUrl(R"(^http://([^/:]+|\[[0-9a-fA-F:]+\])(?::(\d+))?/?$)");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl)) return std::nullopt;
  return Endpoint{m[1], m[2].matched ? std::string(m[2]) : "80"};
}

int Health(const Endpoint& endpoint) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(10));
  tcp::resolver resolver(io);
  stream.connect(resolver.resolve(endpoint.host, endpoint.port));
  http::request<http::empty_body> request(http::verb::get, "/health", 11);
  request.set(http::field::host, endpoint.host);
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  std::cout << response.body() << std::endl;
  return response.result() == http::status::ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("walcast: command-line client for walcastd");
  app.set_version_flag("--version", kVersion);
  const char* env_url = std::getenv("WALCAST_URL");
  std::string url = env_url && *env_url ? env_url : "http://127.0.0.1:3001";
  app.add_option("--url", url, "walcastd base URL [env: WALCAST_URL]")->capture_default_str();
  app.require_subcommand(1);
  app.fallthrough();
  auto* health = app.add_subcommand(
      "health", "Print the daemon's /health report; exit 0 when healthy, 1 otherwise");
  CLI11_PARSE(app, argc, argv);

  auto endpoint = ParseUrl(url);
  if (!endpoint) {
    std::cerr << "walcast: --url must look like http://host:port, got " << url << std::endl;
    return 2;
  }
  try {
    if (health->parsed()) return Health(*endpoint);
  } catch (const std::exception& e) {
    std::cerr << "walcast: cannot reach " << url << ": " << e.what() << std::endl;
    return 1;
  }
  return 2;
}
