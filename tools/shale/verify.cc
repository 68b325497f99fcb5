// `shale verify s3://BUCKET/KEY [--version-id V] [--deep]`: every node's version record and every
// shard of the object (node, present, healthy, and with --deep the CRC of the bytes read back),
// from the admin API. Exit 0 when all is well, 3 when any record or shard is missing or bad.

#include <cstdio>

#include "tools/shale/admin_client.h"
#include "tools/shale/commands.h"

namespace shale::cli {
namespace {

constexpr std::string_view kScheme = "s3://";

const char* YesNo(bool v) { return v ? "yes" : "NO"; }

void PrintReport(const rapidjson::Value& r, std::ostream& out) {
  const auto problems = static_cast<uint64_t>(JsonNumber(&r, "problems"));
  out << "s3://" << JsonString(&r, "bucket") << "/" << JsonString(&r, "key") << " version "
      << JsonString(&r, "version_id") << ": "
      << (JsonBool(&r, "delete_marker") ? "delete marker" : JsonString(&r, "layout")) << ", "
      << static_cast<uint64_t>(JsonNumber(&r, "size")) << " bytes, set "
      << static_cast<uint64_t>(JsonNumber(&r, "set"));
  if (JsonNumber(&r, "k") > 0) {
    out << ", k=" << JsonNumber(&r, "k") << " m=" << JsonNumber(&r, "m");
  }
  out << "\n"
      << (problems == 0 ? "healthy" : "NOT HEALTHY: " + std::to_string(problems) + " problem(s)")
      << "\n\nrecords:\n";
  if (const rapidjson::Value* records = JsonMember(&r, "records"); records && records->IsArray()) {
    for (const auto& rec : records->GetArray()) {
      out << "  " << JsonString(&rec, "node") << "  present " << YesNo(JsonBool(&rec, "present"));
      if (JsonMember(&rec, "has_data") != nullptr) {
        out << "  inline data " << YesNo(JsonBool(&rec, "has_data"));
      }
      if (std::string e = JsonString(&rec, "error"); !e.empty()) out << "  " << e;
      out << "\n";
    }
  }
  const rapidjson::Value* shards = JsonMember(&r, "shards");
  if (shards == nullptr || !shards->IsArray() || shards->Empty()) return;
  out << "\nshards (extent/chunk/shard  node  present healthy crc):\n";
  for (const auto& s : shards->GetArray()) {
    char id[48];
    std::snprintf(id, sizeof(id), "%u/%u/%u", static_cast<unsigned>(JsonNumber(&s, "extent")),
                  static_cast<unsigned>(JsonNumber(&s, "chunk")),
                  static_cast<unsigned>(JsonNumber(&s, "shard")));
    const rapidjson::Value* crc = JsonMember(&s, "crc_ok");
    out << "  " << id << "  " << JsonString(&s, "node") << "  " << YesNo(JsonBool(&s, "present"))
        << " " << YesNo(JsonBool(&s, "healthy")) << " "
        << (crc == nullptr || !crc->IsBool() ? "-"
            : crc->GetBool()                 ? "ok"
                                             : "BAD");
    if (std::string e = JsonString(&s, "error"); !e.empty()) out << "  " << e;
    out << "\n";
  }
}

}  // namespace

CommandSpec VerifyCommand() {
  CommandSpec c;
  c.name = "verify";
  c.summary = "check every record and shard of one object on the nodes (admin API)";
  c.operand = "s3://BUCKET/KEY";
  c.options = AdminOptions({{"version-id", "ID", "a version other than the newest"},
                            {"deep", "", "read every shard back and check its CRC"}});
  c.check = [](const Args& args) {
    std::string_view uri = args.operand();
    if (uri.substr(0, kScheme.size()) != kScheme ||
        uri.find('/', kScheme.size()) == std::string_view::npos || uri.back() == '/') {
      return Status::InvalidArgument("expected s3://BUCKET/KEY, got '" + std::string(uri) + "'");
    }
    return Status::OK();
  };
  c.run = [](const Args& args, Io& io) -> Status {
    std::string_view uri = std::string_view(args.operand()).substr(kScheme.size());
    const size_t slash = uri.find('/');
    std::vector<std::pair<std::string, std::string>> params = {
        {"bucket", std::string(uri.substr(0, slash))}, {"key", std::string(uri.substr(slash + 1))}};
    if (args.Has("version-id")) params.emplace_back("versionId", args.Get("version-id"));
    if (args.Has("deep")) params.emplace_back("deep", "1");
    SHALE_ASSIGN_OR_RETURN(std::unique_ptr<AdminClient> client, AdminClient::FromArgs(args));
    SHALE_ASSIGN_OR_RETURN(rapidjson::Document report, client->Get("verify", params));
    if (args.Has("json")) {
      io.out << JsonText(report) << "\n";
    } else {
      PrintReport(report, io.out);
    }
    if (!JsonBool(&report, "healthy")) io.exit_code = kExitDegraded;
    return Status::OK();
  };
  return c;
}

}  // namespace shale::cli
