#include "api/http/log_text.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

TEST(LogText, RedactsSecretQueryParametersWhateverTheirSpelling) {
  EXPECT_EQ(LoggableTarget("/api/events?access_token=s3cret&status=pending"),
            "/api/events?access_token=[redacted]&status=pending");
  EXPECT_EQ(LoggableTarget("/ws?from=1&ACCESS_TOKEN=a&token=b&api_key=c"),
            "/ws?from=1&ACCESS_TOKEN=[redacted]&token=[redacted]&api_key=[redacted]");
  EXPECT_EQ(LoggableTarget("/ws?access%5Ftoken=s3cret"), "/ws?access%5Ftoken=[redacted]");
  EXPECT_EQ(LoggableTarget("/ws?x=access_token=s3cret"), "/ws?x=access_token=s3cret")
      << "only a parameter's name marks a secret";
  EXPECT_EQ(LoggableTarget("/health"), "/health");
}

TEST(LogText, EscapesBytesOutsidePrintableAscii) {
  EXPECT_EQ(LoggableTarget(std::string("/a\nb\x01\xff\\", 7)), "/a\\x0ab\\x01\\xff\\x5c");
  EXPECT_EQ(LoggableText("line\r\nforged", 100), "line\\x0d\\x0aforged");
  EXPECT_EQ(LoggableText("abcdef", 3), "abc...");
  std::string long_target = "/" + std::string(5000, 'a');
  EXPECT_LT(LoggableTarget(long_target).size(), 2100u);
}

}  // namespace
}  // namespace walcast::api
