#include "tools/cli/sse_parser.h"

namespace walcast::cli {

void SseParser::Feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event) {
  std::size_t start = 0;
  if (skip_lf_ && !bytes.empty() && bytes[0] == '\n') start = 1;
  skip_lf_ = false;
  for (std::size_t i = start; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c != '\n' && c != '\r') continue;
    std::string_view piece = bytes.substr(start, i - start);
    if (partial_.empty()) {
      Line(piece, on_event);
    } else {
      partial_.append(piece);
      Line(partial_, on_event);
      partial_.clear();
    }
    if (c == '\r') {
      if (i + 1 < bytes.size()) {
        if (bytes[i + 1] == '\n') ++i;
      } else {
        skip_lf_ = true;
      }
    }
    start = i + 1;
  }
  partial_.append(bytes.substr(std::min(start, bytes.size())));
}

void SseParser::Line(std::string_view line, const std::function<void(const SseEvent&)>& on_event) {
  if (line.empty()) {  // blank line: dispatch
    if (has_data_) {
      if (current_.event.empty()) current_.event = "message";
      on_event(current_);
    }
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line[0] == ':') return;  // comment (the server's heartbeat)
  auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) current_.data += '\n';
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event.assign(value);
  } else if (field == "id") {
    current_.id.assign(value);
  }
}

}  // namespace walcast::cli
