// SpillDirectory: the daemon's SpillSpace (decoder/spill_file.h). Each spill file is created in
// one directory already unlinked (O_TMPFILE, or mkstemp then unlink where the filesystem lacks
// it), so it vanishes when closed: on commit, on abort, on a reconnect that drops the decoder, and
// on a crash. The bytes of all live files are bounded by `max_bytes`; past it Append fails with
// kSpillLimit, naming the flag an operator can raise.
//
// Records are framed with a 4-byte length and written through a 256 KiB buffer; reading back
// uses the same buffer size, so a spilled transaction costs about that much memory per file.
//
// Create() may be called from the replication strand only (one decoder); the byte counters are
// atomic, so LiveBytes() and LiveFiles() may be read from any thread (metrics, health).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "decoder/spill_file.h"

namespace walcast::daemon {

class SpillDirectory : public decoder::SpillSpace {
 public:
  SpillDirectory(std::string directory, uint64_t max_bytes);

  decoder::Result<std::unique_ptr<decoder::SpillFile>> Create() override;

  const std::string& directory() const { return directory_; }
  uint64_t LiveBytes() const { return live_bytes_.load(std::memory_order_relaxed); }
  uint64_t LiveFiles() const { return live_files_.load(std::memory_order_relaxed); }
  uint64_t CreatedFiles() const { return created_files_.load(std::memory_order_relaxed); }

 private:
  class File;
  std::string directory_;
  uint64_t max_bytes_;
  std::atomic<uint64_t> live_bytes_{0};
  std::atomic<uint64_t> live_files_{0};
  std::atomic<uint64_t> created_files_{0};
};

}  // namespace walcast::daemon
