// Node /v1/status bodies are read by the gateway's admin API (gateway/admin_status.h): any bytes
// as the answer of three nodes of a k=2 m=1 set must summarize and render without crashing, and
// the rendering must stay valid JSON.

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "gateway/admin_status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<shale::gateway::NodeReport> reports(3);
  for (size_t i = 0; i < reports.size(); ++i) {
    reports[i].id = "n" + std::to_string(i);
    reports[i].up = i != 2 || size % 2 == 0;
    reports[i].status_json = i == 1 ? "{\"scrub\":" + input + "}" : input;
  }
  shale::gateway::ClusterSummary s = shale::gateway::Summarize(reports, 3, 2);
  std::string json = shale::gateway::RenderClusterStatus(reports, s, 3, 0);
  rapidjson::Document doc;
  if (doc.Parse(json.c_str()).HasParseError()) std::abort();
  return 0;
}
