#include "cluster/stream_archive.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/stream_entry.h"

namespace walcast::cluster {
namespace asio = boost::asio;

StreamArchive::StreamArchive(asio::any_io_executor strand, redis::RedisEndpoint endpoint,
                             StreamKeys keys, std::chrono::milliseconds deadline)
    : strand_(std::move(strand)),
      endpoint_(std::move(endpoint)),
      keys_(std::move(keys)),
      deadline_(deadline) {}

void StreamArchive::ReadAfter(const decoder::EventId& after, std::size_t max_events,
                              std::function<void(Page)> done) {
  asio::post(strand_, [self = shared_from_this(),
                       read = Read{after, max_events, std::move(done)}]() mutable {
    if (self->closed_) return read.done(Page{{}, "the server is stopping"});
    if (self->connection_ && self->connection_->usable()) return self->Send(std::move(read));
    self->waiting_.push_back(std::move(read));
    if (self->connecting_) return;
    self->connecting_ = true;
    self->connection_ = std::make_shared<redis::RedisConnection>(self->strand_, self->endpoint_);
    self->connection_->Connect(
        self->deadline_, [weak = self->weak_from_this()](std::optional<std::string> error) {
          auto self = weak.lock();
          if (!self) return;
          self->connecting_ = false;
          auto waiting = std::move(self->waiting_);
          self->waiting_.clear();
          for (auto& read : waiting) {
            if (error) {
              read.done(Page{{}, "the cluster's Redis is unreachable: " + *error});
            } else {
              self->Send(std::move(read));
            }
          }
        });
  });
}

void StreamArchive::Close() {
  asio::post(strand_, [self = shared_from_this()] {
    self->closed_ = true;
    if (self->connection_) self->connection_->Close();
  });
}

void StreamArchive::Send(Read read) {
  // A Redis that stops answering must not hold the client: the connection is dropped, which
  // answers every read on it with an error.
  auto timer = std::make_shared<asio::steady_timer>(strand_, deadline_);
  timer->async_wait([connection = connection_](boost::system::error_code ec) {
    if (!ec) connection->Close();
  });
  const std::string id = StreamIdOf(read.after);
  // Atomic, so no trim can fall between the check and the read.
  connection_->Command({"MULTI"}, [](redis::RedisValue) {});
  connection_->Command({"XREVRANGE", keys_.stream, id, "-", "COUNT", "1"},
                       [](redis::RedisValue) {});
  connection_->Command(
      {"XRANGE", keys_.stream, "(" + id, "+", "COUNT", std::to_string(read.max_events)},
      [](redis::RedisValue) {});
  connection_->Command(
      {"EXEC"}, [timer, after = read.after, done = std::move(read.done)](redis::RedisValue reply) {
        timer->cancel();
        done(PageOf(reply, after));
      });
}

api::EventArchive::Page StreamArchive::PageOf(const redis::RedisValue& reply,
                                              const decoder::EventId& after) {
  if (reply.IsError()) return Page{{}, "reading the cluster's stream failed: " + reply.text};
  if (!reply.IsArray() || reply.elements.size() != 2) {
    return Page{{}, "reading the cluster's stream failed: unexpected reply " + reply.Describe()};
  }
  const auto& before = reply.elements[0];
  const auto& range = reply.elements[1];
  for (const auto* part : {&before, &range}) {
    if (part->IsError()) return Page{{}, "reading the cluster's stream failed: " + part->text};
  }
  if (before.elements.empty()) {
    return Page{{},
                "the cluster's stream no longer reaches back to " + after.ToString() +
                    " (trimmed, or started again after a loss)"};
  }
  std::string error;
  auto entries = EventsOfEntries(range, &error);
  if (!entries)
    return Page{{}, "the cluster's stream holds an entry walcast did not write: " + error};
  Page page;
  page.events.reserve(entries->size());
  for (auto& entry : *entries) page.events.push_back(std::move(entry.event));
  return page;
}

}  // namespace walcast::cluster
