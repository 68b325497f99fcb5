#pragma once

// ObjectStore: the erasure-coded data path (docs/ARCHITECTURE.md, "Data path"). It turns S3's
// view — buckets, objects with attributes, listings — into calls on the storage nodes of the
// cluster through NodeClient, and never keeps a whole object in memory or on the gateway's own
// disk. The S3 handlers (gateway/s3_*.h) are its only callers; they own S3's rules (names,
// permissions, conditions, XML) and this class owns placement, quorums, encoding and repair
// hints.
//
// Calls block (on node round trips and the nodes' fdatasync): call them from the gateway's
// handler pool, never from an I/O thread.
// Errors: NotFound (no such bucket / key / version: the message says which), AlreadyExists
// (CreateBucket), FailedPrecondition (DeleteBucket of a non-empty bucket; a before_commit
// refusal is returned as it was given), Unavailable (a quorum could not be reached: nothing
// became visible), InvalidArgument (the body delivered more or fewer bytes than declared),
// Corruption (no k good shards left for a chunk), or the body source's own error.
// Thread-safety: safe for concurrent use from any number of threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/hlc.h"
#include "common/object_info.h"
#include "common/result.h"
#include "common/status.h"
#include "gateway/multipart_types.h"
#include "gateway/versioning_types.h"

namespace shale::gateway {

// The value types live in common/ (the repair coordinator on the nodes decodes records too).
using ::shale::BucketInfo;
using ::shale::ChecksumAlgorithm;
using ::shale::ObjectAttributes;
using ::shale::ObjectChecksum;
using ::shale::ObjectInfo;

// Pulls the next bytes of a body into `buf`: the count written (0 only at the end) or an error.
using BodySource = std::function<Result<size_t>(std::span<char> buf)>;

// What a put computed over the body it read.
struct PutDigests {
  uint64_t size = 0;
  std::string md5_hex;                    // The ETag of a single-part object.
  std::vector<ObjectChecksum> checksums;  // Every algorithm of PutRequest::compute, in order.
};

struct PutRequest {
  std::string bucket;
  std::string key;
  std::string owner_id;
  ObjectAttributes attributes;
  // The exact body length when the client declared it; the body must deliver exactly that.
  std::optional<uint64_t> size;
  // Checksums to compute over the body (besides MD5); all of them reach before_commit.
  std::vector<ChecksumAlgorithm> compute;
  // Of those, the ones stored on the object (and shown by GET with checksum mode).
  std::vector<ChecksumAlgorithm> store;
  // Runs after the whole body was read and before anything becomes visible; a non-OK status
  // aborts the put (returned as given, e.g. BadDigest or PreconditionFailed) and the written
  // shards become garbage for orphan collection. Also the place for conditional writes.
  std::function<Status(const PutDigests&)> before_commit;
  // The bucket's versioning state (the handler read the bucket). kEnabled: a new version, the
  // older ones stay. Otherwise a null version that replaces the key's previous null version.
  BucketVersioning versioning = BucketVersioning::kUnversioned;
};

// A pull reader over a byte range of one object version; every byte it returns was verified
// (shard CRCs) or reconstructed from parity. Not thread-safe: one reader, one caller.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // Up to buf.size() bytes; 0 at the end of the range.
  virtual Result<size_t> Read(std::span<char> buf) = 0;
};

struct ListQuery {
  std::string prefix;
  std::string delimiter;    // Empty: no grouping.
  std::string start_after;  // Marker / start-after / decoded continuation token.
  uint32_t max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectInfo> objects;  // Newest version of each key; delete markers left out.
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  // When truncated: the last key or common prefix returned (continuing after it skips the
  // whole common prefix).
  std::string next_marker;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  virtual Status CreateBucket(const BucketInfo& bucket) = 0;  // AlreadyExists if it exists.
  virtual Result<BucketInfo> GetBucket(std::string_view name) = 0;
  virtual Status UpdateBucket(const BucketInfo& bucket) = 0;  // NotFound if it does not exist.
  // FailedPrecondition when the bucket still holds any version (delete markers and non-current
  // versions count; the hidden markers of an unversioned bucket's deletes do not) or an open
  // multipart upload.
  virtual Status DeleteBucket(std::string_view name) = 0;
  virtual Result<std::vector<BucketInfo>> ListBuckets() = 0;  // Sorted by name.

  virtual Result<ObjectInfo> Put(const PutRequest& request, const BodySource& body) = 0;
  // The newest version, or a given one (an id or S3's "null"). A given version is returned
  // even when it is a delete marker; a newest version that is a delete marker is NotFound
  // unless options.delete_markers. NotFound also for a purged or unknown version.
  virtual Result<ObjectInfo> Head(std::string_view bucket, std::string_view key,
                                  const VersionSelector& version = {},
                                  const HeadOptions& options = {}) = 0;
  // Bytes [offset, offset + length) of `object` (clamped to its size).
  virtual Result<std::unique_ptr<ObjectReader>> OpenRead(const ObjectInfo& object, uint64_t offset,
                                                         uint64_t length) = 0;
  // Replaces the attributes of the newest version in place (same bytes, same version id):
  // what PutObjectTagging / DeleteObjectTagging need. NotFound when there is no object.
  virtual Result<ObjectInfo> UpdateAttributes(std::string_view bucket, std::string_view key,
                                              const ObjectAttributes& attributes) = 0;
  // Deletes as DeleteRequest says (a delete of a missing key or version succeeds, as in S3).
  virtual Result<DeleteOutcome> DeleteObject(const DeleteRequest& request) = 0;
  // The simple delete of an unversioned bucket.
  Status Delete(std::string_view bucket, std::string_view key) {
    return DeleteObject({std::string(bucket), std::string(key), {}, {}}).status();
  }
  virtual Result<ListResult> List(std::string_view bucket, const ListQuery& query) = 0;
  virtual Result<ListVersionsResult> ListVersions(std::string_view bucket,
                                                  const ListVersionsQuery& query) = 0;

  // Multipart uploads (gateway/multipart_types.h). NotFound: no such upload (never created,
  // aborted or completed) — S3's NoSuchUpload.
  virtual Result<MultipartUpload> CreateUpload(const CreateUploadRequest& request) = 0;
  virtual Result<MultipartUpload> GetUpload(std::string_view bucket, std::string_view key,
                                            const VersionId& upload_id) = 0;
  virtual Result<PartInfo> UploadPart(const UploadPartRequest& request, const BodySource& body) = 0;
  // Parts with numbers above `after_part`, at most max_parts (1..1000).
  virtual Result<PartsPage> ListParts(std::string_view bucket, std::string_view key,
                                      const VersionId& upload_id, uint32_t after_part,
                                      uint32_t max_parts) = 0;
  virtual Result<ListUploadsResult> ListUploads(std::string_view bucket,
                                                const ListUploadsQuery& query) = 0;
  // Writes the object version and retires the upload (its parts not listed become garbage).
  // Completing an upload that this store already completed returns that version again while
  // it is still the key's version of that upload; NotFound otherwise.
  virtual Result<ObjectInfo> CompleteUpload(const CompleteRequest& request) = 0;
  virtual Status AbortUpload(std::string_view bucket, std::string_view key,
                             const VersionId& upload_id) = 0;
};

// GET/HEAD ?partNumber=N of `object` (N >= 1): InvalidArgument when N exceeds its part count
// (S3: InvalidPartNumber, 416).
Result<PartRange> ObjectPartRange(const ObjectInfo& object, uint32_t part_number);

}  // namespace shale::gateway
