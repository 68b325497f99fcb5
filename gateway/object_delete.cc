// DeleteObject in every versioning state (docs/ARCHITECTURE.md, "Versioning"): the simple delete
// writes a delete marker through the version commit (null in unversioned and Suspended buckets,
// where it retires the previous null version); a delete of a given version purges it.

#include "gateway/cluster_core.h"
#include "gateway/key_versions.h"
#include "gateway/version_commit.h"

namespace shale::gateway {
namespace {

DeleteOutcome Removed(ObjectInfo info) {
  DeleteOutcome out;
  out.delete_marker = info.delete_marker;
  out.version = std::move(info);
  return out;
}

Result<DeleteOutcome> WriteMarker(ClusterCore& core, const DeleteRequest& request,
                                  const ObjectPlacement& p) {
  if (request.versioning == BucketVersioning::kUnversioned) {
    // Nothing to hide: S3 answers 204 and nothing is written.
    SHALE_ASSIGN_OR_RETURN(QuorumRead q,
                           core.ReadRecords(request.bucket, request.key, p, std::nullopt));
    if (!q.newest || q.newest->info.delete_marker) return DeleteOutcome{};
  }
  ObjectInfo marker;
  marker.bucket = request.bucket;
  marker.key = request.key;
  marker.delete_marker = true;
  marker.layout = EncodeLayout(ObjectLayout{});
  // The marker stays (a node that missed it must not bring the object back); in unversioned and
  // Suspended buckets the null version it replaces is purged by the commit.
  SHALE_ASSIGN_OR_RETURN(ObjectInfo committed,
                         CommitVersion(core, p, std::move(marker), request.versioning));
  // An unversioned bucket shows no version: S3 sends no version headers there.
  if (request.versioning == BucketVersioning::kUnversioned) return DeleteOutcome{};
  return Removed(std::move(committed));
}

}  // namespace

Result<DeleteOutcome> DeleteObjectVersion(ClusterCore& core, const DeleteRequest& request) {
  const ObjectPlacement p = core.placement().Locate(request.bucket, request.key);
  std::optional<ObjectRecord> target;
  switch (request.version.kind) {
    case VersionSelector::Kind::kLatest:
      return WriteMarker(core, request, p);
    case VersionSelector::Kind::kId: {
      SHALE_ASSIGN_OR_RETURN(QuorumRead q,
                             core.ReadRecords(request.bucket, request.key, p, request.version.id));
      target = std::move(q.newest);
      break;
    }
    case VersionSelector::Kind::kNull: {
      SHALE_ASSIGN_OR_RETURN(std::vector<KeyVersion> versions,
                             ListKeyVersions(core, request.bucket, request.key, p));
      target = NewestNull(versions);
      break;
    }
  }
  if (!target) return DeleteOutcome{};  // Missing or already purged: S3 still answers 204.
  SHALE_RETURN_IF_ERROR(PurgeVersion(core, p, *target));
  ObjectInfo info = std::move(target->info);
  info.layout = EncodeLayout(ObjectLayout{});  // The bytes are gone; never hand out their layout.
  return Removed(std::move(info));
}

}  // namespace shale::gateway
