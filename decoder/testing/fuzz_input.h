// Test-only: the record format of the decoder fuzzer's inputs, shared by the fuzzer and the tool
// that writes its seed corpus. An input is a sequence of records:
//   Byte1 target, Int16 length (big-endian), Byte[length] payload
// and bytes after the last whole record form one more record for target kFeed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace walcast::decoder::testing {

enum class FuzzTarget : uint8_t {
  kFrame = 0,   // a walsender CopyData frame; XLogData payloads go on to the StreamDecoder
  kFeed = 1,    // a pgoutput message straight to the StreamDecoder
  kNotify = 2,  // a NOTIFY payload
  kText = 3,    // value, timestamp, LSN and event id text
};
inline constexpr int kFuzzTargets = 4;

std::string FuzzRecord(FuzzTarget target, std::string_view payload);

}  // namespace walcast::decoder::testing
