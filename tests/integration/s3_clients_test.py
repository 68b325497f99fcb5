#!/usr/bin/python3
"""Real S3 clients against a real `shale server` (issue 5 §7), asserting bytes bit-exact and
listings exact:
    s3_clients_test.py --shale PATH --client awscli|boto3|s3cmd|rclone|curl|https
Each run starts its own server (tests/integration/harness.py). `https` runs the core flow of
every client once over https with a self-signed certificate the clients are told to trust;
`restart` checks that generated credentials and data survive a restart; `gateway` runs boto3
and curl against shale-gateway over six shale-node processes.
Exits 0 when every step passed, 1 on the first failure (its command and output printed)."""

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
MiB = 1024 * 1024


def local_files(rnd, root):
    """A small tree of local files: names with spaces and non-ASCII, an empty file, one file
    spanning several 4 MiB chunks; returns {relative name: bytes}."""
    files = {
        "small.bin": rnd.randbytes(1024),
        "empty.txt": b"",
        "dir one/ünï code+plus.txt": "héllo wörld\n".encode(),
        "dir one/nested/deep.bin": rnd.randbytes(200 * 1024),
        "multi.bin": rnd.randbytes(12 * MiB + 321),
    }
    for name, data in files.items():
        harness.write_bytes(os.path.join(root, name), data)
    return files


# ---------------------------------------------------------------- aws-cli (/usr/bin/aws, v2)

def awscli_flow(srv, rnd, core):
    tmp = srv.tmp
    config = os.path.join(tmp, "aws-config")
    # aws-cli switches to multipart uploads above multipart_threshold (8 MiB by default);
    # multipart is a later issue, so the threshold is raised and every cp is one PutObject.
    with open(config, "w") as f:
        f.write("[default]\nregion = %s\ns3 =\n  multipart_threshold = 4GB\n"
                "  addressing_style = path\n" % REGION)
    env = harness.client_env({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none"),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": ""})
    if srv.ca_bundle:
        env["AWS_CA_BUNDLE"] = srv.ca_bundle

    def aws(*args, **kw):
        return run(["/usr/bin/aws", "--endpoint-url", srv.endpoint, "s3"] + list(args),
                   env=env, **kw)[1].decode()

    src = os.path.join(tmp, "aws-src")
    files = local_files(rnd, src)
    aws("mb", "s3://aws-bucket")
    log("cp up and down, one file at a time")
    for name, data in files.items():
        aws("cp", os.path.join(src, name), "s3://aws-bucket/" + name)
        down = os.path.join(tmp, "aws-down", name)
        aws("cp", "s3://aws-bucket/" + name, down)
        if harness.read_bytes(down) != data:
            raise Failure("aws s3 cp round trip of %s (%d bytes) is not bit-exact" % (
                name, len(data)))

    log("ls and ls --recursive")
    listing = aws("ls", "s3://aws-bucket")
    prefixes = sorted(re.findall(r"^\s+PRE (.+)$", listing, re.M))
    objects = sorted(re.findall(r"^\S+ \S+\s+(\d+) (.+)$", listing, re.M))
    check_eq(prefixes, ["dir one/"], "aws s3 ls prefixes\n" + listing)
    check_eq(objects, sorted((str(len(files[n])), n) for n in files if "/" not in n),
             "aws s3 ls objects\n" + listing)
    listing = aws("ls", "--recursive", "s3://aws-bucket")
    objects = sorted(re.findall(r"^\S+ \S+\s+(\d+) (.+)$", listing, re.M))
    check_eq(objects, sorted((str(len(d)), n) for n, d in files.items()),
             "aws s3 ls --recursive\n" + listing)

    log("presign + curl GET")
    url = aws("presign", "s3://aws-bucket/small.bin", "--expires-in", "300").strip()
    curl = ["curl", "-sS", "--fail", url]
    if srv.ca_bundle:
        curl[1:1] = ["--cacert", srv.ca_bundle]
    check_eq(run(curl)[1], files["small.bin"], "curl GET of an aws-cli presigned URL")
    if core:
        return

    log("sync both ways")
    aws("sync", src, "s3://aws-bucket/synced")
    check_eq(aws("sync", src, "s3://aws-bucket/synced").strip(), "",
             "a second sync up has nothing to transfer")
    back = os.path.join(tmp, "aws-sync-back")
    aws("sync", "s3://aws-bucket/synced", back)
    harness.check_same_tree(back, src, "aws s3 sync down")

    log("rm --recursive")
    aws("rm", "--recursive", "s3://aws-bucket/synced")
    listing = aws("ls", "--recursive", "s3://aws-bucket")
    check_eq(sorted(re.findall(r"^\S+ \S+\s+\d+ (.+)$", listing, re.M)), sorted(files),
             "keys left after rm --recursive of synced/\n" + listing)
    aws("rm", "--recursive", "s3://aws-bucket")
    check_eq(aws("ls", "--recursive", "s3://aws-bucket").strip(), "", "empty bucket listing")
    aws("rb", "s3://aws-bucket")
    listing = aws("ls")
    check("aws-bucket" not in listing, "bucket still listed after rb:\n" + listing)


# ---------------------------------------------------------------- boto3 (two pythons)

def boto3_version(python):
    try:
        out = run([python, "-c", "import botocore; print(botocore.__version__)"],
                  env=harness.client_env())[1]
    except Failure as e:
        log("  (no boto3 under %s: %s)" % (python, str(e).splitlines()[0]))
        return None
    return tuple(int(x) for x in out.decode().strip().split(".")[:2])


def boto3_flow(srv, rnd, core):
    pythons = [("/usr/bin/python3", None)]
    # The default python3 (PATH) is tested too when its boto3 sends checksums by default.
    default = shutil.which("python3")
    if default and os.path.realpath(default) != os.path.realpath("/usr/bin/python3"):
        v = boto3_version(default)
        if v and v >= (1, 36):
            pythons.append((default, v))
        else:
            log("  default python3 %s has botocore %s: not tested (needs >= 1.36)" % (default, v))
    for python, _ in pythons:
        cmd = [python, os.path.join(HERE, "boto3_flow.py"), srv.endpoint, ACCESS_KEY, SECRET_KEY]
        if srv.ca_bundle:
            cmd.append(srv.ca_bundle)
        if core:
            cmd.append("--core")
        env = harness.client_env({"SHALE_TEST_SEED": str(rnd.randrange(1 << 31)),
                                  "AWS_EC2_METADATA_DISABLED": "true",
                                  "AWS_CONFIG_FILE": os.path.join(srv.tmp, "none"),
                                  "AWS_SHARED_CREDENTIALS_FILE": os.path.join(srv.tmp, "none")})
        out = run(cmd, env=env)[1].decode()
        log("  " + out.splitlines()[0])


# ---------------------------------------------------------------- s3cmd

def s3cmd_flow(srv, rnd, core):
    tmp = srv.tmp
    cfg = os.path.join(tmp, "s3cfg")
    with open(cfg, "w") as f:
        f.write("[default]\naccess_key = %s\nsecret_key = %s\nhost_base = %s\n"
                "host_bucket = %s\nbucket_location = %s\nuse_https = %s\n"
                "signature_v2 = False\ncheck_ssl_certificate = True\nca_certs_file = %s\n"
                "enable_multipart = False\nprogress_meter = False\n" % (
                    ACCESS_KEY, SECRET_KEY, srv.host_port, srv.host_port, REGION,
                    "True" if srv.ca_bundle else "False", srv.ca_bundle or ""))

    def s3cmd(*args):
        return run(["s3cmd", "-c", cfg] + list(args), env=harness.client_env())[1].decode()

    src = os.path.join(tmp, "s3cmd-src")
    files = local_files(rnd, src)
    s3cmd("mb", "s3://s3cmd-bucket")
    for name in ("small.bin", "multi.bin", "empty.txt"):
        s3cmd("put", os.path.join(src, name), "s3://s3cmd-bucket/" + name)
        down = os.path.join(tmp, "s3cmd-down", name)
        os.makedirs(os.path.dirname(down), exist_ok=True)
        s3cmd("get", "--force", "s3://s3cmd-bucket/" + name, down)
        check(harness.read_bytes(down) == files[name], "s3cmd get of %s is not bit-exact" % name)
    listing = s3cmd("ls", "s3://s3cmd-bucket")
    got = sorted(re.findall(r"^\S+ \S+\s+(\d+)\s+s3://s3cmd-bucket/(.+)$", listing, re.M))
    check_eq(got, sorted((str(len(files[n])), n) for n in ("small.bin", "multi.bin",
                                                           "empty.txt")),
             "s3cmd ls\n" + listing)
    if not core:
        s3cmd("sync", src + "/", "s3://s3cmd-bucket/synced/")
        listing = s3cmd("ls", "--recursive", "s3://s3cmd-bucket/synced/")
        got = sorted(re.findall(r"s3://s3cmd-bucket/synced/(.+)$", listing, re.M))
        check_eq(got, sorted(files), "s3cmd ls --recursive after sync\n" + listing)
        back = os.path.join(tmp, "s3cmd-back")
        os.makedirs(back)
        s3cmd("sync", "s3://s3cmd-bucket/synced/", back + "/")
        harness.check_same_tree(back, src, "s3cmd sync down")
        s3cmd("del", "--recursive", "--force", "s3://s3cmd-bucket/synced/")
    for name in ("small.bin", "multi.bin", "empty.txt"):
        s3cmd("del", "s3://s3cmd-bucket/" + name)
    check_eq(s3cmd("ls", "--recursive", "s3://s3cmd-bucket").strip(), "",
             "s3cmd listing after del")
    s3cmd("rb", "s3://s3cmd-bucket")


# ---------------------------------------------------------------- rclone

def rclone_flow(srv, rnd, core):
    tmp = srv.tmp
    conf = os.path.join(tmp, "rclone.conf")
    with open(conf, "w") as f:
        f.write("[shale]\ntype = s3\nprovider = Other\naccess_key_id = %s\n"
                "secret_access_key = %s\nendpoint = %s\nregion = %s\nforce_path_style = true\n"
                % (ACCESS_KEY, SECRET_KEY, srv.endpoint, REGION))
    # With AWS_CA_BUNDLE set, rclone's S3 client refuses plain-http endpoints: unset it, and
    # name the self-signed certificate with --ca-cert over https.
    env = harness.client_env(drop=("AWS_CA_BUNDLE",))
    base = ["rclone", "--config", conf, "--retries", "1", "--low-level-retries", "1"]
    if srv.ca_bundle:
        base += ["--ca-cert", srv.ca_bundle]

    def rclone(*args):
        return run(base + list(args), env=env)[1].decode()

    src = os.path.join(tmp, "rclone-src")
    files = local_files(rnd, src)
    rclone("mkdir", "shale:rclone-bucket")
    rclone("copy", src, "shale:rclone-bucket/copied")
    rclone("check", src, "shale:rclone-bucket/copied")
    entries = json.loads(rclone("lsjson", "--recursive", "--files-only",
                                "shale:rclone-bucket/copied"))
    check_eq(sorted((e["Path"], e["Size"]) for e in entries),
             sorted((n, len(d)) for n, d in files.items()), "rclone lsjson")
    back = os.path.join(tmp, "rclone-back")
    rclone("copy", "shale:rclone-bucket/copied", back)
    harness.check_same_tree(back, src, "rclone copy down")
    if core:
        return
    # sync deletes on the destination what the source lacks.
    os.remove(os.path.join(src, "small.bin"))
    harness.write_bytes(os.path.join(src, "added.bin"), rnd.randbytes(4321))
    rclone("sync", src, "shale:rclone-bucket/copied")
    rclone("check", src, "shale:rclone-bucket/copied")
    entries = json.loads(rclone("lsjson", "--recursive", "--files-only",
                                "shale:rclone-bucket/copied"))
    check_eq(sorted(e["Path"] for e in entries), sorted(harness.tree(src)),
             "rclone lsjson after sync")
    back2 = os.path.join(tmp, "rclone-back2")
    rclone("sync", "shale:rclone-bucket/copied", back2)
    harness.check_same_tree(back2, src, "rclone sync down")
    rclone("purge", "shale:rclone-bucket")


# ---------------------------------------------------------------- curl --aws-sigv4

def curl_flow(srv, rnd, core):
    base = ["curl", "-sS", "--fail-with-body", "--aws-sigv4", "aws:amz:%s:s3" % REGION,
            "--user", "%s:%s" % (ACCESS_KEY, SECRET_KEY)]
    if srv.ca_bundle:
        base += ["--cacert", srv.ca_bundle]
    env = harness.client_env()
    url = srv.endpoint + "/curl-bucket"

    def curl(*args, **kw):
        return run(base + list(args), env=env, **kw)[1]

    curl("-X", "PUT", url)
    data = rnd.randbytes(300 * 1024 + 7)
    path = os.path.join(srv.tmp, "curl-up.bin")
    harness.write_bytes(path, data)
    # curl 7.88 sends no x-amz-content-sha256, which S3 (like AWS) requires on uploads: the
    # usual recipe names the payload unsigned.
    curl("-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", path, url + "/curl%20object.bin")
    check_eq(curl(url + "/curl%20object.bin") == data, True, "curl GET is bit-exact")
    check_eq(curl("-r", "1000-1999", url + "/curl%20object.bin"), data[1000:2000],
             "curl ranged GET")
    listing = curl(url + "?list-type=2").decode()
    check_eq(re.findall(r"<Key>([^<]*)</Key>", listing), ["curl object.bin"],
             "ListObjectsV2 keys\n" + listing)
    check_eq(re.findall(r"<Size>([^<]*)</Size>", listing), [str(len(data))],
             "ListObjectsV2 sizes\n" + listing)
    curl("-X", "DELETE", url + "/curl%20object.bin")
    out = run(base + ["-o", "/dev/null", "-w", "%{http_code}", url + "/curl%20object.bin"],
              env=env, expect_ok=False)[1]
    check_eq(out, b"404", "GET after DELETE")
    curl("-X", "DELETE", url)
    # An unsigned request is denied.
    plain = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"]
    if srv.ca_bundle:
        plain += ["--cacert", srv.ca_bundle]
    check_eq(run(plain + [srv.endpoint + "/"], env=env)[1], b"403", "anonymous ListBuckets")


# ---------------------------------------------------------------- restart

def restart_test(binary, rnd):
    """Generated credentials are kept and reused, and a restart serves the same data."""
    tmp = tempfile.mkdtemp(prefix="shale-integration-")
    data = rnd.randbytes(5 * MiB + 17)  # Erasure-coded (above the inline limit), two chunks.
    path = os.path.join(tmp, "restart.bin")
    harness.write_bytes(path, data)
    try:
        keys = []
        for round_ in range(2):
            log("== restart: run %d" % (round_ + 1))
            with harness.ShaleServer(binary, tmp=tmp, env_credentials=False) as srv:
                check(srv.access_key and srv.secret_key and "(" not in srv.secret_key,
                      "the banner shows generated credentials")
                keys.append((srv.access_key, srv.secret_key))
                base = ["curl", "-sS", "--fail-with-body", "--aws-sigv4",
                        "aws:amz:%s:s3" % REGION, "--user", "%s:%s" % keys[-1]]
                url = srv.endpoint + "/restart-bucket"
                if round_ == 0:
                    run(base + ["-X", "PUT", url])
                    run(base + ["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", path,
                                url + "/object"])
                got = run(base + [url + "/object"])[1]
                check(got == data, "GET after %s is not bit-exact" % (
                    "the put" if round_ == 0 else "a restart"))
                srv.stop()
        check_eq(keys[1], keys[0], "credentials after a restart")
        mode = os.stat(os.path.join(tmp, "data", "credentials.json")).st_mode & 0o777
        check_eq(oct(mode), oct(0o600), "mode of credentials.json")
        # A layout that contradicts the data dir's is refused (exit 1, a message naming it).
        _, _, err = run([binary, "server", "--data", os.path.join(tmp, "data"), "--drives", "3",
                         "--k", "2", "--m", "1", "--listen", "127.0.0.1:0"],
                        env=harness.client_env(), expect_ok=False)
        check(b"6 drives, erasure 4+2" in err, "layout mismatch message: %r" % err)
        # Usage errors exit 2 before touching anything.
        for bad, says in ((["--drives", "5"], b"multiple of k+m"),
                          (["--tls-cert", path], b"--tls-cert and --tls-key go together"),
                          (["--listen", "nowhere"], b"")):
            code, _, err = run([binary, "server", "--data", os.path.join(tmp, "unused")] + bad,
                               env=harness.client_env(), expect_ok=False)
            check(code == 2 and says in err, "shale server %s: exit %d, %r" % (bad, code, err))
        check(not os.path.exists(os.path.join(tmp, "unused")), "a usage error created --data")
    finally:
        if not os.environ.get("SHALE_KEEP_TEST_DIRS"):
            shutil.rmtree(tmp, ignore_errors=True)


FLOWS = {"awscli": awscli_flow, "boto3": boto3_flow, "s3cmd": s3cmd_flow,
         "rclone": rclone_flow, "curl": curl_flow}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shale", required=True, help="path of the shale binary")
    parser.add_argument("--client", required=True,
                        choices=sorted(FLOWS) + ["https", "restart", "gateway"])
    parser.add_argument("--gateway", help="path of shale-gateway (--client gateway)")
    parser.add_argument("--node", help="path of shale-node (--client gateway)")
    args = parser.parse_args()
    rnd = harness.rng()
    https = args.client == "https"
    flows = sorted(FLOWS) if https else [args.client]
    try:
        if args.client == "gateway":
            # shale-gateway over six shale-node processes: boto3 and curl, the full flows.
            with harness.RemoteCluster(args.gateway, args.node) as cluster:
                for name in ("boto3", "curl"):
                    log("== %s (shale-gateway)" % name)
                    FLOWS[name](cluster, rnd, core=False)
                cluster.stop()
            log("passed")
            return 0
        if args.client == "restart":
            restart_test(args.shale, rnd)
            log("passed")
            return 0
        with harness.ShaleServer(args.shale, https=https) as srv:
            for name in flows:
                log("== %s%s" % (name, " (https, core flow)" if https else ""))
                FLOWS[name](srv, rnd, core=https)
            srv.stop()
    except Failure as e:
        print("FAILED: %s" % e, flush=True)
        return 1
    log("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
