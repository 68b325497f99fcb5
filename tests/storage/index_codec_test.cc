#include "storage/index_codec.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "tests/support/status_matchers.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;

// Every layout: round trip, then every truncation, an extra byte and a wrong version byte
// must be Corruption.
struct Layout {
  const char* name;
  std::string encoded;
  std::function<Status(std::string_view)> decode;  // Decodes and checks the round trip.
};

std::vector<Layout> Layouts() {
  ShardEntry shard{{1, 4096, 1000}, 64, 900, 0xE3069283, 77, kEntryBad};
  MetadataEntry meta{{2, 8192, 300}, 9, kEntryDeleteMarker, std::string("rec\0ord", 7)};
  SegmentStats stats{10, 20, 30, true};
  SegmentRecordRef ref{5, 100, RecordKind::kVersion, "b\0k"};
  RepairItem item{7, RecordKind::kShard, "shard-1", "scrub: bad crc", 1700000000000};
  auto same = [](bool eq) { return eq ? Status::OK() : Status::Internal("round trip differs"); };
  return {
      {"shard", EncodeShardEntry(shard),
       [=](std::string_view b) -> Status {
         SHALE_ASSIGN_OR_RETURN(auto d, DecodeShardEntry(b));
         return same(d == shard);
       }},
      {"metadata", EncodeMetadataEntry(meta),
       [=](std::string_view b) -> Status {
         SHALE_ASSIGN_OR_RETURN(auto d, DecodeMetadataEntry(b));
         return same(d == meta);
       }},
      {"stats", EncodeSegmentStats(stats),
       [=](std::string_view b) -> Status {
         SHALE_ASSIGN_OR_RETURN(auto d, DecodeSegmentStats(b));
         return same(d == stats);
       }},
      {"repair", EncodeRepairItem(item),
       [=](std::string_view b) -> Status {
         SHALE_ASSIGN_OR_RETURN(auto d, DecodeRepairItem(7, b));
         return same(d.id == item.id && d.reason == item.reason && d.kind == item.kind &&
                     d.enqueue_time_ms == item.enqueue_time_ms && d.seq == 7);
       }},
  };
}

TEST(IndexCodecTest, RoundTripAndRejectDamage) {
  for (const Layout& l : Layouts()) {
    SCOPED_TRACE(l.name);
    EXPECT_OK(l.decode(l.encoded));
    EXPECT_EQ(static_cast<uint8_t>(l.encoded[0]), kIndexValueVersion);
    for (size_t n = 0; n < l.encoded.size(); ++n) {
      EXPECT_THAT(l.decode(l.encoded.substr(0, n)), StatusIs(StatusCode::kCorruption)) << n;
    }
    EXPECT_THAT(l.decode(l.encoded + "x"), StatusIs(StatusCode::kCorruption));
    std::string wrong = l.encoded;
    wrong[0] = 2;
    EXPECT_THAT(l.decode(wrong), StatusIs(StatusCode::kCorruption));
  }
}

TEST(IndexCodecTest, ExactSizesAndFieldChecks) {
  EXPECT_EQ(EncodeShardEntry({}).size(), 38u);
  EXPECT_EQ(EncodeMetadataEntry({}).size(), 30u);
  EXPECT_EQ(EncodeSegmentStats({}).size(), 26u);
  std::string stats = EncodeSegmentStats({});
  stats.back() = 2;  // Sealed must be 0 or 1.
  EXPECT_THAT(DecodeSegmentStats(stats), StatusIs(StatusCode::kCorruption));
  std::string ref = EncodeSegmentRecordRef({0, 1, RecordKind::kShard, "s"});
  ref[1] = 9;  // Unknown kind.
  EXPECT_THAT(DecodeSegmentRecordRef(0, ref), StatusIs(StatusCode::kCorruption));
  ASSERT_OK_AND_ASSIGN(
      auto r, DecodeSegmentRecordRef(3, EncodeSegmentRecordRef({0, 1, RecordKind::kBucket, "b"})));
  EXPECT_EQ(r.offset, 3u);
  EXPECT_EQ(r.id, "b");
}

}  // namespace
}  // namespace shale::storage
