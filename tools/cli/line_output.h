// LineOutput: the buffered writer behind `walcast tail`. Lines are gathered in a 64 KiB buffer
// and written with write(2) when it fills, on Flush(), or at once when `flush_each_line` (stdout
// is a terminal). So writing to a file or pipe costs one system call per ~100 events, while a
// slow trickle still reaches a pipe promptly because the caller flushes on a short timer.
#pragma once

#include <string>
#include <string_view>

namespace walcast::cli {

class LineOutput {
 public:
  LineOutput(int fd, bool flush_each_line);
  ~LineOutput();  // flushes

  // Appends `line` and a newline. False once the reader has gone away (EPIPE) or a write failed.
  bool WriteLine(std::string_view line);
  bool Flush();
  bool HasPending() const { return !buffer_.empty(); }
  bool Failed() const { return failed_; }

 private:
  int fd_;
  bool flush_each_line_;
  bool failed_ = false;
  std::string buffer_;
};

}  // namespace walcast::cli
