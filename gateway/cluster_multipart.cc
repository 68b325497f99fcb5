// Multipart uploads on the cluster (docs/ARCHITECTURE.md, "Multipart"): upload and part records
// in the erasure set of (bucket, key) (gateway/multipart_records.h), parts streamed and
// erasure-coded like puts (gateway/chunk_stream.h), Complete committing a version whose layout
// lists the parts (gateway/version_commit.h) without copying a byte.

#include <algorithm>
#include <map>

#include "common/node_fanout.h"
#include "common/object_record.h"
#include "gateway/chunk_stream.h"
#include "gateway/cluster_core.h"
#include "gateway/cluster_store.h"
#include "gateway/key_versions.h"
#include "gateway/list_merge.h"
#include "gateway/multipart_records.h"
#include "gateway/version_commit.h"

namespace shale::gateway {
namespace {

constexpr uint32_t kPartsPage = 1000;
constexpr size_t kRetireBatch = 32;

std::string UploadName(std::string_view bucket, std::string_view key, const VersionId& id) {
  return std::string(bucket) + "/" + std::string(key) + "?uploadId=" + id.ToText();
}

Status NoSuchUpload(std::string_view bucket, std::string_view key, const VersionId& id) {
  return Status::NotFound("no such upload: " + UploadName(bucket, key, id));
}

int64_t NowMs(ClusterCore& core) { return static_cast<int64_t>(core.clock().NowMicros() / 1000); }

// The upload's record as a read quorum of its set holds it (NotFound once completed or aborted:
// the purge tombstone outvotes a node that missed it).
Result<ObjectRecord> ReadUploadRecord(ClusterCore& core, std::string_view bucket,
                                      std::string_view key, const VersionId& upload_id,
                                      const ObjectPlacement& p) {
  SHALE_ASSIGN_OR_RETURN(QuorumRead q, core.ReadRecords(UploadsBucket(bucket), key, p, upload_id));
  if (!q.newest || q.newest->info.delete_marker) return NoSuchUpload(bucket, key, upload_id);
  return std::move(*q.newest);
}

Result<MultipartUpload> ReadUpload(ClusterCore& core, std::string_view bucket, std::string_view key,
                                   const VersionId& upload_id, const ObjectPlacement& p) {
  SHALE_ASSIGN_OR_RETURN(ObjectRecord rec, ReadUploadRecord(core, bucket, key, upload_id, p));
  return DecodeUploadRecord(bucket, std::move(rec));
}

// One page of the newest record of each part number above `after_part`, from a read quorum of
// the set (the listing merge outvotes a node that missed a re-upload).
Result<std::pair<std::vector<StoredPart>, bool>> ListPartPage(
    ClusterCore& core, std::string_view bucket, const VersionId& upload_id,
    const ObjectPlacement& p, uint32_t after_part, uint32_t max_parts) {
  ListSet set;
  set.nodes = core.ShardNodes(p);
  set.read_quorum = core.read_quorum();
  ListQuery query;
  query.prefix = PartKeyPrefix(upload_id);
  if (after_part > 0) query.start_after = PartKey(upload_id, after_part);
  query.max_keys = max_parts;
  const std::string node_bucket = PartsBucket(bucket);
  SHALE_ASSIGN_OR_RETURN(MergedPage page,
                         MergeListing(std::span<const ListSet>(&set, 1), node_bucket, query));
  std::vector<StoredPart> parts;
  parts.reserve(page.objects.size());
  for (const node_wire::WireVersion& v : page.objects) {
    if (v.kind != node_wire::WireKind::kObject) continue;
    SHALE_ASSIGN_OR_RETURN(ObjectRecord rec, RecordFromWire(node_bucket, v));
    SHALE_ASSIGN_OR_RETURN(StoredPart part, DecodePartRecord(std::move(rec)));
    parts.push_back(std::move(part));
  }
  return std::make_pair(std::move(parts), page.truncated);
}

// Every part of the upload (newest record per number), in part order.
Result<std::vector<StoredPart>> ListAllParts(ClusterCore& core, std::string_view bucket,
                                             const VersionId& upload_id, const ObjectPlacement& p) {
  std::vector<StoredPart> all;
  uint32_t after = 0;
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(auto page, ListPartPage(core, bucket, upload_id, p, after, kPartsPage));
    if (page.first.empty()) break;
    after = page.first.back().info.part_number;
    for (StoredPart& part : page.first) all.push_back(std::move(part));
    if (!page.second || after >= kMaxPartNumber) break;
  }
  return all;
}

// Retires, in the background, the part records of an upload that is gone (completed or aborted):
// purge tombstones, and the shards of the parts whose data id is not in `keep` (those a
// completed object references).
void RetireParts(ClusterCore& core, std::string bucket, const VersionId& upload_id,
                 const ObjectPlacement& p, std::vector<StoredPart> parts,
                 std::vector<VersionId> keep) {
  if (parts.empty()) return;
  std::sort(keep.begin(), keep.end());
  core.PostBackground([&core, bucket = std::move(bucket), upload_id, p, parts = std::move(parts),
                       keep = std::move(keep)] {
    // kRetireBatch parts at a time, in parallel on the fan-out pool (the nodes group-commit the
    // tombstones): an upload of 10,000 parts must not take 10,000 sequential rounds. The
    // clients passed are only slots; each call purges its part on the whole set.
    const std::vector<NodeClient*> slots(kRetireBatch, core.ShardNodes(p).front());
    for (size_t from = 0; from < parts.size(); from += kRetireBatch) {
      const size_t n = std::min(kRetireBatch, parts.size() - from);
      FanOut(std::span<NodeClient* const>(slots.data(), n), [&](NodeClient&, size_t i) {
        const StoredPart& part = parts[from + i];
        const bool referenced = std::binary_search(keep.begin(), keep.end(), part.extent.data_id);
        // Best effort: a tombstone that did not land leaves a record no listing reaches (its
        // upload is gone); repair's sweeps see it.
        return PurgeVersion(core, p, PartRecordOf(bucket, upload_id, part, !referenced));
      });
    }
  });
}

// The versions of `key` that completing `upload_id` made and that are still there, newest
// first: normally none or one (a retried Complete answers with it); more only after Completes
// of one upload raced.
Result<std::vector<ObjectInfo>> VersionsOfUpload(ClusterCore& core, std::string_view bucket,
                                                 std::string_view key, const VersionId& upload_id,
                                                 const ObjectPlacement& p) {
  SHALE_ASSIGN_OR_RETURN(std::vector<KeyVersion> versions, ListKeyVersions(core, bucket, key, p));
  std::vector<ObjectInfo> out;
  for (KeyVersion& v : versions) {
    if (v.purged || v.record.info.delete_marker) continue;
    Result<ObjectLayout> layout = DecodeLayout(v.record.info.layout);
    if (layout.ok() && layout->kind == LayoutKind::kMultipart && layout->data_id == upload_id) {
      out.push_back(std::move(v.record.info));
    }
  }
  return out;
}

// The data ids of the parts that `versions` (multipart layouts) reference.
std::vector<VersionId> ReferencedData(const std::vector<ObjectInfo>& versions) {
  std::vector<VersionId> out;
  for (const ObjectInfo& v : versions) {
    Result<ObjectLayout> layout = DecodeLayout(v.layout);
    if (!layout.ok()) continue;
    for (const PartExtent& part : layout->parts) out.push_back(part.data_id);
  }
  return out;
}

// Ends an upload whose record is `upload_record` (as read): a purge tombstone with the quorum,
// then its parts retired in the background, keeping the shards of those in `keep`.
Status EndUpload(ClusterCore& core, std::string_view bucket, const VersionId& upload_id,
                 const ObjectPlacement& p, ObjectRecord upload_record,
                 std::vector<StoredPart> parts, std::vector<VersionId> keep) {
  upload_record.info.bucket = UploadsBucket(bucket);
  SHALE_RETURN_IF_ERROR(PurgeVersion(core, p, upload_record));
  RetireParts(core, std::string(bucket), upload_id, p, std::move(parts), std::move(keep));
  return Status::OK();
}

// The open uploads of exactly (bucket, key), in upload id (initiation) order.
Result<std::vector<MultipartUpload>> OpenUploadsOf(ClusterCore& core, std::string_view bucket,
                                                   std::string_view key) {
  const ObjectPlacement p = core.placement().Locate(bucket, key);
  SHALE_ASSIGN_OR_RETURN(std::vector<KeyVersion> versions,
                         ListKeyVersions(core, UploadsBucket(bucket), key, p));
  std::vector<MultipartUpload> out;
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {  // Oldest first.
    if (it->purged || it->record.info.delete_marker) continue;
    Result<MultipartUpload> upload = DecodeUploadRecord(bucket, std::move(it->record));
    if (upload.ok()) out.push_back(std::move(*upload));  // Undecodable: left to repair.
  }
  return out;
}

// One entry of ListUploads in listing order: an upload or a common prefix.
struct UploadEntry {
  std::optional<MultipartUpload> upload;
  std::string common_prefix;
  const std::string& key() const { return upload ? upload->key : common_prefix; }
};

}  // namespace

Result<MultipartUpload> ClusterStore::CreateUpload(const CreateUploadRequest& request) {
  ClusterCore& core = *core_;
  const ObjectPlacement p = core.placement().Locate(request.bucket, request.key);
  MultipartUpload upload;
  upload.bucket = request.bucket;
  upload.key = request.key;
  upload.upload_id = core.hlc().Now();
  upload.owner_id = request.owner_id;
  upload.initiated_ms = NowMs(core);
  upload.attributes = request.attributes;
  upload.checksum_algorithm = request.checksum_algorithm;
  upload.checksum_full_object = request.checksum_full_object;
  const std::string payload = EncodeUploadRecord(upload);
  const std::string node_bucket = UploadsBucket(request.bucket);
  std::vector<NodeClient*> nodes = core.ShardNodes(p);
  RecordRound round = core.WriteRecords(
      node_bucket, request.key, nodes, upload.upload_id, node_wire::WireKind::kObject,
      [&](size_t) { return std::string_view(payload); }, /*read_previous=*/false);
  if (round.acks < core.write_quorum()) {
    core.RollBackRecords(node_bucket, request.key, nodes, upload.upload_id);
    return Status::Unavailable(QuorumMessage("upload record write quorum lost", round.acks,
                                             core.write_quorum(), nodes.size(), round.status));
  }
  HintMisses(core, nodes, round, node_bucket, request.key, upload.upload_id, "upload");
  return upload;
}

Result<MultipartUpload> ClusterStore::GetUpload(std::string_view bucket, std::string_view key,
                                                const VersionId& upload_id) {
  return ReadUpload(*core_, bucket, key, upload_id, core_->placement().Locate(bucket, key));
}

Result<PartInfo> ClusterStore::UploadPart(const UploadPartRequest& request,
                                          const BodySource& body) {
  ClusterCore& core = *core_;
  if (request.part_number < 1 || request.part_number > kMaxPartNumber) {
    return Status::InvalidArgument("part number " + std::to_string(request.part_number) +
                                   " out of 1.." + std::to_string(kMaxPartNumber));
  }
  const ObjectPlacement p = core.placement().Locate(request.bucket, request.key);
  SHALE_RETURN_IF_ERROR(
      ReadUploadRecord(core, request.bucket, request.key, request.upload_id, p).status());

  // The bytes: always erasure-coded (a part is never inline, whatever its size), so that a
  // completed object's layout can list every part as an extent.
  ChunkStream stream(core, core.ShardNodes(p), body, request.size, request.compute,
                     core.hlc().Now());
  Result<PartInfo> written = [&]() -> Result<PartInfo> {
    ChunkBufferPool::Lease first = core.buffers().Acquire();
    SHALE_ASSIGN_OR_RETURN(size_t len, stream.Fill(first));
    // An empty part has no chunk (ChunkCount of an empty extent is 0).
    if (len > 0 || !stream.ended()) {
      SHALE_RETURN_IF_ERROR(stream.WriteChunks(std::move(first), len));
    }
    PutDigests digests = stream.Finish();
    if (request.before_commit) SHALE_RETURN_IF_ERROR(request.before_commit(digests));
    PartInfo part;
    part.part_number = request.part_number;
    part.size = digests.size;
    part.etag = digests.md5_hex;
    part.last_modified_ms = NowMs(core);
    for (ChecksumAlgorithm a : request.store) {
      for (const ObjectChecksum& c : digests.checksums) {
        if (c.algorithm == a) part.checksums.push_back(c);
      }
    }
    return part;
  }();
  if (!written.ok()) {
    stream.Discard();
    return written.status();
  }

  StoredPart stored;
  stored.record_version = core.hlc().Now();
  stored.info = *written;
  stored.layout.kind = LayoutKind::kErasure;
  stored.layout.set = p.set;
  stored.layout.rotation = p.rotation;
  stored.layout.k = core.k();
  stored.layout.m = core.m();
  stored.layout.chunk_size = core.config().chunk_size;
  stored.layout.data_id = stream.data_id();
  const std::string payload = EncodePartRecord(stored.info, stored.layout);
  const std::string node_bucket = PartsBucket(request.bucket);
  const std::string part_key = PartKey(request.upload_id, request.part_number);
  const std::vector<NodeClient*>& nodes = stream.nodes();
  RecordRound round = core.WriteRecords(
      node_bucket, part_key, nodes, stored.record_version, node_wire::WireKind::kObject,
      [&](size_t) { return std::string_view(payload); }, /*read_previous=*/true);
  if (round.acks < core.write_quorum()) {
    core.RollBackRecords(node_bucket, part_key, nodes, stored.record_version);
    stream.Discard();
    return Status::Unavailable(QuorumMessage("part record write quorum lost", round.acks,
                                             core.write_quorum(), nodes.size(), round.status));
  }
  std::vector<bool> complete(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    complete[i] = round.status[i].ok() && !stream.missed_shards()[i];
  }
  if (std::find(complete.begin(), complete.end(), false) != complete.end()) {
    core.HintRepair(nodes, complete, node_bucket, part_key, stored.record_version,
                    "part upload missed records or shards at " + Positions(complete, false));
  }
  // An Abort or Complete that ran meanwhile will not see this part: take it back. The records
  // it replaced are left alone then (their upload is retired with them, and a completed object
  // may reference them).
  Status still_open =
      ReadUploadRecord(core, request.bucket, request.key, request.upload_id, p).status();
  if (!still_open.ok()) {
    (void)PurgeVersion(core, p, PartRecordOf(request.bucket, request.upload_id, stored, true));
    return still_open;
  }
  // The previous uploads of this part number are replaced (and a newer one found replaces ours):
  // the loser's record is purged and its shards deleted after the clean-up grace.
  for (ObjectRecord& old : round.superseded) {
    old.info.bucket = node_bucket;
    (void)PurgeVersion(core, p, old);  // Best effort: the newer record wins every read anyway.
  }
  if (round.newer) {
    (void)PurgeVersion(core, p, PartRecordOf(request.bucket, request.upload_id, stored, true));
  }
  return std::move(stored.info);
}

Result<PartsPage> ClusterStore::ListParts(std::string_view bucket, std::string_view key,
                                          const VersionId& upload_id, uint32_t after_part,
                                          uint32_t max_parts) {
  ClusterCore& core = *core_;
  const ObjectPlacement p = core.placement().Locate(bucket, key);
  SHALE_RETURN_IF_ERROR(ReadUploadRecord(core, bucket, key, upload_id, p).status());
  max_parts = std::clamp<uint32_t>(max_parts, 1, kPartsPage);
  PartsPage out;
  if (after_part >= kMaxPartNumber) return out;
  SHALE_ASSIGN_OR_RETURN(auto page,
                         ListPartPage(core, bucket, upload_id, p, after_part, max_parts));
  for (StoredPart& part : page.first) out.parts.push_back(std::move(part.info));
  out.truncated = page.second && !out.parts.empty();
  if (out.truncated) out.next_part_number_marker = out.parts.back().part_number;
  return out;
}

Result<ListUploadsResult> ClusterStore::ListUploads(std::string_view bucket,
                                                    const ListUploadsQuery& query) {
  ClusterCore& core = *core_;
  ListUploadsResult out;
  const uint32_t max = std::min<uint32_t>(query.max_uploads, 1000);
  if (max == 0) return out;
  // Keys with upload records come from the listing merge over the uploads bucket of every set
  // (prefix, delimiter and markers as for objects); the uploads of each key from its set.
  const Placement& placement = core.placement();
  std::vector<ListSet> sets(placement.set_count());
  for (uint32_t set = 0; set < placement.set_count(); ++set) {
    sets[set].nodes = core.ShardNodes({set, 0});
    sets[set].read_quorum = core.read_quorum();
  }
  const std::string node_bucket = UploadsBucket(bucket);
  std::vector<UploadEntry> entries;  // Up to max + 1: one more proves truncation.
  auto add_uploads_of = [&](const std::string& key, std::optional<VersionId> after) -> Status {
    SHALE_ASSIGN_OR_RETURN(std::vector<MultipartUpload> uploads, OpenUploadsOf(core, bucket, key));
    for (MultipartUpload& u : uploads) {
      if (after && u.upload_id <= *after) continue;
      if (entries.size() > max) break;
      entries.push_back({std::move(u), {}});
    }
    return Status::OK();
  };
  ListQuery keys;
  keys.prefix = query.prefix;
  keys.delimiter = query.delimiter;
  keys.start_after = query.key_marker;
  if (query.upload_id_marker && !query.key_marker.empty()) {
    SHALE_RETURN_IF_ERROR(add_uploads_of(query.key_marker, query.upload_id_marker));
  }
  while (entries.size() <= max) {
    keys.max_keys = static_cast<uint32_t>(max + 1 - entries.size());
    SHALE_ASSIGN_OR_RETURN(MergedPage page, MergeListing(sets, node_bucket, keys));
    // Objects and common prefixes come apart, each in key order: walk them together.
    size_t o = 0, c = 0;
    while ((o < page.objects.size() || c < page.common_prefixes.size()) && entries.size() <= max) {
      const bool prefix_next =
          o == page.objects.size() ||
          (c < page.common_prefixes.size() && page.common_prefixes[c] < page.objects[o].key);
      if (prefix_next) {
        entries.push_back({std::nullopt, page.common_prefixes[c++]});
      } else {
        SHALE_RETURN_IF_ERROR(add_uploads_of(page.objects[o++].key, std::nullopt));
      }
    }
    if (!page.truncated) break;
    keys.start_after = page.next_marker;
  }
  if (entries.size() > max) {
    entries.resize(max);
    out.truncated = true;
    out.next_key_marker = entries.back().key();
    if (entries.back().upload)
      out.next_upload_id_marker = entries.back().upload->upload_id.ToText();
  }
  for (UploadEntry& e : entries) {
    if (e.upload) {
      out.uploads.push_back(std::move(*e.upload));
    } else {
      out.common_prefixes.push_back(std::move(e.common_prefix));
    }
  }
  return out;
}

Result<ObjectInfo> ClusterStore::CompleteUpload(const CompleteRequest& request) {
  ClusterCore& core = *core_;
  const ObjectPlacement p = core.placement().Locate(request.bucket, request.key);
  Result<ObjectRecord> upload_record =
      ReadUploadRecord(core, request.bucket, request.key, request.upload_id, p);
  if (!upload_record.ok() && upload_record.status().code() != StatusCode::kNotFound) {
    return upload_record.status();
  }
  // Completed already (a retry): that version is the answer. Also when the upload record is
  // still there (that Complete lost the quorum of its purge): committing again would retire the
  // first version and, with it, shards both versions reference.
  SHALE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> completed,
                         VersionsOfUpload(core, request.bucket, request.key, request.upload_id, p));
  if (!completed.empty()) {
    if (upload_record.ok()) {
      SHALE_ASSIGN_OR_RETURN(std::vector<StoredPart> stored,
                             ListAllParts(core, request.bucket, request.upload_id, p));
      (void)EndUpload(core, request.bucket, request.upload_id, p, std::move(*upload_record),
                      std::move(stored), ReferencedData(completed));  // Best effort, as below.
    }
    return std::move(completed.front());
  }
  if (!upload_record.ok()) return upload_record.status();
  SHALE_ASSIGN_OR_RETURN(MultipartUpload upload,
                         DecodeUploadRecord(request.bucket, *upload_record));
  if (request.parts.empty() || request.parts.size() > kMaxPartNumber) {
    return Status::InvalidArgument("a multipart upload completes with 1.." +
                                   std::to_string(kMaxPartNumber) + " parts");
  }
  SHALE_ASSIGN_OR_RETURN(std::vector<StoredPart> stored,
                         ListAllParts(core, request.bucket, request.upload_id, p));
  std::map<uint32_t, const StoredPart*> by_number;
  for (const StoredPart& s : stored) by_number[s.info.part_number] = &s;

  ObjectLayout layout;
  layout.kind = LayoutKind::kMultipart;
  layout.set = p.set;
  layout.rotation = p.rotation;
  layout.k = core.k();
  layout.m = core.m();
  layout.data_id = request.upload_id;  // Names the upload (a retried Complete finds it by it).
  layout.parts.reserve(request.parts.size());
  std::vector<VersionId> referenced;
  uint64_t size = 0;
  for (const PartInfo& want : request.parts) {
    auto it = by_number.find(want.part_number);
    if (it == by_number.end() || it->second->info.etag != want.etag) {
      return Status::FailedPrecondition(
          "part " + std::to_string(want.part_number) + " of " +
          UploadName(request.bucket, request.key, request.upload_id) +
          (it == by_number.end() ? " was not uploaded" : " has another ETag"));
    }
    if (!layout.parts.empty() && layout.parts.back().part_number >= want.part_number) {
      return Status::InvalidArgument("parts must be listed in ascending part number order");
    }
    layout.parts.push_back(it->second->extent);
    referenced.push_back(it->second->extent.data_id);
    size += it->second->info.size;
  }
  if (request.before_commit) SHALE_RETURN_IF_ERROR(request.before_commit());

  ObjectInfo info;
  info.bucket = request.bucket;
  info.key = request.key;
  info.size = size;
  info.etag = request.etag;
  info.owner_id = upload.owner_id;
  info.attributes = upload.attributes;
  info.checksums = request.checksums;
  info.layout = EncodeLayout(layout);
  SHALE_ASSIGN_OR_RETURN(ObjectInfo committed,
                         CommitVersion(core, p, std::move(info), request.versioning));
  // The upload is over: its record goes now (with the quorum, so that ListUploads and a retried
  // Complete see it gone); the part records go in the background. If the purge fails, the
  // object is committed all the same; a retried Complete or an Abort ends the upload.
  (void)EndUpload(core, request.bucket, request.upload_id, p, std::move(*upload_record),
                  std::move(stored), std::move(referenced));
  return committed;
}

Status ClusterStore::AbortUpload(std::string_view bucket, std::string_view key,
                                 const VersionId& upload_id) {
  ClusterCore& core = *core_;
  const ObjectPlacement p = core.placement().Locate(bucket, key);
  SHALE_ASSIGN_OR_RETURN(ObjectRecord upload_record,
                         ReadUploadRecord(core, bucket, key, upload_id, p));
  SHALE_ASSIGN_OR_RETURN(std::vector<StoredPart> stored, ListAllParts(core, bucket, upload_id, p));
  // An upload whose Complete committed but could not purge the upload record: its object keeps
  // the parts it references.
  SHALE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> completed,
                         VersionsOfUpload(core, bucket, key, upload_id, p));
  return EndUpload(core, bucket, upload_id, p, std::move(upload_record), std::move(stored),
                   ReferencedData(completed));
}

}  // namespace shale::gateway
