#include "storage/long_key_table.h"

#include <algorithm>
#include <optional>

#include "storage/byte_codec.h"

namespace shale::storage {
namespace {

constexpr uint8_t kTerminal = 1;
constexpr uint8_t kHasChildren = 2;
constexpr size_t kNodeIdSize = 8;
const std::string kCounterKey(kNodeIdSize, '\xFF');

struct Entry {
  uint8_t flags = 0;
  uint64_t child = 0;
  std::string_view value;  // Meaningful when terminal.
  bool terminal() const { return (flags & kTerminal) != 0; }
  bool has_children() const { return (flags & kHasChildren) != 0; }
};

Status Corrupt(std::string_view what) {
  return Status::Corruption(std::string("long-key table entry: ") + std::string(what) +
                            "; rebuild the index with `shale rebuild-index --data DIR`");
}

Result<Entry> DecodeEntry(std::string_view bytes) {
  ByteReader r(bytes);
  Entry e;
  e.flags = r.U8();
  if (r.failed() || (e.flags & ~(kTerminal | kHasChildren)) != 0 || e.flags == 0) {
    return Corrupt("bad flags");
  }
  if (e.has_children()) {
    e.child = r.U64();
    if (r.failed() || e.child == 0) return Corrupt("bad child id");
  }
  e.value = r.Rest();
  if (!e.terminal() && !e.value.empty()) return Corrupt("value without terminal flag");
  return e;
}

std::string EncodeEntry(const Entry& e) {
  std::string out;
  out.push_back(static_cast<char>(e.flags));
  if (e.has_children()) PutLE(&out, e.child, 8);
  if (e.terminal()) out.append(e.value);
  return out;
}

// The LMDB key of chunk `i` of `key` inside node `node`; `*last` says whether it is the final
// chunk (the one holding the key's value).
std::string ChunkKey(uint64_t node, std::string_view key, size_t i, bool* last) {
  size_t start = i * LongKeyTable::kChunk;
  size_t len = std::min(LongKeyTable::kChunk, key.size() - start);
  *last = start + len == key.size();
  std::string k = BigEndian64(node);
  k.append(key.substr(start, len));
  return k;
}

Result<std::optional<Entry>> Lookup(const lmdb::Txn& txn, lmdb::Dbi dbi, std::string_view k) {
  Result<std::string_view> v = txn.Get(dbi, k);
  if (v.status().IsNotFound()) return std::optional<Entry>();
  if (!v.ok()) return v.status();
  SHALE_ASSIGN_OR_RETURN(Entry e, DecodeEntry(*v));
  return std::optional<Entry>(e);
}

Status CheckKey(std::string_view key) {
  if (key.size() > LongKeyTable::kMaxKeySize) {
    return Status::InvalidArgument("long-key table key longer than " +
                                   std::to_string(LongKeyTable::kMaxKeySize) + " bytes");
  }
  return Status::OK();
}

}  // namespace

Result<LongKeyTable> LongKeyTable::Open(lmdb::WriteTxn& txn, const char* name) {
  SHALE_ASSIGN_OR_RETURN(lmdb::Dbi dbi, txn.OpenDbi(name));
  return LongKeyTable(dbi);
}

Result<uint64_t> LongKeyTable::AllocateNode(lmdb::WriteTxn& txn) const {
  uint64_t next = 1;
  Result<std::string_view> v = txn.Get(dbi_, kCounterKey);
  if (v.ok()) {
    ByteReader r(*v);
    next = r.U64();
    if (!r.Done() || next == 0 || next == UINT64_MAX) return Corrupt("bad node counter");
  } else if (!v.status().IsNotFound()) {
    return v.status();
  }
  std::string enc;
  PutLE(&enc, next + 1, 8);
  SHALE_RETURN_IF_ERROR(txn.Put(dbi_, kCounterKey, enc));
  return next;
}

Status LongKeyTable::Put(lmdb::WriteTxn& txn, std::string_view key, std::string_view value) const {
  SHALE_RETURN_IF_ERROR(CheckKey(key));
  uint64_t node = 0;
  for (size_t i = 0;; ++i) {
    bool last;
    std::string k = ChunkKey(node, key, i, &last);
    SHALE_ASSIGN_OR_RETURN(std::optional<Entry> found, Lookup(txn, dbi_, k));
    Entry e = found.value_or(Entry{});
    if (last) {
      e.flags |= kTerminal;
      e.value = value;
      return txn.Put(dbi_, k, EncodeEntry(e));
    }
    if (!e.has_children()) {
      // Encode before allocating: the counter write may move pages under e.value.
      std::string old_value(e.value);
      e.value = old_value;
      SHALE_ASSIGN_OR_RETURN(e.child, AllocateNode(txn));
      e.flags |= kHasChildren;
      SHALE_RETURN_IF_ERROR(txn.Put(dbi_, k, EncodeEntry(e)));
    }
    node = e.child;
  }
}

namespace {

// The entries along `key`'s path, root first; NotFound unless `key` is stored.
struct PathStep {
  std::string k;
  Entry e;  // Its value view is valid until the next write to the table.
};
Result<std::vector<PathStep>> FindPath(const lmdb::Txn& txn, lmdb::Dbi dbi, std::string_view key) {
  SHALE_RETURN_IF_ERROR(CheckKey(key));
  std::vector<PathStep> path;
  uint64_t node = 0;
  for (size_t i = 0;; ++i) {
    bool last;
    std::string k = ChunkKey(node, key, i, &last);
    SHALE_ASSIGN_OR_RETURN(std::optional<Entry> found, Lookup(txn, dbi, k));
    if (!found || (last ? !found->terminal() : !found->has_children())) {
      return Status::NotFound("no such key");
    }
    path.push_back(PathStep{std::move(k), *found});
    if (last) return path;
    node = found->child;
  }
}

}  // namespace

Result<std::string_view> LongKeyTable::Get(const lmdb::Txn& txn, std::string_view key) const {
  SHALE_ASSIGN_OR_RETURN(std::vector<PathStep> path, FindPath(txn, dbi_, key));
  return path.back().e.value;
}

Status LongKeyTable::Delete(lmdb::WriteTxn& txn, std::string_view key) const {
  SHALE_ASSIGN_OR_RETURN(std::vector<PathStep> path, FindPath(txn, dbi_, key));
  // Owned copies of the values: the writes below may move map pages.
  std::vector<std::string> values;
  for (const PathStep& s : path) values.emplace_back(s.e.value);
  path.back().e.flags &= ~kTerminal;
  values.back().clear();
  for (size_t i = path.size(); i-- > 0;) {
    PathStep& s = path[i];
    if (s.e.flags != 0) {
      s.e.value = values[i];
      return txn.Put(dbi_, s.k, EncodeEntry(s.e));
    }
    SHALE_RETURN_IF_ERROR(txn.Delete(dbi_, s.k));
    if (i == 0) break;
    // Did the parent's child node just become empty?
    std::string child_prefix = BigEndian64(path[i - 1].e.child);
    SHALE_ASSIGN_OR_RETURN(lmdb::Cursor c, lmdb::Cursor::Open(txn, dbi_));
    SHALE_RETURN_IF_ERROR(c.Seek(child_prefix));
    if (c.Valid() && c.key().starts_with(child_prefix)) return Status::OK();
    path[i - 1].e.flags &= ~kHasChildren;
  }
  return Status::OK();
}

Status LongKeyTable::Iterator::PushNode(uint64_t node, size_t prefix_len) {
  SHALE_ASSIGN_OR_RETURN(lmdb::Cursor c, lmdb::Cursor::Open(*txn_, dbi_));
  frames_.push_back(Frame{std::move(c), BigEndian64(node), prefix_len});
  return Status::OK();
}

bool LongKeyTable::Iterator::TopValid() const {
  const Frame& f = frames_.back();
  return f.cursor.Valid() && f.cursor.key().starts_with(f.node);
}

Status LongKeyTable::Iterator::Settle() {
  valid_ = false;
  while (!frames_.empty()) {
    Frame& f = frames_.back();
    if (!TopValid()) {
      frames_.pop_back();
      if (frames_.empty()) break;
      // The parent's entry (terminal and children) is done: move past it.
      SHALE_RETURN_IF_ERROR(frames_.back().cursor.Next());
      continue;
    }
    SHALE_ASSIGN_OR_RETURN(Entry e, DecodeEntry(f.cursor.value()));
    key_.resize(f.prefix_len);
    key_.append(f.cursor.key().substr(kNodeIdSize));
    if (e.terminal()) {
      valid_ = true;
      value_ = e.value;
      return Status::OK();
    }
    SHALE_RETURN_IF_ERROR(PushNode(e.child, key_.size()));
    SHALE_RETURN_IF_ERROR(frames_.back().cursor.Seek(frames_.back().node));
  }
  return Status::OK();
}

Status LongKeyTable::Iterator::Seek(std::string_view target) {
  frames_.clear();
  valid_ = false;
  key_.clear();
  if (target.size() > kMaxKeySize) target = target.substr(0, kMaxKeySize + 1);
  SHALE_RETURN_IF_ERROR(PushNode(0, 0));
  size_t pos = 0;
  for (;;) {
    Frame& f = frames_.back();
    std::string_view chunk = target.substr(pos, std::min(kChunk, target.size() - pos));
    SHALE_RETURN_IF_ERROR(f.cursor.Seek(f.node + std::string(chunk)));
    // Only an entry whose chunk equals a full chunk of a longer target has keys on both sides
    // of the target: skip its terminal (a proper prefix, so smaller) and descend.
    if (!TopValid() || pos + kChunk >= target.size() ||
        f.cursor.key().substr(kNodeIdSize) != chunk) {
      break;
    }
    SHALE_ASSIGN_OR_RETURN(Entry e, DecodeEntry(f.cursor.value()));
    if (!e.has_children()) {
      SHALE_RETURN_IF_ERROR(f.cursor.Next());
      break;
    }
    key_.resize(f.prefix_len);
    key_.append(chunk);
    pos += kChunk;
    SHALE_RETURN_IF_ERROR(PushNode(e.child, key_.size()));
  }
  return Settle();
}

Status LongKeyTable::Iterator::Next() {
  Frame& f = frames_.back();
  SHALE_ASSIGN_OR_RETURN(Entry e, DecodeEntry(f.cursor.value()));
  if (e.has_children()) {
    SHALE_RETURN_IF_ERROR(PushNode(e.child, key_.size()));
    SHALE_RETURN_IF_ERROR(frames_.back().cursor.Seek(frames_.back().node));
  } else {
    SHALE_RETURN_IF_ERROR(f.cursor.Next());
  }
  return Settle();
}

}  // namespace shale::storage
