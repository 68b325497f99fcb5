#pragma once

// Status: the outcome of an operation that can fail for expected reasons (I/O, bad input,
// missing data). Errors travel as values on every data path; exceptions are reserved for
// program edges. A Status is cheap when OK (no allocation) and carries a code plus a message
// when not. Thread-safety: a Status is a value; distinct objects may be used concurrently.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace shale {

// A closed set: anything leaving a process (S3 errors, wire errors, exit codes) is mapped from
// these codes in one place, so adding a code means updating those mappings.
enum class StatusCode : uint8_t {
  kOk = 0,
  kNotFound,
  kAlreadyExists,
  kInvalidArgument,
  kCorruption,  // Stored bytes failed a checksum or do not parse.
  kIOError,     // The OS reported an I/O failure (EIO and friends).
  kNoSpace,     // ENOSPC, or the engine's own space reserve was reached.
  kReadOnly,    // The engine stopped accepting writes (e.g. after an unrecoverable fsync).
  kPermissionDenied,
  kUnauthenticated,
  kUnavailable,  // Retryable: a peer or quorum is not reachable right now.
  kTimeout,
  kAborted,  // The operation was cancelled or lost a race (retry may succeed).
  kFailedPrecondition,
  kOutOfRange,
  kNotSupported,
  kInternal,  // A bug: an invariant of our own did not hold.
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK.
  Status(StatusCode code, std::string_view message);

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return {StatusCode::kNotFound, msg}; }
  static Status AlreadyExists(std::string_view msg) { return {StatusCode::kAlreadyExists, msg}; }
  static Status InvalidArgument(std::string_view msg) {
    return {StatusCode::kInvalidArgument, msg};
  }
  static Status Corruption(std::string_view msg) { return {StatusCode::kCorruption, msg}; }
  static Status IOError(std::string_view msg) { return {StatusCode::kIOError, msg}; }
  static Status NoSpace(std::string_view msg) { return {StatusCode::kNoSpace, msg}; }
  static Status ReadOnly(std::string_view msg) { return {StatusCode::kReadOnly, msg}; }
  static Status PermissionDenied(std::string_view msg) {
    return {StatusCode::kPermissionDenied, msg};
  }
  static Status Unauthenticated(std::string_view msg) {
    return {StatusCode::kUnauthenticated, msg};
  }
  static Status Unavailable(std::string_view msg) { return {StatusCode::kUnavailable, msg}; }
  static Status Timeout(std::string_view msg) { return {StatusCode::kTimeout, msg}; }
  static Status Aborted(std::string_view msg) { return {StatusCode::kAborted, msg}; }
  static Status FailedPrecondition(std::string_view msg) {
    return {StatusCode::kFailedPrecondition, msg};
  }
  static Status OutOfRange(std::string_view msg) { return {StatusCode::kOutOfRange, msg}; }
  static Status NotSupported(std::string_view msg) { return {StatusCode::kNotSupported, msg}; }
  static Status Internal(std::string_view msg) { return {StatusCode::kInternal, msg}; }
  // Maps an errno value to the matching code; `context` says what was being done and to what
  // (e.g. "open /data/segments/00000001.seg"), and strerror() is appended.
  static Status FromErrno(int err, std::string_view context);

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // Empty for OK.
  const std::string& message() const;
  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;

  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }
  bool IsNoSpace() const { return code() == StatusCode::kNoSpace; }
  bool IsIOError() const { return code() == StatusCode::kIOError; }

  // Returns a copy whose message is "<prefix>: <message>"; OK stays OK.
  Status WithContext(std::string_view prefix) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  // Shared and immutable, so copying an error is cheap and OK costs one null pointer.
  std::shared_ptr<const Rep> rep_;
};

}  // namespace shale

#define SHALE_STATUS_CONCAT_INNER_(a, b) a##b
#define SHALE_STATUS_CONCAT_(a, b) SHALE_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Status or Result) and returns its Status from the enclosing function
// if it is not OK.
#define SHALE_RETURN_IF_ERROR(expr)                                                   \
  do {                                                                                \
    auto&& _shale_status_or = (expr);                                                 \
    if (!_shale_status_or.ok()) return ::shale::internal::ToStatus(_shale_status_or); \
  } while (0)

namespace shale::internal {
inline const Status& ToStatus(const Status& s) { return s; }
template <typename R>
auto ToStatus(const R& r) -> decltype(r.status()) {
  return r.status();
}
}  // namespace shale::internal
