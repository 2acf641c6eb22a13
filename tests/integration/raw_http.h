// Raw HTTP over a loopback TCP socket for tests that must send what a well-behaved client never
// would (conflicting framing headers, bodies the server refuses, HTTP/1.0, clients that stop
// reading). Blocking POSIX sockets with receive timeouts; throws on connection errors. Test-only.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace walcast::testing {

class RawSocket {
 public:
  explicit RawSocket(int port, int receive_buffer_bytes = 0);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // Writes all of `bytes`; false once the peer has closed or reset the connection.
  bool Send(const std::string& bytes);
  // Everything received until the peer closes (EOF or reset) or `timeout` passes.
  std::string ReadUntilClose(std::chrono::milliseconds timeout);
  // Reads until `needle` has arrived (or close/timeout); returns all read so far.
  std::string ReadUntil(const std::string& needle, std::chrono::milliseconds timeout);
  // True when the last read ended because the peer closed or reset the connection.
  bool closed() const { return closed_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
  std::string pending_;
};

// One request's raw response text (status line, headers, body) on a fresh connection, read
// until the server closes or `timeout`.
std::string RawExchange(int port, const std::string& request,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The status code of a raw response text, 0 if none.
int StatusOf(const std::string& response);
// The value of header `lower_name` (case-insensitive) in the head of a raw response, "" if none.
std::string HeaderOf(const std::string& response, const std::string& lower_name);
// What follows the head (the first blank line).
std::string BodyOf(const std::string& response);

}  // namespace walcast::testing
