#pragma once

// A small XML writer for S3 response bodies: elements and escaped text, nothing else. Output is
// well-formed by construction (Close() matches Open(); Finish() closes what is still open).
//
// Escaping: & < > " ' become entities; control characters that S3 object keys may contain
// (U+0001..U+001F other than TAB and LF, and CR so that it survives end-of-line normalization)
// become numeric character references, as S3 itself writes them. NUL is never written (it cannot
// appear in XML at all) and is replaced with U+FFFD.
//
// Thread-safety: one thread at a time per writer.

#include <string>
#include <string_view>
#include <vector>

namespace shale::gateway {

// `text` escaped for use as element content or an attribute value.
std::string XmlEscape(std::string_view text);

class XmlWriter {
 public:
  struct Options {
    bool declaration = true;  // Start with <?xml version="1.0" encoding="UTF-8"?>.
  };
  XmlWriter() : XmlWriter(Options{}) {}
  explicit XmlWriter(Options options);

  // <name> or <name xmlns="...">. Names are written as given: they are ours, not input.
  void Open(std::string_view name, std::string_view xmlns = {});
  void Close();
  // <name>escaped text</name>.
  void Element(std::string_view name, std::string_view text);
  std::string Finish() &&;

 private:
  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace shale::gateway
