#include "decoder/walsender_frame.h"

#include <string>

#include "decoder/byte_reader.h"

// Frames (big-endian integers):
//   XLogData         'w' Int64 dataStart, Int64 walEnd, Int64 sendTime, Byte* pgoutput message
//   PrimaryKeepalive 'k' Int64 walEnd, Int64 sendTime, Byte1 replyRequested (0 or 1)
//   StandbyStatus    'r' Int64 write, Int64 flush, Int64 apply, Int64 clock, Byte1 replyRequested

namespace walcast::decoder {
namespace {

Result<WalsenderFrame> ParseXLogData(std::string_view copy_data) {
  ByteReader reader(copy_data, "XLogData");
  reader.ReadU8("tag");
  std::optional<uint64_t> data_start = reader.ReadU64("data_start");
  std::optional<uint64_t> wal_end = reader.ReadU64("wal_end");
  std::optional<int64_t> send_time = reader.ReadI64("send_time");
  if (!reader.ok()) return reader.error();
  return WalsenderFrame(
      XLogData{Lsn(*data_start), Lsn(*wal_end), *send_time, copy_data.substr(reader.offset())});
}

Result<WalsenderFrame> ParseKeepalive(std::string_view copy_data) {
  ByteReader reader(copy_data, "PrimaryKeepalive");
  reader.ReadU8("tag");
  std::optional<uint64_t> wal_end = reader.ReadU64("wal_end");
  std::optional<int64_t> send_time = reader.ReadI64("send_time");
  size_t reply_at = reader.offset();
  std::optional<uint8_t> reply = reader.ReadU8("reply_requested");
  if (!reader.ok()) return reader.error();
  if (*reply > 1) {
    return reader.Fail(ErrorCode::kBadValue, "reply_requested", reply_at,
                       "expected 0 or 1, got " + std::to_string(*reply));
  }
  if (Status end = reader.ExpectEnd(); !end.ok()) return end.error();
  return WalsenderFrame(PrimaryKeepalive{Lsn(*wal_end), *send_time, *reply == 1});
}

void PutU64(uint64_t value, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
}

}  // namespace

Result<WalsenderFrame> ParseWalsenderFrame(std::string_view copy_data) {
  if (copy_data.empty()) {
    return DecodeError{ErrorCode::kTruncated, "CopyData", "tag", 0, "empty frame"};
  }
  switch (copy_data[0]) {
    case 'w':
      return ParseXLogData(copy_data);
    case 'k':
      return ParseKeepalive(copy_data);
    default:
      return DecodeError{
          ErrorCode::kBadValue, "CopyData", "tag", 0,
          "unknown walsender frame tag " + DescribeByte(static_cast<uint8_t>(copy_data[0]))};
  }
}

std::array<char, kStandbyStatusUpdateSize> BuildStandbyStatusUpdate(const StandbyStatus& status) {
  std::array<char, kStandbyStatusUpdateSize> out;
  out[0] = 'r';
  PutU64(status.write.value(), &out[1]);
  PutU64(status.flush.value(), &out[9]);
  PutU64(status.apply.value(), &out[17]);
  PutU64(static_cast<uint64_t>(status.clock), &out[25]);
  out[33] = status.reply_requested ? 1 : 0;
  return out;
}

}  // namespace walcast::decoder
