#include "common/config.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <type_traits>

#include "common/json_reader.h"

namespace shale {
namespace {

using json::ObjectReader;

constexpr size_t kMaxNodes = 4096;
constexpr size_t kMaxUsers = 100000;
constexpr size_t kMaxPathChars = 4096;
constexpr size_t kMaxSecretChars = 1024;
constexpr size_t kMaxDisplayNameChars = 256;

bool IsIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsUserNameChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '@' || c == '+' || c == '-';
}
bool IsPrintable(char c) { return c >= 0x20 && c <= 0x7e; }

template <typename Pred>
bool AllOf(std::string_view s, Pred pred) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

// Checks length and alphabet; `what` describes the alphabet in the error.
Status CheckToken(const ObjectReader& r, std::string_view key, std::string_view value,
                  size_t min_len, size_t max_len, bool (*pred)(char), std::string_view what) {
  if (value.size() < min_len || value.size() > max_len || !AllOf(value, pred)) {
    return r.Error(key, json::Quote(value) + " must be " + std::to_string(min_len) + ".." +
                            std::to_string(max_len) + " characters of " + std::string(what));
  }
  return Status::OK();
}

// A secret is never echoed into an error message.
Status CheckSecret(std::string_view source, const std::string& path, std::string_view secret,
                   size_t min_len) {
  if (secret.size() < min_len || secret.size() > kMaxSecretChars) {
    return json::PathError(source, path,
                           "secret is " + std::to_string(secret.size()) + " characters; need " +
                               std::to_string(min_len) + ".." + std::to_string(kMaxSecretChars));
  }
  if (!AllOf(secret, IsPrintable)) {
    return json::PathError(source, path, "secret must be printable ASCII");
  }
  return Status::OK();
}

Status CheckPath(const ObjectReader& r, std::string_view key, std::string_view path) {
  if (path.empty() || path.size() > kMaxPathChars || path.find('\0') != std::string_view::npos) {
    return r.Error(key, "must be a non-empty path without NUL, at most " +
                            std::to_string(kMaxPathChars) + " bytes");
  }
  return Status::OK();
}

template <typename T>
Status ReadUint(const ObjectReader& r, std::string_view key, uint64_t min, uint64_t max, T* out) {
  SHALE_ASSIGN_OR_RETURN(std::optional<uint64_t> v, r.Uint(key, min, max));
  if (v.has_value()) *out = static_cast<T>(*v);
  return Status::OK();
}

Result<User> ParseUser(const rapidjson::Value& value, std::string path, std::string_view source) {
  SHALE_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, std::move(path), source,
                                                            {"name", "access_key", "secret_key",
                                                             "id", "display_name", "admin"}));
  User user;
  SHALE_ASSIGN_OR_RETURN(user.name, r.RequiredString("name"));
  SHALE_RETURN_IF_ERROR(
      CheckToken(r, "name", user.name, 1, 64, IsUserNameChar, "[A-Za-z0-9._@+-]"));
  SHALE_ASSIGN_OR_RETURN(user.access_key, r.RequiredString("access_key"));
  if (user.access_key.size() < 16 || user.access_key.size() > 128 ||
      !AllOf(user.access_key, IsAlnum)) {
    return r.Error("access_key", "must be 16..128 characters of [A-Za-z0-9]");
  }
  SHALE_ASSIGN_OR_RETURN(user.secret_key, r.RequiredString("secret_key"));
  SHALE_RETURN_IF_ERROR(CheckSecret(source, r.PathOf("secret_key"), user.secret_key, 20));
  SHALE_ASSIGN_OR_RETURN(std::optional<std::string> id, r.String("id"));
  user.id = id.value_or(user.name);
  SHALE_RETURN_IF_ERROR(CheckToken(r, "id", user.id, 1, 128, IsUserNameChar, "[A-Za-z0-9._@+-]"));
  SHALE_ASSIGN_OR_RETURN(std::optional<std::string> display, r.String("display_name"));
  user.display_name = display.value_or(user.name);
  if (user.display_name.empty() || user.display_name.size() > kMaxDisplayNameChars ||
      !AllOf(user.display_name,
             [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; })) {
    return r.Error("display_name", "must be 1.." + std::to_string(kMaxDisplayNameChars) +
                                       " bytes without control characters");
  }
  SHALE_ASSIGN_OR_RETURN(std::optional<bool> admin, r.Bool("admin"));
  user.admin = admin.value_or(false);
  return user;
}

// The users array of both the cluster config and the users file.
Result<std::vector<User>> ParseUsers(const rapidjson::Value& array, const std::string& path,
                                     std::string_view source) {
  if (array.Size() > kMaxUsers) {
    return json::PathError(source, path, "more than " + std::to_string(kMaxUsers) + " users");
  }
  std::vector<User> users;
  std::set<std::string> names, keys, ids;
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    std::string item = json::IndexPath(path, i);
    SHALE_ASSIGN_OR_RETURN(User user, ParseUser(array[i], item, source));
    if (!names.insert(user.name).second) {
      return json::PathError(source, json::JoinPath(item, "name"),
                             json::Quote(user.name) + " is used by an earlier user");
    }
    if (!ids.insert(user.id).second) {
      return json::PathError(source, json::JoinPath(item, "id"),
                             json::Quote(user.id) + " is used by an earlier user");
    }
    if (!keys.insert(user.access_key).second) {
      return json::PathError(source, json::JoinPath(item, "access_key"),
                             "is used by an earlier user");
    }
    users.push_back(std::move(user));
  }
  return users;
}

Result<NodeConfig> ParseNode(const rapidjson::Value& value, std::string path,
                             std::string_view source) {
  SHALE_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, std::move(path), source,
                                                            {"id", "address", "data_dir"}));
  NodeConfig node;
  SHALE_ASSIGN_OR_RETURN(node.id, r.RequiredString("id"));
  SHALE_RETURN_IF_ERROR(CheckToken(r, "id", node.id, 1, 64, IsIdChar, "[a-z0-9-]"));
  SHALE_ASSIGN_OR_RETURN(node.address, r.RequiredString("address"));
  Result<HostPort> hp = ParseHostPort(node.address);
  if (!hp.ok()) {
    const std::string& detail = hp.status().message();
    return r.Error("address", json::Quote(node.address) + " is not host:port" +
                                  (detail.empty() ? "" : " (" + detail + ")"));
  }
  SHALE_ASSIGN_OR_RETURN(std::optional<std::string> dir, r.String("data_dir"));
  if (dir.has_value()) {
    SHALE_RETURN_IF_ERROR(CheckPath(r, "data_dir", *dir));
    node.data_dir = std::move(*dir);
  }
  return node;
}

Status ParseStorage(const rapidjson::Value& value, std::string_view source, StorageConfig* s) {
  SHALE_ASSIGN_OR_RETURN(
      ObjectReader r, ObjectReader::Open(value, "storage", source,
                                         {"segment_size", "lmdb_map_size", "compaction_threshold",
                                          "space_reserve_bytes", "group_commit_max_batch",
                                          "scrub_rate_bytes_per_sec", "scrub_period_seconds"}));
  SHALE_RETURN_IF_ERROR(ReadUint(r, "segment_size", 1 * kMiB, 16 * kGiB, &s->segment_size));
  SHALE_RETURN_IF_ERROR(ReadUint(r, "lmdb_map_size", 16 * kMiB, 1024 * kGiB, &s->lmdb_map_size));
  SHALE_ASSIGN_OR_RETURN(std::optional<double> threshold, r.Number("compaction_threshold"));
  if (threshold.has_value()) {
    if (!(*threshold > 0 && *threshold < 1)) {
      return r.Error("compaction_threshold", "must be between 0 and 1 (exclusive)");
    }
    s->compaction_threshold = *threshold;
  }
  SHALE_RETURN_IF_ERROR(
      ReadUint(r, "space_reserve_bytes", 0, uint64_t{1} << 50, &s->space_reserve_bytes));
  SHALE_RETURN_IF_ERROR(
      ReadUint(r, "group_commit_max_batch", 1, 65536, &s->group_commit_max_batch));
  SHALE_RETURN_IF_ERROR(ReadUint(r, "scrub_rate_bytes_per_sec", 0, uint64_t{100} << 30,
                                 &s->scrub_rate_bytes_per_sec));
  SHALE_RETURN_IF_ERROR(
      ReadUint(r, "scrub_period_seconds", 1, uint64_t{3650} * 86400, &s->scrub_period_seconds));
  return Status::OK();
}

Status ParseRepair(const rapidjson::Value& value, std::string_view source, RepairConfig* c) {
  SHALE_ASSIGN_OR_RETURN(ObjectReader r,
                         ObjectReader::Open(value, "repair", source,
                                            {"rate_bytes_per_sec", "sweep_period_seconds",
                                             "orphan_grace_seconds", "coordinator_check_seconds"}));
  SHALE_RETURN_IF_ERROR(
      ReadUint(r, "rate_bytes_per_sec", 0, uint64_t{100} << 30, &c->rate_bytes_per_sec));
  SHALE_RETURN_IF_ERROR(
      ReadUint(r, "sweep_period_seconds", 1, uint64_t{3650} * 86400, &c->sweep_period_seconds));
  SHALE_RETURN_IF_ERROR(
      ReadUint(r, "orphan_grace_seconds", 1, uint64_t{3650} * 86400, &c->orphan_grace_seconds));
  SHALE_RETURN_IF_ERROR(
      ReadUint(r, "coordinator_check_seconds", 1, 3600, &c->coordinator_check_seconds));
  return Status::OK();
}

Status ParseNodes(const ObjectReader& root, ClusterConfig* config) {
  SHALE_ASSIGN_OR_RETURN(const rapidjson::Value* nodes, root.Array("nodes"));
  if (nodes == nullptr) return root.Error("nodes", "missing (required)");
  if (nodes->Size() > kMaxNodes) {
    return root.Error("nodes", "more than " + std::to_string(kMaxNodes) + " nodes");
  }
  std::set<std::string> ids;
  for (rapidjson::SizeType i = 0; i < nodes->Size(); ++i) {
    std::string path = json::IndexPath("nodes", i);
    SHALE_ASSIGN_OR_RETURN(NodeConfig node, ParseNode((*nodes)[i], path, root.source()));
    if (!ids.insert(node.id).second) {
      return json::PathError(root.source(), path + ".id",
                             json::Quote(node.id) + " is used by an earlier node");
    }
    config->nodes.push_back(std::move(node));
  }
  const ErasureConfig& e = config->erasure;
  if (config->nodes.empty()) return root.Error("nodes", "must list at least one node");
  if (config->nodes.size() % e.set_size() != 0) {
    return root.Error("nodes", std::to_string(config->nodes.size()) +
                                   " nodes cannot form erasure sets of " +
                                   std::to_string(e.set_size()) + " (k=" + std::to_string(e.k) +
                                   " + m=" + std::to_string(e.m) + ")");
  }
  return Status::OK();
}

// Checks between fields, after each field passed its own checks.
Status CheckCrossFields(const ObjectReader& r, bool has_write_quorum, bool has_read_quorum,
                        ClusterConfig* c) {
  const uint32_t k = c->erasure.k;
  const uint32_t n = c->erasure.set_size();
  if (!has_write_quorum) c->write_quorum = std::min(k + 1, n);
  if (!has_read_quorum) c->read_quorum = k;
  if (c->write_quorum < k || c->write_quorum > n) {
    return r.Error("write_quorum", std::to_string(c->write_quorum) + " is outside k..k+m = " +
                                       std::to_string(k) + ".." + std::to_string(n));
  }
  if (c->read_quorum < 1 || c->read_quorum > n) {
    return r.Error("read_quorum",
                   std::to_string(c->read_quorum) + " is outside 1..k+m = 1.." + std::to_string(n));
  }
  if (c->inline_limit > c->chunk_size) {
    return r.Error("inline_limit", std::to_string(c->inline_limit) +
                                       " is larger than chunk_size (" +
                                       std::to_string(c->chunk_size) + ")");
  }
  if (c->storage.segment_size < 2 * c->chunk_size) {
    return json::PathError(r.source(), "storage.segment_size",
                           std::to_string(c->storage.segment_size) +
                               " must be at least 2 * chunk_size (" +
                               std::to_string(2 * c->chunk_size) + ")");
  }
  return Status::OK();
}

Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno, "open " + path);
  std::string data;
  char buf[64 * 1024];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > max_bytes) {
      return Status::InvalidArgument(path + ": larger than " + std::to_string(max_bytes) +
                                     " bytes");
    }
  }
  if (in.bad()) return Status::IOError("read " + path);
  return data;
}

}  // namespace

Result<HostPort> ParseHostPort(std::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return Status::InvalidArgument("");
  std::string_view host = address.substr(0, colon);
  std::string_view port = address.substr(colon + 1);
  HostPort out;
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return Status::InvalidArgument("unterminated [IPv6] host");
    }
    host = host.substr(1, host.size() - 2);
    bool ok = AllOf(host, [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
             c == ':' || c == '.';
    });
    if (!ok || host.find(':') == std::string_view::npos) {
      return Status::InvalidArgument("bad IPv6 address");
    }
  } else {
    bool ok = !host.empty() && host.size() <= 253 && host.front() != '-' && host.front() != '.' &&
              AllOf(host, [](char c) { return IsAlnum(c) || c == '-' || c == '.'; });
    if (!ok) return Status::InvalidArgument("host must be a DNS name or an IP address");
  }
  if (port.empty() || port.size() > 5 || port.front() == '0' ||
      !AllOf(port, [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("port must be 1..65535");
  }
  uint32_t p = 0;
  for (char c : port) p = p * 10 + static_cast<uint32_t>(c - '0');
  if (p > 65535) return Status::InvalidArgument("port must be 1..65535");
  out.host = std::string(host);
  out.port = static_cast<uint16_t>(p);
  return out;
}

Result<ClusterConfig> ParseClusterConfig(std::string_view text, std::string_view source) {
  rapidjson::Document doc;
  SHALE_RETURN_IF_ERROR(json::ParseDocument(text, source, &doc));
  SHALE_ASSIGN_OR_RETURN(
      ObjectReader r,
      ObjectReader::Open(doc, "", source,
                         {"cluster_id", "nodes", "erasure", "chunk_size", "inline_limit",
                          "write_quorum", "read_quorum", "cluster_secret", "cluster_secret_file",
                          "users", "storage", "repair", "multipart_min_part_size"}));
  ClusterConfig c;
  SHALE_ASSIGN_OR_RETURN(c.cluster_id, r.RequiredString("cluster_id"));
  SHALE_RETURN_IF_ERROR(CheckToken(r, "cluster_id", c.cluster_id, 1, 64, IsIdChar, "[a-z0-9-]"));

  if (const rapidjson::Value* erasure = r.Find("erasure")) {
    SHALE_ASSIGN_OR_RETURN(ObjectReader e,
                           ObjectReader::Open(*erasure, "erasure", source, {"k", "m"}));
    SHALE_RETURN_IF_ERROR(ReadUint(e, "k", 1, ErasureConfig::kMaxK, &c.erasure.k));
    SHALE_RETURN_IF_ERROR(ReadUint(e, "m", 0, ErasureConfig::kMaxM, &c.erasure.m));
  }
  SHALE_RETURN_IF_ERROR(ParseNodes(r, &c));
  SHALE_RETURN_IF_ERROR(ReadUint(r, "chunk_size", ClusterConfig::kMinChunkSize,
                                 ClusterConfig::kMaxChunkSize, &c.chunk_size));
  SHALE_RETURN_IF_ERROR(
      ReadUint(r, "inline_limit", 0, ClusterConfig::kMaxChunkSize, &c.inline_limit));
  const uint32_t max_quorum = ErasureConfig::kMaxK + ErasureConfig::kMaxM;
  SHALE_RETURN_IF_ERROR(ReadUint(r, "write_quorum", 1, max_quorum, &c.write_quorum));
  SHALE_RETURN_IF_ERROR(ReadUint(r, "read_quorum", 1, max_quorum, &c.read_quorum));

  SHALE_ASSIGN_OR_RETURN(std::optional<std::string> secret, r.String("cluster_secret"));
  SHALE_ASSIGN_OR_RETURN(std::optional<std::string> secret_file, r.String("cluster_secret_file"));
  if (secret.has_value() == secret_file.has_value()) {
    return r.Error("cluster_secret",
                   "exactly one of cluster_secret and cluster_secret_file must be set");
  }
  if (secret.has_value()) {
    SHALE_RETURN_IF_ERROR(
        CheckSecret(source, "cluster_secret", *secret, ClusterConfig::kMinSecretChars));
    c.cluster_secret = std::move(*secret);
  } else {
    SHALE_RETURN_IF_ERROR(CheckPath(r, "cluster_secret_file", *secret_file));
    c.cluster_secret_file = std::move(*secret_file);
  }

  SHALE_ASSIGN_OR_RETURN(const rapidjson::Value* users, r.Array("users"));
  if (users != nullptr) {
    SHALE_ASSIGN_OR_RETURN(c.users, ParseUsers(*users, "users", source));
  }
  if (const rapidjson::Value* storage = r.Find("storage")) {
    SHALE_RETURN_IF_ERROR(ParseStorage(*storage, source, &c.storage));
  }
  if (const rapidjson::Value* repair = r.Find("repair")) {
    SHALE_RETURN_IF_ERROR(ParseRepair(*repair, source, &c.repair));
  }
  SHALE_RETURN_IF_ERROR(
      ReadUint(r, "multipart_min_part_size", 1, 5 * kGiB, &c.multipart_min_part_size));
  SHALE_RETURN_IF_ERROR(
      CheckCrossFields(r, r.Find("write_quorum") != nullptr, r.Find("read_quorum") != nullptr, &c));
  return c;
}

Result<ClusterConfig> LoadClusterConfig(const std::string& path) {
  SHALE_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, json::ParseLimits().max_bytes));
  SHALE_ASSIGN_OR_RETURN(ClusterConfig config, ParseClusterConfig(text, path));
  if (config.cluster_secret_file.empty()) return config;
  std::string secret_path = config.cluster_secret_file;
  size_t slash = path.rfind('/');
  if (secret_path.front() != '/' && slash != std::string::npos) {
    secret_path = path.substr(0, slash + 1) + secret_path;
  }
  Result<std::string> secret = ReadWholeFile(secret_path, kMaxSecretChars + 2);
  if (!secret.ok()) {
    return json::PathError(path, "cluster_secret_file", secret.status().message());
  }
  std::string s = std::move(secret).value();
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  SHALE_RETURN_IF_ERROR(CheckSecret(path, "cluster_secret_file (" + secret_path + ")", s,
                                    ClusterConfig::kMinSecretChars));
  config.cluster_secret = std::move(s);
  return config;
}

Result<std::vector<User>> ParseUsersFile(std::string_view text, std::string_view source) {
  rapidjson::Document doc;
  SHALE_RETURN_IF_ERROR(json::ParseDocument(text, source, &doc));
  SHALE_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, "", source, {"users"}));
  SHALE_ASSIGN_OR_RETURN(const rapidjson::Value* users, r.Array("users"));
  if (users == nullptr) return r.Error("users", "missing (required)");
  return ParseUsers(*users, "users", source);
}

Result<std::vector<User>> LoadUsersFile(const std::string& path) {
  SHALE_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, json::ParseLimits().max_bytes));
  return ParseUsersFile(text, path);
}

std::string ClusterConfigToJson(const ClusterConfig& c) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  // Writes "key": value for the value types a config holds.
  auto kv = [&](std::string_view key, const auto& value) {
    str(key);
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<T, bool>) {
      w.Bool(value);
    } else if constexpr (std::is_same_v<T, double>) {
      w.Double(value);
    } else if constexpr (std::is_integral_v<T>) {
      w.Uint64(value);
    } else {
      str(value);
    }
  };
  w.StartObject();
  kv("cluster_id", c.cluster_id);
  str("nodes");
  w.StartArray();
  for (const NodeConfig& n : c.nodes) {
    w.StartObject();
    kv("id", n.id);
    kv("address", n.address);
    if (!n.data_dir.empty()) kv("data_dir", n.data_dir);
    w.EndObject();
  }
  w.EndArray();
  str("erasure");
  w.StartObject();
  kv("k", c.erasure.k);
  kv("m", c.erasure.m);
  w.EndObject();
  kv("chunk_size", c.chunk_size);
  kv("inline_limit", c.inline_limit);
  kv("write_quorum", c.write_quorum);
  kv("read_quorum", c.read_quorum);
  if (!c.cluster_secret_file.empty()) {
    kv("cluster_secret_file", c.cluster_secret_file);
  } else {
    kv("cluster_secret", c.cluster_secret);
  }
  str("users");
  w.StartArray();
  for (const User& u : c.users) {
    w.StartObject();
    kv("name", u.name);
    kv("access_key", u.access_key);
    kv("secret_key", u.secret_key);
    kv("id", u.id);
    kv("display_name", u.display_name);
    kv("admin", u.admin);
    w.EndObject();
  }
  w.EndArray();
  str("storage");
  w.StartObject();
  kv("segment_size", c.storage.segment_size);
  kv("lmdb_map_size", c.storage.lmdb_map_size);
  kv("compaction_threshold", c.storage.compaction_threshold);
  kv("space_reserve_bytes", c.storage.space_reserve_bytes);
  kv("group_commit_max_batch", c.storage.group_commit_max_batch);
  kv("scrub_rate_bytes_per_sec", c.storage.scrub_rate_bytes_per_sec);
  kv("scrub_period_seconds", c.storage.scrub_period_seconds);
  w.EndObject();
  str("repair");
  w.StartObject();
  kv("rate_bytes_per_sec", c.repair.rate_bytes_per_sec);
  kv("sweep_period_seconds", c.repair.sweep_period_seconds);
  kv("orphan_grace_seconds", c.repair.orphan_grace_seconds);
  kv("coordinator_check_seconds", c.repair.coordinator_check_seconds);
  w.EndObject();
  kv("multipart_min_part_size", c.multipart_min_part_size);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace shale
