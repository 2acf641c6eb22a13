#include "tools/cli/line_output.h"

#include <unistd.h>

#include <cerrno>

namespace walcast::cli {
namespace {
constexpr std::size_t kBufferBytes = 64 * 1024;
}

LineOutput::LineOutput(int fd, bool flush_each_line) : fd_(fd), flush_each_line_(flush_each_line) {
  buffer_.reserve(kBufferBytes + 4096);
}

LineOutput::~LineOutput() { Flush(); }

bool LineOutput::WriteLine(std::string_view line) {
  if (failed_) return false;
  buffer_.append(line);
  buffer_ += '\n';
  if (flush_each_line_ || buffer_.size() >= kBufferBytes) return Flush();
  return true;
}

bool LineOutput::Flush() {
  std::size_t done = 0;
  while (!failed_ && done < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = true;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
  return !failed_;
}

}  // namespace walcast::cli
