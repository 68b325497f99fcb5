#include "gateway/xml.h"

#include <cstdint>

#include "gateway/object_key.h"
#include "gateway/s3_error.h"

namespace shale::gateway {
namespace {

Status Malformed(std::string_view why) {
  std::string detail(GetS3ErrorInfo(S3ErrorCode::kMalformedXML).message);
  detail += " (";
  detail += why;
  detail += ')';
  return MakeS3Error(S3ErrorCode::kMalformedXML, detail);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

bool IsXmlChar(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  Parser(std::string_view doc, const XmlLimits& limits) : s_(doc), limits_(limits) {}

  Result<XmlElement> Document() {
    if (Starts("\xEF\xBB\xBF")) pos_ += 3;
    if (Starts("<?xml") && pos_ + 5 < s_.size() && IsSpace(s_[pos_ + 5])) {
      size_t end = s_.find("?>", pos_);
      if (end == std::string_view::npos) return Malformed("unterminated XML declaration");
      pos_ = end + 2;
    }
    SHALE_RETURN_IF_ERROR(Misc());
    if (!Starts("<")) return Malformed("no root element");
    XmlElement root;
    SHALE_RETURN_IF_ERROR(Element(1, &root));
    SHALE_RETURN_IF_ERROR(Misc());
    if (pos_ != s_.size()) return Malformed("content after the root element");
    return root;
  }

 private:
  bool Starts(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }
  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }

  // Whitespace and comments around the root element.
  Status Misc() {
    for (;;) {
      SkipSpace();
      if (Starts("<!--")) {
        SHALE_RETURN_IF_ERROR(Comment());
      } else if (Starts("<!")) {
        return Malformed("DOCTYPE and declarations are not allowed");
      } else if (Starts("<?")) {
        return Malformed("processing instructions are not allowed");
      } else {
        return Status::OK();
      }
    }
  }

  Status Comment() {
    size_t end = s_.find("-->", pos_ + 4);
    if (end == std::string_view::npos) return Malformed("unterminated comment");
    pos_ = end + 3;
    return Status::OK();
  }

  Status Name(std::string* out) {
    size_t start = pos_;
    if (pos_ >= s_.size() || !IsNameStart(s_[pos_])) return Malformed("invalid name");
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    if (pos_ - start > limits_.max_name_bytes) return Malformed("name too long");
    out->assign(s_.substr(start, pos_ - start));
    return Status::OK();
  }

  // At '&': appends the referenced character.
  Status Reference(std::string* out) {
    size_t semi = s_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) return Malformed("bad reference");
    std::string_view ref = s_.substr(pos_ + 1, semi - pos_ - 1);
    pos_ = semi + 1;
    if (ref == "lt") {
      *out += '<';
    } else if (ref == "gt") {
      *out += '>';
    } else if (ref == "amp") {
      *out += '&';
    } else if (ref == "quot") {
      *out += '"';
    } else if (ref == "apos") {
      *out += '\'';
    } else if (ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty() || digits.size() > 8) return Malformed("bad character reference");
      uint32_t cp = 0;
      for (char c : digits) {
        int d;
        if (c >= '0' && c <= '9') {
          d = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
          d = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
          d = c - 'A' + 10;
        } else {
          return Malformed("bad character reference");
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) return Malformed("character reference out of range");
      }
      if (!IsXmlChar(cp)) return Malformed("character reference to a non-XML character");
      AppendUtf8(cp, out);
    } else {
      return Malformed("undefined entity (entities are never expanded)");
    }
    return Status::OK();
  }

  Status Attributes(XmlElement* e) {
    for (;;) {
      size_t before = pos_;
      SkipSpace();
      if (pos_ >= s_.size()) return Malformed("unterminated tag");
      if (s_[pos_] == '>' || s_[pos_] == '/') return Status::OK();
      if (pos_ == before) return Malformed("missing space before attribute");
      if (e->attributes.size() >= limits_.max_attributes) return Malformed("too many attributes");
      XmlAttribute a;
      SHALE_RETURN_IF_ERROR(Name(&a.name));
      for (const auto& other : e->attributes) {
        if (other.name == a.name) return Malformed("duplicate attribute");
      }
      SkipSpace();
      if (!Starts("=")) return Malformed("attribute without value");
      ++pos_;
      SkipSpace();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) {
        return Malformed("unquoted attribute value");
      }
      char quote = s_[pos_++];
      for (;;) {
        if (pos_ >= s_.size()) return Malformed("unterminated attribute value");
        char c = s_[pos_];
        if (c == quote) break;
        if (c == '<') return Malformed("'<' in attribute value");
        if (c == '&') {
          SHALE_RETURN_IF_ERROR(Reference(&a.value));
        } else {
          a.value += IsSpace(c) ? ' ' : c;
          ++pos_;
        }
      }
      ++pos_;
      e->attributes.push_back(std::move(a));
    }
  }

  // At '<' of a start tag.
  Status Element(size_t depth, XmlElement* e) {
    if (depth > limits_.max_depth) return Malformed("nesting too deep");
    if (++elements_ > limits_.max_elements) return Malformed("too many elements");
    ++pos_;
    SHALE_RETURN_IF_ERROR(Name(&e->name));
    SHALE_RETURN_IF_ERROR(Attributes(e));
    if (Starts("/>")) {
      pos_ += 2;
      return Status::OK();
    }
    if (!Starts(">")) return Malformed("bad start tag");
    ++pos_;
    for (;;) {
      if (pos_ >= s_.size()) return Malformed("unterminated element");
      char c = s_[pos_];
      if (c == '<') {
        if (Starts("</")) {
          pos_ += 2;
          std::string name;
          SHALE_RETURN_IF_ERROR(Name(&name));
          if (name != e->name) return Malformed("mismatched end tag");
          SkipSpace();
          if (!Starts(">")) return Malformed("bad end tag");
          ++pos_;
          return Status::OK();
        }
        if (Starts("<!--")) {
          SHALE_RETURN_IF_ERROR(Comment());
        } else if (Starts("<![CDATA[")) {
          size_t end = s_.find("]]>", pos_ + 9);
          if (end == std::string_view::npos) return Malformed("unterminated CDATA section");
          AppendText(s_.substr(pos_ + 9, end - pos_ - 9), &e->text);
          pos_ = end + 3;
        } else if (Starts("<!") || Starts("<?")) {
          return Malformed("declarations and processing instructions are not allowed");
        } else {
          e->children.emplace_back();
          SHALE_RETURN_IF_ERROR(Element(depth + 1, &e->children.back()));
        }
      } else if (c == '&') {
        SHALE_RETURN_IF_ERROR(Reference(&e->text));
      } else {
        size_t end = s_.find_first_of("<&", pos_);
        if (end == std::string_view::npos) end = s_.size();
        AppendText(s_.substr(pos_, end - pos_), &e->text);
        pos_ = end;
      }
    }
  }

  // Character data with "\r\n" and lone "\r" normalized to "\n" (XML 1.0 section 2.11).
  static void AppendText(std::string_view text, std::string* out) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r') {
        *out += '\n';
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      } else {
        *out += text[i];
      }
    }
  }

  std::string_view s_;
  const XmlLimits& limits_;
  size_t pos_ = 0;
  size_t elements_ = 0;
};

}  // namespace

std::string_view XmlElement::LocalName() const {
  std::string_view n = name;
  size_t colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

const XmlElement* XmlElement::FindChild(std::string_view local) const {
  for (const auto& c : children) {
    if (c.LocalName() == local) return &c;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::FindChildren(std::string_view local) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children) {
    if (c.LocalName() == local) out.push_back(&c);
  }
  return out;
}

Result<XmlElement> ParseXml(std::string_view document, const XmlLimits& limits) {
  if (document.size() > limits.max_bytes) return Malformed("document too large");
  if (!IsValidUtf8(document)) return Malformed("invalid UTF-8");
  for (char c : document) {
    if (static_cast<unsigned char>(c) < 0x20 && !IsSpace(c)) {
      return Malformed("control character in document");
    }
  }
  Parser parser(document, limits);
  return parser.Document();
}

}  // namespace shale::gateway
