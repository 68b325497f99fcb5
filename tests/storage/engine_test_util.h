#pragma once

// Helpers for engine tests: options on a temp dir, deterministic shard contents, and a full
// dump of an engine's visible state (to compare before/after reopen, rebuild or compaction).

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "storage/engine.h"

namespace shale::storage::testing {

inline EngineOptions TestOptions(const std::string& dir, fs::FileSystem* fs = nullptr) {
  EngineOptions o;
  o.dir = dir;
  o.node_id = "node-1";
  o.cluster_id = "test-cluster";
  o.fs = fs;
  o.lmdb_map_size = uint64_t{16} << 20;
  o.segment_size = uint64_t{4} << 20;
  o.background_compaction = false;
  o.background_scrub = false;
  o.space_reserve_bytes = 1;  // Tests set free space explicitly where it matters.
  return o;
}

// Deterministic bytes for (id, generation), so a test can recompute what it wrote.
inline std::string ShardBytes(const std::string& id, uint64_t generation, size_t size) {
  std::seed_seq seq(id.begin(), id.end());
  std::mt19937_64 rng(seq);
  rng.discard(generation % 1024);
  uint64_t salt = rng() ^ generation;
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    if (i % 8 == 0) salt = salt * 6364136223846793005ULL + 1442695040888963407ULL;
    out[i] = static_cast<char>(salt >> ((i % 8) * 8));
  }
  return out;
}

inline VersionId MakeVersion(uint64_t n) {
  VersionId v{};
  for (int i = 0; i < 8; ++i) v[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  return v;
}

// Everything a client can see: shard bytes by id, versions by (bucket, key, version) and
// bucket payloads.
struct EngineState {
  std::map<std::string, std::string> shards;
  std::map<std::tuple<std::string, std::string, VersionId>, std::pair<VersionKind, std::string>>
      versions;
  std::map<std::string, std::string> buckets;
  friend bool operator==(const EngineState&, const EngineState&) = default;
};

// Dumps the state. Shards are read by the ids in `shard_ids` (the engine has no shard
// listing in its API); listing covers the given buckets.
inline EngineState DumpState(Engine& engine, const std::vector<std::string>& shard_ids,
                             const std::vector<std::string>& buckets) {
  EngineState s;
  for (const auto& id : shard_ids) {
    auto data = engine.GetShard(id);
    if (data.ok()) s.shards[id] = *data;
  }
  for (const auto& b : buckets) {
    ListVersionsOptions lo;
    lo.bucket = b;
    lo.limit = 1000;
    for (;;) {
      auto page = engine.ListVersions(lo);
      if (!page.ok()) break;
      for (auto& v : page->versions) {
        s.versions[{v.bucket, v.key, v.version}] = {v.kind, v.payload};
      }
      if (!page->truncated || page->versions.empty()) break;
      lo.start_after_key = page->versions.back().key;
      lo.start_after_version = page->versions.back().version;
    }
  }
  auto listed = engine.ListBuckets();
  if (listed.ok()) {
    for (auto& b : *listed) s.buckets[b.name] = b.payload;
  }
  return s;
}

}  // namespace shale::storage::testing
