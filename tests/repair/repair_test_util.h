#pragma once

// A set of in-process engines (real files) written through the real data path (ClusterStore),
// with helpers to damage nodes and to find where a version's shards live.

#include <string>
#include <vector>

#include "common/object_record.h"
#include "storage/repair_version.h"
#include "tests/datapath/cluster_store_test_util.h"
#include "tests/support/status_matchers.h"

namespace shale::storage::testing {

using gateway::testing::InProcessCluster;

// A RepairSet over the cluster's switchable nodes (so a test can take one down).
inline RepairSet SetOf(InProcessCluster& c) {
  RepairSet s;
  s.k = c.config().erasure.k;
  s.m = c.config().erasure.m;
  for (size_t i = 0; i < c.size(); ++i) s.nodes.push_back(&c.node(i));
  return s;
}

inline Result<ObjectInfo> PutObject(InProcessCluster& c, const std::string& bucket,
                                    const std::string& key, const std::string& body) {
  return c.store().Put(gateway::testing::Request(bucket, key, body.size()),
                       gateway::testing::StringSource(body));
}

inline Status MakeBucket(InProcessCluster& c, const std::string& name) {
  BucketInfo b;
  b.name = name;
  b.owner_id = "owner";
  return c.store().CreateBucket(b);
}

// The layout stored on node 0 (or the first node holding the version).
inline Result<ObjectLayout> LayoutOf(InProcessCluster& c, const ObjectInfo& info) {
  for (size_t i = 0; i < c.size(); ++i) {
    auto w = c.local(i).GetVersion(info.bucket, info.key, info.version.ToBinary());
    if (!w.ok()) continue;
    SHALE_ASSIGN_OR_RETURN(ObjectRecord r, DecodeObjectRecord(w->payload));
    return DecodeLayout(r.info.layout);
  }
  return Status::NotFound("no node holds the version");
}

// The node holding shard position `pos` of an object placed with `layout`.
inline size_t NodeOfShard(const ObjectLayout& layout, uint32_t pos, size_t set_size) {
  return (pos + layout.rotation) % set_size;
}

}  // namespace shale::storage::testing
