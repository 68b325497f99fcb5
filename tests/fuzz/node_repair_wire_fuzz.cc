// Fuzz target for the repair and scrub bodies of the internal API (common/node_wire.h): the
// scan page, shard page, repair item list and repair seq list decoders.
// Properties checked on every input:
//  - no decoder crashes, hangs or reads out of bounds;
//  - whatever decodes re-encodes to the same bytes (the encodings are canonical);
//  - decoded values respect the documented limits.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/node_wire.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace nw = shale::node_wire;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto page = nw::DecodeScanPage(input); page.ok()) {
    Require(page->entries.size() <= nw::kMaxListEntries);
    for (const auto& e : page->entries) Require(!e.bucket.empty() && e.bucket.size() <= 255);
    Require(nw::EncodeScanPage(*page) == input);
  }
  if (auto page = nw::DecodeShardPage(input); page.ok()) {
    for (const auto& s : page->shards) Require(s.present && !s.id.empty());
    Require(nw::EncodeShardPage(*page) == input);
  }
  if (auto items = nw::DecodeRepairItems(input); items.ok()) {
    Require(items->size() <= nw::kMaxListEntries);
    for (const auto& item : *items) {
      Require(item.shard_id.empty() || item.kind == nw::WireRepairKind::kShard);
    }
    Require(nw::EncodeRepairItems(*items) == input);
  }
  if (auto seqs = nw::DecodeRepairSeqs(input); seqs.ok()) {
    Require(seqs->size() <= nw::kMaxListEntries);
    Require(nw::EncodeRepairSeqs(*seqs) == input);
  }
  return 0;
}
