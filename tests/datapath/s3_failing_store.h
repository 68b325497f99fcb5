#pragma once

// FailingStore: forwards every call to a real ObjectStore, except that FailNext(status) makes
// the next call fail with that status (for the error-mapping tests of the S3 handlers).
// Thread-safety: as the wrapped store; FailNext is for single-threaded tests.

#include <optional>
#include <utility>

#include "gateway/object_store.h"

namespace shale::gateway::testing {

class FailingStore final : public ObjectStore {
 public:
  explicit FailingStore(ObjectStore* inner) : inner_(inner) {}  // Borrowed.
  void FailNext(Status status) { fail_next_ = std::move(status); }

  Status CreateBucket(const BucketInfo& bucket) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->CreateBucket(bucket);
  }
  Result<BucketInfo> GetBucket(std::string_view name) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->GetBucket(name);
  }
  Status UpdateBucket(const BucketInfo& bucket) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->UpdateBucket(bucket);
  }
  Status DeleteBucket(std::string_view name) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->DeleteBucket(name);
  }
  Result<std::vector<BucketInfo>> ListBuckets() override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->ListBuckets();
  }
  Result<ObjectInfo> Put(const PutRequest& request, const BodySource& body) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->Put(request, body);
  }
  Result<ObjectInfo> Head(std::string_view bucket, std::string_view key,
                          const VersionSelector& version = {},
                          const HeadOptions& options = {}) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->Head(bucket, key, version, options);
  }
  Result<std::unique_ptr<ObjectReader>> OpenRead(const ObjectInfo& object, uint64_t offset,
                                                 uint64_t length) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->OpenRead(object, offset, length);
  }
  Result<ObjectInfo> UpdateAttributes(std::string_view bucket, std::string_view key,
                                      const ObjectAttributes& attributes) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->UpdateAttributes(bucket, key, attributes);
  }
  Result<DeleteOutcome> DeleteObject(const DeleteRequest& request) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->DeleteObject(request);
  }
  Result<ListResult> List(std::string_view bucket, const ListQuery& query) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->List(bucket, query);
  }
  Result<ListVersionsResult> ListVersions(std::string_view bucket,
                                          const ListVersionsQuery& query) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->ListVersions(bucket, query);
  }
  Result<MultipartUpload> CreateUpload(const CreateUploadRequest& request) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->CreateUpload(request);
  }
  Result<MultipartUpload> GetUpload(std::string_view bucket, std::string_view key,
                                    const VersionId& upload_id) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->GetUpload(bucket, key, upload_id);
  }
  Result<PartInfo> UploadPart(const UploadPartRequest& request, const BodySource& body) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->UploadPart(request, body);
  }
  Result<PartsPage> ListParts(std::string_view bucket, std::string_view key,
                              const VersionId& upload_id, uint32_t after_part,
                              uint32_t max_parts) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->ListParts(bucket, key, upload_id, after_part, max_parts);
  }
  Result<ListUploadsResult> ListUploads(std::string_view bucket,
                                        const ListUploadsQuery& query) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->ListUploads(bucket, query);
  }
  Result<ObjectInfo> CompleteUpload(const CompleteRequest& request) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->CompleteUpload(request);
  }
  Status AbortUpload(std::string_view bucket, std::string_view key,
                     const VersionId& upload_id) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->AbortUpload(bucket, key, upload_id);
  }

 private:
  Status Take() {
    if (!fail_next_) return Status::OK();
    Status s = std::move(*fail_next_);
    fail_next_.reset();
    return s;
  }

  ObjectStore* const inner_;
  std::optional<Status> fail_next_;
};

}  // namespace shale::gateway::testing
