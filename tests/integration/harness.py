"""Harness of the S3 client compatibility tests (tests/integration/, ctest label `integration`).

ShaleServer starts a real `shale server` on a free 127.0.0.1 port (--listen 127.0.0.1:0; the
port is read back from the endpoint line it prints) with a temp data dir and fixed
SHALE_ACCESS_KEY/SHALE_SECRET_KEY, optionally over https with a self-signed certificate made by
the openssl CLI, and stops it with SIGTERM (a clean exit 0 is part of the test). `run` runs one
client command, keeps its output and raises Failure (printing command, exit code, stdout and
stderr) when it fails. Standard library only: this runs under Debian's /usr/bin/python3.
"""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ACCESS_KEY = "SHALEINTEGRATION0001"
SECRET_KEY = "shale-integration-secret-key-0123456789"
REGION = "us-east-1"
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30
COMMAND_TIMEOUT_S = 120


class Failure(Exception):
    """A client step that failed; the message holds everything needed to see why."""


def log(msg):
    print(msg, flush=True)


def check(cond, what):
    if not cond:
        raise Failure(what)


def check_eq(got, want, what):
    if got != want:
        raise Failure("%s:\n  got:  %r\n  want: %r" % (what, got, want))


def rng():
    """A seeded random source; SHALE_TEST_SEED replays a run."""
    seed = int(os.environ.get("SHALE_TEST_SEED", str(random.SystemRandom().randrange(1 << 31))))
    log("random seed: %d (replay with SHALE_TEST_SEED=%d)" % (seed, seed))
    return random.Random(seed)


def client_env(extra=None, drop=()):
    """The environment for a client: the caller's, without any AWS_* or SHALE_* settings that
    could point a client elsewhere, plus `extra`; names in `drop` are removed last."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and not k.startswith("SHALE_") and
           not k.startswith("RCLONE_")}
    env.update(extra or {})
    for name in drop:
        env.pop(name, None)
    return env


def run(cmd, env=None, input_bytes=None, cwd=None, expect_ok=True, timeout=COMMAND_TIMEOUT_S):
    """Runs `cmd`; returns (code, stdout bytes, stderr bytes). Raises Failure when it fails
    (or, with expect_ok=False, when it succeeds)."""
    shown = " ".join(cmd)
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, env=env, input=input_bytes, cwd=cwd, capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise Failure("timed out after %ds: %s\nstdout:\n%s\nstderr:\n%s" % (
            timeout, shown, _text(e.stdout), _text(e.stderr)))
    log("  $ %s  -> %d (%.1fs)" % (shown, p.returncode, time.monotonic() - start))
    if (p.returncode == 0) != expect_ok:
        raise Failure("command %s: %s\nexit code: %d\nstdout:\n%s\nstderr:\n%s" % (
            "failed" if expect_ok else "unexpectedly succeeded", shown, p.returncode,
            _text(p.stdout), _text(p.stderr)))
    return p.returncode, p.stdout, p.stderr


def _text(b):
    if b is None:
        return ""
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else b


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def tree(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root)] = read_bytes(full)
    return out


def check_same_tree(got_root, want_root, what):
    got, want = tree(got_root), tree(want_root)
    check_eq(sorted(got), sorted(want), what + ": file names")
    for name in want:
        if got[name] != want[name]:
            raise Failure("%s: %s differs (%d bytes, want %d)" % (
                what, name, len(got[name]), len(want[name])))


def make_self_signed_cert(directory):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert path, key path)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
         cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
    return cert, key


class ShaleServer:
    """A running `shale server` (a context manager). Attributes: endpoint ("http://127.0.0.1:N"),
    host_port ("127.0.0.1:N"), ca_bundle (the cert path over https, else None), tmp (a scratch
    dir for the test, removed at exit unless SHALE_KEEP_TEST_DIRS is set)."""

    def __init__(self, binary, https=False, extra_args=(), tmp=None, env_credentials=True):
        """`tmp`: reuse a scratch dir (and its data dir) of an earlier server, which then owns
        it; `env_credentials`: pass SHALE_ACCESS_KEY/SHALE_SECRET_KEY (else the server uses
        the credentials kept in its data dir, generating them on first start)."""
        self.binary = binary
        self.https = https
        self.extra_args = list(extra_args)
        self.owns_tmp = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="shale-integration-")
        self.env_credentials = env_credentials
        self.access_key = self.secret_key = None
        self.ca_bundle = None
        self.proc = None
        self.endpoint = None
        self.host_port = None
        self._stdout = []
        self._log_path = os.path.join(self.tmp, "server.log")

    def __enter__(self):
        args = [self.binary, "server", "--data", os.path.join(self.tmp, "data"),
                "--listen", "127.0.0.1:0"] + self.extra_args
        if self.https:
            cert, key = make_self_signed_cert(self.tmp)
            self.ca_bundle = cert
            args += ["--tls-cert", cert, "--tls-key", key]
        env = client_env({"SHALE_ACCESS_KEY": ACCESS_KEY, "SHALE_SECRET_KEY": SECRET_KEY}
                         if self.env_credentials else {})
        log("starting: " + " ".join(args))
        self._log = open(self._log_path, "ab")
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=self._log)
        found = threading.Event()
        pattern = re.compile(r"S3 endpoint: (https?://([0-9.]+:[0-9]+))")

        def pump():
            for line in self.proc.stdout:
                text = line.decode("utf-8", "replace")
                self._stdout.append(text)
                for field, attr in (("access key: ", "access_key"), ("secret key: ", "secret_key")):
                    if text.strip().startswith(field) and getattr(self, attr) is None:
                        setattr(self, attr, text.strip()[len(field):])
                m = pattern.search(text)
                if m and not found.is_set():
                    self.endpoint, self.host_port = m.group(1), m.group(2)
                    found.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not found.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._dump()
                self.__exit__(None, None, None)
                raise Failure("shale server did not start (exit code %s)" % self.proc.poll())
        log("server ready at " + self.endpoint)
        return self

    def _dump(self):
        sys.stdout.write("--- shale server stdout ---\n" + "".join(self._stdout))
        sys.stdout.write("--- shale server log ---\n" + _text(read_bytes(self._log_path)))
        sys.stdout.flush()

    def stop(self):
        """SIGTERM, then waits: the server must drain and exit 0."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._dump()
            raise Failure("shale server did not stop within %ds of SIGTERM" % STOP_TIMEOUT_S)
        if code != 0:
            self._dump()
            raise Failure("shale server exited with %d after SIGTERM" % code)
        return code

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                self._dump()
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        finally:
            self._log.close()
            if not self.owns_tmp:
                pass
            elif not os.environ.get("SHALE_KEEP_TEST_DIRS"):
                shutil.rmtree(self.tmp, ignore_errors=True)
            else:
                log("kept " + self.tmp)
        return False


def _free_ports(n):
    """n ports the OS had free a moment ago (a node's --listen cannot take port 0 and report
    back before the config naming every node is written)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def _wait_for_log(proc, log_path, pattern, what):
    """Polls `log_path` until `pattern` matches; returns the match."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        m = re.search(pattern, _text(read_bytes(log_path)))
        if m:
            return m
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise Failure("%s did not start (exit code %s):\n%s" % (what, proc.poll(),
                                                            _text(read_bytes(log_path))))


class RemoteCluster:
    """`shale-gateway` in front of `nodes` real `shale-node` processes (a context manager),
    with the same attributes as ShaleServer for the client flows."""

    def __init__(self, gateway_binary, node_binary, nodes=6, k=4, m=2):
        self.gateway_binary, self.node_binary = gateway_binary, node_binary
        self.tmp = tempfile.mkdtemp(prefix="shale-integration-")
        self.ca_bundle = None
        self.endpoint = self.host_port = None
        self.procs = []  # (name, Popen, log path); the gateway last.
        ports = _free_ports(nodes)
        self.config = os.path.join(self.tmp, "cluster.json")
        with open(self.config, "w") as f:
            json.dump({
                "cluster_id": "integration",
                "nodes": [{"id": "n%d" % i, "address": "127.0.0.1:%d" % p,
                           "data_dir": os.path.join(self.tmp, "n%d" % i)}
                          for i, p in enumerate(ports)],
                "erasure": {"k": k, "m": m},
                "cluster_secret": "integration-cluster-secret-0123456789abcdef",
                "users": [{"name": "admin", "access_key": ACCESS_KEY, "secret_key": SECRET_KEY}],
            }, f)
        self.nodes = nodes

    def _start(self, name, args):
        log_path = os.path.join(self.tmp, name + ".log")
        with open(log_path, "ab") as logf:
            proc = subprocess.Popen(args, env=client_env(), stdout=logf, stderr=logf)
        self.procs.append((name, proc, log_path))
        return proc, log_path

    def __enter__(self):
        try:
            for i in range(self.nodes):
                proc, path = self._start("n%d" % i, [self.node_binary, "--config", self.config,
                                                     "--node-id", "n%d" % i])
                _wait_for_log(proc, path, r"msg=ready", "shale-node n%d" % i)
            proc, path = self._start("gateway", [self.gateway_binary, "--config", self.config,
                                                 "--listen", "127.0.0.1:0"])
            m = _wait_for_log(proc, path, r"msg=ready endpoint=(https?://([0-9.]+:[0-9]+))",
                              "shale-gateway")
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        self.endpoint, self.host_port = m.group(1), m.group(2)
        log("gateway ready at %s over %d nodes" % (self.endpoint, self.nodes))
        return self

    def stop(self):
        """SIGTERM to the gateway, then to every node: each must exit 0."""
        for name, proc, path in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.returncode != 0:
                raise Failure("%s exited with %s after SIGTERM:\n%s" % (
                    name, proc.returncode, _text(read_bytes(path))))

    def __exit__(self, exc_type, exc, tb):
        for name, proc, path in self.procs:
            if exc_type is not None:
                sys.stdout.write("--- %s log ---\n%s" % (name, _text(read_bytes(path))))
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        sys.stdout.flush()
        if not os.environ.get("SHALE_KEEP_TEST_DIRS"):
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False
