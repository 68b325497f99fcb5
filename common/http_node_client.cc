#include "common/http_node_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

#include "common/chunk_signing.h"
#include "common/crc.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/internal_auth.h"

namespace shale {
namespace {

using internal_auth::UriEncode;

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)curl_global_init(CURL_GLOBAL_DEFAULT);  // Nothing to undo.
  });
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  std::string_view line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    headers->emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

// A streamed request body, pulled by curl.
struct Upload {
  const NodeBodySource* source;
  Status error;
};

size_t ReadBody(char* buf, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  auto got = (*up->source)(std::span<char>(buf, size * n));
  if (!got.ok()) {
    up->error = got.status();
    return CURL_READFUNC_ABORT;
  }
  return *got;
}

// A response body, to the sink when the status is 2xx, else kept for the error.
struct Download {
  CURL* curl;
  const NodeBodySink* sink;
  std::string* body;
  Status error;
};

size_t WriteStreamed(char* data, size_t size, size_t n, void* user) {
  auto* down = static_cast<Download*>(user);
  long code = 0;
  curl_easy_getinfo(down->curl, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code >= 300) {
    down->body->append(data, size * n);
    return size * n;
  }
  Status s = (*down->sink)(std::string_view(data, size * n));
  if (!s.ok()) {
    down->error = s;
    return 0;  // Aborts the transfer.
  }
  return size * n;
}

std::string HexId(std::string_view id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : id) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string VersionTarget(std::string_view bucket, std::string_view key) {
  return "/v1/versions/" + UriEncode(bucket) + "/" + UriEncode(key);
}

Result<uint64_t> ParseU64(std::string_view s, std::string_view what) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 20) return Status::Corruption("bad " + std::string(what));
  for (char c : s) {
    if (c < '0' || c > '9') return Status::Corruption("bad " + std::string(what));
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

struct HttpNodeClient::Handle {
  std::unique_ptr<CURL, CurlDeleter> curl;
};

std::string RawNodeResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

HttpNodeClient::HttpNodeClient(HttpNodeClientOptions options) : options_(std::move(options)) {
  GlobalInit();
}

HttpNodeClient::~HttpNodeClient() = default;

std::unique_ptr<HttpNodeClient::Handle> HttpNodeClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->curl.reset(curl_easy_init());
  return h;
}

void HttpNodeClient::Release(std::unique_ptr<Handle> handle) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(handle));
}

Result<RawNodeResponse> HttpNodeClient::Send(const RawNodeRequest& request) {
  auto handle = Acquire();
  CURL* c = handle->curl.get();
  if (c == nullptr) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(c);  // Keeps the connection cache; clears the previous request's options.

  std::string sha = request.content_sha256.value_or(internal_auth::BodySha256Hex(request.body));
  int64_t date = request.date.value_or(static_cast<int64_t>(std::time(nullptr)));
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add = [&headers](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add("Expect:");  // No 100-continue round trip.
  if (request.sign) {
    size_t q = request.target.find('?');
    std::string_view target(request.target);
    internal_auth::SignedFields fields{
        request.method, target.substr(0, q),
        q == std::string_view::npos ? std::string_view() : target.substr(q + 1), date, sha};
    SHALE_ASSIGN_OR_RETURN(std::string auth,
                           internal_auth::AuthorizationValue(options_.secret, fields));
    add(std::string(internal_auth::kDateHeader) + ": " + std::to_string(date));
    add(std::string(internal_auth::kContentSha256Header) + ": " + sha);
    add("Authorization: " + auth);
  }
  for (const auto& [n, v] : request.headers) add(n + ": " + v);

  std::string url = "http://" + options_.address + request.target;
  RawNodeResponse response;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  // curl's default 16 KiB receive buffer costs one recvfrom per 16 KiB of a shard (80 per MiB
  // in the S3 benchmark's profile); shards are up to chunk_size / k.
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_ms));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  Download down{c, &request.response_sink, &response.body, Status::OK()};
  if (request.response_sink) {
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteStreamed);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &down);
  } else {
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  }
  Upload up{&request.body_source, Status::OK()};
  if (request.body_source || request.response_sink) {
    // A big body may take long: give up on a stall rather than on the total time.
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(options_.request_timeout_ms / 1000)));
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  if (request.body_source) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_length));
  } else if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method != "DELETE" || !request.body.empty()) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }
  CURLcode rc = curl_easy_perform(c);
  if (!up.error.ok()) return up.error;      // The handle is dropped: its connection is
  if (!down.error.ok()) return down.error;  // mid-message.
  if (rc != CURLE_OK) {
    // The handle's connection may be broken: drop the handle rather than reuse it.
    std::string msg = "node " + options_.address + ": " + curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) return Status::Timeout(msg);
    return Status::Unavailable(msg);
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  Release(std::move(handle));
  return response;
}

Result<RawNodeResponse> HttpNodeClient::Call(RawNodeRequest request) {
  Status last;
  for (int attempt = 0; attempt < std::max(1, options_.max_attempts); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    auto r = Send(request);
    if (!r.ok()) {
      last = r.status();
      continue;
    }
    if (r->status >= 200 && r->status < 300) return r;
    return node_wire::DecodeError(r->status, r->body);
  }
  return last;
}

Status HttpNodeClient::PutShard(std::string_view id, std::string_view data) {
  char crc[9];
  std::snprintf(crc, sizeof(crc), "%08x", Crc32c(data));
  RawNodeRequest req{"PUT", "/v1/shards/" + HexId(id), std::string(data)};
  req.headers.emplace_back("x-shale-crc32c", crc);
  return Call(std::move(req)).status();
}

Result<std::string> HttpNodeClient::GetShard(std::string_view id, uint64_t offset,
                                             uint64_t length) {
  std::string target = "/v1/shards/" + HexId(id) + "?offset=" + std::to_string(offset);
  if (length != UINT64_MAX) target += "&length=" + std::to_string(length);
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call({"GET", target}));
  return std::move(r.body);
}

Status HttpNodeClient::PutShardStream(std::string_view id, uint64_t length,
                                      const NodeBodySource& source) {
  constexpr size_t kChunkSize = 256 * 1024;
  RawNodeRequest req{"PUT", "/v1/shards/" + HexId(id)};
  req.date = static_cast<int64_t>(std::time(nullptr));
  req.content_sha256 = std::string(internal_auth::kStreamingSha256);
  // The seed of the chunk signatures is the request's own signature (Send computes the same).
  internal_auth::SignedFields fields{req.method, req.target, {}, *req.date, *req.content_sha256};
  SHALE_ASSIGN_OR_RETURN(std::string auth,
                         internal_auth::AuthorizationValue(options_.secret, fields));
  SHALE_ASSIGN_OR_RETURN(std::string seed, internal_auth::SeedSignature(auth));
  Crc32cStream crc;
  auto framer = std::make_shared<internal_auth::ChunkFramer>(
      options_.secret, *req.date, std::move(seed), length, kChunkSize,
      [&](std::span<char> buf) -> Result<size_t> {
        SHALE_ASSIGN_OR_RETURN(size_t n, source(buf));
        crc.Update(std::string_view(buf.data(), n));
        return n;
      });
  req.headers.emplace_back(std::string(internal_auth::kDecodedLengthHeader),
                           std::to_string(length));
  req.body_source = [framer](std::span<char> buf) { return framer->Read(buf); };
  req.body_length = internal_auth::FramedSize(length, kChunkSize);
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Send(req));
  if (r.status < 200 || r.status >= 300) return node_wire::DecodeError(r.status, r.body);
  char crc_hex[9];
  std::snprintf(crc_hex, sizeof(crc_hex), "%08x", crc.Finish());
  if (r.Header("x-shale-crc32c") != crc_hex) {
    return Status::Corruption("node " + options_.address + " stored shard CRC " +
                              r.Header("x-shale-crc32c") + ", sent " + crc_hex);
  }
  return Status::OK();
}

Status HttpNodeClient::GetShardStream(std::string_view id, uint64_t offset, uint64_t length,
                                      const NodeBodySink& sink) {
  std::string target = "/v1/shards/" + HexId(id) + "?offset=" + std::to_string(offset);
  if (length != UINT64_MAX) target += "&length=" + std::to_string(length);
  RawNodeRequest req{"GET", target};
  req.response_sink = sink;
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Send(req));
  if (r.status >= 200 && r.status < 300) return Status::OK();  // The body went to `sink`.
  return node_wire::DecodeError(r.status, r.body);
}

Status HttpNodeClient::DeleteShard(std::string_view id) {
  return Call({"DELETE", "/v1/shards/" + HexId(id)}).status();
}

Result<std::vector<node_wire::ShardCheck>> HttpNodeClient::CheckShards(
    const std::vector<std::string>& ids) {
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r,
                         Call({"POST", "/v1/shards/check", node_wire::EncodeCheckRequest(ids)}));
  return node_wire::DecodeCheckResponse(r.body);
}

Status HttpNodeClient::PutVersion(std::string_view bucket, std::string_view key,
                                  const NodeVersionId& version, std::string_view payload,
                                  node_wire::WireKind kind) {
  RawNodeRequest req{"PUT",
                     VersionTarget(bucket, key) + "?version=" + node_wire::VersionIdToHex(version),
                     std::string(payload)};
  if (kind == node_wire::WireKind::kDeleteMarker) {
    req.headers.emplace_back("x-shale-kind", "delete-marker");
  } else if (kind == node_wire::WireKind::kPurged) {
    req.headers.emplace_back("x-shale-kind", "purged");
  }
  return Call(std::move(req)).status();
}

Result<node_wire::WireVersion> HttpNodeClient::GetVersion(std::string_view bucket,
                                                          std::string_view key,
                                                          std::optional<NodeVersionId> version) {
  std::string target = VersionTarget(bucket, key);
  if (version) target += "?version=" + node_wire::VersionIdToHex(*version);
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call({"GET", target}));
  node_wire::WireVersion v;
  v.key = std::string(key);
  SHALE_ASSIGN_OR_RETURN(v.version, node_wire::VersionIdFromHex(r.Header("x-shale-version")));
  std::string kind = r.Header("x-shale-kind");
  if (kind == "delete-marker") {
    v.kind = node_wire::WireKind::kDeleteMarker;
  } else if (kind == "purged") {
    v.kind = node_wire::WireKind::kPurged;
  } else if (kind != "object") {
    return Status::Corruption("bad x-shale-kind from node");
  }
  SHALE_ASSIGN_OR_RETURN(v.sequence, ParseU64(r.Header("x-shale-sequence"), "x-shale-sequence"));
  v.payload = std::move(r.body);
  return v;
}

Status HttpNodeClient::DeleteVersion(std::string_view bucket, std::string_view key,
                                     const NodeVersionId& version) {
  return Call({"DELETE",
               VersionTarget(bucket, key) + "?version=" + node_wire::VersionIdToHex(version)})
      .status();
}

Result<node_wire::WireVersionPage> HttpNodeClient::ListVersions(const NodeListRequest& request) {
  std::string target = "/v1/list/" + UriEncode(request.bucket) +
                       "?prefix=" + UriEncode(request.prefix) +
                       "&limit=" + std::to_string(request.limit) +
                       "&latest_only=" + (request.latest_only ? "1" : "0");
  if (request.start_after_key) target += "&start_after=" + UriEncode(*request.start_after_key);
  if (request.max_bytes > 0) target += "&max_bytes=" + std::to_string(request.max_bytes);
  if (request.start_after_version) {
    target += "&start_after_version=" + node_wire::VersionIdToHex(*request.start_after_version);
  }
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call({"GET", target}));
  return node_wire::DecodeVersionPage(r.body);
}

Status HttpNodeClient::PutBucket(std::string_view name, std::string_view payload) {
  return Call({"PUT", "/v1/buckets/" + UriEncode(name), std::string(payload)}).status();
}

Result<std::string> HttpNodeClient::GetBucket(std::string_view name) {
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call({"GET", "/v1/buckets/" + UriEncode(name)}));
  return std::move(r.body);
}

Status HttpNodeClient::DeleteBucket(std::string_view name) {
  return Call({"DELETE", "/v1/buckets/" + UriEncode(name)}).status();
}

Result<std::vector<node_wire::WireBucket>> HttpNodeClient::ListBuckets() {
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call({"GET", "/v1/buckets"}));
  return node_wire::DecodeBucketList(r.body);
}

Status HttpNodeClient::EnqueueRepair(const node_wire::RepairHint& hint) {
  return Call({"POST", "/v1/repair", node_wire::EncodeRepairHint(hint)}).status();
}

Result<node_wire::WireScanPage> HttpNodeClient::ScanVersions(const NodeScanRequest& request) {
  std::string target = "/v1/scan?limit=" + std::to_string(request.limit);
  if (request.max_bytes > 0) target += "&max_bytes=" + std::to_string(request.max_bytes);
  if (request.start_after) {
    target += "&after_bucket=" + UriEncode(request.start_after->bucket) +
              "&after_key=" + UriEncode(request.start_after->key) +
              "&after_version=" + node_wire::VersionIdToHex(request.start_after->version);
  }
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call({"GET", target}));
  return node_wire::DecodeScanPage(r.body);
}

Result<node_wire::WireShardPage> HttpNodeClient::ListShards(std::string_view start_after,
                                                            uint32_t limit) {
  std::string target = "/v1/shards?limit=" + std::to_string(limit);
  if (!start_after.empty()) target += "&after=" + HexId(start_after);
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call({"GET", target}));
  return node_wire::DecodeShardPage(r.body);
}

Result<std::vector<node_wire::WireRepairItem>> HttpNodeClient::PeekRepairs(uint32_t limit) {
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r,
                         Call({"GET", "/v1/repair?limit=" + std::to_string(limit)}));
  return node_wire::DecodeRepairItems(r.body);
}

Status HttpNodeClient::RemoveRepairs(const std::vector<uint64_t>& seqs) {
  return Call({"POST", "/v1/repair/remove", node_wire::EncodeRepairSeqs(seqs)}).status();
}

Status HttpNodeClient::StartScrub() { return Call({"POST", "/v1/scrub"}).status(); }

Status HttpNodeClient::StartRepair(const node_wire::RepairSweep& sweep) {
  std::string target = "/v1/repair/sweep";
  if (!sweep.bucket.empty() || !sweep.prefix.empty()) {
    target += "?bucket=" + UriEncode(sweep.bucket) + "&prefix=" + UriEncode(sweep.prefix);
  }
  return Call({"POST", target}).status();
}

Status HttpNodeClient::Health() {
  RawNodeRequest req{"GET", "/health"};
  req.sign = false;
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call(std::move(req)));
  return Status::OK();
}

Result<std::string> HttpNodeClient::StatusJson() {
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call({"GET", "/v1/status"}));
  return std::move(r.body);
}

Result<std::string> HttpNodeClient::MetricsText() {
  SHALE_ASSIGN_OR_RETURN(RawNodeResponse r, Call({"GET", "/metrics"}));
  return std::move(r.body);
}

}  // namespace shale
