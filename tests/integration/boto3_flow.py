"""The boto3 client flow against a running Shale endpoint. Run by s3_clients_test.py under each
Python whose boto3 is tested (Debian's 1.26, and the default python3's when it is >= 1.36 and
sends CRC32 checksums by default):
    python3 boto3_flow.py ENDPOINT ACCESS_KEY SECRET_KEY [CA_BUNDLE] [--core]
Exits 0 when every step passed; otherwise prints the failing step (with the request's error
response) and exits 1. --core runs the shorter flow of the https pass."""

import base64
import hashlib
import http.client
import os
import random
import ssl
import sys
import urllib.parse
import zlib

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError


def version_tuple(v):
    return tuple(int(x) for x in v.split(".")[:2])


NEW_CHECKSUMS = version_tuple(botocore.__version__) >= (1, 36)


def check_eq(got, want, what):
    if got != want:
        raise AssertionError("%s:\n  got:  %r\n  want: %r" % (what, got, want))


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response.get("Error", {}).get("Code")
        check_eq(got, code, "error code of %s" % fn.__name__)
        return e
    raise AssertionError("%s succeeded; expected %s" % (fn.__name__, code))


def b64(digest):
    return base64.b64encode(digest).decode()


def crc32_b64(data):
    return b64(zlib.crc32(data).to_bytes(4, "big"))


def fetch(url, ca_bundle, method="GET", body=None):
    """(status, body) of one plain HTTP request (no SDK): what a browser or curl would send."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        ctx = ssl.create_default_context(cafile=ca_bundle)
        conn = http.client.HTTPSConnection(parts.netloc, context=ctx, timeout=60)
    else:
        conn = http.client.HTTPConnection(parts.netloc, timeout=60)
    try:
        conn.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=body)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    core = "--core" in sys.argv
    endpoint, access_key, secret_key = args[:3]
    ca_bundle = args[3] if len(args) > 3 else None
    seed = int(os.environ.get("SHALE_TEST_SEED", str(random.SystemRandom().randrange(1 << 31))))
    rnd = random.Random(seed)
    print("boto3 %s botocore %s (python %s), seed %d, new checksum defaults: %s" % (
        boto3.__version__, botocore.__version__, sys.version.split()[0], seed, NEW_CHECKSUMS),
        flush=True)

    s3 = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access_key,
        aws_secret_access_key=secret_key, region_name="us-east-1",
        verify=ca_bundle if ca_bundle else True,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 1}))
    bucket = "boto3-bucket"
    step = lambda name: print("step:", name, flush=True)

    step("create/head/list buckets")
    s3.create_bucket(Bucket=bucket)
    s3.head_bucket(Bucket=bucket)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    check_eq(bucket in names, True, "list_buckets names %r" % names)

    step("put/get/head small object with metadata")
    small = rnd.randbytes(1000)
    put = s3.put_object(Bucket=bucket, Key="dir/small.bin", Body=small,
                        ContentType="application/x-test", Metadata={"color": "blue"})
    md5 = hashlib.md5(small).hexdigest()
    check_eq(put["ETag"], '"%s"' % md5, "PutObject ETag")
    got = s3.get_object(Bucket=bucket, Key="dir/small.bin")
    check_eq(got["Body"].read(), small, "GetObject bytes")
    check_eq(got["ContentType"], "application/x-test", "GetObject Content-Type")
    check_eq(got["Metadata"], {"color": "blue"}, "GetObject metadata")
    head = s3.head_object(Bucket=bucket, Key="dir/small.bin")
    check_eq(head["ContentLength"], len(small), "HeadObject ContentLength")
    check_eq(head["ETag"], '"%s"' % md5, "HeadObject ETag")

    step("put/get a multi-chunk object, and a range")
    big = rnd.randbytes(9 * 1024 * 1024 + 12345)
    s3.put_object(Bucket=bucket, Key="big.bin", Body=big)
    check_eq(s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == big, True,
             "GetObject of %d bytes is bit-exact" % len(big))
    part = s3.get_object(Bucket=bucket, Key="big.bin", Range="bytes=4194000-4194999")
    check_eq(part["Body"].read(), big[4194000:4195000], "ranged GetObject across a chunk edge")
    check_eq(part["ContentRange"], "bytes 4194000-4194999/%d" % len(big), "Content-Range")

    step("checksum-mode GET")
    data = rnd.randbytes(5000)
    s3.put_object(Bucket=bucket, Key="sum/sha256", Body=data, ChecksumAlgorithm="SHA256")
    got = s3.get_object(Bucket=bucket, Key="sum/sha256", ChecksumMode="ENABLED")
    check_eq(got["Body"].read(), data, "bytes of the SHA256-checksummed object")
    check_eq(got.get("ChecksumSHA256"), b64(hashlib.sha256(data).digest()), "ChecksumSHA256")
    s3.put_object(Bucket=bucket, Key="sum/crc32", Body=data, ChecksumAlgorithm="CRC32")
    head = s3.head_object(Bucket=bucket, Key="sum/crc32", ChecksumMode="ENABLED")
    check_eq(head.get("ChecksumCRC32"), crc32_b64(data), "ChecksumCRC32 on HEAD")
    if NEW_CHECKSUMS:
        # boto3 >= 1.36 sends a CRC32 by default (a trailer over https): it must be stored.
        s3.put_object(Bucket=bucket, Key="sum/default", Body=data)
        got = s3.get_object(Bucket=bucket, Key="sum/default", ChecksumMode="ENABLED")
        check_eq(got["Body"].read(), data, "bytes of a default-checksum put")
        check_eq(got.get("ChecksumCRC32"), crc32_b64(data), "default ChecksumCRC32")

    step("presigned GET and PUT")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket,
                                                          "Key": "dir/small.bin"}, ExpiresIn=300)
    check_eq(fetch(url, ca_bundle), (200, small), "presigned GET")
    body = rnd.randbytes(3000)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned"},
                                    ExpiresIn=300)
    check_eq(fetch(url, ca_bundle, "PUT", body)[0], 200, "presigned PUT status")
    check_eq(s3.get_object(Bucket=bucket, Key="presigned")["Body"].read(), body,
             "bytes of the presigned PUT")

    if not core:
        step("paginated listing (v2 and v1, MaxKeys=7)")
        keys = ["page/key-%02d" % i for i in range(23)]
        for k in keys:
            s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
        pages = list(s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix="page/", PaginationConfig={"PageSize": 7}))
        check_eq([len(p.get("Contents", [])) for p in pages], [7, 7, 7, 2], "v2 page sizes")
        check_eq([o["Key"] for p in pages for o in p["Contents"]], keys, "v2 keys")
        check_eq([o["Size"] for p in pages for o in p["Contents"]], [len(k) for k in keys],
                 "v2 sizes")
        pages = list(s3.get_paginator("list_objects").paginate(
            Bucket=bucket, Prefix="page/", PaginationConfig={"PageSize": 7}))
        check_eq([o["Key"] for p in pages for o in p["Contents"]], keys, "v1 keys")
        top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
        check_eq(sorted(o["Key"] for o in top.get("Contents", [])),
                 ["big.bin", "presigned"], "top-level keys")
        check_eq([p["Prefix"] for p in top.get("CommonPrefixes", [])],
                 ["dir/", "page/", "sum/"], "common prefixes")

        step("copy_object")
        s3.copy_object(Bucket=bucket, Key="copies/small", CopySource={"Bucket": bucket,
                                                                      "Key": "dir/small.bin"})
        got = s3.get_object(Bucket=bucket, Key="copies/small")
        check_eq(got["Body"].read(), small, "bytes of the copy")
        check_eq(got["Metadata"], {"color": "blue"}, "metadata of the copy (COPY directive)")

        step("delete_objects")
        res = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
        check_eq(sorted(d["Key"] for d in res.get("Deleted", [])), keys, "deleted keys")
        check_eq(res.get("Errors", []), [], "delete_objects errors")
        check_eq(s3.list_objects_v2(Bucket=bucket, Prefix="page/")["KeyCount"], 0,
                 "keys left under page/")

    step("errors: missing key, non-empty bucket")
    expect_error("NoSuchKey", s3.get_object, Bucket=bucket, Key="missing")
    expect_error("404", s3.head_object, Bucket=bucket, Key="missing")
    expect_error("BucketNotEmpty", s3.delete_bucket, Bucket=bucket)

    step("delete everything")
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=o["Key"])
    expect_error("404", s3.head_object, Bucket=bucket, Key="dir/small.bin")
    s3.delete_bucket(Bucket=bucket)
    expect_error("NoSuchBucket", s3.list_objects_v2, Bucket=bucket)
    print("boto3 flow passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, ClientError) as e:
        detail = getattr(e, "response", None)
        print("FAILED: %s%s" % (e, "\nresponse: %r" % (detail,) if detail else ""), flush=True)
        sys.exit(1)
