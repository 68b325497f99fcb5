#pragma once

// Small whole-file helpers over any FileSystem, for node.json and similar small files.
// Thread-safety: free functions; as safe as the FileSystem they are given.

#include <cstddef>
#include <string>
#include <string_view>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "common/status.h"

namespace shale::fs {

// Reads the whole file. Fails with OutOfRange if it holds more than `max_bytes` bytes, so a
// damaged or hostile file cannot make the caller allocate without bound.
Result<std::string> ReadFileToString(FileSystem& fs, const std::string& path, size_t max_bytes);

// Replaces `path` with `contents` so that a crash leaves either the old or the new file,
// never a torn one: writes `path`.tmp, syncs and closes it, renames it over `path`, then
// syncs the parent directory. On failure `path` is unchanged (a stale `path`.tmp may remain;
// the next call truncates it).
Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view contents);

// The directory part of `path`: "a/b" for "a/b/c", "/" for "/c", "." for "c".
std::string ParentDir(std::string_view path);

}  // namespace shale::fs
