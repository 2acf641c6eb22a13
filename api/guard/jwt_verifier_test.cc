// JwtVerifier against tokens signed here, with libjwt and the test-only keys of tests/fixtures/jwt,
// and against hand-written bytes (alg none, tampered, malformed). Time is a fixed `now`.
#include "api/guard/jwt_verifier.h"

#include <gtest/gtest.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace walcast::api {
namespace {

constexpr int64_t kNow = 1700000000;
constexpr int64_t kExp = kNow + 3600;
const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes
const std::string kOtherSecret = "fedcba9876543210fedcba9876543210";

using Result = std::variant<AccessGrant, JwtVerifier::Rejected>;

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(WALCAST_FIXTURE_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                 static_cast<uint8_t>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (bytes.size() - i == 1) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    for (int shift : {18, 12}) out.push_back(kAlphabet[(n >> shift) & 63]);
  } else if (bytes.size() - i == 2) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8;
    for (int shift : {18, 12, 6}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  return out;
}

// An HS256 token with exactly these header and payload bytes (libjwt writes its own header).
std::string HsToken(std::string_view header, std::string_view payload,
                    std::string_view secret = kSecret) {
  std::string input = Base64Url(header) + "." + Base64Url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_length);
  return input + "." + Base64Url(std::string_view(reinterpret_cast<const char*>(mac), mac_length));
}

// A token signed by libjwt: header {"alg":…,"typ":"JWT"}, these claims.
std::string LibjwtToken(jwt_alg_t alg, std::string_view key, const std::string& claims) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  EXPECT_EQ(jwt_add_grants_json(jwt, claims.c_str()), 0) << claims;
  EXPECT_EQ(jwt_set_alg(jwt, alg,
                        key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
                        static_cast<int>(key.size())),
            0);
  char* encoded = jwt_encode_str(jwt);
  jwt_free(jwt);
  EXPECT_NE(encoded, nullptr);
  std::string token = encoded ? encoded : "";
  std::free(encoded);
  return token;
}

std::string PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PUBKEY(bio, key), 1);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return pem;
}

std::string PrivatePem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return pem;
}

JwtKeyOptions Secret(std::string secret) {
  JwtKeyOptions options;
  options.hs256_secret = std::move(secret);
  return options;
}

JwtKeyOptions PublicKey(std::string pem) {
  JwtKeyOptions options;
  options.public_key_pem = std::move(pem);
  return options;
}

RowRestriction Rows(std::optional<std::set<int64_t>> order_ids,
                    std::optional<std::string> customer) {
  RowRestriction rows;
  rows.order_ids = std::move(order_ids);
  rows.customer = std::move(customer);
  return rows;
}

std::shared_ptr<const JwtVerifier> MakeVerifier(JwtKeyOptions options) {
  auto created = JwtVerifier::Create(options);
  if (auto* error = std::get_if<std::string>(&created)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::get<std::shared_ptr<const JwtVerifier>>(created);
}

std::string CreateError(JwtKeyOptions options) {
  auto created = JwtVerifier::Create(options);
  if (auto* error = std::get_if<std::string>(&created)) return *error;
  return "(created)";
}

std::string Reason(const Result& result) {
  if (auto* rejected = std::get_if<JwtVerifier::Rejected>(&result)) return rejected->reason;
  return "(accepted)";
}

AccessGrant Granted(const Result& result) {
  if (auto* rejected = std::get_if<JwtVerifier::Rejected>(&result)) {
    ADD_FAILURE() << "rejected: " << rejected->reason;
    return {};
  }
  return std::get<AccessGrant>(result);
}

std::string Claims(const std::string& extra = "") {
  return R"({"exp":)" + std::to_string(kExp) + R"(,"scope":"read write")" +
         (extra.empty() ? "" : "," + extra) + "}";
}

class JwtVerifierTest : public testing::Test {
 protected:
  const std::string rsa_private_ = ReadFixture("rsa_private.pem");
  const std::string rsa_public_ = ReadFixture("rsa_public.pem");
  const std::string ec_private_ = ReadFixture("ec_private.pem");
  const std::string ec_public_ = ReadFixture("ec_public.pem");
  std::shared_ptr<const JwtVerifier> hs_ = MakeVerifier(Secret(kSecret));
  std::shared_ptr<const JwtVerifier> rs_ = MakeVerifier(PublicKey(rsa_public_));
  std::shared_ptr<const JwtVerifier> es_ = MakeVerifier(PublicKey(ec_public_));
};

// --- Create ---------------------------------------------------------------------------------

TEST_F(JwtVerifierTest, CreatePicksTheAlgorithmFromTheKey) {
  EXPECT_EQ(hs_->Algorithm(), "HS256");
  EXPECT_EQ(rs_->Algorithm(), "RS256");
  EXPECT_EQ(es_->Algorithm(), "ES256");
}

TEST_F(JwtVerifierTest, CreateRefusesBothOrNeither) {
  EXPECT_EQ(CreateError({}), "no JWT key: set --jwt-secret or --jwt-public-key");
  EXPECT_EQ(CreateError(JwtKeyOptions{kSecret, rsa_public_}),
            "--jwt-secret and --jwt-public-key exclude each other: set one");
}

TEST_F(JwtVerifierTest, CreateRefusesASecretShorterThan32BytesWithoutEchoingIt) {
  const std::string short_secret = "correct-horse-battery-staple-31";
  ASSERT_EQ(short_secret.size(), 31u);
  std::string error = CreateError(Secret(short_secret));
  EXPECT_EQ(error, "--jwt-secret is 31 bytes; HS256 needs at least 32 (e.g. openssl rand -hex 32)");
  EXPECT_EQ(error.find(short_secret), std::string::npos);
  EXPECT_EQ(CreateError(Secret(kSecret)), "(created)");
}

TEST_F(JwtVerifierTest, CreateRefusesWhatIsNotAUsablePublicKey) {
  struct Case {
    std::string pem;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {rsa_private_,
            "--jwt-public-key holds a private key: give its public key (openssl pkey -in key.pem "
            "-pubout)"},
           {rsa_public_ + ec_private_,
            "--jwt-public-key holds a private key: give its public key (openssl pkey -in key.pem "
            "-pubout)"},
           {"not a key at all",
            "--jwt-public-key is not a PEM public key (-----BEGIN PUBLIC KEY-----)"},
           {"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            "--jwt-public-key is not a PEM public key (-----BEGIN PUBLIC KEY-----)"},
           {"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "--jwt-public-key holds a certificate: extract its key (openssl x509 -in cert.pem "
            "-pubkey -noout)"},
           {"-----BEGIN RSA PUBLIC KEY-----\nMIIB\n-----END RSA PUBLIC KEY-----\n",
            "--jwt-public-key holds a PKCS#1 RSA key: convert it (openssl rsa -RSAPublicKey_in -in "
            "key.pem -pubout)"},
       }) {
    EXPECT_EQ(CreateError(PublicKey(c.pem)), c.error) << c.pem;
  }
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST_F(JwtVerifierTest, CreateRefusesWeakRsaOtherCurvesAndOtherKeyTypes) {
  EVP_PKEY* rsa1024 = EVP_RSA_gen(1024);
  EVP_PKEY* p384 = EVP_EC_gen("P-384");
  EVP_PKEY* ed25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_TRUE(rsa1024 && p384 && ed25519);
  EXPECT_EQ(CreateError(PublicKey(PublicPem(rsa1024))),
            "--jwt-public-key is an RSA key of 1024 bits; at least 2048 are needed");
  EXPECT_EQ(CreateError(PublicKey(PublicPem(p384))),
            "--jwt-public-key is an EC key on secp384r1; ES256 needs P-256 (prime256v1)");
  EXPECT_EQ(
      CreateError(PublicKey(PublicPem(ed25519))),
      "--jwt-public-key is a key of type ED25519; supported: RSA (RS256) and EC P-256 (ES256)");
  EVP_PKEY_free(rsa1024);
  EVP_PKEY_free(p384);
  EVP_PKEY_free(ed25519);
}

// --- Valid tokens ---------------------------------------------------------------------------

TEST_F(JwtVerifierTest, AcceptsEachAlgorithmWithEveryClaim) {
  const std::string claims = R"({"sub":"alice","exp":)" + std::to_string(kExp) + R"(,"nbf":)" +
                             std::to_string(kNow - 10) +
                             R"(,"iat":1,"iss":"idp","scope":"read write",)"
                             R"("walcast":{"orderIds":[3,1,2,3],"customer":"Müller GmbH"}})";
  struct Case {
    const char* name;
    std::shared_ptr<const JwtVerifier> verifier;
    std::string token;
  };
  for (const Case& c : std::vector<Case>{
           {"HS256", hs_, LibjwtToken(JWT_ALG_HS256, kSecret, claims)},
           {"RS256", rs_, LibjwtToken(JWT_ALG_RS256, rsa_private_, claims)},
           {"ES256", es_, LibjwtToken(JWT_ALG_ES256, ec_private_, claims)},
       }) {
    EXPECT_TRUE(LooksLikeJwt(c.token)) << c.name;
    AccessGrant grant = Granted(c.verifier->Verify(c.token, kNow));
    EXPECT_EQ(grant.subject, "alice") << c.name;
    EXPECT_TRUE(grant.read) << c.name;
    EXPECT_TRUE(grant.write) << c.name;
    EXPECT_EQ(grant.expires_at, kExp) << c.name;
    EXPECT_EQ(grant.rows.order_ids, (std::set<int64_t>{1, 2, 3})) << c.name;
    EXPECT_EQ(grant.rows.customer, "Müller GmbH") << c.name;
  }
}

TEST_F(JwtVerifierTest, ReadsScopeWordsIndependently) {
  struct Case {
    std::string scope;
    bool read;
    bool write;
  };
  for (const Case& c : std::vector<Case>{
           {"read", true, false},
           {"write", false, true},  // write does not imply read
           {"read write", true, true},
           {"write read", true, true},
           {"openid profile read", true, false},
           {"  read   write ", true, true},
       }) {
    std::string token =
        LibjwtToken(JWT_ALG_HS256, kSecret,
                    R"({"exp":)" + std::to_string(kExp) + R"(,"scope":")" + c.scope + R"("})");
    AccessGrant grant = Granted(hs_->Verify(token, kNow));
    EXPECT_EQ(grant.read, c.read) << c.scope;
    EXPECT_EQ(grant.write, c.write) << c.scope;
    EXPECT_EQ(grant.subject, "") << c.scope;
    EXPECT_TRUE(grant.rows.Unrestricted()) << c.scope;
  }
}

TEST_F(JwtVerifierTest, ReadsEachRestrictionShape) {
  struct Case {
    std::string walcast;  // the claim's JSON, empty: absent
    RowRestriction rows;
  };
  for (const Case& c : std::vector<Case>{
           {"", {}},
           {"{}", {}},
           {R"({"orderIds":[42]})", Rows(std::set<int64_t>{42}, std::nullopt)},
           {R"({"orderIds":[2147483647,1]})", Rows(std::set<int64_t>{1, 2147483647}, std::nullopt)},
           {R"({"customer":"Acme"})", Rows(std::nullopt, "Acme")},
           {R"({"customer":")" + std::string(255, 'x') + R"("})",
            Rows(std::nullopt, std::string(255, 'x'))},
           {R"({"orderIds":[7],"customer":"Acme"})", Rows(std::set<int64_t>{7}, "Acme")},
       }) {
    std::string token = LibjwtToken(JWT_ALG_HS256, kSecret,
                                    Claims(c.walcast.empty() ? "" : R"("walcast":)" + c.walcast));
    EXPECT_EQ(Granted(hs_->Verify(token, kNow)).rows, c.rows) << c.walcast;
  }
}

TEST_F(JwtVerifierTest, HeaderTypIsOptionalAndCaseInsensitive) {
  EXPECT_EQ(Reason(hs_->Verify(HsToken(R"({"alg":"HS256"})", Claims()), kNow)), "(accepted)");
  EXPECT_EQ(
      Reason(hs_->Verify(HsToken(R"({"typ":"jwt","alg":"HS256","kid":"k1"})", Claims()), kNow)),
      "(accepted)");
}

TEST_F(JwtVerifierTest, AcceptsATokenOfExactly8KiB) {
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  bool found = false;
  for (std::size_t pad = 5900; pad < 6200 && !found; ++pad) {
    std::string token = HsToken(header, Claims(R"("pad":")" + std::string(pad, 'p') + "\""));
    if (token.size() != JwtVerifier::kMaxTokenBytes) continue;
    found = true;
    EXPECT_EQ(Reason(hs_->Verify(token, kNow)), "(accepted)");
    EXPECT_EQ(Reason(hs_->Verify(token + "A", kNow)), "token too large");
  }
  EXPECT_TRUE(found);
}

// --- Time -----------------------------------------------------------------------------------

TEST_F(JwtVerifierTest, ExpiresAtExpWithoutLeeway) {
  std::string token = LibjwtToken(JWT_ALG_HS256, kSecret, Claims());
  EXPECT_EQ(Reason(hs_->Verify(token, kExp - 1)), "(accepted)");
  EXPECT_EQ(Reason(hs_->Verify(token, kExp)), "token expired");
  EXPECT_EQ(Reason(hs_->Verify(token, kExp + 86400)), "token expired");
}

TEST_F(JwtVerifierTest, NotValidBeforeNbfWithoutLeeway) {
  std::string token =
      LibjwtToken(JWT_ALG_HS256, kSecret, Claims(R"("nbf":)" + std::to_string(kNow)));
  EXPECT_EQ(Reason(hs_->Verify(token, kNow - 1)), "token not yet valid");
  EXPECT_EQ(Reason(hs_->Verify(token, kNow)), "(accepted)");
}

TEST_F(JwtVerifierTest, FractionalDatesRoundToTheStricterSide) {
  std::string token =
      HsToken(R"({"alg":"HS256"})", R"({"exp":1700003600.5,"nbf":1699999999.5,"scope":"read"})");
  EXPECT_EQ(Reason(hs_->Verify(token, kNow - 1)), "token not yet valid");  // nbf rounds up
  EXPECT_EQ(Granted(hs_->Verify(token, kNow)).expires_at, kExp);           // exp rounds down
  EXPECT_EQ(Reason(hs_->Verify(token, kExp)), "token expired");
}

// --- Signatures -----------------------------------------------------------------------------

TEST_F(JwtVerifierTest, RejectsBadSignatures) {
  std::string hs = LibjwtToken(JWT_ALG_HS256, kSecret, Claims());
  std::string rs = LibjwtToken(JWT_ALG_RS256, rsa_private_, Claims());
  std::string es = LibjwtToken(JWT_ALG_ES256, ec_private_, Claims());
  EVP_PKEY* other_ec = EVP_EC_gen("P-256");
  ASSERT_NE(other_ec, nullptr);
  std::string es_other_key = LibjwtToken(JWT_ALG_ES256, PrivatePem(other_ec), Claims());
  EVP_PKEY_free(other_ec);

  // The same header and signature over a payload that grants more.
  auto tampered = [](const std::string& token) {
    std::size_t first = token.find('.');
    std::size_t second = token.find('.', first + 1);
    return token.substr(0, first + 1) +
           Base64Url(R"({"exp":)" + std::to_string(kExp + 999999) + R"(,"scope":"read write"})") +
           token.substr(second);
  };
  // Another valid base64url character at the start of the signature.
  auto flipped = [](std::string token) {
    char& c = token[token.rfind('.') + 1];
    c = c == 'A' ? 'B' : 'A';
    return token;
  };
  struct Case {
    const char* name;
    std::shared_ptr<const JwtVerifier> verifier;
    std::string token;
  };
  ERR_clear_error();
  for (const Case& c : std::vector<Case>{
           {"HS256 other secret", hs_, LibjwtToken(JWT_ALG_HS256, kOtherSecret, Claims())},
           {"HS256 tampered", hs_, tampered(hs)},
           {"HS256 flipped", hs_, flipped(hs)},
           {"HS256 empty signature", hs_, hs.substr(0, hs.rfind('.') + 1)},
           {"RS256 tampered", rs_, tampered(rs)},
           {"RS256 flipped", rs_, flipped(rs)},
           {"ES256 tampered", es_, tampered(es)},
           {"ES256 flipped", es_, flipped(es)},
           {"ES256 other key", es_, es_other_key},
           {"ES256 63-byte signature", es_,
            es.substr(0, es.rfind('.') + 1) + Base64Url(std::string(63, 'x'))},
       }) {
    EXPECT_EQ(Reason(c.verifier->Verify(c.token, kNow)), "bad token signature") << c.name;
    EXPECT_EQ(ERR_peek_error(), 0u) << c.name << ": OpenSSL errors left in the queue";
  }
}

// --- Algorithms -----------------------------------------------------------------------------

TEST_F(JwtVerifierTest, NeverAcceptsAlgNone) {
  const std::string payload = Base64Url(Claims());
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"none","typ":"JWT"})",
                             R"({"alg":"None"})", R"({"alg":"NONE"})"}) {
    for (const std::string& signature : {std::string(), Base64Url("x")}) {
      std::string token = Base64Url(header) + "." + payload + "." + signature;
      EXPECT_TRUE(LooksLikeJwt(token)) << token;
      for (const auto& verifier : {hs_, rs_, es_}) {
        EXPECT_EQ(Reason(verifier->Verify(token, kNow)), "token algorithm not accepted")
            << verifier->Algorithm() << " " << header;
      }
    }
  }
  // libjwt's own rule, which Verify does not rely on: with a key, `none` fails to decode.
  std::string none = LibjwtToken(JWT_ALG_NONE, "", Claims());
  jwt_t* decoded = nullptr;
  EXPECT_NE(
      jwt_decode(&decoded, none.c_str(), reinterpret_cast<const unsigned char*>(kSecret.data()),
                 static_cast<int>(kSecret.size())),
      0);
  EXPECT_EQ(decoded, nullptr);
  jwt_free(decoded);
  EXPECT_EQ(Reason(hs_->Verify(none, kNow)), "token algorithm not accepted");
}

TEST_F(JwtVerifierTest, AcceptsOnlyTheAlgorithmOfTheKey) {
  // The classic confusion: an HS256 token whose HMAC key is the verifier's public PEM. libjwt
  // alone would verify it (it takes the algorithm from the header).
  std::string hs_with_rsa_pem = LibjwtToken(JWT_ALG_HS256, rsa_public_, Claims());
  std::string hs_with_ec_pem = LibjwtToken(JWT_ALG_HS256, ec_public_, Claims());
  jwt_t* decoded = nullptr;
  ASSERT_EQ(jwt_decode(&decoded, hs_with_rsa_pem.c_str(),
                       reinterpret_cast<const unsigned char*>(rsa_public_.data()),
                       static_cast<int>(rsa_public_.size())),
            0)
      << "libjwt no longer accepts the confused token: this test proves less";
  jwt_free(decoded);

  struct Case {
    const char* name;
    std::shared_ptr<const JwtVerifier> verifier;
    std::string token;
  };
  for (const Case& c : std::vector<Case>{
           {"HS256 keyed with the RSA public PEM", rs_, hs_with_rsa_pem},
           {"HS256 keyed with the EC public PEM", es_, hs_with_ec_pem},
           {"RS256 against a secret", hs_, LibjwtToken(JWT_ALG_RS256, rsa_private_, Claims())},
           {"ES256 against a secret", hs_, LibjwtToken(JWT_ALG_ES256, ec_private_, Claims())},
           {"ES256 against RSA", rs_, LibjwtToken(JWT_ALG_ES256, ec_private_, Claims())},
           {"RS256 against EC", es_, LibjwtToken(JWT_ALG_RS256, rsa_private_, Claims())},
           {"HS512", hs_, LibjwtToken(JWT_ALG_HS512, kSecret, Claims())},
           {"RS384", rs_, LibjwtToken(JWT_ALG_RS384, rsa_private_, Claims())},
           {"lower-case hs256", hs_, HsToken(R"({"alg":"hs256"})", Claims())},
           {"no alg", hs_, HsToken(R"({"typ":"JWT"})", Claims())},
           {"alg not a string", hs_, HsToken(R"({"alg":1})", Claims())},
       }) {
    EXPECT_EQ(Reason(c.verifier->Verify(c.token, kNow)), "token algorithm not accepted") << c.name;
  }
}

TEST_F(JwtVerifierTest, RejectsHeadersItDoesNotUnderstand) {
  struct Case {
    const char* header;
    const char* reason;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"alg":"HS256","typ":"at+jwt"})", "token type not accepted"},
           {R"({"alg":"HS256","typ":"JWT\u0000"})", "token type not accepted"},
           {R"({"alg":"HS256","typ":7})", "token type not accepted"},
           {R"({"alg":"HS256","crit":["exp"]})", "malformed token"},
           {R"({"alg":"HS256","alg":"HS256"})", "malformed token"},
           {R"({"alg":"none","alg":"HS256"})", "malformed token"},
       }) {
    EXPECT_EQ(Reason(hs_->Verify(HsToken(c.header, Claims()), kNow)), c.reason) << c.header;
  }
}

// --- Malformed and oversized ----------------------------------------------------------------

TEST_F(JwtVerifierTest, RejectsMalformedTokens) {
  const std::string good = LibjwtToken(JWT_ALG_HS256, kSecret, Claims());
  const std::size_t dot = good.rfind('.');
  const std::string header = Base64Url(R"({"alg":"HS256"})");
  const std::string payload = Base64Url(Claims());
  struct Case {
    const char* name;
    std::string token;
  };
  for (const Case& c : std::vector<Case>{
           {"empty", ""},
           {"no dots", "s3cret-static-token"},
           {"one dot", header + "." + payload},
           {"four segments", good + ".AAAA"},
           {"two dots, bad base64", "!!!.???.###"},
           {"two dots, empty", ".."},
           {"empty header", "." + payload + ".c2ln"},
           {"empty payload", header + "..c2ln"},
           {"garbage bytes", std::string("\x00\xff\x10.\x80\x7f.\x01", 8)},
           {"padding", header + "=." + payload + ".c2ln"},
           {"standard base64 alphabet", good.substr(0, dot + 1) + "+/" + good.substr(dot + 3)},
           {"a junk character", good.substr(0, dot + 3) + "!" + good.substr(dot + 3)},
           {"a space", good.substr(0, dot + 3) + " " + good.substr(dot + 3)},
           {"a NUL byte", good.substr(0, dot + 3) + std::string(1, '\0') + good.substr(dot + 3)},
           {"length 1 mod 4", header + "." + payload + ".A"},
           {"non-canonical last character", header + "." + payload + ".AB"},
           {"header not JSON", Base64Url("alg=HS256") + "." + payload + ".c2ln"},
           {"header an array", Base64Url(R"(["HS256"])") + "." + payload + ".c2ln"},
           {"payload not JSON", HsToken(R"({"alg":"HS256"})", "exp=1")},
           {"payload an array", HsToken(R"({"alg":"HS256"})", "[1]")},
           {"payload with trailing bytes", HsToken(R"({"alg":"HS256"})", Claims() + "x")},
       }) {
    EXPECT_EQ(Reason(hs_->Verify(c.token, kNow)), "malformed token") << c.name;
  }
}

TEST_F(JwtVerifierTest, RejectsJunkThatLibjwtsBase64DecoderSkips) {
  const std::string good = LibjwtToken(JWT_ALG_RS256, rsa_private_, Claims());
  const std::size_t dot = good.rfind('.');
  const std::string junk = good.substr(0, dot + 3) + "!" + good.substr(dot + 3);
  jwt_t* decoded = nullptr;
  ASSERT_EQ(
      jwt_decode(&decoded, junk.c_str(), reinterpret_cast<const unsigned char*>(rsa_public_.data()),
                 static_cast<int>(rsa_public_.size())),
      0)
      << "libjwt no longer accepts the altered token: this test proves less";
  jwt_free(decoded);
  EXPECT_EQ(Reason(rs_->Verify(junk, kNow)), "malformed token");
  EXPECT_EQ(Reason(rs_->Verify(good, kNow)), "(accepted)");
}

TEST_F(JwtVerifierTest, RejectsOversizedTokensBeforeParsing) {
  EXPECT_EQ(Reason(hs_->Verify(std::string(9 * 1024, 'A'), kNow)), "token too large");
  std::string big =
      HsToken(R"({"alg":"HS256"})", Claims(R"("pad":")" + std::string(7000, 'p') + "\""));
  ASSERT_GT(big.size(), JwtVerifier::kMaxTokenBytes);
  EXPECT_EQ(Reason(hs_->Verify(big, kNow)), "token too large");
  EXPECT_EQ(Reason(rs_->Verify(big, kNow)), "token too large");
}

// --- Claims ---------------------------------------------------------------------------------

TEST_F(JwtVerifierTest, RejectsInvalidClaims) {
  const std::string exp = R"("exp":)" + std::to_string(kExp);
  struct Case {
    std::string payload;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"scope":"read"})", "token claims invalid: exp missing"},
           {R"({"exp":"1700003600","scope":"read"})", "token claims invalid: exp is not a number"},
           {R"({"exp":null,"scope":"read"})", "token claims invalid: exp is not a number"},
           {R"({"exp":-1,"scope":"read"})", "token claims invalid: exp out of range"},
           {R"({"exp":1e300,"scope":"read"})", "token claims invalid: exp out of range"},
           {"{" + exp + R"(,"nbf":"0","scope":"read"})",
            "token claims invalid: nbf is not a number"},
           {"{" + exp + R"(,"nbf":253402300800,"scope":"read"})",
            "token claims invalid: nbf out of range"},
           {"{" + exp + "}", "token claims invalid: scope missing"},
           {"{" + exp + R"(,"scope":["read"]})", "token claims invalid: scope is not a string"},
           {"{" + exp + R"(,"scope":""})",
            "token claims invalid: scope grants neither read nor write"},
           {"{" + exp + R"(,"scope":"admin READ Write readwrite"})",
            "token claims invalid: scope grants neither read nor write"},
           {"{" + exp + R"(,"scope":"read","sub":42})",
            "token claims invalid: sub is not a string"},
       }) {
    std::string token = HsToken(R"({"alg":"HS256","typ":"JWT"})", c.payload);
    EXPECT_EQ(Reason(hs_->Verify(token, kNow)), c.reason) << c.payload;
  }
}

TEST_F(JwtVerifierTest, RejectsABadWalcastClaim) {
  struct Case {
    std::string walcast;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {"null", "walcast is not an object"},
           {R"("orders")", "walcast is not an object"},
           {"[1]", "walcast is not an object"},
           {R"({"orderIds":[1],"role":"admin"})", "walcast has an unknown key"},
           {R"({"orderids":[1]})", "walcast has an unknown key"},
           {R"({"orderIds":1})", "walcast.orderIds is not an array"},
           {R"({"orderIds":[]})", "walcast.orderIds is empty"},
           {R"({"orderIds":[0]})", "walcast.orderIds must hold integers from 1 to 2147483647"},
           {R"({"orderIds":[-5]})", "walcast.orderIds must hold integers from 1 to 2147483647"},
           {R"({"orderIds":[2147483648]})",
            "walcast.orderIds must hold integers from 1 to 2147483647"},
           {R"({"orderIds":[1.5]})", "walcast.orderIds must hold integers from 1 to 2147483647"},
           {R"({"orderIds":["1"]})", "walcast.orderIds must hold integers from 1 to 2147483647"},
           {R"({"orderIds":[[1]]})", "walcast.orderIds must hold integers from 1 to 2147483647"},
           {R"({"customer":42})", "walcast.customer is not a string"},
           {R"({"customer":""})", "walcast.customer is empty"},
           {R"({"customer":")" + std::string(256, 'x') + R"("})",
            "walcast.customer is longer than 255 bytes"},
           {R"({"customer":null})", "walcast.customer is not a string"},
       }) {
    std::string token = LibjwtToken(JWT_ALG_HS256, kSecret, Claims(R"("walcast":)" + c.walcast));
    EXPECT_EQ(Reason(hs_->Verify(token, kNow)), "token claims invalid: " + c.reason) << c.walcast;
  }
}

TEST(JwtVerifierClaims, BoundsTheNumberOfOrderIds) {
  // No 8 KiB token holds 10001 ids (about 3000 fit), so the bound is checked on claims directly.
  auto claims_with = [](int count) {
    std::string ids;
    for (int i = 1; i <= count; ++i) ids += (i > 1 ? "," : "") + std::to_string(i);
    return R"({"exp":)" + std::to_string(kExp) + R"(,"scope":"read","walcast":{"orderIds":[)" +
           ids + "]}}";
  };
  AccessGrant grant = Granted(JwtVerifier::GrantFromClaims(claims_with(10000), kNow));
  ASSERT_TRUE(grant.rows.order_ids);
  EXPECT_EQ(grant.rows.order_ids->size(), 10000u);
  EXPECT_EQ(Reason(JwtVerifier::GrantFromClaims(claims_with(10001), kNow)),
            "token claims invalid: walcast.orderIds holds more than 10000 ids");
}

TEST(JwtVerifierClaims, RefusesStringsThatAreNotUtf8) {
  // libjwt's parser already refuses these; the claim rules do not rely on it.
  for (std::string_view claims : {
           R"({"exp":1700003600,"scope":"read","walcast":{"customer":"\udc00"}})",
           "{\"exp\":1700003600,\"scope\":\"read\",\"walcast\":{\"customer\":\"\xff\"}}",
           R"({"exp":1700003600,"scope":"read","sub":"\ud800"})",
       }) {
    EXPECT_NE(Reason(JwtVerifier::GrantFromClaims(claims, kNow)), "(accepted)") << claims;
  }
}

// --- LooksLikeJwt ---------------------------------------------------------------------------

TEST(LooksLikeJwt, TellsAJwtShapeFromAStaticToken) {
  const std::string header = Base64Url(R"({"alg":"HS256"})");
  EXPECT_TRUE(LooksLikeJwt(HsToken(R"({"alg":"HS256"})", "{}")));
  EXPECT_TRUE(LooksLikeJwt(header + ".e30."));     // alg none shape: Verify refuses it
  EXPECT_TRUE(LooksLikeJwt(header + ".AA.c2ln"));  // payload not JSON: still shaped like a JWT

  for (std::string_view token : {"", "s3cret", "a.b.c", "abcd.efgh.ijkl", "..", "x..",
                                 "d8e8fca2-dc0f-896f-d73f-6b9e3f7f1c2a", "s3cret.with.dots.four"}) {
    EXPECT_FALSE(LooksLikeJwt(token)) << token;
  }
  EXPECT_FALSE(LooksLikeJwt(header + ".e30"));
  EXPECT_FALSE(LooksLikeJwt(header + "..c2ln"));
  EXPECT_FALSE(LooksLikeJwt(Base64Url("[]") + ".e30.c2ln"));
  EXPECT_FALSE(LooksLikeJwt(header + ".e30=.c2ln"));
}

// --- Threads --------------------------------------------------------------------------------

TEST_F(JwtVerifierTest, VerifiesFromManyThreadsAtOnce) {
  const std::string hs = LibjwtToken(JWT_ALG_HS256, kSecret, Claims());
  const std::string rs = LibjwtToken(JWT_ALG_RS256, rsa_private_, Claims());
  const std::string es = LibjwtToken(JWT_ALG_ES256, ec_private_, Claims());
  std::vector<std::thread> threads;
  std::vector<int> accepted(6, 0);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        bool ok = Reason(hs_->Verify(hs, kNow)) == "(accepted)" &&
                  Reason(rs_->Verify(rs, kNow)) == "(accepted)" &&
                  Reason(es_->Verify(es, kNow)) == "(accepted)" &&
                  Reason(rs_->Verify(es, kNow)) == "token algorithm not accepted";
        accepted[t] += ok ? 1 : 0;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted, std::vector<int>(6, 30));
}

}  // namespace
}  // namespace walcast::api
