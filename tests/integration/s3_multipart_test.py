#!/usr/bin/python3
"""Multipart uploads and versioning with real S3 clients against a real `shale server`
(issue 7), every byte compared:
    s3_multipart_test.py --shale PATH --client awscli|awscli-1g|boto3|many-parts|rclone|readme
awscli: a 100 MiB file up and down as aws-cli v2 multipart transfers (and sync of a tree with
large files); awscli-1g: the same with 1 GiB (label slow); boto3: the transfer manager and the
low-level multipart API under every python with boto3 (Debian's 1.26 and the newer one with
default CRC checksums), then two concurrent uploads of one key; many-parts: 10,000 parts
(the server restarted with multipart_min_part_size 1); rclone: a large file through rclone's
multipart upload; readme: runs the README's "Recover a deleted or overwritten object" commands
exactly as written and checks what they leave behind.
Exits 0 when every step passed, 1 on the first failure."""

import argparse
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ACCESS_KEY, REGION, SECRET_KEY, Failure, check, check_eq, log, run  # noqa

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "..", "README.md")
MiB = 1024 * 1024


def aws_env(srv):
    config = os.path.join(srv.tmp, "aws-config")
    with open(config, "w") as f:  # aws-cli's defaults: multipart above 8 MiB, 8 MiB parts.
        f.write("[default]\nregion = %s\ns3 =\n  addressing_style = path\n" % REGION)
    env = harness.client_env({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": config,
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(srv.tmp, "none"),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": ""})
    # /usr/bin first, so `aws` is Debian's aws-cli v2 (README commands call plain `aws`).
    env["PATH"] = "/usr/bin:" + env.get("PATH", "")
    return env


def write_random(path, size, rnd):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 8 * MiB)
            f.write(rnd.randbytes(n))
            left -= n


def same_file(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(MiB), fb.read(MiB)
            if x != y:
                return False
            if not x:
                return True


def awscli_flow(srv, rnd, size):
    env = aws_env(srv)

    def aws(*args, **kw):
        return run(["/usr/bin/aws", "--endpoint-url", srv.endpoint] + list(args), env=env,
                   timeout=900, **kw)[1].decode()

    src = os.path.join(srv.tmp, "big.bin")
    write_random(src, size, rnd)
    aws("s3", "mb", "s3://aws-mp")
    log("aws s3 cp of %d bytes (multipart up, ranged GETs down)" % size)
    aws("s3", "cp", src, "s3://aws-mp/big.bin")
    head = json.loads(aws("s3api", "head-object", "--bucket", "aws-mp", "--key", "big.bin"))
    parts = (size + 8 * MiB - 1) // (8 * MiB)
    check(head["ETag"].endswith('-%d"' % parts), "ETag of %d parts: %s" % (parts, head["ETag"]))
    check_eq(head["ContentLength"], size, "ContentLength")
    down = os.path.join(srv.tmp, "big.down")
    aws("s3", "cp", "s3://aws-mp/big.bin", down)
    check(same_file(src, down), "aws s3 cp round trip of %d bytes is not bit-exact" % size)
    os.remove(down)
    if size <= 200 * MiB:
        log("aws s3 sync of a tree with large files both ways")
        tree = os.path.join(srv.tmp, "tree")
        for name, n in (("a/one.bin", 9 * MiB + 1), ("b/two.bin", 17 * MiB), ("small", 10)):
            write_random(os.path.join(tree, name), n, rnd)
        aws("s3", "sync", tree, "s3://aws-mp/tree")
        back = os.path.join(srv.tmp, "tree-back")
        aws("s3", "sync", "s3://aws-mp/tree", back)
        harness.check_same_tree(back, tree, "aws s3 sync down")
    aws("s3", "rm", "--recursive", "s3://aws-mp")
    listing = json.loads(aws("s3api", "list-multipart-uploads", "--bucket", "aws-mp") or "{}")
    check_eq(listing.get("Uploads", []), [], "no multipart upload left open")
    aws("s3", "rb", "s3://aws-mp")
    os.remove(src)


def boto3_pythons():
    pythons = ["/usr/bin/python3"]
    default = shutil.which("python3")
    if default and os.path.realpath(default) != os.path.realpath("/usr/bin/python3"):
        try:
            out = run([default, "-c", "import botocore; print(botocore.__version__)"],
                      env=harness.client_env())[1].decode().strip()
            if tuple(int(x) for x in out.split(".")[:2]) >= (1, 36):
                pythons.append(default)
            else:
                log("  default python3 has botocore %s: not tested (needs >= 1.36)" % out)
        except Failure as e:
            log("  no boto3 under %s: %s" % (default, str(e).splitlines()[0]))
    return pythons


def boto3_modes(srv, rnd, modes, pythons=None):
    for python in pythons or boto3_pythons():
        for mode in modes:
            cmd = [python, os.path.join(HERE, "multipart_flow.py"), srv.endpoint, ACCESS_KEY,
                   SECRET_KEY, mode]
            env = harness.client_env({"SHALE_TEST_SEED": str(rnd.randrange(1 << 31)),
                                      "SHALE_FLOW_TMP": srv.tmp,
                                      "AWS_EC2_METADATA_DISABLED": "true",
                                      "AWS_CONFIG_FILE": os.path.join(srv.tmp, "none"),
                                      "AWS_SHARED_CREDENTIALS_FILE": os.path.join(srv.tmp, "none")})
            out = run(cmd, env=env, timeout=900)[1].decode()
            log("  " + out.splitlines()[0])


def rclone_flow(srv, rnd):
    conf = os.path.join(srv.tmp, "rclone.conf")
    with open(conf, "w") as f:
        f.write("[shale]\ntype = s3\nprovider = Other\naccess_key_id = %s\n"
                "secret_access_key = %s\nendpoint = %s\nregion = %s\nforce_path_style = true\n"
                % (ACCESS_KEY, SECRET_KEY, srv.endpoint, REGION))
    env = harness.client_env(drop=("AWS_CA_BUNDLE",))
    # Multipart above 16 MiB in 5 MiB parts, 4 at a time.
    base = ["rclone", "--config", conf, "--retries", "1", "--low-level-retries", "1",
            "--s3-upload-cutoff", "16M", "--s3-chunk-size", "5M", "--s3-upload-concurrency", "4"]
    src = os.path.join(srv.tmp, "rclone-src")
    write_random(os.path.join(src, "large.bin"), 48 * MiB + 99, rnd)
    run(base + ["mkdir", "shale:rclone-mp"], env=env)
    run(base + ["copy", src, "shale:rclone-mp"], env=env, timeout=600)
    run(base + ["check", src, "shale:rclone-mp"], env=env, timeout=600)
    back = os.path.join(srv.tmp, "rclone-back")
    run(base + ["copy", "shale:rclone-mp", back], env=env, timeout=600)
    harness.check_same_tree(back, src, "rclone copy of a multipart object down")
    run(base + ["purge", "shale:rclone-mp"], env=env)


def readme_commands():
    """The shell block under the README's "Recover a deleted or overwritten object" heading."""
    with open(README) as f:
        text = f.read()
    m = re.search(r"^### Recover a deleted or overwritten object\n(.*?)^```sh\n(.*?)^```",
                  text, re.M | re.S)
    check(m is not None, "README has no 'Recover a deleted or overwritten object' sh block")
    return m.group(2)


def readme_flow(srv, rnd):
    env = aws_env(srv)
    script = readme_commands().replace("http://127.0.0.1:9000", srv.endpoint)
    check(script.count(srv.endpoint) >= 8, "the README block talks to the endpoint")
    run(["/usr/bin/aws", "--endpoint-url", srv.endpoint, "s3", "mb", "s3://demo"], env=env)
    work = os.path.join(srv.tmp, "readme")
    os.makedirs(work)
    out = run(["bash", "-euo", "pipefail", "-c", script], env=env, cwd=work, timeout=600)[1]
    out = out.decode()
    log(out)
    # The two `cp s3://... -` outputs: after the undelete, then after the restore.
    check_eq(re.findall(r"^(first draft|second draft)$", out, re.M),
             ["second draft", "first draft"], "what the README's cp commands printed")
    versions = json.loads(run(["/usr/bin/aws", "--endpoint-url", srv.endpoint, "s3api",
                               "list-object-versions", "--bucket", "demo"], env=env)[1])
    check_eq(len(versions.get("Versions", [])), 3, "versions left: %r" % versions)
    check_eq(versions.get("DeleteMarkers", []), [], "the delete marker is gone")
    latest = [v for v in versions["Versions"] if v["IsLatest"]]
    check_eq(len(latest), 1, "one latest version")
    got = run(["/usr/bin/aws", "--endpoint-url", srv.endpoint, "s3", "cp", "s3://demo/notes.txt",
               "-"], env=env)[1]
    check_eq(got, b"first draft\n", "the restored object")


def many_parts_flow(binary, rnd):
    """Start once to create the data dir, lower multipart_min_part_size in its cluster.json,
    restart, and upload 10,000 parts."""
    tmp = tempfile.mkdtemp(prefix="shale-integration-")
    try:
        with harness.ShaleServer(binary, tmp=tmp) as srv:
            srv.stop()
        path = os.path.join(tmp, "data", "cluster.json")
        with open(path) as f:
            config = json.load(f)
        config["multipart_min_part_size"] = 1
        with open(path, "w") as f:
            json.dump(config, f, indent=2)
        with harness.ShaleServer(binary, tmp=tmp) as srv:
            boto3_modes(srv, rnd, ["many-parts"], pythons=["/usr/bin/python3"])
            srv.stop()
    finally:
        if not os.environ.get("SHALE_KEEP_TEST_DIRS"):
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shale", required=True, help="path of the shale binary")
    parser.add_argument("--client", required=True,
                        choices=["awscli", "awscli-1g", "boto3", "many-parts", "rclone",
                                 "readme"])
    args = parser.parse_args()
    rnd = harness.rng()
    try:
        if args.client == "many-parts":
            many_parts_flow(args.shale, rnd)
        else:
            with harness.ShaleServer(args.shale) as srv:
                if args.client == "awscli":
                    awscli_flow(srv, rnd, 100 * MiB)
                elif args.client == "awscli-1g":
                    awscli_flow(srv, rnd, 1024 * MiB)
                elif args.client == "boto3":
                    boto3_modes(srv, rnd, ["transfer", "concurrent"])
                elif args.client == "rclone":
                    rclone_flow(srv, rnd)
                else:
                    readme_flow(srv, rnd)
                srv.stop()
    except Failure as e:
        print("FAILED: %s" % e, flush=True)
        return 1
    log("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
