#include "decoder/decode_error.h"

namespace walcast::decoder {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kTruncated:
      return "truncated";
    case ErrorCode::kBadValue:
      return "bad value";
    case ErrorCode::kTrailingBytes:
      return "trailing bytes";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kUnknownRelation:
      return "unknown relation";
    case ErrorCode::kSchemaMismatch:
      return "schema mismatch";
    case ErrorCode::kSequence:
      return "out of sequence";
    case ErrorCode::kMemoryLimit:
      return "memory limit";
    case ErrorCode::kSpillLimit:
      return "spill limit";
    case ErrorCode::kStorage:
      return "spill storage";
    case ErrorCode::kBadPayload:
      return "bad payload";
  }
  return "unknown error";
}

std::string DecodeError::ToString() const {
  std::string out;
  out.append(kind);
  if (!field.empty()) {
    out.push_back('.');
    out.append(field);
  }
  out.append(" at offset ");
  out.append(std::to_string(offset));
  out.append(": ");
  out.append(ErrorCodeName(code));
  if (!reason.empty()) {
    out.append(": ");
    out.append(reason);
  }
  return out;
}

}  // namespace walcast::decoder
