// Fuzz target for query parsing and URI coding (gateway/query.h).
// Properties: nothing crashes; decoding inverts encoding for any bytes (both modes); a parsed
// query re-encoded with UriEncode() parses back to the same names and values.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/query.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale::gateway;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  for (auto mode : {UriEncodeMode::kComponent, UriEncodeMode::kPath}) {
    std::string encoded = UriEncode(input, mode);
    auto back = PercentDecode(encoded, PercentDecodeMode::kQuery, encoded.size());
    Require(back.ok() && *back == input);
  }
  (void)PercentDecode(input, PercentDecodeMode::kPath);  // Only must not crash.

  auto params = ParseQuery(input);
  if (!params.ok()) return 0;
  std::string rebuilt;
  for (const auto& p : *params) {
    if (!rebuilt.empty()) rebuilt += '&';
    rebuilt += UriEncode(p.name, UriEncodeMode::kComponent);
    if (p.has_value) {
      rebuilt += '=';
      rebuilt += UriEncode(p.value, UriEncodeMode::kComponent);
    }
  }
  QueryLimits generous;
  generous.max_length = rebuilt.size() + 1;
  auto again = ParseQuery(rebuilt, generous);
  Require(again.ok());
  // Empty names without a value vanish as empty segments; everything else must survive.
  size_t j = 0;
  for (const auto& p : *params) {
    if (p.name.empty() && !p.has_value) continue;
    Require(j < again->size());
    Require((*again)[j].name == p.name && (*again)[j].value == p.value &&
            (*again)[j].has_value == p.has_value);
    ++j;
  }
  Require(j == again->size());
  return 0;
}
