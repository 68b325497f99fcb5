#pragma once

// UniqueFd: sole owner of a POSIX file descriptor, closed on destruction. Move-only.
// Thread-safety: like any value; one owner at a time.

#include <unistd.h>

#include <utility>

namespace shale::fs {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int Release() { return std::exchange(fd_, -1); }
  // Closes the descriptor (if any) and returns close()'s result: 0, or -1 with errno set.
  // close() is never retried on EINTR: on Linux the descriptor is gone either way.
  int Close() {
    if (fd_ < 0) return 0;
    return ::close(std::exchange(fd_, -1));
  }

 private:
  void Reset() {
    if (fd_ >= 0) (void)::close(std::exchange(fd_, -1));  // Destruction ignores close errors.
  }

  int fd_ = -1;
};

}  // namespace shale::fs
