#!/usr/bin/env python3
"""A hostile ACME server for tests/hostile/test_hostile.sh.

It speaks enough RFC 8555 over TLS to issue a certificate (it never checks
a signature: it is the CA that lies, not the client), and lies in one way at
a time, chosen by GET /mode/NAME. Modes are either a protocol lie (a token,
an authorization, a certificate, a URL) or BEHAVIOUR@RESOURCE, a transport
lie told when certdeck asks for one resource (dir, nonce, acct, neworder,
order, authz, chall, finalize, cert).

Every request is logged to LOG as "METHOD RESOURCE PATH" so the test can
count what certdeck asked for; "!" lines are requests the server could not
parse. Certificates are signed by the issuing CA in CADIR (made by the
test) with `openssl ca`, so dates, names and keys can be whatever the mode
wants.

usage: hostile_ca.py PORTFILE TLSCERT TLSKEY CADIR LOG CANARY
"""
import base64
import http.server
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

PORTFILE, TLSCERT, TLSKEY, CADIR, LOG, CANARY = sys.argv[1:7]

lock = threading.Lock()
state = {"mode": "good", "nonces": set(), "used": set(), "n": 0, "orders": {},
         "count": {}}


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


def new_nonce():
    with lock:
        state["n"] += 1
        if state["mode"] == "nonce-reused":
            n = "c2FtZS1ub25jZQ"  # the same nonce every time, good only once
        else:
            n = base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("=")
        if n not in state["used"]:
            state["nonces"].add(n)
        return n


def take_nonce(n):
    with lock:
        if n in state["nonces"]:
            state["nonces"].discard(n)
            state["used"].add(n)
            return True
        return False


def sign(order, csr_der):
    """Signs as the mode says; returns the PEM chain text."""
    mode = state["mode"]
    names = [i["value"] for i in order["identifiers"]]
    if mode == "cert-othername":
        names = ["other.hostile.test"]
    elif mode == "cert-extraname":
        names = names + ["extra.hostile.test"]
    start, end = "-startdate", "-enddate"
    now = time.time()
    fmt = lambda t: time.strftime("%Y%m%d%H%M%SZ", time.gmtime(t))
    if mode == "cert-expired":
        dates = [start, fmt(now - 90 * 86400), end, fmt(now - 86400)]
    elif mode == "cert-notyet":
        dates = [start, fmt(now + 10 * 86400), end, fmt(now + 100 * 86400)]
    else:
        dates = [start, fmt(now - 60), end, fmt(now + 30 * 86400)]
    with tempfile.TemporaryDirectory(dir=CADIR) as d:
        csr = os.path.join(d, "csr.pem")
        if mode == "cert-wrongkey":
            subprocess.run(["openssl", "req", "-new", "-key",
                            os.path.join(CADIR, "other.key"), "-subj", "/CN=x",
                            "-out", csr], check=True, capture_output=True)
        else:
            with open(csr, "wb") as f:
                f.write(b"-----BEGIN CERTIFICATE REQUEST-----\n")
                f.write(base64.encodebytes(csr_der))
                f.write(b"-----END CERTIFICATE REQUEST-----\n")
        ext = os.path.join(d, "ext.cnf")
        with open(ext, "w") as f:
            f.write("[leaf]\nbasicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=" + ",".join("DNS:" + n for n in names) + "\n")
        out = os.path.join(d, "cert.pem")
        with lock:
            subprocess.run(["openssl", "ca", "-batch", "-notext", "-config",
                            os.path.join(CADIR, "ca.cnf"), "-in", csr, "-out", out,
                            "-subj", "/CN=" + names[0], "-extfile", ext,
                            "-extensions", "leaf"] + dates,
                           check=True, capture_output=True)
        with open(out) as f:
            leaf = f.read()
    with open(os.path.join(CADIR, "int.pem")) as f:
        inter = f.read()
    if mode == "cert-badchain":
        with open(os.path.join(CADIR, "stranger.pem")) as f:
            inter = f.read()
    if mode == "cert-1000":
        return leaf + inter * 999
    return leaf + inter


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def base(self, host="127.0.0.1", scheme="https"):
        return "%s://%s:%d" % (scheme, host, self.server.server_address[1])

    # ---- transport lies ----

    def raw(self, status, ctype, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if state["mode"] != "nonce-missing":
            self.send_header("Replay-Nonce", new_nonce())
            if state["mode"] == "nonce-twice":
                self.send_header("Replay-Nonce", new_nonce())
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reset(self):
        """Closes with an RST (SO_LINGER 0), not a FIN."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def lie(self, behaviour):
        """Tells a transport lie. Returns True when it answered."""
        if behaviour == "garbage":
            self.raw(200, "application/json", bytes(range(256)) * 8)
        elif behaviour == "truncated":
            self.raw(200, "application/json", b'{"status": "pending", "identifiers": [{"typ')
        elif behaviour == "html":
            self.raw(200, "text/html",
                     b"<!DOCTYPE html><html><body><h1>Welcome to the hotel Wi-Fi</h1>"
                     b"<form action=/login></form></body></html>")
        elif behaviour == "pem":
            with open(os.path.join(CADIR, "int.pem"), "rb") as f:
                self.raw(200, "application/pem-certificate-chain", f.read())
        elif behaviour == "problemhtml":
            self.raw(400, "text/html", b"<html><body>400 Bad Request</body></html>")
        elif behaviour == "empty":
            self.raw(200, "application/json", b"")
        elif behaviour == "e500":
            self.raw(500, "application/problem+json",
                     b'{"type":"urn:ietf:params:acme:error:serverInternal",'
                     b'"detail":"the hostile CA is having a bad day"}')
        elif behaviour == "e500html":
            self.raw(500, "text/html", b"<html><body>500 Internal Server Error</body></html>")
        elif behaviour == "e429year":
            self.raw(429, "application/problem+json",
                     b'{"type":"urn:ietf:params:acme:error:rateLimited","detail":"slow down"}',
                     [("Retry-After", "31536000")])
        elif behaviour == "e503hour":
            self.raw(503, "application/problem+json",
                     b'{"type":"urn:ietf:params:acme:error:serverInternal","detail":"later"}',
                     [("Retry-After", "3600")])
        elif behaviour == "big":
            # 100 MiB announced and sent, in 1 MiB writes.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(100 << 20))
            self.send_header("Replay-Nonce", new_nonce())
            self.end_headers()
            self.stream(100)
        elif behaviour == "bigchunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Replay-Nonce", new_nonce())
            self.end_headers()
            self.stream(100, chunked=True)
        elif behaviour in ("drip", "dripfast"):
            # drip: 2 bytes a second, under certdeck's speed limit (64 B/s);
            # dripfast: 200 B/s, above it, for ever: only the total timeout
            # ends it. Both announce a length under certdeck's 1 MiB cap, so
            # only the clock can stop them.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(4000 if behaviour == "drip" else 512 << 10))
            self.send_header("Replay-Nonce", new_nonce())
            self.end_headers()
            chunk, pause = (b" ", 0.5) if behaviour == "drip" else (b" " * 20, 0.1)
            t0 = time.time()
            try:
                while time.time() - t0 < 120:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    time.sleep(pause)
            except OSError:
                pass
            self.close_connection = True
        elif behaviour == "reset":
            self.reset()
        elif behaviour == "resetmid":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4000")
            self.end_headers()
            self.wfile.write(b'{"status": "pending", "identifiers": [')
            self.reset()
        elif behaviour == "close":
            self.close_connection = True
            self.connection.close()
        elif behaviour == "redirect":
            self.raw(302, "text/html", b"moved",
                     [("Location", self.base("localhost") + self.path)])
        elif behaviour == "redirect301":
            self.raw(301, "text/html", b"moved",
                     [("Location", self.base() + "/elsewhere" + self.path)])
        else:
            return False
        return True

    def stream(self, mib, chunked=False):
        block = b" " * (1 << 20)
        try:
            for _ in range(mib):
                if chunked:
                    self.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
                else:
                    self.wfile.write(block)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True

    # ---- routing ----

    def resource(self):
        p = self.path
        for prefix, name in (("/dir", "dir"), ("/nonce", "nonce"), ("/acct", "acct"),
                             ("/new-order", "neworder"), ("/order/", "order"),
                             ("/authz/", "authz"), ("/chall/", "chall"),
                             ("/finalize/", "finalize"), ("/cert/", "cert"),
                             ("/mode/", "mode")):
            if p.startswith(prefix):
                return name
        return "?"

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        res = self.resource()
        body = b""
        if self.command == "POST":
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if res == "mode":
            with lock:
                state["mode"] = self.path[len("/mode/"):]
                state["count"] = {}
            self.raw(200, "text/plain", b"ok\n")
            return
        log("%s %s %s" % (self.command, res, self.path))
        mode = state["mode"]
        with lock:
            k = state["count"][res] = state["count"].get(res, 0) + 1
        if "@" in mode:
            behaviour, target = mode.split("@", 1)
            if target == res:
                # BEHAVIOUR@RES:N lies to the first N requests only.
                if ":" in behaviour:
                    behaviour, times = behaviour.split(":")
                    if k > int(times):
                        behaviour = None
                if behaviour is not None and self.lie(behaviour):
                    return
        payload = None
        if self.command == "POST":
            try:
                jws = json.loads(body)
                prot = json.loads(b64u_dec(jws["protected"]))
                payload = json.loads(b64u_dec(jws["payload"])) if jws["payload"] else None
            except Exception:
                log("! unparsable request to %s" % self.path)
                return self.problem(400, "malformed", "unparsable JWS")
            if mode == "badnonce" or not take_nonce(prot.get("nonce", "")):
                return self.problem(400, "badNonce", "that nonce is no good")
        getattr(self, "r_" + res, self.r_unknown)(payload)

    def json(self, status, obj, headers=()):
        self.raw(status, "application/json", json.dumps(obj).encode(), headers)

    def problem(self, status, t, detail):
        self.raw(status, "application/problem+json",
                 json.dumps({"type": "urn:ietf:params:acme:error:" + t,
                             "detail": detail}).encode())

    def r_unknown(self, payload):
        self.problem(404, "malformed", "no such resource")

    def r_dir(self, payload):
        b = self.base()
        self.json(200, {"newNonce": b + "/nonce", "newAccount": b + "/acct",
                        "newOrder": b + "/new-order", "revokeCert": b + "/revoke",
                        "keyChange": b + "/key-change", "meta": {}})

    def r_nonce(self, payload):
        self.raw(200, "application/octet-stream", b"", [("Cache-Control", "no-store")])

    def r_acct(self, payload):
        self.json(200 if self.path != "/acct" else 201,
                  {"status": "valid", "contact": [], "orders": self.base() + "/orders"},
                  [("Location", self.base() + "/acct/1")])

    def r_neworder(self, payload):
        mode = state["mode"]
        ids = payload["identifiers"]
        with lock:
            oid = len(state["orders"]) + 1
            o = {"identifiers": ids, "status": "pending", "csr": None,
                 "authz": ["pending"] * len(ids)}
            state["orders"][oid] = o
        loc = self.base() + "/order/%d" % oid
        if mode == "order-offorigin":
            loc = self.base("localhost") + "/order/%d" % oid
        elif mode == "order-http":
            loc = self.base(scheme="http") + "/order/%d" % oid
        self.json(201, self.order_json(oid), [("Location", loc)])

    def order_json(self, oid):
        mode = state["mode"]
        o = state["orders"][oid]
        b = self.base()
        authz = [b + "/authz/%d/%d" % (oid, i) for i in range(len(o["identifiers"]))]
        fin = b + "/finalize/%d" % oid
        cert = b + "/cert/%d" % oid
        if mode == "authz-http":
            authz = [self.base(scheme="http") + "/authz/%d/%d" % (oid, i)
                     for i in range(len(authz))]
        elif mode == "authz-offorigin":
            authz = [self.base("localhost") + "/authz/%d/%d" % (oid, i)
                     for i in range(len(authz))]
        elif mode == "finalize-http":
            fin = self.base(scheme="http") + "/finalize/%d" % oid
        elif mode == "cert-offorigin":
            cert = self.base("localhost") + "/cert/%d" % oid
        j = {"status": o["status"], "identifiers": o["identifiers"],
             "authorizations": authz, "finalize": fin,
             "expires": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))}
        if o["status"] == "valid":
            j["certificate"] = cert
        return j

    def ids(self):
        parts = self.path.split("/")
        return int(parts[2]), (int(parts[3]) if len(parts) > 3 else 0)

    def r_order(self, payload):
        oid, _ = self.ids()
        mode = state["mode"]
        headers = []
        if mode == "retry-year":
            headers = [("Retry-After", "31536000")]
        elif mode in ("retry-zero", "order-never-ready", "authz-never-valid"):
            headers = [("Retry-After", "0")]
        self.json(200, self.order_json(oid), headers)

    def r_authz(self, payload):
        oid, i = self.ids()
        mode = state["mode"]
        o = state["orders"][oid]
        ident = dict(o["identifiers"][i])
        if mode == "authz-othername":
            ident["value"] = "other.hostile.test"
        b = self.base()
        token = base64.urlsafe_b64encode(b"tok-%d-%d-0123456789abcdef" % (oid, i)).decode().rstrip("=")
        token = {"token-shell": "$(touch %s/shell)`touch %s/tick`;x" % (CANARY, CANARY),
                 "token-dotdot": "../../../canary/dotdot",
                 "token-newline": "abc\ndef",
                 "token-bytes": "abc\u00e9+/=\u0007",
                 "token-empty": ""}.get(mode, token)
        st = o["authz"][i]
        chall = lambda t: {"type": t, "url": b + "/chall/%d/%d/%s" % (oid, i, t),
                           "token": token,
                           "status": "valid" if st == "valid" else "pending"}
        self.json(200, {"identifier": ident, "status": st,
                        "expires": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                 time.gmtime(time.time() + 86400)),
                        "challenges": [chall("http-01"), chall("dns-01"),
                                       chall("tls-alpn-01")]})

    def r_chall(self, payload):
        oid, i = self.ids()
        mode = state["mode"]
        o = state["orders"][oid]
        with lock:
            if mode != "authz-never-valid":
                o["authz"][i] = "valid"
            if all(s == "valid" for s in o["authz"]) and mode != "order-never-ready":
                o["status"] = "ready"
        t = self.path.rsplit("/", 1)[1]
        self.json(200, {"type": t, "url": self.base() + self.path, "status": "processing",
                        "token": "x"},
                  [("Link", '<%s/authz/%d/%d>;rel="up"' % (self.base(), oid, i))])

    def r_finalize(self, payload):
        oid, _ = self.ids()
        o = state["orders"][oid]
        if o["status"] != "ready":
            return self.problem(403, "orderNotReady", "not ready")
        try:
            o["chain"] = sign(o, b64u_dec(payload["csr"]))
        except subprocess.CalledProcessError as ex:
            log("! openssl failed: %s" % ex.stderr.decode(errors="replace"))
            return self.problem(500, "serverInternal", "signing failed")
        o["status"] = "processing" if state["mode"] == "retry-year" else "valid"
        self.json(200, self.order_json(oid), [("Location", self.base() + "/order/%d" % oid)])

    def r_cert(self, payload):
        oid, _ = self.ids()
        o = state["orders"][oid]
        mode = state["mode"]
        if mode == "cert-json":
            return self.json(200, {"certificate": o["chain"]})
        if mode == "cert-garbage":
            return self.raw(200, "application/pem-certificate-chain",
                            b"-----BEGIN CERTIFICATE-----\n!!!! not base64 at all ####\n"
                            b"-----END CERTIFICATE-----\n")
        self.raw(200, "application/pem-certificate-chain", o["chain"].encode())


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


srv = Server(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(TLSCERT, TLSKEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
