#include "gateway/xml.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/s3_error.h"
#include "gateway/xml_writer.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

S3ErrorCode CodeOf(const Status& s) { return S3ErrorFromStatus(s).code; }

TEST(XmlTest, CreateBucketConfiguration) {
  ASSERT_OK_AND_ASSIGN(
      XmlElement root,
      ParseXml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
               "  <LocationConstraint>eu-west-1</LocationConstraint>\n"
               "</CreateBucketConfiguration>\n"));
  EXPECT_EQ(root.name, "CreateBucketConfiguration");
  ASSERT_EQ(root.attributes.size(), 1u);
  EXPECT_EQ(root.attributes[0].name, "xmlns");
  EXPECT_EQ(root.attributes[0].value, "http://s3.amazonaws.com/doc/2006-03-01/");
  ASSERT_NE(root.FindChild("LocationConstraint"), nullptr);
  EXPECT_EQ(root.FindChild("LocationConstraint")->text, "eu-west-1");
}

TEST(XmlTest, DeleteObjectsWithThousandKeys) {
  std::string body = "<Delete><Quiet>true</Quiet>";
  for (int i = 0; i < 1000; ++i) {
    body += "<Object><Key>" + XmlEscape("dir/k&<" + std::string(1000, 'x') + std::to_string(i)) +
            "</Key><VersionId>v" + std::to_string(i) + "</VersionId></Object>";
  }
  body += "</Delete>";
  ASSERT_OK_AND_ASSIGN(XmlElement root, ParseXml(body));
  EXPECT_EQ(root.FindChild("Quiet")->text, "true");
  auto objects = root.FindChildren("Object");
  ASSERT_EQ(objects.size(), 1000u);
  EXPECT_EQ(objects[999]->FindChild("Key")->text, "dir/k&<" + std::string(1000, 'x') + "999");
  EXPECT_EQ(objects[7]->FindChild("VersionId")->text, "v7");
}

TEST(XmlTest, CompleteMultipartUploadVersioningTaggingCors) {
  ASSERT_OK_AND_ASSIGN(
      XmlElement complete,
      ParseXml(
          "<CompleteMultipartUpload>"
          "<Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag></Part>"
          "<Part><ETag>&quot;0c78aef83f66abc1fa1e8477f296d394&quot;</ETag>"
          "<PartNumber>2</PartNumber><ChecksumCRC32>sOO8/Q==</ChecksumCRC32></Part>"
          "</CompleteMultipartUpload>"));
  auto parts = complete.FindChildren("Part");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1]->FindChild("ETag")->text, "\"0c78aef83f66abc1fa1e8477f296d394\"");
  EXPECT_EQ(parts[1]->FindChild("PartNumber")->text, "2");

  ASSERT_OK_AND_ASSIGN(XmlElement versioning,
                       ParseXml("<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
                                "2006-03-01/\"><Status>Enabled</Status><MfaDelete>Disabled</"
                                "MfaDelete></VersioningConfiguration>"));
  EXPECT_EQ(versioning.FindChild("Status")->text, "Enabled");

  ASSERT_OK_AND_ASSIGN(XmlElement tagging,
                       ParseXml("<Tagging><TagSet><Tag><Key>env</Key><Value>a &amp; b &#x263A; "
                                "&#65;</Value></Tag></TagSet></Tagging>"));
  EXPECT_EQ(tagging.FindChild("TagSet")->FindChild("Tag")->FindChild("Value")->text,
            "a & b \xE2\x98\xBA A");

  ASSERT_OK_AND_ASSIGN(XmlElement cors,
                       ParseXml("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                                "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</"
                                "AllowedMethod><MaxAgeSeconds>3000</MaxAgeSeconds>"
                                "<!-- a comment --><AllowedHeader>x-amz-*</AllowedHeader>"
                                "</CORSRule></CORSConfiguration>"));
  EXPECT_EQ(cors.FindChild("CORSRule")->FindChildren("AllowedMethod").size(), 2u);
}

TEST(XmlTest, CompleteMultipartUploadWithTenThousandParts) {
  std::string body = "<CompleteMultipartUpload>";
  for (int i = 1; i <= 10000; ++i) {
    body += "<Part><PartNumber>" + std::to_string(i) +
            "</PartNumber><ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag>"
            "<ChecksumCRC32>sOO8/Q==</ChecksumCRC32></Part>";
  }
  body += "</CompleteMultipartUpload>";
  ASSERT_OK_AND_ASSIGN(XmlElement root, ParseXml(body));
  EXPECT_EQ(root.FindChildren("Part").size(), 10000u);
}

TEST(XmlTest, TextDetails) {
  ASSERT_OK_AND_ASSIGN(XmlElement e,
                       ParseXml("\xEF\xBB\xBF<s3:Key a='1' b = \"2\">  x<![CDATA[<&>]]>y\r\nz\r"
                                "&lt;&gt;&amp;&quot;&apos;&#xD;</s3:Key >"));
  EXPECT_EQ(e.LocalName(), "Key");
  EXPECT_EQ(e.text, "  x<&>y\nz\n<>&\"'\r");
  ASSERT_OK_AND_ASSIGN(XmlElement empty, ParseXml("<Delete/>"));
  EXPECT_TRUE(empty.children.empty());
}

TEST(XmlTest, MalformedAndHostileInputsAreRejected) {
  const std::string billion_laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
      "<lolz>&lol2;</lolz>";
  const std::string xxe =
      "<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><Delete>&xxe;</Delete>";
  const std::string deep = std::string(1000, '<') + "a>";  // Not even well-formed.
  std::string nested;
  for (int i = 0; i < 33; ++i) nested += "<a>";
  for (int i = 0; i < 33; ++i) nested += "</a>";
  const std::string cases[] = {
      billion_laughs,
      xxe,
      "<Delete>&lol;</Delete>",
      "<Delete>&#0;</Delete>",
      "<Delete>&#xD800;</Delete>",
      "<Delete>&#x110000;</Delete>",
      "<Delete>&#99999999999;</Delete>",
      "<Delete>&#x;</Delete>",
      "<Delete>&amp</Delete>",
      "<Delete>&#x1;</Delete>",
      "<Delete>\x01</Delete>",
      "<Delete>\xC0\xAF</Delete>",
      deep,
      nested,
      "",
      "   ",
      "text",
      "<Delete>",
      "<Delete><Object></Delete>",
      "<Delete></Object>",
      "<Delete></delete>",
      "<Delete><Key>a</Key>",
      "<Delete/><Delete/>",
      "<Delete/>trailing",
      "<Delete a=1/>",
      "<Delete a=\"1\" a=\"2\"/>",
      "<Delete a=\"1\"b=\"2\"/>",
      "<Delete a=\"<\"/>",
      "<Delete a=\"1/>",
      "<1Delete/>",
      "<Delete><!-- unterminated </Delete>",
      "<Delete><![CDATA[ unterminated </Delete>",
      "<Delete><?pi x?></Delete>",
      "<?pi x?><Delete/>",
      "<Delete><!ELEMENT x ANY></Delete>",
      "<Delete>< Key/></Delete>",
      "<?xml version=\"1.0\"<Delete/>",
  };
  for (const auto& doc : cases) {
    auto r = ParseXml(doc);
    EXPECT_FALSE(r.ok()) << doc;
    EXPECT_EQ(CodeOf(r.status()), S3ErrorCode::kMalformedXML) << doc;
  }
  std::string ok_depth;
  for (int i = 0; i < 32; ++i) ok_depth += "<a>";
  for (int i = 0; i < 32; ++i) ok_depth += "</a>";
  EXPECT_OK(ParseXml(ok_depth));
}

TEST(XmlTest, Limits) {
  XmlLimits limits;
  limits.max_bytes = 20;
  EXPECT_OK(ParseXml("<a>0123456789abc</a>", limits));
  EXPECT_FALSE(ParseXml("<a>0123456789abcd</a>", limits).ok());
  limits = {};
  limits.max_elements = 3;
  EXPECT_OK(ParseXml("<a><b/><c/></a>", limits));
  EXPECT_FALSE(ParseXml("<a><b/><c/><d/></a>", limits).ok());
  limits = {};
  limits.max_name_bytes = 3;
  EXPECT_OK(ParseXml("<abc/>", limits));
  EXPECT_FALSE(ParseXml("<abcd/>", limits).ok());
  limits = {};
  limits.max_attributes = 1;
  EXPECT_FALSE(ParseXml("<a x=\"1\" y=\"2\"/>", limits).ok());
}

TEST(XmlWriterTest, EscapesAndRoundTrips) {
  const std::string nasty = "a&b<c>d\"e'f\x01g\rh\ti\nj\xE1\x88\xB4";
  EXPECT_EQ(XmlEscape(nasty), "a&amp;b&lt;c&gt;d&quot;e&apos;f&#x1;g&#xD;h\ti\nj\xE1\x88\xB4");
  EXPECT_EQ(XmlEscape(std::string("\0", 1)), "\xEF\xBF\xBD");
  XmlWriter w;
  w.Open("ListBucketResult", "http://s3.amazonaws.com/doc/2006-03-01/");
  w.Element("Name", "bucket");
  w.Open("Contents");
  w.Element("Key", "a&b<c>\"'\tz");
  std::string out = std::move(w).Finish();  // Closes Contents and ListBucketResult.
  EXPECT_EQ(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bucket</"
            "Name><Contents><Key>a&amp;b&lt;c&gt;&quot;&apos;\tz</Key></Contents></"
            "ListBucketResult>");
  ASSERT_OK_AND_ASSIGN(XmlElement back, ParseXml(out));
  EXPECT_EQ(back.FindChild("Contents")->FindChild("Key")->text, "a&b<c>\"'\tz");
  // Control characters S3 keys may hold come back as numeric references the parser refuses
  // (they are not XML 1.0 characters); CR survives.
  XmlWriter cr(XmlWriter::Options{.declaration = false});
  cr.Element("Key", "a\r\nb");
  ASSERT_OK_AND_ASSIGN(XmlElement k, ParseXml(std::move(cr).Finish()));
  EXPECT_EQ(k.text, "a\r\nb");
}

}  // namespace
}  // namespace shale::gateway
