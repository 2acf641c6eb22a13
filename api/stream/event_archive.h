// EventArchive: events older than this process's replay window that are kept elsewhere, so a
// client resuming from further back than the window reaches still gets every change after its
// `from`. A cluster member's archive is the cluster's Redis stream (cluster/stream_archive.h); a
// single walcastd has none, and such a resume gets `resync`.
//
// Thread-safe; `done` may run on any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "api/stream/stream_event.h"
#include "decoder/event_id.h"

namespace walcast::api {

class EventArchive {
 public:
  virtual ~EventArchive() = default;

  struct Page {
    // The events right after `after`, in order, none missing between `after` and the first (the
    // archive checked that nothing after `after` was dropped from it). Empty: nothing after it.
    std::vector<StreamEventPtr> events;
    // Set when the archive cannot tell what follows `after` (it no longer reaches back that far,
    // or it is unreachable): the client must resync.
    std::string error;
  };
  // Reads at most `max_events` events after `after`.
  virtual void ReadAfter(const decoder::EventId& after, std::size_t max_events,
                         std::function<void(Page)> done) = 0;
};

}  // namespace walcast::api
