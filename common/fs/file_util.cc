#include "common/fs/file_util.h"

#include <algorithm>
#include <memory>
#include <span>

namespace shale::fs {

Result<std::string> ReadFileToString(FileSystem& fs, const std::string& path, size_t max_bytes) {
  SHALE_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, fs.NewSequentialFile(path));
  constexpr size_t kChunk = 64 * 1024;
  std::string out;
  while (true) {
    // Ask for one byte past the limit, so an oversized file is told apart from an exact fit.
    const size_t room = max_bytes - out.size();
    const size_t old_size = out.size();
    out.resize(old_size + (room >= kChunk ? kChunk : room + 1));
    SHALE_ASSIGN_OR_RETURN(
        size_t n, file->Read(std::span<char>(out.data() + old_size, out.size() - old_size)));
    out.resize(old_size + n);
    if (out.size() > max_bytes) {
      return Status::OutOfRange("read " + path + ": file is larger than " +
                                std::to_string(max_bytes) + " bytes");
    }
    if (n == 0) return out;
  }
}

Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp";
  {
    SHALE_ASSIGN_OR_RETURN(std::unique_ptr<AppendableFile> file,
                           fs.NewAppendableFile(tmp, OpenMode::kTruncate));
    SHALE_RETURN_IF_ERROR(file->Append(contents));
    SHALE_RETURN_IF_ERROR(file->Sync());
    SHALE_RETURN_IF_ERROR(file->Close());
  }
  SHALE_RETURN_IF_ERROR(fs.Rename(tmp, path));
  return fs.SyncDir(ParentDir(path));
}

std::string ParentDir(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace shale::fs
