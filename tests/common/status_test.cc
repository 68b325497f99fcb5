#include "common/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>

#include "common/result.h"
#include "tests/support/status_matchers.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.message(), "");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::Corruption("bad crc in 00000001.seg at 4096");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.ToString(), "Corruption: bad crc in 00000001.seg at 4096");
  Status copy = s;
  EXPECT_EQ(copy, s);
  EXPECT_EQ(s.WithContext("get shard 7").message(), "get shard 7: bad crc in 00000001.seg at 4096");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

TEST(StatusTest, OkCodeMakesOkStatus) { EXPECT_TRUE(Status(StatusCode::kOk, "ignored").ok()); }

TEST(StatusTest, FromErrnoMapsCodes) {
  EXPECT_THAT(Status::FromErrno(ENOSPC, "append"), StatusIs(StatusCode::kNoSpace));
  EXPECT_THAT(Status::FromErrno(ENOENT, "open"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(Status::FromErrno(EIO, "fdatasync"), StatusIs(StatusCode::kIOError));
  EXPECT_THAT(Status::FromErrno(EEXIST, "create"), StatusIs(StatusCode::kAlreadyExists));
  Status s = Status::FromErrno(EIO, "fdatasync /d/1.seg");
  EXPECT_NE(s.message().find("fdatasync /d/1.seg: "), std::string::npos) << s.ToString();
}

TEST(StatusTest, EveryCodeHasAName) {
  for (int c = 0; c <= static_cast<int>(StatusCode::kInternal); ++c) {
    EXPECT_NE(StatusCodeName(static_cast<StatusCode>(c)), "Unknown") << c;
  }
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  SHALE_ASSIGN_OR_RETURN(int h, Half(x));
  SHALE_ASSIGN_OR_RETURN(h, Half(h));  // Assigning to an existing variable works too.
  return h;
}

Status CheckEven(int x) {
  SHALE_RETURN_IF_ERROR(Half(x));
  return Status::OK();
}

Status Chain(int x) {
  SHALE_RETURN_IF_ERROR(CheckEven(x));
  return Status::NotFound("reached the end");
}

TEST(ResultTest, ValueAndError) {
  Result<int> good = Half(8);
  ASSERT_OK(good);
  EXPECT_EQ(*good, 4);
  Result<int> bad = Half(3);
  EXPECT_THAT(bad, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(ResultTest, MacrosPropagate) {
  ASSERT_OK_AND_ASSIGN(int q, Quarter(12));
  EXPECT_EQ(q, 3);
  EXPECT_THAT(Quarter(6), StatusIs(StatusCode::kInvalidArgument));  // 6/2 = 3 is odd.
  EXPECT_OK(CheckEven(4));
  EXPECT_THAT(Chain(5), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Chain(4), StatusIs(StatusCode::kNotFound));
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_OK(r);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, OkStatusWithoutValueIsAnInternalError) {
  Result<int> r = Status::OK();
  EXPECT_THAT(r, StatusIs(StatusCode::kInternal));
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> r = Status::NotFound("x");
  EXPECT_DEATH({ (void)r.value(); }, "Result::value\\(\\) on error");
}

}  // namespace
}  // namespace shale
