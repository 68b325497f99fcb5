// shale-node: serves one data directory over the signed internal API.
//   shale-node --config cluster.json --node-id ID [--listen HOST:PORT]
// Logs one `msg=ready addr=HOST:PORT` line once it accepts requests (with the real port when
// --listen asked for port 0). SIGTERM or SIGINT: stop accepting, finish requests in flight,
// close the engine, exit 0. Any startup failure: a message on stderr and exit 1; usage: 2.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/fs/file_system.h"
#include "common/http_node_client.h"
#include "common/log.h"
#include "common/metrics.h"
#include "storage/engine.h"
#include "storage/local_node_client.h"
#include "storage/node_identity.h"
#include "storage/node_server.h"
#include "storage/node_service.h"
#include "storage/repair_service.h"

namespace {

struct Flags {
  std::string config;
  std::string node_id;
  std::string listen;
};

int Usage(const char* msg) {
  std::fprintf(stderr,
               "shale-node: %s\nusage: shale-node --config cluster.json --node-id ID "
               "[--listen HOST:PORT]\n",
               msg);
  return 2;
}

int Fail(const std::string& what, const shale::Status& s) {
  shale::log::Error(what, {{"status", s}});
  std::fprintf(stderr, "shale-node: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

// The clients the repair service of node `self` talks to: itself in-process, the other nodes
// of its set over the signed internal API (nullptr for nodes of other sets).
struct RepairClients {
  std::unique_ptr<shale::storage::LocalNodeClient> self;
  std::vector<std::unique_ptr<shale::HttpNodeClient>> peers;
  std::vector<shale::NodeClient*> all;
};

RepairClients MakeRepairClients(const shale::ClusterConfig& config, uint32_t self,
                                shale::storage::Engine* engine, shale::MetricsRegistry* metrics) {
  RepairClients c;
  c.self = std::make_unique<shale::storage::LocalNodeClient>(
      engine,
      shale::storage::LocalNodeClientOptions{config.nodes[self].id, config.cluster_id, metrics});
  c.all.assign(config.nodes.size(), nullptr);
  const shale::storage::SetMembership m = shale::storage::MembershipOf(config, self);
  for (uint32_t i = m.first_node; i < m.first_node + config.erasure.set_size(); ++i) {
    if (i == self) {
      c.all[i] = c.self.get();
      continue;
    }
    shale::HttpNodeClientOptions o;
    o.address = config.nodes[i].address;
    o.secret = config.cluster_secret;
    o.max_attempts = 1;  // Repair retries on its own schedule.
    c.peers.push_back(std::make_unique<shale::HttpNodeClient>(o));
    c.all[i] = c.peers.back().get();
  }
  return c;
}

int Run(const Flags& flags) {
  auto config = shale::LoadClusterConfig(flags.config);
  if (!config.ok()) return Fail("cannot load config", config.status());
  const shale::NodeConfig* node = nullptr;
  uint32_t self = 0;
  for (uint32_t i = 0; i < config->nodes.size(); ++i) {
    if (config->nodes[i].id == flags.node_id) {
      node = &config->nodes[i];
      self = i;
    }
  }
  if (node == nullptr) {
    return Fail("bad --node-id", shale::Status::InvalidArgument("node " + flags.node_id +
                                                                " is not in " + flags.config));
  }
  if (node->data_dir.empty()) {
    return Fail("bad config",
                shale::Status::InvalidArgument("node " + node->id + " has no data_dir"));
  }
  auto listen = shale::ParseHostPort(flags.listen.empty() ? node->address : flags.listen);
  if (!listen.ok()) {
    // Port 0 (let the OS choose) is valid for --listen but not for ParseHostPort.
    std::string_view l = flags.listen;
    if (l.size() > 2 && l.substr(l.size() - 2) == ":0") {
      listen = shale::HostPort{std::string(l.substr(0, l.size() - 2)), 0};
    } else {
      return Fail("bad listen address", listen.status());
    }
  }

  shale::storage::NodeIdentity identity{shale::storage::kNodeIdentityFormatVersion,
                                        config->cluster_id, node->id};
  shale::Status s = shale::storage::CheckOrWriteNodeIdentity(*shale::fs::DefaultFileSystem(),
                                                             node->data_dir, identity);
  if (!s.ok()) return Fail("refusing data directory", s);

  // Every thread started from here on inherits the blocked set; only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  shale::storage::EngineOptions eo;
  eo.dir = node->data_dir;
  eo.node_id = node->id;
  eo.cluster_id = config->cluster_id;
  eo.segment_size = config->storage.segment_size;
  eo.lmdb_map_size = config->storage.lmdb_map_size;
  eo.max_batch = config->storage.group_commit_max_batch;
  eo.compaction_threshold = config->storage.compaction_threshold;
  eo.space_reserve_bytes = config->storage.space_reserve_bytes;
  eo.scrub_rate_bytes_per_sec = config->storage.scrub_rate_bytes_per_sec;
  eo.scrub_period_seconds = config->storage.scrub_period_seconds;
  auto engine = shale::storage::Engine::Open(eo);
  if (!engine.ok()) return Fail("cannot open engine", engine.status());

  shale::MetricsRegistry metrics;
  RepairClients repair_clients = MakeRepairClients(*config, self, engine->get(), &metrics);
  shale::storage::RepairService repair({shale::storage::CoordinatorOptionsFor(
      *config, self, repair_clients.all, shale::fs::DefaultFileSystem(), &metrics)});
  shale::storage::NodeService service(engine->get(), &metrics, {node->id, config->cluster_id});
  service.SetRepairHooks(repair.hooks());
  repair_clients.self->SetRepairHooks(repair.hooks());
  shale::storage::NodeServerOptions so;
  so.host = listen->host;
  so.port = listen->port;
  so.secret = config->cluster_secret;
  shale::storage::NodeServer server(so, &service, &metrics);
  s = server.Start();
  if (!s.ok()) return Fail("cannot listen", s);
  std::string addr = listen->host + ":" + std::to_string(server.port());
  repair.Start();
  shale::log::Info("ready", {{"addr", addr}, {"node", node->id}, {"dir", node->data_dir}});

  int sig = 0;
  sigwait(&signals, &sig);
  shale::log::Info("stopping", {{"signal", sig}});
  repair.Stop();  // Waits for the repair step in flight.
  server.Stop();
  engine->reset();
  shale::log::Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    bool ok = true;
    if (arg == "--config") {
      ok = value(&flags.config);
    } else if (arg == "--node-id") {
      ok = value(&flags.node_id);
    } else if (arg == "--listen") {
      ok = value(&flags.listen);
    } else {
      return Usage(("unknown argument " + arg).c_str());
    }
    if (!ok) return Usage(("missing value for " + arg).c_str());
  }
  if (flags.config.empty() || flags.node_id.empty())
    return Usage("--config and --node-id are required");
  shale::Status s = shale::log::InitFromEnvironment();
  if (!s.ok()) return Usage(s.ToString().c_str());
  try {
    return Run(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shale-node: fatal: %s\n", e.what());
    return 1;
  }
}
