// Fuzz target for the base64 and hex decoders (common/encoding.h). Properties checked on every
// input, used both as encoded text and as raw bytes:
//  - the decoders never crash, hang or read out of bounds;
//  - decoding is canonical: whatever decodes re-encodes to the same text (hex modulo case);
//  - decode(encode(bytes)) == bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/encoding.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto b64 = shale::Base64Decode(input);
  if (b64.ok()) Require(shale::Base64Encode(*b64) == input);
  auto hex = shale::HexDecode(input);
  if (hex.ok()) Require(shale::HexEncode(*hex) == Lowercase(input));

  auto b64_round = shale::Base64Decode(shale::Base64Encode(input), size * 2 + 8);
  Require(b64_round.ok() && *b64_round == input);
  auto hex_round = shale::HexDecode(shale::HexEncode(input), size * 2 + 8);
  Require(hex_round.ok() && *hex_round == input);
  return 0;
}
