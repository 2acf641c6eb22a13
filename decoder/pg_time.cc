#include "decoder/pg_time.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace walcast::decoder {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
// 0000-01-01 and 10000-01-01 in Unix µs: the range four-digit years can print.
constexpr int64_t kMinPrintable = -62'167'219'200 * kMicrosPerSecond;
constexpr int64_t kMaxPrintable = 253'402'300'800 * kMicrosPerSecond;  // exclusive

// Floor division, so times before 1970 land on the right day.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// "00" to "99": two digits per division, on 32 bits (every field fits).
constexpr std::array<char, 200> kTwoDigits = [] {
  std::array<char, 200> digits{};
  for (int i = 0; i < 100; ++i) {
    digits[2 * i] = static_cast<char>('0' + i / 10);
    digits[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return digits;
}();

void PutTwo(uint32_t value, char* out) { std::memcpy(out, &kTwoDigits[2 * value], 2); }

// Reads exactly `width` ASCII digits at text[*pos].
bool ReadDigits(std::string_view text, size_t* pos, int width, int* value) {
  if (text.size() - *pos < static_cast<size_t>(width)) return false;
  int result = 0;
  for (int i = 0; i < width; ++i) {
    char c = text[*pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  *pos += static_cast<size_t>(width);
  *value = result;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// Parses "+HH", "+HH:MM", "+HH:MM:SS" (or '-'), or "Z", into seconds east of UTC.
bool ReadZone(std::string_view text, size_t* pos, int64_t* offset_seconds) {
  if (Expect(text, pos, 'Z')) {
    *offset_seconds = 0;
    return true;
  }
  int sign;
  if (Expect(text, pos, '+')) {
    sign = 1;
  } else if (Expect(text, pos, '-')) {
    sign = -1;
  } else {
    return false;
  }
  int hours = 0, minutes = 0, seconds = 0;
  if (!ReadDigits(text, pos, 2, &hours) || hours > 15) return false;
  if (Expect(text, pos, ':')) {
    if (!ReadDigits(text, pos, 2, &minutes) || minutes > 59) return false;
    if (Expect(text, pos, ':') && (!ReadDigits(text, pos, 2, &seconds) || seconds > 59)) {
      return false;
    }
  }
  *offset_seconds = sign * (hours * 3600 + minutes * 60 + seconds);
  return true;
}

struct TimestampParts {
  int year, month, day, hour, minute, second;
  int64_t micros;
  int64_t offset_seconds;  // east of UTC
  int fraction_digits;     // as written, 0..6
};

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// The grammar of ParsePgTimestamp, with every field range-checked.
std::optional<TimestampParts> ParseParts(std::string_view text) {
  size_t pos = 0;
  TimestampParts p{};
  if (!ReadDigits(text, &pos, 4, &p.year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &p.month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &p.day)) {
    return std::nullopt;
  }
  if (!Expect(text, &pos, ' ') && !Expect(text, &pos, 'T')) return std::nullopt;
  if (!ReadDigits(text, &pos, 2, &p.hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &p.minute) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &p.second)) {
    return std::nullopt;
  }
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > DaysInMonth(p.year, p.month) ||
      p.hour > 23 || p.minute > 59 || p.second > 59) {
    return std::nullopt;
  }
  if (Expect(text, &pos, '.')) {
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 6) return std::nullopt;
      p.micros = p.micros * 10 + (text[pos++] - '0');
    }
    if (digits == 0) return std::nullopt;
    p.fraction_digits = digits;
    for (; digits < 6; ++digits) p.micros *= 10;
  }
  if (pos < text.size() && !ReadZone(text, &pos, &p.offset_seconds)) return std::nullopt;
  if (pos != text.size()) return std::nullopt;
  return p;
}

// The fields are in range (year 0-9999, micros below a second).
void WriteParts(const TimestampParts& p, char* text) {
  const auto year = static_cast<uint32_t>(p.year);
  const auto micros = static_cast<uint32_t>(p.micros);
  PutTwo(year / 100, text);
  PutTwo(year % 100, text + 2);
  text[4] = '-';
  PutTwo(static_cast<uint32_t>(p.month), text + 5);
  text[7] = '-';
  PutTwo(static_cast<uint32_t>(p.day), text + 8);
  text[10] = 'T';
  PutTwo(static_cast<uint32_t>(p.hour), text + 11);
  text[13] = ':';
  PutTwo(static_cast<uint32_t>(p.minute), text + 14);
  text[16] = ':';
  PutTwo(static_cast<uint32_t>(p.second), text + 17);
  text[19] = '.';
  PutTwo(micros / 10000, text + 20);
  PutTwo(micros / 100 % 100, text + 22);
  PutTwo(micros % 100, text + 24);
  text[26] = 'Z';
}

}  // namespace

int64_t UnixMicros(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

bool AppendRfc3339(int64_t unix_micros, std::string* out) {
  char text[kRfc3339Size];
  if (!WriteRfc3339(unix_micros, text)) return false;
  out->append(text, sizeof(text));
  return true;
}

bool WriteRfc3339(int64_t unix_micros, char* text) {
  if (unix_micros < kMinPrintable || unix_micros >= kMaxPrintable) return false;
  const int64_t days = FloorDiv(unix_micros, kMicrosPerDay);
  const int64_t micros_of_day = unix_micros - days * kMicrosPerDay;
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  const int64_t seconds_of_day = micros_of_day / kMicrosPerSecond;
  WriteParts(
      TimestampParts{
          static_cast<int>(date.year()), static_cast<int>(static_cast<unsigned>(date.month())),
          static_cast<int>(static_cast<unsigned>(date.day())),
          static_cast<int>(seconds_of_day / 3600), static_cast<int>(seconds_of_day / 60 % 60),
          static_cast<int>(seconds_of_day % 60), micros_of_day % kMicrosPerSecond, 0, 6},
      text);
  return true;
}

std::string FormatRfc3339(int64_t unix_micros) {
  std::string out;
  if (unix_micros < kMinPrintable) unix_micros = kMinPrintable;
  if (unix_micros >= kMaxPrintable) unix_micros = kMaxPrintable - 1;
  AppendRfc3339(unix_micros, &out);
  return out;
}

std::optional<int64_t> ParsePgTimestamp(std::string_view text) {
  std::optional<TimestampParts> parts = ParseParts(text);
  if (!parts) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(parts->year),
                                         std::chrono::month(static_cast<unsigned>(parts->month)),
                                         std::chrono::day(static_cast<unsigned>(parts->day))};
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const int64_t seconds = days * 86'400 + parts->hour * 3600 + parts->minute * 60 + parts->second -
                          parts->offset_seconds;
  return seconds * kMicrosPerSecond + parts->micros;
}

bool AppendPgTimestampAsRfc3339(std::string_view text, std::string* out) {
  char buffer[kRfc3339Size];
  if (!WritePgTimestampAsRfc3339(text, buffer)) return false;
  out->append(buffer, sizeof(buffer));
  return true;
}

bool WritePgTimestampAsRfc3339(std::string_view text, char* buffer) {
  std::optional<TimestampParts> parts = ParseParts(text);
  if (!parts) return false;
  if (parts->offset_seconds != 0) {
    std::optional<int64_t> micros = ParsePgTimestamp(text);
    return micros && WriteRfc3339(*micros, buffer);
  }
  // Already UTC (the usual case with TimeZone=UTC, and timestamp without time zone): the text,
  // validated above, is copied with 'T', the fraction padded to six digits and 'Z'.
  std::memcpy(buffer, text.data(), 19);  // YYYY-MM-DD HH:MM:SS
  buffer[10] = 'T';
  buffer[19] = '.';
  std::memcpy(buffer + 20, text.data() + 20, static_cast<size_t>(parts->fraction_digits));
  std::memset(buffer + 20 + parts->fraction_digits, '0',
              static_cast<size_t>(6 - parts->fraction_digits));
  buffer[26] = 'Z';
  return true;
}

}  // namespace walcast::decoder
