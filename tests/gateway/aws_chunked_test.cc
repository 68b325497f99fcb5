#include "gateway/aws_chunked.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/crc.h"
#include "common/encoding.h"
#include "gateway/s3_error.h"
#include "gateway/sigv4.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

S3ErrorCode CodeOf(const Status& s) { return S3ErrorFromStatus(s).code; }

// x-amz-checksum-crc32 / -crc32c values: the big-endian CRC, base64.
std::string Crc32Base64(uint32_t crc) {
  const uint8_t be[4] = {static_cast<uint8_t>(crc >> 24), static_cast<uint8_t>(crc >> 16),
                         static_cast<uint8_t>(crc >> 8), static_cast<uint8_t>(crc)};
  return Base64Encode(std::span<const uint8_t>(be, 4));
}

// The S3 streaming examples: secret wJalr..., 20130524T000000Z, us-east-1.
ChunkSigner ExampleSigner(std::string seed) {
  ChunkSigner s;
  s.signing_key = DeriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                   {"AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3"});
  s.amz_date = "20130524T000000Z";
  s.scope = "20130524/us-east-1/s3/aws4_request";
  s.seed_signature = std::move(seed);
  return s;
}

std::string SignedChunk(size_t size, std::string_view sig) {
  char hex[32];
  std::snprintf(hex, sizeof(hex), "%zx", size);
  return std::string(hex) + ";chunk-signature=" + std::string(sig) + "\r\n" +
         std::string(size, 'a') + (size > 0 ? "\r\n" : "");
}

// AWS "Example: PUT Object" (sigv4-streaming): 64 KiB + 1 KiB of 'a'.
std::string AwsSignedBody() {
  return SignedChunk(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648") +
         SignedChunk(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497") +
         SignedChunk(0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9") +
         "\r\n";
}

// AWS "Example: PUT Object" with a trailing CRC32C (sigv4-streaming-trailers).
std::string AwsSignedTrailerBody() {
  return SignedChunk(65536, "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2") +
         SignedChunk(1024, "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7") +
         SignedChunk(0, "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992") +
         "x-amz-checksum-crc32c:sOO8/Q==\r\n"
         "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
         "\r\n\r\n";
}

AwsChunkedOptions SignedOptions() {
  AwsChunkedOptions o;
  o.mode = StreamingPayload::kSigned;
  o.signer = ExampleSigner("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  o.decoded_content_length = 66560;
  return o;
}

AwsChunkedOptions SignedTrailerOptions() {
  AwsChunkedOptions o;
  o.mode = StreamingPayload::kSignedTrailer;
  o.signer = ExampleSigner("106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e");
  o.decoded_content_length = 66560;
  o.declared_trailer = "x-amz-checksum-crc32c";
  return o;
}

AwsChunkedOptions UnsignedOptions(std::optional<uint64_t> length,
                                  std::optional<std::string> trailer = "x-amz-checksum-crc32") {
  AwsChunkedOptions o;
  o.mode = StreamingPayload::kUnsignedTrailer;
  o.decoded_content_length = length;
  o.declared_trailer = std::move(trailer);
  return o;
}

// Decodes `body` fed in pieces of `piece` bytes (0 = all at once), then Finish().
Status Decode(const AwsChunkedOptions& options, std::string_view body, size_t piece,
              std::string* payload, std::vector<Trailer>* trailers = nullptr) {
  SHALE_ASSIGN_OR_RETURN(AwsChunkedDecoder d, AwsChunkedDecoder::Create(options));
  payload->clear();
  if (piece == 0) piece = body.size();
  for (size_t pos = 0; pos < body.size(); pos += piece) {
    SHALE_RETURN_IF_ERROR(d.FeedAll(body.substr(pos, piece), payload));
  }
  SHALE_RETURN_IF_ERROR(d.Finish());
  if (trailers != nullptr) *trailers = d.trailers();
  return Status::OK();
}

TEST(AwsChunkedTest, AwsSignedExampleAnySplit) {
  const std::string body = AwsSignedBody();
  ASSERT_EQ(body.size(), 66824u);  // The example's Content-Length.
  for (size_t piece : {0, 1, 7, 86, 87, 4096, 65536}) {
    std::string payload;
    ASSERT_OK(Decode(SignedOptions(), body, piece, &payload)) << piece;
    EXPECT_EQ(payload, std::string(66560, 'a'));
  }
}

TEST(AwsChunkedTest, AwsSignedExampleTamperingIsDetected) {
  std::string payload;
  std::string body = AwsSignedBody();
  body[65536 + 200] = 'b';  // Inside the second chunk's data.
  EXPECT_EQ(CodeOf(Decode(SignedOptions(), body, 0, &payload)),
            S3ErrorCode::kSignatureDoesNotMatch);
  AwsChunkedOptions wrong_seed = SignedOptions();
  wrong_seed.signer->seed_signature[0] = '5';
  EXPECT_EQ(CodeOf(Decode(wrong_seed, AwsSignedBody(), 0, &payload)),
            S3ErrorCode::kSignatureDoesNotMatch);
  // Chunks swapped: sizes and data still parse, the chain does not.
  std::string swapped =
      SignedChunk(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497") +
      SignedChunk(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
  AwsChunkedOptions no_min = SignedOptions();
  no_min.min_signed_chunk_size = 0;
  EXPECT_EQ(CodeOf(Decode(no_min, swapped, 0, &payload)), S3ErrorCode::kSignatureDoesNotMatch);
  // Truncation after the last data chunk (final chunk never arrives).
  EXPECT_EQ(CodeOf(Decode(SignedOptions(), AwsSignedBody().substr(0, 66700), 0, &payload)),
            S3ErrorCode::kIncompleteBody);
}

TEST(AwsChunkedTest, AwsSignedTrailerExample) {
  const std::string body = AwsSignedTrailerBody();
  for (size_t piece : {0, 1, 13, 1000}) {
    std::string payload;
    std::vector<Trailer> trailers;
    ASSERT_OK(Decode(SignedTrailerOptions(), body, piece, &payload, &trailers)) << piece;
    EXPECT_EQ(payload, std::string(66560, 'a'));
    ASSERT_EQ(trailers.size(), 1u);
    EXPECT_EQ(trailers[0].name, "x-amz-checksum-crc32c");
    EXPECT_EQ(trailers[0].value, "sOO8/Q==");
    // What the caller then checks: the trailer is the CRC32C of the payload.
    EXPECT_EQ(trailers[0].value, Crc32Base64(Crc32c(payload)));
  }
  std::string payload;
  std::string tampered = body;
  tampered.replace(tampered.find("sOO8/Q=="), 8, "AAAAAA==");
  EXPECT_EQ(CodeOf(Decode(SignedTrailerOptions(), tampered, 0, &payload)),
            S3ErrorCode::kSignatureDoesNotMatch);
  std::string unsigned_trailer = body;
  unsigned_trailer.erase(unsigned_trailer.find("x-amz-trailer-signature"), 90);
  EXPECT_EQ(CodeOf(Decode(SignedTrailerOptions(), unsigned_trailer, 0, &payload)),
            S3ErrorCode::kMalformedTrailerError);
}

// A signed stream of small chunks made with the functions the AWS vectors above pinned.
std::string SmallSignedBody(const ChunkSigner& s, const std::vector<std::string>& chunks) {
  std::string body;
  std::string previous = s.seed_signature;
  for (const auto& data : chunks) {
    previous = SignString(
        s.signing_key, ChunkStringToSign(s.amz_date, s.scope, previous, HexEncode(Sha256(data))));
    char hex[32];
    std::snprintf(hex, sizeof(hex), "%zx", data.size());
    body += std::string(hex) + ";chunk-signature=" + previous + "\r\n" + data;
    body += "\r\n";
  }
  return body;
}

TEST(AwsChunkedTest, EverySplitPointOfSmallStreams) {
  AwsChunkedOptions signed_options = SignedOptions();
  signed_options.min_signed_chunk_size = 0;
  signed_options.decoded_content_length = 8;
  const std::string signed_body = SmallSignedBody(*signed_options.signer, {"hello", "abc", ""});
  const std::string data = "hello, trailer world";
  const std::string unsigned_body =
      "14\r\n" + data + "\r\n0\r\nx-amz-checksum-crc32:" + Crc32Base64(Crc32(data)) + "\r\n\r\n";
  struct Case {
    AwsChunkedOptions options;
    std::string body;
    std::string payload;
  };
  const Case cases[] = {{signed_options, signed_body, "helloabc"},
                        {UnsignedOptions(data.size()), unsigned_body, data}};
  for (const auto& c : cases) {
    for (size_t split = 0; split <= c.body.size(); ++split) {
      SCOPED_TRACE(split);
      ASSERT_OK_AND_ASSIGN(AwsChunkedDecoder d, AwsChunkedDecoder::Create(c.options));
      std::string payload;
      ASSERT_OK(d.FeedAll(std::string_view(c.body).substr(0, split), &payload));
      ASSERT_OK(d.FeedAll(std::string_view(c.body).substr(split), &payload));
      ASSERT_OK(d.Finish());
      EXPECT_EQ(payload, c.payload);
      if (split < c.body.size()) {
        // The same prefix alone is an incomplete body.
        ASSERT_OK_AND_ASSIGN(AwsChunkedDecoder p, AwsChunkedDecoder::Create(c.options));
        std::string ignored;
        ASSERT_OK(p.FeedAll(std::string_view(c.body).substr(0, split), &ignored));
        EXPECT_EQ(CodeOf(p.Finish()), S3ErrorCode::kIncompleteBody);
      }
    }
  }
}

TEST(AwsChunkedTest, Boto3UnsignedTrailerStream) {
  // boto3 >= 1.36 / aws-cli >= 2.23 default: STREAMING-UNSIGNED-PAYLOAD-TRAILER with CRC32.
  const std::string data(4096, 'x');
  const std::string crc = Crc32Base64(Crc32(data));
  const std::string body = "1000\r\n" + data + "\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n";
  std::string payload;
  std::vector<Trailer> trailers;
  ASSERT_OK(Decode(UnsignedOptions(4096), body, 1, &payload, &trailers));
  EXPECT_EQ(payload, data);
  ASSERT_EQ(trailers.size(), 1u);
  EXPECT_EQ(trailers[0].value, crc);
  // Without x-amz-trailer, an empty trailer section.
  ASSERT_OK(Decode(UnsignedOptions(4096, std::nullopt), "1000\r\n" + data + "\r\n0\r\n\r\n", 0,
                   &payload));
  EXPECT_EQ(ParseStreamingPayload("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
            StreamingPayload::kUnsignedTrailer);
  EXPECT_EQ(ParseStreamingPayload("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), StreamingPayload::kSigned);
  EXPECT_EQ(ParseStreamingPayload("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
            StreamingPayload::kSignedTrailer);
  EXPECT_EQ(ParseStreamingPayload("UNSIGNED-PAYLOAD"), std::nullopt);
}

TEST(AwsChunkedTest, MalformedUnsignedStreamsAreRejected) {
  const std::string crc = Crc32Base64(Crc32(std::string_view("hello")));
  const std::string tail = "0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n";
  struct Case {
    std::string name;
    std::string body;
    S3ErrorCode code;
    std::optional<uint64_t> length = 5;
  };
  const Case cases[] = {
      {"bad hex", "g\r\nhello\r\n" + tail, S3ErrorCode::kInvalidChunkSizeError},
      {"empty size", "\r\nhello\r\n" + tail, S3ErrorCode::kInvalidChunkSizeError},
      {"space before size", " 5\r\nhello\r\n" + tail, S3ErrorCode::kInvalidChunkSizeError},
      {"bare LF", "5\nhello\r\n" + tail, S3ErrorCode::kInvalidChunkSizeError},
      {"extension", "5;chunk-signature=x\r\nhello\r\n" + tail, S3ErrorCode::kInvalidChunkSizeError},
      {"17 digits", "00000000000000005\r\nhello\r\n" + tail, S3ErrorCode::kInvalidChunkSizeError},
      {"huge", "ffffffffffffffff\r\n", S3ErrorCode::kInvalidChunkSizeError, std::nullopt},
      {"long line", std::string(5000, '0') + "5\r\n", S3ErrorCode::kInvalidChunkSizeError},
      {"data overrun", "5\r\nhelloX\r\n" + tail, S3ErrorCode::kInvalidChunkSizeError},
      {"data short", "6\r\nhello\r\n" + tail, S3ErrorCode::kInvalidChunkSizeError, std::nullopt},
      {"truncated data", "5\r\nhel", S3ErrorCode::kIncompleteBody},
      {"no final chunk", "5\r\nhello\r\n", S3ErrorCode::kIncompleteBody},
      {"no final CRLF", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n",
       S3ErrorCode::kIncompleteBody},
      {"empty body", "", S3ErrorCode::kIncompleteBody},
      {"trailing garbage", "5\r\nhello\r\n" + tail + "X", S3ErrorCode::kInvalidRequest},
      {"shorter than declared", "5\r\nhello\r\n" + tail, S3ErrorCode::kIncompleteBody, 6},
      {"longer than declared", "5\r\nhello\r\n" + tail, S3ErrorCode::kIncompleteBody, 4},
      {"undeclared trailer", "5\r\nhello\r\n0\r\nx-amz-checksum-sha1:" + crc + "\r\n\r\n",
       S3ErrorCode::kMalformedTrailerError},
      {"unknown trailer", "5\r\nhello\r\n0\r\nx-amz-meta-a:b\r\n\r\n",
       S3ErrorCode::kMalformedTrailerError},
      {"trailer without colon", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32\r\n\r\n",
       S3ErrorCode::kMalformedTrailerError},
      {"trailer bad base64", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:!!!!\r\n\r\n",
       S3ErrorCode::kMalformedTrailerError},
      {"trailer wrong size", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAAAAAAA=\r\n\r\n",
       S3ErrorCode::kMalformedTrailerError},
      {"trailer repeated",
       "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\nx-amz-checksum-crc32:" + crc +
           "\r\n\r\n",
       S3ErrorCode::kMalformedTrailerError},
      {"declared trailer missing", "5\r\nhello\r\n0\r\n\r\n", S3ErrorCode::kMalformedTrailerError},
      {"trailer signature when unsigned",
       "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + crc +
           "\r\nx-amz-trailer-signature:" + std::string(64, 'a') + "\r\n\r\n",
       S3ErrorCode::kMalformedTrailerError},
      {"trailer line bare LF", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + crc + "\n\r\n",
       S3ErrorCode::kMalformedTrailerError},
  };
  for (const auto& c : cases) {
    std::string payload;
    Status s = Decode(UnsignedOptions(c.length), c.body, 0, &payload);
    EXPECT_EQ(CodeOf(s), c.code) << c.name << ": " << s.ToString();
    Status bytewise = Decode(UnsignedOptions(c.length), c.body, 1, &payload);
    EXPECT_EQ(CodeOf(bytewise), c.code) << c.name << " (1 byte at a time)";
  }
}

TEST(AwsChunkedTest, MalformedSignedStreamsAreRejected) {
  std::string payload;
  const std::string sig(64, 'a');
  const std::pair<std::string, S3ErrorCode> cases[] = {
      {"5\r\nhello\r\n", S3ErrorCode::kInvalidChunkSizeError},  // No signature.
      {"5;chunk-signature=" + std::string(64, 'A') + "\r\n", S3ErrorCode::kInvalidChunkSizeError},
      {"5;chunk-signature=" + sig.substr(1) + "\r\n", S3ErrorCode::kInvalidChunkSizeError},
      {"5;chunk-signatures=" + sig + "\r\n", S3ErrorCode::kInvalidChunkSizeError},
      {"5;chunk-signature=" + sig + "\r\nhello\r\n", S3ErrorCode::kSignatureDoesNotMatch},
  };
  for (const auto& [body, code] : cases) {
    EXPECT_EQ(CodeOf(Decode(SignedOptions(), body, 0, &payload)), code) << body;
  }
  // Only the last chunk may be under 8 KiB.
  AwsChunkedOptions small = SignedOptions();
  small.decoded_content_length = std::nullopt;
  std::string body = SmallSignedBody(*small.signer, {"hello", "abc", ""});
  EXPECT_EQ(CodeOf(Decode(small, body, 0, &payload)), S3ErrorCode::kInvalidChunkSizeError);
  small.min_signed_chunk_size = 0;
  EXPECT_OK(Decode(small, body, 0, &payload));
  // A trailer in a mode without trailers.
  body.resize(body.size() - 2);
  body += "x-amz-checksum-crc32:AAAAAA==\r\n\r\n";
  EXPECT_EQ(CodeOf(Decode(small, body, 0, &payload)), S3ErrorCode::kMalformedTrailerError);
}

TEST(AwsChunkedTest, ErrorsAreSticky) {
  ASSERT_OK_AND_ASSIGN(AwsChunkedDecoder d, AwsChunkedDecoder::Create(UnsignedOptions(5)));
  std::string payload;
  EXPECT_FALSE(d.FeedAll("zz\r\n", &payload).ok());
  EXPECT_FALSE(d.FeedAll("5\r\nhello\r\n", &payload).ok());
  EXPECT_EQ(CodeOf(d.Finish()), S3ErrorCode::kInvalidChunkSizeError);
}

TEST(AwsChunkedTest, InconsistentOptionsAreRefused) {
  AwsChunkedOptions o = SignedOptions();
  o.signer.reset();
  EXPECT_FALSE(AwsChunkedDecoder::Create(o).ok());
  EXPECT_FALSE(AwsChunkedDecoder::Create(UnsignedOptions(1, "x-amz-checksum-md5")).ok());
  AwsChunkedOptions u = UnsignedOptions(1);
  u.signer = ExampleSigner("");
  EXPECT_FALSE(AwsChunkedDecoder::Create(u).ok());
}

}  // namespace
}  // namespace shale::gateway
