#include "gateway/http_exchange.h"

#include <ctime>
#include <exception>
#include <utility>

#include "common/log.h"
#include "gateway/s3_error.h"

namespace shale::gateway {
namespace {

constexpr size_t kCoalesceBytes = 128 * 1024;

std::string_view Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

// RFC 7231 IMF-fixdate of the current second, formatted once per second per thread.
std::string_view HttpDate() {
  thread_local time_t cached_second = -1;
  thread_local char text[64];
  thread_local size_t length = 0;
  time_t now = time(nullptr);
  if (now != cached_second) {
    struct tm tm;
    gmtime_r(&now, &tm);
    length = strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return {text, length};
}

bool IsServerHeader(std::string_view name) {
  return name == "content-length" || name == "connection" || name == "transfer-encoding" ||
         name == "date" || name == "server" || name == "x-amz-request-id";
}

void AppendSanitized(std::string_view value, std::string* out) {
  for (char c : value) *out += (c == '\r' || c == '\n') ? ' ' : c;
}

class Writer final : public S3ResponseWriter {
 public:
  explicit Writer(Exchange& ex) : ex_(ex) {}

  Status Send(int status, std::vector<S3Header> headers, std::string body) override {
    if (started_) return Status::FailedPrecondition("response already started");
    started_ = true;
    ex_.response_bytes = body.size();
    ex_.final_head = ExchangePipe::ResponseHead{status, std::move(headers), body.size()};
    if (!ex_.head_method) ex_.final_body = std::move(body);
    return Status::OK();
  }

  Status Begin(int status, std::vector<S3Header> headers, uint64_t content_length) override {
    if (started_) return Status::FailedPrecondition("response already started");
    started_ = true;
    begun_ = true;
    expected_ = ex_.head_method ? 0 : content_length;
    ex_.final_head = ExchangePipe::ResponseHead{status, std::move(headers), content_length};
    return Status::OK();
  }

  Status Write(std::string_view piece) override {
    if (!begun_) return Status::FailedPrecondition("Write() before Begin()");
    if (piece.size() > expected_ - written_) {
      return Status::InvalidArgument("response body longer than its Content-Length");
    }
    if (piece.empty()) return Status::OK();
    if (!head_sent_ && written_ == 0 && piece.size() == expected_ &&
        piece.size() <= kCoalesceBytes) {
      // A small body written at once: copied and sent with the head once the handler returns,
      // which saves two thread hand-offs per small GET.
      ex_.final_body.assign(piece);
      written_ = piece.size();
      ex_.response_bytes = written_;
      return Status::OK();
    }
    // The head goes out with the first piece; after that it is on the wire.
    std::optional<ExchangePipe::ResponseHead> head = std::move(ex_.final_head);
    ex_.final_head.reset();
    Status s = ex_.pipe->WriteResponse(head ? &*head : nullptr, piece);
    head_sent_ = true;
    if (!s.ok()) return s;
    written_ += piece.size();
    ex_.response_bytes = written_;
    return s;
  }

  bool started() const override { return started_; }

  // After the handler: whether the head and all promised bytes went out (or can).
  bool Complete() const { return !begun_ || written_ == expected_; }
  bool head_sent() const { return head_sent_; }
  void Reset() {
    started_ = false;
    begun_ = false;
    ex_.final_head.reset();
    ex_.final_body.clear();
  }

 private:
  Exchange& ex_;
  bool started_ = false;
  bool begun_ = false;
  bool head_sent_ = false;
  uint64_t expected_ = 0;
  uint64_t written_ = 0;
};

Result<size_t> ReadPayload(Exchange& ex, std::span<char> buf) {
  if (buf.empty()) return Status::InvalidArgument("body source needs a non-empty buffer");
  for (;;) {
    if (ex.body_ended || ex.raw_read == ex.raw_length) {
      ex.body_ended = true;
      SHALE_RETURN_IF_ERROR(ex.verifier->Finish());
      if (ex.trailers.empty()) {
        for (const Trailer& t : ex.verifier->trailers()) ex.trailers.push_back({t.name, t.value});
      }
      return size_t{0};
    }
    uint64_t want = std::min<uint64_t>(buf.size(), ex.raw_length - ex.raw_read);
    SHALE_ASSIGN_OR_RETURN(size_t n, ex.pipe->ReadBody(buf.first(want)));
    if (n == 0) {
      if (!ex.chunked) return MakeS3Error(S3ErrorCode::kIncompleteBody);
      ex.body_ended = true;
      continue;
    }
    ex.raw_read += n;
    SHALE_ASSIGN_OR_RETURN(size_t out, ex.verifier->Decode(buf.first(n)));
    if (out > 0) return out;
  }
}

}  // namespace

void RenderError(const Status& status, std::string_view resource, std::string_view request_id,
                 ExchangePipe::ResponseHead* head, std::string* body) {
  S3Error error = S3ErrorFromStatus(status);
  if (error.code == S3ErrorCode::kInternalError) {
    log::Error("internal error", {{"req", request_id}, {"status", status}});
  }
  *body = RenderS3ErrorXml(error, resource, request_id);
  head->status = GetS3ErrorInfo(error.code).http_status;
  head->headers = {{"content-type", "application/xml"}};
  head->content_length = body->size();
}

void RunExchange(const S3Handler& handler, Exchange& ex) {
  if (ex.verifier) {
    ex.request.body = [&ex](std::span<char> buf) { return ReadPayload(ex, buf); };
  }
  ex.request.trailers = &ex.trailers;
  Writer writer(ex);
  Status status;
  try {
    status = handler(ex.request, writer);
  } catch (const std::exception& e) {
    status = Status::Internal(std::string("handler threw: ") + e.what());
  }
  if (status.ok() && !writer.Complete() && !writer.head_sent()) {
    status = Status::Internal("the handler wrote a shorter body than it announced");
  }
  if (!status.ok() && writer.started() && !writer.head_sent()) writer.Reset();
  if (!writer.started()) {
    if (status.ok()) status = Status::Internal("the handler sent no response");
    ExchangePipe::ResponseHead head;
    RenderError(status, ex.request.resource, ex.request.request_id, &head, &ex.final_body);
    ex.response_bytes = ex.final_body.size();
    if (ex.head_method) ex.final_body.clear();
    ex.final_head = std::move(head);
  } else if (!status.ok() || !writer.Complete()) {
    if (!status.ok()) {
      log::Warn("response aborted", {{"req", ex.request.request_id}, {"status", status}});
    }
    ex.aborted = true;
  }
  ex.request.body = nullptr;
  ex.pipe->Finish();
}

std::string SerializeHead(const ExchangePipe::ResponseHead& head, std::string_view request_id,
                          ConnectionHeader connection) {
  std::string out;
  out.reserve(256 + head.headers.size() * 64);
  out += "HTTP/1.1 ";
  out += std::to_string(head.status);
  out += ' ';
  out += Reason(head.status);
  out += "\r\nServer: Shale\r\nDate: ";
  out += HttpDate();
  out += "\r\nx-amz-request-id: ";
  out += request_id;
  out += "\r\n";
  for (const S3Header& h : head.headers) {
    if (IsServerHeader(h.name)) continue;
    AppendSanitized(h.name, &out);
    out += ": ";
    AppendSanitized(h.value, &out);
    out += "\r\n";
  }
  if (head.status >= 200 && head.status != 204 && head.status != 304) {
    out += "Content-Length: ";
    out += std::to_string(head.content_length);
    out += "\r\n";
  }
  if (connection == ConnectionHeader::kClose) out += "Connection: close\r\n";
  if (connection == ConnectionHeader::kKeepAlive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  return out;
}

}  // namespace shale::gateway
