#include "gateway/cluster_store.h"

#include <algorithm>
#include <map>

#include "common/node_fanout.h"
#include "common/object_record.h"
#include "gateway/cluster_core.h"
#include "gateway/key_versions.h"
#include "gateway/list_merge.h"

namespace shale::gateway {
namespace {

std::string Where(std::string_view bucket, std::string_view key) {
  return std::string(bucket) + "/" + std::string(key);
}

size_t Majority(size_t n) { return n / 2 + 1; }

// The layout of `info` with the inline bytes of an equal version found among `answers` (only
// replica holders' records carry them), so OpenRead needs no round trip.
void AttachInlineData(ObjectInfo& info, const QuorumRead& q) {
  Result<ObjectLayout> layout = DecodeLayout(info.layout);
  if (!layout.ok() || layout->kind != LayoutKind::kReplicated || layout->has_data) return;
  for (const RecordAnswer& a : q.answers) {
    if (!a.record || a.record->info.version != info.version) continue;
    Result<ObjectLayout> held = DecodeLayout(a.record->info.layout);
    if (held.ok() && held->has_data && held->data.size() == info.size) {
      info.layout = a.record->info.layout;
      return;
    }
  }
}

// The metadata-only form of a layout (what every non-holder stores and listings return).
std::string WithoutData(const std::string& encoded) {
  Result<ObjectLayout> layout = DecodeLayout(encoded);
  if (!layout.ok() || !layout->has_data) return encoded;
  layout->has_data = false;
  layout->data.clear();
  return EncodeLayout(*layout);
}

}  // namespace

Result<std::unique_ptr<ClusterStore>> ClusterStore::Create(const ClusterConfig& config,
                                                           std::vector<NodeClient*> nodes,
                                                           ClusterStoreOptions options) {
  const uint32_t set_size = config.erasure.set_size();
  if (nodes.size() != config.nodes.size()) {
    return Status::InvalidArgument("cluster store: " + std::to_string(nodes.size()) +
                                   " node clients for " + std::to_string(config.nodes.size()) +
                                   " configured nodes");
  }
  if (set_size == 0 || nodes.empty() || nodes.size() % set_size != 0) {
    return Status::InvalidArgument("cluster store: " + std::to_string(nodes.size()) +
                                   " nodes cannot form sets of " + std::to_string(set_size));
  }
  if (std::find(nodes.begin(), nodes.end(), nullptr) != nodes.end()) {
    return Status::InvalidArgument("cluster store: a node client is null");
  }
  if (config.chunk_size == 0 || config.inline_limit > config.chunk_size) {
    return Status::InvalidArgument("cluster store: inline_limit must not exceed chunk_size");
  }
  ClusterConfig effective = config;
  if (effective.write_quorum == 0)
    effective.write_quorum = std::min(config.erasure.k + 1, set_size);
  if (effective.read_quorum == 0) effective.read_quorum = config.erasure.k;
  if (effective.write_quorum < config.erasure.k || effective.write_quorum > set_size ||
      effective.read_quorum < 1 || effective.read_quorum > set_size) {
    return Status::InvalidArgument("cluster store: quorums out of range");
  }
  SHALE_ASSIGN_OR_RETURN(
      ErasureCoder coder,
      ErasureCoder::Create(static_cast<int>(config.erasure.k), static_cast<int>(config.erasure.m)));
  const Clock* clock = options.clock != nullptr ? options.clock : &SystemClock::Default();
  auto core = std::make_unique<ClusterCore>(effective, std::move(nodes), std::move(coder),
                                            options.origin, clock);
  return std::make_unique<ClusterStore>(PassKey(), std::move(core));
}

ClusterStore::ClusterStore(PassKey, std::unique_ptr<ClusterCore> core) : core_(std::move(core)) {}
ClusterStore::~ClusterStore() = default;

uint64_t ClusterStore::repair_hints() const { return core_->repair_hints(); }
void ClusterStore::DrainBackground() { core_->DrainBackground(); }

// ---- Buckets: a record on every node, written to and read from a majority, newest wins.

Result<std::optional<BucketRecord>> ClusterStore::ReadBucket(std::string_view name) {
  auto nodes = core_->all_nodes();
  auto results = FanOut(nodes, [&](NodeClient& n) { return n.GetBucket(name); });
  size_t answered = 0;
  std::optional<BucketRecord> newest;
  for (auto& r : results) {
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) ++answered;
      continue;
    }
    ++answered;
    Result<BucketRecord> rec = DecodeBucketRecord(name, *r);
    if (!rec.ok()) continue;  // Unreadable here: the other copies decide.
    if (!newest || rec->revision > newest->revision) newest = std::move(*rec);
  }
  if (answered < Majority(nodes.size())) {
    return Status::Unavailable("bucket read: " + std::to_string(answered) + " of " +
                               std::to_string(nodes.size()) + " nodes answered");
  }
  if (newest) (void)core_->hlc().Observe(newest->revision);  // Orders later revisions only.
  return newest;
}

Status ClusterStore::WriteBucket(const BucketRecord& record) {
  const std::string payload = EncodeBucketRecord(record);
  auto nodes = core_->all_nodes();
  auto results =
      FanOut(nodes, [&](NodeClient& n) { return n.PutBucket(record.info.name, payload); });
  size_t acks =
      std::count_if(results.begin(), results.end(), [](const Status& s) { return s.ok(); });
  if (acks < Majority(nodes.size())) {
    return Status::Unavailable("bucket write: " + std::to_string(acks) + " of " +
                               std::to_string(nodes.size()) + " nodes acknowledged");
  }
  return Status::OK();
}

Status ClusterStore::CreateBucket(const BucketInfo& bucket) {
  SHALE_ASSIGN_OR_RETURN(std::optional<BucketRecord> current, ReadBucket(bucket.name));
  if (current && !current->deleted) {
    return Status::AlreadyExists("bucket " + bucket.name + " exists");
  }
  return WriteBucket({core_->hlc().Now(), false, bucket});
}

Result<BucketInfo> ClusterStore::GetBucket(std::string_view name) {
  SHALE_ASSIGN_OR_RETURN(std::optional<BucketRecord> current, ReadBucket(name));
  if (!current || current->deleted) return Status::NotFound("no such bucket: " + std::string(name));
  return std::move(current->info);
}

Status ClusterStore::UpdateBucket(const BucketInfo& bucket) {
  SHALE_ASSIGN_OR_RETURN(std::optional<BucketRecord> current, ReadBucket(bucket.name));
  if (!current || current->deleted) return Status::NotFound("no such bucket: " + bucket.name);
  return WriteBucket({core_->hlc().Now(), false, bucket});
}

Status ClusterStore::DeleteBucket(std::string_view name) {
  SHALE_ASSIGN_OR_RETURN(std::optional<BucketRecord> current, ReadBucket(name));
  if (!current || current->deleted) return Status::NotFound("no such bucket: " + std::string(name));
  SHALE_RETURN_IF_ERROR(CheckEmpty(current->info));
  // A tombstone rather than a removal: a node that missed the delete must be outvoted.
  return WriteBucket({core_->hlc().Now(), true, current->info});
}

Status ClusterStore::CheckEmpty(const BucketInfo& bucket) {
  const std::string not_empty = "bucket " + bucket.name + " is not empty";
  // Any version counts, delete markers and non-current versions included, but for the markers
  // of an unversioned bucket's deletes (S3 shows nothing there; every version of such a bucket
  // is a null version, so a marker is all its key holds unless an object version shows too).
  ListVersionsQuery query;
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(MergedVersionsPage page,
                           MergeVersionListing(ListSets(), bucket.name, query));
    for (const MergedVersion& v : page.versions) {
      if (bucket.versioning != BucketVersioning::kUnversioned ||
          v.wire.kind != node_wire::WireKind::kDeleteMarker) {
        return Status::FailedPrecondition(not_empty);
      }
    }
    if (!page.truncated) break;
    query.key_marker = page.next_key_marker;
    SHALE_ASSIGN_OR_RETURN(query.version_id_marker,
                           VersionSelector::Parse(page.next_version_id_marker));
  }
  // Open multipart uploads: any upload record not purged.
  ListVersionsQuery any;
  any.max_keys = 1;
  SHALE_ASSIGN_OR_RETURN(MergedVersionsPage uploads,
                         MergeVersionListing(ListSets(), UploadsBucket(bucket.name), any));
  if (!uploads.versions.empty()) {
    return Status::FailedPrecondition("bucket " + bucket.name + " has open multipart uploads");
  }
  return Status::OK();
}

Result<std::vector<BucketInfo>> ClusterStore::ListBuckets() {
  auto nodes = core_->all_nodes();
  auto results = FanOut(nodes, [](NodeClient& n) { return n.ListBuckets(); });
  size_t answered = 0;
  std::map<std::string, BucketRecord> newest;
  for (auto& r : results) {
    if (!r.ok()) continue;
    ++answered;
    for (const node_wire::WireBucket& b : *r) {
      Result<BucketRecord> rec = DecodeBucketRecord(b.name, b.payload);
      if (!rec.ok()) continue;
      auto it = newest.find(b.name);
      if (it == newest.end()) {
        newest.emplace(b.name, std::move(*rec));
      } else if (rec->revision > it->second.revision) {
        it->second = std::move(*rec);
      }
    }
  }
  if (answered < Majority(nodes.size())) {
    return Status::Unavailable("bucket list: " + std::to_string(answered) + " of " +
                               std::to_string(nodes.size()) + " nodes answered");
  }
  std::vector<BucketInfo> out;
  for (auto& [name, rec] : newest) {
    if (!rec.deleted) out.push_back(std::move(rec.info));
  }
  return out;
}

// ---- Objects.

Result<ObjectInfo> ClusterStore::Put(const PutRequest& request, const BodySource& body) {
  return WriteObject(*core_, request, body);
}

Result<ObjectInfo> ClusterStore::Head(std::string_view bucket, std::string_view key,
                                      const VersionSelector& which, const HeadOptions& options) {
  ObjectPlacement p = core_->placement().Locate(bucket, key);
  std::optional<VersionId> version;
  if (which.kind == VersionSelector::Kind::kNull) {
    // Nodes index versions by id: find the id of the newest null version first.
    SHALE_ASSIGN_OR_RETURN(std::vector<KeyVersion> versions,
                           ListKeyVersions(*core_, bucket, key, p));
    std::optional<ObjectRecord> null = NewestNull(versions);
    if (!null)
      return Status::NotFound("no such version: " + Where(bucket, key) + "?versionId=null");
    version = null->info.version;
  } else if (which.kind == VersionSelector::Kind::kId) {
    version = which.id;
  }
  SHALE_ASSIGN_OR_RETURN(QuorumRead q, core_->ReadRecords(bucket, key, p, version));
  if (!q.newest) {
    return Status::NotFound(version ? "no such version: " + Where(bucket, key) +
                                          "?versionId=" + version->ToText()
                                    : "no such key: " + Where(bucket, key));
  }
  if (!version && q.newest->info.delete_marker && !options.delete_markers) {
    return Status::NotFound("no such key: " + Where(bucket, key) + " (deleted)");
  }
  ObjectInfo info = std::move(q.newest->info);
  AttachInlineData(info, q);
  return info;
}

Result<std::unique_ptr<ObjectReader>> ClusterStore::OpenRead(const ObjectInfo& object,
                                                             uint64_t offset, uint64_t length) {
  return OpenObjectReader(*core_, object, offset, length);
}

Result<ObjectInfo> ClusterStore::UpdateAttributes(std::string_view bucket, std::string_view key,
                                                  const ObjectAttributes& attributes) {
  ObjectPlacement p = core_->placement().Locate(bucket, key);
  SHALE_ASSIGN_OR_RETURN(QuorumRead q, core_->ReadRecords(bucket, key, p, std::nullopt));
  if (!q.newest || q.newest->info.delete_marker) {
    return Status::NotFound("no such key: " + Where(bucket, key));
  }
  ObjectInfo info = std::move(q.newest->info);
  AttachInlineData(info, q);
  info.attributes = attributes;
  SHALE_ASSIGN_OR_RETURN(ObjectLayout layout, DecodeLayout(info.layout));
  // The same version with a newer attribute revision: every reader picks this record over the
  // old one, whichever nodes it asks.
  const VersionId revision = core_->hlc().Now();
  std::string meta_payload, data_payload;
  if (layout.kind == LayoutKind::kReplicated) {
    SHALE_ASSIGN_OR_RETURN(std::string data, ReadInlineData(*core_, info, layout));
    layout.has_data = false;
    layout.data.clear();
    info.layout = EncodeLayout(layout);
    meta_payload = EncodeObjectRecord(info, revision);
    ObjectInfo with_data = info;
    layout.has_data = true;
    layout.data = std::move(data);
    with_data.layout = EncodeLayout(layout);
    data_payload = EncodeObjectRecord(with_data, revision);
  } else {
    meta_payload = EncodeObjectRecord(info, revision);
  }
  const uint32_t replicas = layout.kind == LayoutKind::kReplicated ? layout.replicas : 0;
  std::vector<NodeClient*> nodes = core_->ShardNodes(p);
  RecordRound round = core_->WriteRecords(
      bucket, key, nodes, info.version, node_wire::WireKind::kObject,
      [&](size_t i) { return std::string_view(i < replicas ? data_payload : meta_payload); },
      /*read_previous=*/false);
  if (round.acks < core_->write_quorum()) {
    // Not rolled back: the old attributes are gone where the new ones landed; the newer revision
    // wins wherever it is seen, and repair spreads it.
    return Status::Unavailable("attribute update: " + std::to_string(round.acks) + " of " +
                               std::to_string(nodes.size()) + " nodes acknowledged");
  }
  HintMisses(*core_, nodes, round, bucket, key, info.version, "attribute update");
  return info;
}

Result<DeleteOutcome> ClusterStore::DeleteObject(const DeleteRequest& request) {
  return DeleteObjectVersion(*core_, request);
}

std::vector<ListSet> ClusterStore::ListSets() {
  const Placement& placement = core_->placement();
  std::vector<ListSet> sets(placement.set_count());
  for (uint32_t set = 0; set < placement.set_count(); ++set) {
    // Rotated per call, so listings spread their reads over every node of a set.
    uint32_t start = list_rotation_.fetch_add(1, std::memory_order_relaxed) % core_->set_size();
    sets[set].nodes = core_->ShardNodes({set, start});
    sets[set].read_quorum = core_->read_quorum();
  }
  return sets;
}

Result<ListResult> ClusterStore::List(std::string_view bucket, const ListQuery& query) {
  // Node pages carry whole records (the replica holders' records with small objects' bytes);
  // the merge bounds them by bytes as well as entries (MergeOptions::page_bytes).
  SHALE_ASSIGN_OR_RETURN(MergedPage page, MergeListing(ListSets(), bucket, query));
  ListResult out;
  out.objects.reserve(page.objects.size());
  for (const node_wire::WireVersion& v : page.objects) {
    SHALE_ASSIGN_OR_RETURN(ObjectRecord rec, RecordFromWire(bucket, v));
    // Listings never carry the inline bytes some records hold.
    rec.info.layout = WithoutData(rec.info.layout);
    out.objects.push_back(std::move(rec.info));
  }
  out.common_prefixes = std::move(page.common_prefixes);
  out.truncated = page.truncated;
  out.next_marker = std::move(page.next_marker);
  return out;
}

Result<ListVersionsResult> ClusterStore::ListVersions(std::string_view bucket,
                                                      const ListVersionsQuery& query) {
  SHALE_ASSIGN_OR_RETURN(std::optional<BucketRecord> record, ReadBucket(bucket));
  if (!record || record->deleted) {
    return Status::NotFound("no such bucket: " + std::string(bucket));
  }
  // The markers of an unversioned bucket's deletes only outvote nodes that missed a delete: S3
  // shows no versions there but the objects.
  const bool show_markers = record->info.versioning != BucketVersioning::kUnversioned;
  SHALE_ASSIGN_OR_RETURN(MergedVersionsPage page, MergeVersionListing(ListSets(), bucket, query));
  ListVersionsResult out;
  out.versions.reserve(page.versions.size());
  for (const MergedVersion& v : page.versions) {
    Result<ObjectRecord> rec = RecordFromWire(bucket, v.wire);
    if (!rec.ok()) continue;  // No copy read decodes: repair's business, not the listing's.
    if (rec->info.delete_marker && !show_markers) continue;
    rec->info.layout = WithoutData(rec->info.layout);
    out.versions.push_back({std::move(rec->info), v.is_latest});
  }
  out.common_prefixes = std::move(page.common_prefixes);
  out.truncated = page.truncated;
  out.next_key_marker = std::move(page.next_key_marker);
  out.next_version_id_marker = std::move(page.next_version_id_marker);
  return out;
}

}  // namespace shale::gateway

namespace shale::gateway {

// Multipart uploads: gateway/cluster_multipart.cc.

}  // namespace shale::gateway
