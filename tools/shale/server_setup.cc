#include "tools/shale/server_setup.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <set>
#include <utility>

#include "common/fs/file_system.h"
#include "common/fs/file_util.h"

namespace shale::cli {
namespace {

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr size_t kMaxSmallFile = 16 * kMiB;

// Files created while it lives are readable by the owner only. umask is per process: used
// only during single-threaded startup.
class OwnerOnlyUmask {
 public:
  OwnerOnlyUmask() : old_(::umask(077)) {}
  ~OwnerOnlyUmask() { ::umask(old_); }
  OwnerOnlyUmask(const OwnerOnlyUmask&) = delete;
  OwnerOnlyUmask& operator=(const OwnerOnlyUmask&) = delete;

 private:
  mode_t old_;
};

// Writes a secret-bearing file atomically with mode 0600 (also when an older copy had another
// mode).
Status WriteSecretFile(const std::string& path, std::string_view contents) {
  OwnerOnlyUmask umask_guard;
  SHALE_RETURN_IF_ERROR(fs::WriteFileAtomically(*fs::DefaultFileSystem(), path, contents));
  if (::chmod(path.c_str(), 0600) != 0) return Status::FromErrno(errno, "chmod " + path);
  return Status::OK();
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string LayoutText(const ServerLayout& l) {
  return std::to_string(l.drives) + " drives, erasure " + std::to_string(l.k) + "+" +
         std::to_string(l.m);
}

// The users-file form of one user (ParseUsersFile reads it back).
std::string UsersFileJson(const User& u) {
  // Generated keys are alphanumeric and the name is fixed, so no JSON escaping is needed.
  return "{\n  \"users\": [\n    {\"name\": \"" + u.name + "\", \"access_key\": \"" + u.access_key +
         "\", \"secret_key\": \"" + u.secret_key + "\", \"admin\": true}\n  ]\n}\n";
}

Result<ClusterConfig> NewServerConfig(const std::string& data_dir, const ServerLayout& layout) {
  ClusterConfig config;
  SHALE_ASSIGN_OR_RETURN(std::string id, RandomToken(12, kLower));
  config.cluster_id = "shale-" + id;
  SHALE_ASSIGN_OR_RETURN(config.cluster_secret, RandomToken(48, kAlnum));
  config.erasure.k = layout.k;
  config.erasure.m = layout.m;
  config.write_quorum = std::min(layout.k + 1, layout.k + layout.m);
  config.read_quorum = layout.k;
  for (uint32_t i = 0; i < layout.drives; ++i) {
    // The nodes run inside the server process and serve no internal API: the address is a
    // placeholder that the config schema accepts (ParseHostPort) and nothing dials.
    config.nodes.push_back(NodeConfig{
        "node-" + std::to_string(i), "in-process:" + std::to_string(i + 1), DriveDir(data_dir, i)});
  }
  return config;
}

}  // namespace

Status CheckServerLayout(const ServerLayout& l) {
  if (l.k < 1 || l.k > ErasureConfig::kMaxK) {
    return Status::InvalidArgument("--k must be 1.." + std::to_string(ErasureConfig::kMaxK));
  }
  if (l.m > ErasureConfig::kMaxM) {
    return Status::InvalidArgument("--m must be 0.." + std::to_string(ErasureConfig::kMaxM));
  }
  if (l.drives == 0 || l.drives > 4096 || l.drives % (l.k + l.m) != 0) {
    return Status::InvalidArgument("--drives " + std::to_string(l.drives) +
                                   " must be a multiple of k+m = " + std::to_string(l.k + l.m) +
                                   " (at most 4096)");
  }
  return Status::OK();
}

std::string DriveDir(const std::string& data_dir, uint32_t i) {
  return data_dir + "/drive-" + std::to_string(i);
}

Result<std::string> RandomToken(size_t length, std::string_view alphabet) {
  if (alphabet.empty() || alphabet.size() > 256) {
    return Status::InvalidArgument("alphabet must hold 1..256 characters");
  }
  // Rejection sampling: bytes at or above the largest multiple of the alphabet size are
  // dropped, so every character is equally likely.
  const unsigned limit = 256 - 256 % alphabet.size();
  std::string out;
  out.reserve(length);
  unsigned char buf[64];
  while (out.size() < length) {
    if (RAND_bytes(buf, sizeof(buf)) != 1) return Status::Internal("OpenSSL RAND_bytes failed");
    for (unsigned char b : buf) {
      if (b < limit && out.size() < length) out.push_back(alphabet[b % alphabet.size()]);
    }
  }
  return out;
}

Result<ClusterConfig> LoadOrCreateServerConfig(const std::string& data_dir_arg,
                                               std::optional<ServerLayout> requested) {
  const std::string data_dir = Absolute(data_dir_arg);
  const std::string path = data_dir + "/" + kServerConfigFile;
  fs::FileSystem& fs = *fs::DefaultFileSystem();
  SHALE_ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) {
    const ServerLayout layout = requested.value_or(ServerLayout{});
    SHALE_RETURN_IF_ERROR(CheckServerLayout(layout));
    {
      OwnerOnlyUmask umask_guard;  // The data dir holds secrets: owner only.
      SHALE_RETURN_IF_ERROR(fs.CreateDirs(data_dir));
    }
    SHALE_ASSIGN_OR_RETURN(ClusterConfig config, NewServerConfig(data_dir, layout));
    SHALE_RETURN_IF_ERROR(WriteSecretFile(path, ClusterConfigToJson(config)));
    return config;
  }
  SHALE_ASSIGN_OR_RETURN(ClusterConfig config, LoadClusterConfig(path));
  const ServerLayout stored{static_cast<uint32_t>(config.nodes.size()), config.erasure.k,
                            config.erasure.m};
  if (requested && (requested->drives != stored.drives || requested->k != stored.k ||
                    requested->m != stored.m)) {
    return Status::FailedPrecondition(data_dir + " holds a server of " + LayoutText(stored) + " (" +
                                      path + "), not " + LayoutText(*requested) +
                                      ": start it without --drives/--k/--m, or use another --data");
  }
  bool moved = false;
  for (uint32_t i = 0; i < config.nodes.size(); ++i) {
    std::string dir = DriveDir(data_dir, i);
    if (config.nodes[i].data_dir != dir) {
      config.nodes[i].data_dir = std::move(dir);
      moved = true;
    }
  }
  if (moved) SHALE_RETURN_IF_ERROR(WriteSecretFile(path, ClusterConfigToJson(config)));
  return config;
}

Result<AdminCredentials> LoadOrCreateAdmin(const std::string& data_dir,
                                           std::optional<std::string> access_key,
                                           std::optional<std::string> secret_key) {
  if (access_key.has_value() != secret_key.has_value()) {
    return Status::InvalidArgument("set both SHALE_ACCESS_KEY and SHALE_SECRET_KEY, or neither");
  }
  AdminCredentials admin;
  if (access_key.has_value()) {
    User u{kAdminUserName, *access_key, *secret_key, kAdminUserName, kAdminUserName, true};
    // Validated by the users-file parser, so the rules are the config's own.
    SHALE_ASSIGN_OR_RETURN(std::vector<User> users,
                           ParseUsersFile(UsersFileJson(u), "SHALE_ACCESS_KEY/SHALE_SECRET_KEY"));
    admin.user = std::move(users.front());
    admin.source = AdminCredentials::Source::kEnvironment;
    return admin;
  }
  const std::string path = Absolute(data_dir) + "/" + kServerCredentialsFile;
  SHALE_ASSIGN_OR_RETURN(bool exists, fs::DefaultFileSystem()->Exists(path));
  if (exists) {
    SHALE_ASSIGN_OR_RETURN(std::vector<User> users, LoadUsersFile(path));
    if (users.size() != 1) {
      return Status::InvalidArgument(path + ": expected exactly one user (the admin)");
    }
    admin.user = std::move(users.front());
    admin.source = AdminCredentials::Source::kStored;
    return admin;
  }
  SHALE_ASSIGN_OR_RETURN(std::string key, RandomToken(20, kUpper));
  SHALE_ASSIGN_OR_RETURN(std::string secret, RandomToken(40, kAlnum));
  admin.user = User{kAdminUserName, key, secret, kAdminUserName, kAdminUserName, true};
  admin.source = AdminCredentials::Source::kGenerated;
  SHALE_RETURN_IF_ERROR(WriteSecretFile(path, UsersFileJson(admin.user)));
  return admin;
}

Result<std::vector<User>> ServerUsers(const User& admin, const std::string& users_file) {
  std::vector<User> users = {admin};
  if (users_file.empty()) return users;
  SHALE_ASSIGN_OR_RETURN(std::vector<User> more, LoadUsersFile(users_file));
  for (User& u : more) {
    if (u.name == admin.name || u.id == admin.id || u.access_key == admin.access_key) {
      return Status::InvalidArgument(users_file + ": user '" + u.name +
                                     "' clashes with the admin user (same name, id or access key)");
    }
    users.push_back(std::move(u));
  }
  return users;
}

}  // namespace shale::cli
