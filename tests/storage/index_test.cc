#include "storage/index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;
using ::testing::HasSubstr;
using namespace std::string_literals;

// (Not "b" + to_string: GCC 12 warns falsely on it, -Werror=restrict.)
std::string Name(std::string_view prefix, int i) {
  return std::string(prefix).append(std::to_string(i));
}

RecordLocation Loc(uint32_t seg, uint64_t off, uint32_t len) { return {seg, off, len}; }

ShardEntry Shard(RecordLocation loc, uint64_t seq) {
  ShardEntry e;
  e.location = loc;
  e.payload_offset = 64;
  e.payload_length = loc.length > 68 ? loc.length - 68 : 0;
  e.payload_crc32c = 0xE3069283;
  e.sequence = seq;
  return e;
}

MetadataEntry Meta(RecordLocation loc, uint64_t seq, std::string payload, uint8_t flags = 0) {
  return MetadataEntry{loc, seq, flags, std::move(payload)};
}

VersionId Vid(uint64_t n) {
  VersionId v{};
  for (int i = 0; i < 8; ++i) v[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  return v;
}

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(IndexOptions options = {}) {
    index_.reset();
    ASSERT_OK_AND_ASSIGN(index_, Index::Open(dir(), options));
  }
  std::string dir() const { return tmp_.Sub("index"); }
  SegmentStats Stats(uint32_t seg) {
    Result<IndexSnapshot> snap = index_->Snapshot();
    EXPECT_TRUE(snap.ok());
    Result<SegmentStats> s = snap->GetSegmentStats(seg);
    return s.ok() ? *s : SegmentStats{};
  }

  ::shale::testing::TempDir tmp_;
  std::unique_ptr<Index> index_;
};

TEST_F(IndexTest, ShardPutReplaceDeleteKeepsLiveBytes) {
  IndexBatch b;
  b.PutShard("s1", Shard(Loc(1, 0, 100), 5));
  b.PutShard("s2", Shard(Loc(1, 100, 30), 6));
  ASSERT_OK(index_->Apply(b));
  ASSERT_OK_AND_ASSIGN(ShardEntry got, index_->GetShard("s1"));
  EXPECT_EQ(got, Shard(Loc(1, 0, 100), 5));
  EXPECT_EQ(Stats(1).live_bytes, 130u);

  // Newer replaces and moves the live bytes; older and older deletes are ignored.
  b.Clear();
  b.PutShard("s1", Shard(Loc(2, 0, 50), 7));
  b.PutShard("s2", Shard(Loc(2, 50, 999), 1));
  b.DeleteShard("s2", 2);
  ASSERT_OK(index_->Apply(b));
  EXPECT_EQ(Stats(1).live_bytes, 30u);
  EXPECT_EQ(Stats(2).live_bytes, 50u);
  {
    ASSERT_OK_AND_ASSIGN(IndexSnapshot snap, index_->Snapshot());
    ASSERT_OK_AND_ASSIGN(auto refs1, snap.ListSegmentRecords(1, 0, 10));
    ASSERT_EQ(refs1.size(), 1u);
    EXPECT_EQ(refs1[0].offset, 100u);
    EXPECT_EQ(refs1[0].id, "s2");
    EXPECT_EQ(refs1[0].kind, RecordKind::kShard);
    ASSERT_OK_AND_ASSIGN(auto refs2, snap.ListSegmentRecords(2, 0, 10));
    ASSERT_EQ(refs2.size(), 1u);
    EXPECT_EQ(refs2[0].id, "s1");
    ASSERT_OK_AND_ASSIGN(auto shards, snap.ListShards("", 10));
    ASSERT_EQ(shards.size(), 2u);
    EXPECT_EQ(shards[0].id, "s1");
    ASSERT_OK_AND_ASSIGN(auto after, snap.ListShards("s1", 10));
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0].id, "s2");
  }
  b.Clear();
  b.MarkBad(RecordKind::kShard, "s1");
  b.DeleteShard("s2", 6);
  ASSERT_OK(index_->Apply(b));
  ASSERT_OK_AND_ASSIGN(got, index_->GetShard("s1"));
  EXPECT_EQ(got.flags, kEntryBad);
  EXPECT_THAT(index_->GetShard("s2"), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(Stats(1).live_bytes, 0u);
  EXPECT_THAT(index_->GetShard(""), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(IndexTest, BucketsSegmentsRepairAndMeta) {
  IndexBatch b;
  b.PutBucket("photos", Meta(Loc(3, 0, 40), 1, "owner=alice"));
  b.PutBucket("logs", Meta(Loc(3, 40, 40), 2, "owner=bob"));
  b.AddSegmentTotalBytes(3, 80);
  b.AddSegmentTotalBytes(3, 20);
  b.SetIndexedUpTo(3, 100);
  b.SealSegment(3);
  b.EnqueueRepair(RecordKind::kShard, "s9", "scrub: bad crc", 1000);
  b.EnqueueRepair(RecordKind::kVersion, "v1", "write missed", 1001);
  b.EnqueueRepair(RecordKind::kShard, "s9", "again", 1002);  // Deduplicated.
  b.SetIdentity("node-1", "cluster-x");
  b.SetLastAppliedSequence(42);
  b.SetLastAppliedSequence(7);  // Never goes back.
  ASSERT_OK(index_->Apply(b));
  Reopen();  // Everything is durable across close/open.
  ASSERT_OK_AND_ASSIGN(IndexSnapshot snap, index_->Snapshot());
  ASSERT_OK_AND_ASSIGN(BucketEntry photos, snap.GetBucket("photos"));
  EXPECT_EQ(photos.payload, "owner=alice");
  ASSERT_OK_AND_ASSIGN(auto buckets, snap.ListBuckets());
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].name, "logs");
  ASSERT_OK_AND_ASSIGN(SegmentStats s3, snap.GetSegmentStats(3));
  EXPECT_EQ(s3, (SegmentStats{80, 100, 100, true}));
  ASSERT_OK_AND_ASSIGN(auto all, snap.ListSegmentStats());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].segment_id, 3u);
  EXPECT_THAT(snap.GetSegmentStats(4), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(uint64_t count, snap.RepairCount());
  EXPECT_EQ(count, 2u);
  ASSERT_OK_AND_ASSIGN(auto items, snap.PeekRepairs(10));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].id, "s9");
  EXPECT_EQ(items[0].reason, "scrub: bad crc");
  EXPECT_EQ(items[0].enqueue_time_ms, 1000u);
  EXPECT_EQ(items[1].kind, RecordKind::kVersion);
  ASSERT_OK_AND_ASSIGN(IndexMeta meta, snap.GetMeta());
  EXPECT_EQ(meta.format_version, 1u);
  EXPECT_EQ(meta.node_id, "node-1");
  EXPECT_EQ(meta.cluster_id, "cluster-x");
  EXPECT_EQ(meta.last_applied_sequence, 42u);

  uint64_t first = items[0].seq;
  snap = std::move(*index_->Snapshot());  // Replaces (and releases) the old snapshot.
  IndexBatch b2;
  b2.RemoveRepair(first);
  b2.RemoveRepair(12345);  // Absent: no-op.
  b2.DeleteBucket("photos", 9);
  {
    IndexSnapshot released = std::move(snap);  // Apply must not run while we hold one.
  }
  ASSERT_OK(index_->Apply(b2));
  // The logs bucket still lives in segment 3: it cannot be dropped until that moves.
  IndexBatch drop;
  drop.DeleteSegment(3);
  EXPECT_THAT(index_->Apply(drop), StatusIs(StatusCode::kFailedPrecondition));
  IndexBatch move;
  move.PutBucket("logs", Meta(Loc(4, 0, 40), 2, "owner=bob"));  // Compaction: same sequence.
  move.DeleteSegment(3);
  ASSERT_OK(index_->Apply(move));
  ASSERT_OK_AND_ASSIGN(IndexSnapshot s2, index_->Snapshot());
  ASSERT_OK_AND_ASSIGN(SegmentStats s4, s2.GetSegmentStats(4));
  EXPECT_EQ(s4.live_bytes, 40u);
  ASSERT_OK_AND_ASSIGN(items, s2.PeekRepairs(10));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].id, "v1");
  EXPECT_THAT(s2.GetBucket("photos"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(s2.GetSegmentStats(3), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto refs, s2.ListSegmentRecords(4, 0, 10));
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].id, "logs");
  EXPECT_EQ(refs[0].kind, RecordKind::kBucket);
}

// Reference model: key -> (version -> payload), versions newest first.
using Model = std::map<std::string, std::map<VersionId, std::string, std::greater<>>>;

std::vector<VersionListEntry> Expected(const Model& model, const ListVersionsOptions& o) {
  std::vector<VersionListEntry> out;
  for (const auto& [key, versions] : model) {
    if (!key.starts_with(o.prefix)) continue;
    if (o.start_after_key && key < *o.start_after_key) continue;
    for (const auto& [vid, payload] : versions) {
      if (o.start_after_key && key == *o.start_after_key) {
        if (o.latest_only || !o.start_after_version || vid >= *o.start_after_version) continue;
      }
      out.push_back(VersionListEntry{key, vid, Meta(Loc(1, 0, 1), 1, payload)});
      if (o.latest_only) break;
    }
  }
  return out;
}

TEST_F(IndexTest, ListVersionsMatchesModel) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("SHALE_TEST_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::printf("SHALE_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::vector<std::string> stems = {"",
                                    "a",
                                    "a\0"s,
                                    std::string(500, 'x'),
                                    std::string(900, 'x') + '\0',
                                    std::string(1000, 'x') + "/y"};
  auto random_key = [&] {
    std::string k = stems[rng() % stems.size()];
    for (size_t n = rng() % 6; n > 0; --n) k.push_back("ax/\0\xff"[rng() % 5]);
    if (k.size() > kMaxObjectKeySize) k.resize(kMaxObjectKeySize);
    return k;
  };
  Model model;
  for (int round = 0; round < 6; ++round) {
    IndexBatch b;
    for (int i = 0; i < 80; ++i) {
      std::string key = random_key();
      VersionId vid = Vid(rng() % 8 + 1);  // Up to 8 versions: latest_only both steps and seeks.
      std::string payload = std::to_string(rng());
      // Another bucket whose name extends this one must never leak into listings.
      b.PutVersion(rng() % 5 == 0 ? "bkt2" : "bkt", key, vid, Meta(Loc(1, 0, 1), 1, payload));
      if (b.ops().size() &&
          std::get_if<IndexBatch::PutVersionOp>(&b.ops().back())->bucket == "bkt") {
        model[key][vid] = payload;
      }
      if (rng() % 6 == 0 && !model.empty()) {
        auto it = model.lower_bound(random_key());
        if (it == model.end()) continue;
        VersionId victim = it->second.begin()->first;
        b.DeleteVersion("bkt", it->first, victim, 1);
        it->second.erase(victim);
        if (it->second.empty()) model.erase(it);
      }
    }
    ASSERT_OK(index_->Apply(b));
    ASSERT_OK_AND_ASSIGN(IndexSnapshot snap, index_->Snapshot());
    for (int q = 0; q < 60; ++q) {
      ListVersionsOptions o;
      o.bucket = "bkt";
      std::string k = random_key();
      o.prefix = k.substr(0, rng() % (k.size() + 1));
      if (rng() % 2) o.start_after_key = random_key();
      if (rng() % 3 == 0) o.start_after_version = Vid(rng() % 9);
      o.latest_only = rng() % 2;
      o.limit = 1 + rng() % 7;
      std::vector<VersionListEntry> want = Expected(model, o);
      // Page through with markers, as a client would.
      std::vector<VersionListEntry> got;
      for (int page = 0; page < 1000; ++page) {
        ASSERT_OK_AND_ASSIGN(VersionListing l, snap.ListVersions(o));
        ASSERT_LE(l.entries.size(), o.limit);
        got.insert(got.end(), l.entries.begin(), l.entries.end());
        if (!l.truncated) break;
        ASSERT_FALSE(l.entries.empty());
        o.start_after_key = l.entries.back().key;
        o.start_after_version = l.entries.back().version;
      }
      ASSERT_EQ(got.size(), want.size()) << "seed " << seed << " query " << q;
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(got[i].key, want[i].key) << "seed " << seed;
        ASSERT_EQ(got[i].version, want[i].version) << "seed " << seed;
        ASSERT_EQ(got[i].entry.payload, want[i].entry.payload);
      }
    }
    for (const auto& [key, versions] : model) {
      ASSERT_OK_AND_ASSIGN(VersionListEntry latest, snap.GetLatestVersion("bkt", key));
      EXPECT_EQ(latest.version, versions.begin()->first);
      ASSERT_OK_AND_ASSIGN(VersionEntry e, snap.GetVersion("bkt", key, versions.rbegin()->first));
      EXPECT_EQ(e.payload, versions.rbegin()->second);
    }
  }
}

TEST_F(IndexTest, FailedBatchLeavesNothing) {
  IndexBatch b;
  b.PutShard("ok", Shard(Loc(1, 0, 10), 1));
  b.PutVersion("bkt", "key", Vid(1), Meta(Loc(1, 10, 10), 1, "v"));
  b.EnqueueRepair(RecordKind::kShard, "ok", "r", 1);
  b.PutShard(std::string(256, 'x'), Shard(Loc(1, 20, 10), 1));  // Invalid id: fails here.
  b.PutBucket("never", Meta(Loc(1, 30, 10), 1, "b"));
  EXPECT_THAT(index_->Apply(b), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(IndexSnapshot snap, index_->Snapshot());
  EXPECT_THAT(snap.GetShard("ok"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(snap.GetLatestVersion("bkt", "key"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(snap.GetBucket("never"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(snap.GetSegmentStats(1), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(uint64_t count, snap.RepairCount());
  EXPECT_EQ(count, 0u);
}

TEST_F(IndexTest, MapGrowsOnDemandAndStopsAtMax) {
  IndexOptions options;
  options.initial_map_size = 64 << 10;  // A few pages: the smallest size that opens.
  options.max_map_size = 64 << 20;
  Reopen(options);
  uint64_t initial = index_->MapSize();
  std::string payload(3000, 'p');
  uint64_t offset = 0;
  for (int batch = 0; batch < 40; ++batch) {
    IndexBatch b;
    for (int i = 0; i < 50; ++i) {
      std::string key = std::string(900, 'k') + std::to_string(batch * 50 + i);
      b.PutVersion("bkt", key, Vid(1), Meta(Loc(1, offset, 3100), 1, payload));
      offset += 3100;
    }
    ASSERT_OK(index_->Apply(b));
  }
  EXPECT_GT(index_->MapSize(), 8 * initial);
  Reopen(options);  // A small initial size is raised to what the file holds.
  ListVersionsOptions list;
  list.bucket = "bkt";
  list.limit = 5000;
  {
    ASSERT_OK_AND_ASSIGN(IndexSnapshot snap, index_->Snapshot());
    ASSERT_OK_AND_ASSIGN(VersionListing all, snap.ListVersions(list));
    EXPECT_EQ(all.entries.size(), 2000u);
    ASSERT_OK_AND_ASSIGN(SegmentStats s, snap.GetSegmentStats(1));
    EXPECT_EQ(s.live_bytes, offset);
  }
  // At the maximum, a batch that does not fit fails whole.
  options.max_map_size = index_->MapSize();
  Reopen(options);
  IndexBatch big;
  big.PutShard("marker", Shard(Loc(2, 0, 10), 1));
  for (int i = 0; i < 20000; ++i) {
    big.PutVersion("big", std::to_string(i), Vid(1), Meta(Loc(2, i, 1), 1, payload));
  }
  EXPECT_THAT(index_->Apply(big), StatusIs(StatusCode::kNoSpace));
  EXPECT_THAT(index_->GetShard("marker"), StatusIs(StatusCode::kNotFound));
}

TEST_F(IndexTest, CorruptEnvironmentNamesRebuildIndex) {
  IndexBatch b;
  b.PutShard("s", Shard(Loc(1, 0, 10), 1));
  ASSERT_OK(index_->Apply(b));
  index_.reset();
  {
    std::fstream f(dir() + "/data.mdb", std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.is_open());
    std::string garbage(2 * 4096, '\x5A');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  Result<std::unique_ptr<Index>> r = Index::Open(dir(), {});
  EXPECT_THAT(r, StatusIs(StatusCode::kCorruption));
  EXPECT_THAT(r.status().message(), HasSubstr("shale rebuild-index --data " + tmp_.path()));
  // Rebuild path: destroy, then a fresh index opens.
  ASSERT_OK(Index::Destroy(dir()));
  ASSERT_OK_AND_ASSIGN(index_, Index::Open(dir(), {}));
  EXPECT_THAT(index_->GetShard("s"), StatusIs(StatusCode::kNotFound));
}

TEST_F(IndexTest, UnknownFormatVersionNamesRebuildIndex) {
  index_.reset();
  {
    lmdb::EnvOptions options;
    ASSERT_OK_AND_ASSIGN(auto env, lmdb::Env::Open(dir(), options));
    ASSERT_OK_AND_ASSIGN(auto txn, lmdb::WriteTxn::Begin(*env));
    ASSERT_OK_AND_ASSIGN(lmdb::Dbi meta, txn.OpenDbi("meta"));
    ASSERT_OK(txn.Put(meta, kMetaFormatVersion, std::string("\x02\0\0\0", 4)));
    ASSERT_OK(txn.Commit());
  }
  Result<std::unique_ptr<Index>> r = Index::Open(dir(), {});
  EXPECT_THAT(r, StatusIs(StatusCode::kCorruption));
  EXPECT_THAT(r.status().message(), HasSubstr("shale rebuild-index --data"));
}

TEST_F(IndexTest, TooManySnapshotsIsRetryableAndSlotsAreReturned) {
  IndexOptions options;
  options.max_readers = 2;
  index_.reset();
  ASSERT_OK(Index::Destroy(dir()));  // The reader table is sized when lock.mdb is created.
  Reopen(options);
  {
    ASSERT_OK_AND_ASSIGN(IndexSnapshot a, index_->Snapshot());
    ASSERT_OK_AND_ASSIGN(IndexSnapshot b, index_->Snapshot());
    EXPECT_THAT(index_->Snapshot(), StatusIs(StatusCode::kUnavailable));
  }
  for (int i = 0; i < 10; ++i) ASSERT_OK(index_->Snapshot());  // Slots come back.
}

TEST_F(IndexTest, ReadersSeeConsistentSnapshotsWhileWriterGrowsMap) {
  IndexOptions options;
  options.initial_map_size = 64 << 10;
  Reopen(options);
  constexpr int kBatches = 150;
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        Result<IndexSnapshot> snap = index_->Snapshot();
        ASSERT_TRUE(snap.ok()) << snap.status().ToString();
        Result<ShardEntry> a = snap->GetShard("a");
        Result<ShardEntry> z = snap->GetShard("z");
        if (!a.ok()) {
          ASSERT_THAT(z, StatusIs(StatusCode::kNotFound));
          continue;
        }
        ASSERT_TRUE(z.ok()) << z.status().ToString();
        ASSERT_EQ(a->sequence, z->sequence);  // Both come from the same batch.
        Result<SegmentStats> st = snap->GetSegmentStats(1);
        ASSERT_TRUE(st.ok());
        ASSERT_EQ(st->total_bytes, a->sequence * 1000);
        checks.fetch_add(1);
      }
    });
  }
  std::string filler(2000, 'f');
  for (int i = 1; i <= kBatches; ++i) {
    IndexBatch b;
    b.PutShard("a", Shard(Loc(1, i * 10, 10), i));
    for (int j = 0; j < 5; ++j) {
      b.PutBucket(Name("b", i * 5 + j), Meta(Loc(1, i * 10, 1), i, filler));
    }
    b.AddSegmentTotalBytes(1, 1000);
    b.PutShard("z", Shard(Loc(1, i * 10 + 5, 5), i));
    ASSERT_OK(index_->Apply(b));
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(index_->MapSize(), uint64_t{64} << 10);
  EXPECT_GT(checks.load(), 0);
}

}  // namespace
}  // namespace shale::storage
