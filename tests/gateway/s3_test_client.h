#pragma once

// Test-only S3 client pieces for the HTTP server tests: SigV4 signing of raw requests (header
// and presigned), aws-chunked body encoding, and a blocking TCP connection that sends raw bytes
// and parses HTTP/1.1 responses. Signing reuses gateway/sigv4.h's canonicalization (checked
// against AWS's published vectors in sigv4_test.cc); `curl --aws-sigv4` provides the
// independent client in the tests.
// Thread-safety: none; one test thread per object.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "gateway/ascii.h"
#include "gateway/query.h"
#include "gateway/sigv4.h"

namespace shale::gateway::testing {

struct Credentials {
  std::string access_key = "AKIDEXAMPLE0000001";
  std::string secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  std::string region = "us-east-1";
};

inline std::string AmzDate(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

inline int64_t Now() { return static_cast<int64_t>(time(nullptr)); }

struct RawRequest {
  std::string method = "GET";
  std::string target = "/";  // Path and query, percent-encoded as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool content_length = true;  // Add Content-Length: body.size().

  // Wire bytes.
  std::string Serialize() const {
    std::string out = method + " " + target + " HTTP/1.1\r\n";
    for (const auto& [n, v] : headers) out += n + ": " + v + "\r\n";
    if (content_length) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += "\r\n";
    return out + body;
  }
};

struct SignResult {
  Sha256Digest key;
  std::string signature;
  std::string amz_date;
  std::string scope;
};

// Adds Host, x-amz-date and x-amz-content-sha256 (= payload_hash) and signs every header.
inline SignResult SignRequest(RawRequest& r, const Credentials& c, int64_t now,
                              const std::string& payload_hash, const std::string& host) {
  std::string date = AmzDate(now);
  r.headers.insert(r.headers.begin(), {"Host", host});
  r.headers.push_back({"x-amz-date", date});
  r.headers.push_back({"x-amz-content-sha256", payload_hash});
  SigV4Auth auth;
  auth.scope = {c.access_key, date.substr(0, 8), c.region, "s3"};
  auth.amz_date = date;
  std::vector<std::string> names;
  for (const auto& h : r.headers) names.push_back(AsciiLower(h.first));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  auth.signed_headers = names;
  std::vector<HeaderField> fields;
  for (const auto& [n, v] : r.headers) fields.push_back({n, v});
  size_t q = r.target.find('?');
  SigV4Request sr{
      r.method, std::string_view(r.target).substr(0, q),
      q == std::string::npos ? std::string_view() : std::string_view(r.target).substr(q + 1),
      fields};
  std::string canonical = BuildCanonicalRequest(sr, auth, payload_hash).value();
  SignResult out;
  out.key = DeriveSigningKey(c.secret_key, auth.scope);
  out.amz_date = date;
  out.scope = auth.scope.ToString();
  out.signature = SignString(out.key, BuildStringToSign(date, auth.scope, canonical));
  std::string signed_list;
  for (const auto& n : names) signed_list += (signed_list.empty() ? "" : ";") + n;
  r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=" + c.access_key + "/" +
                                            out.scope + ", SignedHeaders=" + signed_list +
                                            ", Signature=" + out.signature});
  return out;
}

// A presigned target ("/path?X-Amz-...") valid for `expires` seconds from `now`.
inline std::string Presign(const std::string& method, const std::string& path,
                           const std::string& host, const Credentials& c, int64_t now,
                           int64_t expires) {
  std::string date = AmzDate(now);
  CredentialScope scope{c.access_key, date.substr(0, 8), c.region, "s3"};
  std::string query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                      UriEncode(c.access_key + "/" + scope.ToString(), UriEncodeMode::kComponent) +
                      "&X-Amz-Date=" + date + "&X-Amz-Expires=" + std::to_string(expires) +
                      "&X-Amz-SignedHeaders=host";
  SigV4Auth auth;
  auth.kind = SigV4Auth::Kind::kPresigned;
  auth.scope = scope;
  auth.amz_date = date;
  auth.signed_headers = {"host"};
  std::vector<HeaderField> fields{{"Host", host}};
  SigV4Request sr{method, path, query, fields};
  std::string canonical = BuildCanonicalRequest(sr, auth, kUnsignedPayload).value();
  std::string sig =
      SignString(DeriveSigningKey(c.secret_key, scope), BuildStringToSign(date, scope, canonical));
  return path + "?" + query + "&X-Amz-Signature=" + sig;
}

// An aws-chunked body of `data` in chunks of `chunk` bytes. With `signer`, chunk signatures
// are chained from its signature; `trailer` ("x-amz-checksum-crc32", value) is appended in
// the -TRAILER modes. `corrupt_chunk` >= 0 flips one signature digit of that chunk.
inline std::string ChunkedBody(const std::string& data, size_t chunk,
                               const std::optional<SignResult>& signer,
                               const std::optional<std::pair<std::string, std::string>>& trailer,
                               int corrupt_chunk = -1) {
  std::string out;
  std::string prev = signer ? signer->signature : "";
  size_t pos = 0;
  int index = 0;
  for (;;) {
    std::string piece = data.substr(pos, chunk);
    char hex[32];
    snprintf(hex, sizeof(hex), "%zx", piece.size());
    out += hex;
    if (signer) {
      std::string sig = SignString(signer->key, ChunkStringToSign(signer->amz_date, signer->scope,
                                                                  prev, HexEncode(Sha256(piece))));
      prev = sig;
      if (index == corrupt_chunk) sig[0] = sig[0] == 'a' ? 'b' : 'a';
      out += ";chunk-signature=" + sig;
    }
    out += "\r\n";
    if (piece.empty()) break;
    out += piece + "\r\n";
    pos += piece.size();
    ++index;
  }
  if (trailer) {
    out += trailer->first + ":" + trailer->second + "\r\n";
    if (signer) {
      std::string canonical = trailer->first + ":" + trailer->second + "\n";
      out += "x-amz-trailer-signature:" +
             SignString(signer->key, TrailerStringToSign(signer->amz_date, signer->scope, prev,
                                                         HexEncode(Sha256(canonical)))) +
             "\r\n";
    }
  }
  out += "\r\n";
  return out;
}

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // Lowercase names.
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking client connection to 127.0.0.1:port.
class TestConnection {
 public:
  explicit TestConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~TestConnection() {
    if (fd_ >= 0) close(fd_);
  }
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (Content-Length bodies; `head_only` for HEAD and 1xx). nullopt when the
  // connection closed or nothing arrived within `timeout_ms`.
  std::optional<RawResponse> Read(bool head_only = false, int timeout_ms = 10'000) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(timeout_ms)) return std::nullopt;
    }
    RawResponse r;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[AsciiLower(line.substr(0, colon))] = value;
      }
      pos = e + 2;
    }
    if (head_only || r.status < 200) return r;
    size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buf_.size() < length) {
      if (!Fill(timeout_ms)) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // True if the peer closed (EOF or reset) within `timeout_ms`, ignoring any data.
  bool WaitClosed(int timeout_ms) {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return false;
      char tmp[4096];
      ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
      if (n <= 0) return true;
    }
  }

 private:
  bool Fill(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char tmp[65536];
    ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

}  // namespace shale::gateway::testing
