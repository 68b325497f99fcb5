#pragma once

// The value types of S3 versioning as the data path speaks them (gateway/object_store.h):
// which version a call addresses, what a delete did, and a page of ListObjectVersions.
// Version ids: every version has a real HLC id (it orders the versions of a key); S3 shows
// versions written while the bucket was unversioned or suspended as "null"
// (ObjectInfo::null_version), and at most one null version of a key is live at a time.
// Thread-safety: plain values and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/hlc.h"
#include "common/object_info.h"
#include "common/result.h"

namespace shale::gateway {

// Which version of a key a call addresses.
struct VersionSelector {
  enum class Kind : uint8_t { kLatest, kId, kNull };
  Kind kind = Kind::kLatest;
  VersionId id;  // kId only.

  VersionSelector() = default;
  // nullopt: the latest version; a value: that version id. Implicit, so callers that had an
  // optional version id keep working.
  VersionSelector(std::optional<VersionId> version)  // NOLINT(google-explicit-constructor)
      : kind(version ? Kind::kId : Kind::kLatest), id(version.value_or(VersionId{})) {}
  VersionSelector(const VersionId& version)  // NOLINT(google-explicit-constructor)
      : kind(Kind::kId), id(version) {}
  static VersionSelector Null() {
    VersionSelector s;
    s.kind = Kind::kNull;
    return s;
  }
  // S3's versionId parameter: "null" or the 32-hex-digit text of a version id; anything else is
  // InvalidArgument (S3: InvalidArgument "Invalid version id specified").
  static Result<VersionSelector> Parse(std::string_view text);
  friend bool operator==(const VersionSelector&, const VersionSelector&) = default;
};

// The versionId S3 shows for a version: "null" or the id's text.
std::string S3VersionId(const ObjectInfo& info);

struct HeadOptions {
  // A latest version that is a delete marker is returned (delete_marker = true) instead of
  // NotFound, so GET can answer 404 with x-amz-delete-marker and x-amz-version-id.
  bool delete_markers = false;
};

struct DeleteRequest {
  std::string bucket;
  std::string key;
  // kLatest: a delete marker (S3's simple delete; unversioned: the object goes away);
  // kId / kNull: that version is removed for good (a purge tombstone on the nodes).
  VersionSelector version;
  BucketVersioning versioning = BucketVersioning::kUnversioned;  // The bucket's state.
};

struct DeleteOutcome {
  // The version created (kLatest: the marker) or removed (kId/kNull); nullopt when nothing
  // existed (S3 still answers 204).
  std::optional<ObjectInfo> version;
  bool delete_marker = false;  // That version is a delete marker (x-amz-delete-marker: true).
};

struct ListVersionsQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  // Only with key_marker: resume after this version of key_marker (kLatest: after the key).
  VersionSelector version_id_marker;
  uint32_t max_keys = 1000;
};

struct VersionListEntry {
  ObjectInfo info;  // delete_marker tells a DeleteMarker entry from a Version entry.
  bool is_latest = false;
};

struct ListVersionsResult {
  // Key order, newest version first within a key; purged versions never appear.
  std::vector<VersionListEntry> versions;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;         // When truncated.
  std::string next_version_id_marker;  // When truncated: S3VersionId of the last version.
};

}  // namespace shale::gateway
