#pragma once

// The data directory of `shale server` (tools/shale/server.cc): what it keeps there besides the
// drives' data, and how a first start creates it and a restart reopens it.
//
//   DIR/cluster.json       the cluster config of the local drives (cluster id, node ids, erasure
//                          code, cluster secret); mode 0600
//   DIR/credentials.json   the generated admin user, in the users-file schema; mode 0600
//   DIR/drive-<i>/         the data directory of in-process node `node-<i>`
//
// A restart reads cluster.json back, so the same drives reopen under the same identities; a
// layout given on the command line that contradicts it is refused rather than silently
// ignored. Thread-safety: free functions, meant for startup (they change the process umask
// while writing secret files, so call them before any other thread exists).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "common/status.h"

namespace shale::cli {

inline constexpr char kServerConfigFile[] = "cluster.json";
inline constexpr char kServerCredentialsFile[] = "credentials.json";
inline constexpr char kAdminUserName[] = "admin";

struct ServerLayout {
  uint32_t drives = 6;
  uint32_t k = 4;
  uint32_t m = 2;
};

// Checks a layout: 1 <= k <= 16, m <= 4, drives a positive multiple of k + m, at most 4096.
Status CheckServerLayout(const ServerLayout& layout);

// `DIR/drive-<i>` (as an absolute path when `data_dir` is one).
std::string DriveDir(const std::string& data_dir, uint32_t i);

// Loads DIR/cluster.json, or creates it (and DIR) on first start. `requested` is the layout
// asked for on the command line, if any: against an existing config it must match. The nodes'
// data_dir fields are set to DIR/drive-<i> for the DIR given now (the file is rewritten if the
// directory moved).
Result<ClusterConfig> LoadOrCreateServerConfig(const std::string& data_dir,
                                               std::optional<ServerLayout> requested);

// The admin user. When `access_key`/`secret_key` are given (from SHALE_ACCESS_KEY /
// SHALE_SECRET_KEY; both or neither) they are used and nothing is written; otherwise
// DIR/credentials.json is read, or created with fresh random keys on first start.
struct AdminCredentials {
  User user;
  enum class Source { kEnvironment, kGenerated, kStored } source = Source::kStored;
};
Result<AdminCredentials> LoadOrCreateAdmin(const std::string& data_dir,
                                           std::optional<std::string> access_key,
                                           std::optional<std::string> secret_key);

// The admin plus the users of `users_file` (if not empty); a clash of names, ids or access
// keys with the admin is InvalidArgument.
Result<std::vector<User>> ServerUsers(const User& admin, const std::string& users_file);

// `length` characters drawn uniformly from `alphabet` with OpenSSL's CSPRNG.
Result<std::string> RandomToken(size_t length, std::string_view alphabet);

}  // namespace shale::cli
