#include "gateway/s3_tags.h"

#include <gtest/gtest.h>

#include "gateway/s3_error.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

S3ErrorCode CodeOf(const Status& s) { return S3ErrorFromStatus(s).code; }

TEST(S3TagsTest, Limits) {
  EXPECT_OK(ValidateTagSet({}));
  EXPECT_OK(ValidateTagSet({{"k", ""}, {std::string(128, 'k'), std::string(256, 'v')}}));
  // Characters, not bytes: 128 two-byte characters are fine.
  std::string wide;
  for (int i = 0; i < 128; ++i) wide += "\xC3\xA9";
  EXPECT_OK(ValidateTagSet({{wide, "v"}}));
  TagSet ten;
  for (int i = 0; i < 10; ++i) ten.emplace_back("k" + std::to_string(i), "v");
  EXPECT_OK(ValidateTagSet(ten));
  TagSet eleven = ten;
  eleven.emplace_back("k10", "v");
  const TagSet bad[] = {
      eleven,          {{std::string(129, 'k'), "v"}}, {{"k", std::string(257, 'v')}},
      {{"", "v"}},     {{"a", "1"}, {"a", "2"}},       {{"aws:x", "v"}},
      {{"\xff", "v"}},
  };
  for (const TagSet& tags : bad) {
    EXPECT_EQ(CodeOf(ValidateTagSet(tags)), S3ErrorCode::kInvalidTag) << tags.size();
  }
}

TEST(S3TagsTest, Header) {
  ASSERT_OK_AND_ASSIGN(TagSet tags, ParseTaggingHeader("a=1&b=x%20y&c"));
  EXPECT_EQ(tags, (TagSet{{"a", "1"}, {"b", "x y"}, {"c", ""}}));
  EXPECT_EQ(CodeOf(ParseTaggingHeader("a=%zz").status()), S3ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(ParseTaggingHeader("a=1&a=2").status()), S3ErrorCode::kInvalidTag);
}

TEST(S3TagsTest, XmlRoundTrip) {
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>"
      "<Tag><Key>a&amp;b</Key><Value>1</Value></Tag><Tag><Key>c</Key><Value></Value></Tag>"
      "</TagSet></Tagging>";
  ASSERT_OK_AND_ASSIGN(TagSet tags, ParseTaggingXml(xml));
  EXPECT_EQ(tags, (TagSet{{"a&b", "1"}, {"c", ""}}));
  EXPECT_EQ(RenderTaggingXml(tags), xml);
  EXPECT_EQ(RenderTaggingXml({}),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet></TagSet>"
            "</Tagging>");
}

TEST(S3TagsTest, XmlErrors) {
  const char* malformed[] = {
      "",
      "<Tagging>",
      "<Other><TagSet/></Other>",
      "<Tagging></Tagging>",
      "<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>",
  };
  for (const char* body : malformed) {
    EXPECT_EQ(CodeOf(ParseTaggingXml(body).status()), S3ErrorCode::kMalformedXML) << body;
  }
  EXPECT_EQ(CodeOf(ParseTaggingXml("<Tagging><TagSet><Tag><Key>aws:k</Key><Value/></Tag>"
                                   "</TagSet></Tagging>")
                       .status()),
            S3ErrorCode::kInvalidTag);
}

}  // namespace
}  // namespace shale::gateway
