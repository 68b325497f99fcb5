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
                          std::optional<VersionId> version = std::nullopt) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->Head(bucket, key, version);
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
  Status Delete(std::string_view bucket, std::string_view key) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->Delete(bucket, key);
  }
  Result<ListResult> List(std::string_view bucket, const ListQuery& query) override {
    SHALE_RETURN_IF_ERROR(Take());
    return inner_->List(bucket, query);
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
