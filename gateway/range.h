#pragma once

// The HTTP Range header of GET/HEAD Object (RFC 9110 section 14, as S3 applies it).
//
//   bytes=a-b   bytes a..min(b, size-1)          (a > b is invalid syntax -> kIgnore)
//   bytes=a-    bytes a..size-1
//   bytes=-n    the last min(n, size) bytes
//
// Outcomes, exactly as S3 answers:
//   kPartial        206 with Content-Range: bytes first-last/size;
//   kNotSatisfiable 416 InvalidRange with Content-Range: bytes */size (a >= size, n == 0, or
//                   any range of a 0-byte object);
//   kIgnore         the header is malformed, longer than kMaxRangeHeaderBytes, names another
//                   unit, or asks for several ranges: serve the whole object with 200.
// Numbers of any length are accepted and saturate, so "bytes=0-99999999999999999999999" is the
// whole object and a huge first position is not satisfiable; nothing overflows. The unit is
// case-insensitive; no whitespace is allowed inside the range-spec.
//
// Thread-safety: pure function.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shale::gateway {

inline constexpr size_t kMaxRangeHeaderBytes = 1024;

enum class RangeOutcome : uint8_t { kIgnore, kPartial, kNotSatisfiable };

struct ResolvedRange {
  RangeOutcome outcome = RangeOutcome::kIgnore;
  uint64_t first = 0;  // Inclusive; meaningful for kPartial only.
  uint64_t last = 0;   // Inclusive; meaningful for kPartial only.

  uint64_t length() const { return last - first + 1; }
};

ResolvedRange ResolveRange(std::string_view header, uint64_t object_size);

}  // namespace shale::gateway
