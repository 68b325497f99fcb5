// Fuzz target for the aws-chunked decoder (gateway/aws_chunked.h). Byte 0 picks the mode (bits
// 0-1), the 8 KiB minimum (bit 3), a declared trailer (bit 2) and a declared decoded length
// (bit 4: 3 * bits 5-7); byte 1 the piece size; the rest is the body.
// Properties: nothing crashes; the outcome (error code, payload, trailers) does not depend on
// how the body is split; payload size equals decoded_bytes(); success implies the declared
// length was met.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/aws_chunked.h"
#include "gateway/sigv4.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

struct Outcome {
  shale::Status status;
  std::string payload;
  std::vector<shale::gateway::Trailer> trailers;
  uint64_t decoded = 0;
};

Outcome Run(const shale::gateway::AwsChunkedOptions& options, std::string_view body, size_t piece) {
  Outcome out;
  auto decoder = shale::gateway::AwsChunkedDecoder::Create(options);
  if (!decoder.ok()) {
    out.status = decoder.status();
    return out;
  }
  for (size_t pos = 0; pos < body.size() && out.status.ok(); pos += piece) {
    out.status = decoder->FeedAll(body.substr(pos, piece), &out.payload);
  }
  if (out.status.ok()) out.status = decoder->Finish();
  out.trailers = decoder->trailers();
  out.decoded = decoder->decoded_bytes();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale::gateway;
  if (size < 2) return 0;
  const uint8_t mode_byte = data[0];
  const size_t piece = 1 + data[1] % 64;
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);

  AwsChunkedOptions options;
  options.mode = static_cast<StreamingPayload>((mode_byte & 3) % 3);
  options.max_chunk_size = 1 << 20;
  options.min_signed_chunk_size = (mode_byte & 0x08) ? 8192 : 0;
  if (options.mode != StreamingPayload::kUnsignedTrailer) {
    ChunkSigner signer;
    signer.signing_key = DeriveSigningKey("secret", {"AK", "20260101", "us-east-1", "s3"});
    signer.amz_date = "20260101T000000Z";
    signer.scope = "20260101/us-east-1/s3/aws4_request";
    signer.seed_signature = std::string(64, '0');
    options.signer = signer;
  }
  if (mode_byte & 0x10) options.decoded_content_length = (mode_byte >> 5) * 3;
  if ((mode_byte & 0x04) && options.mode != StreamingPayload::kSigned) {
    options.declared_trailer = "x-amz-checksum-crc32";
  }

  Outcome whole = Run(options, body, body.size() + 1);
  Outcome split = Run(options, body, piece);
  Require(whole.status.code() == split.status.code());
  Require(whole.status.message() == split.status.message());
  Require(whole.payload == split.payload);
  Require(whole.payload.size() == whole.decoded);
  if (whole.status.ok()) {
    Require(whole.trailers.size() == split.trailers.size());
    if (options.decoded_content_length) Require(whole.decoded == *options.decoded_content_length);
  }
  return 0;
}
