#include "tests/harness/rss_sampler.h"

#include <fstream>
#include <string>

namespace walcast::testing {

std::size_t ResidentBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "... kB"
  }
  return 0;
}

RssSampler::RssSampler(pid_t pid, std::chrono::milliseconds interval)
    : pid_(pid), interval_(interval) {
  Sample();
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      std::this_thread::sleep_for(interval_);
      Sample();
    }
  });
}

RssSampler::~RssSampler() {
  stop_ = true;
  thread_.join();
}

void RssSampler::Sample() {
  std::size_t rss = ResidentBytes(pid_);
  std::size_t peak = peak_.load();
  while (rss > peak && !peak_.compare_exchange_weak(peak, rss)) {
  }
  ++samples_;
}

}  // namespace walcast::testing
