#include "gateway/s3_dates.h"

#include <array>
#include <cstdio>

namespace shale::gateway {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, any year).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second, millis, weekday;
};

Civil ToCivil(int64_t unix_ms) {
  int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  Civil c{};
  c.millis = static_cast<unsigned>(unix_ms - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  c.hour = static_cast<unsigned>(rem / 3600);
  c.minute = static_cast<unsigned>(rem / 60 % 60);
  c.second = static_cast<unsigned>(rem % 60);
  c.weekday = static_cast<unsigned>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday.
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<int64_t>(yoe) + era * 400 + (c.month <= 2);
  return c;
}

// Parses exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t n, unsigned* out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    char ch = s[pos + i];
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  *out = v;
  return true;
}

int MonthIndex(std::string_view s) {
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == s) return static_cast<int>(i) + 1;
  }
  return 0;
}

std::optional<int64_t> Assemble(unsigned year, int month, unsigned day, unsigned h, unsigned m,
                                unsigned s) {
  if (month < 1 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return std::nullopt;
  return DaysFromCivil(year, static_cast<unsigned>(month), day) * 86400 + h * 3600 + m * 60 + s;
}

// "08:49:37" at pos.
bool Time(std::string_view s, size_t pos, unsigned* h, unsigned* m, unsigned* sec) {
  return pos + 8 <= s.size() && Digits(s, pos, 2, h) && s[pos + 2] == ':' &&
         Digits(s, pos + 3, 2, m) && s[pos + 5] == ':' && Digits(s, pos + 6, 2, sec);
}

}  // namespace

std::string FormatHttpDate(int64_t unix_ms) {
  Civil c = ToCivil(unix_ms);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s, %02u %s %04lld %02u:%02u:%02u GMT", kDays[c.weekday].data(),
                c.day, kMonths[c.month - 1].data(), static_cast<long long>(c.year), c.hour,
                c.minute, c.second);
  return buf;
}

std::string FormatIso8601(int64_t unix_ms) {
  Civil c = ToCivil(unix_ms);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ",
                static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                c.millis);
  return buf;
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  unsigned day, year, h, m, sec;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 chars).
  if (s.size() == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' && s[16] == ' ' &&
      s.substr(25) == " GMT" && Digits(s, 5, 2, &day) && Digits(s, 12, 4, &year) &&
      Time(s, 17, &h, &m, &sec)) {
    return Assemble(year, MonthIndex(s.substr(8, 3)), day, h, m, sec);
  }
  // asctime: "Sun Nov  6 08:49:37 1994" (24 chars; the day is space-padded).
  if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ' &&
      Time(s, 11, &h, &m, &sec) && Digits(s, 20, 4, &year)) {
    unsigned d1 = 0;
    if (s[8] == ' ' ? Digits(s, 9, 1, &d1) : Digits(s, 8, 2, &d1)) {
      return Assemble(year, MonthIndex(s.substr(4, 3)), d1, h, m, sec);
    }
    return std::nullopt;
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year: 70..99 -> 19xx, else 20xx).
  size_t comma = s.find(", ");
  if (comma != std::string_view::npos && s.size() == comma + 24 &&
      s.substr(s.size() - 4) == " GMT") {
    size_t p = comma + 2;
    if (s[p + 2] == '-' && s[p + 6] == '-' && s[p + 9] == ' ' && Digits(s, p, 2, &day) &&
        Digits(s, p + 7, 2, &year) && Time(s, p + 10, &h, &m, &sec)) {
      year += year >= 70 ? 1900 : 2000;
      return Assemble(year, MonthIndex(s.substr(p + 3, 3)), day, h, m, sec);
    }
  }
  return std::nullopt;
}

}  // namespace shale::gateway
