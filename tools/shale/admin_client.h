#pragma once

// What `shale status|scrub|repair|verify` share: the gateway admin API client (signed like any
// S3 request, tools/shale/s3_client.h), configured like aws-cli — `--endpoint` or
// SHALE_ENDPOINT, `--access-key`/`--secret-key` or SHALE_ACCESS_KEY/SHALE_SECRET_KEY — plus the
// JSON readers, number formats and progress display of their output.
// Thread-safety: an AdminClient is used by one thread; the helpers are pure (Progress writes to
// its stream).

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "tools/shale/cli.h"
#include "tools/shale/s3_client.h"

namespace shale::cli {

// The options every admin command takes (endpoint, keys, --json).
std::vector<OptionSpec> AdminOptions(std::vector<OptionSpec> own);

class AdminClient {
 public:
  // From the command's options, falling back to the environment. InvalidArgument when no
  // credentials are configured.
  static Result<std::unique_ptr<AdminClient>> FromArgs(const Args& args);
  explicit AdminClient(std::unique_ptr<S3Client> s3) : s3_(std::move(s3)) {}

  // GET/POST /_shale/admin/v1/<op>?<params>; the parsed JSON answer. An error status carries
  // the gateway's S3 error code and message (AccessDenied for a non-admin user).
  Result<rapidjson::Document> Get(std::string_view op,
                                  std::vector<std::pair<std::string, std::string>> params = {});
  Result<rapidjson::Document> Post(std::string_view op,
                                   std::vector<std::pair<std::string, std::string>> params = {});

 private:
  Result<rapidjson::Document> Call(const char* method, std::string_view op,
                                   std::vector<std::pair<std::string, std::string>> params);
  std::unique_ptr<S3Client> s3_;
};

// Readers of the admin JSON: a missing or mistyped member reads as 0 / false / "" / nullopt.
const rapidjson::Value* JsonMember(const rapidjson::Value* obj, const char* name);
double JsonNumber(const rapidjson::Value* obj, const char* name);
std::optional<double> JsonOptionalNumber(const rapidjson::Value* obj, const char* name);
bool JsonBool(const rapidjson::Value* obj, const char* name);
std::string JsonString(const rapidjson::Value* obj, const char* name);
// The elements of the status JSON's "nodes" array (none when it has none).
std::vector<const rapidjson::Value*> StatusNodes(const rapidjson::Value& status);
// The document as compact JSON text.
std::string JsonText(const rapidjson::Value& value);

// "1.5 GiB", "812 B".
std::string FormatBytes(double bytes);
// "2h05m", "3m20s", "45s"; "unknown" for nullopt.
std::string FormatDuration(std::optional<double> seconds);

// Progress of a waiting command: on a terminal one bar redrawn in place, otherwise a plain line
// whenever the whole percentage or the detail changes, at most one a second (a long wait still
// shows its ETA and queue moving in a log).
enum class ProgressStyle { kBar, kLines };

class Progress {
 public:
  Progress(std::ostream& out, ProgressStyle style)
      : out_(out), terminal_(style == ProgressStyle::kBar) {}
  ~Progress() { Finish(); }
  // `fraction` 0..1; `detail` follows the bar ("eta 1m20s").
  void Update(double fraction, const std::string& detail);
  void Finish();

 private:
  std::ostream& out_;
  const bool terminal_;
  int last_percent_ = -1;
  std::string last_detail_;
  std::chrono::steady_clock::time_point last_line_{};
  bool drawn_ = false;
};

// kBar when stderr is a terminal, else kLines.
ProgressStyle StderrProgressStyle();

}  // namespace shale::cli
