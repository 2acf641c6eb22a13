// StreamSession: the part of every stream session (SseSession, WebSocketSession) that is the same
// whatever the transport: being the hub's EventSubscriber. Each call comes from the publisher's
// thread and hops onto the session's strand, where the session's ClientStream takes the news and
// the session writes what is queued (WriteQueued, the one thing each transport does its own way).
// Deliveries gather in a DeliveryInbox, so a burst costs one strand hop, not one per transaction.
//
// A CRTP base: shared_from_this() keeps returning the concrete session, so the sessions' own
// handlers are unchanged.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/stream/client_stream.h"
#include "api/stream/control_message.h"
#include "api/stream/delivery_inbox.h"
#include "api/stream/event_hub.h"

namespace walcast::api {

template <class Session>
class StreamSession : public EventSubscriber, public std::enable_shared_from_this<Session> {
 public:
  void Deliver(std::shared_ptr<const std::vector<StreamEventPtr>> events) final {
    if (!inbox_.Add(std::move(events))) return;  // the pending drain takes it
    OnStrand([](StreamSession& session) {
      session.client_.OnDelivered(session.inbox_.Take());
      session.WriteQueued();
    });
  }

  void Resync(std::string reason) final {
    OnStrand([reason = std::move(reason)](StreamSession& session) {
      session.client_.PushControl("resync", ResyncMessage(reason, std::nullopt));
      session.WriteQueued();
    });
  }

  void Shutdown() final {
    OnStrand([](StreamSession& session) {
      session.client_.PushControl("server_shutdown", ShutdownMessage(), /*final=*/true);
      session.WriteQueued();
    });
  }

  void ArchivePage(EventArchive::Page page) final {
    OnStrand([page = std::move(page)](StreamSession& session) mutable {
      session.client_.OnArchivePage(std::move(page));
      session.WriteQueued();
    });
  }

  // The stream's grant (api/stream/access_grant.h). One that expires closes the stream then,
  // unless another replaced it first (a refresh). Call on the strand.
  void SetGrant(AccessGrant grant) {
    client_.SetGrant(std::move(grant));
    const auto& expires = client_.grant().expires_at;
    ++grant_generation_;
    // A token may expire as late as year 9999 (api/guard/jwt_verifier.cc); the system clock's
    // nanoseconds reach only to 2262, and such a grant outlives any process anyway.
    constexpr auto kLatest = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::time_point::max().time_since_epoch());
    if (!expires || *expires >= kLatest.count()) {
      expiry_.cancel();
      return;
    }
    expiry_.expires_at(std::chrono::system_clock::time_point(std::chrono::seconds(*expires)));
    expiry_.async_wait([weak = this->weak_from_this(),
                        generation = grant_generation_](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      auto& session = static_cast<StreamSession&>(*self);
      if (generation != session.grant_generation_) return;  // refreshed meanwhile
      session.client_.Expire();
      session.WriteQueued();
    });
  }

  void Notice(std::string name, std::string json) final {
    OnStrand([name = std::move(name), json = std::move(json)](StreamSession& session) mutable {
      session.client_.PushControl(std::move(name), std::move(json));
      session.WriteQueued();
    });
  }

 protected:
  // `strand` is the executor of the session's socket; every handler of the session runs on it.
  // The rest is the ClientStream's (api/stream/client_stream.h).
  StreamSession(boost::asio::any_io_executor strand, std::shared_ptr<StreamContext> context,
                StreamFilter filter, StreamFrom from, std::string client_id, std::string peer,
                std::string_view transport, std::unique_ptr<ConnectionLimiter::Slot> slot)
      : client_(std::move(context), std::move(filter), std::move(from), std::move(client_id),
                std::move(peer), transport, std::move(slot)),
        inbox_(client_.context().outbound.max_messages),
        strand_(std::move(strand)),
        expiry_(strand_) {}

  // Writes (or starts writing) what client_ has queued. Runs on the strand.
  virtual void WriteQueued() = 0;

  ClientStream client_;
  DeliveryInbox inbox_;

 private:
  template <class Work>
  void OnStrand(Work work) {
    boost::asio::post(strand_, [self = this->shared_from_this(), work = std::move(work)]() mutable {
      work(static_cast<StreamSession&>(*self));
    });
  }

  boost::asio::any_io_executor strand_;
  boost::asio::system_timer expiry_;  // the grant's expiry (a Unix time, hence the system clock)
  uint64_t grant_generation_ = 0;
};

}  // namespace walcast::api
