#include "pg_time.h"

namespace walcast::decoder {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
// 0000-01-01 and 10000-01-01 in Unix µs: the range four-digit years can print.
constexpr int64_t kMinPrintable = -62'167'219'200 * kMicrosPerSecond;
constexpr int64_t kMaxPrintable = 253'402'300'800 * kMicrosPerSecond;  // exclusive

// Floor division, so times before 1970 land on the right day.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void PutDigits(int64_t value, int width, char* out) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

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

  PutDigits(static_cast<int>(date.year()), 4, text);
  text[4] = '-';
  PutDigits(static_cast<unsigned>(date.month()), 2, text + 5);
  text[7] = '-';
  PutDigits(static_cast<unsigned>(date.day()), 2, text + 8);
  text[10] = 'T';
  PutDigits(seconds_of_day / 3600, 2, text + 11);
  text[13] = ':';
  PutDigits(seconds_of_day / 60 % 60, 2, text + 14);
  text[16] = ':';
  PutDigits(seconds_of_day % 60, 2, text + 17);
  text[19] = '.';
  PutDigits(micros_of_day % kMicrosPerSecond, 6, text + 20);
  text[26] = 'Z';
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
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return std::nullopt;
  }
  if (!Expect(text, &pos, ' ') && !Expect(text, &pos, 'T')) return std::nullopt;
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second)) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int64_t fraction = 0;
  if (Expect(text, &pos, '.')) {
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 6) return std::nullopt;
      fraction = fraction * 10 + (text[pos++] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) fraction *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && !ReadZone(text, &pos, &offset_seconds)) return std::nullopt;
  if (pos != text.size()) return std::nullopt;

  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const int64_t seconds = days * 86'400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return seconds * kMicrosPerSecond + fraction;
}

}  // namespace walcast::decoder
