#pragma once

// A fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in it on
// destruction unless SHALE_KEEP_TEST_DIRS is set (for post-mortems of a failed test).

#include <string>

namespace shale::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace shale::testing
