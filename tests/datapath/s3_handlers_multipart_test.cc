// Multipart uploads through the S3 handlers over the real ClusterStore: Create, UploadPart,
// UploadPartCopy, ListParts, ListMultipartUploads, Complete (validation, ETag, checksums,
// retries, conditions), Abort and GET/HEAD ?partNumber.

#include "common/encoding.h"
#include "common/hash.h"
#include "gateway/s3_checksum.h"
#include "tests/datapath/s3_handlers_fixture.h"

namespace shale::gateway::testing {
namespace {

constexpr const char* kNow = "2023-11-14T22:13:20.000Z";
// Parts of the standard upload: two of the (test) minimum size of 8 bytes and a short last one.
const std::string kPart1 = "aaaaaaaa";
const std::string kPart2 = "bbbbbbbb";
const std::string kPart3 = "cc";
constexpr const char* kMd51 = "3dbe00a167653a1aaee01d93e77e730e";
constexpr const char* kMd52 = "810247419084c82d03809fc886fedaad";
constexpr const char* kMd53 = "e0323a9039add2978bf5b49550572c7c";
constexpr const char* kEtag3 = "993b51e3da353d16b84885308945e329-3";
constexpr const char* kOwnerXml = "<ID>alice-id</ID><DisplayName>Alice</DisplayName>";

std::string Q(std::string_view etag) { return "\"" + std::string(etag) + "\""; }
// The same inside XML text.
std::string XQ(std::string_view etag) { return "&quot;" + std::string(etag) + "&quot;"; }

struct PartRef {
  int number;
  std::string etag;
  std::string extra;  // More elements inside <Part>.
};

std::string CompleteBody(const std::vector<PartRef>& parts) {
  std::string out = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const PartRef& p : parts) {
    out += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" + Q(p.etag) +
           "</ETag>" + p.extra + "</Part>";
  }
  return out + "</CompleteMultipartUpload>";
}

std::string Between(const std::string& s, const std::string& open, const std::string& close) {
  size_t a = s.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = s.find(close, a);
  return b == std::string::npos ? "" : s.substr(a, b - a);
}

class S3HandlersMultipartTest : public S3HandlersTest {
 protected:
  void SetUp() override {
    RebuildHandlers(8);
    CreateBucket("bkt");
  }

  std::string Create(const std::string& key, std::vector<S3Header> headers = {}) {
    Reply r = Call({.method = "POST",
                    .bucket = "bkt",
                    .key = key,
                    .query = "uploads",
                    .headers = std::move(headers)});
    EXPECT_EQ(r.status, 200) << r.body;
    return Between(r.body, "<UploadId>", "</UploadId>");
  }

  Reply Part(const std::string& key, const std::string& id, int number, const std::string& body,
             std::vector<S3Header> headers = {}) {
    return Put("bkt", key, body, std::move(headers),
               "partNumber=" + std::to_string(number) + "&uploadId=" + id);
  }

  Reply Complete(const std::string& key, const std::string& id, const std::string& body,
                 std::vector<S3Header> headers = {}) {
    return Call({.method = "POST",
                 .bucket = "bkt",
                 .key = key,
                 .query = "uploadId=" + id,
                 .headers = std::move(headers),
                 .body = body});
  }

  // The standard three parts uploaded.
  std::string Standard(const std::string& key) {
    std::string id = Create(key);
    EXPECT_EQ(Part(key, id, 1, kPart1).Header("ETag"), Q(kMd51));
    EXPECT_EQ(Part(key, id, 2, kPart2).Header("ETag"), Q(kMd52));
    EXPECT_EQ(Part(key, id, 3, kPart3).Header("ETag"), Q(kMd53));
    return id;
  }

  static std::string StandardBody() {
    return CompleteBody({{1, kMd51, ""}, {2, kMd52, ""}, {3, kMd53, ""}});
  }

  static std::string ResultXml(const std::string& key, const std::string& etag,
                               const std::string& checksums = "") {
    return std::string(kXmlDecl) + "<CompleteMultipartUploadResult" + std::string(kNs) +
           "><Location>/bkt/" + key + "</Location><Bucket>bkt</Bucket><Key>" + key +
           "</Key><ETag>" + XQ(etag) + "</ETag>" + checksums + "</CompleteMultipartUploadResult>";
  }
};

TEST_F(S3HandlersMultipartTest, CreateUploadCompleteAndRead) {
  Reply create = Call({.method = "POST",
                       .bucket = "bkt",
                       .key = "big",
                       .query = "uploads",
                       .headers = {{"content-type", "text/plain"},
                                   {"x-amz-meta-color", "blue"},
                                   {"x-amz-tagging", "t=v"}}});
  EXPECT_EQ(create.operation, "CreateMultipartUpload");
  EXPECT_EQ(create.status, 200);
  const std::string id = Between(create.body, "<UploadId>", "</UploadId>");
  ASSERT_EQ(id.size(), 32u);
  EXPECT_EQ(create.body, std::string(kXmlDecl) + "<InitiateMultipartUploadResult" +
                             std::string(kNs) + "><Bucket>bkt</Bucket><Key>big</Key><UploadId>" +
                             id + "</UploadId></InitiateMultipartUploadResult>");
  EXPECT_EQ(create.Header("x-amz-checksum-algorithm"), "<absent>");

  Reply p1 = Part("big", id, 1, kPart1);
  EXPECT_EQ(p1.operation, "UploadPart");
  EXPECT_EQ(p1.status, 200);
  EXPECT_EQ(p1.body, "");
  EXPECT_EQ(p1.Header("ETag"), Q(kMd51));
  // Re-uploading a part number replaces it.
  EXPECT_EQ(Part("big", id, 2, "zzzzzzzzzz").status, 200);
  EXPECT_EQ(Part("big", id, 2, kPart2).Header("ETag"), Q(kMd52));
  EXPECT_EQ(Part("big", id, 3, kPart3).status, 200);

  Reply done = Complete("big", id, StandardBody());
  EXPECT_EQ(done.operation, "CompleteMultipartUpload");
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.body, ResultXml("big", kEtag3));
  EXPECT_EQ(done.Header("x-amz-version-id"), "<absent>");

  Reply get = Get("bkt", "big");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, kPart1 + kPart2 + kPart3);
  EXPECT_EQ(get.Header("ETag"), Q(kEtag3));
  EXPECT_EQ(get.Header("Content-Type"), "text/plain");
  EXPECT_EQ(get.Header("x-amz-meta-color"), "blue");
  EXPECT_EQ(get.Header("x-amz-tagging-count"), "1");

  // A retried Complete answers the same.
  Reply again = Complete("big", id, StandardBody());
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, done.body);
  // The upload is gone for everything else.
  Reply parts = Get("bkt", "big", "uploadId=" + id);
  EXPECT_EQ(parts.status, 404);
  EXPECT_EQ(parts.body, ErrorXml(S3ErrorCode::kNoSuchUpload, "/bkt/big"));
}

TEST_F(S3HandlersMultipartTest, GetAndHeadByPartNumber) {
  std::string id = Standard("big");
  ASSERT_EQ(Complete("big", id, StandardBody()).status, 200);
  Reply second = Get("bkt", "big", "partNumber=2");
  EXPECT_EQ(second.status, 206);
  EXPECT_EQ(second.body, kPart2);
  EXPECT_EQ(second.Header("x-amz-mp-parts-count"), "3");
  EXPECT_EQ(second.Header("Content-Range"), "bytes 8-15/18");
  EXPECT_EQ(second.Header("ETag"), Q(kEtag3));
  Reply head = Call({.method = "HEAD", .bucket = "bkt", .key = "big", .query = "partNumber=3"});
  EXPECT_EQ(head.status, 206);
  EXPECT_EQ(head.declared_length, 2u);
  EXPECT_EQ(head.Header("Content-Range"), "bytes 16-17/18");
  Reply beyond = Get("bkt", "big", "partNumber=4");
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(beyond.body, ErrorXml(S3ErrorCode::kInvalidPartNumber, "/bkt/big"));
  Reply bad = Get("bkt", "big", "partNumber=0");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt/big",
                               "Part number must be an integer between 1 and 10000, inclusive"));
  PutObject("bkt", "single", "hello");
  Reply single = Get("bkt", "single", "partNumber=1");
  EXPECT_EQ(single.status, 206);
  EXPECT_EQ(single.Header("x-amz-mp-parts-count"), "1");
  EXPECT_EQ(Get("bkt", "single", "partNumber=2").status, 416);
}

TEST_F(S3HandlersMultipartTest, CompleteValidation) {
  std::string id = Standard("k");
  auto expect_error = [&](const std::string& body, S3ErrorCode code, int status) {
    Reply r = Complete("k", id, body);
    EXPECT_EQ(r.status, status) << body;
    EXPECT_EQ(r.body, ErrorXml(code, "/bkt/k")) << body;
  };
  expect_error("<CompleteMultipartUpload/>", S3ErrorCode::kMalformedXML, 400);
  Reply bad_md5 = Complete("k", id, StandardBody(), {{"content-md5", "XUFAKrxLKna5cZ2REBfFkg=="}});
  EXPECT_EQ(bad_md5.status, 400);
  EXPECT_EQ(bad_md5.body,
            ErrorXml(S3ErrorCode::kBadDigest, "/bkt/k",
                     "The Content-MD5 you specified did not match what we received."));
  expect_error("not xml", S3ErrorCode::kMalformedXML, 400);
  expect_error(CompleteBody({{2, kMd52, ""}, {1, kMd51, ""}}), S3ErrorCode::kInvalidPartOrder, 400);
  expect_error(CompleteBody({{1, kMd51, ""}, {1, kMd51, ""}}), S3ErrorCode::kInvalidPartOrder, 400);
  expect_error(CompleteBody({{1, kMd52, ""}}), S3ErrorCode::kInvalidPart, 400);
  expect_error(CompleteBody({{1, kMd51, ""}, {4, kMd53, ""}}), S3ErrorCode::kInvalidPart, 400);
  expect_error(CompleteBody({{1, kMd51, ""}, {3, kMd53, ""}, {4, kMd53, ""}}),
               S3ErrorCode::kInvalidPart, 400);
  // Part 3 (2 bytes) is under the minimum when not last.
  Reply p4 = Part("k", id, 4, kPart1);
  ASSERT_EQ(p4.status, 200);
  expect_error(CompleteBody({{1, kMd51, ""}, {3, kMd53, ""}, {4, kMd51, ""}}),
               S3ErrorCode::kEntityTooSmall, 400);
  expect_error(CompleteBody({{1, kMd51, "<ChecksumCRC32>AAAAAA==</ChecksumCRC32>"}}),
               S3ErrorCode::kInvalidPart, 400);
  // Nothing was completed: a subset of the parts still completes.
  Reply done = Complete("k", id, CompleteBody({{1, kMd51, ""}, {2, kMd52, ""}}));
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.body, ResultXml("k", "532314ba8b226d6dba6e884e1c37b1d1-2"));
  EXPECT_EQ(Get("bkt", "k").body, kPart1 + kPart2);

  Reply no_upload = Complete("k", std::string(32, '0'), StandardBody());
  EXPECT_EQ(no_upload.status, 404);
  EXPECT_EQ(no_upload.body, ErrorXml(S3ErrorCode::kNoSuchUpload, "/bkt/k"));
  Reply bad_id = Complete("k", "garbage", StandardBody());
  EXPECT_EQ(bad_id.body, ErrorXml(S3ErrorCode::kNoSuchUpload, "/bkt/k"));
}

TEST_F(S3HandlersMultipartTest, MinimumPartSizeComesFromTheOptions) {
  RebuildHandlers(5ull << 20);
  std::string id = Standard("k");
  Reply small = Complete("k", id, StandardBody());
  EXPECT_EQ(small.status, 400);
  EXPECT_EQ(small.body, ErrorXml(S3ErrorCode::kEntityTooSmall, "/bkt/k"));
  // A single part of any size is its own last part.
  EXPECT_EQ(Complete("k", id, CompleteBody({{3, kMd53, ""}})).status, 200);
}

TEST_F(S3HandlersMultipartTest, CompleteConditions) {
  PutObject("bkt", "k", "old");
  std::string id = Standard("k");
  Reply exists = Complete("k", id, StandardBody(), {{"if-none-match", "*"}});
  EXPECT_EQ(exists.status, 412);
  EXPECT_EQ(exists.body, ErrorXml(S3ErrorCode::kPreconditionFailed, "/bkt/k"));
  Reply wrong = Complete("k", id, StandardBody(), {{"if-match", "\"abc\""}});
  EXPECT_EQ(wrong.status, 412);
  EXPECT_EQ(Get("bkt", "k").body, "old");
  Reply right = Complete("k", id, StandardBody(),
                         {{"if-match", Q("149603e6c03516362a8da23f624db945")}});  // MD5("old").
  EXPECT_EQ(right.status, 200) << right.body;
  EXPECT_EQ(Get("bkt", "k").body, kPart1 + kPart2 + kPart3);
}

TEST_F(S3HandlersMultipartTest, CompositeChecksum) {
  std::string id = Create("k", {{"x-amz-checksum-algorithm", "CRC32"}});
  Reply p1 = Part("k", id, 1, kPart1, {{"x-amz-checksum-crc32", "v4SARg=="}});
  EXPECT_EQ(p1.status, 200) << p1.body;
  EXPECT_EQ(p1.Header("x-amz-checksum-crc32"), "v4SARg==");
  // Without a checksum header the part's CRC32 is computed anyway.
  EXPECT_EQ(Part("k", id, 2, kPart2).Header("x-amz-checksum-crc32"), "YwCGiA==");
  Reply bad = Part("k", id, 3, kPart3, {{"x-amz-checksum-crc32", "AAAAAA=="}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, ErrorXml(S3ErrorCode::kBadDigest, "/bkt/k",
                               "The CRC32 you specified did not match the calculated checksum."));
  Reply other = Part("k", id, 3, kPart3,
                     {{"x-amz-checksum-sha1",
                       ComputeDigests(kPart3, {ChecksumAlgorithm::kSha1}).checksums[0].base64}});
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(other.body, ErrorXml(S3ErrorCode::kInvalidRequest, "/bkt/k",
                                 "Checksum Type mismatch occurred, expected checksum Type: crc32, "
                                 "actual checksum Type: sha1"));
  ASSERT_EQ(Part("k", id, 3, kPart3, {{"x-amz-checksum-crc32", "27IaeQ=="}}).status, 200);

  Reply list = Get("bkt", "k", "uploadId=" + id + "&max-parts=1");
  EXPECT_EQ(list.body,
            std::string(kXmlDecl) + "<ListPartsResult" + std::string(kNs) +
                "><Bucket>bkt</Bucket><Key>k</Key><UploadId>" + id + "</UploadId><Initiator>" +
                kOwnerXml + "</Initiator><Owner>" + kOwnerXml +
                "</Owner><StorageClass>STANDARD</StorageClass><PartNumberMarker>0"
                "</PartNumberMarker><NextPartNumberMarker>1</NextPartNumberMarker><MaxParts>1"
                "</MaxParts><IsTruncated>true</IsTruncated><Part><PartNumber>1</PartNumber>"
                "<LastModified>" +
                kNow + "</LastModified><ETag>" + XQ(kMd51) +
                "</ETag><Size>8</Size><ChecksumCRC32>v4SARg==</ChecksumCRC32></Part>"
                "<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>COMPOSITE"
                "</ChecksumType></ListPartsResult>");

  Reply wrong_whole = Complete(
      "k", id,
      CompleteBody(
          {{1, kMd51, "<ChecksumCRC32>v4SARg==</ChecksumCRC32>"}, {2, kMd52, ""}, {3, kMd53, ""}}),
      {{"x-amz-checksum-crc32", "AAAAAA==-3"}});
  EXPECT_EQ(wrong_whole.status, 400);
  EXPECT_EQ(wrong_whole.body,
            ErrorXml(S3ErrorCode::kBadDigest, "/bkt/k",
                     "The CRC32 you specified did not match the calculated checksum."));
  Reply done = Complete("k", id,
                        CompleteBody({{1, kMd51, "<ChecksumCRC32>v4SARg==</ChecksumCRC32>"},
                                      {2, kMd52, "<ChecksumCRC32>YwCGiA==</ChecksumCRC32>"},
                                      {3, kMd53, ""}}),
                        {{"x-amz-checksum-crc32", "SHq5AA==-3"}});
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.body, ResultXml("k", kEtag3,
                                 "<ChecksumCRC32>SHq5AA==-3</ChecksumCRC32>"
                                 "<ChecksumType>COMPOSITE</ChecksumType>"));
  Reply get = Get("bkt", "k", "", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(get.Header("x-amz-checksum-crc32"), "SHq5AA==-3");
}

TEST_F(S3HandlersMultipartTest, FullObjectChecksum) {
  Reply create = Call({.method = "POST",
                       .bucket = "bkt",
                       .key = "k",
                       .query = "uploads",
                       .headers = {{"x-amz-checksum-algorithm", "crc32c"},
                                   {"x-amz-checksum-type", "FULL_OBJECT"}}});
  EXPECT_EQ(create.Header("x-amz-checksum-algorithm"), "CRC32C");
  EXPECT_EQ(create.Header("x-amz-checksum-type"), "FULL_OBJECT");
  const std::string id = Between(create.body, "<UploadId>", "</UploadId>");
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(Part("k", id, i, i == 1 ? kPart1 : i == 2 ? kPart2 : kPart3).status, 200);
  }
  const std::string whole =
      ComputeDigests(kPart1 + kPart2 + kPart3, {ChecksumAlgorithm::kCrc32c}).checksums[0].base64;
  Reply done = Complete("k", id, StandardBody(), {{"x-amz-checksum-crc32c", whole}});
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.body, ResultXml("k", kEtag3,
                                 "<ChecksumCRC32C>" + whole +
                                     "</ChecksumCRC32C><ChecksumType>FULL_OBJECT</ChecksumType>"));

  // CRC64NVME is FULL_OBJECT by default.
  Reply nvme = Call({.method = "POST",
                     .bucket = "bkt",
                     .key = "n",
                     .query = "uploads",
                     .headers = {{"x-amz-checksum-algorithm", "CRC64NVME"}}});
  EXPECT_EQ(nvme.Header("x-amz-checksum-type"), "FULL_OBJECT");
  const std::string nid = Between(nvme.body, "<UploadId>", "</UploadId>");
  ASSERT_EQ(Part("n", nid, 1, kPart1).status, 200);
  ASSERT_EQ(Part("n", nid, 2, kPart3).status, 200);
  Reply ndone = Complete("n", nid, CompleteBody({{1, kMd51, ""}, {2, kMd53, ""}}));
  const std::string nwhole =
      ComputeDigests(kPart1 + kPart3, {ChecksumAlgorithm::kCrc64Nvme}).checksums[0].base64;
  EXPECT_NE(ndone.body.find("<ChecksumCRC64NVME>" + nwhole + "</ChecksumCRC64NVME>"),
            std::string::npos)
      << ndone.body;
}

TEST_F(S3HandlersMultipartTest, CreateChecksumHeaderErrors) {
  auto create_error = [&](std::vector<S3Header> headers, const std::string& message) {
    Reply r = Call({.method = "POST",
                    .bucket = "bkt",
                    .key = "k",
                    .query = "uploads",
                    .headers = std::move(headers)});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, ErrorXml(S3ErrorCode::kInvalidRequest, "/bkt/k", message));
  };
  create_error({{"x-amz-checksum-algorithm", "MD5"}},
               "Checksum algorithm provided is unsupported. Please try again with any of the "
               "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
  create_error({{"x-amz-checksum-type", "COMPOSITE"}},
               "The x-amz-checksum-type header can only be used with the "
               "x-amz-checksum-algorithm header.");
  create_error({{"x-amz-checksum-algorithm", "SHA1"}, {"x-amz-checksum-type", "FULL_OBJECT"}},
               "The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm.");
  create_error({{"x-amz-checksum-algorithm", "CRC64NVME"}, {"x-amz-checksum-type", "COMPOSITE"}},
               "The COMPOSITE checksum type cannot be used with the crc64nvme checksum "
               "algorithm.");
  create_error({{"x-amz-checksum-algorithm", "CRC32"}, {"x-amz-checksum-type", "X"}},
               "Value for x-amz-checksum-type header is invalid.");
  Reply no_bucket = Call({.method = "POST", .bucket = "nope", .key = "k", .query = "uploads"});
  EXPECT_EQ(no_bucket.status, 404);
  EXPECT_EQ(no_bucket.body, ErrorXml(S3ErrorCode::kNoSuchBucket, "/nope/k"));
}

TEST_F(S3HandlersMultipartTest, UploadPartErrors) {
  std::string id = Create("k");
  Reply bad_number = Part("k", id, 10001, "x");
  EXPECT_EQ(bad_number.status, 400);
  EXPECT_EQ(bad_number.body,
            ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt/k",
                     "Part number must be an integer between 1 and 10000, inclusive"));
  EXPECT_EQ(Part("k", id, 0, "x").status, 400);
  Reply no_upload = Part("k", std::string(32, '0'), 1, "x");
  EXPECT_EQ(no_upload.status, 404);
  EXPECT_EQ(no_upload.body, ErrorXml(S3ErrorCode::kNoSuchUpload, "/bkt/k"));
  Reply other_key = Part("other", id, 1, "x");
  EXPECT_EQ(other_key.body, ErrorXml(S3ErrorCode::kNoSuchUpload, "/bkt/other"));
  Reply no_length =
      Call({.method = "PUT", .bucket = "bkt", .key = "k", .query = "partNumber=1&uploadId=" + id});
  EXPECT_EQ(no_length.status, 411);
  Reply md5 = Part("k", id, 1, "hello", {{"content-md5", "XUFAKrxLKna5cZ2REBfFkg=="}});
  EXPECT_EQ(md5.status, 200);
  Reply bad_md5 = Part("k", id, 1, "hellO", {{"content-md5", "XUFAKrxLKna5cZ2REBfFkg=="}});
  EXPECT_EQ(bad_md5.status, 400);
  EXPECT_NE(bad_md5.body.find("<Code>BadDigest</Code>"), std::string::npos);
  Reply trailer = Call({.method = "PUT",
                        .bucket = "bkt",
                        .key = "k",
                        .query = "partNumber=2&uploadId=" + id,
                        .headers = {{"x-amz-trailer", "x-amz-checksum-crc32"}},
                        .body = "hello",
                        .trailers = {{"x-amz-checksum-crc32", "NhCmhg=="}}});
  EXPECT_EQ(trailer.status, 200) << trailer.body;
  EXPECT_EQ(trailer.Header("x-amz-checksum-crc32"), "NhCmhg==");
}

TEST_F(S3HandlersMultipartTest, UploadPartCopy) {
  PutObject("bkt", "src", "0123456789");
  std::string id = Create("k");
  Reply copy = Call(
      {.method = "PUT",
       .bucket = "bkt",
       .key = "k",
       .query = "partNumber=1&uploadId=" + id,
       .headers = {{"x-amz-copy-source", "/bkt/src"}, {"x-amz-copy-source-range", "bytes=2-9"}}});
  EXPECT_EQ(copy.operation, "UploadPartCopy");
  EXPECT_EQ(copy.status, 200) << copy.body;
  const std::string md5 = HexEncode(Md5("23456789"));
  EXPECT_EQ(copy.body, std::string(kXmlDecl) + "<CopyPartResult" + std::string(kNs) + "><ETag>" +
                           XQ(md5) + "</ETag><LastModified>" + kNow +
                           "</LastModified></CopyPartResult>");
  EXPECT_EQ(copy.Header("x-amz-copy-source-version-id"), "<absent>");
  Reply whole = Call({.method = "PUT",
                      .bucket = "bkt",
                      .key = "k",
                      .query = "partNumber=2&uploadId=" + id,
                      .headers = {{"x-amz-copy-source", "bkt/src"}}});
  EXPECT_EQ(whole.status, 200);
  Reply done =
      Complete("k", id, CompleteBody({{1, md5, ""}, {2, "781e5e245d69b566979b86e28d23f2c7", ""}}));
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Get("bkt", "k").body, "234567890123456789");

  std::string id2 = Create("k2");
  auto copy_error = [&](std::vector<S3Header> headers) {
    return Call({.method = "PUT",
                 .bucket = "bkt",
                 .key = "k2",
                 .query = "partNumber=1&uploadId=" + id2,
                 .headers = std::move(headers)});
  };
  Reply bad_range =
      copy_error({{"x-amz-copy-source", "/bkt/src"}, {"x-amz-copy-source-range", "bytes=5-10"}});
  EXPECT_EQ(bad_range.status, 400);
  EXPECT_EQ(bad_range.body, ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt/k2",
                                     "Range specified is not valid for source object of size: 10"));
  Reply cond =
      copy_error({{"x-amz-copy-source", "/bkt/src"}, {"x-amz-copy-source-if-match", "\"nope\""}});
  EXPECT_EQ(cond.status, 412);
  EXPECT_EQ(cond.body, ErrorXml(S3ErrorCode::kPreconditionFailed, "/bkt/k2"));
  Reply missing = copy_error({{"x-amz-copy-source", "/bkt/none"}});
  EXPECT_EQ(missing.body, ErrorXml(S3ErrorCode::kNoSuchKey, "/bkt/k2"));
}

TEST_F(S3HandlersMultipartTest, AbortAndListUploads) {
  const std::string a = Create("a");
  clock_.Advance(1'000'000);
  const std::string b1 = Create("dir/b");
  const std::string b2 = Create("dir/b");
  auto upload = [](const std::string& key, const std::string& id, const std::string& initiated) {
    return "<Upload><Key>" + key + "</Key><UploadId>" + id + "</UploadId><Initiator>" + kOwnerXml +
           "</Initiator><Owner>" + kOwnerXml +
           "</Owner><StorageClass>STANDARD</StorageClass><Initiated>" + initiated +
           "</Initiated></Upload>";
  };
  const std::string later = "2023-11-14T22:13:21.000Z";
  Reply all = Get("bkt", "", "uploads");
  EXPECT_EQ(all.operation, "ListMultipartUploads");
  EXPECT_EQ(all.body, std::string(kXmlDecl) + "<ListMultipartUploadsResult" + std::string(kNs) +
                          "><Bucket>bkt</Bucket><KeyMarker></KeyMarker><UploadIdMarker>"
                          "</UploadIdMarker><NextKeyMarker></NextKeyMarker><NextUploadIdMarker>"
                          "</NextUploadIdMarker><Prefix></Prefix><MaxUploads>1000</MaxUploads>"
                          "<IsTruncated>false</IsTruncated>" +
                          upload("a", a, kNow) + upload("dir/b", b1, later) +
                          upload("dir/b", b2, later) + "</ListMultipartUploadsResult>");
  Reply grouped = Get("bkt", "", "uploads&delimiter=/");
  EXPECT_EQ(grouped.body,
            std::string(kXmlDecl) + "<ListMultipartUploadsResult" + std::string(kNs) +
                "><Bucket>bkt</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>"
                "<NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker>"
                "<Delimiter>/</Delimiter><Prefix></Prefix><MaxUploads>1000</MaxUploads>"
                "<IsTruncated>false</IsTruncated>" +
                upload("a", a, kNow) +
                "<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>"
                "</ListMultipartUploadsResult>");
  Reply page = Get("bkt", "", "uploads&max-uploads=2");
  EXPECT_NE(page.body.find("<NextKeyMarker>dir/b</NextKeyMarker><NextUploadIdMarker>" + b1 +
                           "</NextUploadIdMarker>"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("<IsTruncated>true</IsTruncated>"), std::string::npos);
  Reply prefixed = Get("bkt", "", "uploads&prefix=dir/");
  EXPECT_EQ(prefixed.body.find("<Key>a</Key>"), std::string::npos);
  EXPECT_NE(prefixed.body.find("<Prefix>dir/</Prefix><MaxUploads>"), std::string::npos);
  EXPECT_NE(prefixed.body.find(upload("dir/b", b1, later) + upload("dir/b", b2, later)),
            std::string::npos);
  Reply rest = Get("bkt", "", "uploads&key-marker=dir/b&upload-id-marker=" + b1);
  EXPECT_NE(rest.body.find(upload("dir/b", b2, later)), std::string::npos) << rest.body;
  EXPECT_EQ(rest.body.find(upload("dir/b", b1, later)), std::string::npos);
  EXPECT_EQ(rest.body.find("<Key>a</Key>"), std::string::npos);

  Reply abort = Call({.method = "DELETE", .bucket = "bkt", .key = "a", .query = "uploadId=" + a});
  EXPECT_EQ(abort.operation, "AbortMultipartUpload");
  EXPECT_EQ(abort.status, 204);
  EXPECT_EQ(abort.body, "");
  Reply again = Call({.method = "DELETE", .bucket = "bkt", .key = "a", .query = "uploadId=" + a});
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.body, ErrorXml(S3ErrorCode::kNoSuchUpload, "/bkt/a"));
  EXPECT_EQ(Get("bkt", "", "uploads").body.find("<Key>a</Key>"), std::string::npos);
  EXPECT_EQ(Part("a", a, 1, "x").status, 404);
}

TEST_F(S3HandlersMultipartTest, ListPartsPages) {
  std::string id = Standard("k");
  Reply page = Get("bkt", "k", "uploadId=" + id + "&part-number-marker=1&max-parts=1");
  EXPECT_EQ(page.operation, "ListParts");
  EXPECT_NE(page.body.find("<PartNumberMarker>1</PartNumberMarker><NextPartNumberMarker>2"
                           "</NextPartNumberMarker><MaxParts>1</MaxParts><IsTruncated>true"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("<PartNumber>2</PartNumber>"), std::string::npos);
  Reply last = Get("bkt", "k", "uploadId=" + id + "&part-number-marker=2");
  EXPECT_NE(last.body.find("<NextPartNumberMarker>3</NextPartNumberMarker><MaxParts>1000"
                           "</MaxParts><IsTruncated>false</IsTruncated><Part><PartNumber>3"),
            std::string::npos)
      << last.body;
  Reply bad = Get("bkt", "k", "uploadId=" + id + "&max-parts=x");
  EXPECT_EQ(bad.body, ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt/k",
                               "Provided max-parts not an integer or within integer range"));
}

TEST_F(S3HandlersMultipartTest, VersionedBucketCompleteShowsVersionId) {
  Reply enable = Call({.method = "PUT",
                       .bucket = "bkt",
                       .query = "versioning",
                       .body = "<VersioningConfiguration><Status>Enabled</Status>"
                               "</VersioningConfiguration>"});
  ASSERT_EQ(enable.status, 200);
  PutObject("bkt", "k", "old");
  std::string id = Standard("k");
  Reply done = Complete("k", id, StandardBody());
  EXPECT_EQ(done.status, 200) << done.body;
  const std::string version = done.Header("x-amz-version-id");
  ASSERT_EQ(version.size(), 32u);
  EXPECT_EQ(Get("bkt", "k", "versionId=" + version).body, kPart1 + kPart2 + kPart3);
  Reply versions = Get("bkt", "", "versions");
  EXPECT_NE(versions.body.find("<VersionId>" + version + "</VersionId><IsLatest>true"),
            std::string::npos);

  // UploadPartCopy from a given version of a versioned source.
  ASSERT_OK_AND_ASSIGN(ObjectInfo latest, store_->Head("bkt", "k", {}));
  ListVersionsQuery query;
  ASSERT_OK_AND_ASSIGN(ListVersionsResult listed, store_->ListVersions("bkt", query));
  ASSERT_EQ(listed.versions.size(), 2u);
  const std::string first = listed.versions[1].info.version.ToText();
  std::string id2 = Create("k2");
  Reply copy = Call({.method = "PUT",
                     .bucket = "bkt",
                     .key = "k2",
                     .query = "partNumber=1&uploadId=" + id2,
                     .headers = {{"x-amz-copy-source", "/bkt/k?versionId=" + first}}});
  EXPECT_EQ(copy.status, 200) << copy.body;
  EXPECT_EQ(copy.Header("x-amz-copy-source-version-id"), first);
  EXPECT_NE(copy.body.find(XQ("149603e6c03516362a8da23f624db945")), std::string::npos);  // "old".
  EXPECT_EQ(latest.version.ToText(), version);
}

}  // namespace
}  // namespace shale::gateway::testing
