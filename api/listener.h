// Listener: accepts TCP connections and starts an HttpSession on its own strand for each.
//
// Open() binds (port 0 lets the kernel choose; LocalEndpoint() tells which). Stop() closes the
// acceptor; sessions already running are not affected. Lives as long as a pending accept holds
// shared_from_this().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

namespace walcast::api {

class ServerContext;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io_context, std::shared_ptr<ServerContext> context);

  boost::system::error_code Open(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint LocalEndpoint() const;
  void Start();
  void Stop();

 private:
  void DoAccept();
  void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<ServerContext> context_;
};

}  // namespace walcast::api
