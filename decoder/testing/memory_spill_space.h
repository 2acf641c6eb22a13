// MemorySpillSpace: a SpillSpace that keeps its "files" in memory, with the same budget rule as
// the daemon's files (a limit on the bytes of all live files), for the assembler's unit tests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "decoder/spill_file.h"

namespace walcast::decoder::testing {

class MemorySpillSpace : public SpillSpace {
 public:
  explicit MemorySpillSpace(uint64_t max_bytes = UINT64_MAX) : max_bytes_(max_bytes) {}

  Result<std::unique_ptr<SpillFile>> Create() override;

  uint64_t live_bytes() const { return live_bytes_; }   // in files not yet destroyed
  int live_files() const { return live_files_; }        // created and not yet destroyed
  int created_files() const { return created_files_; }  // ever

 private:
  class File;
  uint64_t max_bytes_;
  uint64_t live_bytes_ = 0;
  int live_files_ = 0;
  int created_files_ = 0;
};

}  // namespace walcast::decoder::testing
