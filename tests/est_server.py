#!/usr/bin/env python3
"""A minimal EST (RFC 7030) server for certdeck's tests.

Python's standard library for HTTP over TLS; the openssl command does the
CA work. It serves, under /.well-known/est and /.well-known/est/LABEL:
  GET  /cacerts         base64 PKCS#7 certs-only with the CA certificate
  GET  /csrattrs        base64 CsrAttrs (the digest asked for with --csrattrs)
  POST /simpleenroll    base64 PKCS#10 in, base64 PKCS#7 certs-only out;
                        HTTP basic auth (--user, --password-file) or a TLS
                        client certificate from this CA
  POST /serverkeygen    like /simpleenroll, but the server makes the key:
                        multipart/mixed with the key (application/pkcs8)
                        and the certificate (certs-only), RFC 7030 4.4.2
  POST /simplereenroll  the same, authenticated by the TLS client
                        certificate being renewed (the CSR's subject must
                        be that certificate's)
With --pending N the first N enrolment requests are answered 202 Accepted
with Retry-After (--retry-after seconds, 120 by default; RFC 7030 section 4.2.3). Every request is logged, one a
line, to --log: "PATH STATUS DETAIL".

  est_server.py --dir DIR --port PORT [--user U --password-file F]
                [--pending N [--retry-after S]] [--label L] [--csrattrs sha384] [--log FILE]

DIR gets ca.key/ca.pem (the test CA, made on first start) and
server.key/server.pem (the TLS certificate, for 127.0.0.1, from that CA).
"""

import argparse
import base64
import http.server
import os
import ssl
import subprocess
import sys
import tempfile
import threading

ARGS = None
LOCK = threading.Lock()
PENDING_LEFT = [0]
SERIAL = [1000]

# CsrAttrs ::= SEQUENCE OF AttrOrOID: signature algorithm OIDs (RFC 7030
# section 4.5.2 says the client should use the one asked for).
CSRATTRS_OID = {
    "sha256": "sha256WithRSAEncryption",
    "sha384": "sha384WithRSAEncryption",
    "sha512": "sha512WithRSAEncryption",
}


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout


def make_ca(d):
    if os.path.exists(os.path.join(d, "ca.pem")):
        return
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
            "-subj", "/CN=certdeck EST test CA/O=certdeck test",
            "-keyout", os.path.join(d, "ca.key"), "-out", os.path.join(d, "ca.pem"),
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", os.path.join(d, "server.key"), "-out", os.path.join(d, "server.csr"))
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", os.path.join(d, "server.csr"), "-days", "3650",
            "-CA", os.path.join(d, "ca.pem"), "-CAkey", os.path.join(d, "ca.key"),
            "-set_serial", "1", "-extfile", os.path.join(d, "server.ext"),
            "-out", os.path.join(d, "server.pem"))


def certs_only(pem_files):
    args = ["crl2pkcs7", "-nocrl", "-outform", "DER"]
    for p in pem_files:
        args += ["-certfile", p]
    return base64.encodebytes(openssl(*args))


def csrattrs_der(digest):
    conf = "asn1=SEQUENCE:attrs\n[attrs]\nalg=OID:%s\n" % CSRATTRS_OID[digest]
    with tempfile.NamedTemporaryFile("w", suffix=".cnf") as f:
        f.write(conf)
        f.flush()
        return openssl("asn1parse", "-genconf", f.name, "-noout", "-out", "/dev/stdout")


def subject_of(kind, der):
    out = openssl(kind, "-inform", "DER", "-noout", "-subject", "-nameopt", "RFC2253",
                  data=der).decode()
    return out.strip().split("=", 1)[1].strip() if out.startswith("subject") else out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def log(self, op, status, detail=""):
        if ARGS.log:
            with LOCK, open(ARGS.log, "a") as f:
                f.write("%s %d %s\n" % (op, status, detail))

    def reply(self, op, status, body=b"", ctype="text/plain", headers=(), detail=""):
        self.log(op, status, detail)
        self.send_response(status)
        if body:
            self.send_header("Content-Type", ctype)
            if ctype.startswith("application/"):
                self.send_header("Content-Transfer-Encoding", "base64")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def op(self):
        prefix = "/.well-known/est/"
        if ARGS.label:
            prefix += ARGS.label + "/"
        path = self.path.split("?", 1)[0]
        return path[len(prefix):] if path.startswith(prefix) else None

    def peer_cert(self):
        der = self.connection.getpeercert(binary_form=True)
        return der  # verified against the CA by the TLS layer (CERT_OPTIONAL)

    def basic_ok(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic ") or not ARGS.user:
            return False
        try:
            user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        except Exception:
            return False
        with open(ARGS.password_file) as f:
            want = f.read().rstrip("\r\n")
        return user == ARGS.user and pw == want

    def do_GET(self):
        op = self.op()
        if op == "cacerts":
            self.reply(op, 200, certs_only([os.path.join(ARGS.dir, "ca.pem")]),
                       "application/pkcs7-mime; smime-type=certs-only")
        elif op == "csrattrs":
            if ARGS.csrattrs:
                self.reply(op, 200, base64.encodebytes(csrattrs_der(ARGS.csrattrs)),
                           "application/csrattrs")
            else:
                self.reply(op, 204)
        else:
            self.reply(str(op), 404, b"not found\n")

    def do_POST(self):
        op = self.op()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if op not in ("simpleenroll", "simplereenroll", "serverkeygen"):
            self.reply(str(op), 404, b"not found\n")
            return
        peer = self.peer_cert()
        if op == "simplereenroll" and peer is None:
            self.reply(op, 401, b"re-enrolment needs the current certificate (TLS)\n")
            return
        if op != "simplereenroll" and peer is None and not self.basic_ok():
            self.reply(op, 401, b"authentication required\n",
                       headers=[("WWW-Authenticate", 'Basic realm="estrealm"')],
                       detail="bad-credentials" if "Authorization" in self.headers else "")
            return
        if not self.headers.get("Content-Type", "").startswith("application/pkcs10"):
            self.reply(op, 415, b"want application/pkcs10\n")
            return
        try:
            csr = base64.b64decode(body, validate=False)
            text = openssl("req", "-inform", "DER", "-verify", "-noout", "-text", data=csr)
        except Exception:
            self.reply(op, 400, b"not a valid PKCS#10 request\n", detail="bad-csr")
            return
        subj = subject_of("req", csr)
        if op == "simplereenroll" and subject_of("x509", peer) != subj:
            self.reply(op, 400, b"the subject differs from the current certificate's\n")
            return
        algs = {l.split(b":", 1)[1].strip() for l in text.splitlines()
                if l.strip().startswith(b"Signature Algorithm:")}
        if ARGS.csrattrs and algs != {CSRATTRS_OID[ARGS.csrattrs].encode()}:
            self.reply(op, 400, b"the CSR does not use the signature algorithm asked for\n",
                       detail="csrattrs-ignored")
            return
        with LOCK:
            pending = PENDING_LEFT[0] > 0
            if pending:
                PENDING_LEFT[0] -= 1
            SERIAL[0] += 1
            serial = SERIAL[0]
        if pending:
            self.reply(op, 202, b"held for approval\n", headers=[("Retry-After", str(ARGS.retry_after))],
                       detail=subj)
            return
        with tempfile.TemporaryDirectory() as t:
            with open(os.path.join(t, "csr.der"), "wb") as f:
                f.write(csr)
            with open(os.path.join(t, "ext"), "w") as f:
                f.write("basicConstraints=CA:FALSE\n"
                        "keyUsage=critical,digitalSignature,keyEncipherment\n"
                        "extendedKeyUsage=serverAuth,clientAuth\n")
            keyargs = []
            if op == "serverkeygen":
                openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                        "-out", os.path.join(t, "key.pem"))
                openssl("pkey", "-in", os.path.join(t, "key.pem"), "-pubout",
                        "-out", os.path.join(t, "pub.pem"))
                keyargs = ["-force_pubkey", os.path.join(t, "pub.pem")]
            openssl("x509", "-req", "-inform", "DER", "-in", os.path.join(t, "csr.der"),
                    *keyargs,
                    "-CA", os.path.join(ARGS.dir, "ca.pem"),
                    "-CAkey", os.path.join(ARGS.dir, "ca.key"),
                    "-set_serial", str(serial), "-days", str(ARGS.days),
                    "-copy_extensions", "copy", "-extfile", os.path.join(t, "ext"),
                    "-out", os.path.join(t, "cert.pem"))
            out = certs_only([os.path.join(t, "cert.pem")])
            if op == "serverkeygen":
                key = base64.encodebytes(openssl("pkcs8", "-topk8", "-nocrypt", "-in",
                                                 os.path.join(t, "key.pem"), "-outform", "DER"))
                b = b"estServerKeyGenBoundary"
                out = (b"--" + b + b"\r\nContent-Type: application/pkcs8\r\n"
                       b"Content-Transfer-Encoding: base64\r\n\r\n" + key + b"\r\n--" + b +
                       b"\r\nContent-Type: application/pkcs7-mime; smime-type=certs-only\r\n"
                       b"Content-Transfer-Encoding: base64\r\n\r\n" + out + b"\r\n--" + b +
                       b"--\r\n")
                self.reply(op, 200, out, "multipart/mixed; boundary=" + b.decode(),
                           detail="%s auth=%s" % (subj, "cert" if peer else "basic"))
                return
        self.reply(op, 200, out, "application/pkcs7-mime; smime-type=certs-only",
                   detail="%s auth=%s" % (subj, "cert" if peer else "basic"))


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user")
    p.add_argument("--password-file")
    p.add_argument("--pending", type=int, default=0)
    p.add_argument("--retry-after", type=int, default=120)
    p.add_argument("--label")
    p.add_argument("--csrattrs", choices=sorted(CSRATTRS_OID))
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--log")
    ARGS = p.parse_args()
    PENDING_LEFT[0] = ARGS.pending
    os.makedirs(ARGS.dir, mode=0o700, exist_ok=True)
    make_ca(ARGS.dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(ARGS.dir, "server.pem"),
                        os.path.join(ARGS.dir, "server.key"))
    # Client certificates are optional (basic auth is the other way in) and,
    # when sent, must come from this CA.
    ctx.load_verify_locations(os.path.join(ARGS.dir, "ca.pem"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stderr.write("est_server listening on 127.0.0.1:%d\n" % ARGS.port)
    srv.serve_forever()


if __name__ == "__main__":
    main()
