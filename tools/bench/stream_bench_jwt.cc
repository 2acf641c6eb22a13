#include "tools/bench/stream_bench_jwt.h"

#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string_view>

namespace walcast::bench {

std::string RandomSecret(std::size_t length) {
  static constexpr std::string_view kAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::random_device random;
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string secret;
  secret.reserve(length);
  for (std::size_t i = 0; i < length; ++i) secret.push_back(kAlphabet[pick(random)]);
  return secret;
}

std::string SignHs256(const std::string& secret, const std::string& claims_json) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  if (jwt_add_grants_json(jwt.get(), claims_json.c_str()) != 0) {
    throw std::runtime_error("libjwt refused the claims " + claims_json);
  }
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0) {
    throw std::runtime_error("jwt_set_alg(HS256) failed");
  }
  std::unique_ptr<char, decltype(&std::free)> encoded(jwt_encode_str(jwt.get()), &std::free);
  if (!encoded) throw std::runtime_error("jwt_encode_str failed");
  return encoded.get();
}

}  // namespace walcast::bench
