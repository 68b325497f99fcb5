#pragma once

// ClusterStore: the ObjectStore over the storage nodes of a cluster (docs/ARCHITECTURE.md, "Data
// path"): placement by rendezvous hashing, erasure-coded chunks written and read with quorums,
// small objects as inline replicas, newest-wins version records, bucket records on every node.
// Thread-safety: safe for concurrent use from any number of threads (as ObjectStore requires).

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/node_client.h"
#include "common/result.h"
#include "gateway/list_merge.h"
#include "gateway/object_store.h"

namespace shale {
struct BucketRecord;
}  // namespace shale

namespace shale::gateway {

class ClusterCore;

struct ClusterStoreOptions {
  uint32_t origin = 0;           // HLC origin id of this gateway process (distinct per gateway).
  const Clock* clock = nullptr;  // nullptr: SystemClock::Default().
};

class ClusterStore final : public ObjectStore {
 public:
  // nodes[i] is the client of config.nodes[i]; borrowed, must outlive the store.
  // InvalidArgument if the node count does not match or the config cannot form sets.
  static Result<std::unique_ptr<ClusterStore>> Create(const ClusterConfig& config,
                                                      std::vector<NodeClient*> nodes,
                                                      ClusterStoreOptions options = {});
  // Waits for the background clean-up of superseded versions to finish.
  ~ClusterStore() override;

  Status CreateBucket(const BucketInfo& bucket) override;
  Result<BucketInfo> GetBucket(std::string_view name) override;
  Status UpdateBucket(const BucketInfo& bucket) override;
  Status DeleteBucket(std::string_view name) override;
  Result<std::vector<BucketInfo>> ListBuckets() override;

  Result<ObjectInfo> Put(const PutRequest& request, const BodySource& body) override;
  Result<ObjectInfo> Head(std::string_view bucket, std::string_view key,
                          const VersionSelector& version = {},
                          const HeadOptions& options = {}) override;
  Result<std::unique_ptr<ObjectReader>> OpenRead(const ObjectInfo& object, uint64_t offset,
                                                 uint64_t length) override;
  Result<ObjectInfo> UpdateAttributes(std::string_view bucket, std::string_view key,
                                      const ObjectAttributes& attributes) override;
  Result<DeleteOutcome> DeleteObject(const DeleteRequest& request) override;
  Result<ListResult> List(std::string_view bucket, const ListQuery& query) override;
  Result<ListVersionsResult> ListVersions(std::string_view bucket,
                                          const ListVersionsQuery& query) override;

  Result<MultipartUpload> CreateUpload(const CreateUploadRequest& request) override;
  Result<MultipartUpload> GetUpload(std::string_view bucket, std::string_view key,
                                    const VersionId& upload_id) override;
  Result<PartInfo> UploadPart(const UploadPartRequest& request, const BodySource& body) override;
  Result<PartsPage> ListParts(std::string_view bucket, std::string_view key,
                              const VersionId& upload_id, uint32_t after_part,
                              uint32_t max_parts) override;
  Result<ListUploadsResult> ListUploads(std::string_view bucket,
                                        const ListUploadsQuery& query) override;
  Result<ObjectInfo> CompleteUpload(const CompleteRequest& request) override;
  Status AbortUpload(std::string_view bucket, std::string_view key,
                     const VersionId& upload_id) override;

  // Repair hints issued so far (missed, stale or bad copies noticed by reads and writes).
  uint64_t repair_hints() const;
  // Waits until the background work posted so far has run: deletes of superseded versions and
  // of the shards of failed puts, repair hints (tests, shutdown).
  void DrainBackground();

 private:
  // Only Create() can make the key, so only Create() constructs a store.
  class PassKey {
    friend class ClusterStore;
    PassKey() = default;
  };

 public:
  ClusterStore(PassKey, std::unique_ptr<ClusterCore> core);

 private:
  // The newest bucket record from a majority of all nodes (deleted ones included).
  Result<std::optional<BucketRecord>> ReadBucket(std::string_view name);
  Status WriteBucket(const BucketRecord& record);
  // Every erasure set's nodes for a listing, rotated per call.
  std::vector<ListSet> ListSets();
  // FailedPrecondition while the bucket holds a version S3 would show or an open upload.
  Status CheckEmpty(const BucketInfo& bucket);

  std::unique_ptr<ClusterCore> core_;
  std::atomic<uint32_t> list_rotation_{0};
};

}  // namespace shale::gateway
