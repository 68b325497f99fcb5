#include "gateway/admin_api.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <utility>

#include "common/log.h"
#include "common/node_fanout.h"
#include "gateway/admin_verify.h"
#include "gateway/s3_error.h"

namespace shale::gateway {

// The cluster-wide gauges, each the value of one ClusterSummary field.
struct AdminApi::Gauges {
  struct One {
    Gauge* gauge;
    double (*value)(const ClusterSummary&);
  };
  std::vector<One> all;
  GaugeFamily* verdict = nullptr;  // {verdict}: 1 for the current one.
};

namespace {

constexpr std::string_view kJson = "application/json";

struct GaugeSpec {
  const char* name;
  const char* help;
  double (*value)(const ClusterSummary&);
};

const GaugeSpec kGauges[] = {
    {"shale_cluster_nodes", "Nodes in the cluster config.",
     [](const ClusterSummary& s) { return double(s.nodes_total); }},
    {"shale_cluster_nodes_up", "Nodes answering their status.",
     [](const ClusterSummary& s) { return double(s.nodes_up); }},
    {"shale_cluster_capacity_bytes", "Disk capacity of the up nodes.",
     [](const ClusterSummary& s) { return double(s.capacity_bytes); }},
    {"shale_cluster_available_bytes", "Free disk space of the up nodes.",
     [](const ClusterSummary& s) { return double(s.available_bytes); }},
    {"shale_cluster_scrubbed_bytes", "Bytes scrubbed by the up nodes since they started.",
     [](const ClusterSummary& s) { return double(s.bytes_scrubbed_total); }},
    {"shale_cluster_corruptions_found", "Corrupt records scrub found on the up nodes.",
     [](const ClusterSummary& s) { return double(s.corruptions_found_total); }},
    {"shale_cluster_shards_repaired", "Shards rebuilt by repair on the up nodes.",
     [](const ClusterSummary& s) { return double(s.shards_repaired_total); }},
    {"shale_cluster_repair_queue_depth", "Repair items queued on the up nodes.",
     [](const ClusterSummary& s) { return double(s.queue_depth); }},
    {"shale_cluster_degraded_objects", "Objects repair knows to be degraded.",
     [](const ClusterSummary& s) { return double(s.degraded_objects); }},
    {"shale_cluster_eta_healthy_seconds", "Estimated seconds until healthy; -1 when unknown.",
     [](const ClusterSummary& s) { return s.eta_healthy_seconds.value_or(-1); }},
};

Status SendJson(S3ResponseWriter& response, int status, std::string body) {
  return response.Send(status, {{"content-type", std::string(kJson)}}, std::move(body));
}

// {"requested_ms": t, "nodes": [{"id", "ok", "error"}]}: what a trigger did on each node.
std::string RenderTrigger(int64_t requested_ms, std::span<const std::string> ids,
                          const std::vector<Status>& results) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("requested_ms");
  w.Int64(requested_ms);
  w.Key("nodes");
  w.StartArray();
  for (size_t i = 0; i < results.size(); ++i) {
    w.StartObject();
    w.Key("id");
    w.String(ids[i].c_str());
    w.Key("ok");
    w.Bool(results[i].ok());
    w.Key("error");
    w.String(results[i].ok() ? "" : results[i].ToString().c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

AdminApiOptions AdminOptionsFor(const ClusterConfig& config, std::vector<NodeClient*> nodes) {
  AdminApiOptions o;
  o.nodes = std::move(nodes);
  for (const NodeConfig& n : config.nodes) {
    o.node_ids.push_back(n.id);
    o.node_addresses.push_back(n.address);
  }
  o.k = config.erasure.k;
  o.set_size = config.erasure.set_size();
  return o;
}

AdminApi::AdminApi(AdminApiOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &SystemClock::Default()),
      gauges_(std::make_unique<Gauges>()) {
  if (options_.metrics == nullptr) return;
  for (const GaugeSpec& spec : kGauges) {
    Result<GaugeFamily*> family = options_.metrics->AddGauge(spec.name, spec.help);
    if (family.ok()) gauges_->all.push_back({&(*family)->Get(), spec.value});
  }
  Result<GaugeFamily*> verdict = options_.metrics->AddGauge(
      "shale_cluster_verdict", "1 for the cluster's current verdict.", {"verdict"});
  if (verdict.ok()) gauges_->verdict = *verdict;
  if (options_.metrics_refresh_seconds > 0) refresher_ = std::thread([this] { RefreshLoop(); });
}

AdminApi::~AdminApi() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

bool AdminApi::Claims(const S3Request& request) { return request.bucket == kAdminBucket; }

std::vector<NodeReport> AdminApi::Refresh(ClusterSummary* summary) {
  std::vector<NodeReport> reports =
      CollectNodeReports(options_.nodes, options_.node_ids, options_.node_addresses);
  *summary = Summarize(reports, options_.set_size, options_.k);
  for (const Gauges::One& g : gauges_->all) g.gauge->Set(g.value(*summary));
  if (gauges_->verdict != nullptr) {
    for (ClusterVerdict v :
         {ClusterVerdict::kHealthy, ClusterVerdict::kDegraded, ClusterVerdict::kUnavailable}) {
      gauges_->verdict->WithLabels({VerdictName(v)}).Set(v == summary->verdict ? 1 : 0);
    }
  }
  return reports;
}

void AdminApi::RefreshLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    ClusterSummary summary;
    (void)Refresh(&summary);  // Only the gauges are wanted here.
    lock.lock();
    cv_.wait_for(lock, std::chrono::seconds(options_.metrics_refresh_seconds),
                 [this] { return stopping_; });
  }
}

Status AdminApi::Handle(S3Request& request, S3ResponseWriter& response) {
  if (request.user == nullptr || !request.user->admin) {
    request.operation = "AdminDenied";
    return MakeS3Error(S3ErrorCode::kAccessDenied, "the admin API is open to admin users only");
  }
  std::string_view key = request.key;
  if (key.substr(0, kAdminKeyPrefix.size()) != kAdminKeyPrefix) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument, "unknown admin path");
  }
  std::string_view op = key.substr(kAdminKeyPrefix.size());
  const std::string_view m = request.method;
  struct Route {
    std::string_view path, method, operation;
  };
  static constexpr Route kRoutes[] = {{"status", "GET", "AdminStatus"},
                                      {"scrub", "POST", "AdminScrub"},
                                      {"repair", "POST", "AdminRepair"},
                                      {"verify", "GET", "AdminVerify"}};
  for (const Route& r : kRoutes) {
    if (op != r.path) continue;
    if (m != r.method) return MakeS3Error(S3ErrorCode::kMethodNotAllowed);
    request.operation = std::string(r.operation);
    if (op == "status") return ServeStatus(response);
    if (op == "scrub") return ServeScrub(request, response);
    if (op == "repair") return ServeRepair(request, response);
    return ServeVerify(request, response);
  }
  return MakeS3Error(S3ErrorCode::kInvalidArgument, "unknown admin path");
}

Status AdminApi::ServeStatus(S3ResponseWriter& response) {
  ClusterSummary summary;
  std::vector<NodeReport> reports = Refresh(&summary);
  const auto now_ms = static_cast<int64_t>(clock_->NowMicros() / 1000);
  return SendJson(response, 200, RenderClusterStatus(reports, summary, options_.set_size, now_ms));
}

Status AdminApi::ServeScrub(const S3Request& request, S3ResponseWriter& response) {
  const auto now_ms = static_cast<int64_t>(clock_->NowMicros() / 1000);
  std::vector<NodeClient*> targets;
  std::vector<std::string> ids;
  std::string_view node = request.Query("node").value_or("all");
  for (size_t i = 0; i < options_.nodes.size(); ++i) {
    if (node != "all" && node != options_.node_ids[i]) continue;
    targets.push_back(options_.nodes[i]);
    ids.push_back(options_.node_ids[i]);
  }
  if (targets.empty()) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument, "no node has id '" + std::string(node) + "'");
  }
  std::vector<Status> results =
      FanOut(std::span<NodeClient* const>(targets), [](NodeClient& c) { return c.StartScrub(); });
  log::Info("admin scrub", {{"node", node}});
  return SendJson(response, 200, RenderTrigger(now_ms, ids, results));
}

Status AdminApi::ServeRepair(const S3Request& request, S3ResponseWriter& response) {
  const auto now_ms = static_cast<int64_t>(clock_->NowMicros() / 1000);
  node_wire::RepairSweep sweep;
  sweep.bucket = std::string(request.Query("bucket").value_or(""));
  sweep.prefix = std::string(request.Query("prefix").value_or(""));
  if (sweep.bucket.empty() && !sweep.prefix.empty()) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument, "prefix needs a bucket");
  }
  // Every node: only each set's coordinator acts, and which node that is may change any time.
  std::vector<Status> results = FanOut(std::span<NodeClient* const>(options_.nodes),
                                       [&sweep](NodeClient& c) { return c.StartRepair(sweep); });
  log::Info("admin repair", {{"bucket", sweep.bucket}, {"prefix", sweep.prefix}});
  return SendJson(response, 200, RenderTrigger(now_ms, options_.node_ids, results));
}

Status AdminApi::ServeVerify(const S3Request& request, S3ResponseWriter& response) {
  VerifyRequest v;
  v.bucket = std::string(request.Query("bucket").value_or(""));
  v.key = std::string(request.Query("key").value_or(""));
  if (v.bucket.empty() || v.key.empty()) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument, "verify needs bucket and key");
  }
  if (auto id = request.Query("versionId"); id && !id->empty()) {
    Result<NodeVersionId> version = node_wire::VersionIdFromHex(*id);
    if (!version.ok()) return MakeS3Error(S3ErrorCode::kInvalidArgument, "invalid versionId");
    v.version = *version;
  }
  v.deep = request.Query("deep").value_or("") == "1";
  Result<VerifyReport> report =
      VerifyObject(options_.nodes, options_.node_ids, options_.set_size, v);
  if (!report.ok()) {
    if (report.status().code() == StatusCode::kNotFound) {
      return MakeS3Error(S3ErrorCode::kNoSuchKey, report.status().message());
    }
    return report.status();
  }
  return SendJson(response, 200, RenderVerifyReport(*report));
}

}  // namespace shale::gateway
