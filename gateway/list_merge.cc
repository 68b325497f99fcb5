#include "gateway/list_merge.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <utility>

#include "common/node_fanout.h"
#include "common/object_record.h"
#include "gateway/object_key.h"

namespace shale::gateway {
namespace {

using node_wire::WireVersion;

// The largest key S3 allows that starts with `prefix` (the prefix padded with 0xFF to the key
// size limit): listing after it skips every key under `prefix` and nothing else.
std::string PastPrefix(std::string_view prefix) {
  std::string s(prefix);
  if (s.size() < kMaxObjectKeyBytes) s.append(kMaxObjectKeyBytes - s.size(), '\xff');
  return s;
}

// The common prefix `key` falls under: the prefix, then up to and including the first
// delimiter after it; nullopt when there is no delimiter or it does not occur.
std::optional<std::string_view> CommonPrefixOf(std::string_view key, std::string_view prefix,
                                               std::string_view delimiter) {
  if (delimiter.empty() || !key.starts_with(prefix)) return std::nullopt;
  size_t at = key.find(delimiter, prefix.size());
  if (at == std::string_view::npos) return std::nullopt;
  return key.substr(0, at + delimiter.size());
}

// One node's ordered listing (latest only, or every version), fetched a page at a time as the
// merge consumes it.
struct NodeStream {
  size_t set = 0;
  NodeClient* node = nullptr;
  std::optional<std::string> cursor;  // The next page lists keys after this one,
  // or, with every version, versions after this one of the cursor key (then later keys).
  std::optional<NodeVersionId> cursor_version;
  std::deque<WireVersion> buffer;  // Fetched, not yet consumed; key order.
  bool at_end = false;             // The node holds nothing after the buffer.

  bool NeedsFetch() const { return buffer.empty() && !at_end; }
};

// The k-way merge over every stream of every set, one distinct key at a time. It borrows the
// sets, bucket and prefix for its lifetime (one MergeListing call).
// Thread-safety: one thread drives it; only the node calls of FillHeads run in parallel, and
// they only read the streams.
class Merger {
 public:
  Merger(std::span<const ListSet> sets, std::string_view bucket, std::string_view prefix,
         uint32_t fetch_limit, uint64_t fetch_bytes, bool latest_only = true)
      : sets_(sets),
        bucket_(bucket),
        prefix_(prefix),
        fetch_limit_(fetch_limit),
        fetch_bytes_(fetch_bytes),
        latest_only_(latest_only) {}

  Status Start(const std::optional<std::string>& cursor,
               std::optional<NodeVersionId> cursor_version = std::nullopt) {
    next_unused_.resize(sets_.size());
    for (size_t s = 0; s < sets_.size(); ++s) {
      const ListSet& set = sets_[s];
      if (set.nodes.size() < set.read_quorum) {
        return Status::Unavailable("erasure set " + std::to_string(s) + " has " +
                                   std::to_string(set.nodes.size()) +
                                   " nodes, fewer than its read quorum");
      }
      for (uint32_t i = 0; i < set.read_quorum; ++i) {
        NodeStream stream;
        stream.set = s;
        stream.node = set.nodes[i];
        stream.cursor = cursor;
        stream.cursor_version = cursor_version;
        streams_.push_back(std::move(stream));
      }
      next_unused_[s] = set.read_quorum;
    }
    return Status::OK();
  }

  // The next distinct key with its newest version across all streams; nullopt at the end.
  Result<std::optional<WireVersion>> Next() {
    for (;;) {
      SHALE_RETURN_IF_ERROR(FillHeads());
      const std::string* min = nullptr;
      for (const auto& s : streams_) {
        if (!s.buffer.empty() && (min == nullptr || s.buffer.front().key < *min)) {
          min = &s.buffer.front().key;
        }
      }
      if (min == nullptr) return std::optional<WireVersion>();
      const std::string key = *min;
      std::vector<std::optional<WireVersion>> answers(streams_.size());
      for (size_t i = 0; i < streams_.size(); ++i) {
        auto& buffer = streams_[i].buffer;
        if (buffer.empty() || buffer.front().key != key) continue;
        answers[i] = std::move(buffer.front());
        buffer.pop_front();
      }
      std::optional<WireVersion> best = NewestNotPurged(key, answers);
      if (best) return best;  // Otherwise every answer was purged: the key has no version.
    }
  }

  // Every version: the next (key, version) in key order, newest version first, with the answers
  // of every stream holding it merged: purged when any of them is a purge tombstone, else the
  // record with the largest attribute revision (the first in set order on ties).
  Result<std::optional<WireVersion>> NextVersion() {
    SHALE_RETURN_IF_ERROR(FillHeads());
    const WireVersion* min = nullptr;
    for (const auto& s : streams_) {
      if (s.buffer.empty()) continue;
      const WireVersion& h = s.buffer.front();
      if (min == nullptr || h.key < min->key || (h.key == min->key && h.version > min->version)) {
        min = &h;
      }
    }
    if (min == nullptr) return std::optional<WireVersion>();
    const std::string key = min->key;
    const NodeVersionId version = min->version;
    std::optional<WireVersion> best;
    std::optional<VersionId> best_revision;  // nullopt: best does not decode as a version record.
    for (auto& s : streams_) {
      if (s.buffer.empty() || s.buffer.front().key != key || s.buffer.front().version != version) {
        continue;
      }
      WireVersion v = std::move(s.buffer.front());
      s.buffer.pop_front();
      if (best && best->kind == node_wire::WireKind::kPurged) continue;
      if (v.kind == node_wire::WireKind::kPurged) {
        best = std::move(v);
        continue;
      }
      // Records that are not object version records (other node-level buckets) or do not
      // decode rank below every one that does.
      Result<ObjectRecord> rec = DecodeObjectRecord(v.payload);
      std::optional<VersionId> revision;
      if (rec.ok()) revision = rec->attr_revision;
      if (!best || (revision && (!best_revision || *revision > *best_revision))) {
        best_revision = revision;
        best = std::move(v);
      }
    }
    return best;
  }

  // Moves every stream past all keys under `prefix`, without reading them.
  void SkipUnder(std::string_view prefix) {
    std::string past;
    for (auto& s : streams_) {
      while (!s.buffer.empty() && s.buffer.front().key.starts_with(prefix)) s.buffer.pop_front();
      if (!s.NeedsFetch()) continue;
      if (past.empty()) past = PastPrefix(prefix);
      if (!s.cursor || *s.cursor < past) {
        s.cursor = past;
        s.cursor_version.reset();
      }
    }
  }

 private:
  // The newest of `answers` (a stream's answer for `key`, by stream), on equal version ids the
  // first in set order. Nodes skip purged versions in latest-only listings, so when a stream of
  // the same set answered with something older (or nothing), a node that missed the purge of the
  // newest may be speaking: those nodes are asked, and a purged newest is dropped.
  std::optional<WireVersion> NewestNotPurged(const std::string& key,
                                             std::vector<std::optional<WireVersion>>& answers) {
    for (;;) {
      std::optional<size_t> best;
      for (size_t i = 0; i < answers.size(); ++i) {
        if (answers[i] && (!best || answers[*best]->version < answers[i]->version)) best = i;
      }
      if (!best) return std::nullopt;
      const NodeVersionId version = answers[*best]->version;
      std::vector<NodeClient*> ask;
      for (size_t i = 0; i < streams_.size(); ++i) {
        if (streams_[i].set != streams_[*best].set) continue;
        if (answers[i] && answers[i]->version == version) continue;
        if (std::count(ask.begin(), ask.end(), streams_[i].node) == 0) {
          ask.push_back(streams_[i].node);
        }
      }
      if (ask.empty()) return std::move(answers[*best]);
      auto purged = FanOut(std::span<NodeClient* const>(ask), [&](NodeClient& n) {
        auto v = n.GetVersion(bucket_, key, version);
        return v.ok() && v->kind == node_wire::WireKind::kPurged;
      });
      if (std::find(purged.begin(), purged.end(), true) == purged.end()) {
        return std::move(answers[*best]);
      }
      for (auto& a : answers) {
        if (a && a->version == version) a.reset();
      }
    }
  }

  NodeListRequest RequestFor(const NodeStream& s) const {
    NodeListRequest r;
    r.bucket = std::string(bucket_);
    r.prefix = std::string(prefix_);
    r.start_after_key = s.cursor;
    if (s.cursor && !latest_only_) r.start_after_version = s.cursor_version;
    r.limit = fetch_limit_;
    r.max_bytes = fetch_bytes_;
    r.latest_only = latest_only_;
    return r;
  }

  // Corruption unless the page continues the stream: keys strictly increasing (with every
  // version: keys not decreasing, versions of a key strictly decreasing), after the cursor,
  // under the prefix, and a truncated page is not empty.
  Status CheckPage(const NodeStream& s, const node_wire::WireVersionPage& page) const {
    const std::string* prev = s.cursor ? &*s.cursor : nullptr;
    // With every version, a cursor without a version stands after all versions of its key.
    std::optional<NodeVersionId> prev_version = s.cursor_version;
    for (const auto& v : page.versions) {
      bool ordered = prev == nullptr || v.key > *prev ||
                     (!latest_only_ && v.key == *prev && prev_version && v.version < *prev_version);
      if (!ordered || !v.key.starts_with(prefix_)) {
        return Status::Corruption("node listing out of order");
      }
      prev = &v.key;
      prev_version = v.version;
    }
    if (page.truncated && page.versions.empty()) {
      return Status::Corruption("node listing truncated without entries");
    }
    return Status::OK();
  }

  // Fetches the next page of every stream that needs one (in parallel), replacing the nodes
  // that fail, until every stream has a head or has ended.
  Status FillHeads() {
    for (;;) {
      std::vector<size_t> batch;
      std::vector<NodeClient*> clients;
      for (size_t i = 0; i < streams_.size(); ++i) {
        const NodeStream& s = streams_[i];
        // One call per client at a time, so each answer maps back to its stream; a client
        // listed twice (only in odd configurations) waits for the next round.
        if (!s.NeedsFetch() || std::count(clients.begin(), clients.end(), s.node) > 0) continue;
        batch.push_back(i);
        clients.push_back(s.node);
      }
      if (batch.empty()) return Status::OK();
      auto pages = FanOut(std::span<NodeClient* const>(clients), [&](NodeClient& c) {
        size_t j = std::find(clients.begin(), clients.end(), &c) - clients.begin();
        return c.ListVersions(RequestFor(streams_[batch[j]]));
      });
      for (size_t j = 0; j < batch.size(); ++j) {
        NodeStream& s = streams_[batch[j]];
        Status st = pages[j].status();
        if (st.ok()) st = CheckPage(s, *pages[j]);
        if (!st.ok()) {
          SHALE_RETURN_IF_ERROR(Replace(s, st));
          continue;
        }
        node_wire::WireVersionPage& page = *pages[j];
        if (!page.versions.empty()) {
          s.cursor = page.versions.back().key;
          s.cursor_version = page.versions.back().version;
        }
        s.at_end = !page.truncated;
        for (auto& v : page.versions) s.buffer.push_back(std::move(v));
      }
    }
  }

  // Puts the next unused node of the stream's set in place of the failed one, resumed at the
  // same cursor (everything before it was merged already).
  Status Replace(NodeStream& s, const Status& cause) {
    size_t& next = next_unused_[s.set];
    const ListSet& set = sets_[s.set];
    if (next >= set.nodes.size()) {
      return Status::Unavailable("erasure set " + std::to_string(s.set) +
                                 ": too few nodes answered the listing for its read quorum (" +
                                 cause.ToString() + ")");
    }
    s.node = set.nodes[next++];
    s.buffer.clear();
    s.at_end = false;
    return Status::OK();
  }

  std::span<const ListSet> sets_;
  std::string_view bucket_;
  std::string_view prefix_;
  uint32_t fetch_limit_;
  uint64_t fetch_bytes_;
  bool latest_only_;
  std::vector<NodeStream> streams_;
  std::vector<size_t> next_unused_;  // Per set: the next node to replace a failed one.
};

// Where the node listings start: after `start_after`, and after every key under it when it is
// itself a common prefix. Keys have at most kMaxObjectKeyBytes bytes, so a longer start is cut
// to that size without changing which keys come after it.
std::optional<std::string> StartCursor(const ListQuery& q) {
  if (q.start_after.empty()) return std::nullopt;
  std::string cursor = q.start_after;
  if (CommonPrefixOf(q.start_after, q.prefix, q.delimiter) == std::string_view(q.start_after)) {
    cursor = PastPrefix(q.start_after);
  }
  if (cursor.size() > kMaxObjectKeyBytes) cursor.resize(kMaxObjectKeyBytes);
  return cursor;
}

}  // namespace

Result<MergedPage> MergeListing(std::span<const ListSet> sets, std::string_view bucket,
                                const ListQuery& query, const MergeOptions& options) {
  MergedPage page;
  for (const ListSet& set : sets) {
    if (set.read_quorum == 0) return Status::InvalidArgument("read quorum must be at least 1");
  }
  // S3 answers max-keys=0 with an empty, untruncated page; a prefix longer than any key
  // matches nothing.
  if (query.max_keys == 0 || query.prefix.size() > kMaxObjectKeyBytes) return page;

  uint64_t wanted = uint64_t{query.max_keys} + 1;  // One more proves truncation.
  uint32_t fetch_limit = static_cast<uint32_t>(std::clamp<uint64_t>(
      std::min<uint64_t>(options.page_size, wanted), 1, node_wire::kMaxListEntries));
  Merger merger(sets, bucket, query.prefix, fetch_limit, options.page_bytes);
  const std::optional<std::string> start = StartCursor(query);
  SHALE_RETURN_IF_ERROR(merger.Start(start));

  uint32_t count = 0;
  std::string last;
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(std::optional<WireVersion> next, merger.Next());
    if (!next) return page;
    // The newest version decides: a deleted key is skipped whatever older versions say.
    if (next->kind == node_wire::WireKind::kDeleteMarker) continue;
    if (start && next->key <= *start) continue;  // Nodes already filter; cheap to be sure.
    if (count == query.max_keys) {
      page.truncated = true;
      page.next_marker = std::move(last);
      return page;
    }
    ++count;
    if (auto prefix = CommonPrefixOf(next->key, query.prefix, query.delimiter)) {
      last = std::string(*prefix);
      page.common_prefixes.push_back(last);
      merger.SkipUnder(last);
    } else {
      last = next->key;
      page.objects.push_back(std::move(*next));
    }
  }
}

namespace {

// Where a version listing resumes (ListVersionsQuery's markers) and what it skips there.
struct VersionStart {
  std::optional<std::string> cursor;
  std::optional<NodeVersionId> cursor_version;
  // When the listing starts inside key_marker (a version-id-marker was given): the stream starts
  // at the key's newest version, so that IsLatest stays right, and these are skipped.
  bool skip_in_marker_key = false;
};

VersionStart StartOf(const ListVersionsQuery& q) {
  VersionStart start;
  if (q.key_marker.empty()) return start;
  if (q.version_id_marker.kind == VersionSelector::Kind::kLatest) {
    ListQuery as_list;
    as_list.prefix = q.prefix;
    as_list.delimiter = q.delimiter;
    as_list.start_after = q.key_marker;
    start.cursor = StartCursor(as_list);
    return start;
  }
  start.cursor = q.key_marker;
  start.cursor_version.emplace();
  start.cursor_version->fill(0xff);  // After the newest possible version: all of the key.
  start.skip_in_marker_key = true;
  return start;
}

bool IsNullRecord(const WireVersion& v) {
  Result<ObjectRecord> rec = DecodeObjectRecord(v.payload);
  return rec.ok() && rec->info.null_version;
}

}  // namespace

Result<MergedVersionsPage> MergeVersionListing(std::span<const ListSet> sets,
                                               std::string_view bucket,
                                               const ListVersionsQuery& query,
                                               const MergeOptions& options) {
  MergedVersionsPage page;
  for (const ListSet& set : sets) {
    if (set.read_quorum == 0) return Status::InvalidArgument("read quorum must be at least 1");
  }
  if (query.max_keys == 0 || query.prefix.size() > kMaxObjectKeyBytes) return page;

  uint64_t wanted = uint64_t{query.max_keys} + 1;
  uint32_t fetch_limit = static_cast<uint32_t>(std::clamp<uint64_t>(
      std::min<uint64_t>(options.page_size, wanted), 1, node_wire::kMaxListEntries));
  Merger merger(sets, bucket, query.prefix, fetch_limit, options.page_bytes,
                /*latest_only=*/false);
  VersionStart start = StartOf(query);
  if (start.cursor && start.cursor->size() > kMaxObjectKeyBytes) {
    start.cursor->resize(kMaxObjectKeyBytes);
    start.cursor_version.reset();
    start.skip_in_marker_key = false;
  }
  SHALE_RETURN_IF_ERROR(merger.Start(start.cursor, start.cursor_version));

  const std::optional<NodeVersionId> marker_id =
      query.version_id_marker.kind == VersionSelector::Kind::kId
          ? std::optional<NodeVersionId>(query.version_id_marker.id.ToBinary())
          : std::nullopt;
  bool skipping = start.skip_in_marker_key;
  uint32_t count = 0;
  std::string key;            // The key of the entries being merged.
  bool key_has_live = false;  // A non-purged version of `key` was seen (it was the latest).
  std::string last_key, last_version;
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(std::optional<WireVersion> next, merger.NextVersion());
    if (!next) return page;
    if (next->key != key) {
      key = next->key;
      key_has_live = false;
    }
    if (next->kind == node_wire::WireKind::kPurged) continue;
    const bool is_latest = !key_has_live;
    key_has_live = true;
    if (skipping) {
      if (key == query.key_marker) {
        if (marker_id) {
          if (next->version >= *marker_id) continue;  // At or newer than the marker.
        } else if (IsNullRecord(*next)) {
          skipping = false;  // The marker itself: resume after it.
          continue;
        } else {
          continue;
        }
      }
      skipping = false;
    }
    if (count == query.max_keys) {
      page.truncated = true;
      page.next_key_marker = std::move(last_key);
      page.next_version_id_marker = std::move(last_version);
      return page;
    }
    ++count;
    if (auto prefix = CommonPrefixOf(next->key, query.prefix, query.delimiter)) {
      last_key = std::string(*prefix);
      last_version.clear();
      page.common_prefixes.push_back(last_key);
      merger.SkipUnder(last_key);
      continue;
    }
    last_key = next->key;
    Result<VersionId> id = VersionId::FromBinary(next->version);
    last_version = IsNullRecord(*next) ? "null" : (id.ok() ? id->ToText() : "");
    page.versions.push_back({std::move(*next), is_latest});
  }
}

}  // namespace shale::gateway
