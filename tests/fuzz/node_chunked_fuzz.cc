// Fuzz target for the signed chunk reader (common/chunk_signing.h), the parser a node runs over
// streamed request bodies. The input is fed in pieces whose sizes come from its first byte.
// Properties checked on every input:
//  - no crash, hang or out-of-bounds read;
//  - Feed never consumes more than it was given, and stops at a ready chunk;
//  - a ready chunk is never over the limit, and the decoded bytes never exceed the input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/chunk_signing.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

// The corpus' valid bodies are signed with these and a seed of 64 x '0'; the first byte of
// each corpus file picks the feed piece size.
constexpr std::string_view kSecret = "fuzz-secret";
constexpr int64_t kDate = 1700000000;
constexpr size_t kMaxChunk = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ia = shale::internal_auth;
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t total = input.size();
  ia::ChunkedBodyReader reader(kSecret, kDate, std::string(64, '0'), kMaxChunk);
  while (!input.empty() && !reader.done()) {
    std::string_view piece = input.substr(0, step);
    auto used = reader.Feed(piece);
    if (!used.ok()) break;
    Require(*used <= piece.size());
    input.remove_prefix(*used);
    if (reader.chunk_ready()) {
      Require(reader.chunk().size() <= kMaxChunk && !reader.chunk().empty());
      reader.ClearChunk();
    } else if (!reader.done()) {
      Require(*used == piece.size());
    }
  }
  Require(reader.decoded_bytes() <= total);
  return 0;
}
