#pragma once

// Query strings and URI percent-encoding, as the S3 gateway needs them.
//
// Decoding (untrusted input) is strict: "%" must be followed by two hex digits, otherwise the
// whole string is rejected with InvalidURI; inputs longer than the limit are rejected before any
// work. In query strings '+' means a space (HTML form encoding, what S3 and Go/Java servers do);
// in paths it is a literal '+'.
//
// Encoding is SigV4's UriEncode(): every byte except the unreserved set A-Z a-z 0-9 - . _ ~ is
// written as %XX with uppercase hex; '/' is kept in paths (kPath) and encoded elsewhere.
//
// Thread-safety: pure functions.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shale::gateway {

struct QueryParam {
  std::string name;        // Decoded.
  std::string value;       // Decoded; empty both for "a" and "a=".
  bool has_value = false;  // "a=" and "a=1" have one, a bare "a" does not.
};

struct QueryLimits {
  size_t max_length = 16 * 1024;  // Raw query bytes (S3 URLs are far below this).
  size_t max_params = 256;
};

// Splits "a=1&b&c=" into ordered, decoded pairs. Empty segments ("a=1&&b", a trailing '&') are
// skipped; duplicate names are kept in order (callers decide what a duplicate means).
Result<std::vector<QueryParam>> ParseQuery(std::string_view raw, const QueryLimits& limits = {});

enum class PercentDecodeMode : uint8_t {
  kPath,   // '+' is literal.
  kQuery,  // '+' is a space.
};
// Decodes %XX escapes. Decoded bytes are returned as they are (they may be any bytes, including
// NUL and invalid UTF-8: validating keys is object_key.h's job).
Result<std::string> PercentDecode(std::string_view text, PercentDecodeMode mode,
                                  size_t max_length = 16 * 1024);

enum class UriEncodeMode : uint8_t {
  kComponent,  // '/' becomes %2F (query names and values).
  kPath,       // '/' is kept (the canonical URI).
};
std::string UriEncode(std::string_view bytes, UriEncodeMode mode);

}  // namespace shale::gateway
