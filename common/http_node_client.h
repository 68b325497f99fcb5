#pragma once

// HttpNodeClient: NodeClient over the node's signed internal HTTP/1.1 API, with libcurl
// (docs/ARCHITECTURE.md, "Internal API", says why). Connections are kept alive and reused
// through a pool of curl handles; every request is signed (common/internal_auth.h) and bounded
// by a connect and a total timeout. Every call of the API is idempotent by design (PUT of the
// same shard, version or bucket record again is a success; DELETE again is NotFound), so
// transport failures (connect refused, reset, timeout) are retried up to max_attempts with a
// short backoff; HTTP answers are never retried.
// Thread-safety: safe for concurrent use; each call takes a handle from the pool.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/node_client.h"

namespace shale {

struct HttpNodeClientOptions {
  std::string address;  // "host:port" of the node.
  std::string secret;   // The cluster secret.
  int connect_timeout_ms = 2000;
  int request_timeout_ms = 30000;
  int max_attempts = 3;
};

// A request as sent, for tests and tools that need to send what the typed calls never would.
struct RawNodeRequest {
  std::string method;
  std::string target;  // Path and query, already encoded.
  std::string body;
  bool sign = true;
  std::optional<int64_t> date;                               // Overrides the current time.
  std::optional<std::string> content_sha256;                 // Overrides the body's digest.
  std::vector<std::pair<std::string, std::string>> headers;  // Added (after signing).
  // A streamed body instead of `body`: `body_length` bytes pulled from `body_source` (the
  // digest must then be given in content_sha256). No total timeout, a stall limit instead.
  NodeBodySource body_source;
  uint64_t body_length = 0;
  // A 2xx response body goes here in pieces instead of into RawNodeResponse::body.
  NodeBodySink response_sink;
};

struct RawNodeResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Names lowercased.
  // The first header of that (lowercase) name, or empty.
  std::string Header(std::string_view name) const;
};

class HttpNodeClient final : public NodeClient {
 public:
  explicit HttpNodeClient(HttpNodeClientOptions options);
  ~HttpNodeClient() override;

  Status PutShard(std::string_view id, std::string_view data) override;
  Result<std::string> GetShard(std::string_view id, uint64_t offset, uint64_t length) override;
  Status DeleteShard(std::string_view id) override;
  Result<std::vector<node_wire::ShardCheck>> CheckShards(
      const std::vector<std::string>& ids) override;
  Status PutVersion(std::string_view bucket, std::string_view key, const NodeVersionId& version,
                    std::string_view payload, node_wire::WireKind kind) override;
  Result<node_wire::WireVersion> GetVersion(std::string_view bucket, std::string_view key,
                                            std::optional<NodeVersionId> version) override;
  Status DeleteVersion(std::string_view bucket, std::string_view key,
                       const NodeVersionId& version) override;
  Result<node_wire::WireVersionPage> ListVersions(const NodeListRequest& request) override;
  Status PutBucket(std::string_view name, std::string_view payload) override;
  Result<std::string> GetBucket(std::string_view name) override;
  Status DeleteBucket(std::string_view name) override;
  Result<std::vector<node_wire::WireBucket>> ListBuckets() override;
  Status EnqueueRepair(const node_wire::RepairHint& hint) override;
  Result<node_wire::WireScanPage> ScanVersions(const NodeScanRequest& request) override;
  Result<node_wire::WireShardPage> ListShards(std::string_view start_after,
                                              uint32_t limit) override;
  Result<std::vector<node_wire::WireRepairItem>> PeekRepairs(uint32_t limit) override;
  Status RemoveRepairs(const std::vector<uint64_t>& seqs) override;
  Status StartScrub() override;
  Status StartRepair(const node_wire::RepairSweep& sweep) override;
  Status Health() override;
  Result<std::string> StatusJson() override;
  Result<std::string> MetricsText() override;

  // Streamed shard PUT with bounded memory, in one pass: `length` bytes pulled from `source`
  // are sent in signed chunks (common/chunk_signing.h); the CRC32C computed on the way is
  // compared with the one the node stored (a mismatch is Corruption). One attempt, no retry.
  Status PutShardStream(std::string_view id, uint64_t length, const NodeBodySource& source);
  // Streamed shard GET with bounded memory: the range goes to `sink` in pieces. A failure after
  // some pieces (the node aborts the body on a corrupt shard) means they must be discarded.
  Status GetShardStream(std::string_view id, uint64_t offset, uint64_t length,
                        const NodeBodySink& sink);

  // Sends one request (one attempt, no retry).
  Result<RawNodeResponse> Send(const RawNodeRequest& request);

 private:
  struct Handle;
  // Sends with retries; a non-2xx answer becomes the Status its error body names.
  Result<RawNodeResponse> Call(RawNodeRequest request);
  std::unique_ptr<Handle> Acquire();
  void Release(std::unique_ptr<Handle> handle);

  const HttpNodeClientOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;  // Guarded by mu_.
};

}  // namespace shale
