#include "common/crc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/support/random_seed.h"

namespace shale {
namespace {

constexpr std::string_view kCheckInput = "123456789";

std::string Bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

std::string Ascending(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(i));
  return s;
}

// Bit-at-a-time reflected CRC, straight from the definition: an oracle independent of ISA-L and
// of the slicing tables.
template <typename T>
T ReferenceCrc(std::string_view data, T reflected_poly) {
  T reg = ~T{0};
  for (char c : data) {
    reg ^= static_cast<uint8_t>(c);
    for (int bit = 0; bit < 8; ++bit) reg = (reg >> 1) ^ ((reg & 1) ? reflected_poly : T{0});
  }
  return ~reg;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Crc32cTest, CheckValue) { EXPECT_EQ(Crc32c(kCheckInput), 0xe3069283u); }

TEST(Crc32cTest, EmptyIsZero) {
  EXPECT_EQ(Crc32c(std::string_view()), 0u);
  EXPECT_EQ(Crc32cStream().Finish(), 0u);
}

// RFC 3720, appendix B.4.
TEST(Crc32cTest, Rfc3720Vectors) {
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43u);
  EXPECT_EQ(Crc32c(Ascending(32)), 0x46dd794eu);
  std::string descending = Ascending(32);
  std::reverse(descending.begin(), descending.end());
  EXPECT_EQ(Crc32c(descending), 0x113fdb5cu);
  // The iSCSI read command PDU of B.4.
  const std::string pdu =
      Bytes({0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
             0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
             0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
             0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  EXPECT_EQ(Crc32c(pdu), 0xd9963a56u);
}

TEST(Crc32Test, CheckValues) {
  EXPECT_EQ(Crc32(kCheckInput), 0xcbf43926u);
  EXPECT_EQ(Crc32(std::string_view()), 0u);
  EXPECT_EQ(Crc32("The quick brown fox jumps over the lazy dog"), 0x414fa339u);
}

TEST(Crc64NvmeTest, CheckValues) {
  EXPECT_EQ(Crc64Nvme(kCheckInput), 0xae8b14860a799888ull);
  EXPECT_EQ(Crc64Nvme(std::string_view()), 0ull);
}

// Every length around the 8-byte slicing step and every start alignment, against the oracle.
TEST(CrcTest, MatchesBitwiseReferenceAtAllLengthsAndAlignments) {
  std::mt19937_64 rng(testing::TestSeed());
  const std::string buffer = RandomBytes(rng, 300);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; len + offset <= buffer.size(); len += (len < 80 ? 1 : 37)) {
      const std::string_view data = std::string_view(buffer).substr(offset, len);
      ASSERT_EQ(Crc32c(data), ReferenceCrc<uint32_t>(data, 0x82f63b78u)) << offset << "/" << len;
      ASSERT_EQ(Crc32(data), ReferenceCrc<uint32_t>(data, 0xedb88320u)) << offset << "/" << len;
      ASSERT_EQ(Crc64Nvme(data), ReferenceCrc<uint64_t>(data, 0x9a6c9329ac4bc9b5ull))
          << offset << "/" << len;
    }
  }
}

// Long buffers take the vectorised paths (ISA-L's folding loops, PCLMULQDQ for CRC64/NVME).
TEST(CrcTest, MatchesBitwiseReferenceOnLongBuffers) {
  std::mt19937_64 rng(testing::TestSeed());
  const std::string buffer = RandomBytes(rng, 100'003);
  for (size_t len : {64ul, 65ul, 127ul, 128ul, 1000ul, 4096ul, 100'003ul}) {
    const std::string_view data = std::string_view(buffer).substr(0, len);
    EXPECT_EQ(Crc32c(data), ReferenceCrc<uint32_t>(data, 0x82f63b78u)) << len;
    EXPECT_EQ(Crc32(data), ReferenceCrc<uint32_t>(data, 0xedb88320u)) << len;
    EXPECT_EQ(Crc64Nvme(data), ReferenceCrc<uint64_t>(data, 0x9a6c9329ac4bc9b5ull)) << len;
  }
}

TEST(CrcTest, SpanAndStringViewOverloadsAgree) {
  const std::vector<uint8_t> bytes(kCheckInput.begin(), kCheckInput.end());
  EXPECT_EQ(Crc32c(std::span<const uint8_t>(bytes)), Crc32c(kCheckInput));
  EXPECT_EQ(Crc32(std::span<const uint8_t>(bytes)), Crc32(kCheckInput));
  EXPECT_EQ(Crc64Nvme(std::span<const uint8_t>(bytes)), Crc64Nvme(kCheckInput));
}

template <typename Stream, typename OneShot>
void ExpectStreamingMatchesOneShot(OneShot one_shot) {
  std::mt19937_64 rng(testing::TestSeed());
  for (int round = 0; round < 200; ++round) {
    const std::string data = RandomBytes(rng, rng() % 5000);
    Stream stream;
    size_t pos = 0;
    while (pos < data.size()) {
      const size_t piece = std::min<size_t>(rng() % 300, data.size() - pos);
      stream.Update(std::string_view(data).substr(pos, piece));
      pos += piece;
    }
    ASSERT_EQ(stream.Finish(), one_shot(data)) << "round " << round << ", " << data.size() << " B";
  }
}

TEST(CrcTest, StreamingMatchesOneShotAtRandomSplits) {
  ExpectStreamingMatchesOneShot<Crc32cStream>([](std::string_view d) { return Crc32c(d); });
  ExpectStreamingMatchesOneShot<Crc32Stream>([](std::string_view d) { return Crc32(d); });
  ExpectStreamingMatchesOneShot<Crc64NvmeStream>([](std::string_view d) { return Crc64Nvme(d); });
}

TEST(CrcTest, FinishDoesNotConsumeAndResetRestarts) {
  Crc32cStream stream;
  stream.Update("12345");
  const Crc32cStream fork = stream;
  EXPECT_EQ(stream.Finish(), Crc32c("12345"));
  stream.Update("6789");
  EXPECT_EQ(stream.Finish(), 0xe3069283u);
  EXPECT_EQ(fork.Finish(), Crc32c("12345"));
  stream.Reset();
  EXPECT_EQ(stream.Update(kCheckInput).Finish(), 0xe3069283u);
}

}  // namespace
}  // namespace shale
