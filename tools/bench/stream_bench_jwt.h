// Per-user tokens for stream_bench's restricted clients: walcastd is started with a random HS256
// secret and the tool signs each client's JWT with libjwt (the claims of README "Running in
// production", rules in api/guard/jwt_verifier.h). Throws std::runtime_error when libjwt fails.
#pragma once

#include <cstddef>
#include <string>

namespace walcast::bench {

// `length` random characters of [0-9a-z] (std::random_device): a secret that fits a command line;
// 48 of them (~248 bits) pass walcastd's rule for --jwt-secret (at least 32 bytes).
std::string RandomSecret(std::size_t length);

// A compact HS256 JWT of `claims_json` (a JSON object) signed with `secret`.
std::string SignHs256(const std::string& secret, const std::string& claims_json);

}  // namespace walcast::bench
