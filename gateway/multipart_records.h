#pragma once

// The records of open multipart uploads on the nodes (docs/FORMAT.md, "Multipart upload and part
// records"). Both are object version records (common/object_record.h) in node-level buckets of
// their own, placed in the erasure set of (bucket, object key) like the object they become:
//   upload record  UploadsBucket(b) / object key / version = upload id: owner, attributes,
//                  initiated time, layout kNone; the checksum algorithm and type ride in its
//                  checksum list (see EncodeUploadRecord);
//   part record    PartsBucket(b) / PartKey(upload id, n) / version = a fresh id per upload of
//                  the part: size, MD5 ETag, checksums, layout kErasure (never inline).
// Decoders take bytes read from nodes: Corruption for anything malformed.
// Thread-safety: pure functions over values.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/node_wire.h"
#include "common/object_record.h"
#include "common/result.h"
#include "gateway/multipart_types.h"

namespace shale::gateway {

inline constexpr uint32_t kMaxPartNumber = 10000;

// The checksum list of an upload record holds, when the upload has a checksum algorithm, one
// entry of that algorithm whose value is one of these (never a real base64 value).
inline constexpr std::string_view kChecksumTypeComposite = "COMPOSITE";
inline constexpr std::string_view kChecksumTypeFullObject = "FULL_OBJECT";

std::string EncodeUploadRecord(const MultipartUpload& upload);
// `rec` is a record of UploadsBucket(bucket) as read (RecordFromWire): its key and version name
// the upload.
Result<MultipartUpload> DecodeUploadRecord(std::string_view bucket, ObjectRecord rec);

// One stored upload of a part.
struct StoredPart {
  VersionId record_version;  // The part record's version (newest wins per part number).
  PartInfo info;
  PartExtent extent;  // Where its bytes are (data id, chunk size): what a layout lists.
  ObjectLayout layout;
};

// `layout` is the part's kErasure layout (data_id names the shards).
std::string EncodePartRecord(const PartInfo& part, const ObjectLayout& layout);
// `rec` is a record of PartsBucket(bucket) as read (key PartKey(upload id, n)).
Result<StoredPart> DecodePartRecord(ObjectRecord rec);
// The record of `part` as stored, for retiring it (common/object_record.h's ObjectRecord, in
// PartsBucket(bucket) under its PartKey). Without data: its layout is left empty, so retiring
// it leaves its shards alone (a completed object references them).
ObjectRecord PartRecordOf(std::string_view bucket, const VersionId& upload_id,
                          const StoredPart& part, bool with_data);
// n of a key PartKey(upload id, n); Corruption when `key` is not a part key.
Result<uint32_t> PartNumberOfKey(std::string_view key);
// The prefix every PartKey of the upload starts with.
std::string PartKeyPrefix(const VersionId& upload_id);

}  // namespace shale::gateway
