#include "tools/shale/wait_options.h"

#include <chrono>
#include <cstdlib>
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
  Progress progress(io.err, StderrIsTerminal());
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

}  // namespace shale::cli
