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
  // Decoders read every format; encoders write the newest. So: newest-format input
  // re-encodes to itself, and any accepted input survives a re-encode and decode unchanged.
  if (auto rec = gw::DecodeObjectRecord(input); rec.ok()) {
    const std::string again = gw::EncodeObjectRecord(rec->info, rec->attr_revision);
    if (input[0] == gw::kObjectRecordFormat) Require(again == input);
    auto back = gw::DecodeObjectRecord(again);
    Require(back.ok() && gw::EncodeObjectRecord(back->info, back->attr_revision) == again);
  }
  if (auto layout = gw::DecodeLayout(input); layout.ok()) {
    const std::string again = gw::EncodeLayout(*layout);
    if (input[0] == gw::kLayoutFormat) Require(again == input);
    auto back = gw::DecodeLayout(again);
    Require(back.ok() && *back == *layout);
  }
  if (auto bucket = gw::DecodeBucketRecord("b", input); bucket.ok()) {
    const std::string again = gw::EncodeBucketRecord(*bucket);
    if (input[0] == gw::kBucketRecordFormat) Require(again == input);
    auto back = gw::DecodeBucketRecord("b", again);
    Require(back.ok() && back->info == bucket->info && back->deleted == bucket->deleted &&
            back->revision == bucket->revision);
  }
  return 0;
}
