#pragma once

// node.json: which cluster and node a data directory belongs to (docs/FORMAT.md, "node.json").
// A node refuses to start on a directory of another cluster or node, so a misconfigured path
// cannot mix two nodes' data.
// Thread-safety: free functions; as safe as the FileSystem they are given.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "common/status.h"

namespace shale::storage {

inline constexpr uint32_t kNodeIdentityFormatVersion = 1;
inline constexpr std::string_view kNodeIdentityFile = "node.json";

struct NodeIdentity {
  uint32_t format_version = kNodeIdentityFormatVersion;
  std::string cluster_id;
  std::string node_id;
  friend bool operator==(const NodeIdentity&, const NodeIdentity&) = default;
};

std::string EncodeNodeIdentity(const NodeIdentity& identity);
Result<NodeIdentity> ParseNodeIdentity(std::string_view json, std::string_view source);

// Creates `dir` if needed; writes node.json when absent (atomically), otherwise checks it
// names `expected`. A mismatch is FailedPrecondition with a message naming both identities.
Status CheckOrWriteNodeIdentity(fs::FileSystem& fs, const std::string& dir,
                                const NodeIdentity& expected);

}  // namespace shale::storage
