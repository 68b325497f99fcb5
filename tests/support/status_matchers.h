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

template <typename T>
::testing::AssertionResult AssertOk(const char* expr_text, const T& status_or_result) {
  const Status& s = GetStatus(status_or_result);
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expr_text << " -> " << s.ToString();
}

}  // namespace shale::testing

// EXPECT_OK(expr) / ASSERT_OK(expr) for a Status or Result; failures print the Status.
#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::shale::testing::AssertOk, (expr))
#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::shale::testing::AssertOk, (expr))

// ASSERT_OK_AND_ASSIGN(auto x, FunctionReturningResult());
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  SHALE_ASSERT_OK_AND_ASSIGN_IMPL_(SHALE_STATUS_CONCAT_(_shale_assert_, __LINE__), lhs, rexpr)
#define SHALE_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, rexpr)               \
  auto tmp = (rexpr);                                                   \
  ASSERT_TRUE(tmp.ok()) << #rexpr << " -> " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
