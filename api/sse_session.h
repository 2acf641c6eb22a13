// SseSession: one Server-Sent Events client of GET /api/events (CONTRACT.md §3/§4).
//
// The stream itself (welcome, backlog or resync, live events in id order with no gap and no
// duplicate, filters, the slow-client bound) is ClientStream's; this class writes it as
// `id:`/`event:`/`data:` blocks, sends a comment every heartbeat so proxies keep an idle stream
// open, and notices the client leaving. A slow client gets an `error` event and is disconnected;
// it resumes with Last-Event-ID.
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

#include "client_stream.h"
#include "delivery_inbox.h"

namespace walcast::api {

class SseSession : public EventSubscriber, public std::enable_shared_from_this<SseSession> {
 public:
  SseSession(boost::beast::tcp_stream stream, std::shared_ptr<StreamContext> context,
             StreamFilter filter, std::optional<decoder::EventId> from, std::string client_id,
             std::string peer, std::unique_ptr<ConnectionLimiter::Slot> slot);

  // `response_head` is the HTTP response head, written first.
  void Start(std::string response_head);

  void Deliver(std::shared_ptr<const std::vector<StreamEventPtr>> events) override;
  void Resync(std::string reason) override;
  void Shutdown() override;
  void Notice(std::string name, std::string json) override;

 private:
  void DoWrite();
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void DoReadForClose();
  void ScheduleHeartbeat();
  void Close(std::string_view why);

  boost::beast::tcp_stream stream_;
  ClientStream client_;
  DeliveryInbox inbox_;  // one strand hop per burst of deliveries, not per transaction
  static constexpr std::size_t kMaxMessagesPerWrite = 256;

  bool writing_ = false;
  bool closed_ = false;
  // The write in flight: how many queued messages it covers, their "id:/event:/data:" prefixes,
  // and the gathered buffers (valid until it completes: the queue keeps the messages alive).
  std::size_t writing_count_ = 0;
  std::vector<std::string> prefixes_;
  std::vector<boost::asio::const_buffer> buffers_;
  boost::asio::steady_timer heartbeat_;
  std::array<char, 512> discard_;
};

}  // namespace walcast::api
