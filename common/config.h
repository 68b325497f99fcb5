#pragma once

// The cluster configuration (cluster.json) and the users file: typed structs with defaults,
// strict JSON parsing and validation. docs/CONFIG.md documents every field, default and limit.
// Errors are InvalidArgument naming the file, the field's JSON path and the reason:
//   cluster.json: nodes[3].address: "foo" is not host:port
// Thread-safety: plain values and pure functions (Load* read files, nothing else).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shale {

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;

struct NodeConfig {
  std::string id;        // [a-z0-9-]{1,64}, unique in the cluster.
  std::string address;   // "host:port" of its internal API; see ParseHostPort.
  std::string data_dir;  // Optional; empty when the node's own flags say where its disk is.
  friend bool operator==(const NodeConfig&, const NodeConfig&) = default;
};

struct ErasureConfig {
  static constexpr uint32_t kMaxK = 16;
  static constexpr uint32_t kMaxM = 4;
  uint32_t k = 4;  // Data shards per chunk, 1..16.
  uint32_t m = 2;  // Parity shards per chunk, 0..4.
  uint32_t set_size() const { return k + m; }
  friend bool operator==(const ErasureConfig&, const ErasureConfig&) = default;
};

struct User {
  std::string name;          // [A-Za-z0-9._@+-]{1,64}, unique.
  std::string access_key;    // [A-Za-z0-9]{16,128}, unique.
  std::string secret_key;    // Printable ASCII, 20..1024 chars.
  std::string id;            // Canonical id (bucket owner); defaults to name. Unique.
  std::string display_name;  // Defaults to name.
  bool admin = false;
  friend bool operator==(const User&, const User&) = default;
};

struct StorageConfig {
  uint64_t segment_size = 1 * kGiB;       // 1 MiB..16 GiB, and >= 2 * chunk_size.
  uint64_t lmdb_map_size = 1 * kGiB;      // 16 MiB..1 TiB.
  double compaction_threshold = 0.5;      // Live ratio under which a sealed segment is rewritten.
  uint64_t space_reserve_bytes = 0;       // 0: min(1% of the disk, 256 MiB).
  uint32_t group_commit_max_batch = 256;  // Records per fdatasync, 1..65536.
  uint64_t scrub_rate_bytes_per_sec = 50'000'000;  // 0 pauses scrubbing.
  uint64_t scrub_period_seconds = 7 * 86400;       // A full pass starts this long after the last.
  friend bool operator==(const StorageConfig&, const StorageConfig&) = default;
};

// The repair coordinator of each erasure set (runs on the set's nodes) and orphan collection.
struct RepairConfig {
  uint64_t rate_bytes_per_sec = 50'000'000;  // Shard bytes rebuilt per second; 0 pauses repair.
  uint64_t sweep_period_seconds = 86400;   // Anti-entropy sweep restarts this long after the last.
  uint64_t orphan_grace_seconds = 86400;   // Unreferenced shards and tombstones older than this go.
  uint64_t coordinator_check_seconds = 5;  // How often a node re-evaluates who coordinates.
  friend bool operator==(const RepairConfig&, const RepairConfig&) = default;
};

struct ClusterConfig {
  static constexpr uint64_t kMinChunkSize = 64 * kKiB;
  static constexpr uint64_t kMaxChunkSize = 64 * kMiB;
  static constexpr size_t kMinSecretChars = 32;

  std::string cluster_id;  // [a-z0-9-]{1,64}.
  std::vector<NodeConfig> nodes;
  ErasureConfig erasure;
  uint64_t chunk_size = 4 * kMiB;
  uint64_t inline_limit = 128 * kKiB;  // <= chunk_size; objects up to this size are replicated.
  uint32_t write_quorum = 0;           // k..k+m; defaults to min(k+1, k+m).
  uint32_t read_quorum = 0;            // 1..k+m; defaults to k.
  // Signs gateway<->node traffic. After LoadClusterConfig it is always set; after
  // ParseClusterConfig it is empty when the config names cluster_secret_file instead.
  std::string cluster_secret;
  std::string cluster_secret_file;  // Where cluster_secret came from, if from a file.
  std::vector<User> users;
  StorageConfig storage;
  RepairConfig repair;
  // Parts of a multipart upload but the last must have at least this many bytes (S3: 5 MiB);
  // tests lower it to upload thousands of small parts.
  uint64_t multipart_min_part_size = 5 * kMiB;

  friend bool operator==(const ClusterConfig&, const ClusterConfig&) = default;
};

// Parses and validates a cluster config. Pure (no I/O): a cluster_secret_file is recorded but
// not read. `source_name` prefixes error messages.
Result<ClusterConfig> ParseClusterConfig(std::string_view json, std::string_view source_name);
// Reads `path` and parses it; then reads cluster_secret_file (relative paths are relative to
// the config file's directory), strips one trailing newline and validates the secret.
Result<ClusterConfig> LoadClusterConfig(const std::string& path);
// Parses {"users": [...]} with the same schema and checks as the cluster config's users.
Result<std::vector<User>> ParseUsersFile(std::string_view json, std::string_view source_name);
Result<std::vector<User>> LoadUsersFile(const std::string& path);
// Pretty JSON that ParseClusterConfig accepts and turns back into an equal config. Writes
// cluster_secret_file instead of the secret when the config came from one.
std::string ClusterConfigToJson(const ClusterConfig& config);

struct HostPort {
  std::string host;  // A DNS name, an IPv4 address or an IPv6 address (without brackets).
  uint16_t port = 0;
};
// "host:port" or "[v6addr]:port", port 1..65535 without sign or leading zeros.
Result<HostPort> ParseHostPort(std::string_view address);

}  // namespace shale
