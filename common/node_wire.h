#pragma once

// Bodies and error mapping of the internal node API (docs/FORMAT.md, "Internal API"). Shared by
// the node (encoders) and node clients (decoders). Binary bodies use little-endian fixed-width
// integers. Decoders parse untrusted bytes: pure, bounded by explicit limits, never trusting a
// length field beyond the bytes present.
// Thread-safety: pure functions over values.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace shale::node_wire {

inline constexpr size_t kMaxShardIdSize = 255;
inline constexpr size_t kMaxCheckIds = 10000;
inline constexpr size_t kMaxListEntries = 10000;

// The HTTP status an error Status is sent with (the one mapping; unknown -> 500).
int HttpStatusFor(StatusCode code);
// The StatusCode named by StatusCodeName(); kInternal for unknown names.
StatusCode StatusCodeFromName(std::string_view name);
// {"code":"<StatusCodeName>","message":"..."}
std::string EncodeError(const Status& status);
// The Status an error response carries; falls back to the HTTP status when the body does not
// parse (e.g. a proxy's page).
Status DecodeError(int http_status, std::string_view body);

// POST /v1/shards/check request: repeated { u8 id_len (1..255); id bytes }.
std::string EncodeCheckRequest(const std::vector<std::string>& ids);
Result<std::vector<std::string>> DecodeCheckRequest(std::string_view body);

struct ShardCheck {
  std::string id;
  bool present = false;
  bool healthy = false;  // Present and not marked bad.
  uint64_t length = 0;
  uint32_t crc32c = 0;
  friend bool operator==(const ShardCheck&, const ShardCheck&) = default;
};
// Response: u32 count; count x { u8 id_len; id; u8 flags (bit0 present, bit1 healthy);
// u64 length; u32 crc32c }.
std::string EncodeCheckResponse(const std::vector<ShardCheck>& checks);
Result<std::vector<ShardCheck>> DecodeCheckResponse(std::string_view body);

// kPurged: a version tombstone. The version was deleted for good (DeleteObject with a versionId,
// or a version superseded by an overwrite); the tombstone keeps every node, and repair, from
// bringing it back until orphan collection drops it once the whole set holds it. A purge is
// final: putting a non-purged record over a tombstone of the same version is refused.
enum class WireKind : uint8_t { kObject = 0, kDeleteMarker = 1, kPurged = 2 };

struct WireVersion {
  std::string key;
  std::array<uint8_t, 16> version{};
  WireKind kind = WireKind::kObject;
  uint64_t sequence = 0;
  std::string payload;
  friend bool operator==(const WireVersion&, const WireVersion&) = default;
};

struct WireVersionPage {
  std::vector<WireVersion> versions;
  bool truncated = false;
  friend bool operator==(const WireVersionPage&, const WireVersionPage&) = default;
};
// GET /v1/list response: u8 truncated; u32 count; count x { u32 key_len; key; 16 version bytes;
// u8 kind; u64 sequence; u32 payload_len; payload }.
std::string EncodeVersionPage(const WireVersionPage& page);
Result<WireVersionPage> DecodeVersionPage(std::string_view body);

struct WireBucket {
  std::string name;
  std::string payload;
  friend bool operator==(const WireBucket&, const WireBucket&) = default;
};
// GET /v1/buckets response: u32 count; count x { u32 name_len; name; u32 payload_len; payload }.
std::string EncodeBucketList(const std::vector<WireBucket>& buckets);
Result<std::vector<WireBucket>> DecodeBucketList(std::string_view body);

// A repair hint: the gateway noticed that (bucket, key, version) may be incomplete on some node
// of its set (a missed shard or version-record write, a stale record) and asks the node to queue
// the object version for the repair coordinator. Hints are advisory and idempotent.
inline constexpr size_t kMaxHintBucketSize = 255;
inline constexpr size_t kMaxHintKeySize = 1024;
inline constexpr size_t kMaxHintReasonSize = 1024;
struct RepairHint {
  std::string bucket;  // 1..kMaxHintBucketSize bytes.
  std::string key;     // 0..kMaxHintKeySize bytes.
  std::array<uint8_t, 16> version{};
  std::string reason;  // Human-readable, 0..kMaxHintReasonSize bytes.
  friend bool operator==(const RepairHint&, const RepairHint&) = default;
};
// POST /v1/repair request: u16 bucket_len; bucket; u16 key_len; key; 16 version bytes;
// u16 reason_len; reason. The encoder cuts an over-long reason to its limit (names are sent as
// given); the decoder refuses (InvalidArgument) anything out of the limits above or with
// trailing bytes.
std::string EncodeRepairHint(const RepairHint& hint);
Result<RepairHint> DecodeRepairHint(std::string_view body);

// GET /v1/scan response (every bucket's version records): u8 truncated; u32 count; count x
// { u16 bucket_len; bucket; then one list entry exactly as in GET /v1/list }.
struct WireScanEntry {
  std::string bucket;
  WireVersion version;
  friend bool operator==(const WireScanEntry&, const WireScanEntry&) = default;
};
struct WireScanPage {
  std::vector<WireScanEntry> entries;
  bool truncated = false;
  friend bool operator==(const WireScanPage&, const WireScanPage&) = default;
};
std::string EncodeScanPage(const WireScanPage& page);
Result<WireScanPage> DecodeScanPage(std::string_view body);

// GET /v1/shards?after=<hex id>&limit= response: u8 truncated; u32 count; count x { u8 id_len;
// id; u8 flags (bit1 healthy); u64 length; u32 crc32c } (ShardCheck with present = true).
struct WireShardPage {
  std::vector<ShardCheck> shards;
  bool truncated = false;
  friend bool operator==(const WireShardPage&, const WireShardPage&) = default;
};
std::string EncodeShardPage(const WireShardPage& page);
Result<WireShardPage> DecodeShardPage(std::string_view body);

// One item of a node's repair queue (GET /v1/repair?limit=): what needs repair on that node or
// in its set. For kShard `shard_id` is set; for kVersion and kObjectHint bucket/key/version are
// (decoded from the engine's version key); for kBucket `bucket` is the bucket record's name.
enum class WireRepairKind : uint8_t { kShard = 1, kVersion = 2, kBucket = 3, kObjectHint = 4 };
struct WireRepairItem {
  uint64_t seq = 0;  // The handle for RemoveRepairs.
  WireRepairKind kind = WireRepairKind::kShard;
  std::string shard_id;
  std::string bucket;
  std::string key;
  std::array<uint8_t, 16> version{};
  std::string reason;
  uint64_t enqueue_time_ms = 0;
  friend bool operator==(const WireRepairItem&, const WireRepairItem&) = default;
};
// Response: u32 count; count x { u64 seq; u8 kind; u8 shard_id_len; shard_id; u16 bucket_len;
// bucket; u16 key_len; key; 16 version bytes; u16 reason_len; reason; u64 enqueue_time_ms }.
std::string EncodeRepairItems(const std::vector<WireRepairItem>& items);
Result<std::vector<WireRepairItem>> DecodeRepairItems(std::string_view body);
// POST /v1/repair/remove request: u32 count; count x u64 seq (at most 10000).
std::string EncodeRepairSeqs(const std::vector<uint64_t>& seqs);
Result<std::vector<uint64_t>> DecodeRepairSeqs(std::string_view body);

// POST /v1/repair/sweep?bucket=&prefix= (both optional; prefix only with bucket).
struct RepairSweep {
  std::string bucket;  // Empty: every bucket of the set.
  std::string prefix;
  friend bool operator==(const RepairSweep&, const RepairSweep&) = default;
};

// Version ids on the wire: 32 lowercase hex digits.
std::string VersionIdToHex(const std::array<uint8_t, 16>& version);
Result<std::array<uint8_t, 16>> VersionIdFromHex(std::string_view hex);

}  // namespace shale::node_wire
