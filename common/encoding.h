#pragma once

// Text encodings of binary values: lowercase hex (SigV4 hashes and signatures, ETags) and
// standard base64 with padding, RFC 4648 section 4 (Content-MD5, x-amz-checksum-* headers).
//
// Encoders accept any bytes. Decoders parse untrusted input: they are pure, reject anything
// that is not the canonical encoding (wrong alphabet, wrong length, misplaced or missing
// padding, non-zero unused bits in base64, whitespace) with InvalidArgument, and refuse inputs
// longer than `max_input_len` before doing any work. Decoded bytes are returned in a
// std::string (a byte container, not text).
//
// Thread-safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shale {

// Default decoder input limit: far above any header value S3 clients send, low enough that an
// attacker cannot make a decoder allocate much.
inline constexpr size_t kDefaultMaxEncodedLength = 64 * 1024;

std::string HexEncode(std::span<const uint8_t> bytes);
std::string HexEncode(std::string_view bytes);
// Accepts upper- and lowercase digits; rejects odd lengths.
Result<std::string> HexDecode(std::string_view hex,
                              size_t max_input_len = kDefaultMaxEncodedLength);

std::string Base64Encode(std::span<const uint8_t> bytes);
std::string Base64Encode(std::string_view bytes);
// Strict: length a multiple of 4, '=' only as the last one or two characters, unused bits of
// the final group zero (so every byte string has exactly one accepted encoding).
Result<std::string> Base64Decode(std::string_view text,
                                 size_t max_input_len = kDefaultMaxEncodedLength);

}  // namespace shale
