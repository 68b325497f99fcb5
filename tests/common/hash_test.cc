#include "common/hash.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <type_traits>
#include <utility>

#include "common/encoding.h"
#include "tests/support/random_seed.h"

namespace shale {
namespace {

constexpr std::string_view k448BitMessage =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& digest) {
  return HexEncode(std::span<const uint8_t>(digest));
}

// RFC 1321, appendix A.5.
TEST(Md5Test, Rfc1321Vectors) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (const auto& [input, expected] : cases) {
    EXPECT_EQ(Hex(Md5(input)), expected) << "MD5(\"" << input << "\")";
    EXPECT_EQ(Hex(Md5Stream().Update(input).Finish()), expected) << "streamed \"" << input << "\"";
  }
}

// FIPS 180-2 examples.
TEST(Sha1Test, Fips180Vectors) {
  EXPECT_EQ(Hex(Sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Hex(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Hex(Sha1(k448BitMessage)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(Sha256Test, Fips180Vectors) {
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256(k448BitMessage)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, OneMillionAsOneShotAndStreamed) {
  constexpr std::string_view kExpected =
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  EXPECT_EQ(Hex(Sha256(std::string(1'000'000, 'a'))), kExpected);
  Sha256Stream stream;
  const std::string thousand(1000, 'a');
  for (int i = 0; i < 1000; ++i) stream.Update(thousand);
  EXPECT_EQ(Hex(stream.Finish()), kExpected);
}

template <typename Stream, typename OneShot, typename... StreamArgs>
void ExpectStreamingMatchesOneShot(OneShot one_shot, StreamArgs... stream_args) {
  std::mt19937_64 rng(testing::TestSeed());
  Stream stream(stream_args...);  // Reused across messages: Finish() must restart it.
  for (int round = 0; round < 50; ++round) {
    std::string data(rng() % 3000, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    for (size_t pos = 0; pos < data.size();) {
      const size_t piece = std::min<size_t>(rng() % 200, data.size() - pos);
      stream.Update(std::span(reinterpret_cast<const uint8_t*>(data.data()) + pos, piece));
      pos += piece;
    }
    ASSERT_EQ(stream.Finish(), one_shot(data)) << "round " << round;
  }
}

TEST(DigestStreamTest, StreamingMatchesOneShotAtRandomSplits) {
  ExpectStreamingMatchesOneShot<Md5Stream>([](std::string_view d) { return Md5(d); });
  ExpectStreamingMatchesOneShot<Sha1Stream>([](std::string_view d) { return Sha1(d); });
  ExpectStreamingMatchesOneShot<Sha256Stream>([](std::string_view d) { return Sha256(d); });
  ExpectStreamingMatchesOneShot<HmacSha256Stream>(
      [](std::string_view d) { return HmacSha256("streaming key", d); }, "streaming key");
}

TEST(DigestStreamTest, MovableNotCopyable) {
  static_assert(!std::is_copy_constructible_v<Sha256Stream>);
  static_assert(!std::is_copy_assignable_v<Md5Stream>);
  static_assert(std::is_nothrow_move_constructible_v<Sha256Stream>);
  static_assert(!std::is_copy_constructible_v<HmacSha256Stream>);
  static_assert(std::is_nothrow_move_constructible_v<HmacSha256Stream>);

  Sha256Stream a;
  a.Update("ab");
  Sha256Stream b = std::move(a);
  b.Update("c");
  EXPECT_EQ(b.Finish(), Sha256("abc"));
  a = std::move(b);
  EXPECT_EQ(a.Update("abc").Finish(), Sha256("abc"));
}

std::string Repeat(int byte, size_t n) { return std::string(n, static_cast<char>(byte)); }

// RFC 4231 test cases 1-4, 6 and 7 (case 5 tests truncation, which this API does not offer).
TEST(HmacSha256Test, Rfc4231Vectors) {
  std::string key4;
  for (int i = 1; i <= 25; ++i) key4.push_back(static_cast<char>(i));
  const std::string big_key = Repeat(0xaa, 131);
  const struct {
    std::string key;
    std::string data;
    std::string_view mac;
  } cases[] = {
      {Repeat(0x0b, 20), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {Repeat(0xaa, 20), Repeat(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {key4, Repeat(0xcd, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {big_key, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {big_key,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Hex(HmacSha256(c.key, c.data)), c.mac) << c.data;
    HmacSha256Stream stream(c.key);
    const std::string_view data = c.data;
    stream.Update(data.substr(0, data.size() / 3)).Update(data.substr(data.size() / 3));
    EXPECT_EQ(Hex(stream.Finish()), c.mac) << "streamed " << c.data;
    // Finish() restarts with the same key.
    EXPECT_EQ(Hex(stream.Update(c.data).Finish()), c.mac) << "restarted " << c.data;
  }
}

TEST(HmacSha256Test, EmptyKeyAndData) {
  // Computed with Python: hmac.new(b"", b"", hashlib.sha256).hexdigest().
  constexpr std::string_view kExpected =
      "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  EXPECT_EQ(Hex(HmacSha256(std::string_view(), std::string_view())), kExpected);
  EXPECT_EQ(Hex(HmacSha256Stream("").Finish()), kExpected);
}

}  // namespace
}  // namespace shale
