#pragma once

// The value types of multipart uploads as the data path speaks them (gateway/object_store.h).
// Parts are stored like erasure-coded objects of their own (never inline), in the object's
// erasure set; CompleteUpload writes one version record whose layout lists them
// (common/object_record.h, LayoutKind::kMultipart, data_id = the upload id) — no byte is
// copied. S3's rules (part size limits, ETag and checksum arithmetic, XML) belong to the
// handlers; the store checks only what it must to stay consistent.
// Thread-safety: plain values.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/hlc.h"
#include "common/object_info.h"
#include "common/status.h"

namespace shale::gateway {

struct PutDigests;

struct MultipartUpload {
  std::string bucket;
  std::string key;
  VersionId upload_id;  // S3's UploadId is upload_id.ToText().
  std::string owner_id;
  int64_t initiated_ms = 0;
  ObjectAttributes attributes;  // Content headers, metadata and tags given at Create.
  std::optional<ChecksumAlgorithm> checksum_algorithm;  // x-amz-checksum-algorithm.
  bool checksum_full_object = false;                    // x-amz-checksum-type: FULL_OBJECT.
};

struct CreateUploadRequest {
  std::string bucket;
  std::string key;
  std::string owner_id;
  ObjectAttributes attributes;
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  bool checksum_full_object = false;
};

struct PartInfo {
  uint32_t part_number = 0;
  uint64_t size = 0;
  std::string etag;  // MD5 hex, without quotes.
  int64_t last_modified_ms = 0;
  std::vector<ObjectChecksum> checksums;  // Those the part was uploaded with (stored ones).
};

struct UploadPartRequest {
  std::string bucket;
  std::string key;
  VersionId upload_id;
  uint32_t part_number = 0;  // 1..10000; a re-upload of a number replaces the part.
  std::optional<uint64_t> size;
  std::vector<ChecksumAlgorithm> compute;  // As PutRequest.
  std::vector<ChecksumAlgorithm> store;
  std::function<Status(const PutDigests&)> before_commit;
};

struct PartsPage {
  std::vector<PartInfo> parts;  // Part number order, after the marker.
  bool truncated = false;
  uint32_t next_part_number_marker = 0;  // When truncated: the last part returned.
};

struct ListUploadsQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  // Only with key_marker: uploads of key_marker with a larger id come next (S3's order:
  // key, then initiation time).
  std::optional<VersionId> upload_id_marker;
  uint32_t max_uploads = 1000;
};

struct ListUploadsResult {
  std::vector<MultipartUpload> uploads;  // Open uploads only, key order then upload id order.
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;  // Text form.
};

struct CompleteRequest {
  std::string bucket;
  std::string key;
  VersionId upload_id;
  // The parts to assemble, in order, as the handler validated them against ListParts (numbers
  // ascending, ETags matching, sizes allowed). The store re-checks each against the stored
  // part: a part that is missing or whose ETag differs (a re-upload raced) is
  // FailedPrecondition naming its number (S3: InvalidPart).
  std::vector<PartInfo> parts;
  std::string etag;                       // "<hex>-N", computed by the handler.
  std::vector<ObjectChecksum> checksums;  // Whole-object checksums to store ("...-N" composite).
  BucketVersioning versioning = BucketVersioning::kUnversioned;
  // Runs before the version record is written (conditional writes); a refusal is returned.
  std::function<Status()> before_commit;
};

// Bytes of part `part_number` of an object (GET/HEAD ?partNumber=): a non-multipart object has
// exactly one part, the whole object.
struct PartRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t parts_count = 1;
};

}  // namespace shale::gateway
