// S3 authentication through a real server: SigV4 header and presigned requests, every payload
// mode (with good and corrupted bodies), clock skew, SigV2, unknown keys; and PayloadVerifier
// directly with bodies split at every byte.
#include "gateway/s3_auth.h"

#include "common/crc.h"
#include "gateway/s3_error.h"
#include "tests/gateway/http_server_fixture.h"

namespace shale::gateway::testing {
namespace {

std::string Crc32Base64(std::string_view data) {
  uint32_t crc = Crc32(data);
  uint8_t be[4] = {static_cast<uint8_t>(crc >> 24), static_cast<uint8_t>(crc >> 16),
                   static_cast<uint8_t>(crc >> 8), static_cast<uint8_t>(crc)};
  return Base64Encode(std::span<const uint8_t>(be, 4));
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = PatternByte(i);
  return s;
}

bool HasCode(const RawResponse& r, std::string_view code) {
  return r.body.find("<Code>" + std::string(code) + "</Code>") != std::string::npos;
}

using S3AuthTest = HttpServerTest;

TEST_F(S3AuthTest, UnsignedPayload) {
  StartServer();
  RawResponse r = Do(Signed("PUT", "/b/k", "unsigned body", std::string(kUnsignedPayload)));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-echo-sha256"), Sha256Hex("unsigned body"));
}

TEST_F(S3AuthTest, HexSha256IsVerifiedAgainstTheBody) {
  StartServer();
  std::string body = Pattern(300 * 1024);
  RawResponse ok = Do(Signed("PUT", "/b/k", body));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Header("x-echo-sha256"), Sha256Hex(body));
  RawResponse bad = Do(Signed("PUT", "/b/k", body, Sha256Hex("something else")));
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(HasCode(bad, "XAmzContentSHA256Mismatch")) << bad.body;
  RawResponse empty = Do(Signed("GET", "/b/k", "", Sha256Hex("not empty")));
  EXPECT_TRUE(HasCode(empty, "XAmzContentSHA256Mismatch")) << empty.body;
  RawResponse junk = Do(Signed("PUT", "/b/k", body, "not-a-hash"));
  EXPECT_EQ(junk.status, 400);
}

RawRequest StreamingRequest(const std::string& host, const std::string& mode,
                            const std::string& data, const std::optional<std::string>& trailer_name,
                            int corrupt = -1, const Credentials& c = {}) {
  RawRequest r;
  r.method = "PUT";
  r.target = "/b/k";
  r.headers.push_back({"Content-Encoding", "aws-chunked"});
  r.headers.push_back({"x-amz-decoded-content-length", std::to_string(data.size())});
  if (trailer_name) r.headers.push_back({"x-amz-trailer", *trailer_name});

  SignResult sig = SignRequest(r, c, Now(), mode, host);
  const bool is_signed = mode.find("HMAC") != std::string::npos;
  std::optional<std::pair<std::string, std::string>> trailer;
  if (trailer_name) trailer = std::make_pair(*trailer_name, Crc32Base64(data));
  r.body = ChunkedBody(data, 64 * 1024, is_signed ? std::optional<SignResult>(sig) : std::nullopt,
                       trailer, corrupt);
  return r;
}

TEST_F(S3AuthTest, StreamingSignedPayloadVerifiesEveryChunk) {
  StartServer();
  std::string data = Pattern(200 * 1024 + 5);
  RawResponse ok = Do(StreamingRequest(Host(), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", data, {}));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Header("x-echo-sha256"), Sha256Hex(data));
  EXPECT_EQ(ok.Header("x-echo-declared"), std::to_string(data.size()));
  RawResponse bad =
      Do(StreamingRequest(Host(), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", data, {}, /*corrupt=*/2));
  EXPECT_EQ(bad.status, 403);
  EXPECT_TRUE(HasCode(bad, "SignatureDoesNotMatch")) << bad.body;
}

TEST_F(S3AuthTest, StreamingUnsignedTrailerReachesTheHandler) {
  StartServer();
  std::string data = Pattern(100 * 1024);
  RawResponse r = Do(StreamingRequest(Host(), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", data,
                                      std::string("x-amz-checksum-crc32")));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-echo-sha256"), Sha256Hex(data));
  EXPECT_EQ(r.Header("x-echo-trailers"), "x-amz-checksum-crc32=" + Crc32Base64(data) + ";");
}

TEST_F(S3AuthTest, StreamingSignedTrailerVerifiesTheTrailerSignature) {
  StartServer();
  std::string data = Pattern(70 * 1024);
  RawResponse r = Do(StreamingRequest(Host(), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", data,
                                      std::string("x-amz-checksum-crc32")));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-echo-trailers"), "x-amz-checksum-crc32=" + Crc32Base64(data) + ";");
  // The same body with its trailer value altered: the trailer signature no longer matches.
  RawRequest tampered = StreamingRequest(Host(), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", data,
                                         std::string("x-amz-checksum-crc32"));
  std::string good = Crc32Base64(data);
  size_t at = tampered.body.find(good);
  ASSERT_NE(at, std::string::npos);
  tampered.body.replace(at, good.size(), Crc32Base64("other"));
  RawResponse bad = Do(tampered);
  EXPECT_EQ(bad.status, 403);
  EXPECT_TRUE(HasCode(bad, "SignatureDoesNotMatch")) << bad.body;
}

// HTTP/1.1 chunked transfer coding of `body` in pieces of `piece` bytes.
std::string HttpChunked(const std::string& body, size_t piece) {
  std::string out;
  for (size_t pos = 0; pos < body.size(); pos += piece) {
    std::string part = body.substr(pos, piece);
    char hex[32];
    snprintf(hex, sizeof(hex), "%zx\r\n", part.size());
    out += hex + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

// What boto3 >= 1.36 sends by default: an aws-chunked body with a CRC trailer, itself in HTTP
// chunked transfer coding and without Content-Length.
TEST_F(S3AuthTest, AwsChunkedInsideHttpChunkedTransferCoding) {
  StartServer();
  std::string data = Pattern(150 * 1024 + 11);
  RawRequest r = StreamingRequest(Host(), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", data,
                                  std::string("x-amz-checksum-crc32"));
  r.content_length = false;
  r.headers.push_back({"Transfer-Encoding", "chunked"});
  r.body = HttpChunked(r.body, 10000);
  TestConnection c(port_);
  for (int i = 0; i < 2; ++i) {  // Twice: the connection stays usable after a chunked body.
    ASSERT_TRUE(c.Send(r.Serialize()));
    auto resp = c.Read();
    ASSERT_TRUE(resp.has_value());
    EXPECT_EQ(resp->status, 200) << resp->body;
    EXPECT_EQ(resp->Header("x-echo-sha256"), Sha256Hex(data));
    EXPECT_EQ(resp->Header("x-echo-declared"), std::to_string(data.size()));
    EXPECT_EQ(resp->Header("x-echo-trailers"), "x-amz-checksum-crc32=" + Crc32Base64(data) + ";");
  }
}

TEST_F(S3AuthTest, PlainBodyInHttpChunkedTransferCoding) {
  StartServer();
  std::string data = Pattern(90 * 1024);
  RawRequest r = Signed("PUT", "/b/k", "", Sha256Hex(data));
  r.content_length = false;
  r.headers.push_back({"Transfer-Encoding", "chunked"});
  r.body = HttpChunked(data, 4096);
  RawResponse ok = Do(r);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Header("x-echo-sha256"), Sha256Hex(data));
  EXPECT_EQ(ok.Header("x-echo-declared"), "none");
  RawRequest bad = Signed("PUT", "/b/k", "", Sha256Hex("other"));
  bad.content_length = false;
  bad.headers.push_back({"Transfer-Encoding", "chunked"});
  bad.body = HttpChunked(data, 4096);
  EXPECT_TRUE(HasCode(Do(bad), "XAmzContentSHA256Mismatch"));
}

TEST_F(S3AuthTest, StreamingWithoutDecodedLengthIsRefused) {
  StartServer();
  RawRequest r;
  r.method = "PUT";
  r.target = "/b/k";
  SignRequest(r, alice_, Now(), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", Host());
  r.body = "0;chunk-signature=" + std::string(64, 'a') + "\r\n\r\n";
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 411);
  EXPECT_TRUE(HasCode(resp, "MissingContentLength")) << resp.body;
}

TEST_F(S3AuthTest, PresignedGetValidExpiredAndTampered) {
  StartServer();
  auto get = [&](const std::string& target) {
    RawRequest r;
    r.target = target;
    r.headers = {{"Host", Host()}};
    return Do(r);
  };
  RawResponse ok = get(Presign("GET", "/b/photo.jpg", Host(), alice_, Now(), 600));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Header("x-echo-user"), "alice");
  EXPECT_EQ(ok.Header("x-echo-key"), "photo.jpg");
  RawResponse expired = get(Presign("GET", "/b/photo.jpg", Host(), alice_, Now() - 3600, 600));
  EXPECT_EQ(expired.status, 403);
  EXPECT_NE(expired.body.find("Request has expired"), std::string::npos) << expired.body;
  std::string target = Presign("GET", "/b/photo.jpg", Host(), alice_, Now(), 600);
  target.replace(target.find("photo"), 5, "other");
  RawResponse tampered = get(target);
  EXPECT_EQ(tampered.status, 403);
  EXPECT_TRUE(HasCode(tampered, "SignatureDoesNotMatch")) << tampered.body;
  RawResponse too_long = get(Presign("GET", "/b/photo.jpg", Host(), alice_, Now(), 8 * 86400));
  EXPECT_EQ(too_long.status, 400) << too_long.body;
}

TEST_F(S3AuthTest, ClockSkewBeyondFifteenMinutes) {
  StartServer();
  EXPECT_EQ(Do(Signed("GET", "/b/k", "", std::nullopt, Now() - 14 * 60)).status, 200);
  RawResponse late = Do(Signed("GET", "/b/k", "", std::nullopt, Now() - 16 * 60));
  EXPECT_EQ(late.status, 403);
  EXPECT_TRUE(HasCode(late, "RequestTimeTooSkewed")) << late.body;
  RawResponse early = Do(Signed("GET", "/b/k", "", std::nullopt, Now() + 16 * 60));
  EXPECT_TRUE(HasCode(early, "RequestTimeTooSkewed")) << early.body;
}

TEST_F(S3AuthTest, SigV2IsAnsweredWithAClearError) {
  StartServer();
  RawRequest r;
  r.target = "/b/k";
  r.headers = {{"Host", Host()},
               {"Date", "Tue, 24 Nov 2026 00:00:00 GMT"},
               {"Authorization", "AWS " + alice_.access_key + ":c2lnbmF0dXJl"}};
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_TRUE(HasCode(resp, "InvalidRequest")) << resp.body;
  EXPECT_NE(resp.body.find("AWS4-HMAC-SHA256"), std::string::npos) << resp.body;
}

TEST_F(S3AuthTest, UnknownAccessKeyAndWrongSecret) {
  StartServer();
  Credentials stranger;
  stranger.access_key = "AKIDUNKNOWN0000000";
  RawRequest r;
  r.target = "/b/k";
  SignRequest(r, stranger, Now(), Sha256Hex(""), Host());
  RawResponse unknown = Do(r);
  EXPECT_EQ(unknown.status, 403);
  EXPECT_TRUE(HasCode(unknown, "InvalidAccessKeyId")) << unknown.body;
  Credentials wrong = alice_;
  wrong.secret_key = "not the secret at all";
  RawRequest w;
  w.target = "/b/k";
  SignRequest(w, wrong, Now(), Sha256Hex(""), Host());
  RawResponse bad = Do(w);
  EXPECT_EQ(bad.status, 403);
  EXPECT_TRUE(HasCode(bad, "SignatureDoesNotMatch")) << bad.body;
}

TEST_F(S3AuthTest, WrongRegionIsMalformed) {
  StartServer();
  Credentials other = alice_;
  other.region = "eu-west-1";
  RawRequest r;
  r.target = "/b/k";
  SignRequest(r, other, Now(), Sha256Hex(""), Host());
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_TRUE(HasCode(resp, "AuthorizationHeaderMalformed")) << resp.body;
}

TEST_F(S3AuthTest, UnsignedAmzHeaderIsRefused) {
  StartServer();
  RawRequest r = Signed("GET", "/b/k");
  r.headers.push_back({"x-amz-meta-sneaky", "1"});
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 403);
  EXPECT_TRUE(HasCode(resp, "AccessDenied")) << resp.body;
}

// --- PayloadVerifier alone: every split of a signed aws-chunked body decodes the same.

TEST(PayloadVerifierTest, SignedChunkedDecodesInPlaceAtEverySplit) {
  Credentials c;
  RawRequest r;
  SignResult sig =
      SignRequest(r, c, 1'700'000'000, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", "h");
  std::string data = Pattern(20 * 1024 + 3);
  std::string body = ChunkedBody(
      data, 8 * 1024, sig, std::make_pair(std::string("x-amz-checksum-crc32"), Crc32Base64(data)));
  AuthResult auth;
  auth.mode = PayloadMode::kStreaming;
  auth.streaming = StreamingPayload::kSignedTrailer;
  auth.signer = ChunkSigner{sig.key, sig.amz_date, sig.scope, sig.signature};
  std::string decoded_length = std::to_string(data.size());
  for (size_t split : {size_t{1}, size_t{7}, size_t{100}, size_t{8 * 1024 + 90}, body.size()}) {
    auto v = PayloadVerifier::Create(
        auth, PayloadHeaders{body.size(), decoded_length, "x-amz-checksum-crc32"});
    ASSERT_OK(v.status());
    EXPECT_EQ(v->payload_length(), data.size());
    std::string out;
    for (size_t pos = 0; pos < body.size(); pos += split) {
      std::string piece = body.substr(pos, split);
      ASSERT_OK_AND_ASSIGN(size_t n, v->Decode(std::span<char>(piece.data(), piece.size())));
      out.append(piece.data(), n);
    }
    ASSERT_OK(v->Finish()) << split;
    EXPECT_TRUE(out == data) << split;
    ASSERT_EQ(v->trailers().size(), 1u);
    EXPECT_EQ(v->trailers()[0].value, Crc32Base64(data));
  }
}

TEST(PayloadVerifierTest, Sha256MismatchAndShortBody) {
  AuthResult auth;
  auth.mode = PayloadMode::kSha256;
  auth.payload_sha256 = Sha256Hex("abc");
  auto good = PayloadVerifier::Create(auth, PayloadHeaders{3, {}, {}});
  ASSERT_OK(good.status());
  std::string abc = "abc";
  ASSERT_OK(good->Decode(std::span<char>(abc.data(), 3)).status());
  EXPECT_OK(good->Finish());
  EXPECT_OK(good->Finish());  // Repeated: the same answer.
  auto bad = PayloadVerifier::Create(auth, PayloadHeaders{3, {}, {}});
  std::string abd = "abd";
  ASSERT_OK(bad->Decode(std::span<char>(abd.data(), 3)).status());
  EXPECT_EQ(S3ErrorFromStatus(bad->Finish()).code, S3ErrorCode::kXAmzContentSHA256Mismatch);
  auto short_body = PayloadVerifier::Create(auth, PayloadHeaders{3, {}, {}});
  ASSERT_OK(short_body->Decode(std::span<char>(abc.data(), 2)).status());
  EXPECT_EQ(S3ErrorFromStatus(short_body->Finish()).code, S3ErrorCode::kIncompleteBody);
}

TEST(S3AuthenticatorTest, AnonymousAndCachedKeysGiveTheSameAnswer) {
  Credentials c;
  User u;
  u.name = "alice";
  u.access_key = c.access_key;
  u.secret_key = c.secret_key;
  S3Authenticator auth({u}, AuthOptions{});
  RawRequest anon;
  anon.headers = {{"Host", "h"}};
  std::vector<HeaderField> fields;
  for (const auto& [n, v] : anon.headers) fields.push_back({n, v});
  ASSERT_OK_AND_ASSIGN(AuthResult a, auth.Authenticate({"GET", "/", "", fields}, {}, Now()));
  EXPECT_EQ(a.user, nullptr);
  for (int i = 0; i < 2; ++i) {  // The second run uses the cached signing key.
    RawRequest r;
    r.target = "/b/k";
    SignRequest(r, c, Now(), Sha256Hex(""), "h");
    fields.clear();
    for (const auto& [n, v] : r.headers) fields.push_back({n, v});
    ASSERT_OK_AND_ASSIGN(AuthResult ok, auth.Authenticate({"GET", "/b/k", "", fields}, {}, Now()));
    ASSERT_NE(ok.user, nullptr);
    EXPECT_EQ(ok.user->name, "alice");
    EXPECT_EQ(ok.mode, PayloadMode::kSha256);
  }
}

}  // namespace
}  // namespace shale::gateway::testing
