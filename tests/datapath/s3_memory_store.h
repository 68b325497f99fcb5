#pragma once

// MemoryObjectStore: an ObjectStore (gateway/object_store.h) kept in memory, for the listing
// tests of the S3 handlers while ClusterStore::List answers NotSupported; it follows the contract's
// observable rules (errors, before_commit, exact body size, listing with delimiter / start_after /
// max_keys / next_marker, delete markers hidden) so the handler tests assert S3 behaviour, not this
// class. Failure injection: `fail_next` makes the next call of any method return that status.
// Thread-safety: all methods are serialized by one mutex (tests may call from any thread).

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "gateway/object_store.h"
#include "gateway/s3_checksum.h"

namespace shale::gateway::testing {

class MemoryObjectStore final : public ObjectStore {
 public:
  explicit MemoryObjectStore(const Clock* clock) : clock_(clock) {}

  Status CreateBucket(const BucketInfo& bucket) override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    if (buckets_.count(bucket.name)) return Status::AlreadyExists("bucket " + bucket.name);
    buckets_[bucket.name] = bucket;
    return Status::OK();
  }
  Result<BucketInfo> GetBucket(std::string_view name) override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    auto it = buckets_.find(std::string(name));
    if (it == buckets_.end()) return Status::NotFound("no such bucket");
    return it->second;
  }
  Status UpdateBucket(const BucketInfo& bucket) override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    auto it = buckets_.find(bucket.name);
    if (it == buckets_.end()) return Status::NotFound("no such bucket");
    it->second = bucket;
    return Status::OK();
  }
  Status DeleteBucket(std::string_view name) override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    auto it = buckets_.find(std::string(name));
    if (it == buckets_.end()) return Status::NotFound("no such bucket");
    for (const auto& [k, v] : objects_) {
      if (k.first == name) return Status::FailedPrecondition("bucket not empty");
    }
    buckets_.erase(it);
    return Status::OK();
  }
  Result<std::vector<BucketInfo>> ListBuckets() override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    std::vector<BucketInfo> out;
    for (const auto& [name, b] : buckets_) out.push_back(b);
    return out;
  }

  Result<ObjectInfo> Put(const PutRequest& request, const BodySource& body) override {
    {
      std::lock_guard lock(mu_);
      SHALE_RETURN_IF_ERROR(TakeFailure());
      if (!buckets_.count(request.bucket)) return Status::NotFound("no such bucket");
    }
    std::string data;
    char buf[5];
    while (true) {
      SHALE_ASSIGN_OR_RETURN(size_t n, body(std::span<char>(buf, sizeof(buf))));
      if (n == 0) break;
      data.append(buf, n);
      if (request.size && data.size() > *request.size) {
        return Status::InvalidArgument("body longer than declared");
      }
    }
    if (request.size && data.size() != *request.size) {
      return Status::InvalidArgument("body shorter than declared");
    }
    PutDigests digests = ComputeDigests(data, request.compute);
    if (request.before_commit) SHALE_RETURN_IF_ERROR(request.before_commit(digests));
    std::lock_guard lock(mu_);
    ObjectInfo info;
    info.bucket = request.bucket;
    info.key = request.key;
    info.version = VersionId{clock_->NowMicros(), ++counter_, 1};
    info.size = data.size();
    info.etag = digests.md5_hex;
    info.last_modified_ms = static_cast<int64_t>(clock_->NowMicros() / 1000);
    info.owner_id = request.owner_id;
    info.attributes = request.attributes;
    for (const ObjectChecksum& c : digests.checksums) {
      if (std::find(request.store.begin(), request.store.end(), c.algorithm) !=
          request.store.end()) {
        info.checksums.push_back(c);
      }
    }
    info.layout = "memory";
    objects_[{request.bucket, request.key}] = {info, data};
    return info;
  }

  Result<ObjectInfo> Head(std::string_view bucket, std::string_view key,
                          std::optional<VersionId> version) override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    auto it = objects_.find({std::string(bucket), std::string(key)});
    if (it == objects_.end()) return Status::NotFound("no such key");
    if (version && it->second.first.version != *version) return Status::NotFound("no version");
    return it->second.first;
  }

  Result<std::unique_ptr<ObjectReader>> OpenRead(const ObjectInfo& object, uint64_t offset,
                                                 uint64_t length) override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    auto it = objects_.find({object.bucket, object.key});
    if (it == objects_.end()) return Status::NotFound("no such key");
    const std::string& data = it->second.second;
    offset = std::min<uint64_t>(offset, data.size());
    length = std::min<uint64_t>(length, data.size() - offset);
    return std::unique_ptr<ObjectReader>(
        std::make_unique<StringReader>(data.substr(offset, length)));
  }

  Result<ObjectInfo> UpdateAttributes(std::string_view bucket, std::string_view key,
                                      const ObjectAttributes& attributes) override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    auto it = objects_.find({std::string(bucket), std::string(key)});
    if (it == objects_.end()) return Status::NotFound("no such key");
    it->second.first.attributes = attributes;
    return it->second.first;
  }

  Status Delete(std::string_view bucket, std::string_view key) override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    if (!buckets_.count(std::string(bucket))) return Status::NotFound("no such bucket");
    objects_.erase({std::string(bucket), std::string(key)});
    return Status::OK();
  }

  Result<ListResult> List(std::string_view bucket, const ListQuery& q) override {
    std::lock_guard lock(mu_);
    SHALE_RETURN_IF_ERROR(TakeFailure());
    if (!buckets_.count(std::string(bucket))) return Status::NotFound("no such bucket");
    ListResult out;
    uint32_t count = 0;
    for (const auto& [k, v] : objects_) {
      const std::string& key = k.second;
      if (k.first != bucket || key.compare(0, q.prefix.size(), q.prefix) != 0) continue;
      if (key <= q.start_after) continue;
      std::string entry = key;
      bool is_prefix = false;
      if (!q.delimiter.empty()) {
        size_t d = key.find(q.delimiter, q.prefix.size());
        if (d != std::string::npos) {
          entry = key.substr(0, d + q.delimiter.size());
          is_prefix = true;
          // Continuing after a common prefix skips all of it.
          if (q.start_after.compare(0, entry.size(), entry) == 0) continue;
          if (!out.common_prefixes.empty() && out.common_prefixes.back() == entry) continue;
        }
      }
      if (count == q.max_keys) {
        out.truncated = true;
        break;
      }
      ++count;
      out.next_marker = entry;
      if (is_prefix) {
        out.common_prefixes.push_back(entry);
      } else {
        out.objects.push_back(v.first);
      }
    }
    if (!out.truncated) out.next_marker.clear();
    return out;
  }

  // The next call of any method fails with `status`.
  void FailNext(Status status) {
    std::lock_guard lock(mu_);
    fail_next_ = std::move(status);
  }

 private:
  class StringReader final : public ObjectReader {
   public:
    explicit StringReader(std::string data) : data_(std::move(data)) {}
    Result<size_t> Read(std::span<char> buf) override {
      size_t n = std::min(buf.size(), data_.size() - pos_);
      std::copy_n(data_.data() + pos_, n, buf.data());
      pos_ += n;
      return n;
    }

   private:
    std::string data_;
    size_t pos_ = 0;
  };

  Status TakeFailure() {
    if (!fail_next_) return Status::OK();
    Status s = *fail_next_;
    fail_next_.reset();
    return s;
  }

  const Clock* clock_;
  std::mutex mu_;
  std::optional<Status> fail_next_;
  uint32_t counter_ = 0;
  std::map<std::string, BucketInfo> buckets_;
  std::map<std::pair<std::string, std::string>, std::pair<ObjectInfo, std::string>> objects_;
};

}  // namespace shale::gateway::testing
