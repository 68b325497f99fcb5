#include "storage/index_state.h"

#include "common/fs/file_util.h"

namespace shale::storage {
namespace {

constexpr char kBootIdPath[] = "/proc/sys/kernel/random/boot_id";
constexpr char kHeader[] = "shale-index-state 1\n";
constexpr size_t kMaxStateBytes = 4096;

bool ValidBootId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> CurrentBootId(fs::FileSystem& fs) {
  auto text = fs::ReadFileToString(fs, kBootIdPath, 256);
  if (!text.ok()) return std::nullopt;
  std::string id = *text;
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  if (!ValidBootId(id)) return std::nullopt;
  return id;
}

Result<std::optional<IndexState>> ReadIndexState(fs::FileSystem& fs, const std::string& dir) {
  const std::string path = dir + "/" + kIndexStateFile;
  SHALE_ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) return std::optional<IndexState>();
  SHALE_ASSIGN_OR_RETURN(std::string text, fs::ReadFileToString(fs, path, kMaxStateBytes));
  const auto bad = [&] { return Status::Corruption(path + ": malformed index state"); };
  if (!text.starts_with(kHeader)) return bad();
  std::string_view rest = std::string_view(text).substr(sizeof(kHeader) - 1);
  IndexState state;
  constexpr std::string_view kBoot = "boot_id=", kClean = "clean=";
  const size_t nl = rest.find('\n');
  if (nl == std::string_view::npos || !rest.starts_with(kBoot)) return bad();
  state.boot_id = std::string(rest.substr(kBoot.size(), nl - kBoot.size()));
  rest.remove_prefix(nl + 1);
  if (rest != "clean=0\n" && rest != "clean=1\n") return bad();
  state.clean = rest[kClean.size()] == '1';
  if (!ValidBootId(state.boot_id)) return bad();
  return std::optional<IndexState>(std::move(state));
}

Status WriteIndexState(fs::FileSystem& fs, const std::string& dir, const IndexState& state) {
  std::string text = kHeader;
  text += "boot_id=" + state.boot_id + "\n";
  text += state.clean ? "clean=1\n" : "clean=0\n";
  return fs::WriteFileAtomically(fs, dir + "/" + kIndexStateFile, text);
}

bool IndexMayBeTorn(const std::optional<IndexState>& state, const std::string& boot_id) {
  return state.has_value() && !state->clean && state->boot_id != boot_id;
}

}  // namespace shale::storage
