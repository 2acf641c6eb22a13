#include "api/guard/jwt_verifier.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string>

#include "api/stream/utf8.h"

// Order of the checks in Verify, each before anything more expensive or more trusting:
//   size → three segments → header: base64url, JSON object, unique names, `alg`, `typ`, `crit`
//   → signature segment → payload: base64url, JSON object → jwt_decode (the signature; libjwt
//   parses with jansson) → jwt_get_alg again → claims, read from libjwt's re-serialised grants
//   (jansson keeps the last of duplicate names, as RFC 7519 §4 allows) by GrantFromClaims.
// libjwt is never given what the strict checks refused: its base64 decoder skips characters
// outside the alphabet (so it would accept altered tokens) and writes past a zero-byte buffer
// for an empty segment.

namespace walcast::api {
namespace {

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

struct MallocFree {
  void operator()(char* text) const { std::free(text); }
};
using MallocString = std::unique_ptr<char, MallocFree>;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

constexpr std::size_t kMinSecretBytes = 32;
constexpr int kMinRsaBits = 2048;
constexpr std::size_t kMaxOrderIds = 10000;
constexpr std::size_t kMaxCustomerBytes = 255;
// 9999-12-31T23:59:59Z: any real date fits, and seconds × 1000 still fits an int64.
constexpr int64_t kMaxNumericDate = 253402300799;

using Rejected = JwtVerifier::Rejected;

Rejected Malformed() { return Rejected{"malformed token"}; }
Rejected ClaimsInvalid(std::string_view what) {
  return Rejected{"token claims invalid: " + std::string(what)};
}

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Unpadded base64url (RFC 4648 §5) in its canonical form: the unused low bits of the last
// character must be zero, so each byte string has exactly one encoding.
std::optional<std::string> DecodeBase64Url(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t bits = 0;
  int held = 0;
  for (char c : text) {
    int value = Base64UrlValue(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<char>((bits >> held) & 0xFF));
    }
  }
  if ((bits & ((1u << held) - 1)) != 0) return std::nullopt;
  return out;
}

struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
};

std::optional<Segments> Split(std::string_view token) {
  std::size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  if (token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  return Segments{token.substr(0, first), token.substr(first + 1, second - first - 1),
                  token.substr(second + 1)};
}

bool ParseObject(std::string_view json, rapidjson::Document& doc) {
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  return !doc.HasParseError() && doc.IsObject() && JsonStringsAreValidUtf8(doc);
}

// A base64url segment that decodes to a JSON object.
bool DecodeObject(std::string_view segment, rapidjson::Document& doc) {
  std::optional<std::string> json = DecodeBase64Url(segment);
  return json && ParseObject(*json, doc);
}

bool HasDuplicateNames(const rapidjson::Value& object) {
  for (auto a = object.MemberBegin(); a != object.MemberEnd(); ++a) {
    for (auto b = a + 1; b != object.MemberEnd(); ++b) {
      if (a->name == b->name) return true;
    }
  }
  return false;
}

std::string_view StringOf(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

// Reads the NumericDate claim `name` into `out` (left unset when absent). A fraction rounds
// toward the stricter side: down for `exp`, up for `nbf`.
std::optional<Rejected> ReadNumericDate(const rapidjson::Value& claims, const char* name,
                                        bool round_up, std::optional<int64_t>& out) {
  auto member = claims.FindMember(name);
  if (member == claims.MemberEnd()) return std::nullopt;
  const rapidjson::Value& value = member->value;
  if (!value.IsNumber()) return ClaimsInvalid(std::string(name) + " is not a number");
  double seconds = value.IsInt64() ? static_cast<double>(value.GetInt64()) : value.GetDouble();
  if (!(seconds >= 0 && seconds <= static_cast<double>(kMaxNumericDate))) {
    return ClaimsInvalid(std::string(name) + " out of range");
  }
  out = value.IsInt64() ? value.GetInt64()
                        : static_cast<int64_t>(round_up ? std::ceil(seconds) : std::floor(seconds));
  return std::nullopt;
}

std::optional<Rejected> ReadScope(const rapidjson::Value& claims, AccessGrant& grant) {
  auto member = claims.FindMember("scope");
  if (member == claims.MemberEnd()) return ClaimsInvalid("scope missing");
  if (!member->value.IsString()) return ClaimsInvalid("scope is not a string");
  grant.read = false;
  grant.write = false;
  std::string_view words = StringOf(member->value);
  while (!words.empty()) {
    std::size_t space = words.find(' ');
    std::string_view word = words.substr(0, space);
    if (word == "read") grant.read = true;
    if (word == "write") grant.write = true;
    words = space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
  }
  if (!grant.read && !grant.write) return ClaimsInvalid("scope grants neither read nor write");
  return std::nullopt;
}

std::optional<Rejected> ReadOrderIds(const rapidjson::Value& value, RowRestriction& rows) {
  if (!value.IsArray()) return ClaimsInvalid("walcast.orderIds is not an array");
  if (value.Empty()) return ClaimsInvalid("walcast.orderIds is empty");
  if (value.Size() > kMaxOrderIds) {
    return ClaimsInvalid("walcast.orderIds holds more than 10000 ids");
  }
  std::set<int64_t> ids;
  for (const rapidjson::Value& id : value.GetArray()) {
    if (!id.IsInt64() || id.GetInt64() < 1 || id.GetInt64() > std::numeric_limits<int32_t>::max()) {
      return ClaimsInvalid("walcast.orderIds must hold integers from 1 to 2147483647");
    }
    ids.insert(id.GetInt64());
  }
  rows.order_ids = std::move(ids);
  return std::nullopt;
}

std::optional<Rejected> ReadCustomer(const rapidjson::Value& value, RowRestriction& rows) {
  if (!value.IsString()) return ClaimsInvalid("walcast.customer is not a string");
  std::string_view customer = StringOf(value);
  if (customer.empty()) return ClaimsInvalid("walcast.customer is empty");
  if (customer.size() > kMaxCustomerBytes) {
    return ClaimsInvalid("walcast.customer is longer than 255 bytes");
  }
  if (!IsValidUtf8(customer)) return ClaimsInvalid("walcast.customer is not valid UTF-8");
  rows.customer = std::string(customer);
  return std::nullopt;
}

std::optional<Rejected> ReadRestriction(const rapidjson::Value& claims, RowRestriction& rows) {
  auto member = claims.FindMember("walcast");
  if (member == claims.MemberEnd()) return std::nullopt;
  if (!member->value.IsObject()) return ClaimsInvalid("walcast is not an object");
  if (HasDuplicateNames(member->value)) return ClaimsInvalid("walcast has a duplicate key");
  for (const auto& entry : member->value.GetObject()) {
    std::string_view key = StringOf(entry.name);
    std::optional<Rejected> error;
    if (key == "orderIds") {
      error = ReadOrderIds(entry.value, rows);
    } else if (key == "customer") {
      error = ReadCustomer(entry.value, rows);
    } else {
      // Not echoed: the reason reaches logs and clients.
      error = ClaimsInvalid("walcast has an unknown key");
    }
    if (error) return error;
  }
  return std::nullopt;
}

// No passphrase prompt on the terminal, ever (OpenSSL's default callback would ask).
int NoPassphrase(char*, int, int, void*) { return 0; }

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::variant<std::shared_ptr<const JwtVerifier>, std::string> JwtVerifier::Create(
    const JwtKeyOptions& options) {
  const bool has_secret = !options.hs256_secret.empty();
  const bool has_key = !options.public_key_pem.empty();
  if (has_secret && has_key) {
    return std::string("--jwt-secret and --jwt-public-key exclude each other: set one");
  }
  if (!has_secret && !has_key) {
    return std::string("no JWT key: set --jwt-secret or --jwt-public-key");
  }
  if (has_secret) {
    if (options.hs256_secret.size() < kMinSecretBytes) {
      return "--jwt-secret is " + std::to_string(options.hs256_secret.size()) +
             " bytes; HS256 needs at least 32 (e.g. openssl rand -hex 32)";
    }
    return std::shared_ptr<const JwtVerifier>(new JwtVerifier(Alg::kHs256, options.hs256_secret));
  }

  const std::string& pem = options.public_key_pem;
  if (Contains(pem, "PRIVATE KEY-----")) {
    return std::string(
        "--jwt-public-key holds a private key: give its public key (openssl pkey -in key.pem "
        "-pubout)");
  }
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return std::string("--jwt-public-key is too large");
  }
  BioPtr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!in) return std::string("--jwt-public-key: out of memory");
  PkeyPtr key(PEM_read_bio_PUBKEY(in.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (!key) {
    if (Contains(pem, "-----BEGIN CERTIFICATE-----")) {
      return std::string(
          "--jwt-public-key holds a certificate: extract its key (openssl x509 -in cert.pem "
          "-pubkey -noout)");
    }
    if (Contains(pem, "-----BEGIN RSA PUBLIC KEY-----")) {
      return std::string(
          "--jwt-public-key holds a PKCS#1 RSA key: convert it (openssl rsa -RSAPublicKey_in -in "
          "key.pem -pubout)");
    }
    return std::string("--jwt-public-key is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }

  Alg alg;
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
        return "--jwt-public-key is an RSA key of " + std::to_string(EVP_PKEY_get_bits(key.get())) +
               " bits; at least 2048 are needed";
      }
      alg = Alg::kRs256;
      break;
    case EVP_PKEY_EC: {
      char group[80] = {};
      std::size_t group_length = 0;
      if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &group_length) != 1) {
        ERR_clear_error();
        return std::string("--jwt-public-key is an EC key on an unnamed curve; ES256 needs P-256");
      }
      if (std::strcmp(group, SN_X9_62_prime256v1) != 0) {
        return "--jwt-public-key is an EC key on " + std::string(group) +
               "; ES256 needs P-256 (prime256v1)";
      }
      alg = Alg::kEs256;
      break;
    }
    default: {
      const char* type = EVP_PKEY_get0_type_name(key.get());
      return "--jwt-public-key is a key of type " + std::string(type ? type : "unknown") +
             "; supported: RSA (RS256) and EC P-256 (ES256)";
    }
  }

  // libjwt reads the PEM again at every verification: give it exactly the key checked here.
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_PUBKEY(out.get(), key.get()) != 1) {
    ERR_clear_error();
    return std::string("--jwt-public-key: cannot re-encode the key");
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(out.get(), &data);
  if (length <= 0 || data == nullptr)
    return std::string("--jwt-public-key: cannot re-encode the key");
  return std::shared_ptr<const JwtVerifier>(
      new JwtVerifier(alg, std::string(data, static_cast<std::size_t>(length))));
}

std::string_view JwtVerifier::Algorithm() const {
  switch (alg_) {
    case Alg::kHs256:
      return "HS256";
    case Alg::kRs256:
      return "RS256";
    case Alg::kEs256:
      return "ES256";
  }
  std::abort();
}

std::variant<AccessGrant, JwtVerifier::Rejected> JwtVerifier::Verify(
    std::string_view token, int64_t now_unix_seconds) const {
  if (token.size() > kMaxTokenBytes) return Rejected{"token too large"};
  std::optional<Segments> segments = Split(token);
  if (!segments) return Malformed();

  rapidjson::Document header;
  if (!DecodeObject(segments->header, header)) return Malformed();
  // RFC 7515 §4: names are unique; our parser keeps the first, libjwt's the last.
  if (HasDuplicateNames(header)) return Malformed();
  auto alg = header.FindMember("alg");
  if (alg == header.MemberEnd() || !alg->value.IsString() || StringOf(alg->value) != Algorithm()) {
    return Rejected{"token algorithm not accepted"};
  }
  auto typ = header.FindMember("typ");
  if (typ != header.MemberEnd() &&
      (!typ->value.IsString() || !EqualsIgnoringAsciiCase(StringOf(typ->value), "JWT"))) {
    return Rejected{"token type not accepted"};
  }
  if (header.HasMember("crit")) return Malformed();

  if (segments->signature.empty()) return Rejected{"bad token signature"};
  if (!DecodeBase64Url(segments->signature)) return Malformed();
  rapidjson::Document payload;
  if (!DecodeObject(segments->payload, payload)) return Malformed();

  const std::string terminated(token);
  jwt_t* decoded = nullptr;
  int failed =
      jwt_decode(&decoded, terminated.c_str(), reinterpret_cast<const unsigned char*>(key_.data()),
                 static_cast<int>(key_.size()));
  JwtPtr jwt(decoded);
  ERR_clear_error();  // libjwt leaves OpenSSL's reasons in this thread's queue
  if (failed != 0 || !jwt) return Rejected{"bad token signature"};

  const jwt_alg_t expected = alg_ == Alg::kHs256   ? JWT_ALG_HS256
                             : alg_ == Alg::kRs256 ? JWT_ALG_RS256
                                                   : JWT_ALG_ES256;
  if (jwt_get_alg(jwt.get()) != expected) return Rejected{"token algorithm not accepted"};

  MallocString claims(jwt_get_grants_json(jwt.get(), nullptr));
  if (!claims) return Malformed();
  return GrantFromClaims(claims.get(), now_unix_seconds);
}

std::variant<AccessGrant, JwtVerifier::Rejected> JwtVerifier::GrantFromClaims(
    std::string_view claims_json, int64_t now_unix_seconds) {
  rapidjson::Document claims;
  if (!ParseObject(claims_json, claims)) return Malformed();

  std::optional<int64_t> exp;
  std::optional<int64_t> nbf;
  if (auto error = ReadNumericDate(claims, "exp", /*round_up=*/false, exp)) return *error;
  if (!exp) return ClaimsInvalid("exp missing");
  if (auto error = ReadNumericDate(claims, "nbf", /*round_up=*/true, nbf)) return *error;
  if (now_unix_seconds >= *exp) return Rejected{"token expired"};
  if (nbf && now_unix_seconds < *nbf) return Rejected{"token not yet valid"};

  AccessGrant grant;
  grant.expires_at = exp;
  if (auto sub = claims.FindMember("sub"); sub != claims.MemberEnd()) {
    if (!sub->value.IsString()) return ClaimsInvalid("sub is not a string");
    grant.subject = std::string(StringOf(sub->value));
  }
  if (auto error = ReadScope(claims, grant)) return *error;
  if (auto error = ReadRestriction(claims, grant.rows)) return *error;
  return grant;
}

bool LooksLikeJwt(std::string_view token) {
  std::optional<Segments> segments = Split(token);
  if (!segments) return false;
  rapidjson::Document header;
  return DecodeObject(segments->header, header) && !segments->payload.empty() &&
         DecodeBase64Url(segments->payload) && DecodeBase64Url(segments->signature);
}

}  // namespace walcast::api
