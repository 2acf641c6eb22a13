// SseSession: one Server-Sent Events client of GET /api/events (CONTRACT.md §3/§4).
//
// Sends `welcome`, then the backlog after the client's last event id (or `resync` when that id
// has left the window), then live events, each as `id:`/`event:`/`data:` lines, in id order with
// no gap and no duplicate: events at or below the last id sent are skipped. A comment line every
// heartbeat keeps proxies from closing an idle stream. A client slower than its outbound bound
// gets an `error` event and is disconnected (and counted); it resumes with Last-Event-ID.
//
// Lives as long as a pending handler holds shared_from_this(); all state is on its strand.
#pragma once

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <optional>
#include <string>

#include "event_hub.h"
#include "stream_context.h"
#include "stream_filter.h"

namespace walcast::api {

class SseSession : public EventSubscriber, public std::enable_shared_from_this<SseSession> {
 public:
  SseSession(boost::beast::tcp_stream stream, std::shared_ptr<StreamContext> context,
             StreamFilter filter, std::optional<decoder::EventId> from, std::string client_id,
             std::string peer);
  ~SseSession() override;

  // `response_headers` is the HTTP response head, written first.
  void Start(std::string response_headers);

  void Deliver(std::shared_ptr<const std::vector<StreamEventPtr>> events) override;
  void Resync(std::string reason) override;
  void Shutdown() override;

 private:
  void OnStart(std::string response_headers);
  void Offer(const StreamEventPtr& event);
  void PushControl(std::string_view name, std::string json, bool final);
  void DoWrite();
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void DoReadForClose();
  void ScheduleHeartbeat();
  void Close(std::string_view why);

  boost::beast::tcp_stream stream_;
  std::shared_ptr<StreamContext> context_;
  StreamFilter filter_;
  std::optional<decoder::EventId> cursor_;  // the last event id sent (or the client's `from`)
  std::string client_id_;
  std::string peer_;
  uint64_t subscription_id_ = 0;
  OutboundQueue queue_;
  bool writing_ = false;
  bool closing_ = false;  // no more messages after what is queued
  bool closed_ = false;
  std::string write_prefix_;  // "id: ...\nevent: ...\ndata: " of the message being written
  boost::asio::steady_timer heartbeat_;
  std::array<char, 512> discard_;
};

}  // namespace walcast::api
