// Fuzz target for the data path's record decoders (common/object_record.h): version records,
// layouts and bucket records come from storage nodes and are parsed as untrusted bytes.
// Properties checked on every input: no decoder crashes, hangs or reads out of bounds, and
// whatever decodes re-encodes to the same bytes (the encodings are canonical).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/object_record.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace gw = shale;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto rec = gw::DecodeObjectRecord(input); rec.ok()) {
    Require(gw::EncodeObjectRecord(rec->info, rec->attr_revision) == input);
  }
  if (auto layout = gw::DecodeLayout(input); layout.ok()) {
    Require(gw::EncodeLayout(*layout) == input);
  }
  if (auto bucket = gw::DecodeBucketRecord("b", input); bucket.ok()) {
    Require(gw::EncodeBucketRecord(*bucket) == input);
  }
  return 0;
}
