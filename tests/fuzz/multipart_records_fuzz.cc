// Fuzz target for the multipart record decoders (gateway/multipart_records.h): upload and part
// records come from storage nodes and are parsed as untrusted bytes. Properties checked on every
// input: no decoder crashes, hangs or reads out of bounds, and whatever decodes as an upload or a
// part record encodes back to a record that decodes to the same values.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/multipart_records.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale;
  using namespace shale::gateway;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)PartNumberOfKey(input);  // Keys come from node listings too.
  Result<ObjectRecord> rec = DecodeObjectRecord(input);
  if (!rec.ok()) return 0;
  const VersionId id = rec->attr_revision;
  ObjectRecord as_upload = *rec;
  as_upload.info.key = "key";
  as_upload.info.version = id;
  if (Result<MultipartUpload> upload = DecodeUploadRecord("b", as_upload); upload.ok()) {
    Result<ObjectRecord> again = DecodeObjectRecord(EncodeUploadRecord(*upload));
    Require(again.ok());
    again->info.key = "key";
    again->info.version = id;
    Result<MultipartUpload> round = DecodeUploadRecord("b", *again);
    Require(round.ok() && round->attributes == upload->attributes &&
            round->owner_id == upload->owner_id && round->initiated_ms == upload->initiated_ms &&
            round->checksum_algorithm == upload->checksum_algorithm &&
            round->checksum_full_object == upload->checksum_full_object);
  }
  ObjectRecord as_part = *rec;
  as_part.info.key = PartKey(id, 7);
  as_part.info.version = id;
  if (Result<StoredPart> part = DecodePartRecord(as_part); part.ok()) {
    Require(part->info.part_number == 7 && part->extent.data_id == part->layout.data_id);
    Result<ObjectRecord> again = DecodeObjectRecord(EncodePartRecord(part->info, part->layout));
    Require(again.ok());
    again->info.key = as_part.info.key;
    again->info.version = id;
    Result<StoredPart> round = DecodePartRecord(*again);
    Require(round.ok() && round->extent == part->extent && round->layout == part->layout);
  }
  return 0;
}
