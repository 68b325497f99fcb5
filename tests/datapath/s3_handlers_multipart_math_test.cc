// The pure parts of the multipart and versioning handlers: CRC combination, the multipart ETag,
// COMPOSITE and FULL_OBJECT checksums (expected values from Python's zlib/hashlib), and the
// CompleteMultipartUpload / VersioningConfiguration parsers.

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "common/crc.h"
#include "gateway/s3_crc_combine.h"
#include "gateway/s3_error.h"
#include "gateway/s3_multipart_checksum.h"
#include "gateway/s3_multipart_xml.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

uint64_t Seed() {
  const char* env = std::getenv("SHALE_TEST_SEED");
  uint64_t seed = env ? std::strtoull(env, nullptr, 10) : std::random_device()();
  std::printf("SHALE_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

std::string ValueOf(const Result<std::string>& r) {
  return r.ok() ? *r : "<error: " + r.status().ToString() + ">";
}

TEST(CrcCombineTest, MatchesTheCrcOfTheConcatenation) {
  std::mt19937_64 rng(Seed());
  for (int round = 0; round < 200; ++round) {
    std::string a(rng() % 3000, '\0');
    std::string b(round == 0 ? 0 : rng() % 3000, '\0');
    for (char& ch : a) ch = static_cast<char>(rng());
    for (char& ch : b) ch = static_cast<char>(rng());
    const std::string ab = a + b;
    EXPECT_EQ(Crc32Combine(Crc32(a), Crc32(b), b.size()), Crc32(ab));
    EXPECT_EQ(Crc32cCombine(Crc32c(a), Crc32c(b), b.size()), Crc32c(ab));
    EXPECT_EQ(Crc64NvmeCombine(Crc64Nvme(a), Crc64Nvme(b), b.size()), Crc64Nvme(ab));
  }
}

TEST(CrcCombineTest, LongSecondPartUsesManySquarings) {
  std::string b(5 * 1024 * 1024 + 3, 'z');
  EXPECT_EQ(Crc32Combine(Crc32("abc"), Crc32(b), b.size()), Crc32("abc" + b));
  EXPECT_EQ(Crc64NvmeCombine(Crc64Nvme("abc"), Crc64Nvme(b), b.size()), Crc64Nvme("abc" + b));
}

TEST(MultipartChecksumTest, EtagIsMd5OfBinaryMd5s) {
  EXPECT_EQ(ValueOf(MultipartEtag(
                {"5d41402abc4b2a76b9719d911017c592", "7d793037a0760186574b0282f2f435e7"})),
            "065947336a2f2a95ba8899f3675c3be6-2");
  EXPECT_FALSE(MultipartEtag({"nothex"}).ok());
  EXPECT_FALSE(MultipartEtag({"5d41402abc4b2a76b9719d911017c5"}).ok());
}

TEST(MultipartChecksumTest, CompositeAndFullObject) {
  const std::vector<PartChecksum> crc = {{"NhCmhg==", 5}, {"OncRQw==", 5}};
  EXPECT_EQ(ValueOf(CompositeChecksum(ChecksumAlgorithm::kCrc32, crc)), "wpn7tg==-2");
  EXPECT_EQ(ValueOf(FullObjectChecksum(ChecksumAlgorithm::kCrc32, crc)),
            "+esgrQ==");  // CRC32("helloworld").
  const std::vector<PartChecksum> sha = {{"LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", 5},
                                         {"SG6kYiTRu0+2gPNPfJrZao8k7Ii+c+qOWmxlJg6cuKc=", 5}};
  EXPECT_EQ(ValueOf(CompositeChecksum(ChecksumAlgorithm::kSha256, sha)),
            "cwXbmyq8zXBsJW2z2X5f9I1nfP5NOlkEr7faDjlQ4eI=-2");
  EXPECT_FALSE(FullObjectChecksum(ChecksumAlgorithm::kSha256, sha).ok());
  EXPECT_FALSE(CompositeChecksum(ChecksumAlgorithm::kCrc32, {{"AAAA", 1}}).ok());  // 3 bytes.
  EXPECT_FALSE(CompositeChecksum(ChecksumAlgorithm::kCrc32, {{"!!", 1}}).ok());
  EXPECT_TRUE(SupportsFullObject(ChecksumAlgorithm::kCrc64Nvme));
  EXPECT_FALSE(SupportsComposite(ChecksumAlgorithm::kCrc64Nvme));
  EXPECT_FALSE(SupportsFullObject(ChecksumAlgorithm::kSha1));
}

TEST(CompleteMultipartXmlTest, ParsesParts) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<CompletedPart> parts,
      ParseCompleteMultipartUpload(
          "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
          "<Part><PartNumber> 1 </PartNumber><ETag>\"aa\"</ETag>"
          "<ChecksumCRC32>NhCmhg==</ChecksumCRC32></Part>"
          "<Part><ETag>bb</ETag><PartNumber>3</PartNumber></Part>"
          "</CompleteMultipartUpload>"));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].part_number, 1u);
  EXPECT_EQ(parts[0].etag, "aa");
  ASSERT_EQ(parts[0].checksums.size(), 1u);
  EXPECT_EQ(parts[0].checksums[0].algorithm, ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(parts[0].checksums[0].base64, "NhCmhg==");
  EXPECT_EQ(parts[1].part_number, 3u);
  EXPECT_EQ(parts[1].etag, "bb");
}

TEST(CompleteMultipartXmlTest, MalformedBodies) {
  const char* bad[] = {
      "",
      "<CompleteMultipartUpload/>",
      "<Other><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></Other>",
      "<CompleteMultipartUpload><Part><ETag>a</ETag></Part></CompleteMultipartUpload>",
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
      "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part>"
      "</CompleteMultipartUpload>",
      "<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>a</ETag></Part>"
      "</CompleteMultipartUpload>",
      "<CompleteMultipartUpload><Part><PartNumber>99999999999</PartNumber><ETag>a</ETag></Part>"
      "</CompleteMultipartUpload>",
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part>",
  };
  for (const char* body : bad) {
    Result<std::vector<CompletedPart>> parsed = ParseCompleteMultipartUpload(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(S3ErrorFromStatus(parsed.status()).code, S3ErrorCode::kMalformedXML) << body;
  }
  std::string many = "<CompleteMultipartUpload>";
  for (int i = 1; i <= 10001; ++i) {
    many += "<Part><PartNumber>" + std::to_string(i) + "</PartNumber><ETag>a</ETag></Part>";
  }
  many += "</CompleteMultipartUpload>";
  EXPECT_FALSE(ParseCompleteMultipartUpload(many).ok());
}

TEST(VersioningXmlTest, StatusAndMfaDelete) {
  ASSERT_OK_AND_ASSIGN(
      VersioningConfiguration enabled,
      ParseVersioningConfiguration("<VersioningConfiguration><Status>Enabled</Status>"
                                   "</VersioningConfiguration>"));
  EXPECT_EQ(enabled.status, BucketVersioning::kEnabled);
  EXPECT_EQ(enabled.mfa_delete, std::nullopt);
  ASSERT_OK_AND_ASSIGN(
      VersioningConfiguration suspended,
      ParseVersioningConfiguration("<VersioningConfiguration><Status>Suspended</Status>"
                                   "<MfaDelete>Disabled</MfaDelete></VersioningConfiguration>"));
  EXPECT_EQ(suspended.status, BucketVersioning::kSuspended);
  EXPECT_EQ(suspended.mfa_delete, false);
  Result<VersioningConfiguration> bad_status = ParseVersioningConfiguration(
      "<VersioningConfiguration><Status>On</Status></VersioningConfiguration>");
  EXPECT_EQ(S3ErrorFromStatus(bad_status.status()).code,
            S3ErrorCode::kIllegalVersioningConfigurationException);
  Result<VersioningConfiguration> wrong_root =
      ParseVersioningConfiguration("<Versioning><Status>Enabled</Status></Versioning>");
  EXPECT_EQ(S3ErrorFromStatus(wrong_root.status()).code, S3ErrorCode::kMalformedXML);
}

}  // namespace
}  // namespace shale::gateway
