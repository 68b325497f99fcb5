// `shale server`: the all-in-one S3 endpoint. One process runs the gateway (S3 handlers over the
// erasure-coded data path behind the HTTP server) and N storage nodes in-process, one engine per
// DIR/drive-<i>, reached through storage::LocalNodeClient instead of HTTP. The data directory
// keeps the cluster config and the admin credentials (tools/shale/server_setup.h), so a restart
// serves the same data with the same keys. SIGTERM/SIGINT: stop accepting, finish requests in
// flight, close the engines (durably), exit 0.

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/fs/file_system.h"
#include "common/fs/file_util.h"
#include "common/log.h"
#include "common/metrics.h"
#include "gateway/admin_api.h"
#include "gateway/cluster_store.h"
#include "gateway/serve.h"
#include "storage/engine.h"
#include "storage/local_node_client.h"
#include "storage/node_identity.h"
#include "storage/repair_service.h"
#include "tools/shale/commands.h"
#include "tools/shale/server_setup.h"

namespace shale::cli {
namespace {

// The version ids this process mints carry this origin. One gateway per data directory, so
// any fixed value is unique among the minters of its cluster.
constexpr uint32_t kServerOrigin = 1;

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

Result<uint32_t> ParseCount(const Args& args, std::string_view name, uint32_t fallback) {
  if (!args.Has(name)) return fallback;
  const std::string text = args.Get(name);
  uint32_t value = 0;
  if (text.empty() || text.size() > 4) {
    return Status::InvalidArgument("--" + std::string(name) + " must be a small number");
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument("--" + std::string(name) + " must be a number, not '" + text +
                                     "'");
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value;
}

// The layout asked for on the command line, if any of --drives/--k/--m was given (the others
// take their defaults).
Result<std::optional<ServerLayout>> RequestedLayout(const Args& args) {
  if (!args.Has("drives") && !args.Has("k") && !args.Has("m")) return std::optional<ServerLayout>();
  ServerLayout l;
  SHALE_ASSIGN_OR_RETURN(l.drives, ParseCount(args, "drives", l.drives));
  SHALE_ASSIGN_OR_RETURN(l.k, ParseCount(args, "k", l.k));
  SHALE_ASSIGN_OR_RETURN(l.m, ParseCount(args, "m", l.m));
  SHALE_RETURN_IF_ERROR(CheckServerLayout(l));
  return std::optional<ServerLayout>(l);
}

Status CheckServerArgs(const Args& args) {
  SHALE_ASSIGN_OR_RETURN(auto layout, RequestedLayout(args));
  (void)layout;  // Only checked here; Run() asks again.
  if (args.Has("tls-cert") != args.Has("tls-key")) {
    return Status::InvalidArgument("--tls-cert and --tls-key go together");
  }
  std::string listen = args.Get("listen", "127.0.0.1:9000");
  if (listen.size() < 3 || listen.substr(listen.size() - 2) != ":0") {
    SHALE_RETURN_IF_ERROR(ParseHostPort(listen).status());
  }
  return Status::OK();
}

// The in-process storage nodes: one engine, one client and one repair service per drive.
// Members are destroyed in reverse order: repair services before the clients they use, clients
// before the engines they borrow.
struct LocalNodes {
  std::vector<std::unique_ptr<storage::Engine>> engines;
  std::vector<std::unique_ptr<storage::LocalNodeClient>> clients;
  std::vector<std::unique_ptr<storage::RepairService>> repair;

  std::vector<NodeClient*> Pointers() const {
    std::vector<NodeClient*> out;
    for (const auto& c : clients) out.push_back(c.get());
    return out;
  }
};

Status OpenNodes(const ClusterConfig& config, LocalNodes* nodes) {
  for (const NodeConfig& node : config.nodes) {
    storage::NodeIdentity identity{storage::kNodeIdentityFormatVersion, config.cluster_id, node.id};
    if (Status s =
            storage::CheckOrWriteNodeIdentity(*fs::DefaultFileSystem(), node.data_dir, identity);
        !s.ok()) {
      return s.WithContext("refusing " + node.data_dir);
    }
    storage::EngineOptions eo;
    eo.dir = node.data_dir;
    eo.node_id = node.id;
    eo.cluster_id = config.cluster_id;
    eo.segment_size = config.storage.segment_size;
    eo.lmdb_map_size = config.storage.lmdb_map_size;
    eo.max_batch = config.storage.group_commit_max_batch;
    eo.compaction_threshold = config.storage.compaction_threshold;
    eo.space_reserve_bytes = config.storage.space_reserve_bytes;
    eo.scrub_rate_bytes_per_sec = config.storage.scrub_rate_bytes_per_sec;
    eo.scrub_period_seconds = config.storage.scrub_period_seconds;
    auto engine = storage::Engine::Open(eo);
    if (!engine.ok()) return engine.status().WithContext("opening " + node.data_dir);
    nodes->clients.push_back(std::make_unique<storage::LocalNodeClient>(
        engine->get(), storage::LocalNodeClientOptions{node.id, config.cluster_id, nullptr}));
    nodes->engines.push_back(std::move(*engine));
  }
  return Status::OK();
}

// One repair service per drive; each coordinates its erasure set when it is the set's first
// answering node (storage/repair_coordinator.h).
void StartRepair(const ClusterConfig& config, LocalNodes* nodes) {
  const std::vector<NodeClient*> clients = nodes->Pointers();
  for (uint32_t i = 0; i < config.nodes.size(); ++i) {
    nodes->repair.push_back(
        std::make_unique<storage::RepairService>(storage::RepairService::Options{
            storage::CoordinatorOptionsFor(config, i, clients, fs::DefaultFileSystem(), nullptr)}));
    nodes->clients[i]->SetRepairHooks(nodes->repair.back()->hooks());
  }
  // Only once every client has its hooks: a running service calls the other nodes' clients.
  for (auto& r : nodes->repair) r->Start();
}

void PrintBanner(const std::string& url, const std::string& data_dir, const ClusterConfig& config,
                 const AdminCredentials& admin, const std::string& region, Io& io) {
  const User& u = admin.user;
  const bool from_env = admin.source == AdminCredentials::Source::kEnvironment;
  io.out << "Shale S3 endpoint: " << url << "\n"
         << "  data:       " << data_dir << " (" << config.nodes.size() << " drives, erasure "
         << config.erasure.k << "+" << config.erasure.m << ")\n"
         << "  region:     " << region << "\n"
         << "  access key: " << u.access_key << "\n"
         << "  secret key: " << (from_env ? "(from SHALE_SECRET_KEY)" : u.secret_key) << "\n";
  if (!from_env) {
    io.out << "  (" << (admin.source == AdminCredentials::Source::kGenerated ? "generated, " : "")
           << "kept in " << data_dir << "/" << kServerCredentialsFile
           << "; set SHALE_ACCESS_KEY/SHALE_SECRET_KEY to choose your own)\n";
  }
  io.out << "\nTry it with aws-cli:\n"
         << "  export AWS_ACCESS_KEY_ID=" << u.access_key << "\n"
         << "  export AWS_SECRET_ACCESS_KEY=" << (from_env ? "\"$SHALE_SECRET_KEY\"" : u.secret_key)
         << "\n"
         << "  export AWS_DEFAULT_REGION=" << region << "\n"
         << "  aws --endpoint-url " << url << " s3 mb s3://demo\n"
         << "  aws --endpoint-url " << url << " s3 cp ./README.md s3://demo/\n"
         << "  aws --endpoint-url " << url << " s3 ls s3://demo\n"
         << std::flush;
}

Status RunServer(const Args& args, Io& io) {
  // First, before the engines or the server start any thread.
  gateway::StopSignals signals;

  const std::string data_arg = args.Get("data", "./shale-data");
  SHALE_ASSIGN_OR_RETURN(std::optional<ServerLayout> requested, RequestedLayout(args));
  SHALE_ASSIGN_OR_RETURN(ClusterConfig config, LoadOrCreateServerConfig(data_arg, requested));
  const std::string data_dir = fs::ParentDir(config.nodes.front().data_dir);
  SHALE_ASSIGN_OR_RETURN(
      AdminCredentials admin,
      LoadOrCreateAdmin(data_dir, Env("SHALE_ACCESS_KEY"), Env("SHALE_SECRET_KEY")));
  gateway::S3EndpointOptions eo;
  SHALE_ASSIGN_OR_RETURN(eo.users, ServerUsers(admin.user, args.Get("users")));
  eo.listen = args.Get("listen", "127.0.0.1:9000");
  eo.domain = args.Get("domain");
  eo.region = args.Get("region", "us-east-1");
  eo.tls_cert = args.Get("tls-cert");
  eo.tls_key = args.Get("tls-key");
  eo.multipart_min_part_size = config.multipart_min_part_size;

  log::Info("opening drives", {{"data", data_dir},
                               {"cluster", config.cluster_id},
                               {"drives", config.nodes.size()},
                               {"k", config.erasure.k},
                               {"m", config.erasure.m}});
  LocalNodes nodes;
  SHALE_RETURN_IF_ERROR(OpenNodes(config, &nodes));
  StartRepair(config, &nodes);
  eo.admin = gateway::AdminOptionsFor(config, nodes.Pointers());
  gateway::ClusterStoreOptions so;
  so.origin = kServerOrigin;
  so.clock = &SystemClock::Default();
  SHALE_ASSIGN_OR_RETURN(std::unique_ptr<gateway::ClusterStore> store,
                         gateway::ClusterStore::Create(config, nodes.Pointers(), so));
  auto endpoint = gateway::S3Endpoint::Start(store.get(), eo);
  if (!endpoint.ok()) return endpoint.status().WithContext("starting the S3 endpoint");
  const std::string url = (*endpoint)->url();
  PrintBanner(url, data_dir, config, admin, eo.region, io);
  log::Info("ready", {{"endpoint", url}, {"users", eo.users.size()}});

  const int sig = signals.Wait();
  log::Info("stopping", {{"signal", sig}});
  (*endpoint)->Shutdown();  // Drains the requests in flight.
  endpoint->reset();
  store.reset();
  nodes.repair.clear();  // Each waits for its step in flight.
  nodes.clients.clear();
  nodes.engines.clear();  // Each engine drains its write queue and closes.
  log::Info("stopped");
  return Status::OK();
}

}  // namespace

CommandSpec ServerCommand() {
  CommandSpec c;
  c.name = "server";
  c.summary = "Serve S3 from local drives: a gateway and in-process storage nodes in one process.";
  c.options = {
      {"data", "DIR", "data directory, one subdirectory per drive (default ./shale-data)"},
      {"drives", "N", "drives (in-process nodes) on first start (default 6)"},
      {"k", "K", "data shards per chunk on first start (default 4)"},
      {"m", "M", "parity shards per chunk on first start (default 2)"},
      {"listen", "HOST:PORT", "S3 listen address (default 127.0.0.1:9000; port 0: any free port)"},
      {"domain", "DOMAIN", "enables virtual-hosted-style requests (BUCKET.DOMAIN)"},
      {"region", "REGION", "the region clients sign for (default us-east-1)"},
      {"tls-cert", "FILE", "serve https with this PEM certificate (with --tls-key)"},
      {"tls-key", "FILE", "the PEM private key of --tls-cert"},
      {"users", "FILE", "more users: {\"users\": [{\"name\", \"access_key\", \"secret_key\"}]}"},
  };
  c.check = CheckServerArgs;
  c.run = RunServer;
  return c;
}

}  // namespace shale::cli
