#include "tools/shale/s3_client.h"

#include <strings.h>

#include <array>
#include <ctime>
#include <mutex>
#include <vector>

#include "gateway/query.h"
#include "gateway/sigv4.h"

namespace shale::cli {
namespace {

using gateway::HeaderField;
using gateway::UriEncode;
using gateway::UriEncodeMode;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Per-transfer state the callbacks see.
struct Transfer {
  CURL* curl = nullptr;
  const BodySink* sink = nullptr;
  S3Response* response = nullptr;
  int sink_state = -1;  // -1 undecided, 1 body goes to the sink, 0 to response->body.
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  constexpr std::string_view kEtag = "etag:";
  if (line.size() > kEtag.size() && strncasecmp(line.data(), kEtag.data(), kEtag.size()) == 0) {
    std::string_view v = line.substr(kEtag.size());
    while (!v.empty() && (v.front() == ' ' || v.front() == '"')) v.remove_prefix(1);
    while (!v.empty() &&
           (v.back() == '\r' || v.back() == '\n' || v.back() == '"' || v.back() == ' ')) {
      v.remove_suffix(1);
    }
    t->response->etag = std::string(v);
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->sink_state < 0) {
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    // Error documents are kept for the message; only a successful body goes to the sink.
    t->sink_state = (t->sink != nullptr && *t->sink && status / 100 == 2) ? 1 : 0;
  }
  if (t->sink_state == 1) return (*t->sink)(std::string_view(data, n)) ? n : 0;
  t->response->body.append(data, n);
  return n;
}

std::string AmzDateNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 20> buf{};
  std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
  return buf.data();
}

std::string ObjectPath(std::string_view bucket, std::string_view key) {
  std::string path = "/" + UriEncode(bucket, UriEncodeMode::kComponent);
  if (!key.empty()) path += "/" + UriEncode(key, UriEncodeMode::kPath);
  return path;
}

}  // namespace

struct S3Client::Request {
  const char* method = "GET";
  std::string path;   // Encoded.
  std::string query;  // Encoded, parameters sorted (as SigV4 canonicalizes them).
  std::span<const uint8_t> body;
  bool has_body = false;
  const BodySink* sink = nullptr;
};

Result<std::unique_ptr<S3Client>> S3Client::Create(const S3ClientOptions& options) {
  std::string_view rest = options.endpoint;
  if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "https://") {
    rest.remove_prefix(8);
  } else {
    return Status::InvalidArgument("endpoint '" + options.endpoint +
                                   "' must start with http:// or https://");
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("endpoint '" + options.endpoint +
                                   "' must be scheme://host[:port] without a path");
  }
  if (options.access_key.empty() || options.secret_key.empty()) {
    return Status::InvalidArgument("an access key and a secret key are required");
  }
  GlobalInitOnce();
  S3ClientOptions o = options;
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  auto client = std::make_unique<S3Client>(PassKey{}, std::move(o), std::string(rest));
  if (client->curl_ == nullptr) return Status::Internal("curl_easy_init failed");
  return client;
}

S3Client::S3Client(PassKey, S3ClientOptions options, std::string host)
    : options_(std::move(options)),
      host_(std::move(host)),
      curl_(curl_easy_init(), curl_easy_cleanup) {
  CURL* c = curl_.get();
  if (c == nullptr) return;  // Create() reports it.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
}

S3Client::~S3Client() = default;

std::string S3Client::Authorization(const Request& request, std::string_view amz_date) {
  gateway::SigV4Auth auth;
  auth.scope.access_key_id = options_.access_key;
  auth.scope.date = std::string(amz_date.substr(0, 8));
  auth.scope.region = options_.region;
  auth.scope.service = "s3";
  auth.signed_headers = {"host", "x-amz-content-sha256", "x-amz-date"};
  auth.amz_date = std::string(amz_date);
  if (auth.scope.date != key_date_) {
    signing_key_ = gateway::DeriveSigningKey(options_.secret_key, auth.scope);
    key_date_ = auth.scope.date;
  }
  const std::array<HeaderField, 3> headers = {
      HeaderField{"host", host_},
      HeaderField{"x-amz-content-sha256", gateway::kUnsignedPayload},
      HeaderField{"x-amz-date", amz_date},
  };
  gateway::SigV4Request req{request.method, request.path, request.query, headers};
  // The path and query are ours and well formed, so canonicalization cannot fail.
  std::string canonical =
      gateway::BuildCanonicalRequest(req, auth, gateway::kUnsignedPayload).value_or("");
  std::string signature = gateway::SignString(
      signing_key_, gateway::BuildStringToSign(amz_date, auth.scope, canonical));
  return "Authorization: AWS4-HMAC-SHA256 Credential=" + options_.access_key + "/" +
         auth.scope.ToString() +
         ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + signature;
}

Result<S3Response> S3Client::Perform(const Request& request) {
  CURL* c = curl_.get();
  const std::string amz_date = AmzDateNow();
  Slist headers;
  auto add = [&](const std::string& h) {
    curl_slist* l = curl_slist_append(headers.get(), h.c_str());
    if (l != nullptr) {
      (void)headers.release();  // Now owned by `l`, its new head.
      headers.reset(l);
    }
    return l != nullptr;
  };
  bool ok = add("Host: " + host_) && add("x-amz-date: " + amz_date) &&
            add("x-amz-content-sha256: " + std::string(gateway::kUnsignedPayload)) &&
            add(Authorization(request, amz_date)) &&
            // No 100-continue round trip and no form content type on bodies.
            add("Expect:") && add("Content-Type:");
  if (!ok) return Status::Internal("curl_slist_append failed");

  std::string url = options_.endpoint + request.path;
  if (!request.query.empty()) url += "?" + request.query;
  S3Response response;
  Transfer transfer{c, request.sink, &response};
  // The options that never change were set once (S3Client::S3Client): setting them per request
  // (or curl_easy_reset) costs a reallocation of curl's receive buffer every time. What varies
  // is set here, each in every request, so nothing leaks from the previous one.
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  const std::string_view method = request.method;
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);  // Clears a previous body, upload or HEAD.
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, nullptr);
  if (request.has_body) {
    // Sent straight from the caller's buffer (no read callback copying it).
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method);
  } else if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method);
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    if (rc == CURLE_WRITE_ERROR && transfer.sink_state == 1) {
      return Status::Corruption(std::string(method) + " " + request.path +
                                ": the body sink refused the response");
    }
    return Status::Unavailable(std::string(method) + " " + url + ": " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

Result<S3Response> S3Client::PutObject(std::string_view bucket, std::string_view key,
                                       std::span<const uint8_t> body) {
  Request r;
  r.method = "PUT";
  r.path = ObjectPath(bucket, key);
  r.body = body;
  r.has_body = true;
  return Perform(r);
}

Result<S3Response> S3Client::GetObject(std::string_view bucket, std::string_view key,
                                       const BodySink& sink) {
  Request r;
  r.path = ObjectPath(bucket, key);
  r.sink = &sink;
  return Perform(r);
}

Result<S3Response> S3Client::DeleteObject(std::string_view bucket, std::string_view key) {
  Request r;
  r.method = "DELETE";
  r.path = ObjectPath(bucket, key);
  return Perform(r);
}

Result<S3Response> S3Client::CreateBucket(std::string_view bucket) {
  Request r;
  r.method = "PUT";
  r.path = ObjectPath(bucket, {});
  r.has_body = true;
  return Perform(r);
}

Result<S3Response> S3Client::HeadBucket(std::string_view bucket) {
  Request r;
  r.method = "HEAD";
  r.path = ObjectPath(bucket, {});
  return Perform(r);
}

Result<S3Response> S3Client::ListObjectsV2(std::string_view bucket, std::string_view prefix,
                                           int max_keys, std::string_view continuation_token) {
  Request r;
  r.path = ObjectPath(bucket, {});
  // Sorted by name, as the canonical query is.
  if (!continuation_token.empty()) {
    r.query +=
        "continuation-token=" + UriEncode(continuation_token, UriEncodeMode::kComponent) + "&";
  }
  r.query += "list-type=2&max-keys=" + std::to_string(max_keys);
  if (!prefix.empty()) r.query += "&prefix=" + UriEncode(prefix, UriEncodeMode::kComponent);
  return Perform(r);
}

Result<S3Response> S3Client::Call(const char* method, std::string path, std::string query) {
  Request r;
  r.method = method;
  r.path = std::move(path);
  r.query = std::move(query);
  return Perform(r);
}

Status S3Client::EnsureBucket(std::string_view bucket) {
  SHALE_ASSIGN_OR_RETURN(S3Response head, HeadBucket(bucket));
  if (head.status == 200) return Status::OK();
  SHALE_ASSIGN_OR_RETURN(S3Response created, CreateBucket(bucket));
  if (created.status == 200 || created.body.find("BucketAlreadyOwnedByYou") != std::string::npos) {
    return Status::OK();
  }
  return Status::FailedPrecondition("cannot create bucket '" + std::string(bucket) + "': HTTP " +
                                    std::to_string(created.status) + " " + created.body);
}

}  // namespace shale::cli
