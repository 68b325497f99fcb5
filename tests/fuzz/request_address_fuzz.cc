// Fuzz target for request addressing (gateway/request_address.h).
// Input: "<host>\n<domain>\n<raw path>". Properties: nothing crashes; an accepted address has
// no '/' in its bucket; path style round-trips: re-encoding "/bucket/key" resolves to the same
// address.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/query.h"
#include "gateway/request_address.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale::gateway;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t a = input.find('\n');
  if (a == std::string_view::npos) a = input.size();
  std::string_view host = input.substr(0, a);
  std::string_view rest = a < input.size() ? input.substr(a + 1) : std::string_view();
  size_t b = rest.find('\n');
  std::string_view domain = rest.substr(0, b);
  std::string_view path = b == std::string_view::npos ? std::string_view() : rest.substr(b + 1);
  (void)HostWithoutPort(host);
  auto address = ResolveRequestAddress(path, host, domain);
  if (!address.ok()) return 0;
  Require(address->bucket.find('/') == std::string::npos);
  if (address->bucket.empty()) return 0;
  std::string rebuilt =
      "/" + UriEncode(address->bucket, UriEncodeMode::kPath) +
      (address->key.empty() ? "" : "/" + UriEncode(address->key, UriEncodeMode::kPath));
  auto again = ResolveRequestAddress(rebuilt, "", "");
  Require(again.ok() && again->bucket == address->bucket && again->key == address->key);
  return 0;
}
