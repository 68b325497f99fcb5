#pragma once

// LongKeyTable: an ordered map from byte-string keys of up to kMaxKeySize bytes to values,
// stored in one LMDB database whose own keys stop at 511 bytes. Iteration yields entries in
// exact memcmp order of the full keys, streaming, with memory bounded by the key length.
//
// Layout (a trie over fixed chunks; FORMAT.md):
//   LMDB key   = node id (8 bytes big-endian) + chunk (0..kChunk bytes). The root is node 0.
//   A key K is split into chunks of kChunk bytes: c0, c1, ..., c_last (c_last may be shorter,
//   and is empty only for the empty key). Chunk c_i lives in node n_i, where n_0 = 0 and
//   n_{i+1} is the child node id stored in the entry of c_i. K's value sits in the entry of
//   c_last, flagged "terminal".
//   LMDB value = flags (u8: bit0 terminal, bit1 has-children, others 0)
//                [+ child node id (u64 little-endian) if has-children]
//                [+ value bytes if terminal].
//   Node ids come from a counter stored under the reserved key 0xFF x 8 (u64 little-endian).
// Order: inside a node, entries sort by chunk. A shorter (final) chunk that is a prefix of a
// full one belongs to a key that is a prefix of the other's keys, so it sorts first, and an
// entry's own terminal key is a prefix of all keys below its children. An in-order walk
// (terminal first, then children, then the next entry) therefore yields memcmp order.
// Deleting a key prunes entries and nodes that became empty; node ids are never reused.
//
// Thread-safety: the table object is immutable after Open and may be shared; each operation
// runs inside the caller's transaction and follows that transaction's rules. An Iterator is
// used by one thread at a time and must not outlive its transaction or see writes to the table.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/lmdb.h"

namespace shale::storage {

class LongKeyTable {
 public:
  static constexpr size_t kChunk = 472;        // 8 + 472 = 480 <= 511 (LMDB's key limit).
  static constexpr size_t kMaxKeySize = 4096;  // Longer keys are InvalidArgument.

  // Opens (creating if needed) the LMDB database `name` inside `txn`.
  static Result<LongKeyTable> Open(lmdb::WriteTxn& txn, const char* name);

  // Inserts or replaces.
  Status Put(lmdb::WriteTxn& txn, std::string_view key, std::string_view value) const;
  // The view points into the map: valid until `txn` ends or the table is written.
  Result<std::string_view> Get(const lmdb::Txn& txn, std::string_view key) const;
  // NotFound if absent.
  Status Delete(lmdb::WriteTxn& txn, std::string_view key) const;

  class Iterator {
   public:
    // Positions at the first key >= `target`.
    Status Seek(std::string_view target);
    Status SeekToFirst() { return Seek({}); }
    // Precondition: Valid().
    Status Next();
    bool Valid() const { return valid_; }
    // Valid until the next positioning call.
    const std::string& key() const { return key_; }
    // Points into the map: valid until the next positioning call or the txn ends.
    std::string_view value() const { return value_; }

   private:
    friend class LongKeyTable;
    struct Frame {
      lmdb::Cursor cursor;
      std::string node;   // 8-byte node id prefix.
      size_t prefix_len;  // Bytes of the key above this node.
    };
    Iterator(const lmdb::Txn* txn, lmdb::Dbi dbi) : txn_(txn), dbi_(dbi) {}
    Status PushNode(uint64_t node, size_t prefix_len);
    // The top frame's cursor stands on a fresh entry (or past its node): find the next key.
    Status Settle();
    bool TopValid() const;

    const lmdb::Txn* txn_;  // Borrowed: the transaction outlives the iterator.
    lmdb::Dbi dbi_;
    std::vector<Frame> frames_;
    bool valid_ = false;
    std::string key_;
    std::string_view value_;
  };

  // `txn` is borrowed and must outlive the iterator.
  Iterator NewIterator(const lmdb::Txn& txn) const { return Iterator(&txn, dbi_); }

 private:
  explicit LongKeyTable(lmdb::Dbi dbi) : dbi_(dbi) {}
  Result<uint64_t> AllocateNode(lmdb::WriteTxn& txn) const;

  lmdb::Dbi dbi_;
};

}  // namespace shale::storage
