// RssSampler: the peak resident memory of a process over a stretch of a test, read from
// /proc/<pid>/status (VmRSS) on a thread of its own every `interval`. Test-only.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>

namespace walcast::testing {

// VmRSS of a live process in bytes; 0 when it is gone or the line is missing.
std::size_t ResidentBytes(pid_t pid);

class RssSampler {
 public:
  // Starts sampling at once; the first sample is taken before the constructor returns.
  explicit RssSampler(pid_t pid,
                      std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~RssSampler();  // stops the thread
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  std::size_t PeakBytes() const { return peak_.load(); }
  std::size_t Samples() const { return samples_.load(); }

 private:
  void Sample();

  pid_t pid_;
  std::chrono::milliseconds interval_;
  std::atomic<std::size_t> peak_{0};
  std::atomic<std::size_t> samples_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace walcast::testing
