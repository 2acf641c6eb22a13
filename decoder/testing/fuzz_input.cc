#include "decoder/testing/fuzz_input.h"

namespace walcast::decoder::testing {

std::string FuzzRecord(FuzzTarget target, std::string_view payload) {
  std::string record;
  record.push_back(static_cast<char>(target));
  record.push_back(static_cast<char>(payload.size() >> 8 & 0xFF));
  record.push_back(static_cast<char>(payload.size() & 0xFF));
  record.append(payload.substr(0, 0xFFFF));
  return record;
}

}  // namespace walcast::decoder::testing
