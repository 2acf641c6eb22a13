// Per-user tokens: a JWT (RFC 7519) signed by the operator's issuer becomes an AccessGrant
// (api/stream/access_grant.h). Pure: no I/O, no logging, no wall clock (the caller passes `now`).
// Signatures are checked by libjwt 1.10 (Debian 12); everything around them is checked here first,
// because libjwt alone takes the algorithm from the token's own header and decodes base64
// leniently.
//
// The contract (what an issuer may rely on):
// - Size: a token longer than 8 KiB is "token too large", before any parsing (libjwt copies
//   segments onto the stack; real access tokens are well under 2 KiB).
// - Shape: compact JWS, three base64url segments without padding (RFC 7515 §7.1), canonical (no
//   stray bits), header and payload decoding to JSON objects: otherwise "malformed token". The
//   header's `typ`, when present, is "JWT" (any case; libjwt refuses anything else, RFC 9068's
//   "at+jwt" included): otherwise "token type not accepted". A `crit` header is refused
//   ("malformed token"): no extension is understood (RFC 7515 §4.1.11).
// - Algorithm: exactly the one the key implies, compared case-sensitively: HS256 for a secret,
//   RS256 for an RSA public key, ES256 for an EC P-256 public key. Anything else — `none`, HS256
//   when a public key is configured (the public PEM used as an HMAC secret), RS256 against a
//   secret, ES256 against an RSA key — is "token algorithm not accepted". The algorithm libjwt
//   verified with is checked again after decoding.
// - Signature: any failure is "bad token signature". Claims are interpreted only after it holds.
// - Claims (the payload; registered claims per RFC 7519 §4.1):
//   `exp` required, a NumericDate (a number, fractions allowed, 0 … 253402300799 = year 9999);
//     now >= exp is "token expired". AccessGrant::expires_at = exp (a fraction rounds down).
//   `nbf` optional, same range; now < nbf is "token not yet valid" (a fraction rounds up).
//   No leeway on either: issuers set `exp` with margin and clients refresh before it, and a
//   leeway would extend every token beyond what its issuer wrote. Keep the hosts' clocks in sync.
//   `sub` optional string → AccessGrant::subject ("" when absent).
//   `scope` required string, scope-tokens separated by spaces (RFC 6749 §3.3, as the `scope`
//     claim of RFC 8693 §4.2): `read` grants reading (streams, GET), `write` grants writing. They
//     are independent: `write` does not imply `read` (a UI token carries "read write"). Other
//     words are ignored; neither word present is "token claims invalid: scope grants neither
//     read nor write".
//   `walcast` optional object narrowing the rows (fail closed: any other key, a wrong type or an
//     out-of-range value rejects the token):
//     `orderIds`: 1 … 10000 integers in 1 … 2^31-1 (orders.id is a serial) →
//       RowRestriction::order_ids (duplicates collapse; about 3000 fit in 8 KiB, so the size
//       limit binds first);
//     `customer`: a non-empty string of at most 255 bytes of UTF-8 → RowRestriction::customer.
//   A claim of the wrong type is "token claims invalid: <which>". Other claims (`iss`, `aud`,
//   `iat`, `jti`, …) are not checked.
//
// Thread-safe: a verifier is immutable after Create() and every libjwt object lives in one call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "api/stream/access_grant.h"

namespace walcast::api {

// Exactly one of the two must be set.
struct JwtKeyOptions {
  // --jwt-secret: HS256 with these bytes as the key; at least 32 bytes (RFC 7518 §3.2).
  std::string hs256_secret;
  // The contents of --jwt-public-key: a PEM `PUBLIC KEY` (SubjectPublicKeyInfo). RSA of at least
  // 2048 bits → RS256; EC on P-256 → ES256. A file holding a private key is refused (the signing
  // key does not belong on a verifying host).
  std::string public_key_pem;
};

class JwtVerifier {
 public:
  // Tokens longer than this are refused unread.
  static constexpr std::size_t kMaxTokenBytes = 8 * 1024;

  // A verifier, or one line saying why the options are unusable (walcastd exits 2 with it): both
  // or neither set, secret too short, PEM unreadable, a private key, a certificate, an RSA key
  // below 2048 bits, another curve or key type. The message never contains the secret.
  static std::variant<std::shared_ptr<const JwtVerifier>, std::string> Create(
      const JwtKeyOptions& options);

  // Why a token was refused: short, safe to show the client and to log (never echoes the token).
  struct Rejected {
    std::string reason;
    bool operator==(const Rejected&) const = default;
  };

  // The grant of `token` at `now_unix_seconds`, or why it is refused (the rules atop this file).
  std::variant<AccessGrant, Rejected> Verify(std::string_view token,
                                             int64_t now_unix_seconds) const;

  // The claim rules alone, on a payload whose signature the caller already verified (Verify
  // does this after libjwt's check; tests use it for bounds no 8 KiB token can reach).
  static std::variant<AccessGrant, Rejected> GrantFromClaims(std::string_view claims_json,
                                                             int64_t now_unix_seconds);

  // The algorithm tokens must name: "HS256", "RS256" or "ES256".
  std::string_view Algorithm() const;

  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

 private:
  enum class Alg { kHs256, kRs256, kEs256 };
  JwtVerifier(Alg alg, std::string key) : alg_(alg), key_(std::move(key)) {}

  Alg alg_;
  // What libjwt verifies with: the secret, or the public key re-encoded as one PEM block.
  std::string key_;
};

// Whether `token` has the shape of a JWT: three base64url segments separated by dots (the last
// may be empty), the first decoding to a JSON object. Lets a caller tell a JWT from a static token
// without verifying; says nothing about validity.
bool LooksLikeJwt(std::string_view token);

}  // namespace walcast::api
