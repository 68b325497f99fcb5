// Fuzzes the decoders of the index's stored bytes: every value layout of storage/index_codec.h
// and the composite version key. The first byte picks the decoder. A decode that succeeds must
// re-encode to the same bytes (the layouts are canonical).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "storage/index_codec.h"
#include "storage/version_key.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale::storage;
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      if (auto r = DecodeShardEntry(in); r.ok()) Check(EncodeShardEntry(*r) == in);
      break;
    case 1:
      if (auto r = DecodeMetadataEntry(in); r.ok()) Check(EncodeMetadataEntry(*r) == in);
      break;
    case 2:
      if (auto r = DecodeSegmentStats(in); r.ok()) Check(EncodeSegmentStats(*r) == in);
      break;
    case 3:
      if (auto r = DecodeSegmentRecordRef(7, in); r.ok()) Check(EncodeSegmentRecordRef(*r) == in);
      break;
    case 4:
      if (auto r = DecodeRepairItem(7, in); r.ok()) Check(EncodeRepairItem(*r) == in);
      break;
    case 5:
      if (auto r = DecodeVersionKey(in); r.ok()) {
        auto again = EncodeVersionKey(r->bucket, r->key, r->version);
        Check(again.ok() && *again == in);
      }
      break;
  }
  return 0;
}
