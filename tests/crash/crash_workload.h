#pragma once

// The workload of the engine crash tests: a fixed universe of items (shards and object version
// records), content derived from (seed, item, generation) so a verifier can recompute any
// generation bit-exactly without storing it, and the parent's model of what was acknowledged.
//
// Every item is owned by one writer thread (item % kThreads), so at most one operation per
// item is ever in flight: after a kill, an item is either in its acknowledged state or in the
// state its one in-flight operation would have left.
// Thread-safety: pure functions; an ItemModel is touched by its owner thread only.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/result.h"
#include "storage/engine.h"
#include "storage/engine_impl.h"
#include "storage/segment_format.h"

namespace shale::storage::crash {

inline constexpr uint32_t kThreads = 6;
inline constexpr uint32_t kShardsPerThread = 160;
inline constexpr uint32_t kSlotsPerThread = 32;
inline constexpr uint32_t kShardItems = kThreads * kShardsPerThread;
inline constexpr uint32_t kItems = kShardItems + kThreads * kSlotsPerThread;
inline constexpr char kBucket[] = "crash";

// An item's state: 0 is absent (never written, or deleted), g > 0 holds generation g.
struct ItemModel {
  uint32_t acked = 0;      // The state after the last acknowledged operation.
  int64_t in_flight = -1;  // The state an announced but unacknowledged operation would leave.
  uint32_t max_gen = 0;    // The highest generation ever announced: generations never repeat.
};

inline bool IsShard(uint32_t item) { return item < kShardItems; }

inline std::string ShardId(uint32_t item) { return "shard-" + std::to_string(item); }
// Four version slots share an object key, so listings see several versions per key.
inline std::string ObjectKey(uint32_t item) {
  return "obj-" + std::to_string((item - kShardItems) / 4);
}
inline VersionId ObjectVersion(uint32_t item) {
  VersionId v{};
  v[0] = 0x01;
  v[15] = static_cast<uint8_t>((item - kShardItems) % 4);
  return v;
}
inline VersionKind KindOfGeneration(uint32_t gen) {
  return gen % 5 == 0 ? VersionKind::kDeleteMarker : VersionKind::kObject;
}

inline std::string ItemName(uint32_t item) {
  if (IsShard(item)) return ShardId(item);
  return "version " + ObjectKey(item) + "#" + std::to_string(ObjectVersion(item)[15]);
}
inline std::string DescribeState(int64_t state) {
  if (state < 0) return "nothing";
  return state == 0 ? "absent" : "generation " + std::to_string(state);
}

// SplitMix64's finalizer: a cheap, well-mixed PRNG step.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The bytes of `item` at generation `gen`: little-endian item and generation, then PRNG bytes.
// Shards are mostly small, sometimes up to 256 KiB; version payloads stay small (they live in
// the index).
inline std::string Content(uint64_t seed, uint32_t item, uint32_t gen) {
  const uint64_t h = Mix64(seed ^ Mix64((uint64_t{item} << 32) | gen));
  const uint64_t r = h >> 8;
  size_t len = 16 + r % 184;
  if (IsShard(item)) {
    const uint64_t pick = h % 100;
    len = pick < 80 ? 16 + r % 8176 : pick < 95 ? 8192 + r % 57344 : 65536 + r % 196608;
  }
  std::string s(len, '\0');
  for (int i = 0; i < 4; ++i) {
    s[i] = static_cast<char>(item >> (8 * i));
    s[4 + i] = static_cast<char>(gen >> (8 * i));
  }
  uint64_t x = h;
  for (size_t pos = 8; pos < len; pos += 8) {
    x = Mix64(x);
    std::memcpy(&s[pos], &x, std::min<size_t>(8, len - pos));
  }
  return s;
}

// The generation whose content `bytes` are, or Corruption naming what they claimed to be.
inline Result<uint32_t> IdentifyGeneration(uint64_t seed, uint32_t item, std::string_view bytes) {
  uint32_t claimed_item = 0, claimed_gen = 0;
  if (bytes.size() >= 8) {
    for (int i = 0; i < 4; ++i) {
      claimed_item |= uint32_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
      claimed_gen |= uint32_t{static_cast<uint8_t>(bytes[4 + i])} << (8 * i);
    }
  }
  if (claimed_item == item && claimed_gen != 0 && Content(seed, item, claimed_gen) == bytes) {
    return claimed_gen;
  }
  return Status::Corruption(std::to_string(bytes.size()) + " bytes (claiming item " +
                            std::to_string(claimed_item) + " generation " +
                            std::to_string(claimed_gen) + ") match no generation of the item");
}

// Puts generation `state` of the item, or deletes it when `state` is 0.
inline Status ApplyState(Engine& engine, uint64_t seed, uint32_t item, uint32_t state) {
  if (IsShard(item)) {
    if (state == 0) return engine.DeleteShard(ShardId(item));
    return engine.PutShard(ShardId(item), Content(seed, item, state));
  }
  if (state == 0) return engine.DeleteVersion(kBucket, ObjectKey(item), ObjectVersion(item));
  return engine.PutVersion(kBucket, ObjectKey(item), ObjectVersion(item),
                           Content(seed, item, state), KindOfGeneration(state));
}

// The state the engine holds for the item; an error when the read fails or returns bytes (or a
// version kind) that match no generation.
inline Result<uint32_t> ObserveState(Engine& engine, uint64_t seed, uint32_t item) {
  if (IsShard(item)) {
    Result<std::string> got = engine.GetShard(ShardId(item));
    if (got.status().IsNotFound()) return uint32_t{0};
    if (!got.ok()) return got.status();
    return IdentifyGeneration(seed, item, *got);
  }
  Result<StoredVersion> got = engine.GetVersion(kBucket, ObjectKey(item), ObjectVersion(item));
  if (got.status().IsNotFound()) return uint32_t{0};
  if (!got.ok()) return got.status();
  SHALE_ASSIGN_OR_RETURN(uint32_t gen, IdentifyGeneration(seed, item, got->payload));
  if (got->kind != KindOfGeneration(gen)) {
    return Status::Corruption("generation " + std::to_string(gen) + " has the wrong kind");
  }
  return gen;
}

// The bytes the segment record of `item` at generation `gen` occupies: what the engine counts
// as live for it. Uses the engine's internal record id encoding (storage/engine_impl.h).
inline uint64_t RecordBytes(uint64_t seed, uint32_t item, uint32_t gen) {
  const uint64_t payload = Content(seed, item, gen).size();
  if (IsShard(item)) return kRecordOverhead + ShardId(item).size() + payload;
  Result<Target> t = VersionTarget(kBucket, ObjectKey(item), ObjectVersion(item));
  // Stored version payloads carry one kind byte in front of the caller's payload.
  return kRecordOverhead + (t.ok() ? t->record_id.size() : 0) + 1 + payload;
}

}  // namespace shale::storage::crash
