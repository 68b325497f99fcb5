// Fuzz target for the XML parser and writer escaping (gateway/xml.h, gateway/xml_writer.h).
// Properties: nothing crashes or recurses past the depth limit; a parsed document serialized
// again (with XmlEscape) parses back to the same tree.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/xml.h"
#include "gateway/xml_writer.h"

namespace {

using shale::gateway::XmlElement;

void Require(bool condition) {
  if (!condition) std::abort();
}

// Attribute values: whitespace must be written as references to survive normalization.
std::string EscapeAttribute(std::string_view v) {
  std::string out;
  for (char c : shale::gateway::XmlEscape(v)) {
    if (c == '\t') {
      out += "&#x9;";
    } else if (c == '\n') {
      out += "&#xA;";
    } else {
      out += c;
    }
  }
  return out;
}

void Serialize(const XmlElement& e, std::string* out) {
  out->append("<").append(e.name);
  for (const auto& a : e.attributes) {
    out->append(" ").append(a.name).append("=\"").append(EscapeAttribute(a.value)).append("\"");
  }
  out->append(">");
  out->append(shale::gateway::XmlEscape(e.text));  // Text first: order is not part of the DOM.
  for (const auto& c : e.children) Serialize(c, out);
  out->append("</").append(e.name).append(">");
}

bool Same(const XmlElement& a, const XmlElement& b) {
  if (a.name != b.name || a.text != b.text || a.attributes.size() != b.attributes.size() ||
      a.children.size() != b.children.size()) {
    return false;
  }
  for (size_t i = 0; i < a.attributes.size(); ++i) {
    if (a.attributes[i].name != b.attributes[i].name ||
        a.attributes[i].value != b.attributes[i].value) {
      return false;
    }
  }
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (!Same(a.children[i], b.children[i])) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto doc = shale::gateway::ParseXml(input);
  if (!doc.ok()) return 0;
  std::string again;
  Serialize(*doc, &again);
  shale::gateway::XmlLimits generous;
  generous.max_bytes = again.size() + 1;
  auto reparsed = shale::gateway::ParseXml(again, generous);
  Require(reparsed.ok());
  Require(Same(*doc, *reparsed));
  return 0;
}
