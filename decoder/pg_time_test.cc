#include "decoder/pg_time.h"

#include <gtest/gtest.h>

namespace walcast::decoder {
namespace {

// 2026-11-24T10:45:54.991053Z
constexpr int64_t kSample = 1'795'517'154'991'053;

TEST(PgTime, FormatsRfc3339WithMicroseconds) {
  EXPECT_EQ(FormatRfc3339(kSample), "2026-11-24T10:45:54.991053Z");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(kPgEpochUnixMicros), "2000-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(951'782'400'000'000), "2000-02-29T00:00:00.000000Z");
}

TEST(PgTime, ClampsYearsRfc3339CannotPrint) {
  std::string out;
  EXPECT_FALSE(AppendRfc3339(INT64_MAX, &out));
  EXPECT_FALSE(AppendRfc3339(INT64_MIN, &out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(FormatRfc3339(INT64_MAX), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(INT64_MIN), "0000-01-01T00:00:00.000000Z");
}

TEST(PgTime, ConvertsPostgresEpoch) {
  EXPECT_EQ(UnixMicrosFromPg(0), kPgEpochUnixMicros);
  EXPECT_EQ(PgMicrosFromUnix(UnixMicrosFromPg(12345)), 12345);
  EXPECT_EQ(UnixMicros(std::chrono::system_clock::time_point(std::chrono::microseconds(42))), 42);
}

// Found by the fuzzer: a commit time near INT64_MAX overflowed the epoch shift.
TEST(PgTime, EpochShiftSaturates) {
  EXPECT_EQ(UnixMicrosFromPg(INT64_MAX), INT64_MAX);
  EXPECT_EQ(UnixMicrosFromPg(INT64_MAX - kPgEpochUnixMicros), INT64_MAX);
  EXPECT_EQ(UnixMicrosFromPg(INT64_MIN), INT64_MIN + kPgEpochUnixMicros);
  EXPECT_EQ(PgMicrosFromUnix(INT64_MIN), INT64_MIN);
  EXPECT_EQ(FormatRfc3339(UnixMicrosFromPg(INT64_MAX)), "9999-12-31T23:59:59.999999Z");
}

struct ParseCase {
  const char* text;
  int64_t expected;
};

TEST(PgTime, ParsesPostgresTimestampText) {
  const ParseCase cases[] = {
      {"2026-11-24 10:45:54.991053+00", kSample},
      {"2026-11-24 10:45:54.991053", kSample},  // timestamp without time zone: UTC
      {"2026-11-24T10:45:54.991053Z", kSample},
      {"2026-11-24T10:45:54.991053+00:00", kSample},  // row_to_json
      {"2026-11-24 16:15:54.991053+05:30", kSample},
      {"2026-11-24 07:15:54.991053-03:30", kSample},
      {"2026-11-24 10:45:54+00", kSample - 991'053},
      {"2026-11-24 10:45:54.9+00", kSample - 91'053},
      {"2026-11-24 10:45:54.99105+00", kSample - 3},
      {"2026-11-25 00:45:54.991053+14", kSample},
      {"1969-12-31 23:59:59.999999+00", -1},
      {"2000-01-01 00:00:00+00", kPgEpochUnixMicros},
      {"1900-01-01 00:00:00+00:19:32", -2'208'988'800'000'000 - 1'172'000'000},
      {"2024-02-29 00:00:00", 1'709'164'800'000'000},
  };
  for (const ParseCase& c : cases) {
    std::optional<int64_t> parsed = ParsePgTimestamp(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
}

TEST(PgTime, DirectUtcPathMatchesTheCalendarPath) {
  for (const char* text :
       {"2026-11-24 10:45:54.991053+00", "2026-11-24 10:45:54", "2026-11-24T10:45:54.1Z",
        "2026-11-24 10:45:54.12345", "2026-11-24 16:15:54.5+05:30", "1999-12-31 23:59:59-00:30",
        "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00"}) {
    std::string direct;
    ASSERT_TRUE(AppendPgTimestampAsRfc3339(text, &direct)) << text;
    EXPECT_EQ(direct, FormatRfc3339(*ParsePgTimestamp(text))) << text;
  }
  std::string out;
  EXPECT_FALSE(AppendPgTimestampAsRfc3339("9999-12-31 23:59:59-01", &out));  // year 10000
  EXPECT_FALSE(AppendPgTimestampAsRfc3339("infinity", &out));
  EXPECT_TRUE(out.empty());
}

TEST(PgTime, RejectsWhatItCannotConvert) {
  for (const char* text : {"",
                           "infinity",
                           "-infinity",
                           "2026-11-24",
                           "2026-11-24 10:45",
                           "2026-11-24 10:45:54.",
                           "2026-11-24 10:45:54.1234567",
                           "2026-11-24 25:00:00",
                           "2026-13-01 00:00:00",
                           "2026-02-30 00:00:00",
                           "2023-02-29 00:00:00",
                           "0044-03-15 12:00:00 BC",
                           "12026-11-24 10:45:54",
                           "2026-11-24 10:45:54+0",
                           "2026-11-24 10:45:54+00:",
                           "2026-11-24 10:45:54 +00",
                           "2026-11-24 10:45:54+16",
                           "2026/11/24 10:45:54",
                           "Tue Nov 24 10:45:54 2026 UTC",
                           "2026-11-24 10:45:54+00x"}) {
    EXPECT_FALSE(ParsePgTimestamp(text).has_value()) << text;
  }
}

TEST(PgTime, ParseThenFormatNormalizesToUtc) {
  EXPECT_EQ(FormatRfc3339(*ParsePgTimestamp("2026-12-31 23:30:00.5-01")),
            "2027-01-01T00:30:00.500000Z");
}

}  // namespace
}  // namespace walcast::decoder
