// The `walcast` exit codes, documented in the README: scripts rely on them.
#pragma once

namespace walcast::cli {

inline constexpr int kExitOk = 0;
// The server could not be reached (past --retry-for for `tail`), refused the request, or
// answered with an error status.
inline constexpr int kExitFailure = 1;
// Bad arguments: one line on stderr, nothing sent to the server.
inline constexpr int kExitUsage = 2;
// `tail --count N --timeout S`: S elapsed before N events arrived.
inline constexpr int kExitTimeout = 3;

}  // namespace walcast::cli
