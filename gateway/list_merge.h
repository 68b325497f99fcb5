#pragma once

// MergeListing: one page of an S3 object listing (ListObjects / ListObjectsV2), computed from
// the ordered per-node listings of every erasure set (docs/ARCHITECTURE.md, "Listing").
//
// For each set it reads `read_quorum` nodes (ListVersions, latest only, page by page as the
// merge consumes them), merges all the streams in key byte order and keeps, per key, the
// answer with the largest version id (16-byte memcmp order) — so a node that missed a write or
// a delete is outvoted by the newer answer of another. Nodes skip purged versions, so a node
// that missed a purge answers with a version the others no longer show: when nodes of a set
// disagree on a key's newest version, the disagreeing ones are asked for the newest answer, and
// it is dropped if any holds it purged (one extra round trip, on degraded keys only). A key whose
// newest version is a delete marker is left out. On the merged stream it applies S3's rules: keys
// under `prefix`, grouped into common prefixes by `delimiter` (the prefix, then up to and including
// the first delimiter after it), strictly after `start_after` (and, when `start_after` is itself a
// common prefix — it starts with `prefix` and ends with `delimiter` — after every key under
// it), at most `max_keys` objects and common prefixes together. `max_keys` 0 answers an empty,
// untruncated page, as S3 does. `truncated` is exact: true only when another entry really
// follows the last one returned.
//
// Memory is bounded by sets x read_quorum pages (of at most page_size entries and about
// page_bytes bytes) whatever the bucket holds: once a common prefix is returned, every stream is
// re-sought past all keys under it instead of reading them.
//
// Failures: a node whose call fails (any error) is replaced by the next unused node of its set,
// resumed where the failed one stood; when a set has no node left to keep `read_quorum`
// streams, the listing fails with Unavailable. A node answering out of order is treated as
// failed. InvalidArgument for a read_quorum of 0.
//
// Thread-safety: a pure function over the NodeClients (which are thread-safe); it may run
// concurrently with itself. It calls nodes in parallel (common/node_fanout.h) and blocks.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/node_client.h"
#include "common/node_wire.h"
#include "common/result.h"
#include "gateway/object_store.h"

namespace shale::gateway {

// All the nodes of one erasure set, in preference order: the first `read_quorum` are read, the
// others replace those that fail. The pointers are borrowed for the duration of the call.
struct ListSet {
  std::vector<NodeClient*> nodes;
  uint32_t read_quorum = 1;
};

struct MergeOptions {
  // Entries asked of a node per call (at most node_wire::kMaxListEntries; fewer when max_keys
  // needs fewer).
  uint32_t page_size = 1000;
  // Key and payload bytes asked of a node per call (NodeListRequest::max_bytes; 0: no limit).
  // Records may carry a small object's bytes, so a page of them is bounded by size too.
  uint64_t page_bytes = uint64_t{4} << 20;
};

struct MergedPage {
  // The newest version of each key, in key order, delete markers left out. When nodes agree on
  // the newest version id but not on its payload, the first answer in set order wins.
  std::vector<node_wire::WireVersion> objects;
  std::vector<std::string> common_prefixes;  // In key order.
  bool truncated = false;
  std::string next_marker;  // When truncated: the last key or common prefix returned.
};

Result<MergedPage> MergeListing(std::span<const ListSet> sets, std::string_view bucket,
                                const ListQuery& query, const MergeOptions& options = {});

// MergeVersionListing: one page of ListObjectVersions over the full (every version) listings of
// the same streams as MergeListing, with the same failure handling, memory bound and common
// prefixes. Versions come in key order, newest first within a key; a version that any answering
// node holds as a purge tombstone is left out; when nodes hold differing records of one version,
// the largest attribute revision wins (a record that does not decode loses to one that does).
// IsLatest marks the newest listed version of each key. Markers: key_marker alone resumes after
// every version of that key (after every key under it when it is a common prefix); with a
// version_id_marker it resumes after that version of key_marker (kNull: after the key's null
// version; a key without one is skipped). max_keys counts versions and common prefixes.
struct MergedVersion {
  node_wire::WireVersion wire;  // Never kPurged.
  bool is_latest = false;
};

struct MergedVersionsPage {
  std::vector<MergedVersion> versions;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  // When truncated: the last key or common prefix returned, and the S3 version id of the last
  // version ("null" or the id's text; empty when the page ended with a common prefix).
  std::string next_key_marker;
  std::string next_version_id_marker;
};

Result<MergedVersionsPage> MergeVersionListing(std::span<const ListSet> sets,
                                               std::string_view bucket,
                                               const ListVersionsQuery& query,
                                               const MergeOptions& options = {});

}  // namespace shale::gateway
