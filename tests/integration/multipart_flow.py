#!/usr/bin/env python3
"""boto3 multipart and versioning steps against a running Shale endpoint (issue 7), run by
s3_multipart_test.py under each python that has boto3 (Debian's 1.26, and the newer one that
sends CRC32 checksums by default):
    multipart_flow.py ENDPOINT ACCESS_KEY SECRET_KEY MODE [CA_BUNDLE]
MODE: transfer (transfer manager up/down, low-level API checks), many-parts (10,000 parts; the
server must allow 1-byte parts), concurrent (two uploads of one key).
Prints one summary line first; exits 1 with the failing step on any mismatch.
SHALE_TEST_SEED makes the random data repeatable."""

import concurrent.futures
import hashlib
import os
import random
import sys

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

MiB = 1024 * 1024


def fail(what):
    print("FAILED: " + what, flush=True)
    sys.exit(1)


def check_eq(got, want, what):
    if got != want:
        fail("%s:\n  got:  %r\n  want: %r" % (what, got, want))


def error_code(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    fail("%s succeeded, an error was expected" % fn.__name__)


def multipart_etag(parts):
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return '"%s-%d"' % (digest, len(parts))


def transfer(s3, rnd, tmp):
    """The transfer manager both ways, then the low-level API with exact answers."""
    s3.create_bucket(Bucket="mp-transfer")
    size = 64 * MiB + 12345
    data = rnd.randbytes(size)
    src = os.path.join(tmp, "mp-src.bin")
    with open(src, "wb") as f:
        f.write(data)
    config = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB,
                            max_concurrency=4)
    s3.upload_file(src, "mp-transfer", "big/file.bin", Config=config)
    head = s3.head_object(Bucket="mp-transfer", Key="big/file.bin")
    check_eq(head["ContentLength"], size, "size of the uploaded object")
    parts = [data[i:i + 8 * MiB] for i in range(0, size, 8 * MiB)]
    check_eq(head["ETag"], multipart_etag(parts), "multipart ETag (MD5 of part MD5s + -N)")
    down = os.path.join(tmp, "mp-down.bin")
    s3.download_file("mp-transfer", "big/file.bin", down, Config=config)
    with open(down, "rb") as f:
        if f.read() != data:
            fail("transfer manager round trip is not bit-exact")

    # GET ?partNumber=: part 2 exactly, and the part count.
    got = s3.get_object(Bucket="mp-transfer", Key="big/file.bin", PartNumber=2)
    check_eq(got["Body"].read(), parts[1], "GET partNumber=2 bytes")
    check_eq(got.get("PartsCount"), len(parts), "x-amz-mp-parts-count")
    check_eq(error_code(s3.get_object, Bucket="mp-transfer", Key="big/file.bin",
                        PartNumber=len(parts) + 1), ("InvalidPartNumber", 416),
             "GET of a part beyond the last")

    # Low level: out-of-order part uploads, a re-uploaded part, ListParts pages, Complete's
    # validation errors, UploadPartCopy with a range, abort.
    key = "manual.bin"
    up = s3.create_multipart_upload(Bucket="mp-transfer", Key=key, ContentType="text/x-test",
                                    Metadata={"color": "blue"})
    uid = up["UploadId"]
    p = [rnd.randbytes(5 * MiB), rnd.randbytes(5 * MiB), rnd.randbytes(777)]
    etags = {}
    for n in (3, 1, 2):
        etags[n] = s3.upload_part(Bucket="mp-transfer", Key=key, UploadId=uid, PartNumber=n,
                                  Body=p[n - 1])["ETag"]
    p[1] = rnd.randbytes(5 * MiB)  # Re-upload of part 2 replaces it.
    etags[2] = s3.upload_part(Bucket="mp-transfer", Key=key, UploadId=uid, PartNumber=2,
                              Body=p[1])["ETag"]
    check_eq(etags[2], '"%s"' % hashlib.md5(p[1]).hexdigest(), "part ETag is its MD5")
    page = s3.list_parts(Bucket="mp-transfer", Key=key, UploadId=uid, MaxParts=2)
    check_eq([x["PartNumber"] for x in page["Parts"]], [1, 2], "ListParts first page")
    check(page["IsTruncated"], "ListParts first page is truncated")
    page = s3.list_parts(Bucket="mp-transfer", Key=key, UploadId=uid,
                         PartNumberMarker=page["NextPartNumberMarker"])
    check_eq([(x["PartNumber"], x["Size"]) for x in page["Parts"]], [(3, 777)],
             "ListParts second page")
    uploads = s3.list_multipart_uploads(Bucket="mp-transfer")["Uploads"]
    check_eq([(u["Key"], u["UploadId"]) for u in uploads], [(key, uid)], "ListMultipartUploads")

    def complete(parts):
        return s3.complete_multipart_upload(
            Bucket="mp-transfer", Key=key, UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]})

    check_eq(error_code(complete, [(2, etags[2]), (1, etags[1])]),
             ("InvalidPartOrder", 400), "Complete with parts out of order")
    check_eq(error_code(complete, [(1, etags[1]), (2, '"%s"' % ("0" * 32))]),
             ("InvalidPart", 400), "Complete with a wrong ETag")
    check_eq(error_code(complete, [(1, etags[1]), (4, etags[3])]),
             ("InvalidPart", 400), "Complete with a missing part")
    check_eq(error_code(complete, [(3, etags[3]), (4, etags[3])])[0] in
             ("InvalidPart", "EntityTooSmall"), True, "Complete with a small first part")
    result = complete([(1, etags[1]), (2, etags[2]), (3, etags[3])])
    check_eq(result["ETag"], multipart_etag(p), "Complete ETag")
    again = complete([(1, etags[1]), (2, etags[2]), (3, etags[3])])
    check_eq(again["ETag"], result["ETag"], "a retried Complete answers the same ETag")
    got = s3.get_object(Bucket="mp-transfer", Key=key)
    check_eq(got["Body"].read(), b"".join(p), "completed object bytes")
    check_eq(got["ContentType"], "text/x-test", "Content-Type given at Create")
    check_eq(got["Metadata"], {"color": "blue"}, "metadata given at Create")
    rng = s3.get_object(Bucket="mp-transfer", Key=key,
                        Range="bytes=%d-%d" % (5 * MiB - 10, 10 * MiB + 5))["Body"].read()
    check_eq(rng, b"".join(p)[5 * MiB - 10:10 * MiB + 6], "range across part boundaries")
    check_eq(s3.list_multipart_uploads(Bucket="mp-transfer").get("Uploads", []), [],
             "no open upload after Complete")
    check_eq(error_code(s3.list_parts, Bucket="mp-transfer", Key=key, UploadId=uid),
             ("NoSuchUpload", 404), "ListParts of a completed upload")

    # UploadPartCopy: a range of the completed object becomes part 1 of a new upload.
    up2 = s3.create_multipart_upload(Bucket="mp-transfer", Key="copied.bin")["UploadId"]
    copied = s3.upload_part_copy(Bucket="mp-transfer", Key="copied.bin", UploadId=up2,
                                 PartNumber=1, CopySource={"Bucket": "mp-transfer", "Key": key},
                                 CopySourceRange="bytes=100-%d" % (100 + 5 * MiB - 1))
    tail = s3.upload_part(Bucket="mp-transfer", Key="copied.bin", UploadId=up2, PartNumber=2,
                          Body=b"tail")["ETag"]
    s3.complete_multipart_upload(
        Bucket="mp-transfer", Key="copied.bin", UploadId=up2,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]},
                                   {"PartNumber": 2, "ETag": tail}]})
    check_eq(s3.get_object(Bucket="mp-transfer", Key="copied.bin")["Body"].read(),
             b"".join(p)[100:100 + 5 * MiB] + b"tail", "UploadPartCopy with a range")

    # Abort: the upload is gone, its key never appears.
    up3 = s3.create_multipart_upload(Bucket="mp-transfer", Key="aborted.bin")["UploadId"]
    s3.upload_part(Bucket="mp-transfer", Key="aborted.bin", UploadId=up3, PartNumber=1,
                   Body=b"x" * 1000)
    s3.abort_multipart_upload(Bucket="mp-transfer", Key="aborted.bin", UploadId=up3)
    check_eq(error_code(s3.upload_part, Bucket="mp-transfer", Key="aborted.bin", UploadId=up3,
                        PartNumber=2, Body=b"y"), ("NoSuchUpload", 404), "UploadPart after abort")
    check_eq(error_code(s3.head_object, Bucket="mp-transfer", Key="aborted.bin")[1], 404,
             "an aborted upload leaves no object")
    for k in ("big/file.bin", key, "copied.bin"):
        s3.delete_object(Bucket="mp-transfer", Key=k)
    s3.delete_bucket(Bucket="mp-transfer")
    return "transfer manager %d bytes in %d parts, low-level API checked" % (size, len(parts))


def check(cond, what):
    if not cond:
        fail(what)


def many_parts(s3, rnd, _tmp):
    """10,000 parts (the S3 maximum) of a few bytes each, uploaded by 16 threads."""
    s3.create_bucket(Bucket="mp-many")
    uid = s3.create_multipart_upload(Bucket="mp-many", Key="k")["UploadId"]
    parts = [rnd.randbytes(rnd.randrange(1, 40)) for _ in range(10000)]

    def put(n):
        return n, s3.upload_part(Bucket="mp-many", Key="k", UploadId=uid, PartNumber=n,
                                 Body=parts[n - 1])["ETag"]

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        etags = dict(pool.map(put, range(1, 10001)))
    listed = []
    for page in s3.get_paginator("list_parts").paginate(Bucket="mp-many", Key="k", UploadId=uid):
        listed += [(x["PartNumber"], x["ETag"]) for x in page["Parts"]]
    check_eq(listed, sorted(etags.items()), "ListParts over 10,000 parts (paginated)")
    check_eq(error_code(s3.upload_part, Bucket="mp-many", Key="k", UploadId=uid,
                        PartNumber=10001, Body=b"x")[1], 400, "part number 10001")
    result = s3.complete_multipart_upload(
        Bucket="mp-many", Key="k", UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in sorted(etags.items())]})
    check_eq(result["ETag"], multipart_etag(parts), "ETag of 10,000 parts")
    data = b"".join(parts)
    check_eq(s3.get_object(Bucket="mp-many", Key="k")["Body"].read(), data,
             "object of 10,000 parts")
    got = s3.get_object(Bucket="mp-many", Key="k", PartNumber=5000)
    check_eq(got["Body"].read(), parts[4999], "part 5000 of 10,000")
    s3.delete_object(Bucket="mp-many", Key="k")
    s3.delete_bucket(Bucket="mp-many")
    return "10000 parts, %d bytes" % len(data)


def concurrent_uploads(s3, rnd, _tmp):
    """Two uploads of one key with interleaved parts: the last Complete wins."""
    s3.create_bucket(Bucket="mp-race")
    a = s3.create_multipart_upload(Bucket="mp-race", Key="same")["UploadId"]
    b = s3.create_multipart_upload(Bucket="mp-race", Key="same")["UploadId"]
    check(a != b, "two uploads get distinct ids")
    uploads = s3.list_multipart_uploads(Bucket="mp-race")["Uploads"]
    check_eq(sorted(u["UploadId"] for u in uploads), sorted([a, b]), "both uploads listed")
    da, db = [rnd.randbytes(5 * MiB), b"a-tail"], [rnd.randbytes(5 * MiB), b"b-tail"]
    ea, eb = [], []
    for n in (1, 2):
        ea.append(s3.upload_part(Bucket="mp-race", Key="same", UploadId=a, PartNumber=n,
                                 Body=da[n - 1])["ETag"])
        eb.append(s3.upload_part(Bucket="mp-race", Key="same", UploadId=b, PartNumber=n,
                                 Body=db[n - 1])["ETag"])

    def complete(uid, etags):
        s3.complete_multipart_upload(
            Bucket="mp-race", Key="same", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e}
                                       for i, e in enumerate(etags)]})

    complete(a, ea)
    check_eq(s3.get_object(Bucket="mp-race", Key="same")["Body"].read(), b"".join(da),
             "after the first Complete")
    complete(b, eb)
    check_eq(s3.get_object(Bucket="mp-race", Key="same")["Body"].read(), b"".join(db),
             "the last Complete wins")
    check_eq(s3.list_multipart_uploads(Bucket="mp-race").get("Uploads", []), [],
             "no upload left open")
    listed = s3.list_objects_v2(Bucket="mp-race")["Contents"]
    check_eq([(o["Key"], o["Size"]) for o in listed], [("same", 5 * MiB + 6)],
             "one object listed")
    s3.delete_object(Bucket="mp-race", Key="same")
    s3.delete_bucket(Bucket="mp-race")
    return "two uploads of one key: the last Complete wins"


MODES = {"transfer": transfer, "many-parts": many_parts, "concurrent": concurrent_uploads}


def main():
    endpoint, access, secret, mode = sys.argv[1:5]
    ca = sys.argv[5] if len(sys.argv) > 5 else None
    seed = int(os.environ.get("SHALE_TEST_SEED", "1"))
    rnd = random.Random(seed)
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access,
                      aws_secret_access_key=secret, region_name="us-east-1", verify=ca or True,
                      config=Config(s3={"addressing_style": "path"}, max_pool_connections=32,
                                    retries={"max_attempts": 1}))
    tmp = os.environ.get("SHALE_FLOW_TMP", "/tmp")
    summary = MODES[mode](s3, rnd, tmp)
    print("boto3 %s (botocore %s) %s: %s" % (boto3.__version__, botocore.__version__, mode,
                                            summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
