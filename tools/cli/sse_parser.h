// SseParser: splits a text/event-stream body into events (the WHATWG "event stream
// interpretation": fields id, event, data; comments and unknown fields ignored; LF, CRLF or CR
// line ends). Incremental: bytes may arrive in any pieces. Pure; unit-tested.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace walcast::cli {

struct SseEvent {
  std::string id;
  std::string event;  // "message" when the block had no event field
  std::string data;   // data lines joined with '\n'
};

class SseParser {
 public:
  // Calls `on_event` for every complete event in `bytes` (the view is valid during the call).
  void Feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event);

 private:
  void Line(std::string_view line, const std::function<void(const SseEvent&)>& on_event);

  std::string partial_;   // an incomplete line carried to the next Feed
  bool skip_lf_ = false;  // the previous piece ended with CR: a leading LF belongs to it
  SseEvent current_;
  bool has_data_ = false;
};

}  // namespace walcast::cli
