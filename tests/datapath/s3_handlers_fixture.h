#pragma once

// The fixture of the S3 handler tests: S3Handlers over an ObjectStore, driven with S3Requests
// built here, answered into a writer that captures status, headers and body (and renders a
// returned error Status the way the HTTP server does).
//
// The store is a real ClusterStore over six in-process storage engines
// (tests/datapath/s3_handlers_cluster.h) with a manual clock, behind a FailingStore that can
// inject one error.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "gateway/query.h"
#include "gateway/s3_error.h"
#include "gateway/s3_exchange.h"
#include "gateway/s3_handlers.h"
#include "tests/datapath/s3_failing_store.h"
#include "tests/datapath/s3_handlers_cluster.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway::testing {

class CapturingWriter final : public S3ResponseWriter {
 public:
  Status Send(int status, std::vector<S3Header> headers, std::string body) override {
    if (started_) return Status::Internal("response started twice");
    started_ = true;
    status_ = status;
    headers_ = std::move(headers);
    body_ = std::move(body);
    return Status::OK();
  }
  Status Begin(int status, std::vector<S3Header> headers, uint64_t content_length) override {
    if (started_) return Status::Internal("response started twice");
    started_ = true;
    status_ = status;
    headers_ = std::move(headers);
    declared_length_ = content_length;
    return Status::OK();
  }
  Status Write(std::string_view piece) override {
    if (!declared_length_) return Status::Internal("Write without Begin");
    ++writes_;
    body_ += piece;
    if (body_.size() > *declared_length_) return Status::Internal("more bytes than declared");
    return Status::OK();
  }
  bool started() const override { return started_; }

  bool started_ = false;
  int status_ = 0;
  std::vector<S3Header> headers_;
  std::string body_;
  std::optional<uint64_t> declared_length_;
  int writes_ = 0;
};

struct Reply {
  Status handler_status;  // What Handle() returned.
  int status = 0;
  std::vector<S3Header> headers;
  std::string body;
  std::optional<uint64_t> declared_length;  // Begin()'s content_length.
  int writes = 0;
  std::string operation;

  // The value of the header (exact name), or "<absent>".
  std::string Header(std::string_view name) const {
    for (const S3Header& h : headers) {
      if (h.name == name) return h.value;
    }
    return "<absent>";
  }
};

struct RequestSpec {
  std::string method = "GET";
  std::string bucket;
  std::string key;
  std::string query;  // Raw query string ("list-type=2&prefix=a").
  std::vector<S3Header> headers;
  std::optional<std::string> body;  // nullopt: no body.
  const User* user = nullptr;       // nullptr: the fixture's alice (use anonymous for none).
  bool anonymous = false;
  std::vector<S3Header> trailers;
};

inline constexpr std::string_view kXmlDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
inline constexpr std::string_view kNs = " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";

// Methods are defined in the header: only *_test.cc files are compiled in tests/datapath.
class S3HandlersTest : public ::testing::Test {
 protected:
  S3HandlersTest() {
    alice_.name = "alice";
    alice_.id = "alice-id";
    alice_.display_name = "Alice";
    alice_.access_key = "AKIAALICE0000000";
    bob_.name = "bob";
    bob_.id = "bob-id";
    bob_.display_name = "Bob";
    bob_.access_key = "AKIABOB000000000";
    UseStore(&cluster_.store());
  }

  // Serves the handlers from `store` (borrowed) instead of the cluster.
  void UseStore(ObjectStore* store) {
    store_ = std::make_unique<FailingStore>(store);
    RebuildHandlers();
  }

  // New handlers over the same store with these options changed.
  void RebuildHandlers(uint64_t multipart_min_part_size = 5ull << 20) {
    S3HandlersOptions options;
    options.users = {alice_, bob_};
    options.clock = &clock_;
    options.read_piece_bytes = 4;  // Exercise streaming in many pieces.
    options.multipart_min_part_size = multipart_min_part_size;
    handlers_ = std::make_unique<S3Handlers>(store_.get(), options);
  }

  Reply Call(RequestSpec spec) {
    S3Request request;
    request.request_id = "REQ1";
    request.method = spec.method;
    request.bucket = spec.bucket;
    request.key = spec.key;
    auto query = ParseQuery(spec.query);
    EXPECT_TRUE(query.ok()) << spec.query;
    if (query.ok()) request.query = *query;
    request.headers = spec.headers;
    request.resource = "/" + spec.bucket + (spec.key.empty() ? "" : "/" + spec.key);
    request.user = spec.anonymous ? nullptr : (spec.user ? spec.user : &alice_);
    std::string body_bytes = spec.body.value_or("");
    size_t offset = 0;
    if (spec.body) {
      request.content_length = spec.body->size();
      // Delivers the body in 3-byte pieces.
      request.body = [&body_bytes, &offset](std::span<char> buf) -> Result<size_t> {
        size_t n = std::min<size_t>({buf.size(), body_bytes.size() - offset, 3});
        std::copy_n(body_bytes.data() + offset, n, buf.data());
        offset += n;
        return n;
      };
    }
    request.trailers = &spec.trailers;
    CapturingWriter writer;
    Reply reply;
    reply.handler_status = handlers_->Handle(request, writer);
    reply.operation = request.operation;
    if (!reply.handler_status.ok() && !writer.started()) {
      // What the HTTP server does with an error returned before a response started.
      S3Error error = S3ErrorFromStatus(reply.handler_status);
      reply.status = GetS3ErrorInfo(error.code).http_status;
      reply.headers = {{"Content-Type", "application/xml"}};
      reply.body = RenderS3ErrorXml(error, request.resource, request.request_id);
      return reply;
    }
    reply.status = writer.status_;
    reply.headers = writer.headers_;
    reply.body = writer.body_;
    reply.declared_length = writer.declared_length_;
    reply.writes = writer.writes_;
    return reply;
  }

  Reply Get(std::string bucket, std::string key = "", std::string query = "",
            std::vector<S3Header> headers = {}) {
    return Call({.method = "GET",
                 .bucket = std::move(bucket),
                 .key = std::move(key),
                 .query = std::move(query),
                 .headers = std::move(headers)});
  }

  Reply Put(std::string bucket, std::string key, std::string body,
            std::vector<S3Header> headers = {}, std::string query = "") {
    return Call({.method = "PUT",
                 .bucket = std::move(bucket),
                 .key = std::move(key),
                 .query = std::move(query),
                 .headers = std::move(headers),
                 .body = std::move(body)});
  }

  static std::string ErrorXml(S3ErrorCode code, std::string_view resource,
                              std::string_view message = {}) {
    S3Error error;
    error.code = code;
    error.message = std::string(message);
    return RenderS3ErrorXml(error, resource, "REQ1");
  }

  void CreateBucket(const std::string& name) {
    Reply r = Call({.method = "PUT", .bucket = name});
    ASSERT_EQ(r.status, 200) << r.body;
  }

  void PutObject(const std::string& bucket, const std::string& key, const std::string& body) {
    Reply r = Put(bucket, key, body);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  User alice_;
  User bob_;
  ManualClock clock_{1'700'000'000'000'000ull};  // 2023-11-14T22:13:20Z.
  S3HandlersCluster cluster_{&clock_};
  std::unique_ptr<FailingStore> store_;
  std::unique_ptr<S3Handlers> handlers_;
};

}  // namespace shale::gateway::testing
