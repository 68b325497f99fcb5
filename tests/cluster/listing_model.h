#pragma once

// An in-memory model of one bucket's newest object versions and of what a listing of it must
// return (S3's ListObjects rules for prefix, delimiter, start-after and max-keys), to compare
// ObjectStore::List against. Thread-safety: a plain value.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "gateway/object_store.h"

namespace shale::testing {

class ListingModel {
 public:
  void Put(const std::string& key, std::string body) { objects_[key] = std::move(body); }
  void Delete(const std::string& key) { objects_.erase(key); }
  const std::map<std::string, std::string>& objects() const { return objects_; }

  // Keys and common prefixes after start_after, grouped by the delimiter, cut at max_keys.
  gateway::ListResult List(const gateway::ListQuery& q) const {
    std::vector<std::pair<std::string, bool>> entries;  // Name, is a common prefix.
    for (auto it = objects_.upper_bound(q.start_after); it != objects_.end(); ++it) {
      const std::string& key = it->first;
      if (key.compare(0, q.prefix.size(), q.prefix) != 0) continue;
      size_t d = q.delimiter.empty() ? std::string::npos : key.find(q.delimiter, q.prefix.size());
      if (d == std::string::npos) {
        entries.emplace_back(key, false);
        continue;
      }
      std::string common = key.substr(0, d + q.delimiter.size());
      if (common <= q.start_after) continue;  // Continuing after a common prefix skips it.
      if (entries.empty() || entries.back().first != common) entries.emplace_back(common, true);
    }
    gateway::ListResult r;
    r.truncated = entries.size() > q.max_keys;
    if (r.truncated) entries.resize(q.max_keys);
    for (auto& [name, is_prefix] : entries) {
      if (is_prefix) {
        r.common_prefixes.push_back(name);
      } else {
        gateway::ObjectInfo o;
        o.key = name;
        o.size = objects_.at(name).size();
        o.etag = HexEncode(Md5(objects_.at(name)));
        r.objects.push_back(std::move(o));
      }
    }
    if (r.truncated) r.next_marker = entries.back().first;
    return r;
  }

 private:
  std::map<std::string, std::string> objects_;
};

// What a comparison of listings looks at, as text for readable failures: keys with size and
// ETag, common prefixes, truncation and (when truncated) the marker.
inline std::string Describe(const gateway::ListResult& r) {
  std::string out;
  for (const auto& o : r.objects) {
    out += o.key + " size=" + std::to_string(o.size) + " etag=" + o.etag + "\n";
  }
  for (const auto& p : r.common_prefixes) out += "prefix " + p + "\n";
  if (r.truncated) out += "truncated, next " + r.next_marker + "\n";
  return out;
}

}  // namespace shale::testing
