// SseSession: one Server-Sent Events client of GET /api/events (docs/contract.md §3/§4).
//
// The stream itself (welcome, backlog or resync, live events in id order with no gap and no
// duplicate, filters, the slow-client bound) is ClientStream's; this class writes it as
// `id:`/`event:`/`data:` blocks, sends a comment every heartbeat so proxies keep an idle stream
// open, and notices the client leaving. Slow clients follow the WebSocket rules: no write has a
// deadline, the client reads from the replay window at its own pace, and only when the events it
// still needs have left the window does it get an `error` event (counted in
// walcast_slow_clients_dropped_total) and is disconnected, after at most
// StreamContext::close_grace for reading what is queued; it resumes with Last-Event-ID.
//
// Lives as long as a pending handler holds shared_from_this(); all state is on its strand.
#pragma once

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/guard/connection_budget.h"
#include "api/http/stream_session.h"

namespace walcast::api {

class SseSession : public StreamSession<SseSession> {
 public:
  SseSession(boost::beast::tcp_stream stream, std::shared_ptr<StreamContext> context,
             StreamFilter filter, StreamFrom from, std::string client_id, std::string peer,
             std::unique_ptr<ConnectionLimiter::Slot> slot);

  // `response_head` is the HTTP response head, written first.
  void Start(std::string response_head);

  // The connection's place in the server's ConnectionBudget, released with the session.
  void KeepTicket(ConnectionBudget::Ticket ticket) { ticket_ = std::move(ticket); }

 private:
  void WriteQueued() override { DoWrite(); }
  void DoWrite();
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void DoReadForClose();
  void ScheduleHeartbeat();
  void Close(std::string_view why);
  // Once the stream is closing: the client has close_grace to read the rest, then it is closed.
  void StartCloseGrace();

  boost::beast::tcp_stream stream_;
  static constexpr std::size_t kMaxMessagesPerWrite = 256;

  bool writing_ = false;
  bool closed_ = false;
  // The write in flight: how many queued messages it covers, their "id:/event:/data:" prefixes,
  // and the gathered buffers (valid until it completes: the queue keeps the messages alive).
  std::size_t writing_count_ = 0;
  std::vector<std::string> prefixes_;
  std::vector<boost::asio::const_buffer> buffers_;
  boost::asio::steady_timer heartbeat_;
  boost::asio::steady_timer close_grace_;
  bool close_grace_started_ = false;
  std::array<char, 512> discard_;
  ConnectionBudget::Ticket ticket_;
};

}  // namespace walcast::api
