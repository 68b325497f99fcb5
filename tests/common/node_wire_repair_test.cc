// The repair and scrub bodies of the internal API (common/node_wire.h): round trips, every
// truncation refused, and the field rules of each decoder.

#include <gtest/gtest.h>

#include "common/node_wire.h"
#include "tests/support/status_matchers.h"

namespace shale::node_wire {
namespace {

// Every strict prefix of `body` must be refused by `decode`, and so must a trailing byte.
template <typename Decode>
void ExpectTruncationsRefused(const std::string& body, Decode decode) {
  for (size_t n = 0; n < body.size(); ++n) EXPECT_FALSE(decode(body.substr(0, n)).ok()) << n;
  EXPECT_FALSE(decode(body + "x").ok());
}

TEST(NodeWireRepairTest, ScanPageRoundTrip) {
  WireScanPage page;
  page.truncated = true;
  page.entries.push_back({"b1", {"k1", {1, 2}, WireKind::kObject, 7, "payload"}});
  page.entries.push_back({"b1", {"k1", {1}, WireKind::kPurged, 9, std::string(8, '\0')}});
  page.entries.push_back({"b2", {"", {}, WireKind::kDeleteMarker, 10, ""}});
  std::string body = EncodeScanPage(page);
  ASSERT_OK_AND_ASSIGN(WireScanPage back, DecodeScanPage(body));
  EXPECT_EQ(back, page);
  ExpectTruncationsRefused(body, DecodeScanPage);
  ASSERT_OK_AND_ASSIGN(back, DecodeScanPage(EncodeScanPage({})));
  EXPECT_EQ(back, WireScanPage{});

  WireScanPage bad = page;
  bad.entries[0].bucket = "";  // Bucket names are 1..255 bytes.
  EXPECT_FALSE(DecodeScanPage(EncodeScanPage(bad)).ok());
  bad.entries[0].bucket = std::string(256, 'b');
  EXPECT_FALSE(DecodeScanPage(EncodeScanPage(bad)).ok());
  std::string bad_kind = EncodeScanPage(page);
  bad_kind[5 + 2 + 2 + 4 + 2 + 16] = 3;  // The first entry's kind byte.
  EXPECT_FALSE(DecodeScanPage(bad_kind).ok());
  std::string bad_flag = body;
  bad_flag[0] = 2;  // truncated is 0 or 1.
  EXPECT_FALSE(DecodeScanPage(bad_flag).ok());
  // A huge count with no bytes behind it is refused before any allocation.
  EXPECT_FALSE(DecodeScanPage(std::string("\0\xff\xff\xff\x0f", 5)).ok());
}

TEST(NodeWireRepairTest, ShardPageRoundTrip) {
  WireShardPage page;
  page.shards.push_back({std::string("\0\xff", 2), true, true, 1 << 20, 0xdeadbeef});
  page.shards.push_back({std::string(255, 's'), true, false, 0, 0});
  std::string body = EncodeShardPage(page);
  ASSERT_OK_AND_ASSIGN(WireShardPage back, DecodeShardPage(body));
  EXPECT_EQ(back, page);
  ExpectTruncationsRefused(body, DecodeShardPage);

  WireShardPage absent = page;
  absent.shards[0].present = false;  // A listed shard is present.
  EXPECT_FALSE(DecodeShardPage(EncodeShardPage(absent)).ok());
  WireShardPage empty_id = page;
  empty_id.shards[0].id = "";
  EXPECT_FALSE(DecodeShardPage(EncodeShardPage(empty_id)).ok());
  std::string bad_flags = body;
  bad_flags[5 + 1 + 2] = 7;  // Unknown flag bit.
  EXPECT_FALSE(DecodeShardPage(bad_flags).ok());
}

TEST(NodeWireRepairTest, RepairItemsRoundTripAndKindRules) {
  std::vector<WireRepairItem> items(4);
  items[0] = {1, WireRepairKind::kShard, "shard\x01", "", "", {}, "read found a bad checksum", 5};
  items[1] = {2, WireRepairKind::kVersion, "", "bkt", "key/ключ", {9}, "scrub: crc", 6};
  items[2] = {3, WireRepairKind::kBucket, "", "bkt", "", {}, "", 7};
  items[3] = {UINT64_MAX, WireRepairKind::kObjectHint, "", "b", "", {1, 2, 3}, "hint", UINT64_MAX};
  std::string body = EncodeRepairItems(items);
  ASSERT_OK_AND_ASSIGN(auto back, DecodeRepairItems(body));
  EXPECT_EQ(back, items);
  ExpectTruncationsRefused(body, DecodeRepairItems);

  auto refused = [](WireRepairItem item) {
    return !DecodeRepairItems(EncodeRepairItems({item})).ok();
  };
  EXPECT_TRUE(refused({1, WireRepairKind::kShard, "s", "bkt", "", {}, "", 0}));
  EXPECT_TRUE(refused({1, WireRepairKind::kVersion, "s", "bkt", "k", {}, "", 0}));
  EXPECT_TRUE(refused({1, WireRepairKind::kBucket, "", "bkt", "k", {}, "", 0}));
  EXPECT_TRUE(refused({1, static_cast<WireRepairKind>(5), "", "bkt", "", {}, "", 0}));
  EXPECT_TRUE(refused({1, static_cast<WireRepairKind>(0), "", "bkt", "", {}, "", 0}));
  // Over-long reasons are cut to the u16 limit by the encoder, not refused.
  WireRepairItem long_reason = items[1];
  long_reason.reason = std::string(70000, 'r');
  ASSERT_OK_AND_ASSIGN(back, DecodeRepairItems(EncodeRepairItems({long_reason})));
  EXPECT_EQ(back[0].reason.size(), 65535u);
}

TEST(NodeWireRepairTest, RepairSeqsRoundTripAndLimit) {
  std::vector<uint64_t> seqs = {1, 0, UINT64_MAX, 42};
  std::string body = EncodeRepairSeqs(seqs);
  EXPECT_EQ(body.size(), 4u + 4 * 8);
  ASSERT_OK_AND_ASSIGN(auto back, DecodeRepairSeqs(body));
  EXPECT_EQ(back, seqs);
  ExpectTruncationsRefused(body, DecodeRepairSeqs);
  ASSERT_OK_AND_ASSIGN(back, DecodeRepairSeqs(EncodeRepairSeqs({})));
  EXPECT_TRUE(back.empty());
  std::vector<uint64_t> too_many(kMaxListEntries + 1, 1);
  EXPECT_THAT(DecodeRepairSeqs(EncodeRepairSeqs(too_many)),
              ::shale::testing::StatusIs(StatusCode::kInvalidArgument));
  std::vector<uint64_t> most(kMaxListEntries, 1);
  EXPECT_OK(DecodeRepairSeqs(EncodeRepairSeqs(most)));
}

TEST(NodeWireRepairTest, VersionPagesCarryPurgedKind) {
  WireVersionPage page;
  page.versions.push_back({"k", {}, WireKind::kPurged, 3, std::string(8, '\x01')});
  std::string body = EncodeVersionPage(page);
  ASSERT_OK_AND_ASSIGN(auto back, DecodeVersionPage(body));
  EXPECT_EQ(back, page);
  body[5 + 4 + 1 + 16] = 3;  // No kind 3.
  EXPECT_FALSE(DecodeVersionPage(body).ok());
}

}  // namespace
}  // namespace shale::node_wire
