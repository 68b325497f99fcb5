#include "common/node_wire.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace shale::node_wire {
namespace {

using ::shale::testing::StatusIs;

TEST(NodeWireTest, StatusRoundTripsThroughErrorBody) {
  for (int c = 1; c <= static_cast<int>(StatusCode::kInternal); ++c) {
    Status s(static_cast<StatusCode>(c), "why \"quoted\"\n");
    Status back = DecodeError(HttpStatusFor(s.code()), EncodeError(s));
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 403);
  EXPECT_THAT(DecodeError(404, "<html>"), StatusIs(StatusCode::kNotFound));
}

TEST(NodeWireTest, CheckRoundTrip) {
  std::vector<std::string> ids = {"a", std::string(255, 'x'), std::string("\0\1", 2)};
  ASSERT_OK_AND_ASSIGN(auto decoded, DecodeCheckRequest(EncodeCheckRequest(ids)));
  EXPECT_EQ(decoded, ids);
  std::vector<ShardCheck> checks = {{"a", true, true, 5, 0xdeadbeef}, {"b", false, false, 0, 0}};
  std::string body = EncodeCheckResponse(checks);
  ASSERT_OK_AND_ASSIGN(auto back, DecodeCheckResponse(body));
  EXPECT_EQ(back, checks);
  for (size_t n = 0; n < body.size(); ++n) {
    EXPECT_FALSE(DecodeCheckResponse(body.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(DecodeCheckRequest(std::string(1, '\0')).ok());
  EXPECT_FALSE(DecodeCheckRequest("\x05"
                                  "ab")
                   .ok());
}

TEST(NodeWireTest, VersionPageRoundTrip) {
  WireVersionPage page;
  page.truncated = true;
  page.versions.push_back({"k1", {1, 2, 3}, WireKind::kObject, 7, "payload"});
  page.versions.push_back({"k/2", {}, WireKind::kDeleteMarker, 9, ""});
  std::string body = EncodeVersionPage(page);
  ASSERT_OK_AND_ASSIGN(auto back, DecodeVersionPage(body));
  EXPECT_EQ(back, page);
  for (size_t n = 0; n < body.size(); ++n) EXPECT_FALSE(DecodeVersionPage(body.substr(0, n)).ok());
  EXPECT_FALSE(DecodeVersionPage(body + "x").ok());
  // A huge count with no bytes behind it is refused before any allocation.
  EXPECT_FALSE(DecodeVersionPage(std::string("\0\xff\xff\xff\x0f", 5)).ok());
}

TEST(NodeWireTest, BucketListRoundTrip) {
  std::vector<WireBucket> buckets = {{"a", "p1"}, {"bb", ""}};
  std::string body = EncodeBucketList(buckets);
  ASSERT_OK_AND_ASSIGN(auto back, DecodeBucketList(body));
  EXPECT_EQ(back, buckets);
  for (size_t n = 0; n < body.size(); ++n) EXPECT_FALSE(DecodeBucketList(body.substr(0, n)).ok());
}

TEST(NodeWireTest, VersionIdHex) {
  std::array<uint8_t, 16> v{};
  v[0] = 0xab;
  v[15] = 0x01;
  EXPECT_EQ(VersionIdToHex(v), "ab000000000000000000000000000001");
  ASSERT_OK_AND_ASSIGN(auto back, VersionIdFromHex("ab000000000000000000000000000001"));
  EXPECT_EQ(back, v);
  EXPECT_FALSE(VersionIdFromHex("ab").ok());
  EXPECT_FALSE(VersionIdFromHex(std::string(32, 'g')).ok());
}

TEST(NodeWireTest, RepairHintRoundTripAndLimits) {
  RepairHint hint{"bkt", std::string("k\0\xff/", 4), {}, "shard 3 missed"};
  hint.version[0] = 0xab;
  hint.version[15] = 0x01;
  std::string body = EncodeRepairHint(hint);
  EXPECT_EQ(body.size(), 2 + 3 + 2 + 4 + 16 + 2 + 14);
  ASSERT_OK_AND_ASSIGN(RepairHint back, DecodeRepairHint(body));
  EXPECT_EQ(back, hint);
  // Every strict prefix and any trailing byte is refused.
  for (size_t n = 0; n < body.size(); ++n) {
    EXPECT_THAT(DecodeRepairHint(body.substr(0, n)), StatusIs(StatusCode::kInvalidArgument)) << n;
  }
  EXPECT_THAT(DecodeRepairHint(body + "x"), StatusIs(StatusCode::kInvalidArgument));

  // Limits: an empty bucket, a key or bucket over its limit are refused; the encoder cuts an
  // over-long reason so every hint it produces decodes.
  RepairHint edge{std::string(kMaxHintBucketSize, 'b'),
                  std::string(kMaxHintKeySize, 'k'),
                  {},
                  std::string(kMaxHintReasonSize + 10, 'r')};
  ASSERT_OK_AND_ASSIGN(back, DecodeRepairHint(EncodeRepairHint(edge)));
  EXPECT_EQ(back.key, edge.key);
  EXPECT_EQ(back.reason.size(), kMaxHintReasonSize);
  std::string empty_bucket("\0\0\0\0", 4);
  empty_bucket += std::string(16, '\0') + std::string("\0\0", 2);
  EXPECT_THAT(DecodeRepairHint(empty_bucket), StatusIs(StatusCode::kInvalidArgument));
  std::string long_key("\x01\0b", 3);
  long_key += std::string("\x01\x04", 2) + std::string(1025, 'k') + std::string(16, '\0') +
              std::string("\0\0", 2);
  EXPECT_THAT(DecodeRepairHint(long_key), StatusIs(StatusCode::kInvalidArgument));
  std::string bad_len("\xff\xff", 2);  // A length far beyond the bytes present.
  bad_len += "abc";
  EXPECT_THAT(DecodeRepairHint(bad_len), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace shale::node_wire
