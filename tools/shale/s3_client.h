#pragma once

// A small S3 client over libcurl for the tools (`shale bench`) and their tests: path-style
// requests signed with SigV4 (gateway/sigv4.h, the same code the gateway verifies with) and an
// UNSIGNED-PAYLOAD body hash. One client owns one curl easy handle and so one kept-alive
// connection; a load generator uses one client per worker thread.
//
// Bodies go out from the caller's memory without a copy into an intermediate buffer; response
// bodies are handed to a sink piece by piece as they arrive, so a reader can verify them without
// buffering the object.
//
// Thread-safety: one thread at a time per client; distinct clients are independent.

#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "common/result.h"

namespace shale::cli {

struct S3ClientOptions {
  std::string endpoint = "http://127.0.0.1:9000";  // scheme://host:port, no path.
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  int64_t timeout_ms = 60'000;  // Per request; 0 = none.
};

struct S3Response {
  long status = 0;
  std::string etag;  // Without quotes; empty if the response had none.
  std::string body;  // Collected only when no sink was given.
};

// Receives a response body piece by piece; returns false to abort the transfer.
using BodySink = std::function<bool(std::string_view piece)>;

class S3Client {
 public:
  // InvalidArgument for an endpoint that is not http(s)://host[:port].
  static Result<std::unique_ptr<S3Client>> Create(const S3ClientOptions& options);
  // Only Create() can name PassKey: construct through it.
  struct PassKey {
   private:
    PassKey() = default;
    friend class S3Client;
  };
  S3Client(PassKey, S3ClientOptions options, std::string host);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Each call returns the HTTP answer whatever its status (a 404 is a response, not an error);
  // an error Status only when no answer came (connection refused, timeout, a sink abort).
  Result<S3Response> PutObject(std::string_view bucket, std::string_view key,
                               std::span<const uint8_t> body);
  // The body goes to `sink` when given, else into S3Response::body.
  Result<S3Response> GetObject(std::string_view bucket, std::string_view key,
                               const BodySink& sink = nullptr);
  Result<S3Response> DeleteObject(std::string_view bucket, std::string_view key);
  Result<S3Response> CreateBucket(std::string_view bucket);
  Result<S3Response> HeadBucket(std::string_view bucket);
  // ListObjectsV2 of one page; the XML is in S3Response::body.
  Result<S3Response> ListObjectsV2(std::string_view bucket, std::string_view prefix, int max_keys,
                                   std::string_view continuation_token = {});

  // Any signed request without a body: `path` already encoded, `query` encoded with its
  // parameters sorted by name (as SigV4 canonicalizes them). The admin API's calls use it.
  Result<S3Response> Call(const char* method, std::string path, std::string query = {});

  // Creates `bucket` unless it exists and belongs to us (200 on HEAD, or
  // BucketAlreadyOwnedByYou).
  Status EnsureBucket(std::string_view bucket);

 private:
  struct Request;
  Result<S3Response> Perform(const Request& request);
  std::string Authorization(const Request& request, std::string_view amz_date);

  S3ClientOptions options_;
  std::string host_;  // The Host header: "host:port" as in the endpoint.
  std::unique_ptr<CURL, void (*)(CURL*)> curl_;
  std::string key_date_;  // The day signing_key_ was derived for (YYYYMMDD).
  Sha256Digest signing_key_{};
};

}  // namespace shale::cli
