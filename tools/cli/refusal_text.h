// The reason a stream connection was refused, as one readable line: "the server answered 400:
// {\"success\":false,\"error\":\"table 'x' is not streamed\"}" (the JSON envelope of
// docs/contract.md §3, as stream_connection.cc reports it) becomes "the server answered 400:
// table 'x' is not streamed". Anything else is returned as is. Pure; refusal_text_test.cc.
#pragma once

#include <string>

namespace walcast::cli {

std::string RefusalText(const std::string& reason);

}  // namespace walcast::cli
