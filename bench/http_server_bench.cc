// The S3 gateway's HTTP server alone (gateway/http_server.h) with a trivial in-memory handler:
// what the server costs per request (parsing, SigV4 verification, the pool hand-off, response
// serialization) and how fast bodies stream through it, over loopback keep-alive connections.
// Requests are signed once per client thread and replayed (the server verifies every one).
#include <benchmark/benchmark.h>
#include <time.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "common/log.h"
#include "gateway/http_server.h"
#include "gateway/s3_auth.h"
#include "tests/gateway/s3_test_client.h"

namespace shale::gateway {
namespace {

using testing::Credentials;
using testing::RawRequest;
using testing::TestConnection;

const std::string& Payload(size_t n) {
  static const std::string small(4096, 's');
  static const std::string large(1 << 20, 'L');
  return n == small.size() ? small : large;
}

Status Handle(S3Request& r, S3ResponseWriter& w) {
  r.operation = "Bench";
  if (r.body) {
    thread_local std::vector<char> buf(1 << 20);
    for (;;) {
      SHALE_ASSIGN_OR_RETURN(size_t n, r.body(buf));
      if (n == 0) break;
    }
    return w.Send(200, {}, "");
  }
  const std::string& body = Payload(r.key == "small" ? 4096 : 1 << 20);
  SHALE_RETURN_IF_ERROR(w.Begin(200, {{"content-type", "application/octet-stream"}}, body.size()));
  return w.Write(body);
}

HttpServer& Server() {
  static std::unique_ptr<HttpServer> server = [] {
    log::SetLevel(log::Level::kWarn);
    HttpServerOptions o;
    o.listen = "127.0.0.1:0";
    User u;
    Credentials c;
    u.name = "bench";
    u.access_key = c.access_key;
    u.secret_key = c.secret_key;
    o.users = {u};
    return std::move(HttpServer::Start(o, Handle).value());
  }();
  return *server;
}

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string Host() { return "127.0.0.1:" + std::to_string(Server().port()); }

void Run(benchmark::State& state, RawRequest request, bool head_only, int64_t bytes) {
  Credentials c;
  std::string hash =
      request.body.empty() ? std::string(kEmptySha256Hex) : std::string(kUnsignedPayload);
  if (state.range(0) == 1) hash = HexEncode(Sha256(request.body));
  testing::SignRequest(request, c, testing::Now(), hash, Host());
  const std::string wire = request.Serialize();
  TestConnection conn(Server().port());
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    if (!conn.Send(wire)) state.SkipWithError("send failed");
    auto resp = conn.Read(head_only);
    if (!resp || resp->status != 200) {
      state.SkipWithError("bad response");
      break;
    }
  }
  // Client and server share the process: CPU per request of both, an upper bound of the
  // server's (thread 0's view over the whole run, all threads' requests).
  if (state.thread_index() == 0) {
    state.counters["proc_cpu_us_per_req"] =
        benchmark::Counter((ProcessCpuSeconds() - cpu_start) * 1e6 /
                           static_cast<double>(state.iterations()) / state.threads());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * bytes);
}

// Arg 0: UNSIGNED-PAYLOAD (or the empty hash for GETs); 1: a hex SHA-256 the server verifies.
void BM_Get4KiB(benchmark::State& state) {
  RawRequest r;
  r.target = "/bucket/small";
  Run(state, r, false, 4096);
}
void BM_Get1MiB(benchmark::State& state) {
  RawRequest r;
  r.target = "/bucket/large";
  Run(state, r, false, 1 << 20);
}
void BM_Put1MiB(benchmark::State& state) {
  RawRequest r;
  r.method = "PUT";
  r.target = "/bucket/upload";
  r.body = Payload(1 << 20);
  Run(state, r, false, 1 << 20);
}

// SigV4 verification alone (header auth, cached signing key): the server's CPU per request
// for authentication.
void BM_Authenticate(benchmark::State& state) {
  Credentials c;
  User u;
  u.name = "bench";
  u.access_key = c.access_key;
  u.secret_key = c.secret_key;
  S3Authenticator auth({u}, AuthOptions{});
  RawRequest r;
  r.target = "/bucket/some/key.txt?versionId=1";
  testing::SignRequest(r, c, testing::Now(), std::string(kEmptySha256Hex), "s3.example.com");
  std::vector<HeaderField> fields;
  for (const auto& [n, v] : r.headers) fields.push_back({n, v});
  auto params = ParseQuery("versionId=1").value();
  SigV4Request request{"GET", "/bucket/some/key.txt", "versionId=1", fields};
  for (auto _ : state) {
    auto result = auth.Authenticate(request, params, testing::Now());
    if (!result.ok() || result->user == nullptr) state.SkipWithError("not authenticated");
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_Authenticate);

BENCHMARK(BM_Get4KiB)->Arg(0)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();
BENCHMARK(BM_Get1MiB)->Arg(0)->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK(BM_Put1MiB)->Arg(0)->Arg(1)->Threads(1)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace shale::gateway

BENCHMARK_MAIN();
