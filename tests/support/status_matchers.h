#pragma once

// GoogleTest helpers for Status and Result<T>: failures print the whole Status.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/result.h"
#include "common/status.h"

namespace shale::testing {

inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) {
  return r.status();
}

// Matches a Status or Result whose code is `code`.
MATCHER_P(StatusIs, code, std::string("has status code ") + std::string(StatusCodeName(code))) {
  const Status& s = ::shale::testing::GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code;
}

}  // namespace shale::testing

#define EXPECT_OK(expr)                                                   \
  do {                                                                    \
    const ::shale::Status _shale_s = ::shale::testing::GetStatus((expr)); \
    EXPECT_TRUE(_shale_s.ok()) << #expr << " -> " << _shale_s.ToString(); \
  } while (0)

#define ASSERT_OK(expr)                                                   \
  do {                                                                    \
    const ::shale::Status _shale_s = ::shale::testing::GetStatus((expr)); \
    ASSERT_TRUE(_shale_s.ok()) << #expr << " -> " << _shale_s.ToString(); \
  } while (0)

// ASSERT_OK_AND_ASSIGN(auto x, FunctionReturningResult());
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  SHALE_ASSERT_OK_AND_ASSIGN_IMPL_(SHALE_STATUS_CONCAT_(_shale_assert_, __LINE__), lhs, rexpr)
#define SHALE_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, rexpr)               \
  auto tmp = (rexpr);                                                   \
  ASSERT_TRUE(tmp.ok()) << #rexpr << " -> " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
