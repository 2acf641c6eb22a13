// SpillFile and SpillSpace: where the transaction assembler puts the buffered changes of an open
// transaction when they no longer fit in memory, in the spirit of PostgreSQL's own reorder buffer
// (logical_decoding_work_mem, ReorderBufferSerializeTXN). The decoder only sees these interfaces,
// so it stays free of I/O; the daemon supplies files (daemon/spill_directory.h) and tests an
// in-memory space (decoder/testing/memory_spill_space.h).
//
// A file is written record by record, then read back once, in order. Destroying it frees its
// space (the daemon's files are unlinked from the start, so a crash leaves nothing behind).
// Not thread-safe: one file belongs to one transaction of one assembler.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "decoder/decode_error.h"

namespace walcast::decoder {

class SpillFile {
 public:
  virtual ~SpillFile() = default;

  // Appends one record. Fails with kSpillLimit when the space's disk budget would be exceeded,
  // or kStorage on an I/O error; the file is then unusable (the transaction is decoded again
  // after the stream reconnects).
  virtual Status Append(std::string_view record) = 0;
  // Reads the next record, in the order appended; nullopt after the last. The first call ends
  // writing. The view stays valid until the next call.
  virtual Result<std::optional<std::string_view>> Next() = 0;
  // Bytes written so far.
  virtual uint64_t size() const = 0;
};

class SpillSpace {
 public:
  virtual ~SpillSpace() = default;
  virtual Result<std::unique_ptr<SpillFile>> Create() = 0;
};

}  // namespace walcast::decoder
