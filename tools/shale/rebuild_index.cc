// `shale rebuild-index --data DIR [--node-id ID --cluster-id ID]`: rebuilds the LMDB index of a
// stopped node's data directory from its segment files alone (storage::Engine::RebuildIndex),
// then reopens the engine and prints what the new index holds.

#include <chrono>
#include <cstdio>
#include <string>

#include "common/fs/file_system.h"
#include "common/log.h"
#include "storage/engine.h"
#include "storage/segment_format.h"
#include "storage/segment_header.h"
#include "tools/shale/commands.h"

namespace shale::cli {
namespace {

struct Summary {
  uint64_t segments_scanned = 0;
  uint64_t shards = 0;
  uint64_t versions = 0;
  uint64_t buckets = 0;
  uint64_t live_bytes = 0;
};

// Segment files in DIR/segments; refuses a directory that is missing or holds none, before the
// old index is touched.
Result<uint64_t> CountSegmentFiles(fs::FileSystem& fs, const std::string& dir) {
  SHALE_ASSIGN_OR_RETURN(bool exists, fs.Exists(dir));
  if (!exists) return Status::NotFound("data directory " + dir + " does not exist");
  const std::string segments = dir + "/" + storage::kSegmentsDirName;
  SHALE_ASSIGN_OR_RETURN(bool has_segments_dir, fs.Exists(segments));
  uint64_t count = 0;
  if (has_segments_dir) {
    SHALE_ASSIGN_OR_RETURN(auto names, fs.ListDir(segments));
    for (const auto& name : names) count += storage::ParseSegmentFileName(name) ? 1 : 0;
  }
  if (count == 0) {
    return Status::FailedPrecondition(dir + " has no segment files (" + segments +
                                      "/*.seg): nothing to rebuild the index from");
  }
  return count;
}

// Counts what the rebuilt index holds, through a fresh engine.
Status Summarize(const storage::EngineOptions& options, Summary* summary) {
  SHALE_ASSIGN_OR_RETURN(auto engine, storage::Engine::Open(options));
  SHALE_ASSIGN_OR_RETURN(summary->shards, engine->CountShards());
  SHALE_ASSIGN_OR_RETURN(auto buckets, engine->ListBuckets());
  summary->buckets = buckets.size();
  // Versions are listed per bucket: versions of a bucket without a bucket record are not
  // counted (the gateway never writes such versions).
  for (const auto& bucket : buckets) {
    storage::ListVersionsOptions list;
    list.bucket = bucket.name;
    for (;;) {
      SHALE_ASSIGN_OR_RETURN(auto page, engine->ListVersions(list));
      summary->versions += page.versions.size();
      if (!page.truncated || page.versions.empty()) break;
      list.start_after_key = page.versions.back().key;
      list.start_after_version = page.versions.back().version;
    }
  }
  SHALE_ASSIGN_OR_RETURN(auto space, engine->GetSpaceStats());
  summary->live_bytes = space.live_bytes;
  return Status::OK();
}

Status CheckRebuildArgs(const Args& args) {
  if (args.Has("node-id") != args.Has("cluster-id")) {
    return Status::InvalidArgument("--node-id and --cluster-id go together");
  }
  return Status::OK();
}

Status RunRebuildIndex(const Args& args, Io& io) {
  const auto start = std::chrono::steady_clock::now();
  fs::FileSystem* fs = fs::DefaultFileSystem();
  storage::EngineOptions options;
  options.dir = args.Get("data");
  options.node_id = args.Get("node-id");
  options.cluster_id = args.Get("cluster-id");
  options.background_compaction = false;
  SHALE_ASSIGN_OR_RETURN(uint64_t segments, CountSegmentFiles(*fs, options.dir));

  // The engine takes the directory lock too; checking first turns "locked" into advice
  // instead of an error code.
  {
    auto lock = fs->LockFile(options.dir + "/LOCK");
    if (!lock.ok() && lock.status().code() == StatusCode::kUnavailable) {
      return Status::Unavailable(options.dir +
                                 " is in use by a running process (its LOCK is held): stop the "
                                 "node first");
    }
    if (!lock.ok()) return lock.status();
  }
  // Checked before the old index is deleted: a rebuild under the wrong identity would fail
  // halfway and leave an index no node could open.
  SHALE_ASSIGN_OR_RETURN(storage::DataDirIdentity id,
                         storage::Engine::ReadSegmentIdentity(options));
  if (options.node_id.empty()) {
    options.node_id = id.node_id;
    options.cluster_id = id.cluster_id;
  } else if (options.node_id != id.node_id || options.cluster_id != id.cluster_id) {
    return Status::FailedPrecondition("the segments of " + options.dir + " belong to node '" +
                                      id.node_id + "' of cluster '" + id.cluster_id +
                                      "', not node '" + options.node_id + "' of cluster '" +
                                      options.cluster_id + "'");
  }
  log::Info("rebuilding index", {{"data", options.dir},
                                 {"segments", segments},
                                 {"node", options.node_id},
                                 {"cluster", options.cluster_id}});
  if (Status s = storage::Engine::RebuildIndex(options); !s.ok()) {
    return s.WithContext("rebuilding the index of " + options.dir);
  }
  Summary summary;
  summary.segments_scanned = segments;
  if (Status s = Summarize(options, &summary); !s.ok()) {
    return s.WithContext("reopening " + options.dir + " after the rebuild");
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log::Info("index rebuilt", {{"data", options.dir}, {"elapsed_s", elapsed}});
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.3f", elapsed);
  io.out << "rebuilt the index of " << options.dir << ": " << summary.segments_scanned
         << " segments scanned, " << summary.shards << " shards, " << summary.versions
         << " versions, " << summary.buckets << " buckets, " << summary.live_bytes
         << " live bytes in " << seconds << " s\n";
  return Status::OK();
}

}  // namespace

CommandSpec RebuildIndexCommand() {
  CommandSpec c;
  c.name = "rebuild-index";
  c.summary = "Rebuild a stopped node's index (DIR/index) from its segment files alone.";
  c.options = {
      {"data", "DIR", "the node's data directory", true},
      {"node-id", "ID", "node id to check segments against (default: the oldest segment's)"},
      {"cluster-id", "ID", "cluster id, likewise (given together with --node-id)"},
  };
  c.check = CheckRebuildArgs;
  c.run = RunRebuildIndex;
  return c;
}

}  // namespace shale::cli
