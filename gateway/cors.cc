#include "gateway/cors.h"

#include <charconv>

#include "gateway/ascii.h"
#include "gateway/s3_error.h"
#include "gateway/s3_xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

constexpr std::string_view kMethods[] = {"GET", "PUT", "HEAD", "POST", "DELETE"};

bool AtMostOneStar(std::string_view s) { return s.find('*') == s.rfind('*'); }

// Calls f(token) for each trimmed, non-empty comma-separated token.
template <typename F>
bool ForEachToken(std::string_view list, F f) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view token = TrimOws(list.substr(0, comma));
    if (!token.empty() && !f(token)) return false;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return true;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto eq = [ignore_case](std::string_view a, std::string_view b) {
    return ignore_case ? EqualsIgnoreCase(a, b) : a == b;
  };
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return eq(pattern, text);
  std::string_view head = pattern.substr(0, star);
  std::string_view tail = pattern.substr(star + 1);
  return text.size() >= head.size() + tail.size() && eq(head, text.substr(0, head.size())) &&
         eq(tail, text.substr(text.size() - tail.size()));
}

Result<CorsConfiguration> ParseCorsXml(std::string_view body) {
  XmlLimits limits;
  limits.max_bytes = 64 * 1024;
  limits.max_elements = 4096;
  SHALE_ASSIGN_OR_RETURN(XmlElement root, ParseS3Xml(body, limits));
  if (root.LocalName() != "CORSConfiguration") return MalformedXml();
  CorsConfiguration config;
  std::vector<const XmlElement*> rules = root.FindChildren("CORSRule");
  if (rules.empty() || rules.size() > kMaxCorsRules) return MalformedXml();
  for (const XmlElement* r : rules) {
    CorsRule rule;
    for (const XmlElement& child : r->children) {
      std::string_view name = child.LocalName();
      std::string text(TrimOws(child.text));
      if (name == "AllowedOrigin") {
        if (!AtMostOneStar(text)) {
          return MakeS3Error(S3ErrorCode::kInvalidRequest,
                             "AllowedOrigin \"" + text + "\" can not have more than one wildcard.");
        }
        rule.allowed_origins.push_back(std::move(text));
      } else if (name == "AllowedMethod") {
        bool known = false;
        for (std::string_view m : kMethods) known = known || m == text;
        if (!known) {
          return MakeS3Error(
              S3ErrorCode::kInvalidRequest,
              "Found unsupported HTTP method in CORS config. Unsupported method is " + text);
        }
        rule.allowed_methods.push_back(std::move(text));
      } else if (name == "AllowedHeader") {
        if (!AtMostOneStar(text)) {
          return MakeS3Error(S3ErrorCode::kInvalidRequest,
                             "AllowedHeader \"" + text + "\" can not have more than one wildcard.");
        }
        rule.allowed_headers.push_back(std::move(text));
      } else if (name == "ExposeHeader") {
        rule.expose_headers.push_back(std::move(text));
      } else if (name == "ID") {
        rule.id = std::move(text);
      } else if (name == "MaxAgeSeconds") {
        int64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || v < 0) return MalformedXml();
        rule.max_age_seconds = v;
      } else {
        return MalformedXml();
      }
    }
    if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) return MalformedXml();
    config.rules.push_back(std::move(rule));
  }
  return config;
}

std::string RenderCorsXml(const CorsConfiguration& config) {
  XmlWriter w;
  w.Open("CORSConfiguration", kS3Xmlns);
  for (const CorsRule& rule : config.rules) {
    w.Open("CORSRule");
    if (!rule.id.empty()) w.Element("ID", rule.id);
    for (const std::string& s : rule.allowed_headers) w.Element("AllowedHeader", s);
    for (const std::string& s : rule.allowed_methods) w.Element("AllowedMethod", s);
    for (const std::string& s : rule.allowed_origins) w.Element("AllowedOrigin", s);
    for (const std::string& s : rule.expose_headers) w.Element("ExposeHeader", s);
    if (rule.max_age_seconds) w.Element("MaxAgeSeconds", std::to_string(*rule.max_age_seconds));
    w.Close();
  }
  return std::move(w).Finish();
}

const CorsRule* MatchCorsRule(const CorsConfiguration& config, std::string_view origin,
                              std::string_view method, std::string_view request_headers) {
  for (const CorsRule& rule : config.rules) {
    bool origin_ok = false;
    for (const std::string& o : rule.allowed_origins) {
      origin_ok = origin_ok || WildcardMatch(o, origin, /*ignore_case=*/false);
    }
    bool method_ok = false;
    for (const std::string& m : rule.allowed_methods) method_ok = method_ok || m == method;
    if (!origin_ok || !method_ok) continue;
    bool headers_ok = ForEachToken(request_headers, [&rule](std::string_view h) {
      for (const std::string& pattern : rule.allowed_headers) {
        if (WildcardMatch(pattern, h, /*ignore_case=*/true)) return true;
      }
      return false;
    });
    if (headers_ok) return &rule;
  }
  return nullptr;
}

std::vector<S3Header> CorsResponseHeaders(const CorsRule& rule, std::string_view origin,
                                          bool preflight, std::string_view request_headers) {
  std::vector<S3Header> out;
  bool any_origin = rule.allowed_origins.size() == 1 && rule.allowed_origins[0] == "*";
  out.push_back({"Access-Control-Allow-Origin", any_origin ? "*" : std::string(origin)});
  if (!any_origin) out.push_back({"Access-Control-Allow-Credentials", "true"});
  out.push_back({"Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"});
  if (!rule.expose_headers.empty()) {
    out.push_back({"Access-Control-Expose-Headers", Join(rule.expose_headers)});
  }
  if (preflight) {
    out.push_back({"Access-Control-Allow-Methods", Join(rule.allowed_methods)});
    std::string allowed;
    ForEachToken(request_headers, [&allowed](std::string_view h) {
      if (!allowed.empty()) allowed += ", ";
      allowed += AsciiLower(h);
      return true;
    });
    if (!allowed.empty()) out.push_back({"Access-Control-Allow-Headers", allowed});
    if (rule.max_age_seconds) {
      out.push_back({"Access-Control-Max-Age", std::to_string(*rule.max_age_seconds)});
    }
  }
  return out;
}

}  // namespace shale::gateway
