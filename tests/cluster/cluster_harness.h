#pragma once

// The shared rig of the cluster tests: real shale-node processes (TestCluster), one
// HttpNodeClient per node with short timeouts so a stopped node fails fast, and a ClusterStore
// over them; plus body sources and readers that can act (stop a node) part-way through.
// Thread-safety: driven by one test thread; hooks run on whatever thread pulls the body or
// calls Read, while that test thread is blocked in the store.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/http_node_client.h"
#include "gateway/cluster_store.h"
#include "gateway/object_store.h"
#include "tests/support/test_cluster.h"

namespace shale::testing {

struct ClusterHarnessOptions {
  int nodes = 6;
  uint32_t k = 4;
  uint32_t m = 2;
  uint64_t chunk_size = 256 * kKiB;
  uint64_t inline_limit = 128 * kKiB;
};

class ClusterHarness {
 public:
  explicit ClusterHarness(ClusterHarnessOptions options)
      : options_(options), cluster_({SHALE_NODE_BINARY, options.nodes, options.k, options.m}) {}

  // Starts the nodes, connects a client to each and creates the store.
  Status Start() {
    SHALE_RETURN_IF_ERROR(cluster_.Start());
    for (int i = 0; i < options_.nodes; ++i) {
      HttpNodeClientOptions o;
      o.address = cluster_.address(i);
      o.secret = kTestClusterSecret;
      o.connect_timeout_ms = 300;
      o.request_timeout_ms = 10000;
      o.max_attempts = 1;
      clients_.push_back(std::make_unique<HttpNodeClient>(o));
    }
    SHALE_ASSIGN_OR_RETURN(store_, MakeStore(options_.chunk_size, options_.inline_limit));
    return Status::OK();
  }

  // Another store over the same nodes (e.g. with another chunk size); objects written by one
  // are read by the other, since the layout travels with the version record.
  Result<std::unique_ptr<gateway::ClusterStore>> MakeStore(uint64_t chunk_size,
                                                           uint64_t inline_limit) {
    SHALE_ASSIGN_OR_RETURN(ClusterConfig config, LoadClusterConfig(cluster_.config_path()));
    config.chunk_size = chunk_size;
    config.inline_limit = inline_limit;
    std::vector<NodeClient*> nodes;
    for (auto& c : clients_) nodes.push_back(c.get());
    return gateway::ClusterStore::Create(config, std::move(nodes));
  }

  gateway::ObjectStore& store() { return *store_; }
  gateway::ClusterStore& cluster_store() { return *store_; }
  TestCluster& cluster() { return cluster_; }
  HttpNodeClient& node(int i) { return *clients_[i]; }
  int nodes() const { return options_.nodes; }

  // A numeric field of node i's /v1/status (e.g. "repair_queue_depth"), or of its "space"
  // object when `in_space`.
  Result<uint64_t> NodeStat(int i, const char* field, bool in_space = false) {
    SHALE_ASSIGN_OR_RETURN(std::string json, clients_[i]->StatusJson());
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption("bad status: " + json);
    const rapidjson::Value* v = &doc;
    if (in_space) {
      if (!doc.HasMember("space")) return Status::Corruption("no space in: " + json);
      v = &doc["space"];
    }
    if (!v->IsObject() || !v->HasMember(field) || !(*v)[field].IsUint64()) {
      return Status::Corruption(std::string("no ") + field + " in: " + json);
    }
    return (*v)[field].GetUint64();
  }

  // The sum of node i's metric lines that start with `selector` (a name, or a name and the
  // first labels: `shale_node_requests_total{route="shard_get"`).
  Result<uint64_t> MetricSum(int i, std::string_view selector) {
    SHALE_ASSIGN_OR_RETURN(std::string text, clients_[i]->MetricsText());
    uint64_t total = 0;
    for (size_t at = text.find(selector); at != std::string::npos;
         at = text.find(selector, at + 1)) {
      if (at != 0 && text[at - 1] != '\n') continue;
      size_t space = text.find(' ', at + selector.size());
      if (space == std::string::npos) break;
      total += std::stoull(text.substr(space + 1, text.find('\n', space) - space - 1));
    }
    return total;
  }
  // Requests node i answered on `route` (e.g. "shard_get"), whatever their status.
  Result<uint64_t> RouteCount(int i, std::string_view route) {
    return MetricSum(i, "shale_node_requests_total{route=\"" + std::string(route) + "\"");
  }

  // The running nodes that answered at least one request on `route` while `action` ran.
  Result<std::vector<int>> NodesServing(std::string_view route,
                                        const std::function<void()>& action) {
    std::vector<uint64_t> before(options_.nodes, 0);
    for (int i = 0; i < options_.nodes; ++i) {
      if (!cluster_.Running(i)) continue;
      SHALE_ASSIGN_OR_RETURN(before[i], RouteCount(i, route));
    }
    action();
    std::vector<int> serving;
    for (int i = 0; i < options_.nodes; ++i) {
      if (!cluster_.Running(i)) continue;
      SHALE_ASSIGN_OR_RETURN(uint64_t after, RouteCount(i, route));
      if (after > before[i]) serving.push_back(i);
    }
    return serving;
  }

 private:
  const ClusterHarnessOptions options_;
  TestCluster cluster_;
  std::vector<std::unique_ptr<HttpNodeClient>> clients_;
  std::unique_ptr<gateway::ClusterStore> store_;
};

// Compares bytes without printing megabytes: the sizes, or the first differing offset.
inline ::testing::AssertionResult SameBytes(std::string_view actual, std::string_view expected) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "got " << actual.size() << " bytes, expected " << expected.size();
  }
  auto [a, e] = std::mismatch(actual.begin(), actual.end(), expected.begin());
  if (a == actual.end()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "first difference at offset " << (a - actual.begin());
}

// Called with the bytes delivered (or read) so far, after each piece.
using ProgressHook = std::function<void(uint64_t done)>;

// A body that hands out `data` (borrowed: it must outlive the put) in pieces of at most
// `piece` bytes, calling `hook` after each.
inline gateway::BodySource StringBody(std::string_view data, ProgressHook hook = {},
                                      size_t piece = 64 * 1024) {
  auto pos = std::make_shared<uint64_t>(0);
  return [data, hook, piece, pos](std::span<char> buf) -> Result<size_t> {
    size_t n = std::min({buf.size(), piece, data.size() - *pos});
    std::copy_n(data.data() + *pos, n, buf.data());
    *pos += n;
    if (hook && n > 0) hook(*pos);
    return n;
  };
}

inline gateway::PutRequest PutOf(std::string_view bucket, std::string_view key, uint64_t size) {
  gateway::PutRequest r;
  r.bucket = std::string(bucket);
  r.key = std::string(key);
  r.owner_id = "tester";
  r.size = size;
  return r;
}

inline Result<gateway::ObjectInfo> PutString(gateway::ObjectStore& store, std::string_view bucket,
                                             std::string_view key, std::string_view data,
                                             ProgressHook hook = {}) {
  return store.Put(PutOf(bucket, key, data.size()), StringBody(data, std::move(hook)));
}

// Reads [offset, offset + length) of `object` to its end with a `piece`-byte buffer, calling
// `hook` after each Read.
inline Result<std::string> ReadRange(gateway::ObjectStore& store, const gateway::ObjectInfo& object,
                                     uint64_t offset, uint64_t length, ProgressHook hook = {},
                                     size_t piece = 100 * 1000) {
  SHALE_ASSIGN_OR_RETURN(auto reader, store.OpenRead(object, offset, length));
  std::string out;
  std::string buf(piece, '\0');
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(size_t n, reader->Read(buf));
    if (n == 0) return out;
    out.append(buf.data(), n);
    if (hook) hook(out.size());
  }
}

inline Result<std::string> ReadAll(gateway::ObjectStore& store, const gateway::ObjectInfo& object,
                                   ProgressHook hook = {}) {
  return ReadRange(store, object, 0, UINT64_MAX, std::move(hook));
}

// Head then a whole read of the newest version.
inline Result<std::string> GetString(gateway::ObjectStore& store, std::string_view bucket,
                                     std::string_view key) {
  SHALE_ASSIGN_OR_RETURN(gateway::ObjectInfo info, store.Head(bucket, key));
  return ReadAll(store, info);
}

inline Status CreateBucket(gateway::ObjectStore& store, std::string_view name) {
  gateway::BucketInfo b;
  b.name = std::string(name);
  b.owner_id = "tester";
  return store.CreateBucket(b);
}

}  // namespace shale::testing
