#pragma once

// A real HttpServer on 127.0.0.1 (OS-chosen port) with an echo handler, for the server and
// authentication tests. The handler reads the whole body through the server's body source and
// answers with what it saw in x-echo-* headers (bucket, key, user, body SHA-256 and length,
// trailers); key "echo" also echoes the body, "big/<n>" streams n bytes with Begin/Write, and
// "block" waits until the test releases it (drain tests).

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "common/metrics.h"
#include "gateway/http_server.h"
#include "tests/gateway/s3_test_client.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway::testing {

inline std::string Sha256Hex(std::string_view s) { return HexEncode(Sha256(s)); }

// Bytes "big/<n>" serves: a fixed pattern.
inline char PatternByte(uint64_t i) { return static_cast<char>('a' + (i * 7 + i / 251) % 26); }

class HttpServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    Release();
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
  }

  void StartServer(HttpServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    options.io_threads = 2;
    options.handler_threads = 4;
    options.metrics = &metrics_;
    User alice;
    alice.name = alice.id = alice.display_name = "alice";
    alice.access_key = alice_.access_key;
    alice.secret_key = alice_.secret_key;
    options.users = {alice};
    auto server = HttpServer::Start(
        std::move(options), [this](S3Request& r, S3ResponseWriter& w) { return Handle(r, w); });
    ASSERT_OK(server.status());
    server_ = std::move(*server);
    port_ = server_->port();
  }

  std::string Host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string Url(const std::string& target) const { return "http://" + Host() + target; }

  // One request on a fresh connection.
  RawResponse Do(const RawRequest& r) {
    TestConnection c(port_);
    EXPECT_TRUE(c.Send(r.Serialize()));
    auto resp = c.Read(r.method == "HEAD");
    EXPECT_TRUE(resp.has_value());
    return resp.value_or(RawResponse{});
  }

  // A header-signed request whose payload hash is the body's SHA-256 unless given.
  RawRequest Signed(const std::string& method, const std::string& target, std::string body = "",
                    std::optional<std::string> payload_hash = std::nullopt, int64_t now = Now()) {
    RawRequest r;
    r.method = method;
    r.target = target;
    r.body = std::move(body);
    SignRequest(r, alice_, now, payload_hash.value_or(Sha256Hex(r.body)), Host());
    return r;
  }

  void Block() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      blocked_ = false;
    }
    cv_.notify_all();
  }
  void AwaitHandlerBlocked() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return waiting_ > 0; });
  }
  // Waits until the handler saw `n` body errors.
  std::vector<Status> AwaitBodyErrors(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return body_errors_.size() >= n; });
    return body_errors_;
  }

  Status Handle(S3Request& r, S3ResponseWriter& w) {
    r.operation = "Echo";
    if (r.key == "block") {
      std::unique_lock<std::mutex> lock(mu_);
      ++waiting_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !blocked_; });
      --waiting_;
    }
    std::string body;
    Sha256Stream sha;
    uint64_t length = 0;
    if (r.body) {
      std::vector<char> buf(200 * 1024);
      for (;;) {
        auto n = r.body(buf);
        if (!n.ok()) {
          std::lock_guard<std::mutex> lock(mu_);
          body_errors_.push_back(n.status());
          cv_.notify_all();
          return n.status();
        }
        if (*n == 0) break;
        std::string_view piece(buf.data(), *n);
        sha.Update(piece);
        length += *n;
        if (r.key == "echo") body.append(piece);
      }
    }
    if (r.key.rfind("big/", 0) == 0) {
      uint64_t n = std::stoull(r.key.substr(4));
      SHALE_RETURN_IF_ERROR(w.Begin(200, {{"content-type", "application/octet-stream"}}, n));
      std::string piece;
      for (uint64_t i = 0; i < n;) {
        piece.clear();
        for (; i < n && piece.size() < 64 * 1024; ++i) piece += PatternByte(i);
        SHALE_RETURN_IF_ERROR(w.Write(piece));
      }
      return Status::OK();
    }
    std::string trailers;
    for (const auto& t : *r.trailers) trailers += t.name + "=" + t.value + ";";
    std::vector<S3Header> headers{
        {"x-echo-bucket", r.bucket},
        {"x-echo-key", r.key},
        {"x-echo-user", r.user ? r.user->name : "anonymous"},
        {"x-echo-sha256", HexEncode(sha.Finish())},
        {"x-echo-length", std::to_string(length)},
        {"x-echo-declared", r.content_length ? std::to_string(*r.content_length) : "none"},
        {"x-echo-trailers", trailers}};
    return w.Send(200, std::move(headers), body);
  }

  // Runs a shell command; returns its exit status and fills *out with its stdout.
  static int Run(const std::string& command, std::string* out) {
    FILE* p = popen(command.c_str(), "r");
    if (p == nullptr) return -1;
    char buf[4096];
    size_t n;
    out->clear();
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out->append(buf, n);
    return pclose(p);
  }

  Credentials alice_;
  MetricsRegistry metrics_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;
  int waiting_ = 0;
  std::vector<Status> body_errors_;
};

}  // namespace shale::gateway::testing
