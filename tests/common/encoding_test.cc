#include "common/encoding.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/random_seed.h"
#include "tests/support/status_matchers.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;

// RFC 4648, section 10.
const std::pair<std::string_view, std::string_view> kBase64Vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};
const std::pair<std::string_view, std::string_view> kHexVectors[] = {
    {"", ""},
    {"f", "66"},
    {"fo", "666f"},
    {"foo", "666f6f"},
    {"foob", "666f6f62"},
    {"fooba", "666f6f6261"},
    {"foobar", "666f6f626172"},
};

TEST(HexTest, Rfc4648Vectors) {
  for (const auto& [raw, hex] : kHexVectors) {
    EXPECT_EQ(HexEncode(raw), hex);
    ASSERT_OK_AND_ASSIGN(std::string decoded, HexDecode(hex));
    EXPECT_EQ(decoded, raw);
  }
}

TEST(HexTest, EncodesEveryByteLowercase) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  const std::string hex = HexEncode(all);
  ASSERT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(504), "fcfdfeff");
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  const std::vector<uint8_t> bytes = {0xde, 0xad, 0xbe, 0xef};
  EXPECT_EQ(HexEncode(std::span<const uint8_t>(bytes)), "deadbeef");
}

TEST(HexTest, DecodeAcceptsUppercase) {
  ASSERT_OK_AND_ASSIGN(std::string decoded, HexDecode("DEADbeef"));
  EXPECT_EQ(decoded, "\xde\xad\xbe\xef");
}

TEST(HexTest, DecodeRejectsMalformedInput) {
  const std::string_view bad_inputs[] = {
      "a", "abc", "zz", "0g", "g0", "  ", "0x00", "00 ", "-1", std::string_view("\0\0", 2),
  };
  for (std::string_view bad : bad_inputs) {
    EXPECT_THAT(HexDecode(bad), StatusIs(StatusCode::kInvalidArgument)) << "\"" << bad << "\"";
  }
}

TEST(HexTest, DecodeEnforcesLengthLimit) {
  EXPECT_OK(HexDecode("0011", 4));
  EXPECT_THAT(HexDecode("001122", 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(HexDecode(std::string(kDefaultMaxEncodedLength + 2, '0')),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(Base64Test, Rfc4648Vectors) {
  for (const auto& [raw, encoded] : kBase64Vectors) {
    EXPECT_EQ(Base64Encode(raw), encoded);
    ASSERT_OK_AND_ASSIGN(std::string decoded, Base64Decode(encoded));
    EXPECT_EQ(decoded, raw);
  }
}

TEST(Base64Test, ContentMd5Example) {
  // The MD5 of "" as S3's Content-MD5 header carries it.
  const std::vector<uint8_t> md5 = {0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04,
                                    0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e};
  EXPECT_EQ(Base64Encode(std::span<const uint8_t>(md5)), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(Base64Encode(std::string_view("\xfb\xff\xbf", 3)), "+/+/");
}

TEST(Base64Test, DecodeRejectsMalformedInput) {
  const std::string_view bad_inputs[] = {
      "Zg",           // Missing padding.
      "Zg=",          // Length not a multiple of 4.
      "Zh==",         // Non-zero unused bits (one byte).
      "Zm9=",         // Non-zero unused bits (two bytes).
      "Z===",         // Three padding characters.
      "====",         // Only padding.
      "=Zg=",         // Padding first.
      "Zg==Zg==",     // Padding before the end.
      "Zm=v",         // Padding inside a group.
      "Zm9v\n",       // Whitespace is not skipped.
      " Zm9v",        //
      "Zm9 v",        //
      "Zm-v",         // base64url alphabet.
      "Zm_v",         //
      "Zm9v\xff===",  //
      std::string_view("Zm\0v", 4),
  };
  for (std::string_view bad : bad_inputs) {
    EXPECT_THAT(Base64Decode(bad), StatusIs(StatusCode::kInvalidArgument)) << "\"" << bad << "\"";
  }
}

TEST(Base64Test, DecodeEnforcesLengthLimit) {
  EXPECT_OK(Base64Decode("Zm9vYmFy", 8));
  EXPECT_THAT(Base64Decode("Zm9vYmFy", 7), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64Decode(std::string(kDefaultMaxEncodedLength + 4, 'A')),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_OK(Base64Decode(std::string(kDefaultMaxEncodedLength, 'A')));
}

TEST(EncodingTest, RandomRoundTrips) {
  std::mt19937_64 rng(testing::TestSeed());
  for (size_t len = 0; len < 200; ++len) {
    std::string raw(len, '\0');
    for (auto& c : raw) c = static_cast<char>(rng());
    const std::string b64 = Base64Encode(raw);
    EXPECT_EQ(b64.size(), (len + 2) / 3 * 4);
    ASSERT_OK_AND_ASSIGN(std::string from_b64, Base64Decode(b64));
    EXPECT_EQ(from_b64, raw) << "length " << len;
    ASSERT_OK_AND_ASSIGN(std::string from_hex, HexDecode(HexEncode(raw)));
    EXPECT_EQ(from_hex, raw) << "length " << len;
  }
}

}  // namespace
}  // namespace shale
