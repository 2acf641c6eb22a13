#include "cluster/stream_follower.h"

#include <spdlog/spdlog.h>

namespace walcast::cluster {

StreamFollower::StreamFollower(std::shared_ptr<redis::RedisConnection> connection, StreamKeys keys,
                               std::shared_ptr<api::EventHub> hub, FollowerOptions options,
                               std::function<void(std::string)> on_error)
    : connection_(std::move(connection)),
      keys_(std::move(keys)),
      hub_(std::move(hub)),
      options_(options),
      on_error_(std::move(on_error)) {}

void StreamFollower::Start(std::string after) {
  last_id_ = std::move(after);
  stopped_ = false;
  DoRead();
}

void StreamFollower::DoRead() {
  if (stopped_) return;
  connection_->Command({"XREAD", "COUNT", std::to_string(options_.count), "BLOCK",
                        std::to_string(options_.block.count()), "STREAMS", keys_.stream, last_id_},
                       // Weak: the pending read lives in the connection the follower owns.
                       [weak = weak_from_this()](redis::RedisValue reply) {
                         auto self = weak.lock();
                         if (self && !self->stopped_) self->OnRead(reply);
                       });
}

void StreamFollower::OnRead(const redis::RedisValue& reply) {
  if (reply.IsError()) {
    stopped_ = true;
    return on_error_("reading the stream " + keys_.stream + " failed: " + reply.text);
  }
  // NIL: nothing new within the block time. Else [[stream, [[id, [field, value, ...]], ...]]].
  if (reply.IsArray()) {
    for (const auto& stream : reply.elements) {
      if (stream.elements.size() != 2) continue;
      std::string error;
      auto entries = EventsOfEntries(stream.elements[1], &error);
      if (!entries) {
        stopped_ = true;
        return on_error_("the stream " + keys_.stream +
                         " holds an entry walcast did not write: " + error);
      }
      for (auto& read : *entries) {
        if (read.number != 0 && last_number_ != 0 && read.number != last_number_ + 1) {
          if (!pending_.events.empty()) PublishPending(false);
          ++gaps_;
          if (read.number > last_number_) {
            spdlog::warn(
                "cluster: entries {}..{} of {} were trimmed before this member read them (it fell "
                "behind); its clients resync",
                last_number_ + 1, read.number - 1, keys_.stream);
          } else {
            spdlog::warn(
                "cluster: {} starts again (Redis lost it: a new epoch); this member's "
                "clients resync",
                keys_.stream);
          }
          hub_->ReportGap("changes before " + read.event->id.ToString() +
                          " left the cluster's stream before this member read them");
        }
        if (read.number != 0) last_number_ = read.number;
        last_id_ = StreamIdOf(read.event->id);
        ++entries_read_;
        const auto commit = read.event->id.commit_lsn();
        // A transaction whose end never came (its leader died mid-way; the next one appends the
        // rest, which the hub takes as the following part of the same transaction).
        if (!pending_.events.empty() && pending_.commit_lsn != commit) PublishPending(false);
        pending_.commit_lsn = commit;
        pending_.end_lsn = read.end_lsn;
        pending_.events.push_back(std::move(read.event));
        if (read.last) PublishPending(true);
      }
    }
    // The rest of a large transaction comes in the next read: what is here goes out as a part.
    if (!pending_.events.empty()) PublishPending(false);
  }
  DoRead();
}

void StreamFollower::PublishPending(bool complete) {
  pending_.complete = complete;
  hub_->Publish(std::move(pending_), options_.on_fresh);
  pending_ = api::PublishedTransaction{};
}

}  // namespace walcast::cluster
