// The pure repair rules: which copy of a version wins, what each node must be sent, which
// shards of a chunk need a rebuild, tombstone dating, and the sweep state file codec.

#include "storage/repair_plan.h"

#include <gtest/gtest.h>

#include "storage/repair_scan.h"
#include "storage/repair_stats.h"
#include "storage/repair_sweep_state.h"
#include "tests/support/status_matchers.h"

namespace shale::storage {
namespace {

using node_wire::WireKind;
using node_wire::WireVersion;

VersionId Rev(uint64_t t) { return VersionId{t, 0, 1}; }

WireVersion Record(uint64_t revision, ObjectLayout layout = {}, uint64_t size = 0,
                   WireKind kind = WireKind::kObject) {
  ObjectInfo info;
  info.size = size;
  info.etag = std::string(32, 'a');
  info.layout = EncodeLayout(layout);
  WireVersion w;
  w.key = "k";
  w.kind = kind;
  w.payload = EncodeObjectRecord(info, Rev(revision));
  return w;
}

WireVersion Tombstone(uint64_t ms) {
  WireVersion w;
  w.key = "k";
  w.kind = WireKind::kPurged;
  w.payload = EncodePurgePayload(ms);
  return w;
}

ObjectLayout Replicated(uint32_t rotation, bool with_data) {
  ObjectLayout l;
  l.kind = LayoutKind::kReplicated;
  l.k = 2;
  l.m = 1;
  l.rotation = rotation;
  l.replicas = 2;
  l.has_data = with_data;
  if (with_data) l.data = "hello";
  return l;
}

TEST(PickWinner, LargestRevisionWins) {
  std::vector<HeldRecord> held = {Record(5), std::nullopt, Record(9), Record(7)};
  EXPECT_EQ(PickWinner(held), 2u);
}

TEST(PickWinner, PurgeBeatsNewerRevision) {
  std::vector<HeldRecord> held = {Record(50), Tombstone(1), Record(90)};
  EXPECT_EQ(PickWinner(held), 1u);
}

TEST(PickWinner, NothingHeld) { EXPECT_EQ(PickWinner({std::nullopt, std::nullopt}), std::nullopt); }

TEST(PickWinner, UndecodableLosesToDecodable) {
  WireVersion junk = Record(99);
  junk.payload = "junk";
  std::vector<HeldRecord> held = {junk, Record(1)};
  EXPECT_EQ(PickWinner(held), 1u);
}

TEST(PlanRecordWrites, CopiesToMissingAndOlderOnly) {
  std::vector<HeldRecord> held = {Record(9), std::nullopt, Record(3)};
  RecordPlan plan = PlanRecordWrites(held, 0);
  EXPECT_FALSE(plan.writes[0].has_value());
  ASSERT_TRUE(plan.writes[1].has_value());
  EXPECT_EQ(plan.writes[1]->payload, held[0]->payload);
  ASSERT_TRUE(plan.writes[2].has_value());
  EXPECT_FALSE(RecordsAgree(held));
}

TEST(PlanRecordWrites, TombstoneReachesEveryNodeAndIsNeverReplaced) {
  std::vector<HeldRecord> held = {Record(9), Tombstone(7), std::nullopt};
  RecordPlan plan = PlanRecordWrites(held, *PickWinner(held));
  ASSERT_TRUE(plan.writes[0].has_value());
  EXPECT_EQ(plan.writes[0]->kind, WireKind::kPurged);
  EXPECT_FALSE(plan.writes[1].has_value());
  ASSERT_TRUE(plan.writes[2].has_value());
  EXPECT_EQ(DecodePurgeTimeMs(plan.writes[2]->payload), 7u);
}

TEST(PlanRecordWrites, ReplicaHoldersGetTheInlineBytesOthersDoNot) {
  // Rotation 1 over 3 nodes: positions 0 and 1 (the holders) are nodes 1 and 2.
  WireVersion with = Record(4, Replicated(1, true), 5);
  WireVersion without = Record(4, Replicated(1, false), 5);
  std::vector<HeldRecord> held = {std::nullopt, with, std::nullopt};
  RecordPlan plan = PlanRecordWrites(held, 1);
  EXPECT_FALSE(plan.inline_bytes_lost);
  ASSERT_TRUE(plan.writes[0].has_value());
  EXPECT_EQ(plan.writes[0]->payload, without.payload);
  EXPECT_FALSE(plan.writes[1].has_value());
  ASSERT_TRUE(plan.writes[2].has_value());
  EXPECT_EQ(plan.writes[2]->payload, with.payload);
  EXPECT_TRUE(RecordsAgree({without, with, with}));
  EXPECT_FALSE(RecordsAgree({with, with, with}));  // A non-holder must not carry the bytes.
}

TEST(PlanRecordWrites, LostInlineBytesAreReported) {
  WireVersion without = Record(4, Replicated(0, false), 5);
  std::vector<HeldRecord> held = {std::nullopt, std::nullopt, without};
  RecordPlan plan = PlanRecordWrites(held, 2);
  EXPECT_TRUE(plan.inline_bytes_lost);
  EXPECT_FALSE(plan.writes[0].has_value());  // Holders: nothing better to give them.
  EXPECT_FALSE(plan.writes[1].has_value());
}

TEST(PlanChunk, MissingUnhealthyAndWrongLengthAreRebuilt) {
  auto check = [](bool present, bool healthy, uint64_t len) {
    return std::optional<node_wire::ShardCheck>(node_wire::ShardCheck{"x", present, healthy, len});
  };
  std::vector<std::optional<node_wire::ShardCheck>> checks = {
      check(true, true, 64),  check(false, false, 0), check(true, false, 64),
      check(true, true, 128), std::nullopt,           check(true, true, 64)};
  ChunkPlan plan = PlanChunk(checks, 64);
  EXPECT_EQ(plan.good, (std::vector<uint32_t>{0, 5}));
  EXPECT_EQ(plan.rebuild, (std::vector<uint32_t>{1, 2, 3}));
}

TEST(ChunkLength, LastChunkIsShort) {
  ErasureExtent e{VersionId{}, 250, 100};
  EXPECT_EQ(ChunkCount(e), 3u);
  EXPECT_EQ(ChunkLength(e, 0), 100u);
  EXPECT_EQ(ChunkLength(e, 2), 50u);
}

TEST(Tombstones, DroppableOnlyWhenEveryHolderIsAnOldTombstone) {
  EXPECT_TRUE(TombstoneDroppable({Tombstone(10), std::nullopt, Tombstone(20)}, 30));
  EXPECT_FALSE(TombstoneDroppable({Tombstone(10), Tombstone(40)}, 30));  // Too young.
  EXPECT_FALSE(TombstoneDroppable({Tombstone(10), Record(1)}, 30));      // Not everywhere yet.
  EXPECT_FALSE(TombstoneDroppable({std::nullopt, std::nullopt}, 30));
  WireVersion undated = Tombstone(0);
  undated.payload = "x";
  EXPECT_FALSE(TombstoneDroppable({undated}, 30));
}

TEST(SetPosition, InvertsNodeInSet) {
  for (uint32_t rot = 0; rot < 6; ++rot) {
    for (uint32_t pos = 0; pos < 6; ++pos)
      EXPECT_EQ(SetPosition(NodeInSet(pos, rot, 6), rot, 6), pos);
  }
}

TEST(ScanBefore, BucketThenKeyThenNewestFirst) {
  NodeScanPosition a{"b", "k", {}}, b = a;
  a.version[15] = 2;
  b.version[15] = 1;
  EXPECT_TRUE(ScanBefore(a, b));
  EXPECT_FALSE(ScanBefore(b, a));
  EXPECT_TRUE(ScanBefore({"a", "z", {}}, {"b", "a", {}}));
  EXPECT_TRUE(ScanBefore({"b", "a", {}}, {"b", "b", {}}));
}

TEST(SweepState, RoundTripsAndRefusesDamage) {
  SweepState s;
  s.running = true;
  s.bucket = "photos";
  s.prefix = "2024/";
  s.range_index = 1;
  s.cursor = NodeScanPosition{"photos:parts", std::string(1024, 'k'), {}};
  s.cursor->version[3] = 7;
  s.scanned = 12345;
  s.total_estimate = 99999;
  s.started_ms = 1700000000000;
  s.last_completed_ms = 1600000000000;
  const std::string bytes = EncodeSweepState(s);
  ASSERT_OK_AND_ASSIGN(SweepState back, DecodeSweepState(bytes));
  EXPECT_EQ(EncodeSweepState(back), bytes);
  EXPECT_TRUE(back.running);
  EXPECT_EQ(back.prefix, "2024/");
  ASSERT_TRUE(back.cursor.has_value());
  EXPECT_EQ(back.cursor->key, s.cursor->key);
  EXPECT_EQ(back.cursor->version, s.cursor->version);
  EXPECT_EQ(back.scanned, 12345u);
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    EXPECT_FALSE(DecodeSweepState(bad).ok()) << "flip at " << i;
  }
  EXPECT_FALSE(DecodeSweepState(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(DecodeSweepState(bytes + "x").ok());
  EXPECT_FALSE(DecodeSweepState("").ok());
}

TEST(SweepProgress, ProgressAndEta) {
  SweepState s;
  s.running = true;
  s.scanned = 25;
  s.total_estimate = 100;
  s.started_ms = 1000;
  EXPECT_DOUBLE_EQ(SweepProgress(s), 0.25);
  EXPECT_EQ(SweepEtaSeconds(s, 11000), 31u);  // 10 s for 25: 30 s for 75 more (+1 rounding).
  s.running = false;
  EXPECT_EQ(SweepEtaSeconds(s, 11000), 0u);
}

TEST(RepairStats, StatusJsonNamesTheContract) {
  RepairStats stats(nullptr, "n0");
  RepairOutcome o;
  o.records_copied = 3;
  o.shards_repaired = 2;
  o.shard_bytes = 128;
  stats.Add(o);
  stats.AddError("boom \"quoted\"");
  RepairSnapshot snap;
  snap.coordinator = true;
  snap.set = 1;
  snap.sweep.running = true;
  snap.sweep.bucket = "b";
  stats.SetSnapshot(snap);
  const std::string json = stats.StatusJson();
  for (const char* name : {"\"coordinator\":true",
                           "\"set\":1",
                           "\"queue_depth\":0",
                           "\"sweep\":{\"running\":true",
                           "\"bucket\":\"b\"",
                           "\"prefix\":\"\"",
                           "\"scanned\":0",
                           "\"total_estimate\":0",
                           "\"progress\":0.0",
                           "\"started_ms\":0",
                           "\"last_completed_ms\":0",
                           "\"eta_seconds\":0",
                           "\"degraded_objects\":0",
                           "\"records_copied_total\":3",
                           "\"shards_repaired_total\":2",
                           "\"shard_bytes_repaired_total\":128",
                           "\"orphan_shards_deleted_total\":0",
                           "\"orphan_bytes_deleted_total\":0",
                           "\"tombstones_dropped_total\":0",
                           "\"errors_total\":1",
                           "\"last_error\":\"boom \\\"quoted\\\"\""}) {
    EXPECT_NE(json.find(name), std::string::npos) << name << " in " << json;
  }
}

}  // namespace
}  // namespace shale::storage
