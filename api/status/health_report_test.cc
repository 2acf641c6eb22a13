#include "api/status/health_report.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace walcast::api {
namespace {

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

HealthReport Streaming() {
  HealthReport report;
  report.database_up = true;
  report.stream_up = true;
  report.source = "replication";
  report.slot = "walcast_orders";
  return report;
}

TEST(HealthReport, NoWalFlushLagWhereItIsNotDiagnosed) {
  auto doc = Parse(HealthJson(Streaming()));
  EXPECT_FALSE(doc.HasMember("walFlushLag"));
}

TEST(HealthReport, WalFlushLagNotDetectedIsJustThat) {
  HealthReport report = Streaming();
  report.wal_flush_lag = WalFlushLag{};
  auto doc = Parse(HealthJson(report));
  ASSERT_TRUE(doc.HasMember("walFlushLag"));
  EXPECT_FALSE(doc["walFlushLag"]["detected"].GetBool());
  EXPECT_FALSE(doc["walFlushLag"].HasMember("advice"));
}

TEST(HealthReport, DetectedWalFlushLagIsAWarningNotAFailure) {
  HealthReport report = Streaming();
  report.wal_flush_lag = WalFlushLag{true, 114.5, 310, WalFlushAdvice(114.5, 310, false)};
  EXPECT_EQ(HealthStatus(report), "ok") << "the stream works; its latency is the server's flush";
  auto doc = Parse(HealthJson(report));
  EXPECT_STREQ(doc["status"].GetString(), "ok");
  const auto& lag = doc["walFlushLag"];
  EXPECT_TRUE(lag["detected"].GetBool());
  EXPECT_DOUBLE_EQ(lag["medianMs"].GetDouble(), 114.5);
  EXPECT_DOUBLE_EQ(lag["maxMs"].GetDouble(), 310);
  EXPECT_NE(std::string(lag["advice"].GetString()).find("wal_writer_delay"), std::string::npos);
}

}  // namespace
}  // namespace walcast::api
