// Targets: the identity of what a put or delete is about, in both encodings the engine needs
// (the segment record id and the index id).

#include <cstring>

#include "storage/engine_impl.h"

namespace shale::storage {

std::string EncodeStoredVersion(VersionKind kind, std::string_view payload) {
  std::string out(1, static_cast<char>(kind));
  out.append(payload);
  return out;
}

uint8_t VersionFlagsOf(std::string_view stored) {
  if (stored.empty()) return 0;
  switch (static_cast<VersionKind>(stored[0])) {
    case VersionKind::kDeleteMarker:
      return kEntryDeleteMarker;
    case VersionKind::kPurged:
      return kEntryPurged;
    case VersionKind::kObject:
      break;
  }
  return 0;
}

Result<std::pair<VersionKind, std::string>> DecodeStoredVersion(std::string_view stored) {
  if (stored.empty() ||
      static_cast<uint8_t>(stored[0]) > static_cast<uint8_t>(VersionKind::kPurged)) {
    return Status::Corruption("stored version record has no valid kind byte");
  }
  return std::make_pair(static_cast<VersionKind>(stored[0]), std::string(stored.substr(1)));
}

Result<Target> ShardTarget(std::string_view id) {
  SHALE_RETURN_IF_ERROR(ValidateRecordId(RecordType::kShard, id));
  Target t;
  t.type = RecordType::kShard;
  t.name = std::string(id);
  t.record_id = t.name;
  return t;
}

Result<Target> VersionTarget(std::string_view bucket, std::string_view key,
                             const VersionId& version) {
  SHALE_RETURN_IF_ERROR(ValidateBucketName(bucket));
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(key));
  Target t;
  t.type = RecordType::kVersion;
  t.name = std::string(bucket);
  t.key = std::string(key);
  t.version = version;
  VersionRecordId rid{t.name, t.key,
                      std::string(reinterpret_cast<const char*>(version.data()), version.size())};
  SHALE_ASSIGN_OR_RETURN(t.record_id, EncodeVersionRecordId(rid));
  return t;
}

Result<Target> BucketTarget(std::string_view name) {
  SHALE_RETURN_IF_ERROR(ValidateBucketName(name));
  SHALE_RETURN_IF_ERROR(ValidateRecordId(RecordType::kBucket, name));
  Target t;
  t.type = RecordType::kBucket;
  t.name = std::string(name);
  t.record_id = t.name;
  return t;
}

Result<Target> TargetOfRecord(RecordType type, std::string_view record_id) {
  switch (type) {
    case RecordType::kShard:
      return ShardTarget(record_id);
    case RecordType::kBucket:
      return BucketTarget(record_id);
    case RecordType::kVersion: {
      SHALE_ASSIGN_OR_RETURN(VersionRecordId rid, DecodeVersionRecordId(record_id));
      VersionId v{};
      if (rid.version_id.size() != v.size()) return Status::Corruption("bad version id size");
      std::memcpy(v.data(), rid.version_id.data(), v.size());
      return VersionTarget(rid.bucket, rid.key, v);
    }
    case RecordType::kTombstone:
      break;
  }
  return Status::InvalidArgument("a tombstone is not a target");
}

RecordKind KindOf(RecordType type) {
  switch (type) {
    case RecordType::kVersion:
      return RecordKind::kVersion;
    case RecordType::kBucket:
      return RecordKind::kBucket;
    default:
      return RecordKind::kShard;
  }
}

Result<std::string> IndexIdOf(const Target& target) {
  if (target.type == RecordType::kVersion) {
    return EncodeVersionKey(target.name, target.key, target.version);
  }
  return target.name;
}

Result<Target> TargetOfIndexId(RecordKind kind, std::string_view id) {
  switch (kind) {
    case RecordKind::kShard:
      return ShardTarget(id);
    case RecordKind::kBucket:
      return BucketTarget(id);
    case RecordKind::kVersion: {
      SHALE_ASSIGN_OR_RETURN(VersionKey key, DecodeVersionKey(id));
      return VersionTarget(key.bucket, key.key, key.version);
    }
    case RecordKind::kObjectHint:
      break;
  }
  return Status::InvalidArgument("not a record kind");
}

}  // namespace shale::storage
