#include "tools/shale/wait_options.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

namespace shale::cli {
namespace {

double Seconds(const Args& args, std::string_view name, double fallback) {
  std::string v = args.Get(name);
  if (v.empty()) return fallback;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  return *end == '\0' && d > 0 ? d : fallback;
}

}  // namespace

std::vector<OptionSpec> WaitOptions(std::vector<OptionSpec> own) {
  own.push_back({"wait", "", "wait until it has finished, showing progress"});
  own.push_back({"timeout", "SECONDS", "with --wait: give up after this long (default 86400)"});
  own.push_back({"interval", "SECONDS", "with --wait: seconds between status polls (default 1)"});
  return own;
}

Result<rapidjson::Document> WaitUntil(
    AdminClient& client, const Args& args, Io& io,
    const std::function<Result<WaitStep>(const rapidjson::Document& status)>& step) {
  const auto interval = std::chrono::duration<double>(Seconds(args, "interval", 1));
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(Seconds(args, "timeout", 86400)));
  Progress progress(io.err, StderrProgressStyle());
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(rapidjson::Document status, client.Get("status"));
    SHALE_ASSIGN_OR_RETURN(WaitStep s, step(status));
    progress.Update(s.done ? 1.0 : s.fraction, s.detail);
    if (s.done) return status;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Timeout("gave up waiting after --timeout seconds");
    }
    std::this_thread::sleep_for(interval);
  }
}

Result<WaitStep> ScrubStep(const rapidjson::Value& status, const std::vector<std::string>& targets,
                           double requested_ms) {
  WaitStep s{true, 0, ""};
  double eta = 0;
  for (const rapidjson::Value* node : StatusNodes(status)) {
    const rapidjson::Value& n = *node;
    if (std::find(targets.begin(), targets.end(), JsonString(&n, "id")) == targets.end()) {
      continue;
    }
    const rapidjson::Value* scrub = JsonMember(&n, "scrub");
    if (JsonBool(&n, "up") && (scrub == nullptr || !scrub->IsObject())) {
      return Status::NotSupported("node " + JsonString(&n, "id") + " reports no scrubber");
    }
    bool finished = JsonBool(&n, "up") && !JsonBool(scrub, "running") &&
                    JsonNumber(scrub, "last_pass_completed_ms") >= requested_ms;
    s.done = s.done && finished;
    s.fraction += (finished                     ? 1.0
                   : JsonBool(scrub, "running") ? JsonNumber(scrub, "progress")
                                                : 0) /
                  static_cast<double>(targets.size());
    eta = std::max(eta, JsonNumber(scrub, "eta_seconds"));
  }
  s.detail = "eta " + FormatDuration(eta);
  return s;
}

Result<WaitStep> RepairStep(const rapidjson::Value& status, double requested_ms) {
  // Per erasure set: the progress of its coordinator's sweep (1 once one finished after the
  // request). A set whose coordinator is not known yet counts as 0.
  std::map<uint64_t, double> sets;
  bool any_repair = false;
  for (const rapidjson::Value* n : StatusNodes(status)) {
    const auto set = static_cast<uint64_t>(JsonNumber(n, "set"));
    sets.emplace(set, 0.0);
    const rapidjson::Value* repair = JsonMember(n, "repair");
    if (repair == nullptr || !repair->IsObject()) continue;
    any_repair = true;
    if (!JsonBool(n, "up") || !JsonBool(repair, "coordinator")) continue;
    const rapidjson::Value* sweep = JsonMember(repair, "sweep");
    double p = !JsonBool(sweep, "running") && JsonNumber(sweep, "last_completed_ms") >= requested_ms
                   ? 1.0
               : JsonBool(sweep, "running") ? std::min(0.99, JsonNumber(sweep, "progress"))
                                            : 0.0;
    sets[set] = std::max(sets[set], p);
  }
  if (!any_repair) return Status::NotSupported("no node reports a repair service");
  WaitStep s;
  s.done = true;
  for (const auto& [set, p] : sets) {
    s.done = s.done && p >= 1.0;
    s.fraction += p / static_cast<double>(sets.size());
  }
  const rapidjson::Value* c = JsonMember(&status, "cluster");
  const bool all_up = JsonNumber(c, "nodes_up") >= JsonNumber(c, "nodes_total");
  const bool drained = JsonNumber(c, "queue_depth") == 0 && JsonNumber(c, "degraded_objects") == 0;
  s.done = s.done && (drained || !all_up);
  s.detail = "queue " + std::to_string(static_cast<uint64_t>(JsonNumber(c, "queue_depth"))) +
             ", eta " + FormatDuration(JsonOptionalNumber(&status, "eta_healthy_seconds"));
  return s;
}

}  // namespace shale::cli
