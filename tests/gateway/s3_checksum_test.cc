#include "gateway/s3_checksum.h"

#include <gtest/gtest.h>

#include "gateway/s3_error.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

// Digests of "hello" (AWS's published examples for the flexible checksums agree).
constexpr const char* kCrc32 = "NhCmhg==";
constexpr const char* kCrc32c = "mnG7TA==";
constexpr const char* kSha256 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";
constexpr const char* kMd5 = "XUFAKrxLKna5cZ2REBfFkg==";

S3ErrorCode CodeOf(const Status& s) { return S3ErrorFromStatus(s).code; }

TEST(S3ChecksumTest, Names) {
  EXPECT_EQ(ParseChecksumAlgorithm("crc64nvme"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_EQ(ParseChecksumAlgorithm("SHA1"), ChecksumAlgorithm::kSha1);
  EXPECT_EQ(ParseChecksumAlgorithm("md5"), std::nullopt);
  EXPECT_EQ(ChecksumHeaderName(ChecksumAlgorithm::kCrc32c), "x-amz-checksum-crc32c");
  EXPECT_EQ(ChecksumAlgorithmName(ChecksumAlgorithm::kSha256), "SHA256");
}

TEST(S3ChecksumTest, ComputeDigests) {
  PutDigests d = ComputeDigests(
      "hello", {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha256});
  EXPECT_EQ(d.size, 5u);
  EXPECT_EQ(d.md5_hex, "5d41402abc4b2a76b9719d911017c592");
  ASSERT_EQ(d.checksums.size(), 3u);
  EXPECT_EQ(d.checksums[0].base64, kCrc32);
  EXPECT_EQ(d.checksums[1].base64, kCrc32c);
  EXPECT_EQ(d.checksums[2].base64, kSha256);
  // CRC64/NVME of "123456789" is 0xae8b14860a799888.
  EXPECT_EQ(ComputeDigests("123456789", {ChecksumAlgorithm::kCrc64Nvme}).checksums[0].base64,
            "rosUhgp5mIg=");
}

struct ParseCase {
  std::vector<S3Header> headers;
  std::optional<S3ErrorCode> error;
  std::optional<ChecksumAlgorithm> algorithm;
  bool from_trailer = false;
};

TEST(S3ChecksumTest, ParseTable) {
  using A = ChecksumAlgorithm;
  const ParseCase cases[] = {
      {{}, std::nullopt, std::nullopt},
      {{{"x-amz-checksum-crc32", kCrc32}}, std::nullopt, A::kCrc32},
      {{{"x-amz-checksum-sha256", kSha256}, {"x-amz-sdk-checksum-algorithm", "SHA256"}},
       std::nullopt,
       A::kSha256},
      {{{"x-amz-trailer", "x-amz-checksum-crc32c"}}, std::nullopt, A::kCrc32c, true},
      {{{"x-amz-sdk-checksum-algorithm", "crc32"}}, std::nullopt, A::kCrc32},
      {{{"content-md5", kMd5}}, std::nullopt, std::nullopt},
      // Errors.
      {{{"content-md5", "XUFAKrxLKna5cZ2REBfF"}}, S3ErrorCode::kInvalidDigest},
      {{{"content-md5", "not base64!"}}, S3ErrorCode::kInvalidDigest},
      {{{"x-amz-checksum-crc32", kSha256}}, S3ErrorCode::kInvalidRequest},
      {{{"x-amz-checksum-crc32", "!!!"}}, S3ErrorCode::kInvalidRequest},
      {{{"x-amz-checksum-crc32", kCrc32}, {"x-amz-checksum-crc32c", kCrc32c}},
       S3ErrorCode::kInvalidRequest},
      {{{"x-amz-checksum-crc32", kCrc32}, {"x-amz-trailer", "x-amz-checksum-crc32"}},
       S3ErrorCode::kInvalidRequest},
      {{{"x-amz-trailer", "x-amz-checksum-md5"}}, S3ErrorCode::kInvalidRequest},
      {{{"x-amz-sdk-checksum-algorithm", "MD5"}}, S3ErrorCode::kInvalidRequest},
      {{{"x-amz-checksum-crc32", kCrc32}, {"x-amz-sdk-checksum-algorithm", "CRC32C"}},
       S3ErrorCode::kInvalidRequest},
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    const ParseCase& c = cases[i];
    Result<ChecksumRequest> r = ParseChecksumRequest(c.headers);
    if (c.error) {
      ASSERT_FALSE(r.ok()) << i;
      EXPECT_EQ(CodeOf(r.status()), *c.error) << i << " " << r.status().ToString();
      continue;
    }
    ASSERT_OK(r.status());
    EXPECT_EQ(r->algorithm, c.algorithm) << i;
    EXPECT_EQ(r->from_trailer, c.from_trailer) << i;
  }
}

TEST(S3ChecksumTest, Verify) {
  const PutDigests hello = ComputeDigests("hello", {ChecksumAlgorithm::kCrc32});
  auto verify = [&hello](std::vector<S3Header> headers,
                         const std::vector<S3Header>* trailers = nullptr) {
    Result<ChecksumRequest> r = ParseChecksumRequest(headers);
    EXPECT_OK(r.status());
    return VerifyChecksums(*r, hello, trailers);
  };
  EXPECT_OK(verify({{"x-amz-checksum-crc32", kCrc32}, {"content-md5", kMd5}}));
  EXPECT_OK(verify({{"x-amz-sdk-checksum-algorithm", "CRC32"}}));
  Status bad = verify({{"x-amz-checksum-crc32", "AAAAAA=="}});
  EXPECT_EQ(CodeOf(bad), S3ErrorCode::kBadDigest);
  EXPECT_EQ(S3ErrorFromStatus(bad).message,
            "The CRC32 you specified did not match the calculated checksum.");
  EXPECT_EQ(CodeOf(verify({{"content-md5", "AAAAAAAAAAAAAAAAAAAAAA=="}})), S3ErrorCode::kBadDigest);

  const std::vector<S3Header> good = {{"x-amz-checksum-crc32", kCrc32}};
  const std::vector<S3Header> wrong = {{"x-amz-checksum-crc32", "AAAAAA=="}};
  const std::vector<S3Header> garbled = {{"x-amz-checksum-crc32", "zz"}};
  const std::vector<S3Header> other = {{"x-amz-checksum-crc32c", kCrc32c}};
  std::vector<S3Header> trailer_header = {{"x-amz-trailer", "x-amz-checksum-crc32"}};
  EXPECT_OK(verify(trailer_header, &good));
  EXPECT_EQ(CodeOf(verify(trailer_header, &wrong)), S3ErrorCode::kBadDigest);
  EXPECT_EQ(CodeOf(verify(trailer_header, &garbled)), S3ErrorCode::kMalformedTrailerError);
  EXPECT_EQ(CodeOf(verify(trailer_header, &other)), S3ErrorCode::kMalformedTrailerError);
  EXPECT_EQ(CodeOf(verify(trailer_header, nullptr)), S3ErrorCode::kMalformedTrailerError);
}

}  // namespace
}  // namespace shale::gateway
