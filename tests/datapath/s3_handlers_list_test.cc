// ListObjects v1 and v2.

#include "common/encoding.h"
#include "gateway/query.h"
#include "tests/datapath/s3_handlers_fixture.h"

namespace shale::gateway::testing {
namespace {

constexpr const char* kEtag = "&quot;c4ca4238a0b923820dcc509a6f75849b&quot;";  // MD5("1").

class S3HandlersListTest : public S3HandlersTest {
 protected:
  void SetUp() override {
    CreateBucket("bkt");
    for (const char* key : {"a", "dir/x", "dir/y", "dir/z/1", "e f", "zz"}) {
      PutObject("bkt", key, "1");
    }
  }

  // <Contents> of one object as the tests expect it.
  static std::string Contents(const std::string& key, bool owner) {
    std::string out = "<Contents><Key>" + key +
                      "</Key><LastModified>2023-11-14T22:13:20.000Z</LastModified><ETag>" + kEtag +
                      "</ETag><Size>1</Size>";
    if (owner) out += "<Owner><ID>alice-id</ID><DisplayName>Alice</DisplayName></Owner>";
    return out + "<StorageClass>STANDARD</StorageClass></Contents>";
  }
  static std::string Prefix(const std::string& p) {
    return "<CommonPrefixes><Prefix>" + p + "</Prefix></CommonPrefixes>";
  }
  static std::string Head() {
    return std::string(kXmlDecl) + "<ListBucketResult" + std::string(kNs) + "><Name>bkt</Name>";
  }
};

TEST_F(S3HandlersListTest, V1Everything) {
  Reply r = Get("bkt");
  EXPECT_EQ(r.operation, "ListObjects");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, Head() +
                        "<Prefix></Prefix><Marker></Marker><MaxKeys>1000</MaxKeys>"
                        "<IsTruncated>false</IsTruncated>" +
                        Contents("a", true) + Contents("dir/x", true) + Contents("dir/y", true) +
                        Contents("dir/z/1", true) + Contents("e f", true) + Contents("zz", true) +
                        "</ListBucketResult>");
}

TEST_F(S3HandlersListTest, V1DelimiterPagesWithNextMarker) {
  Reply first = Get("bkt", "", "delimiter=%2F&max-keys=2");
  EXPECT_EQ(first.body, Head() +
                            "<Prefix></Prefix><Marker></Marker><NextMarker>dir/</NextMarker>"
                            "<MaxKeys>2</MaxKeys><Delimiter>/</Delimiter>"
                            "<IsTruncated>true</IsTruncated>" +
                            Contents("a", true) + Prefix("dir/") + "</ListBucketResult>");
  Reply second = Get("bkt", "", "delimiter=%2F&max-keys=2&marker=dir%2F");
  EXPECT_EQ(second.body, Head() +
                             "<Prefix></Prefix><Marker>dir/</Marker><MaxKeys>2</MaxKeys>"
                             "<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>" +
                             Contents("e f", true) + Contents("zz", true) + "</ListBucketResult>");
  // Without a delimiter S3 sends no NextMarker (clients use the last Key).
  Reply plain = Get("bkt", "", "max-keys=1");
  EXPECT_EQ(plain.body, Head() +
                            "<Prefix></Prefix><Marker></Marker><MaxKeys>1</MaxKeys>"
                            "<IsTruncated>true</IsTruncated>" +
                            Contents("a", true) + "</ListBucketResult>");
}

TEST_F(S3HandlersListTest, V1PrefixAndDelimiter) {
  Reply r = Get("bkt", "", "prefix=dir%2F&delimiter=%2F");
  EXPECT_EQ(r.body, Head() +
                        "<Prefix>dir/</Prefix><Marker></Marker><MaxKeys>1000</MaxKeys>"
                        "<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>" +
                        Contents("dir/x", true) + Contents("dir/y", true) + Prefix("dir/z/") +
                        "</ListBucketResult>");
}

TEST_F(S3HandlersListTest, V2PagesWithContinuationTokens) {
  Reply first = Get("bkt", "", "list-type=2&max-keys=3");
  EXPECT_EQ(first.operation, "ListObjectsV2");
  const std::string token = Base64Encode("dir/y");
  EXPECT_EQ(first.body, Head() + "<Prefix></Prefix><NextContinuationToken>" + token +
                            "</NextContinuationToken><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys>"
                            "<IsTruncated>true</IsTruncated>" +
                            Contents("a", false) + Contents("dir/x", false) +
                            Contents("dir/y", false) + "</ListBucketResult>");
  Reply second = Get("bkt", "",
                     "list-type=2&max-keys=3&fetch-owner=true&continuation-token=" +
                         UriEncode(token, UriEncodeMode::kComponent));
  EXPECT_EQ(second.body, Head() + "<Prefix></Prefix><ContinuationToken>" + token +
                             "</ContinuationToken><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys>"
                             "<IsTruncated>false</IsTruncated>" +
                             Contents("dir/z/1", true) + Contents("e f", true) +
                             Contents("zz", true) + "</ListBucketResult>");
}

TEST_F(S3HandlersListTest, V2StartAfterDelimiterAndUrlEncoding) {
  Reply r = Get("bkt", "", "list-type=2&start-after=a&delimiter=%2F&encoding-type=url");
  EXPECT_EQ(r.body, Head() +
                        "<Prefix></Prefix><KeyCount>3</KeyCount><StartAfter>a</StartAfter>"
                        "<MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter>"
                        "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>" +
                        Contents("e%20f", false) + Contents("zz", false) + Prefix("dir/") +
                        "</ListBucketResult>");
}

TEST_F(S3HandlersListTest, MaxKeysZeroAndClamp) {
  Reply zero = Get("bkt", "", "list-type=2&max-keys=0");
  EXPECT_EQ(zero.body, Head() +
                           "<Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>0</MaxKeys>"
                           "<IsTruncated>false</IsTruncated></ListBucketResult>");
  Reply big = Get("bkt", "", "list-type=2&max-keys=5000");
  EXPECT_NE(big.body.find("<MaxKeys>1000</MaxKeys>"), std::string::npos);
}

TEST_F(S3HandlersListTest, Errors) {
  for (const char* query :
       {"max-keys=-1", "max-keys=abc", "max-keys=99999999999", "encoding-type=base64",
        "list-type=2&continuation-token=%21%21", "list-type=2&continuation-token="}) {
    Reply r = Get("bkt", "", query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_NE(r.body.find("<Code>InvalidArgument</Code>"), std::string::npos) << query;
  }
  Reply missing = Get("nobucket", "", "list-type=2");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, ErrorXml(S3ErrorCode::kNoSuchBucket, "/nobucket"));
  Reply denied = Call({.method = "GET", .bucket = "bkt", .query = "list-type=2", .user = &bob_});
  EXPECT_EQ(denied.status, 403);
}

}  // namespace
}  // namespace shale::gateway::testing
