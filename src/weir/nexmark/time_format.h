#pragma once
// Calendar fields of an event time (epoch ms, UTC), as Flink's DATE_FORMAT and HOUR give them for the
// Nexmark tables' TIMESTAMP(3) columns: day numbers, "yyyy-MM-dd", "HH:mm" and the hour of the day.
#include <cstdint>
#include <cstdio>
#include <string>

#include "weir/common/time.h"

namespace weir::nexmark {

inline constexpr int64_t kMsPerMinute = 60'000;
inline constexpr int64_t kMsPerHour = 3'600'000;
inline constexpr int64_t kMsPerDay = 86'400'000;

//! floor(ms / unit), also for times before 1970.
inline int64_t floor_div(Timestamp ms, int64_t unit) {
  return ms >= 0 ? ms / unit : (ms - unit + 1) / unit;
}

//! Days since 1970-01-01 (UTC).
inline int64_t day_number(Timestamp ms) {
  return floor_div(ms, kMsPerDay);
}

//! Minutes since 1970-01-01 00:00 (UTC).
inline int64_t minute_number(Timestamp ms) {
  return floor_div(ms, kMsPerMinute);
}

//! HOUR(t): the hour of the day, 0..23.
inline int hour_of_day(Timestamp ms) {
  return static_cast<int>(floor_div(ms, kMsPerHour) - day_number(ms) * 24);
}

//! "yyyy-MM-dd" (UTC) of a day number since 1970-01-01 (the civil-from-days algorithm).
inline std::string format_day(int64_t days) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];  // room for any int64 year, so the compiler can prove nothing is cut
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

//! "HH:mm" of a minute of the day (0..1439).
inline std::string format_hour_minute(int64_t minute_of_day) {
  char buf[8] = {static_cast<char>('0' + minute_of_day / 600),
                 static_cast<char>('0' + minute_of_day / 60 % 10),
                 ':',
                 static_cast<char>('0' + minute_of_day % 60 / 10),
                 static_cast<char>('0' + minute_of_day % 10),
                 0,
                 0,
                 0};
  return std::string(buf, 5);
}

//! A day's text, formatted again only when the day changes (days change rarely in a stream).
class DayText {
 public:
  const std::string& of_day(int64_t day) {
    if (day != day_) {
      day_ = day;
      text_ = format_day(day);
    }
    return text_;
  }

 private:
  int64_t day_ = INT64_MIN;
  std::string text_;
};

}  // namespace weir::nexmark
