// Fuzz target for the repair sweep state decoder (storage/repair_sweep_state.h): the file is
// read back from the node's disk, where it may be torn or damaged. Properties: no crash, hang or
// out-of-bounds read, and whatever decodes re-encodes to the same bytes (the encoding is
// canonical).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/repair_sweep_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto state = shale::storage::DecodeSweepState(input); state.ok()) {
    if (shale::storage::EncodeSweepState(*state) != input) std::abort();
  }
  return 0;
}
