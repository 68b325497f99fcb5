// Fuzz target for Range resolution (gateway/range.h). The first 8 bytes are the object size
// (little-endian; byte 0 alone when shorter), the rest the header value.
// Properties: nothing crashes; a partial range lies inside the object; 0-byte objects are never
// partially served.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/range.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale::gateway;
  uint64_t object_size = 0;
  size_t header_start = 0;
  if (size >= 8) {
    for (int i = 7; i >= 0; --i) object_size = (object_size << 8) | data[i];
    header_start = 8;
  } else if (size >= 1) {
    object_size = data[0];
    header_start = 1;
  }
  // Small sizes matter most; fold most of the space onto them.
  if (size >= 8 && (data[0] & 1)) object_size %= 1000;
  std::string_view header(reinterpret_cast<const char*>(data + header_start), size - header_start);
  ResolvedRange r = ResolveRange(header, object_size);
  if (r.outcome == RangeOutcome::kPartial) {
    Require(object_size > 0);
    Require(r.first <= r.last);
    Require(r.last < object_size);
    Require(r.length() >= 1 && r.length() <= object_size);
  }
  // Whole-input form as well (size from elsewhere).
  ResolvedRange w = ResolveRange(std::string_view(reinterpret_cast<const char*>(data), size), 10);
  if (w.outcome == RangeOutcome::kPartial) Require(w.first <= w.last && w.last < 10);
  return 0;
}
