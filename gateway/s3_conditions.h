#pragma once

// Conditional requests as S3 evaluates them (RFC 9110 section 13.2.2 order):
//   1. If-Match present: false -> 412; true -> If-Unmodified-Since is ignored.
//   2. Else If-Unmodified-Since: modified after the date -> 412.
//   3. If-None-Match present: matches -> 304 (GET/HEAD); no match -> If-Modified-Since is
//      ignored.
//   4. Else If-Modified-Since: not modified after the date -> 304.
// ETags compare without quotes or a W/ prefix; a list ("a", "b") matches if any member does;
// "*" matches any existing object. Dates compare at whole seconds (Last-Modified has no more);
// a date that does not parse makes its header be ignored, as S3 does.
// For x-amz-copy-source-if-* every failure is 412 (callers map kNotModified to 412).
//
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string_view>

namespace shale::gateway {

struct ConditionHeaders {
  std::optional<std::string_view> if_match;
  std::optional<std::string_view> if_none_match;
  std::optional<std::string_view> if_modified_since;
  std::optional<std::string_view> if_unmodified_since;
};

enum class ConditionOutcome : uint8_t { kProceed, kNotModified, kPreconditionFailed };

// Whether the comma-separated entity-tag list `list` names `etag` (given without quotes).
bool EtagListMatches(std::string_view list, std::string_view etag);

ConditionOutcome EvaluateConditions(const ConditionHeaders& conditions, std::string_view etag,
                                    int64_t last_modified_ms);

}  // namespace shale::gateway
