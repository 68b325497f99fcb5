// The S3 gateway's HTTP server against real sockets: keep-alive, 100-continue, addressing,
// limits and timeouts, /health and /metrics, streaming bodies both ways, shutdown draining,
// curl --aws-sigv4 as a real client, and TLS.
#include <fstream>
#include <iostream>
#include <thread>

#include "tests/gateway/http_server_fixture.h"
#include "tests/support/temp_dir.h"

namespace shale::gateway::testing {
namespace {

TEST(HttpServerStartTest, BadOptionsAreRefused) {
  auto handler = [](S3Request&, S3ResponseWriter&) { return Status::OK(); };
  HttpServerOptions bad_host;
  bad_host.listen = "not-an-ip:0";
  EXPECT_FALSE(HttpServer::Start(bad_host, handler).ok());
  HttpServerOptions half_tls;
  half_tls.listen = "127.0.0.1:0";
  half_tls.tls_cert = "/nonexistent/cert.pem";
  EXPECT_FALSE(HttpServer::Start(half_tls, handler).ok());
  HttpServerOptions missing_files = half_tls;
  missing_files.tls_key = "/nonexistent/key.pem";
  auto s = HttpServer::Start(missing_files, handler);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  HttpServerOptions ok;
  ok.listen = "127.0.0.1:0";
  ASSERT_OK_AND_ASSIGN(auto server, HttpServer::Start(ok, handler));
  HttpServerOptions taken;
  taken.listen = "127.0.0.1:" + std::to_string(server->port());
  auto clash = HttpServer::Start(taken, handler);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kUnavailable);
}

TEST_F(HttpServerTest, HealthIsUnauthenticatedAndCarriesARequestId) {
  StartServer();
  RawRequest r;
  r.target = "/health";
  r.headers = {{"Host", Host()}};
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "ok\n");
  EXPECT_EQ(resp.Header("x-amz-request-id").size(), 16u);
}

TEST_F(HttpServerTest, AnonymousRequestIsAccessDenied) {
  StartServer();
  RawRequest r;
  r.target = "/bucket/key";
  r.headers = {{"Host", Host()}};
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 403);
  EXPECT_NE(resp.body.find("<Code>AccessDenied</Code>"), std::string::npos) << resp.body;
  EXPECT_NE(resp.body.find("<RequestId>" + resp.Header("x-amz-request-id") + "</RequestId>"),
            std::string::npos);
  EXPECT_NE(resp.body.find("<Resource>/bucket/key</Resource>"), std::string::npos);
}

TEST_F(HttpServerTest, CorsPreflightPassesUnauthenticated) {
  StartServer();
  RawRequest r;
  r.method = "OPTIONS";
  r.target = "/bucket/key";
  r.headers = {{"Host", Host()}, {"Origin", "http://example.com"}};
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.Header("x-echo-user"), "anonymous");
}

TEST_F(HttpServerTest, SignedPutReachesTheHandlerWithBucketKeyAndBody) {
  StartServer();
  RawRequest r = Signed("PUT", "/my-bucket/dir/a%20b.txt?tagging=x", "hello world");
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(resp.Header("x-echo-bucket"), "my-bucket");
  EXPECT_EQ(resp.Header("x-echo-key"), "dir/a b.txt");
  EXPECT_EQ(resp.Header("x-echo-user"), "alice");
  EXPECT_EQ(resp.Header("x-echo-sha256"), Sha256Hex("hello world"));
  EXPECT_EQ(resp.Header("x-echo-declared"), "11");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  TestConnection c(port_);
  for (int i = 0; i < 3; ++i) {
    std::string body = "body " + std::to_string(i);
    ASSERT_TRUE(c.Send(Signed("PUT", "/b/echo", body).Serialize()));
    auto resp = c.Read();
    ASSERT_TRUE(resp.has_value()) << i;
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, body);
    EXPECT_EQ(resp->Header("connection"), "");
  }
  // Pipelined: two requests in one write.
  ASSERT_TRUE(c.Send(Signed("PUT", "/b/echo", "one").Serialize() +
                     Signed("PUT", "/b/echo", "two").Serialize()));
  EXPECT_EQ(c.Read()->body, "one");
  EXPECT_EQ(c.Read()->body, "two");
}

TEST_F(HttpServerTest, Http10KeepAliveOnlyWhenAsked) {
  StartServer();
  TestConnection c(port_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto resp = c.Read();
    ASSERT_TRUE(resp.has_value()) << i;
    EXPECT_EQ(resp->Header("connection"), "keep-alive");
  }
  ASSERT_TRUE(c.Send("GET /health HTTP/1.0\r\n\r\n"));
  auto last = c.Read();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(10'000));
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredOnlyAfterAuthentication) {
  StartServer();
  {
    RawRequest r = Signed("PUT", "/b/echo", "payload");
    r.headers.push_back({"Expect", "100-continue"});
    std::string wire = r.Serialize();
    std::string head = wire.substr(0, wire.size() - r.body.size());
    TestConnection c(port_);
    ASSERT_TRUE(c.Send(head));
    auto interim = c.Read(/*head_only=*/true);
    ASSERT_TRUE(interim.has_value());
    EXPECT_EQ(interim->status, 100);
    ASSERT_TRUE(c.Send(r.body));
    auto resp = c.Read();
    ASSERT_TRUE(resp.has_value());
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "payload");
  }
  {
    RawRequest r = Signed("PUT", "/b/echo", "payload");
    r.headers.push_back({"Expect", "100-continue"});
    r.headers.back().second = "100-continue";
    r.headers[0].second = "tampered.example";  // Host is signed: the signature breaks.
    std::string wire = r.Serialize();
    TestConnection c(port_);
    ASSERT_TRUE(c.Send(wire.substr(0, wire.size() - r.body.size())));
    auto resp = c.Read();
    ASSERT_TRUE(resp.has_value());
    EXPECT_EQ(resp->status, 403);  // Straight to the final answer, no 100.
    EXPECT_NE(resp->body.find("SignatureDoesNotMatch"), std::string::npos);
    EXPECT_EQ(resp->Header("connection"), "close");
  }
}

TEST_F(HttpServerTest, VirtualHostedStyleAddressing) {
  HttpServerOptions o;
  o.domain = "s3.test";
  StartServer(o);
  RawRequest r;
  r.method = "GET";
  r.target = "/some/key";
  SignRequest(r, alice_, Now(), Sha256Hex(""), "photos.s3.test:" + std::to_string(port_));
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(resp.Header("x-echo-bucket"), "photos");
  EXPECT_EQ(resp.Header("x-echo-key"), "some/key");
  // The bare domain is path style.
  RawRequest p;
  p.target = "/bucket2/k";
  SignRequest(p, alice_, Now(), Sha256Hex(""), "s3.test");
  resp = Do(p);
  EXPECT_EQ(resp.Header("x-echo-bucket"), "bucket2");
  EXPECT_EQ(resp.Header("x-echo-key"), "k");
}

TEST_F(HttpServerTest, OversizedHeaderIsRefused) {
  HttpServerOptions o;
  o.header_limit = 8 * 1024;
  StartServer(o);
  RawRequest r = Signed("GET", "/b/k");
  r.headers.push_back({"x-filler", std::string(16 * 1024, 'x')});
  RawResponse resp = Do(r);
  EXPECT_EQ(resp.status, 431);
  EXPECT_EQ(resp.Header("connection"), "close");
}

TEST_F(HttpServerTest, IdleConnectionIsClosed) {
  HttpServerOptions o;
  o.idle_timeout_ms = 200;
  StartServer(o);
  TestConnection c(port_);
  ASSERT_TRUE(c.Send(Signed("GET", "/b/k").Serialize()));
  ASSERT_TRUE(c.Read().has_value());
  EXPECT_TRUE(c.WaitClosed(10'000));
}

TEST_F(HttpServerTest, StalledBodyDropsTheClient) {
  HttpServerOptions o;
  o.stall_timeout_ms = 200;
  StartServer(o);
  RawRequest r = Signed("PUT", "/b/k", std::string(1000, 'z'), std::string(kUnsignedPayload));
  std::string wire = r.Serialize();
  TestConnection c(port_);
  ASSERT_TRUE(c.Send(wire.substr(0, wire.size() - 990)));  // 10 body bytes, then silence.
  EXPECT_TRUE(c.WaitClosed(10'000));
  std::vector<Status> errors = AwaitBodyErrors(1);
  EXPECT_NE(errors[0].message().find("RequestTimeout"), std::string::npos) << errors[0].ToString();
}

TEST_F(HttpServerTest, LargeBodiesStreamBothWays) {
  StartServer();
  std::string big(24 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = PatternByte(i);
  RawResponse put = Do(Signed("PUT", "/b/k", big));
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Header("x-echo-length"), std::to_string(big.size()));
  EXPECT_EQ(put.Header("x-echo-sha256"), Sha256Hex(big));
  RawResponse get = Do(Signed("GET", "/b/big/" + std::to_string(big.size())));
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body.size(), big.size());
  EXPECT_TRUE(get.body == big);
}

// Resident memory of this process in KiB.
size_t RssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

TEST_F(HttpServerTest, HugePutStreamsInBoundedMemory) {
  StartServer();
  constexpr uint64_t kSize = 512ull << 20;
  RawRequest r = Signed("PUT", "/b/huge", "", std::string(kUnsignedPayload));
  r.content_length = false;
  r.headers.push_back({"Content-Length", std::to_string(kSize)});
  TestConnection c(port_);
  ASSERT_TRUE(c.Send(r.Serialize()));
  std::string piece(1 << 20, 'h');
  Sha256Stream sha;
  const size_t rss_before = RssKiB();
  size_t rss_max = rss_before;
  for (uint64_t sent = 0; sent < kSize; sent += piece.size()) {
    ASSERT_TRUE(c.Send(piece));
    sha.Update(piece);
    if (sent % (32 << 20) == 0) rss_max = std::max(rss_max, RssKiB());
  }
  auto resp = c.Read();
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->Header("x-echo-length"), std::to_string(kSize));
  EXPECT_EQ(resp->Header("x-echo-sha256"), HexEncode(sha.Finish()));
  // The server holds one buffer per request, never the body: far less than 512 MiB.
  EXPECT_LT(rss_max - rss_before, 64u * 1024) << "RSS grew by " << (rss_max - rss_before) << " KiB";
}

TEST_F(HttpServerTest, MetricsCountRequestsByOperationAndStatus) {
  StartServer();
  Do(Signed("PUT", "/b/k", "12345"));
  RawRequest anon;
  anon.target = "/b/k";
  anon.headers = {{"Host", Host()}};
  Do(anon);
  RawRequest m;
  m.target = "/metrics";
  m.headers = {{"Host", Host()}};
  RawResponse resp = Do(m);
  EXPECT_EQ(resp.status, 200);
  EXPECT_NE(resp.body.find("shale_gateway_requests_total{operation=\"Echo\",status=\"200\"} 1"),
            std::string::npos)
      << resp.body;
  EXPECT_NE(resp.body.find("status=\"403\"} 1"), std::string::npos);
  EXPECT_NE(resp.body.find("shale_gateway_request_body_bytes_total 5"), std::string::npos);
  EXPECT_NE(resp.body.find("shale_gateway_request_duration_seconds_count{operation=\"Echo\"} 1"),
            std::string::npos);
}

TEST_F(HttpServerTest, ShutdownDrainsARequestInFlight) {
  StartServer();
  Block();
  TestConnection busy(port_);
  ASSERT_TRUE(busy.Send(Signed("PUT", "/b/block", "in flight").Serialize()));
  AwaitHandlerBlocked();
  TestConnection idle(port_);
  ASSERT_TRUE(idle.Send(Signed("GET", "/b/k").Serialize()));
  ASSERT_TRUE(idle.Read().has_value());
  server_->Shutdown();
  EXPECT_TRUE(idle.WaitClosed(10'000));
  EXPECT_FALSE(TestConnection(port_).Send(Signed("GET", "/b/k").Serialize()) &&
               TestConnection(port_).Read(false, 500).has_value());
  Release();
  auto resp = busy.Read();
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->Header("x-echo-sha256"), Sha256Hex("in flight"));
  EXPECT_EQ(resp->Header("connection"), "close");
  server_->Wait();
}

TEST_F(HttpServerTest, CurlAwsSigV4PutAndGet) {
  StartServer();
  shale::testing::TempDir dir;
  std::string path = dir.path() + "/upload.bin";
  std::string data(3 * 1024 * 1024 + 7, 'q');
  for (size_t i = 0; i < data.size(); ++i) data[i] = PatternByte(i * 3);
  std::ofstream(path, std::ios::binary) << data;
  // curl 7.88 signs an x-amz-content-sha256 it is given, but sends none of its own.
  std::string auth = " --aws-sigv4 aws:amz:us-east-1:s3 --user " + alice_.access_key + ":" +
                     alice_.secret_key + " ";
  std::string unsigned_payload = "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' ";
  std::string out;
  ASSERT_EQ(Run("curl -sS -D - -o /dev/null" + auth + unsigned_payload + "-T " + path + " " +
                    Url("/bkt/obj"),
                &out),
            0);
  EXPECT_NE(out.find("HTTP/1.1 200"), std::string::npos) << out;
  EXPECT_NE(out.find("x-echo-sha256: " + Sha256Hex(data)), std::string::npos) << out;
  ASSERT_EQ(Run("curl -sS" + auth + Url("/bkt/big/100000"), &out), 0);
  ASSERT_EQ(out.size(), 100000u);
  for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], PatternByte(i)) << i;
  ASSERT_EQ(Run("curl -sS -o /dev/null -w '%{http_code}' --user " + alice_.access_key +
                    ":wrongsecretwrongsecret --aws-sigv4 aws:amz:us-east-1:s3 " + Url("/bkt/obj"),
                &out),
            0);
  EXPECT_EQ(out, "403");
}

// boto3 as a real client (>= 1.36 sends CRC checksum trailers in aws-chunked bodies inside
// HTTP chunked transfer coding by default). Prints "<sha ok> <trailers> <version>".
constexpr char kBotoScript[] = R"(
import boto3, os, hashlib
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=os.environ["EP"], aws_access_key_id=os.environ["AK"],
                  aws_secret_access_key=os.environ["SK"], region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}),
                  verify=os.environ.get("CA") or None)
data = bytes((i * 7) % 251 for i in range(300000))
h = s3.put_object(Bucket="bkt", Key="obj", Body=data)["ResponseMetadata"]["HTTPHeaders"]
print(h.get("x-echo-sha256") == hashlib.sha256(data).hexdigest(), h.get("x-echo-trailers"),
      boto3.__version__)
)";

std::string RunBoto(const std::string& python, const std::string& dir, const std::string& endpoint,
                    const Credentials& c, const std::string& ca) {
  std::string script = dir + "/boto_put.py";
  std::ofstream(script) << kBotoScript;
  std::string out;
  std::string cmd = "EP=" + endpoint + " AK=" + c.access_key + " SK='" + c.secret_key +
                    "' CA=" + ca + " " + python + " " + script + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST_F(HttpServerTest, Boto3PutWithDefaultChecksums) {
  std::string probe;
  if (Run("python3 -c 'import boto3' 2>/dev/null", &probe) != 0) GTEST_SKIP() << "no boto3";
  shale::testing::TempDir dir;
  std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  ASSERT_EQ(Run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                "-addext subjectAltName=DNS:localhost -keyout " +
                    key + " -out " + cert + " 2>&1",
                &probe),
            0);
  // The machine's default python3 (a recent boto3) and Debian's (boto3 1.26), when present.
  for (std::string python : {"python3", "/usr/bin/python3"}) {
    if (Run(python + " -c 'import boto3' 2>/dev/null", &probe) != 0) continue;
    StartServer();
    std::string out = RunBoto(python, dir.path(), Url(""), alice_, "");
    EXPECT_EQ(out.rfind("True ", 0), 0u) << python << ": " << out;
    std::cout << python << " over http: " << out;
    server_->Shutdown();
    server_->Wait();
    HttpServerOptions tls;
    tls.tls_cert = cert;
    tls.tls_key = key;
    StartServer(tls);
    out = RunBoto(python, dir.path(), "https://localhost:" + std::to_string(port_), alice_, cert);
    EXPECT_EQ(out.rfind("True ", 0), 0u) << python << ": " << out;
    std::cout << python << " over https: " << out;
    server_->Shutdown();
    server_->Wait();
  }
}

TEST_F(HttpServerTest, TlsWithASelfSignedCertificate) {
  shale::testing::TempDir dir;
  std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  std::string out;
  ASSERT_EQ(Run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                "-addext subjectAltName=DNS:localhost -keyout " +
                    key + " -out " + cert + " 2>&1",
                &out),
            0)
      << out;
  HttpServerOptions o;
  o.tls_cert = cert;
  o.tls_key = key;
  StartServer(o);
  std::string url = "https://localhost:" + std::to_string(port_) + "/tls-bucket/echo";
  ASSERT_EQ(Run("curl -sS --cacert " + cert + " --aws-sigv4 aws:amz:us-east-1:s3 --user " +
                    alice_.access_key + ":" + alice_.secret_key + " --data-binary secret-bytes " +
                    "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' " + "-X PUT " + url,
                &out),
            0);
  EXPECT_EQ(out, "secret-bytes");
  // Plain HTTP to the TLS port gets nothing useful.
  TestConnection c(port_);
  c.Send(Signed("GET", "/b/k").Serialize());
  EXPECT_FALSE(c.Read(false, 2000).has_value());
}

}  // namespace
}  // namespace shale::gateway::testing
