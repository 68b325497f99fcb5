#pragma once

// Result<T>: either a value or a non-OK Status (GCC 12 has no std::expected). Accessing the
// value of an error Result is a bug in the caller and aborts; check ok() first or use
// SHALE_ASSIGN_OR_RETURN. Thread-safety: a value type, like T.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "common/status.h"

namespace shale {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose: `return value;` and `return Status::NotFound(...)` both work.
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) {
      status_ = Status::Internal("Result constructed from an OK Status without a value");
    }
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  const T& value() const& {
    CheckOk();
    return *value_;
  }
  T& value() & {
    CheckOk();
    return *value_;
  }
  T&& value() && {
    CheckOk();
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  void CheckOk() const {
    if (!ok()) {
      std::fprintf(stderr, "Result::value() on error: %s\n", status_.ToString().c_str());
      std::abort();
    }
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace shale

// SHALE_ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (a Result<T>); on error returns its
// Status from the enclosing function, otherwise moves the value into `lhs`, which may be a
// declaration (`auto file`) or an existing variable.
#define SHALE_ASSIGN_OR_RETURN(lhs, rexpr) \
  SHALE_ASSIGN_OR_RETURN_IMPL_(SHALE_STATUS_CONCAT_(_shale_result_, __LINE__), lhs, rexpr)
#define SHALE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()
