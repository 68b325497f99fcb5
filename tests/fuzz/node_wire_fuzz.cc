// Fuzz target for the internal API's untrusted-input parsers: the node_wire body decoders
// (common/node_wire.h) and the query/percent decoding used for signing (common/internal_auth.h).
// Properties checked on every input:
//  - no decoder crashes, hangs or reads out of bounds;
//  - whatever decodes re-encodes to the same bytes (the encodings are canonical);
//  - the canonical query of a canonical query is itself.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/internal_auth.h"
#include "common/node_wire.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace nw = shale::node_wire;
  namespace ia = shale::internal_auth;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto ids = nw::DecodeCheckRequest(input); ids.ok()) {
    Require(nw::EncodeCheckRequest(*ids) == input);
  }
  if (auto checks = nw::DecodeCheckResponse(input); checks.ok()) {
    Require(nw::EncodeCheckResponse(*checks) == input);
  }
  if (auto page = nw::DecodeVersionPage(input); page.ok()) {
    Require(nw::EncodeVersionPage(*page) == input);
  }
  if (auto buckets = nw::DecodeBucketList(input); buckets.ok()) {
    Require(nw::EncodeBucketList(*buckets) == input);
  }
  if (auto hint = nw::DecodeRepairHint(input); hint.ok()) {
    Require(nw::EncodeRepairHint(*hint) == input);
  }
  (void)nw::DecodeError(400, input);  // Any body maps to some error Status.
  if (auto decoded = ia::UriDecode(input); decoded.ok()) {
    auto again = ia::UriDecode(ia::UriEncode(*decoded));
    Require(again.ok() && *again == *decoded);
  }
  if (auto q = ia::CanonicalQuery(input); q.ok()) {
    auto again = ia::CanonicalQuery(*q);
    Require(again.ok() && *again == *q);
  }
  return 0;
}
