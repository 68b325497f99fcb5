#pragma once

// ChunkBufferPool: reusable 64-byte aligned buffers for a chunk's k+m shards, so a request does
// not pay the page faults of a fresh large allocation (docs/ARCHITECTURE.md, performance notes).
// A lease returns its buffer to the pool when destroyed; the pool keeps at most `keep` idle
// buffers and frees the rest.
// Thread-safety: Acquire() and lease destruction may run concurrently from any thread; a lease
// is used by one thread at a time. The pool must outlive its leases.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace shale::gateway {

class ChunkBufferPool {
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  using Buffer = std::unique_ptr<uint8_t, Free>;

 public:
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&& other) noexcept {
      Release();
      pool_ = other.pool_;
      buffer_ = std::move(other.buffer_);
      return *this;
    }
    ~Lease() { Release(); }

    uint8_t* data() const { return buffer_.get(); }
    size_t size() const { return pool_ == nullptr ? 0 : pool_->buffer_size_; }
    std::span<uint8_t> span() const { return {data(), size()}; }

   private:
    friend class ChunkBufferPool;
    Lease(ChunkBufferPool* pool, Buffer buffer) : pool_(pool), buffer_(std::move(buffer)) {}
    void Release() {
      if (buffer_ != nullptr) pool_->Return(std::move(buffer_));
    }
    ChunkBufferPool* pool_ = nullptr;
    Buffer buffer_;
  };

  ChunkBufferPool(size_t buffer_size, size_t keep)
      : buffer_size_((buffer_size + 63) / 64 * 64), keep_(keep) {}

  Lease Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        Buffer b = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(b));
      }
    }
    Buffer b(static_cast<uint8_t*>(std::aligned_alloc(64, buffer_size_)));
    if (b == nullptr) std::abort();  // Out of memory: as operator new would.
    return Lease(this, std::move(b));
  }

  size_t buffer_size() const { return buffer_size_; }

 private:
  void Return(Buffer b) {
    std::lock_guard lock(mu_);
    if (idle_.size() < keep_) idle_.push_back(std::move(b));
  }

  const size_t buffer_size_;
  const size_t keep_;
  std::mutex mu_;
  std::vector<Buffer> idle_;  // Guarded by mu_.
};

}  // namespace shale::gateway
