// Fuzz target: the cluster config and users-file parsers never crash on arbitrary bytes, and
// whatever they accept survives a round trip through ClusterConfigToJson.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  shale::Result<shale::ClusterConfig> config = shale::ParseClusterConfig(text, "fuzz.json");
  if (config.ok()) {
    std::string written = shale::ClusterConfigToJson(*config);
    shale::Result<shale::ClusterConfig> again = shale::ParseClusterConfig(written, "written");
    if (!again.ok() || !(*again == *config)) {
      std::fprintf(stderr, "round trip failed: %s\n%s\n", again.status().ToString().c_str(),
                   written.c_str());
      std::abort();
    }
  }
  (void)shale::ParseUsersFile(text, "fuzz-users.json");  // Only crashes matter here.
  return 0;
}
