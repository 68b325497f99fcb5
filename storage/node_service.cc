#include "storage/node_service.h"

#include <charconv>
#include <cstdio>
#include <optional>

#include "common/crc.h"
#include "common/encoding.h"
#include "common/internal_auth.h"
#include "common/log.h"
#include "common/node_wire.h"
#include "storage/node_ops.h"
#include "storage/node_query.h"

namespace shale::storage {
namespace {

using internal_auth::QueryParams;

Result<bool> ParseBool(const std::string* s, std::string_view what) {
  if (s == nullptr || s->empty() || *s == "0" || *s == "false") return false;
  if (*s == "1" || *s == "true") return true;
  return Status::InvalidArgument(std::string(what) + " must be 0, 1, true or false");
}

Result<std::string> ShardIdFromHex(std::string_view hex) {
  if (hex.empty() || hex.size() > 2 * node_wire::kMaxShardIdSize) {
    return Status::InvalidArgument("shard id must be 1..255 bytes in hex");
  }
  return HexDecode(hex);
}

Result<uint32_t> ParseCrcHeader(std::string_view s) {
  if (s.size() != 8) return Status::InvalidArgument("x-shale-crc32c must be 8 hex digits");
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return Status::InvalidArgument("x-shale-crc32c must be 8 hex digits");
  }
  return v;
}

std::string_view KindName(VersionKind kind) {
  switch (kind) {
    case VersionKind::kDeleteMarker:
      return "delete-marker";
    case VersionKind::kPurged:
      return "purged";
    case VersionKind::kObject:
      break;
  }
  return "object";
}

// The x-shale-kind header of a version PUT (absent: object).
Result<VersionKind> ParseKind(std::string_view name) {
  if (name.empty() || name == "object") return VersionKind::kObject;
  if (name == "delete-marker") return VersionKind::kDeleteMarker;
  if (name == "purged") return VersionKind::kPurged;
  return Status::InvalidArgument("x-shale-kind must be object, delete-marker or purged");
}

NodeResponse VersionResponse(const StoredVersion& v) {
  NodeResponse r = NodeService::Ok("version_get", v.payload);
  r.headers.emplace_back(kVersionHeader, node_wire::VersionIdToHex(v.version));
  r.headers.emplace_back(kKindHeader, KindName(v.kind));
  r.headers.emplace_back(kSequenceHeader, std::to_string(v.sequence));
  return r;
}

// The offset and length query parameters of a shard GET (defaults 0 and "to the end").
Result<std::pair<uint64_t, uint64_t>> ParseRange(std::string_view query) {
  SHALE_ASSIGN_OR_RETURN(auto params, internal_auth::ParseQuery(query));
  std::pair<uint64_t, uint64_t> range{0, UINT64_MAX};
  if (const std::string* v = FindParam(params, "offset")) {
    SHALE_ASSIGN_OR_RETURN(range.first, ParseDecimal(*v, "offset"));
  }
  if (const std::string* v = FindParam(params, "length")) {
    SHALE_ASSIGN_OR_RETURN(range.second, ParseDecimal(*v, "length"));
  }
  return range;
}

// The shard id and query of a "/v1/shards/<hex id>[?query]" target.
Result<std::pair<std::string, std::string_view>> ShardOfTarget(std::string_view target) {
  constexpr std::string_view kPrefix = "/v1/shards/";
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (path.substr(0, kPrefix.size()) != kPrefix) return Status::NotFound("no such route");
  SHALE_ASSIGN_OR_RETURN(std::string id, ShardIdFromHex(path.substr(kPrefix.size())));
  return std::pair<std::string, std::string_view>(
      std::move(id), q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
}

}  // namespace

bool NodeService::IsShardTarget(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  return path.substr(0, 11) == "/v1/shards/" && path.size() > 11 && path != "/v1/shards/check";
}

NodeResponse NodeService::PutShardStreamed(const NodeRequest& request, uint64_t length,
                                           const ShardSource& source) {
  auto shard = ShardOfTarget(request.target);
  if (!shard.ok()) return Error(shard.status(), "shard_put");
  // The CRC header is optional here: a one-pass sender does not know it up front.
  std::optional<uint32_t> crc;
  if (!request.crc32c.empty()) {
    auto parsed = ParseCrcHeader(request.crc32c);
    if (!parsed.ok()) return Error(parsed.status(), "shard_put");
    crc = *parsed;
  }
  // The CRC is only known at the end: the last bytes are withheld from the engine if it
  // differs, so the record is aborted and nothing is stored.
  Crc32cStream running;
  uint64_t got = 0;
  auto checked = [&](std::span<char> buf) -> Result<size_t> {
    SHALE_ASSIGN_OR_RETURN(size_t n, source(buf));
    running.Update(std::string_view(buf.data(), n));
    got += n;
    if (crc && got == length && running.Finish() != *crc) {
      return Status::InvalidArgument("body does not match x-shale-crc32c");
    }
    return n;
  };
  auto info = engine_->PutShardStream(shard->first, length, checked);
  if (!info.ok()) return Error(info.status(), "shard_put");
  char stored[9];
  std::snprintf(stored, sizeof(stored), "%08x", info->crc32c);
  NodeResponse r = Ok("shard_put");
  r.headers.emplace_back(std::string(kCrc32cHeader), stored);
  return r;
}

NodeResponse NodeService::GetShardStreamed(const NodeRequest& request,
                                           const std::function<void(uint64_t)>& begin,
                                           const ShardSink& sink) {
  auto shard = ShardOfTarget(request.target);
  if (!shard.ok()) return Error(shard.status(), "shard_get");
  auto range = ParseRange(shard->second);
  if (!range.ok()) return Error(range.status(), "shard_get");
  auto info = engine_->StatShard(shard->first);
  if (!info.ok()) return Error(info.status(), "shard_get");
  const auto [offset, length] = *range;
  const uint64_t begin_at = std::min(offset, info->length);
  const uint64_t n = std::min(length, info->length - begin_at);
  if (n <= kStreamedShardThreshold || info->bad) return Handle(request);
  // Between the stat and the read the shard may be replaced: the length sent is then wrong and
  // the read below fails or falls short, which the receiver sees as an aborted body.
  begin(n);
  // The CRC is verified after the last piece was read: that piece is held back until then, so
  // a corrupt shard never reaches the receiver whole (it sees a short body).
  uint64_t sent = 0;
  std::string held;
  Status s = engine_->StreamShard(shard->first, offset, length, [&](std::string_view piece) {
    if (piece.size() > n - sent) return Status::Aborted("shard changed while being sent");
    sent += piece.size();
    if (!held.empty()) SHALE_RETURN_IF_ERROR(sink(held));
    held.assign(piece);
    return Status::OK();
  });
  if (s.ok() && sent != n) s = Status::Aborted("shard changed while being sent");
  if (s.ok() && !held.empty()) s = sink(held);
  return s.ok() ? Ok("shard_get") : Error(s, "shard_get");
}

NodeService::NodeService(Engine* engine, MetricsRegistry* metrics, NodeServiceOptions options)
    : engine_(engine), metrics_(metrics), options_(std::move(options)) {
  Status s = metrics_->AddGaugeCallback(
      "shale_node_space_bytes", "Engine space accounting, by kind.", {"kind"}, [this] {
        std::vector<GaugeSample> out;
        auto stats = engine_->GetSpaceStats();
        if (!stats.ok()) return out;
        out.push_back({{"live"}, static_cast<double>(stats->live_bytes)});
        out.push_back({{"dead"}, static_cast<double>(stats->dead_bytes)});
        out.push_back({{"disk_capacity"}, static_cast<double>(stats->disk_capacity_bytes)});
        out.push_back({{"disk_available"}, static_cast<double>(stats->disk_available_bytes)});
        out.push_back({{"reserve"}, static_cast<double>(stats->reserve_bytes)});
        return out;
      });
  if (s.ok()) {
    s = metrics_->AddGaugeCallback("shale_node_segments", "Segment files.", {}, [this] {
      auto stats = engine_->GetSpaceStats();
      return std::vector<GaugeSample>{
          {{}, stats.ok() ? static_cast<double>(stats->segment_count) : 0}};
    });
  }
  if (s.ok()) {
    s = metrics_->AddGaugeCallback(
        "shale_node_repair_queue_depth", "Repair queue entries (records marked bad, object hints).",
        {}, [this] {
          return std::vector<GaugeSample>{
              {{}, static_cast<double>(engine_->status().repair_queue_depth)}};
        });
  }
  if (s.ok()) {
    s = metrics_->AddGaugeCallback(
        "shale_node_read_only", "1 when the engine refuses writes.", {}, [this] {
          return std::vector<GaugeSample>{{{}, engine_->status().read_only ? 1.0 : 0.0}};
        });
  }
  // Scrub counters are the engine's (since it opened), exported through callbacks.
  auto scrub_gauge = [this](const char* name, const char* help, auto value) {
    return metrics_->AddGaugeCallback(name, help, {}, [this, value] {
      return std::vector<GaugeSample>{{{}, value(engine_->status().scrub)}};
    });
  };
  if (s.ok()) {
    s = scrub_gauge(
        "shale_node_scrub_bytes_total", "Live record bytes verified by scrub.",
        [](const ScrubStatus& st) { return static_cast<double>(st.bytes_scrubbed_total); });
  }
  if (s.ok()) {
    s = scrub_gauge(
        "shale_node_scrub_corruptions_total", "Bad records found by scrub (marked, queued).",
        [](const ScrubStatus& st) { return static_cast<double>(st.corruptions_found_total); });
  }
  if (s.ok()) {
    s = scrub_gauge("shale_node_scrub_progress", "Progress of the scrub pass, 0..1.",
                    [](const ScrubStatus& st) { return ScrubProgress(st); });
  }
  // Names are constants, so a failure is a bug here, not an input error.
  if (!s.ok()) log::Error("node metrics registration failed", {{"status", s}});
}

NodeResponse NodeService::Ok(std::string_view route, std::string body) {
  NodeResponse r;
  r.route = route;
  r.body = std::move(body);
  return r;
}

NodeResponse NodeService::Error(const Status& status, std::string_view route) {
  NodeResponse r;
  r.status = node_wire::HttpStatusFor(status.code());
  r.content_type = "application/json";
  r.body = node_wire::EncodeError(status);
  r.route = route;
  return r;
}

NodeResponse NodeService::Handle(const NodeRequest& request) {
  std::string_view target = request.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  auto starts = [&path](std::string_view prefix) {
    return path.substr(0, prefix.size()) == prefix;
  };

  if (path == "/health") return Health();
  if (path == "/v1/status" && request.method == "GET") return StatusJson();
  if (path == "/metrics" && request.method == "GET") {
    NodeResponse r = Ok("metrics", metrics_->RenderPrometheusText());
    r.content_type = "text/plain; version=0.0.4";
    return r;
  }
  if (starts("/v1/shards/")) return Shards(request, path.substr(11), query);
  if (starts("/v1/versions/")) return Versions(request, path.substr(13), query);
  if (starts("/v1/list/") && request.method == "GET") return List(path.substr(9), query);
  if (path == "/v1/buckets" && request.method == "GET") {
    auto buckets = engine_->ListBuckets();
    if (!buckets.ok()) return Error(buckets.status(), "bucket_list");
    return Ok("bucket_list", node_wire::EncodeBucketList(ToWireBuckets(std::move(*buckets))));
  }
  if (starts("/v1/buckets/")) return Buckets(request, path.substr(12));
  if (path == "/v1/scan" && request.method == "GET") return Scan(query);
  if (path == "/v1/shards" && request.method == "GET") return ShardList(query);
  if (path == "/v1/scrub") return Scrub(request);
  if (path == "/v1/repair" || starts("/v1/repair/")) return Repair(request, path, query);
  return Error(Status::NotFound("no such route"));
}

NodeResponse NodeService::Shards(const NodeRequest& request, std::string_view rest,
                                 std::string_view query) {
  if (rest == "check") {
    if (request.method != "POST") return Error(Status::NotSupported("method"), "shard_check");
    auto ids = node_wire::DecodeCheckRequest(request.body);
    if (!ids.ok()) return Error(ids.status(), "shard_check");
    auto checks = CheckShards(*engine_, std::move(*ids));
    if (!checks.ok()) return Error(checks.status(), "shard_check");
    return Ok("shard_check", node_wire::EncodeCheckResponse(*checks));
  }
  auto id = ShardIdFromHex(rest);
  if (!id.ok()) return Error(id.status(), "shard");
  if (request.method == "PUT") {
    auto crc = ParseCrcHeader(request.crc32c);
    if (!crc.ok()) return Error(crc.status(), "shard_put");
    if (Crc32c(request.body) != *crc) {
      return Error(Status::InvalidArgument("body does not match x-shale-crc32c"), "shard_put");
    }
    Status s = engine_->PutShard(*id, request.body);
    return s.ok() ? Ok("shard_put") : Error(s, "shard_put");
  }
  if (request.method == "GET") {
    auto range = ParseRange(query);
    if (!range.ok()) return Error(range.status(), "shard_get");
    auto data = engine_->GetShard(*id, range->first, range->second);
    return data.ok() ? Ok("shard_get", std::move(*data)) : Error(data.status(), "shard_get");
  }
  if (request.method == "DELETE") {
    Status s = engine_->DeleteShard(*id);
    return s.ok() ? Ok("shard_delete") : Error(s, "shard_delete");
  }
  return Error(Status::NotSupported("method"), "shard");
}

NodeResponse NodeService::Versions(const NodeRequest& request, std::string_view rest,
                                   std::string_view query) {
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return Error(Status::InvalidArgument("expected /v1/versions/<bucket>/<key>"), "version");
  }
  auto bucket = internal_auth::UriDecode(rest.substr(0, slash));
  auto key = internal_auth::UriDecode(rest.substr(slash + 1));
  auto params = internal_auth::ParseQuery(query);
  if (!bucket.ok() || !key.ok() || !params.ok()) {
    return Error(Status::InvalidArgument("bad percent-encoding"), "version");
  }
  std::optional<VersionId> version;
  if (const std::string* v = FindParam(*params, "version")) {
    auto parsed = node_wire::VersionIdFromHex(*v);
    if (!parsed.ok()) return Error(parsed.status(), "version");
    version = *parsed;
  }
  if (request.method == "GET") {
    auto v = version ? engine_->GetVersion(*bucket, *key, *version)
                     : engine_->GetLatestVersion(*bucket, *key);
    return v.ok() ? VersionResponse(*v) : Error(v.status(), "version_get");
  }
  if (!version) return Error(Status::InvalidArgument("version= is required"), "version");
  if (request.method == "PUT") {
    auto kind = ParseKind(request.kind);
    if (!kind.ok()) return Error(kind.status(), "version_put");
    Status s = engine_->PutVersion(*bucket, *key, *version, request.body, *kind);
    return s.ok() ? Ok("version_put") : Error(s, "version_put");
  }
  if (request.method == "DELETE") {
    Status s = engine_->DeleteVersion(*bucket, *key, *version);
    return s.ok() ? Ok("version_delete") : Error(s, "version_delete");
  }
  return Error(Status::NotSupported("method"), "version");
}

NodeResponse NodeService::List(std::string_view bucket_encoded, std::string_view query) {
  auto bucket = internal_auth::UriDecode(bucket_encoded);
  auto params = internal_auth::ParseQuery(query);
  if (!bucket.ok() || !params.ok()) {
    return Error(Status::InvalidArgument("bad percent-encoding"), "list");
  }
  ListVersionsOptions options;
  options.bucket = std::move(*bucket);
  if (const std::string* v = FindParam(*params, "prefix")) options.prefix = *v;
  if (const std::string* v = FindParam(*params, "start_after")) options.start_after_key = *v;
  if (const std::string* v = FindParam(*params, "start_after_version")) {
    auto parsed = node_wire::VersionIdFromHex(*v);
    if (!parsed.ok()) return Error(parsed.status(), "list");
    options.start_after_version = *parsed;
  }
  auto limit = ParseLimit(*params, 1000, node_wire::kMaxListEntries);
  if (!limit.ok()) return Error(limit.status(), "list");
  options.limit = *limit;
  if (const std::string* v = FindParam(*params, "max_bytes")) {
    auto max_bytes = ParseDecimal(*v, "max_bytes");
    if (!max_bytes.ok()) return Error(max_bytes.status(), "list");
    options.max_bytes = *max_bytes;
  }
  auto latest = ParseBool(FindParam(*params, "latest_only"), "latest_only");
  if (!latest.ok()) return Error(latest.status(), "list");
  options.latest_only = *latest;
  auto page = engine_->ListVersions(options);
  if (!page.ok()) return Error(page.status(), "list");
  return Ok("list", node_wire::EncodeVersionPage(ToWirePage(std::move(*page))));
}

NodeResponse NodeService::Buckets(const NodeRequest& request, std::string_view rest) {
  auto name = internal_auth::UriDecode(rest);
  if (!name.ok()) return Error(name.status(), "bucket");
  if (request.method == "PUT") {
    Status s = engine_->PutBucket(*name, request.body);
    return s.ok() ? Ok("bucket_put") : Error(s, "bucket_put");
  }
  if (request.method == "GET") {
    auto b = engine_->GetBucket(*name);
    return b.ok() ? Ok("bucket_get", std::move(b->payload)) : Error(b.status(), "bucket_get");
  }
  if (request.method == "DELETE") {
    Status s = engine_->DeleteBucket(*name);
    return s.ok() ? Ok("bucket_delete") : Error(s, "bucket_delete");
  }
  return Error(Status::NotSupported("method"), "bucket");
}

NodeResponse NodeService::Health() {
  Status s = EngineHealth(*engine_);
  if (!s.ok()) return Error(s, "health");
  NodeResponse r = Ok("health", "ok\n");
  r.content_type = "text/plain";
  return r;
}

NodeResponse NodeService::StatusJson() {
  NodeResponse r =
      Ok("status", NodeStatusJson(*engine_, options_.node_id, options_.cluster_id, hooks_));
  r.content_type = "application/json";
  return r;
}

}  // namespace shale::storage
