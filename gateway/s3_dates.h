#pragma once

// The two timestamp formats of the S3 API: HTTP dates (IMF-fixdate, RFC 9110 section 5.6.7:
// Last-Modified, If-Modified-Since, ...) and ISO 8601 with milliseconds (XML bodies).
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shale::gateway {

// "Sun, 06 Nov 1994 08:49:37 GMT" (milliseconds are dropped).
std::string FormatHttpDate(int64_t unix_ms);
// "1994-11-06T08:49:37.000Z".
std::string FormatIso8601(int64_t unix_ms);
// Seconds since the epoch of an IMF-fixdate, the obsolete RFC 850 form
// ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime ("Sun Nov  6 08:49:37 1994"); nullopt for
// anything else (S3 ignores a conditional header whose date does not parse).
std::optional<int64_t> ParseHttpDate(std::string_view text);

}  // namespace shale::gateway
