// shale-gateway: the stateless S3 gateway in front of remote shale-node processes.
//   shale-gateway --config cluster.json [--listen HOST:PORT] [--domain DOMAIN] [--region R]
//                 [--tls-cert FILE --tls-key FILE] [--users FILE] [--origin N]
// Users are the config's `users` plus those of --users. Each gateway of a cluster needs its own
// --origin (it tags the version ids it mints); the default is random. Logs one
// `msg=ready endpoint=URL` line once it accepts requests (with the real port when --listen asked
// for port 0). SIGTERM or SIGINT: stop accepting, finish requests in flight, exit 0. A startup
// failure: a message on stderr and exit 1; usage: 2.

#include <openssl/rand.h>

#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/http_node_client.h"
#include "common/log.h"
#include "gateway/cluster_store.h"
#include "gateway/serve.h"

namespace {

constexpr char kUsage[] =
    "usage: shale-gateway --config cluster.json [--listen HOST:PORT] [--domain DOMAIN]\n"
    "                     [--region REGION] [--tls-cert FILE --tls-key FILE] [--users FILE]\n"
    "                     [--origin N]\n";

int Usage(const std::string& msg) {
  std::fprintf(stderr, "shale-gateway: %s\n%s", msg.c_str(), kUsage);
  return 2;
}

int Fail(const std::string& what, const shale::Status& s) {
  shale::log::Error(what, {{"status", s}});
  std::fprintf(stderr, "shale-gateway: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

// A random non-zero origin: two gateways picking the same one by chance is a 1 in 2^32 event.
uint32_t RandomOrigin() {
  uint32_t origin = 0;
  while (origin == 0) {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&origin), sizeof(origin)) != 1) origin = 1;
  }
  return origin;
}

int Run(const std::map<std::string, std::string>& flags) {
  auto get = [&flags](const std::string& name, const std::string& fallback = "") {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  };
  shale::gateway::StopSignals signals;  // Before any thread starts.

  auto config = shale::LoadClusterConfig(get("config"));
  if (!config.ok()) return Fail("cannot load config", config.status());
  shale::gateway::S3EndpointOptions eo;
  eo.users = config->users;
  if (std::string users_file = get("users"); !users_file.empty()) {
    auto more = shale::LoadUsersFile(users_file);
    if (!more.ok()) return Fail("cannot load users", more.status());
    eo.users.insert(eo.users.end(), more->begin(), more->end());
  }
  if (eo.users.empty()) {
    shale::log::Warn("no users in the config or --users: every S3 request will be denied");
  }
  eo.listen = get("listen", "127.0.0.1:9000");
  eo.domain = get("domain");
  eo.region = get("region", "us-east-1");
  eo.tls_cert = get("tls-cert");
  eo.tls_key = get("tls-key");
  eo.multipart_min_part_size = config->multipart_min_part_size;

  uint32_t origin = RandomOrigin();
  if (std::string o = get("origin"); !o.empty()) {
    char* end = nullptr;
    unsigned long v = std::strtoul(o.c_str(), &end, 10);
    if (*end != '\0' || v == 0 || v > UINT32_MAX) return Usage("--origin must be 1..4294967295");
    origin = static_cast<uint32_t>(v);
  }

  std::vector<std::unique_ptr<shale::HttpNodeClient>> clients;
  std::vector<shale::NodeClient*> nodes;
  for (const auto& node : config->nodes) {
    clients.push_back(std::make_unique<shale::HttpNodeClient>(
        shale::HttpNodeClientOptions{node.address, config->cluster_secret}));
    nodes.push_back(clients.back().get());
  }
  eo.admin = shale::gateway::AdminOptionsFor(*config, nodes);  // The admin API over them.
  shale::gateway::ClusterStoreOptions so;
  so.origin = origin;
  so.clock = &shale::SystemClock::Default();
  auto store = shale::gateway::ClusterStore::Create(*config, nodes, so);
  if (!store.ok()) return Fail("cannot create the data path", store.status());
  auto endpoint = shale::gateway::S3Endpoint::Start(store->get(), eo);
  if (!endpoint.ok()) return Fail("cannot start the S3 endpoint", endpoint.status());
  shale::log::Info("ready", {{"endpoint", (*endpoint)->url()},
                             {"cluster", config->cluster_id},
                             {"nodes", config->nodes.size()},
                             {"origin", origin}});

  const int sig = signals.Wait();
  shale::log::Info("stopping", {{"signal", sig}});
  (*endpoint)->Shutdown();
  shale::log::Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  static const char* const kValued[] = {"--config",   "--listen",  "--domain", "--region",
                                        "--tls-cert", "--tls-key", "--users",  "--origin"};
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    bool known = false;
    for (const char* name : kValued) known = known || arg == name;
    if (!known) return Usage("unknown argument " + arg);
    if (i + 1 >= argc) return Usage("missing value for " + arg);
    flags[arg.substr(2)] = argv[++i];
  }
  if (flags.count("config") == 0) return Usage("--config is required");
  if (flags.count("tls-cert") != flags.count("tls-key")) {
    return Usage("--tls-cert and --tls-key go together");
  }
  if (shale::Status s = shale::log::InitFromEnvironment(); !s.ok()) return Usage(s.ToString());
  try {
    return Run(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shale-gateway: fatal: %s\n", e.what());
    return 1;
  }
}
