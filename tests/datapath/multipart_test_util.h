#pragma once

// Requests of the multipart tests (datapath and cluster): a part of an upload, a Complete of
// the given parts with a placeholder ETag (the handlers compute the real one).

#include <string>
#include <vector>

#include "gateway/object_store.h"

namespace shale::gateway::testing {

inline UploadPartRequest PartRequest(const MultipartUpload& u, uint32_t part_number,
                                     uint64_t size) {
  UploadPartRequest r;
  r.bucket = u.bucket;
  r.key = u.key;
  r.upload_id = u.upload_id;
  r.part_number = part_number;
  r.size = size;
  return r;
}

inline CompleteRequest CompleteOf(const MultipartUpload& u, const std::vector<PartInfo>& parts,
                                  BucketVersioning versioning = BucketVersioning::kUnversioned) {
  CompleteRequest r;
  r.bucket = u.bucket;
  r.key = u.key;
  r.upload_id = u.upload_id;
  r.parts = parts;
  r.etag = "etag-" + std::to_string(parts.size());
  r.versioning = versioning;
  return r;
}

}  // namespace shale::gateway::testing
