// BufferedChange: one data change of an open transaction as the transaction assembler holds it
// until commit, and its record format for a spill file (decoder/spill_file.h).
//
// Record grammar (integers big-endian, as everything else the decoder reads):
//
//   u32 xid | u32 slots | u8 has_event | event?
//   event   = u8 operation | str table | row? data | row? old | list? changed | list unchanged
//   row?    = u8 present | (u32 json_size | u32 columns | str raw)   when present
//   list?   = u8 present | list                                     when present
//   list    = u32 count | count * str
//   str     = i32 length | bytes
//
// A row is written in its in-memory form (Row::raw: the JSON and its column index), so reading it
// back costs a copy, not a parse. Pure; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "decoder/decode_error.h"
#include "decoder/order_event.h"

namespace walcast::decoder {

struct BufferedChange {
  uint32_t xid = 0;                 // the (sub)transaction that made it, for subtransaction aborts
  uint32_t slots = 1;               // changes it stands for (consecutive skipped changes share one)
  std::optional<OrderEvent> event;  // nullopt for a change to a table that is not selected
};

// Appends the record of `change` to `out`. Only the fields the assembler sets before commit are
// written (id, timestamp, lsn and xid are assigned at commit).
void AppendBufferedChange(const BufferedChange& change, std::string* out);

// Reads one record written by AppendBufferedChange; any damage (truncation, trailing bytes, a
// row index outside its JSON) is an error naming the field.
Result<BufferedChange> ReadBufferedChange(std::string_view record);

}  // namespace walcast::decoder
