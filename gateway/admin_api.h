#pragma once

// The gateway's admin API (docs/OPERATIONS.md): JSON over HTTP under /_shale/admin/v1/ — a path
// no S3 bucket can have ('_' is not allowed in bucket names) — SigV4-signed like any S3 request
// and open only to admin users (User::admin); anyone else gets AccessDenied.
//   GET  /_shale/admin/v1/status                       cluster health (gateway/admin_status.h)
//   POST /_shale/admin/v1/scrub[?node=ID]              start a scrub pass (one node or all)
//   POST /_shale/admin/v1/repair[?bucket=B[&prefix=P]] start an anti-entropy sweep; sent to every
//                                                      node (non-coordinators ignore it)
//   GET  /_shale/admin/v1/verify?bucket=B&key=K[&versionId=V][&deep=1]
// It also keeps cluster-wide gauges (shale_cluster_*) in the gateway's metrics registry,
// refreshed by a background thread.
// Thread-safety: Handle() may be called concurrently; the clients are thread-safe.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/node_client.h"
#include "gateway/admin_status.h"
#include "gateway/s3_exchange.h"

namespace shale::gateway {

// The bucket label of admin paths, and the key prefix under it.
inline constexpr std::string_view kAdminBucket = "_shale";
inline constexpr std::string_view kAdminKeyPrefix = "admin/v1/";

struct AdminApiOptions {
  std::vector<NodeClient*> nodes;  // Borrowed, config order; must outlive the API.
  std::vector<std::string> node_ids;
  std::vector<std::string> node_addresses;
  uint32_t k = 1;
  uint32_t set_size = 1;
  MetricsRegistry* metrics = nullptr;     // Borrowed; nullptr: no gauges.
  uint32_t metrics_refresh_seconds = 15;  // 0: gauges only refresh on GET status.
  const Clock* clock = nullptr;           // Borrowed; nullptr: the system clock.
};

// The options for a cluster config's nodes (`nodes` in config order, borrowed): what both
// shale-gateway and `shale server` pass as S3EndpointOptions::admin.
AdminApiOptions AdminOptionsFor(const ClusterConfig& config, std::vector<NodeClient*> nodes);

class AdminApi {
 public:
  explicit AdminApi(AdminApiOptions options);
  ~AdminApi();  // Stops the refresh thread.
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  // Whether a request is addressed to the admin API (it must not go to the S3 handlers).
  static bool Claims(const S3Request& request);
  // Serves one claimed request; errors are S3 error statuses (AccessDenied, InvalidArgument,
  // NoSuchKey, MethodNotAllowed) sent as XML by the server.
  Status Handle(S3Request& request, S3ResponseWriter& response);

 private:
  struct Gauges;
  Status ServeStatus(S3ResponseWriter& response);
  Status ServeScrub(const S3Request& request, S3ResponseWriter& response);
  Status ServeRepair(const S3Request& request, S3ResponseWriter& response);
  Status ServeVerify(const S3Request& request, S3ResponseWriter& response);
  // Asks every node and updates the gauges.
  std::vector<NodeReport> Refresh(ClusterSummary* summary);
  void RefreshLoop();

  const AdminApiOptions options_;
  const Clock* clock_;
  std::unique_ptr<Gauges> gauges_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // Guarded by mu_.
  std::thread refresher_;
};

}  // namespace shale::gateway
