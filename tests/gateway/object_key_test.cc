#include "gateway/object_key.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/s3_error.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

S3ErrorCode CodeOf(const Status& s) { return S3ErrorFromStatus(s).code; }

TEST(ObjectKeyTest, AcceptsWhatS3Accepts) {
  for (std::string_view key :
       {"a", "photos/2026/01/01/x.jpg", "..", "./a/../b", "/leading", "trailing/", "a//b", "sp ace",
        "\xE1\x88\xB4", "\xF0\x9F\x98\x80", "ctl\x01\x1f", "%41", "+&=?#"}) {
    EXPECT_OK(ValidateObjectKey(key)) << key;
  }
  EXPECT_OK(ValidateObjectKey(std::string(1024, 'k')));
}

TEST(ObjectKeyTest, Rejections) {
  EXPECT_EQ(CodeOf(ValidateObjectKey("")), S3ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(ValidateObjectKey(std::string(1025, 'k'))), S3ErrorCode::kKeyTooLongError);
  EXPECT_EQ(CodeOf(ValidateObjectKey(std::string("a\0b", 3))), S3ErrorCode::kInvalidArgument);
  for (std::string_view bad :
       {"\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
        "\xF5\x80\x80\x80", "\xFF", "a\xE1\x88", "\xE1\x88\x41"}) {
    EXPECT_EQ(CodeOf(ValidateObjectKey(bad)), S3ErrorCode::kInvalidArgument);
  }
}

TEST(ObjectKeyTest, Utf8Boundaries) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("\x7F"));
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));
  EXPECT_TRUE(IsValidUtf8("\xDF\xBF"));
  EXPECT_TRUE(IsValidUtf8("\xE0\xA0\x80"));
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));  // U+D7FF
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));  // U+E000
  EXPECT_TRUE(IsValidUtf8("\xF0\x90\x80\x80"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));      // Surrogate.
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));  // Overlong.
}

TEST(BucketNameTest, Valid) {
  for (std::string_view name : {"abc", "my-bucket", "my.bucket.name", "a1b", "123", "1.2.3",
                                "1.2.3.4.5", "a-.b", "a.-b", "xn-a", "s3alias", "a-s3alia"}) {
    EXPECT_OK(ValidateBucketName(name)) << name;
  }
  EXPECT_OK(ValidateBucketName(std::string(63, 'b')));
}

TEST(BucketNameTest, Invalid) {
  for (std::string_view name : {"",
                                "ab",
                                "Abc",
                                "abC",
                                "a_b",
                                "a b",
                                "-abc",
                                "abc-",
                                ".abc",
                                "abc.",
                                "a..b",
                                "192.168.5.4",
                                "1.2.3.4",
                                "xn--abc",
                                "sthree-abc",
                                "amzn-s3-demo-x",
                                "abc-s3alias",
                                "abc--ol-s3",
                                "abc.mrap",
                                "abc--x-s3",
                                "abc--table-s3",
                                "ab\xC3\xA9",
                                "a/b"}) {
    EXPECT_EQ(CodeOf(ValidateBucketName(name)), S3ErrorCode::kInvalidBucketName) << name;
  }
  EXPECT_EQ(CodeOf(ValidateBucketName(std::string(64, 'b'))), S3ErrorCode::kInvalidBucketName);
}

}  // namespace
}  // namespace shale::gateway
