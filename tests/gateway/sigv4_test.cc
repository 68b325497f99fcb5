#include "gateway/sigv4.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/encoding.h"
#include "gateway/query.h"
#include "gateway/s3_error.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

using ::shale::testing::StatusIs;

S3ErrorCode CodeOf(const Status& s) { return S3ErrorFromStatus(s).code; }

// ---------------------------------------------------------------------------------------------
// AWS's aws-sig-v4-test-suite (awslabs/aws-c-auth tests/aws-signing-test-suite/v4): access key
// AKIDEXAMPLE, service "service", 20150830T123600Z. Each vector checks all three stages.
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSuiteDate = "20150830T123600Z";

struct SuiteVector {
  const char* name;
  const char* method;
  const char* raw_path;
  const char* raw_query;
  std::vector<HeaderField> headers;
  std::vector<std::string> signed_headers;
  const char* payload_hash;
  const char* canonical_request;
  const char* string_to_sign_hash;  // Last line of the string to sign.
  const char* signature;
};

const std::vector<HeaderField> kVanillaHeaders = {{"Host", "example.amazonaws.com"},
                                                  {"X-Amz-Date", "20150830T123600Z"}};
const std::vector<std::string> kVanillaSigned = {"host", "x-amz-date"};
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kFormHash =
    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";

const std::vector<SuiteVector>& HeaderVectors() {
  static const std::vector<SuiteVector> v = {
      {"get-vanilla", "GET", "/", "", kVanillaHeaders, kVanillaSigned, kEmpty,
       "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1",
       kVanillaHeaders, kVanillaSigned, kEmpty,
       "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-unreserved", "GET", "/",
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       kVanillaHeaders, kVanillaSigned, kEmpty, nullptr,
       "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query", "GET", "/", "%E1%88%B4=bar", kVanillaHeaders, kVanillaSigned,
       kEmpty,
       "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       "",
       {{"Host", "example.amazonaws.com"},
        {"My-Header1", "value2"},
        {"My-Header1", "value2"},
        {"My-Header1", "value1"},
        {"X-Amz-Date", "20150830T123600Z"}},
       {"host", "my-header1", "x-amz-date"},
       kEmpty,
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-order",
       "GET",
       "/",
       "",
       {{"Host", "example.amazonaws.com"},
        {"My-Header1", "value4"},
        {"My-Header1", "value1"},
        {"My-Header1", "value3"},
        {"My-Header1", "value2"},
        {"X-Amz-Date", "20150830T123600Z"}},
       {"host", "my-header1", "x-amz-date"},
       kEmpty,
       nullptr,
       "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-value-trim",
       "GET",
       "/",
       "",
       {{"Host", "example.amazonaws.com"},
        {"My-Header1", " value1"},
        {"My-Header2", " \"a   b   c\""},
        {"X-Amz-Date", "20150830T123600Z"}},
       {"host", "my-header1", "my-header2", "x-amz-date"},
       kEmpty,
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-unreserved", "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", kVanillaHeaders,
       kVanillaSigned, kEmpty, nullptr,
       "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8", "GET", "/%E1%88%B4", "", kVanillaHeaders, kVanillaSigned, kEmpty,
       "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      // S3 does not normalize: the suite's *-unnormalized variants are S3's behaviour.
      {"get-space-unnormalized", "GET", "/example%20space/", "", kVanillaHeaders, kVanillaSigned,
       kEmpty,
       "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-slashes-unnormalized", "GET", "//example//", "", kVanillaHeaders, kVanillaSigned,
       kEmpty, nullptr, "528ec3105ee1f34ab014bb0a1a45da0ed2742a4fea3555149e5b4d5d201eb240",
       "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"},
      {"get-relative-unnormalized", "GET", "/example/..", "", kVanillaHeaders, kVanillaSigned,
       kEmpty, nullptr, "0511f456aa502b456d135fcb9d749374a55228f9dbeedda1eacf659e05b0615b",
       "eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282"},
      {"post-vanilla", "POST", "/", "", kVanillaHeaders, kVanillaSigned, kEmpty, nullptr,
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query", "POST", "/", "Param1=value1", kVanillaHeaders, kVanillaSigned, kEmpty,
       nullptr, "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-header-key-sort",
       "POST",
       "/",
       "",
       {{"Host", "example.amazonaws.com"},
        {"My-Header1", "value1"},
        {"X-Amz-Date", "20150830T123600Z"}},
       {"host", "my-header1", "x-amz-date"},
       kEmpty,
       nullptr,
       "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       "",
       {{"Content-Type", "application/x-www-form-urlencoded"},
        {"Host", "example.amazonaws.com"},
        {"Content-Length", "13"},
        {"X-Amz-Date", "20150830T123600Z"},
        {"X-Amz-Content-Sha256", kFormHash}},
       {"content-length", "content-type", "host", "x-amz-content-sha256", "x-amz-date"},
       kFormHash,
       nullptr,
       "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
       "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"},
      {"post-x-www-form-urlencoded-parameters",
       "POST",
       "/",
       "",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"Host", "example.amazonaws.com"},
        {"Content-Length", "13"},
        {"X-Amz-Date", "20150830T123600Z"},
        {"X-Amz-Content-Sha256", kFormHash}},
       {"content-length", "content-type", "host", "x-amz-content-sha256", "x-amz-date"},
       kFormHash,
       nullptr,
       "a89f1a5b53e37702ee6363ce1da3ce8f54386f3c8f352ae652153c2982a0bc4d",
       "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422"},
  };
  return v;
}

SigV4Auth SuiteAuth(SigV4Auth::Kind kind, std::vector<std::string> signed_headers,
                    std::string signature) {
  SigV4Auth auth;
  auth.kind = kind;
  auth.scope = {"AKIDEXAMPLE", "20150830", "us-east-1", "service"};
  auth.signed_headers = std::move(signed_headers);
  auth.signature = std::move(signature);
  auth.amz_date = std::string(kSuiteDate);
  return auth;
}

void CheckVector(const SuiteVector& v, SigV4Auth::Kind kind) {
  SCOPED_TRACE(v.name);
  SigV4Request req{v.method, v.raw_path, v.raw_query, v.headers};
  SigV4Auth auth = SuiteAuth(kind, v.signed_headers, v.signature);
  ASSERT_OK_AND_ASSIGN(std::string creq, BuildCanonicalRequest(req, auth, v.payload_hash));
  if (v.canonical_request != nullptr) {
    EXPECT_EQ(creq, v.canonical_request);
  }
  std::string sts = BuildStringToSign(kSuiteDate, auth.scope, creq);
  EXPECT_EQ(sts, std::string("AWS4-HMAC-SHA256\n20150830T123600Z\n"
                             "20150830/us-east-1/service/aws4_request\n") +
                     v.string_to_sign_hash);
  EXPECT_EQ(SignString(DeriveSigningKey(kSuiteSecret, auth.scope), sts), v.signature);
  EXPECT_OK(VerifyRequestSignature(req, auth, kSuiteSecret, v.payload_hash));
  auth.signature[10] = auth.signature[10] == '0' ? '1' : '0';
  EXPECT_EQ(CodeOf(VerifyRequestSignature(req, auth, kSuiteSecret, v.payload_hash).status()),
            S3ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4SuiteTest, HeaderForm) {
  for (const auto& v : HeaderVectors()) CheckVector(v, SigV4Auth::Kind::kHeader);
}

TEST(SigV4SuiteTest, PresignedFormExcludesSignatureParameter) {
  const std::vector<HeaderField> host = {{"Host", "example.amazonaws.com"}};
  const std::string cred =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2F"
      "service%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600";
  std::string q1 = cred + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" +
                   "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d";
  std::string q2 =
      "Param2=value2&Param1=value1&" + cred + "&X-Amz-SignedHeaders=host" +
      "&X-Amz-Signature=86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5";
  std::string q3 =
      cred + "&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost" +
      "&X-Amz-Signature=89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9";
  const std::vector<SuiteVector> vectors = {
      {"get-vanilla",
       "GET",
       "/",
       q1.c_str(),
       host,
       {"host"},
       kEmpty,
       "GET\n/\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2F"
       "us-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&"
       "X-Amz-SignedHeaders=host\nhost:example.amazonaws.com\n\nhost\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "bb7705b4aa3cb8e8f5e1e0b3d4c0b64030797a313c8ceee43e33117cc43eadc5",
       "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/",
       q2.c_str(),
       host,
       {"host"},
       kEmpty,
       nullptr,
       "b82878ecb2ab7ad194b9fe79b2946c2a36ee1627a219408089b2d774c1a0cedb",
       "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5"},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       q3.c_str(),
       {{"Content-Type", "application/x-www-form-urlencoded"},
        {"Host", "example.amazonaws.com"},
        {"Content-Length", "13"}},
       {"content-length", "content-type", "host"},
       kFormHash,
       nullptr,
       "ee5059a7c437165a28d0e775e6498be428761255d657d8c04cb1baa41de6514c",
       "89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9"},
  };
  for (const auto& v : vectors) CheckVector(v, SigV4Auth::Kind::kPresigned);
}

// ---------------------------------------------------------------------------------------------
// The S3 API reference's worked examples (AKIAIOSFODNN7EXAMPLE, 20130524T000000Z, us-east-1).
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr int64_t kS3Time = 1369353600;  // 2013-05-24T00:00:00Z

std::string S3Authorization(std::string_view signed_headers, std::string_view signature) {
  return std::string(
             "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
             "aws4_request,SignedHeaders=") +
         std::string(signed_headers) + ",Signature=" + std::string(signature);
}

// Parses the request's credentials and verifies them as the server will.
Status VerifyS3(const SigV4Request& req, std::string_view payload_hash, int64_t now) {
  SHALE_ASSIGN_OR_RETURN(std::vector<QueryParam> params, ParseQuery(req.raw_query));
  SHALE_ASSIGN_OR_RETURN(std::optional<SigV4Auth> auth, ParseRequestAuth(req, params));
  if (!auth) return Status::InvalidArgument("anonymous");
  SHALE_RETURN_IF_ERROR(CheckRequestTime(*auth, now));
  if (auth->kind == SigV4Auth::Kind::kHeader) {
    SHALE_RETURN_IF_ERROR(CheckSignedHeadersCover(req, *auth));
  }
  return VerifyRequestSignature(req, *auth, kS3Secret, payload_hash).status();
}

TEST(SigV4S3ExamplesTest, GetObject) {
  std::string authz =
      S3Authorization("host;range;x-amz-content-sha256;x-amz-date",
                      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  std::vector<HeaderField> headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                                      {"Authorization", authz},
                                      {"Range", "bytes=0-9"},
                                      {"x-amz-content-sha256", kEmpty},
                                      {"x-amz-date", "20130524T000000Z"}};
  SigV4Request req{"GET", "/test.txt", "", headers};
  EXPECT_OK(VerifyS3(req, kEmpty, kS3Time));
  // The same request fifteen minutes later still passes; a second more does not.
  EXPECT_OK(VerifyS3(req, kEmpty, kS3Time + 900));
  EXPECT_EQ(CodeOf(VerifyS3(req, kEmpty, kS3Time + 901)), S3ErrorCode::kRequestTimeTooSkewed);
  EXPECT_EQ(CodeOf(VerifyS3(req, kEmpty, kS3Time - 901)), S3ErrorCode::kRequestTimeTooSkewed);
  // Any change to a signed part breaks it.
  headers[2].value = "bytes=0-10";
  EXPECT_EQ(CodeOf(VerifyS3(req, kEmpty, kS3Time)), S3ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4S3ExamplesTest, PutObjectWithEncodedPath) {
  constexpr std::string_view kBodyHash =
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  std::string authz =
      S3Authorization("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  std::vector<HeaderField> headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                                      {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                      {"Authorization", authz},
                                      {"x-amz-date", "20130524T000000Z"},
                                      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                                      {"x-amz-content-sha256", kBodyHash}};
  // '$' sent raw or percent-encoded canonicalizes to the same "/test%24file.text".
  for (std::string_view path : {"/test$file.text", "/test%24file.text"}) {
    SigV4Request req{"PUT", path, "", headers};
    EXPECT_OK(VerifyS3(req, kBodyHash, kS3Time)) << path;
  }
  EXPECT_EQ(kBodyHash, HexEncode(Sha256(std::string_view("Welcome to Amazon S3."))));
}

TEST(SigV4S3ExamplesTest, GetBucketLifecycleAndListObjects) {
  std::vector<HeaderField> headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                                      {"Authorization", ""},
                                      {"x-amz-content-sha256", kEmpty},
                                      {"x-amz-date", "20130524T000000Z"}};
  std::string lifecycle =
      S3Authorization("host;x-amz-content-sha256;x-amz-date",
                      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  headers[1].value = lifecycle;
  EXPECT_OK(VerifyS3({"GET", "/", "lifecycle", headers}, kEmpty, kS3Time));
  std::string list =
      S3Authorization("host;x-amz-content-sha256;x-amz-date",
                      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  headers[1].value = list;
  EXPECT_OK(VerifyS3({"GET", "/", "max-keys=2&prefix=J", headers}, kEmpty, kS3Time));
  // Parameter order on the wire does not matter.
  EXPECT_OK(VerifyS3({"GET", "/", "prefix=J&max-keys=2", headers}, kEmpty, kS3Time));
}

TEST(SigV4S3ExamplesTest, PresignedUrl) {
  const std::string query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
      "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  std::vector<HeaderField> headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  SigV4Request req{"GET", "/test.txt", query, headers};
  EXPECT_OK(VerifyS3(req, kUnsignedPayload, kS3Time));
  EXPECT_OK(VerifyS3(req, kUnsignedPayload, kS3Time + 86400));
  Status expired = VerifyS3(req, kUnsignedPayload, kS3Time + 86401);
  EXPECT_EQ(CodeOf(expired), S3ErrorCode::kRequestExpired);
  EXPECT_EQ(S3ErrorFromStatus(expired).message, "Request has expired");
  EXPECT_EQ(GetS3ErrorInfo(S3ErrorCode::kRequestExpired).code, "AccessDenied");
  EXPECT_EQ(CodeOf(VerifyS3(req, kUnsignedPayload, kS3Time - 901)),
            S3ErrorCode::kRequestTimeTooSkewed);
  SigV4Request other{"GET", "/test2.txt", query, headers};
  EXPECT_EQ(CodeOf(VerifyS3(other, kUnsignedPayload, kS3Time)),
            S3ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4S3ExamplesTest, StreamingSeedAndChunkSignatures) {
  std::string authz = S3Authorization(
      "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
      "x-amz-decoded-content-length;x-amz-storage-class",
      "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  std::vector<HeaderField> headers = {
      {"Host", "s3.amazonaws.com"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"Authorization", authz},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
      {"Content-Encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", "66560"},
      {"Content-Length", "66824"}};
  SigV4Request req{"PUT", "/examplebucket/chunkObject.txt", "", headers};
  EXPECT_OK(VerifyS3(req, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", kS3Time));

  Sha256Digest key = DeriveSigningKey(kS3Secret, {"", "20130524", "us-east-1", "s3"});
  const std::string scope = "20130524/us-east-1/s3/aws4_request";
  std::string sts = ChunkStringToSign(
      "20130524T000000Z", scope, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
      HexEncode(Sha256(std::string(65536, 'a'))));
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a");
  EXPECT_EQ(SignString(key, sts),
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");

  // The trailer example: the final chunk's signature chains into the trailer signature.
  std::string trailer_sts = TrailerStringToSign(
      "20130524T000000Z", scope, "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
      HexEncode(Sha256(std::string_view("x-amz-checksum-crc32c:sOO8/Q==\n"))));
  EXPECT_EQ(trailer_sts.substr(trailer_sts.rfind('\n') + 1),
            "1e376db7e1a34a8ef1c4bcee131a2d60a1cb62503747488624e10995f448d774");
  EXPECT_EQ(SignString(key, trailer_sts),
            "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435");
}

TEST(SigV4S3ExamplesTest, UnsignedAmzHeaderIsRejected) {
  std::string authz =
      S3Authorization("host;range;x-amz-content-sha256;x-amz-date",
                      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  std::vector<HeaderField> headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                                      {"Authorization", authz},
                                      {"Range", "bytes=0-9"},
                                      {"x-amz-content-sha256", kEmpty},
                                      {"x-amz-date", "20130524T000000Z"},
                                      {"X-Amz-Meta-Sneaky", "1"}};
  SigV4Request req{"GET", "/test.txt", "", headers};
  Status s = VerifyS3(req, kEmpty, kS3Time);
  EXPECT_EQ(CodeOf(s), S3ErrorCode::kAccessDenied);
}

}  // namespace
}  // namespace shale::gateway
