#include "gateway/request_address.h"

#include <gtest/gtest.h>

#include "gateway/s3_error.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

struct Case {
  const char* path;
  const char* host;
  const char* domain;
  const char* bucket;
  const char* key;
};

TEST(RequestAddressTest, PathAndVirtualHostedStyle) {
  const Case cases[] = {
      {"/", "localhost:9000", "", "", ""},
      {"/b", "localhost", "", "b", ""},
      {"/b/", "localhost", "", "b", ""},
      {"/b/k", "localhost", "", "b", "k"},
      {"/b/dir/a%20b+c", "x", "", "b", "dir/a b+c"},
      {"/b/a%2Fb", "x", "", "b", "a/b"},
      {"/b//k/", "x", "", "b", "/k/"},
      {"/k/x", "photos.s3.test:9000", "s3.test", "photos", "k/x"},
      {"/", "Photos.S3.Test", "s3.test", "photos", ""},
      {"/b/k", "s3.test:9000", "s3.test", "b", "k"},  // The bare domain: path style.
      {"/b/k", "evils3.test", "s3.test", "b", "k"},   // Not a subdomain.
      {"/b/k", "[::1]:9000", "s3.test", "b", "k"},
      {"/a.b/k", "my.dotted.bucket.s3.test", "s3.test", "my.dotted.bucket", "a.b/k"},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(RequestAddress a, ResolveRequestAddress(c.path, c.host, c.domain));
    EXPECT_EQ(a.bucket, c.bucket) << c.path << " " << c.host;
    EXPECT_EQ(a.key, c.key) << c.path << " " << c.host;
  }
}

TEST(RequestAddressTest, Rejections) {
  for (const char* path : {"", "b/k", "//k", "/b/%zz", "/b/%4"}) {
    auto a = ResolveRequestAddress(path, "h", "");
    ASSERT_FALSE(a.ok()) << path;
    EXPECT_EQ(S3ErrorFromStatus(a.status()).code, S3ErrorCode::kInvalidURI) << path;
  }
  // A forged Host with a '/' in its bucket label (found by the fuzzer).
  auto a = ResolveRequestAddress("/", "a/b.s3.test", "s3.test");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(S3ErrorFromStatus(a.status()).code, S3ErrorCode::kInvalidURI);
}

TEST(RequestAddressTest, HostWithoutPort) {
  EXPECT_EQ(HostWithoutPort("Example.COM:80"), "example.com");
  EXPECT_EQ(HostWithoutPort("example.com"), "example.com");
  EXPECT_EQ(HostWithoutPort("[::1]:9000"), "::1");
  EXPECT_EQ(HostWithoutPort("[::1"), "::1");
  EXPECT_EQ(HostWithoutPort("::1"), "::1");  // A bare IPv6 address keeps its colons.
}

}  // namespace
}  // namespace shale::gateway
