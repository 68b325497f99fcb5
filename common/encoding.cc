#include "common/encoding.h"

#include <array>
#include <string>

namespace shale {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeHexValues() {
  std::array<uint8_t, 256> t{};
  t.fill(kInvalid);
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 6; ++i) {
    t['a' + i] = static_cast<uint8_t>(10 + i);
    t['A' + i] = static_cast<uint8_t>(10 + i);
  }
  return t;
}

constexpr std::array<uint8_t, 256> MakeBase64Values() {
  std::array<uint8_t, 256> t{};
  t.fill(kInvalid);
  for (int i = 0; i < 64; ++i)
    t[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<uint8_t>(i);
  return t;
}

constexpr std::array<uint8_t, 256> kHexValues = MakeHexValues();
constexpr std::array<uint8_t, 256> kBase64Values = MakeBase64Values();

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Status TooLong(std::string_view what, size_t len, size_t limit) {
  return Status::InvalidArgument(std::string(what) + " input of " + std::to_string(len) +
                                 " characters exceeds the limit of " + std::to_string(limit));
}

}  // namespace

std::string HexEncode(std::span<const uint8_t> bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0x0f];
  }
  return out;
}

std::string HexEncode(std::string_view bytes) { return HexEncode(AsBytes(bytes)); }

Result<std::string> HexDecode(std::string_view hex, size_t max_input_len) {
  if (hex.size() > max_input_len) return TooLong("hex", hex.size(), max_input_len);
  if (hex.size() % 2 != 0) return Status::InvalidArgument("hex input has an odd length");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t hi = kHexValues[static_cast<uint8_t>(hex[2 * i])];
    const uint8_t lo = kHexValues[static_cast<uint8_t>(hex[2 * i + 1])];
    if (hi == kInvalid || lo == kInvalid) {
      return Status::InvalidArgument("hex input has a non-hex character near offset " +
                                     std::to_string(2 * i));
    }
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

std::string Base64Encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t group =
        (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(kBase64Alphabet[(group >> 18) & 0x3f]);
    out.push_back(kBase64Alphabet[(group >> 12) & 0x3f]);
    out.push_back(kBase64Alphabet[(group >> 6) & 0x3f]);
    out.push_back(kBase64Alphabet[group & 0x3f]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t group = uint32_t{bytes[i]} << 16;
    if (rest == 2) group |= uint32_t{bytes[i + 1]} << 8;
    out.push_back(kBase64Alphabet[(group >> 18) & 0x3f]);
    out.push_back(kBase64Alphabet[(group >> 12) & 0x3f]);
    out.push_back(rest == 2 ? kBase64Alphabet[(group >> 6) & 0x3f] : '=');
    out.push_back('=');
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) { return Base64Encode(AsBytes(bytes)); }

Result<std::string> Base64Decode(std::string_view text, size_t max_input_len) {
  if (text.size() > max_input_len) return TooLong("base64", text.size(), max_input_len);
  if (text.size() % 4 != 0) {
    return Status::InvalidArgument("base64 input length is not a multiple of 4");
  }
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const size_t data_chars = last ? 4 - padding : 4;
    uint32_t group = 0;
    for (size_t j = 0; j < 4; ++j) {
      uint8_t v = 0;
      if (j < data_chars) {
        v = kBase64Values[static_cast<uint8_t>(text[i + j])];
        if (v == kInvalid) {
          return Status::InvalidArgument("base64 input has an invalid character at offset " +
                                         std::to_string(i + j));
        }
      }
      group = (group << 6) | v;
    }
    // Unused bits must be zero, or two encodings would decode to the same bytes.
    if ((padding == 1 && last && (group & 0xff) != 0) ||
        (padding == 2 && last && (group & 0xffff) != 0)) {
      return Status::InvalidArgument("base64 input has non-zero padding bits");
    }
    out.push_back(static_cast<char>(group >> 16));
    if (data_chars > 2) out.push_back(static_cast<char>((group >> 8) & 0xff));
    if (data_chars > 3) out.push_back(static_cast<char>(group & 0xff));
  }
  return out;
}

}  // namespace shale
