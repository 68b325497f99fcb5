#include "gateway/s3_conditions.h"

#include "gateway/ascii.h"
#include "gateway/s3_dates.h"

namespace shale::gateway {
namespace {

std::string_view Unquote(std::string_view tag) {
  tag = TrimOws(tag);
  if (tag.size() >= 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '/') tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
    tag = tag.substr(1, tag.size() - 2);
  }
  return tag;
}

int64_t FloorSeconds(int64_t ms) { return ms >= 0 ? ms / 1000 : (ms - 999) / 1000; }

}  // namespace

bool EtagListMatches(std::string_view list, std::string_view etag) {
  etag = Unquote(etag);
  while (true) {
    size_t comma = list.find(',');
    std::string_view member = Unquote(list.substr(0, comma));
    if (member == "*" || (!member.empty() && member == etag)) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

ConditionOutcome EvaluateConditions(const ConditionHeaders& c, std::string_view etag,
                                    int64_t last_modified_ms) {
  const int64_t modified = FloorSeconds(last_modified_ms);
  if (c.if_match) {
    if (!EtagListMatches(*c.if_match, etag)) return ConditionOutcome::kPreconditionFailed;
  } else if (c.if_unmodified_since) {
    std::optional<int64_t> date = ParseHttpDate(TrimOws(*c.if_unmodified_since));
    if (date && modified > *date) return ConditionOutcome::kPreconditionFailed;
  }
  if (c.if_none_match) {
    if (EtagListMatches(*c.if_none_match, etag)) return ConditionOutcome::kNotModified;
  } else if (c.if_modified_since) {
    std::optional<int64_t> date = ParseHttpDate(TrimOws(*c.if_modified_since));
    if (date && modified <= *date) return ConditionOutcome::kNotModified;
  }
  return ConditionOutcome::kProceed;
}

}  // namespace shale::gateway
