#include "tools/cli/rest_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace walcast::cli {

RestResponse RestClient::Request(const std::string& method, const std::string& target,
                                 const std::string& body) const {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using tcp = boost::asio::ip::tcp;
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    tcp::resolver resolver(io);
    stream.connect(resolver.resolve(options_.endpoint.host, options_.endpoint.port));
    http::request<http::string_body> request(http::string_to_verb(method), target, 11);
    request.set(http::field::host, options_.endpoint.host_header);
    request.set(http::field::user_agent, "walcast-cli");
    request.set(http::field::accept, "application/json");
    if (!options_.token.empty())
      request.set(http::field::authorization, "Bearer " + options_.token);
    if (!body.empty()) {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
    }
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return RestResponse{static_cast<int>(parser.get().result_int()), parser.get().body()};
  } catch (const boost::system::system_error& e) {
    auto code = e.code();
    std::string reason = code == boost::asio::error::connection_refused ? "connection refused"
                         : code == beast::error::timeout                ? "timed out"
                                                                        : code.message();
    throw std::runtime_error("cannot reach " + options_.url + ": " + reason);
  }
}

}  // namespace walcast::cli
