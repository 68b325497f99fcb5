#include "tests/support/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace shale::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/shale-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    // Tests are a program edge: failing loudly here is the right outcome.
    throw std::runtime_error("mkdtemp failed for " + tmpl);
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (std::getenv("SHALE_KEEP_TEST_DIRS") != nullptr) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // Best effort: a leftover temp dir is harmless.
}

}  // namespace shale::testing
