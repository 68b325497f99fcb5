#pragma once

// The value types of S3's object model as the data path stores them: objects (one version each,
// with the client's attributes and checksums) and buckets. The gateway's ObjectStore
// (gateway/object_store.h) speaks them; the record codec (common/object_record.h) encodes them
// for the nodes, where repair reads them back.
// Thread-safety: plain values.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/hlc.h"

namespace shale {

// The checksum algorithms of S3's flexible checksums (x-amz-checksum-*).
enum class ChecksumAlgorithm : uint8_t { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// An algorithm and its value as S3 shows it (base64 of the big-endian digest).
struct ObjectChecksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kCrc32;
  std::string base64;
  friend bool operator==(const ObjectChecksum&, const ObjectChecksum&) = default;
};

// What the client set on the object; stored verbatim, returned on GET/HEAD.
struct ObjectAttributes {
  std::string content_type;  // Empty: the handler answers with binary/octet-stream.
  std::string content_encoding;
  std::string content_disposition;
  std::string content_language;
  std::string cache_control;
  std::string expires;
  // x-amz-meta-*: names lowercased and without the prefix, in the order received.
  std::vector<std::pair<std::string, std::string>> user_metadata;
  // Object tags (x-amz-tagging / PutObjectTagging), in the order given.
  std::vector<std::pair<std::string, std::string>> tags;
  friend bool operator==(const ObjectAttributes&, const ObjectAttributes&) = default;
};

// A bucket's versioning state (PutBucketVersioning). Objects written while kUnversioned or
// kSuspended get S3's "null" version id; a new null version replaces the previous null version.
enum class BucketVersioning : uint8_t { kUnversioned = 0, kEnabled = 1, kSuspended = 2 };

// One version of an object as the data path knows it.
struct ObjectInfo {
  std::string bucket;
  std::string key;
  VersionId version;  // Always a real HLC id: it orders the versions of a key.
  bool delete_marker = false;
  // S3 shows this version's id as "null" (written while the bucket was unversioned or
  // suspended). Records of format 1 (before versioning existed) decode as null versions.
  bool null_version = true;
  uint64_t size = 0;
  std::string etag;  // Without quotes: 32 lowercase hex digits (or "<hex>-<parts>").
  int64_t last_modified_ms = 0;
  std::string owner_id;
  ObjectAttributes attributes;
  std::vector<ObjectChecksum> checksums;  // Those the client asked to store.
  // How the bytes are laid out on the nodes (placement, erasure or replicas, chunks): the data
  // path's own encoding, opaque to the S3 layer; OpenRead needs it.
  std::string layout;
};

struct BucketInfo {
  std::string name;
  std::string owner_id;
  int64_t created_ms = 0;
  std::string region;     // LocationConstraint; empty means us-east-1.
  std::string cors_json;  // The bucket's CORS rules in the S3 layer's own encoding; empty: none.
  BucketVersioning versioning = BucketVersioning::kUnversioned;
  friend bool operator==(const BucketInfo&, const BucketInfo&) = default;
};

}  // namespace shale
