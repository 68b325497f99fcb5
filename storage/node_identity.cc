#include "storage/node_identity.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/fs/file_util.h"
#include "common/json_reader.h"

namespace shale::storage {

std::string EncodeNodeIdentity(const NodeIdentity& identity) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("format_version");
  w.Uint(identity.format_version);
  w.Key("cluster_id");
  w.String(identity.cluster_id.c_str());
  w.Key("node_id");
  w.String(identity.node_id.c_str());
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize()) + "\n";
}

Result<NodeIdentity> ParseNodeIdentity(std::string_view json, std::string_view source) {
  rapidjson::Document doc;
  SHALE_RETURN_IF_ERROR(json::ParseDocument(json, source, &doc));
  SHALE_ASSIGN_OR_RETURN(
      auto reader,
      json::ObjectReader::Open(doc, "", source, {"format_version", "cluster_id", "node_id"}));
  NodeIdentity id;
  SHALE_ASSIGN_OR_RETURN(auto version, reader.Uint("format_version", 1, UINT32_MAX));
  if (!version) return reader.Error("format_version", "missing");
  if (*version != kNodeIdentityFormatVersion) {
    return reader.Error("format_version", "unsupported version " + std::to_string(*version));
  }
  id.format_version = static_cast<uint32_t>(*version);
  SHALE_ASSIGN_OR_RETURN(id.cluster_id, reader.RequiredString("cluster_id"));
  SHALE_ASSIGN_OR_RETURN(id.node_id, reader.RequiredString("node_id"));
  return id;
}

Status CheckOrWriteNodeIdentity(fs::FileSystem& fs, const std::string& dir,
                                const NodeIdentity& expected) {
  SHALE_RETURN_IF_ERROR(fs.CreateDirs(dir));
  std::string path = dir + "/" + std::string(kNodeIdentityFile);
  SHALE_ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) return fs::WriteFileAtomically(fs, path, EncodeNodeIdentity(expected));
  SHALE_ASSIGN_OR_RETURN(std::string text, fs::ReadFileToString(fs, path, 64 * 1024));
  SHALE_ASSIGN_OR_RETURN(NodeIdentity found, ParseNodeIdentity(text, path));
  if (found.cluster_id != expected.cluster_id || found.node_id != expected.node_id) {
    return Status::FailedPrecondition("data directory " + dir + " belongs to cluster \"" +
                                      found.cluster_id + "\" node \"" + found.node_id +
                                      "\", not cluster \"" + expected.cluster_id + "\" node \"" +
                                      expected.node_id + "\" (" + path + ")");
  }
  return Status::OK();
}

}  // namespace shale::storage
