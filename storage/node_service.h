#pragma once

// NodeService: the storage node's internal API as pure request handlers. A decoded request
// (method, target, the few headers that matter, the whole body) is routed to engine calls and
// turned into a response; docs/FORMAT.md, "Internal API", is the contract. Authentication is
// checked before (storage/node_server.cc, common/internal_auth.h): Handle() trusts its caller.
// Handle() blocks on the engine (puts wait for fdatasync): never call it on an I/O thread.
// Thread-safety: Handle() may be called concurrently from any thread.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/metrics.h"
#include "storage/engine.h"
#include "storage/repair_hooks.h"

namespace shale::storage {

inline constexpr std::string_view kCrc32cHeader = "x-shale-crc32c";
inline constexpr std::string_view kKindHeader = "x-shale-kind";
inline constexpr std::string_view kVersionHeader = "x-shale-version";
inline constexpr std::string_view kSequenceHeader = "x-shale-sequence";

// Shard PUT bodies (by Content-Length) and GET ranges above this are streamed with bounded
// memory (PutShardStreamed, GetShardStreamed); streamed shard bodies may be up to the limit.
inline constexpr uint64_t kStreamedShardThreshold = uint64_t{1} << 20;
inline constexpr uint64_t kStreamedShardBodyLimit = uint64_t{1} << 30;

struct NodeRequest {
  std::string_view method;  // "GET", "PUT", ...
  std::string_view target;  // Path and query as received.
  std::string_view crc32c;  // The x-shale-crc32c header, or empty.
  std::string_view kind;    // The x-shale-kind header, or empty.
  std::string_view body;
};

struct NodeResponse {
  int status = 200;
  std::string content_type = "application/octet-stream";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string_view route = "unknown";  // A static label for metrics ("shard_put", ...).
};

struct NodeServiceOptions {
  std::string node_id;
  std::string cluster_id;
};

class NodeService {
 public:
  // `engine` and `metrics` are borrowed and must outlive the service. Registers the engine's
  // gauges (space, segments, repair queue) in `metrics`.
  NodeService(Engine* engine, MetricsRegistry* metrics, NodeServiceOptions options);

  // Plugs in the node's repair service (status and sweeps). Call once, before serving.
  void SetRepairHooks(RepairHooks hooks) { hooks_ = std::move(hooks); }

  NodeResponse Handle(const NodeRequest& request);

  // True for "/v1/shards/<hex id>[?query]", the calls the two below serve.
  static bool IsShardTarget(std::string_view target);
  // Streamed shard PUT: `length` bytes pulled from `source` into the engine, checked against
  // x-shale-crc32c (optional here) at the end; nothing is stored on any failure (a failure of
  // `source` is answered with its status). The answer carries the stored CRC32C in
  // x-shale-crc32c.
  NodeResponse PutShardStreamed(const NodeRequest& request, uint64_t length,
                                const ShardSource& source);
  // Streamed shard GET: when the range is over kStreamedShardThreshold, calls begin(length),
  // sends the range to `sink` and returns the outcome (a failure after begin means the bytes
  // sent are suspect: the receiver must abort). Otherwise answers like Handle() without
  // calling either.
  NodeResponse GetShardStreamed(const NodeRequest& request,
                                const std::function<void(uint64_t)>& begin, const ShardSink& sink);

  // A 200 response with `body`.
  static NodeResponse Ok(std::string_view route, std::string body = {});
  // The error response for `status` ({code, message} JSON, HTTP status from node_wire).
  static NodeResponse Error(const Status& status, std::string_view route = "unknown");

 private:
  NodeResponse Shards(const NodeRequest& request, std::string_view rest, std::string_view query);
  NodeResponse Versions(const NodeRequest& request, std::string_view rest, std::string_view query);
  NodeResponse List(std::string_view bucket_encoded, std::string_view query);
  NodeResponse Buckets(const NodeRequest& request, std::string_view rest);
  // node_service_repair.cc: scan, shard list, repair queue, scrub and sweep routes.
  NodeResponse Scan(std::string_view query);
  NodeResponse ShardList(std::string_view query);
  NodeResponse Repair(const NodeRequest& request, std::string_view path, std::string_view query);
  NodeResponse Scrub(const NodeRequest& request);
  NodeResponse Health();
  NodeResponse StatusJson();

  Engine* const engine_;
  MetricsRegistry* const metrics_;
  const NodeServiceOptions options_;
  RepairHooks hooks_;  // Set before serving, then only read.
};

}  // namespace shale::storage
