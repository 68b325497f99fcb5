// Versioning through the S3 handlers over the real ClusterStore: Get/PutBucketVersioning,
// x-amz-version-id on writes, GET/HEAD/DELETE ?versionId, delete markers, ListObjectVersions,
// CopyObject from a version, DeleteObjects with versions, tagging of versions.

#include "common/encoding.h"
#include "common/hash.h"
#include "tests/datapath/s3_handlers_fixture.h"

namespace shale::gateway::testing {
namespace {

constexpr const char* kNow = "2023-11-14T22:13:20.000Z";
constexpr const char* kEtagA = "&quot;0cc175b9c0f1b6a831c399e269772661&quot;";   // MD5("a").
constexpr const char* kEtagBb = "&quot;21ad0bd836b90d08f4cf640b4c298e7c&quot;";  // MD5("bb").
constexpr const char* kContentMd5Empty = "1B2M2Y8AsgTpgAmY7PhCfg==";

class S3HandlersVersioningTest : public S3HandlersTest {
 protected:
  void SetUp() override {
    CreateBucket("bkt");
    CreateBucket("plain");
  }

  Reply SetVersioning(const std::string& bucket, const std::string& status) {
    return Call(
        {.method = "PUT",
         .bucket = bucket,
         .query = "versioning",
         .body = "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                 "<Status>" +
                 status + "</Status></VersioningConfiguration>"});
  }

  void Enable() { ASSERT_EQ(SetVersioning("bkt", "Enabled").status, 200); }

  std::string PutVersion(const std::string& key, const std::string& body) {
    Reply r = Put("bkt", key, body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Header("x-amz-version-id");
  }

  static std::string VersioningXml(std::string_view status) {
    std::string out = std::string(kXmlDecl) + "<VersioningConfiguration" + std::string(kNs) + ">";
    if (!status.empty()) out += "<Status>" + std::string(status) + "</Status>";
    return out + "</VersioningConfiguration>";
  }
};

TEST_F(S3HandlersVersioningTest, GetAndPutBucketVersioning) {
  Reply never = Get("bkt", "", "versioning");
  EXPECT_EQ(never.operation, "GetBucketVersioning");
  EXPECT_EQ(never.status, 200);
  EXPECT_EQ(never.body, VersioningXml(""));

  Reply enable = SetVersioning("bkt", "Enabled");
  EXPECT_EQ(enable.operation, "PutBucketVersioning");
  EXPECT_EQ(enable.status, 200);
  EXPECT_EQ(enable.body, "");
  EXPECT_EQ(Get("bkt", "", "versioning").body, VersioningXml("Enabled"));
  EXPECT_EQ(SetVersioning("bkt", "Suspended").status, 200);
  EXPECT_EQ(Get("bkt", "", "versioning").body, VersioningXml("Suspended"));
  ASSERT_OK_AND_ASSIGN(BucketInfo info, store_->GetBucket("bkt"));
  EXPECT_EQ(info.versioning, BucketVersioning::kSuspended);
}

TEST_F(S3HandlersVersioningTest, PutBucketVersioningErrors) {
  Reply bad = SetVersioning("bkt", "On");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, ErrorXml(S3ErrorCode::kIllegalVersioningConfigurationException, "/bkt"));
  Reply malformed = Call({.method = "PUT", .bucket = "bkt", .query = "versioning", .body = "<x"});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body, ErrorXml(S3ErrorCode::kMalformedXML, "/bkt"));
  Reply mfa = Call({.method = "PUT",
                    .bucket = "bkt",
                    .query = "versioning",
                    .body = "<VersioningConfiguration><Status>Enabled</Status>"
                            "<MfaDelete>Enabled</MfaDelete></VersioningConfiguration>"});
  EXPECT_EQ(mfa.status, 501);
  EXPECT_EQ(mfa.body,
            ErrorXml(S3ErrorCode::kNotImplemented, "/bkt", "MFA Delete is not supported"));
  Reply bad_md5 = Call({.method = "PUT",
                        .bucket = "bkt",
                        .query = "versioning",
                        .headers = {{"content-md5", kContentMd5Empty}},
                        .body = "<VersioningConfiguration/>"});
  EXPECT_EQ(bad_md5.status, 400);
  EXPECT_NE(bad_md5.body.find("<Code>BadDigest</Code>"), std::string::npos);
  Reply other = Call({.method = "PUT",
                      .bucket = "bkt",
                      .query = "versioning",
                      .body = "<VersioningConfiguration><Status>Enabled</Status>"
                              "</VersioningConfiguration>",
                      .user = &bob_});
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(Get("bkt", "", "versioning").body, VersioningXml(""));
}

TEST_F(S3HandlersVersioningTest, UnversionedBucketShowsNoVersionHeaders) {
  Reply put = Put("plain", "k", "a");
  EXPECT_EQ(put.Header("x-amz-version-id"), "<absent>");
  EXPECT_EQ(Get("plain", "k").Header("x-amz-version-id"), "<absent>");
  EXPECT_EQ(Get("plain", "k", "versionId=null").body, "a");
  Reply del = Call({.method = "DELETE", .bucket = "plain", .key = "k"});
  EXPECT_EQ(del.status, 204);
  EXPECT_TRUE(del.headers.empty());
  Reply gone = Get("plain", "k");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.Header("x-amz-delete-marker"), "<absent>");
  EXPECT_EQ(gone.body, ErrorXml(S3ErrorCode::kNoSuchKey, "/plain/k"));
}

TEST_F(S3HandlersVersioningTest, VersionsAndDeleteMarkers) {
  Enable();
  const std::string v1 = PutVersion("k", "a");
  clock_.Advance(1'000'000);
  const std::string v2 = PutVersion("k", "bb");
  ASSERT_EQ(v1.size(), 32u);
  ASSERT_EQ(v2.size(), 32u);
  EXPECT_NE(v1, v2);

  Reply latest = Get("bkt", "k");
  EXPECT_EQ(latest.body, "bb");
  EXPECT_EQ(latest.Header("x-amz-version-id"), v2);
  Reply old = Get("bkt", "k", "versionId=" + v1);
  EXPECT_EQ(old.status, 200);
  EXPECT_EQ(old.body, "a");
  EXPECT_EQ(old.Header("x-amz-version-id"), v1);
  Reply head_old =
      Call({.method = "HEAD", .bucket = "bkt", .key = "k", .query = "versionId=" + v1});
  EXPECT_EQ(head_old.status, 200);
  EXPECT_EQ(head_old.declared_length, 1u);

  Reply del = Call({.method = "DELETE", .bucket = "bkt", .key = "k"});
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(del.Header("x-amz-delete-marker"), "true");
  const std::string marker = del.Header("x-amz-version-id");
  ASSERT_EQ(marker.size(), 32u);

  Reply gone = Get("bkt", "k");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, ErrorXml(S3ErrorCode::kNoSuchKey, "/bkt/k"));
  EXPECT_EQ(gone.Header("x-amz-delete-marker"), "true");
  EXPECT_EQ(gone.Header("x-amz-version-id"), marker);
  Reply head_gone = Call({.method = "HEAD", .bucket = "bkt", .key = "k"});
  EXPECT_EQ(head_gone.status, 404);
  EXPECT_EQ(head_gone.Header("x-amz-delete-marker"), "true");

  Reply at_marker = Get("bkt", "k", "versionId=" + marker);
  EXPECT_EQ(at_marker.status, 405);
  EXPECT_EQ(at_marker.body, ErrorXml(S3ErrorCode::kMethodNotAllowed, "/bkt/k"));
  EXPECT_EQ(at_marker.Header("x-amz-delete-marker"), "true");
  EXPECT_EQ(at_marker.Header("x-amz-version-id"), marker);
  EXPECT_EQ(at_marker.Header("Allow"), "DELETE");
  Reply head_marker =
      Call({.method = "HEAD", .bucket = "bkt", .key = "k", .query = "versionId=" + marker});
  EXPECT_EQ(head_marker.status, 405);
  EXPECT_EQ(head_marker.Header("x-amz-delete-marker"), "true");
  EXPECT_EQ(Get("bkt", "k", "versionId=" + v2).body, "bb");

  // Removing the marker brings v2 back.
  Reply del_marker =
      Call({.method = "DELETE", .bucket = "bkt", .key = "k", .query = "versionId=" + marker});
  EXPECT_EQ(del_marker.status, 204);
  EXPECT_EQ(del_marker.Header("x-amz-delete-marker"), "true");
  EXPECT_EQ(del_marker.Header("x-amz-version-id"), marker);
  EXPECT_EQ(Get("bkt", "k").body, "bb");

  Reply del_v2 =
      Call({.method = "DELETE", .bucket = "bkt", .key = "k", .query = "versionId=" + v2});
  EXPECT_EQ(del_v2.status, 204);
  EXPECT_EQ(del_v2.Header("x-amz-delete-marker"), "<absent>");
  EXPECT_EQ(del_v2.Header("x-amz-version-id"), v2);
  EXPECT_EQ(Get("bkt", "k").body, "a");
  Reply purged = Get("bkt", "k", "versionId=" + v2);
  EXPECT_EQ(purged.status, 404);
  EXPECT_EQ(purged.body, ErrorXml(S3ErrorCode::kNoSuchVersion, "/bkt/k"));
}

TEST_F(S3HandlersVersioningTest, VersionIdErrors) {
  Enable();
  PutVersion("k", "a");
  Reply malformed = Get("bkt", "k", "versionId=zz");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body,
            ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt/k", "Invalid version id specified"));
  Reply del_malformed =
      Call({.method = "DELETE", .bucket = "bkt", .key = "k", .query = "versionId=1"});
  EXPECT_EQ(del_malformed.status, 400);
  EXPECT_EQ(del_malformed.body,
            ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt/k", "Invalid version id specified"));
  Reply unknown = Get("bkt", "k", "versionId=" + std::string(32, '0'));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, ErrorXml(S3ErrorCode::kNoSuchVersion, "/bkt/k"));
  // A delete of a version that does not exist succeeds, as in S3.
  Reply del_unknown = Call({.method = "DELETE",
                            .bucket = "bkt",
                            .key = "k",
                            .query = "versionId=" + std::string(32, '0')});
  EXPECT_EQ(del_unknown.status, 204);
  EXPECT_EQ(Get("bkt", "k").body, "a");
}

TEST_F(S3HandlersVersioningTest, SuspendedBucketWritesNullVersions) {
  Enable();
  const std::string v1 = PutVersion("k", "a");
  ASSERT_EQ(SetVersioning("bkt", "Suspended").status, 200);
  EXPECT_EQ(PutVersion("k", "bb"), "null");
  EXPECT_EQ(Get("bkt", "k", "versionId=null").body, "bb");
  EXPECT_EQ(Get("bkt", "k", "versionId=" + v1).body, "a");
  Reply del = Call({.method = "DELETE", .bucket = "bkt", .key = "k"});
  EXPECT_EQ(del.Header("x-amz-delete-marker"), "true");
  EXPECT_EQ(del.Header("x-amz-version-id"), "null");
  // The null marker replaced the null version "bb"; v1 stays.
  EXPECT_EQ(Get("bkt", "k", "versionId=null").status, 405);
  EXPECT_EQ(Get("bkt", "k", "versionId=" + v1).body, "a");
}

TEST_F(S3HandlersVersioningTest, ListObjectVersions) {
  Enable();
  const std::string a1 = PutVersion("a", "a");
  clock_.Advance(1'000'000);
  const std::string a2 = PutVersion("a", "bb");
  Reply del = Call({.method = "DELETE", .bucket = "bkt", .key = "b"});
  const std::string marker = del.Header("x-amz-version-id");
  PutVersion("dir/c", "a");

  auto version = [](const std::string& key, const std::string& id, bool latest,
                    const std::string& modified, const std::string& etag, int size) {
    return "<Version><Key>" + key + "</Key><VersionId>" + id + "</VersionId><IsLatest>" +
           (latest ? "true" : "false") + "</IsLatest><LastModified>" + modified +
           "</LastModified><ETag>" + etag + "</ETag><Size>" + std::to_string(size) +
           "</Size><StorageClass>STANDARD</StorageClass><Owner><ID>alice-id</ID>"
           "<DisplayName>Alice</DisplayName></Owner></Version>";
  };
  const std::string later = "2023-11-14T22:13:21.000Z";
  Reply all = Get("bkt", "", "versions&delimiter=/");
  EXPECT_EQ(all.operation, "ListObjectVersions");
  EXPECT_EQ(all.status, 200);
  EXPECT_EQ(all.body,
            std::string(kXmlDecl) + "<ListVersionsResult" + std::string(kNs) +
                "><Name>bkt</Name><Prefix></Prefix><KeyMarker></KeyMarker>"
                "<VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys>"
                "<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>" +
                version("a", a2, true, later, kEtagBb, 2) +
                version("a", a1, false, kNow, kEtagA, 1) + "<DeleteMarker><Key>b</Key><VersionId>" +
                marker + "</VersionId><IsLatest>true</IsLatest><LastModified>" + later +
                "</LastModified><Owner><ID>alice-id</ID><DisplayName>Alice</DisplayName></Owner>"
                "</DeleteMarker><CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>"
                "</ListVersionsResult>");

  Reply page = Get("bkt", "", "versions&max-keys=1");
  EXPECT_EQ(page.body, std::string(kXmlDecl) + "<ListVersionsResult" + std::string(kNs) +
                           "><Name>bkt</Name><Prefix></Prefix><KeyMarker></KeyMarker>"
                           "<VersionIdMarker></VersionIdMarker><NextKeyMarker>a</NextKeyMarker>"
                           "<NextVersionIdMarker>" +
                           a2 +
                           "</NextVersionIdMarker><MaxKeys>1</MaxKeys>"
                           "<IsTruncated>true</IsTruncated>" +
                           version("a", a2, true, later, kEtagBb, 2) + "</ListVersionsResult>");
  Reply next = Get("bkt", "", "versions&max-keys=1&key-marker=a&version-id-marker=" + a2);
  EXPECT_NE(next.body.find("<VersionId>" + a1 + "</VersionId>"), std::string::npos) << next.body;
  EXPECT_NE(next.body.find("<VersionIdMarker>" + a2 + "</VersionIdMarker>"), std::string::npos);

  Reply encoded = Get("bkt", "", "versions&prefix=dir/&encoding-type=url");
  EXPECT_NE(encoded.body.find("<Prefix>dir/</Prefix>"), std::string::npos);
  EXPECT_NE(encoded.body.find("<EncodingType>url</EncodingType>"), std::string::npos);
  EXPECT_NE(encoded.body.find("<Key>dir/c</Key>"), std::string::npos);

  Reply plain = Get("plain", "", "versions");
  EXPECT_EQ(plain.status, 200);
  PutObject("plain", "x", "a");
  EXPECT_NE(Get("plain", "", "versions").body.find("<VersionId>null</VersionId>"),
            std::string::npos);
}

TEST_F(S3HandlersVersioningTest, ListObjectVersionsErrors) {
  Reply no_key_marker = Get("bkt", "", "versions&version-id-marker=" + std::string(32, '0'));
  EXPECT_EQ(no_key_marker.status, 400);
  EXPECT_EQ(no_key_marker.body,
            ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt",
                     "A version-id marker cannot be specified without a key marker."));
  Reply bad_marker = Get("bkt", "", "versions&key-marker=a&version-id-marker=zz");
  EXPECT_EQ(bad_marker.body,
            ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt", "Invalid version id specified"));
  Reply bad_max = Get("bkt", "", "versions&max-keys=-1");
  EXPECT_EQ(bad_max.body, ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt",
                                   "Provided max-keys not an integer or within integer range"));
  Reply bad_encoding = Get("bkt", "", "versions&encoding-type=xml");
  EXPECT_EQ(bad_encoding.body, ErrorXml(S3ErrorCode::kInvalidArgument, "/bkt",
                                        "Invalid Encoding Method specified in Request"));
  EXPECT_EQ(Get("nope", "", "versions").status, 404);
}

TEST_F(S3HandlersVersioningTest, CopyFromVersion) {
  Enable();
  const std::string v1 = PutVersion("src", "a");
  PutVersion("src", "bb");
  Reply copy = Put("bkt", "dst", "", {{"x-amz-copy-source", "/bkt/src?versionId=" + v1}});
  EXPECT_EQ(copy.operation, "CopyObject");
  EXPECT_EQ(copy.status, 200) << copy.body;
  EXPECT_EQ(copy.Header("x-amz-copy-source-version-id"), v1);
  const std::string dst = copy.Header("x-amz-version-id");
  EXPECT_EQ(dst.size(), 32u);
  EXPECT_EQ(Get("bkt", "dst").body, "a");
  EXPECT_EQ(Get("bkt", "dst", "versionId=" + dst).body, "a");
  // The latest source without a versionId; an unversioned destination shows no version id.
  Reply to_plain = Put("plain", "dst", "", {{"x-amz-copy-source", "/bkt/src"}});
  EXPECT_EQ(to_plain.status, 200);
  EXPECT_EQ(to_plain.Header("x-amz-version-id"), "<absent>");
  EXPECT_EQ(Get("plain", "dst").body, "bb");

  Reply marker = Call({.method = "DELETE", .bucket = "bkt", .key = "src"});
  const std::string marker_id = marker.Header("x-amz-version-id");
  Reply from_marker =
      Put("bkt", "dst2", "", {{"x-amz-copy-source", "/bkt/src?versionId=" + marker_id}});
  EXPECT_EQ(from_marker.status, 400);
  EXPECT_EQ(from_marker.body,
            ErrorXml(S3ErrorCode::kInvalidRequest, "/bkt/dst2",
                     "The source of a copy request may not specifically refer to a delete "
                     "marker by version id."));
  Reply deleted = Put("bkt", "dst2", "", {{"x-amz-copy-source", "/bkt/src"}});
  EXPECT_EQ(deleted.status, 404);
  EXPECT_EQ(deleted.body, ErrorXml(S3ErrorCode::kNoSuchKey, "/bkt/dst2"));
  Reply unknown =
      Put("bkt", "dst2", "", {{"x-amz-copy-source", "/bkt/src?versionId=" + std::string(32, '0')}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, ErrorXml(S3ErrorCode::kNoSuchVersion, "/bkt/dst2"));
}

TEST_F(S3HandlersVersioningTest, DeleteObjectsWithVersions) {
  Enable();
  const std::string v1 = PutVersion("k", "a");
  PutVersion("k", "bb");
  const std::string body = "<Delete><Object><Key>k</Key><VersionId>" + v1 +
                           "</VersionId></Object><Object><Key>k</Key></Object>"
                           "<Object><Key>k</Key><VersionId>bad</VersionId></Object></Delete>";
  Reply r = Call({.method = "POST",
                  .bucket = "bkt",
                  .query = "delete",
                  .headers = {{"content-md5", Base64Encode(Md5(body))}},
                  .body = body});
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_OK_AND_ASSIGN(ObjectInfo marker,
                       store_->Head("bkt", "k", {}, HeadOptions{.delete_markers = true}));
  ASSERT_TRUE(marker.delete_marker);
  EXPECT_EQ(r.body, std::string(kXmlDecl) + "<DeleteResult" + std::string(kNs) +
                        "><Deleted><Key>k</Key><VersionId>" + v1 +
                        "</VersionId></Deleted><Deleted><Key>k</Key><DeleteMarker>true"
                        "</DeleteMarker><DeleteMarkerVersionId>" +
                        marker.version.ToText() +
                        "</DeleteMarkerVersionId></Deleted><Error><Key>k</Key><VersionId>bad"
                        "</VersionId><Code>NoSuchVersion</Code><Message>Invalid version id "
                        "specified</Message></Error></DeleteResult>");
  // Deleting the marker by version id reports it as a marker.
  const std::string body2 = "<Delete><Object><Key>k</Key><VersionId>" + marker.version.ToText() +
                            "</VersionId></Object></Delete>";
  Reply r2 = Call({.method = "POST",
                   .bucket = "bkt",
                   .query = "delete",
                   .headers = {{"content-md5", Base64Encode(Md5(body2))}},
                   .body = body2});
  EXPECT_EQ(r2.body, std::string(kXmlDecl) + "<DeleteResult" + std::string(kNs) +
                         "><Deleted><Key>k</Key><VersionId>" + marker.version.ToText() +
                         "</VersionId><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>" +
                         marker.version.ToText() +
                         "</DeleteMarkerVersionId></Deleted>"
                         "</DeleteResult>");
  EXPECT_EQ(Get("bkt", "k").body, "bb");
}

TEST_F(S3HandlersVersioningTest, TaggingOfVersions) {
  Enable();
  const std::string v1 = PutVersion("k", "a");
  const std::string v2 = PutVersion("k", "bb");
  const std::string tags =
      "<Tagging><TagSet><Tag><Key>t</Key><Value>v</Value></Tag></TagSet></Tagging>";
  Reply put_latest = Call({.method = "PUT",
                           .bucket = "bkt",
                           .key = "k",
                           .query = "tagging&versionId=" + v2,
                           .body = tags});
  EXPECT_EQ(put_latest.status, 200) << put_latest.body;
  EXPECT_EQ(put_latest.Header("x-amz-version-id"), v2);
  Reply get_latest = Get("bkt", "k", "tagging");
  EXPECT_NE(get_latest.body.find("<Key>t</Key>"), std::string::npos);
  EXPECT_EQ(get_latest.Header("x-amz-version-id"), v2);
  Reply get_old = Get("bkt", "k", "tagging&versionId=" + v1);
  EXPECT_EQ(get_old.status, 200);
  EXPECT_EQ(get_old.body.find("<Key>t</Key>"), std::string::npos);
  EXPECT_EQ(get_old.Header("x-amz-version-id"), v1);
  Reply put_old = Call({.method = "PUT",
                        .bucket = "bkt",
                        .key = "k",
                        .query = "tagging&versionId=" + v1,
                        .body = tags});
  EXPECT_EQ(put_old.status, 501);
  EXPECT_EQ(put_old.body, ErrorXml(S3ErrorCode::kNotImplemented, "/bkt/k",
                                   "Changing the tags of a noncurrent version is not implemented"));
  Reply del_old =
      Call({.method = "DELETE", .bucket = "bkt", .key = "k", .query = "tagging&versionId=" + v1});
  EXPECT_EQ(del_old.status, 501);
  Reply unknown = Get("bkt", "k", "tagging&versionId=" + std::string(32, '0'));
  EXPECT_EQ(unknown.body, ErrorXml(S3ErrorCode::kNoSuchVersion, "/bkt/k"));
}

}  // namespace
}  // namespace shale::gateway::testing
