// Signed chunk framing: round trips under any split of the input, and refusal of every
// tampering (data, signature, order, seed, truncation) and of malformed framing.

#include "common/chunk_signing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "common/encoding.h"
#include "common/hash.h"
#include "tests/support/random_seed.h"
#include "tests/support/status_matchers.h"

namespace shale::internal_auth {
namespace {

using ::shale::testing::StatusIs;

constexpr std::string_view kSecret = "chunk-secret";
constexpr int64_t kDate = 1700000000;
const std::string kSeed(64, 'a');

std::string Frame(std::string_view body, size_t chunk_size, std::string seed = kSeed) {
  std::string out;
  for (size_t pos = 0; pos < body.size(); pos += chunk_size) {
    out += FrameChunk(kSecret, kDate, &seed, body.substr(pos, chunk_size));
  }
  return out + FrameChunk(kSecret, kDate, &seed, {});  // The final "0;...\r\n\r\n".
}

// Feeds `framed` in pieces of random size; returns the decoded body or the first error.
Result<std::string> Decode(std::string_view framed, std::mt19937_64& rng,
                           size_t max_chunk = kMaxSignedChunkSize) {
  ChunkedBodyReader reader(kSecret, kDate, kSeed, max_chunk);
  std::string out;
  while (!framed.empty() && !reader.done()) {
    std::string_view piece = framed.substr(0, 1 + rng() % 300);
    SHALE_ASSIGN_OR_RETURN(size_t used, reader.Feed(piece));
    framed.remove_prefix(used);
    if (reader.chunk_ready()) {
      out.append(reader.chunk());
      reader.ClearChunk();
    }
  }
  if (!reader.done()) return Status::InvalidArgument("truncated");
  if (!framed.empty()) return Status::InvalidArgument("trailing bytes");
  EXPECT_EQ(reader.decoded_bytes(), out.size());
  return out;
}

TEST(ChunkSigningTest, RoundTripsUnderAnySplit) {
  const uint64_t seed = shale::testing::TestSeed();
  std::mt19937_64 rng(seed);
  for (size_t size : {0u, 1u, 999u, 1000u, 1001u, 5000u}) {
    std::string body(size, '\0');
    for (auto& c : body) c = static_cast<char>(rng());
    for (size_t chunk : {1u, 7u, 1000u, 4096u}) {
      std::string framed = Frame(body, chunk);
      EXPECT_EQ(framed.size(), FramedSize(size, chunk)) << size << "/" << chunk;
      ASSERT_OK_AND_ASSIGN(std::string got, Decode(framed, rng));
      EXPECT_EQ(got, body) << size << "/" << chunk;
    }
  }
}

TEST(ChunkSigningTest, EveryTamperingIsRefused) {
  std::mt19937_64 rng(1);
  const std::string body = "0123456789abcdefghijklmnopqrstuvwxyz";
  const std::string framed = Frame(body, 10);
  ASSERT_OK(Decode(framed, rng));

  std::string data_flip = framed;
  data_flip[framed.find("\r\n") + 5] ^= 1;  // A data byte of the first chunk.
  EXPECT_THAT(Decode(data_flip, rng), StatusIs(StatusCode::kUnauthenticated));

  std::string sig_flip = framed;
  size_t sig = framed.find("chunk-signature=") + 16;
  sig_flip[sig] = sig_flip[sig] == '0' ? '1' : '0';
  EXPECT_THAT(Decode(sig_flip, rng), StatusIs(StatusCode::kUnauthenticated));

  // The first two chunks swapped: each is validly signed, but not in that order.
  size_t first_end = framed.find("\r\n", framed.find("\r\n") + 2) + 2;
  size_t second_end = framed.find("\r\n", framed.find("\r\n", first_end) + 2) + 2;
  std::string swapped = framed.substr(first_end, second_end - first_end) +
                        framed.substr(0, first_end) + framed.substr(second_end);
  EXPECT_THAT(Decode(swapped, rng), StatusIs(StatusCode::kUnauthenticated));

  // Another request's seed.
  EXPECT_THAT(Decode(Frame(body, 10, std::string(64, 'b')), rng),
              StatusIs(StatusCode::kUnauthenticated));

  // Dropping a middle chunk, or the final one.
  std::string dropped = framed.substr(0, first_end) + framed.substr(second_end);
  EXPECT_THAT(Decode(dropped, rng), StatusIs(StatusCode::kUnauthenticated));
  std::string truncated = framed.substr(0, framed.rfind("0;chunk-signature="));
  EXPECT_THAT(Decode(truncated, rng), StatusIs(StatusCode::kInvalidArgument));
}

TEST(ChunkSigningTest, MalformedFramingIsInvalidArgument) {
  std::mt19937_64 rng(2);
  const std::string sig(64, 'c');
  const std::vector<std::string> cases = {
      "zz;chunk-signature=" + sig + "\r\n",                  // Not hex.
      ";chunk-signature=" + sig + "\r\n",                    // No size.
      "123456789;chunk-signature=" + sig + "\r\n",           // Too many digits.
      "5;chunk-sig=" + sig + "\r\n",                         // Wrong field.
      "5;chunk-signature=" + std::string(64, 'C') + "\r\n",  // Uppercase signature.
      "5;chunk-signature=" + sig.substr(1) + "\r\n",         // Short signature.
      "5;chunk-signature=" + sig + "\n",                     // Bare LF.
      std::string(200, '1'),                                 // No line end in sight.
      "200;chunk-signature=" + sig + "\r\n",                 // Over the limit below.
  };
  for (const auto& c : cases) {
    EXPECT_THAT(Decode(c, rng, 256), StatusIs(StatusCode::kInvalidArgument)) << c;
  }
  // Data not followed by CRLF.
  std::string seed = kSeed;
  std::string chunk = FrameChunk(kSecret, kDate, &seed, "hello");
  chunk[chunk.size() - 2] = 'x';
  EXPECT_THAT(Decode(chunk, rng), StatusIs(StatusCode::kInvalidArgument));
}

TEST(ChunkSigningTest, SeedComesFromTheAuthorizationValue) {
  const std::string sig(64, 'e');
  ASSERT_OK_AND_ASSIGN(std::string seed, SeedSignature("SHALE-HMAC-SHA256 " + sig));
  EXPECT_EQ(seed, sig);
  EXPECT_FALSE(SeedSignature("SHALE-HMAC-SHA256 " + sig.substr(1)).ok());
  EXPECT_FALSE(SeedSignature("AWS4 " + sig).ok());
}

}  // namespace
}  // namespace shale::internal_auth
