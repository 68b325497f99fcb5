#include "storage/repair_scan.h"

#include <cstring>

namespace shale::storage {
namespace {

constexpr uint64_t kMaxPageBytes = 8ull << 20;

NodeScanPosition PositionOf(const node_wire::WireScanEntry& e) {
  return NodeScanPosition{e.bucket, e.version.key, e.version.version};
}

}  // namespace

bool ScanBefore(const NodeScanPosition& a, const NodeScanPosition& b) {
  if (a.bucket != b.bucket) return a.bucket < b.bucket;
  if (a.key != b.key) return a.key < b.key;
  return std::memcmp(a.version.data(), b.version.data(), a.version.size()) > 0;  // Newest first.
}

MergedScan::MergedScan(const RepairSet* set, ScanRange range,
                       std::optional<NodeScanPosition> start_after, uint32_t page_limit)
    : set_(set), range_(std::move(range)), page_limit_(page_limit), cursors_(set->size()) {
  if (!start_after && !range_.bucket.empty()) {
    // Just before the first key with the prefix: its newest possible version.
    NodeScanPosition p{range_.bucket, range_.prefix, {}};
    p.version.fill(0xff);
    start_after = p;
  }
  for (NodeCursor& c : cursors_) c.after = start_after;
}

bool MergedScan::InRange(const node_wire::WireScanEntry& e) const {
  if (range_.bucket.empty()) return true;
  return e.bucket == range_.bucket && e.version.key.starts_with(range_.prefix);
}

void MergedScan::Refill(NodeCursor& c) {
  if (c.done || !c.buffered.empty()) return;
  NodeScanRequest request;
  request.start_after = c.after;
  request.limit = page_limit_;
  request.max_bytes = kMaxPageBytes;  // Inline objects make records up to inline_limit large.
  const size_t j = &c - cursors_.data();
  Result<node_wire::WireScanPage> page = set_->nodes[j]->ScanVersions(request);
  if (!page.ok()) page = set_->nodes[j]->ScanVersions(request);  // One retry.
  if (!page.ok()) {
    c.done = true;
    c.answered = false;
    return;
  }
  for (node_wire::WireScanEntry& e : page->entries) {
    if (!InRange(e)) {
      c.done = true;  // Past the range: entries come in order.
      break;
    }
    c.after = PositionOf(e);
    c.buffered.push_back(std::move(e));
  }
  if (!page->truncated || page->entries.empty()) c.done = true;
}

std::optional<VersionGroup> MergedScan::Next() {
  std::optional<NodeScanPosition> least;
  for (NodeCursor& c : cursors_) {
    Refill(c);
    if (c.buffered.empty()) continue;
    NodeScanPosition p = PositionOf(c.buffered.front());
    if (!least || ScanBefore(p, *least)) least = std::move(p);
  }
  if (!least) return std::nullopt;
  VersionGroup g;
  g.bucket = least->bucket;
  g.key = least->key;
  g.version = least->version;
  g.copies.held.resize(cursors_.size());
  g.copies.answered.resize(cursors_.size());
  for (size_t j = 0; j < cursors_.size(); ++j) {
    NodeCursor& c = cursors_[j];
    g.copies.answered[j] = c.answered;
    if (c.buffered.empty()) continue;
    const node_wire::WireScanEntry& e = c.buffered.front();
    if (e.bucket == g.bucket && e.version.key == g.key && e.version.version == g.version) {
      g.copies.held[j] = std::move(c.buffered.front().version);
      c.buffered.pop_front();
    }
  }
  return g;
}

bool MergedScan::all_answered() const {
  for (const NodeCursor& c : cursors_) {
    if (!c.answered) return false;
  }
  return true;
}

}  // namespace shale::storage
