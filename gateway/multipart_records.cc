#include "gateway/multipart_records.h"

namespace shale::gateway {
namespace {

// "<32 hex digits>/<5 digits>" (common/object_record.h, PartKey).
constexpr size_t kPartKeySize = VersionId::kTextSize + 1 + 5;

}  // namespace

std::string EncodeUploadRecord(const MultipartUpload& upload) {
  ObjectInfo info;
  info.owner_id = upload.owner_id;
  info.last_modified_ms = upload.initiated_ms;
  info.attributes = upload.attributes;
  info.null_version = false;
  if (upload.checksum_algorithm) {
    info.checksums.push_back({*upload.checksum_algorithm,
                              std::string(upload.checksum_full_object ? kChecksumTypeFullObject
                                                                      : kChecksumTypeComposite)});
  }
  info.layout = EncodeLayout(ObjectLayout{});
  return EncodeObjectRecord(info, upload.upload_id);
}

Result<MultipartUpload> DecodeUploadRecord(std::string_view bucket, ObjectRecord rec) {
  if (rec.info.delete_marker) return Status::Corruption("upload record of another kind");
  MultipartUpload upload;
  upload.bucket.assign(bucket);
  upload.key = std::move(rec.info.key);
  upload.upload_id = rec.info.version;
  upload.owner_id = std::move(rec.info.owner_id);
  upload.initiated_ms = rec.info.last_modified_ms;
  upload.attributes = std::move(rec.info.attributes);
  if (rec.info.checksums.size() > 1) return Status::Corruption("upload record: checksum list");
  if (!rec.info.checksums.empty()) {
    const ObjectChecksum& c = rec.info.checksums.front();
    if (c.base64 != kChecksumTypeComposite && c.base64 != kChecksumTypeFullObject) {
      return Status::Corruption("upload record: unknown checksum type");
    }
    upload.checksum_algorithm = c.algorithm;
    upload.checksum_full_object = c.base64 == kChecksumTypeFullObject;
  }
  return upload;
}

std::string EncodePartRecord(const PartInfo& part, const ObjectLayout& layout) {
  ObjectInfo info;
  info.size = part.size;
  info.etag = part.etag;
  info.last_modified_ms = part.last_modified_ms;
  info.checksums = part.checksums;
  info.null_version = false;
  info.layout = EncodeLayout(layout);
  return EncodeObjectRecord(info, layout.data_id);
}

Result<uint32_t> PartNumberOfKey(std::string_view key) {
  if (key.size() != kPartKeySize || key[VersionId::kTextSize] != '/') {
    return Status::Corruption("not a part key");
  }
  uint32_t n = 0;
  for (char c : key.substr(VersionId::kTextSize + 1)) {
    if (c < '0' || c > '9') return Status::Corruption("not a part key");
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  if (n < 1 || n > kMaxPartNumber) return Status::Corruption("part number out of range");
  return n;
}

std::string PartKeyPrefix(const VersionId& upload_id) { return upload_id.ToText() + "/"; }

Result<StoredPart> DecodePartRecord(ObjectRecord rec) {
  if (rec.info.delete_marker) return Status::Corruption("part record of another kind");
  SHALE_ASSIGN_OR_RETURN(uint32_t number, PartNumberOfKey(rec.info.key));
  SHALE_ASSIGN_OR_RETURN(ObjectLayout layout, DecodeLayout(rec.info.layout));
  if (layout.kind != LayoutKind::kErasure) return Status::Corruption("part record: not erasure");
  StoredPart part;
  part.record_version = rec.info.version;
  part.info.part_number = number;
  part.info.size = rec.info.size;
  part.info.etag = std::move(rec.info.etag);
  part.info.last_modified_ms = rec.info.last_modified_ms;
  part.info.checksums = std::move(rec.info.checksums);
  part.extent.part_number = number;
  part.extent.size = part.info.size;
  part.extent.chunk_size = layout.chunk_size;
  part.extent.data_id = layout.data_id;
  part.extent.etag = part.info.etag;
  part.extent.checksums = part.info.checksums;
  part.layout = std::move(layout);
  return part;
}

ObjectRecord PartRecordOf(std::string_view bucket, const VersionId& upload_id,
                          const StoredPart& part, bool with_data) {
  ObjectRecord rec;
  rec.attr_revision = part.record_version;
  rec.info.bucket = PartsBucket(bucket);
  rec.info.key = PartKey(upload_id, part.info.part_number);
  rec.info.version = part.record_version;
  rec.info.size = part.info.size;
  rec.info.layout = EncodeLayout(with_data ? part.layout : ObjectLayout{});
  return rec;
}

}  // namespace shale::gateway
