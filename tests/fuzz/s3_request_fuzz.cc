// Fuzz target for the S3 handlers' parsers of request input: HTTP dates and conditional
// headers (gateway/s3_conditions.h), x-amz-tagging and Tagging XML (gateway/s3_tags.h), CORS
// XML (gateway/cors.h) and the checksum headers (gateway/s3_checksum.h). The first byte picks
// the parser, the rest is its input.
// Properties: nothing crashes; what parses re-renders to a document that parses to the same
// value; a formatted date parses back to its second.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/cors.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_conditions.h"
#include "gateway/s3_dates.h"
#include "gateway/s3_tags.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}

// "name:value" lines.
std::vector<shale::gateway::S3Header> Headers(std::string_view text) {
  std::vector<shale::gateway::S3Header> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      out.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale::gateway;
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0: {
      if (std::optional<int64_t> seconds = ParseHttpDate(in)) {
        if (*seconds >= 0 && *seconds < (int64_t{1} << 40)) {
          Require(ParseHttpDate(FormatHttpDate(*seconds * 1000)) == *seconds);
        }
      }
      ConditionHeaders c{in, in, in, in};
      (void)EvaluateConditions(c, in, 0);
      (void)EtagListMatches(in, "abc");
      break;
    }
    case 1: {
      auto tags = ParseTaggingXml(in);
      if (tags.ok()) {
        auto again = ParseTaggingXml(RenderTaggingXml(*tags));
        Require(again.ok() && *again == *tags);
      }
      break;
    }
    case 2: {
      auto config = ParseCorsXml(in);
      if (config.ok()) {
        std::string canonical = RenderCorsXml(*config);
        auto again = ParseCorsXml(canonical);
        Require(again.ok() && RenderCorsXml(*again) == canonical);
        (void)MatchCorsRule(*config, in, "GET", in);
      }
      break;
    }
    case 3: {
      auto tags = ParseTaggingHeader(in);
      if (tags.ok()) Require(tags->size() <= kMaxTags);
      break;
    }
    case 4: {
      std::vector<S3Header> headers = Headers(in);
      auto request = ParseChecksumRequest(headers);
      if (request.ok()) {
        std::vector<ChecksumAlgorithm> algorithms;
        if (request->algorithm) algorithms.push_back(*request->algorithm);
        (void)VerifyChecksums(*request, ComputeDigests(in, algorithms), &headers);
      }
      break;
    }
  }
  return 0;
}
