#pragma once

// Typed, strict reading of RapidJSON documents for configuration files. Every error names the
// source, the JSON path of the offending value and the reason, in one line:
//   cluster.json: nodes[3].address: "foo" is not host:port
// Objects are opened with the list of keys they may hold, so unknown keys (typos) and
// duplicate keys are rejected before any value is read.
// Thread-safety: readers are values over a document the caller keeps alive and unchanged.

#include <rapidjson/document.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shale::json {

// Limits for untrusted configuration text.
struct ParseLimits {
  size_t max_bytes = 16 << 20;
};

// Parses `text` strictly (RFC 8259, valid UTF-8, no comments, no trailing garbage, no
// NaN/Infinity) into `doc`, iteratively so that deep nesting cannot exhaust the stack.
Status ParseDocument(std::string_view text, std::string_view source, rapidjson::Document* doc,
                     const ParseLimits& limits = {});

// `path` + "." + key (or just key at the root); odd keys are quoted: a["we ird"].
std::string JoinPath(std::string_view path, std::string_view key);
// `path` + "[i]".
std::string IndexPath(std::string_view path, size_t i);
// InvalidArgument "<source>: <path>: <reason>" ("<source>: <reason>" for the root).
Status PathError(std::string_view source, std::string_view path, std::string_view reason);
// `value` as a JSON string literal for messages (escaped; cut at `max_chars`).
std::string Quote(std::string_view value, size_t max_chars = 80);
// "an object", "a string", "an integer", ...
std::string_view TypeName(const rapidjson::Value& value);

class ObjectReader {
 public:
  // Fails if `value` is not an object, holds a key twice or holds a key not in `allowed`.
  static Result<ObjectReader> Open(const rapidjson::Value& value, std::string path,
                                   std::string_view source,
                                   std::initializer_list<std::string_view> allowed);

  // The member, or nullptr when absent.
  const rapidjson::Value* Find(std::string_view key) const;
  // Absent keys give nullopt (the caller applies its default); present keys must have the type.
  Result<std::optional<std::string>> String(std::string_view key) const;
  Result<std::optional<bool>> Bool(std::string_view key) const;
  // Any JSON number, as a double.
  Result<std::optional<double>> Number(std::string_view key) const;
  // A plain non-negative integer in [min, max] (no fractions, exponents or strings).
  Result<std::optional<uint64_t>> Uint(std::string_view key, uint64_t min, uint64_t max) const;
  // The array, or nullptr when absent.
  Result<const rapidjson::Value*> Array(std::string_view key) const;
  // Like String() but absence is an error.
  Result<std::string> RequiredString(std::string_view key) const;

  std::string PathOf(std::string_view key) const { return JoinPath(path_, key); }
  Status Error(std::string_view key, std::string_view reason) const {
    return PathError(source_, PathOf(key), reason);
  }
  const std::string& path() const { return path_; }
  std::string_view source() const { return source_; }

 private:
  ObjectReader(const rapidjson::Value& value, std::string path, std::string_view source)
      : value_(&value), path_(std::move(path)), source_(source) {}
  Status TypeError(std::string_view key, const rapidjson::Value& v,
                   std::string_view expected) const;

  const rapidjson::Value* value_;  // Borrowed from the caller's document.
  std::string path_;
  std::string_view source_;  // Borrowed: the caller's source name outlives the reader.
};

}  // namespace shale::json
