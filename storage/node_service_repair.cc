// The repair and scrub routes of the node's internal API (docs/FORMAT.md, "Routes"): the
// whole-node version scan, the shard list, the repair queue, scrub and sweep triggers.

#include "common/encoding.h"
#include "common/node_wire.h"
#include "storage/node_ops.h"
#include "storage/node_query.h"
#include "storage/node_service.h"

namespace shale::storage {

NodeResponse NodeService::Scan(std::string_view query) {
  auto params = internal_auth::ParseQuery(query);
  if (!params.ok()) return Error(Status::InvalidArgument("bad percent-encoding"), "scan");
  NodeScanRequest request;
  const std::string* bucket = FindParam(*params, "after_bucket");
  const std::string* key = FindParam(*params, "after_key");
  const std::string* version = FindParam(*params, "after_version");
  if (bucket || key || version) {
    if (!bucket || !key || !version) {
      return Error(Status::InvalidArgument("after_bucket, after_key and after_version go together"),
                   "scan");
    }
    auto parsed = node_wire::VersionIdFromHex(*version);
    if (!parsed.ok()) return Error(parsed.status(), "scan");
    request.start_after = NodeScanPosition{*bucket, *key, *parsed};
  }
  auto limit = ParseLimit(*params, 1000, node_wire::kMaxListEntries);
  if (!limit.ok()) return Error(limit.status(), "scan");
  request.limit = *limit;
  if (const std::string* v = FindParam(*params, "max_bytes")) {
    auto max_bytes = ParseDecimal(*v, "max_bytes");
    if (!max_bytes.ok()) return Error(max_bytes.status(), "scan");
    request.max_bytes = *max_bytes;
  }
  auto page = ScanVersionsPage(*engine_, request);
  if (!page.ok()) return Error(page.status(), "scan");
  return Ok("scan", node_wire::EncodeScanPage(*page));
}

NodeResponse NodeService::ShardList(std::string_view query) {
  auto params = internal_auth::ParseQuery(query);
  if (!params.ok()) return Error(Status::InvalidArgument("bad percent-encoding"), "shard_list");
  std::string after;
  if (const std::string* v = FindParam(*params, "after"); v && !v->empty()) {
    if (v->size() > 2 * node_wire::kMaxShardIdSize) {
      return Error(Status::InvalidArgument("after must be a shard id in hex"), "shard_list");
    }
    auto decoded = HexDecode(*v);
    if (!decoded.ok()) return Error(decoded.status(), "shard_list");
    after = std::move(*decoded);
  }
  auto limit = ParseLimit(*params, 1000, node_wire::kMaxListEntries);
  if (!limit.ok()) return Error(limit.status(), "shard_list");
  auto page = ListShardsPage(*engine_, after, *limit);
  if (!page.ok()) return Error(page.status(), "shard_list");
  return Ok("shard_list", node_wire::EncodeShardPage(*page));
}

NodeResponse NodeService::Repair(const NodeRequest& request, std::string_view path,
                                 std::string_view query) {
  if (path == "/v1/repair" && request.method == "POST") {
    auto hint = node_wire::DecodeRepairHint(request.body);
    if (!hint.ok()) return Error(hint.status(), "repair_hint");
    Status s = EnqueueRepairHint(*engine_, *hint);
    return s.ok() ? Ok("repair_hint") : Error(s, "repair_hint");
  }
  if (path == "/v1/repair" && request.method == "GET") {
    auto params = internal_auth::ParseQuery(query);
    if (!params.ok()) return Error(Status::InvalidArgument("bad query"), "repair_peek");
    auto limit = ParseLimit(*params, 1000, node_wire::kMaxListEntries);
    if (!limit.ok()) return Error(limit.status(), "repair_peek");
    auto items = PeekRepairItems(*engine_, *limit);
    if (!items.ok()) return Error(items.status(), "repair_peek");
    return Ok("repair_peek", node_wire::EncodeRepairItems(*items));
  }
  if (path == "/v1/repair/remove" && request.method == "POST") {
    auto seqs = node_wire::DecodeRepairSeqs(request.body);
    if (!seqs.ok()) return Error(seqs.status(), "repair_remove");
    Status s = RemoveRepairItems(*engine_, *seqs);
    return s.ok() ? Ok("repair_remove") : Error(s, "repair_remove");
  }
  if (path == "/v1/repair/sweep" && request.method == "POST") {
    auto params = internal_auth::ParseQuery(query);
    if (!params.ok()) return Error(Status::InvalidArgument("bad query"), "repair_sweep");
    node_wire::RepairSweep sweep;
    if (const std::string* v = FindParam(*params, "bucket")) sweep.bucket = *v;
    if (const std::string* v = FindParam(*params, "prefix")) sweep.prefix = *v;
    Status s = StartRepairSweep(hooks_, sweep);
    return s.ok() ? Ok("repair_sweep") : Error(s, "repair_sweep");
  }
  if (path == "/v1/repair" || path == "/v1/repair/remove" || path == "/v1/repair/sweep") {
    return Error(Status::NotSupported("method"), "repair");
  }
  return Error(Status::NotFound("no such route"));
}

NodeResponse NodeService::Scrub(const NodeRequest& request) {
  if (request.method != "POST") return Error(Status::NotSupported("method"), "scrub");
  Status s = engine_->StartScrub();
  return s.ok() ? Ok("scrub") : Error(s, "scrub");
}

}  // namespace shale::storage
