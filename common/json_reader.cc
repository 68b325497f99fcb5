#include "common/json_reader.h"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <set>

namespace shale::json {
namespace {

std::string_view ToView(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

// Edit distance, for "did you mean" hints; only called on short keys.
size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

Status ParseDocument(std::string_view text, std::string_view source, rapidjson::Document* doc,
                     const ParseLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return PathError(source, "",
                     "file is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                         std::to_string(limits.max_bytes));
  }
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  doc->Parse<kFlags>(text.data(), text.size());
  if (doc->HasParseError()) {
    return PathError(source, "",
                     std::string("invalid JSON at byte ") + std::to_string(doc->GetErrorOffset()) +
                         ": " + rapidjson::GetParseError_En(doc->GetParseError()));
  }
  return Status::OK();
}

std::string JoinPath(std::string_view path, std::string_view key) {
  std::string out(path);
  if (IsPlainKey(key)) {
    if (!out.empty()) out.push_back('.');
    out.append(key);
  } else {
    out.append("[").append(Quote(key, 40)).append("]");
  }
  return out;
}

std::string IndexPath(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

Status PathError(std::string_view source, std::string_view path, std::string_view reason) {
  std::string msg(source);
  msg.append(": ");
  if (!path.empty()) msg.append(path).append(": ");
  msg.append(reason);
  return Status::InvalidArgument(msg);
}

std::string Quote(std::string_view value, size_t max_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < value.size(); ++i) {
    if (i == max_chars) {
      out.append("...");
      break;
    }
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      out.append("\\u00").append(1, kHex[c >> 4]).append(1, kHex[c & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

std::string_view TypeName(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "a boolean";
  if (v.IsObject()) return "an object";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "a string";
  if (v.IsInt64() || v.IsUint64()) return "an integer";
  return "a number";
}

Result<ObjectReader> ObjectReader::Open(const rapidjson::Value& value, std::string path,
                                        std::string_view source,
                                        std::initializer_list<std::string_view> allowed) {
  if (!value.IsObject()) {
    return PathError(source, path, "expected an object, got " + std::string(TypeName(value)));
  }
  std::set<std::string_view> seen;
  for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
    std::string_view key = ToView(it->name);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string reason = "unknown field";
      if (key.size() <= 64) {
        for (std::string_view candidate : allowed) {
          if (Distance(key, candidate) <= 2) {
            reason += " (did you mean \"" + std::string(candidate) + "\"?)";
            break;
          }
        }
      }
      return PathError(source, JoinPath(path, key), reason);
    }
    if (!seen.insert(key).second) {
      return PathError(source, JoinPath(path, key), "appears more than once");
    }
  }
  return ObjectReader(value, std::move(path), source);
}

const rapidjson::Value* ObjectReader::Find(std::string_view key) const {
  for (auto it = value_->MemberBegin(); it != value_->MemberEnd(); ++it) {
    if (ToView(it->name) == key) return &it->value;
  }
  return nullptr;
}

Status ObjectReader::TypeError(std::string_view key, const rapidjson::Value& v,
                               std::string_view expected) const {
  return Error(key, "expected " + std::string(expected) + ", got " + std::string(TypeName(v)));
}

Result<std::optional<std::string>> ObjectReader::String(std::string_view key) const {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->IsString()) return TypeError(key, *v, "a string");
  return std::optional<std::string>(std::string(ToView(*v)));
}

Result<std::string> ObjectReader::RequiredString(std::string_view key) const {
  SHALE_ASSIGN_OR_RETURN(std::optional<std::string> s, String(key));
  if (!s.has_value()) return Error(key, "missing (required)");
  return std::move(*s);
}

Result<std::optional<bool>> ObjectReader::Bool(std::string_view key) const {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->IsBool()) return TypeError(key, *v, "true or false");
  return std::optional<bool>(v->GetBool());
}

Result<std::optional<double>> ObjectReader::Number(std::string_view key) const {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return std::optional<double>();
  if (!v->IsNumber()) return TypeError(key, *v, "a number");
  return std::optional<double>(v->GetDouble());
}

Result<std::optional<uint64_t>> ObjectReader::Uint(std::string_view key, uint64_t min,
                                                   uint64_t max) const {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return std::optional<uint64_t>();
  std::string range = "[";  // Built by appends: GCC 12 misreports "[" + std::string (-Wrestrict).
  range.append(std::to_string(min)).append(", ").append(std::to_string(max)).append("]");
  if (v->IsUint64()) {
    uint64_t n = v->GetUint64();
    if (n < min || n > max) {
      return Error(key, std::to_string(n) + " is out of range " + range);
    }
    return std::optional<uint64_t>(n);
  }
  if (v->IsInt64()) {
    return Error(key,
                 std::to_string(v->GetInt64()) + " is negative; expected an integer in " + range);
  }
  if (v->IsNumber()) {
    // A fraction, an exponent form, or an integer too large for 64 bits.
    return Error(key, "expected a plain integer in " + range + ", got a non-integer number");
  }
  return TypeError(key, *v, "an integer in " + range);
}

Result<const rapidjson::Value*> ObjectReader::Array(std::string_view key) const {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return static_cast<const rapidjson::Value*>(nullptr);
  if (!v->IsArray()) return TypeError(key, *v, "an array");
  return v;
}

}  // namespace shale::json
