#include "tools/shale/admin_client.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "gateway/query.h"
#include "gateway/xml.h"

namespace shale::cli {
namespace {

constexpr char kAdminPath[] = "/_shale/admin/v1/";

std::string FromFlagOrEnv(const Args& args, std::string_view flag, const char* env,
                          std::string_view fallback = {}) {
  if (args.Has(flag)) return args.Get(flag);
  const char* v = std::getenv(env);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

// The text of child <tag> of an S3 error document, or "".
std::string XmlField(std::string_view xml, std::string_view tag) {
  Result<gateway::XmlElement> doc = gateway::ParseXml(xml);
  if (!doc.ok()) return "";
  const gateway::XmlElement* child = doc->FindChild(tag);
  return child == nullptr ? "" : child->text;
}

}  // namespace

std::vector<OptionSpec> AdminOptions(std::vector<OptionSpec> own) {
  own.push_back(
      {"endpoint", "URL", "the gateway (default: $SHALE_ENDPOINT or http://127.0.0.1:9000)"});
  own.push_back({"access-key", "KEY", "an admin user's access key (default: $SHALE_ACCESS_KEY)"});
  own.push_back({"secret-key", "SECRET", "its secret key (default: $SHALE_SECRET_KEY)"});
  own.push_back({"json", "", "print the gateway's JSON answer instead of text"});
  return own;
}

Result<std::unique_ptr<AdminClient>> AdminClient::FromArgs(const Args& args) {
  S3ClientOptions o;
  o.endpoint = FromFlagOrEnv(args, "endpoint", "SHALE_ENDPOINT", "http://127.0.0.1:9000");
  o.access_key = FromFlagOrEnv(args, "access-key", "SHALE_ACCESS_KEY");
  o.secret_key = FromFlagOrEnv(args, "secret-key", "SHALE_SECRET_KEY");
  o.timeout_ms = 120'000;
  if (o.access_key.empty() || o.secret_key.empty()) {
    return Status::InvalidArgument(
        "no credentials: set SHALE_ACCESS_KEY and SHALE_SECRET_KEY (or --access-key and "
        "--secret-key) to an admin user's keys");
  }
  SHALE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> s3, S3Client::Create(o));
  return std::make_unique<AdminClient>(std::move(s3));
}

Result<rapidjson::Document> AdminClient::Get(
    std::string_view op, std::vector<std::pair<std::string, std::string>> params) {
  return Call("GET", op, std::move(params));
}

Result<rapidjson::Document> AdminClient::Post(
    std::string_view op, std::vector<std::pair<std::string, std::string>> params) {
  return Call("POST", op, std::move(params));
}

Result<rapidjson::Document> AdminClient::Call(
    const char* method, std::string_view op,
    std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string query;
  for (const auto& [name, value] : params) {
    if (!query.empty()) query += "&";
    query += gateway::UriEncode(name, gateway::UriEncodeMode::kComponent) + "=" +
             gateway::UriEncode(value, gateway::UriEncodeMode::kComponent);
  }
  SHALE_ASSIGN_OR_RETURN(S3Response r,
                         s3_->Call(method, kAdminPath + std::string(op), std::move(query)));
  if (r.status != 200) {
    std::string code = XmlField(r.body, "Code");
    std::string message = XmlField(r.body, "Message");
    std::string text = "the gateway answered HTTP " + std::to_string(r.status) +
                       (code.empty() ? "" : " " + code) + (message.empty() ? "" : ": " + message);
    if (r.status == 403) return Status::PermissionDenied(text);
    if (r.status == 404) return Status::NotFound(text);
    return Status::Unavailable(text);
  }
  rapidjson::Document doc;
  if (doc.Parse(r.body.data(), r.body.size()).HasParseError() || !doc.IsObject()) {
    return Status::Corruption("the gateway's answer is not a JSON object");
  }
  return doc;
}

const rapidjson::Value* JsonMember(const rapidjson::Value* obj, const char* name) {
  if (obj == nullptr || !obj->IsObject()) return nullptr;
  auto it = obj->FindMember(name);
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

double JsonNumber(const rapidjson::Value* obj, const char* name) {
  return JsonOptionalNumber(obj, name).value_or(0);
}

std::optional<double> JsonOptionalNumber(const rapidjson::Value* obj, const char* name) {
  const rapidjson::Value* v = JsonMember(obj, name);
  if (v == nullptr || !v->IsNumber()) return std::nullopt;
  return v->GetDouble();
}

bool JsonBool(const rapidjson::Value* obj, const char* name) {
  const rapidjson::Value* v = JsonMember(obj, name);
  return v != nullptr && v->IsBool() && v->GetBool();
}

std::string JsonString(const rapidjson::Value* obj, const char* name) {
  const rapidjson::Value* v = JsonMember(obj, name);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

std::vector<const rapidjson::Value*> StatusNodes(const rapidjson::Value& status) {
  std::vector<const rapidjson::Value*> out;
  const rapidjson::Value* nodes = JsonMember(&status, "nodes");
  if (nodes == nullptr || !nodes->IsArray()) return out;
  for (const auto& n : nodes->GetArray()) out.push_back(&n);
  return out;
}

std::string JsonText(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  value.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string FormatBytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 5) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

std::string FormatDuration(std::optional<double> seconds) {
  if (!seconds || *seconds < 0 || !std::isfinite(*seconds)) return "unknown";
  auto s = static_cast<uint64_t>(std::llround(*seconds));
  char buf[48];
  if (s >= 86400) {
    std::snprintf(buf, sizeof(buf), "%llud%02lluh", static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>(s % 86400 / 3600));
  } else if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s % 3600 / 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof(buf), "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%llus", static_cast<unsigned long long>(s));
  }
  return buf;
}

void Progress::Update(double fraction, const std::string& detail) {
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  const int percent = static_cast<int>(fraction * 100);
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    out_ << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] "
         << percent << "% " << detail << "\x1b[K" << std::flush;
    drawn_ = true;
  } else {
    const auto now = std::chrono::steady_clock::now();
    if (percent != last_percent_ ||
        (detail != last_detail_ && now - last_line_ >= std::chrono::seconds(1))) {
      out_ << "progress " << percent << "% " << detail << "\n" << std::flush;
      last_line_ = now;
      last_detail_ = detail;
    }
  }
  last_percent_ = percent;
}

void Progress::Finish() {
  if (drawn_) out_ << "\n" << std::flush;
  drawn_ = false;
}

ProgressStyle StderrProgressStyle() {
  return isatty(STDERR_FILENO) == 1 ? ProgressStyle::kBar : ProgressStyle::kLines;
}

}  // namespace shale::cli
