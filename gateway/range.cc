#include "gateway/range.h"

#include <limits>

#include "gateway/ascii.h"

namespace shale::gateway {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Parses 1*DIGIT, saturating at UINT64_MAX. Returns false if `s` is empty or not all digits.
bool ParseSaturating(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    v = (v > (kMax - d) / 10) ? kMax : v * 10 + d;
  }
  *out = v;
  return true;
}

}  // namespace

ResolvedRange ResolveRange(std::string_view header, uint64_t object_size) {
  ResolvedRange r;  // kIgnore
  if (header.size() > kMaxRangeHeaderBytes) return r;
  size_t eq = header.find('=');
  if (eq == std::string_view::npos || !EqualsIgnoreCase(header.substr(0, eq), "bytes")) return r;
  std::string_view spec = header.substr(eq + 1);
  if (spec.find(',') != std::string_view::npos) return r;  // Multi-range: S3 ignores it.
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return r;
  std::string_view first_text = spec.substr(0, dash);
  std::string_view last_text = spec.substr(dash + 1);

  if (first_text.empty()) {  // Suffix range.
    uint64_t n;
    if (!ParseSaturating(last_text, &n)) return r;
    if (n == 0 || object_size == 0) {
      r.outcome = RangeOutcome::kNotSatisfiable;
      return r;
    }
    r.outcome = RangeOutcome::kPartial;
    r.first = n >= object_size ? 0 : object_size - n;
    r.last = object_size - 1;
    return r;
  }

  uint64_t first;
  if (!ParseSaturating(first_text, &first)) return r;
  uint64_t last = kMax;
  if (!last_text.empty()) {
    if (!ParseSaturating(last_text, &last)) return r;
    if (last < first) return r;  // Invalid syntax per RFC 9110: ignored.
  }
  if (first >= object_size) {
    r.outcome = RangeOutcome::kNotSatisfiable;
    return r;
  }
  r.outcome = RangeOutcome::kPartial;
  r.first = first;
  r.last = last >= object_size ? object_size - 1 : last;
  return r;
}

}  // namespace shale::gateway
