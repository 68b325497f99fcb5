#pragma once

// Verification of one object version on the nodes (GET /_shale/admin/v1/verify): its version
// record on every node of its erasure set, and every shard of every erasure extent of its layout
// (common/object_record.h) on the node placement puts it on — present, healthy (not marked
// bad), and with `deep` read back and its CRC32C recomputed. Replicated (inline) objects: the
// record of each replica position must be present and carry the bytes.
// Thread-safety: VerifyObject calls the clients concurrently (NodeClient implementations are
// thread-safe); results are values.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/node_client.h"
#include "common/result.h"

namespace shale::gateway {

struct VerifyRequest {
  std::string bucket;
  std::string key;
  std::optional<NodeVersionId> version;  // nullopt: the newest version.
  bool deep = false;                     // Read every shard and recompute its CRC.
};

struct RecordCheck {
  std::string node;
  uint32_t position = 0;  // In the erasure set.
  bool present = false;
  bool has_data = false;  // Replicated layouts: this record carries the object's bytes.
  bool needs_data = false;
  std::string error;  // Reaching the node failed.
};

struct ShardReport {
  std::string id;       // The shard id (ShardId), raw bytes; hex in the JSON.
  uint32_t extent = 0;  // Index into the layout's erasure extents (parts of a multipart object).
  uint32_t chunk = 0;
  uint32_t shard = 0;  // 0..k-1 data, k..k+m-1 parity.
  std::string node;
  bool present = false;
  bool healthy = false;
  std::optional<bool> crc_ok;  // Set by a deep check.
  uint64_t length = 0;
  std::string error;  // Reaching the node failed.
  bool ok() const { return present && healthy && crc_ok.value_or(true) && error.empty(); }
};

struct VerifyReport {
  std::string bucket, key;
  std::string version_id;  // 32 hex digits.
  bool delete_marker = false;
  std::string layout;  // "none", "replicated", "erasure" or "multipart".
  uint64_t size = 0;
  uint32_t set = 0, k = 0, m = 0;
  std::vector<RecordCheck> records;
  std::vector<ShardReport> shards;
  uint64_t problems = 0;  // Missing records or shards, bad or unreadable shards.
};

// NotFound when no node of the set holds the version (or the newest version is a purge
// tombstone). `ids` names `nodes` (all of the cluster's, config order).
Result<VerifyReport> VerifyObject(std::span<NodeClient* const> nodes,
                                  std::span<const std::string> ids, uint32_t set_size,
                                  const VerifyRequest& request);

std::string RenderVerifyReport(const VerifyReport& report);

}  // namespace shale::gateway
