// Test-only: a one-line canonical text for each pgoutput Message, so tests can state expected
// messages as strings, e.g. `Insert xid=0 relation=16385 new=[t"1",n,u]`.
#pragma once

#include <string>

#include "decoder/pgoutput_message.h"

namespace walcast::decoder::testing {

std::string MessageText(const Message& message);

}  // namespace walcast::decoder::testing
