// Listener: accepts TCP connections and starts an HttpSession on its own strand for each.
//
// Open() binds (port 0 lets the kernel choose; LocalEndpoint() tells which). Stop() closes the
// acceptor; sessions already running are not affected. Lives as long as a pending accept holds
// shared_from_this().
//
// Each connection needs a place in the server's ConnectionBudget; without one it gets a short
// 503 and is closed at once. When accept itself fails for want of descriptors or memory (EMFILE,
// ENFILE, ENOBUFS, ENOMEM) the listener pauses (50 ms doubling to 1 s, back to 50 ms after an
// accept succeeds) instead of retrying in a loop, and logs the failures once per 10 s with a
// count.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
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
  // Accept failed for want of resources: wait before the next accept.
  void PauseAccepting(const boost::system::error_code& ec);
  // A connection past the cap: a short 503 written without waiting, then closed.
  static void Refuse(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<ServerContext> context_;
  boost::asio::steady_timer pause_;
  std::chrono::milliseconds pause_length_{0};
  uint64_t failures_unlogged_ = 0;
  std::chrono::steady_clock::time_point last_failure_log_{};
};

}  // namespace walcast::api
