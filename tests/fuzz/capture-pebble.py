#!/usr/bin/env python3
"""Captures real ACME answers from Pebble as fuzz seeds (a developer's tool,
not part of the suite; needs python3-cryptography). Start a Pebble with
tests/pebble/pebble.sh (PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_ALTERNATE_ROOTS=1),
then:  capture-pebble.py DIRECTORY_URL CA_FILE OUTDIR
Writes OUTDIR/NAME for: directory, account, order (pending, ready, valid),
authz (pending, valid), challenge, problem (badNonce, malformed,
accountDoesNotExist), chain (the PEM certificate chain, and its alternate),
key (the leaf key), and the Link, Location and Retry-After header values."""
import base64, json, ssl, sys, time, urllib.request, urllib.error
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography import x509
from cryptography.x509.oid import NameOID

url, cafile, out = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=cafile)
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def save(name, data):
    with open(f"{out}/{name}", "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
def req(u, data=None, method=None):
    r = urllib.request.Request(u, data=data, method=method,
                               headers={"Content-Type": "application/jose+json"})
    try:
        with urllib.request.urlopen(r, context=ctx) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()

st, h, body = req(url)
save("directory", body)
d = json.loads(body)
key = ec.generate_private_key(ec.SECP256R1())
pub = key.public_key().public_numbers()
jwk = {"crv": "P-256", "kty": "EC", "x": b64(pub.x.to_bytes(32, "big")),
       "y": b64(pub.y.to_bytes(32, "big"))}
kid = None
def nonce():
    return req(d["newNonce"], method="HEAD")[1]["Replay-Nonce"]
def post(u, payload, n=None, k=None):
    prot = {"alg": "ES256", "nonce": n or nonce(), "url": u}
    if k or kid:
        prot["kid"] = k or kid
    else:
        prot["jwk"] = jwk
    p = b64(json.dumps(prot).encode())
    pl = "" if payload is None else b64(json.dumps(payload).encode())
    der = key.sign(f"{p}.{pl}".encode(), ec.ECDSA(hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    sig = b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    return req(u, json.dumps({"protected": p, "payload": pl, "signature": sig}).encode())

st, h, body = post(d["newAccount"], {"onlyReturnExisting": True})
save("problem-account-does-not-exist", body)
st, h, body = post(d["newAccount"], {"termsOfServiceAgreed": True,
                                     "contact": ["mailto:admin@example.test"]})
save("account", body)
kid = h["Location"]
save("header-location", kid)
st, h, body = post(d["newAccount"], {"x": 1}, n="bm9wZQ")
save("problem-bad-nonce", body)
st, h, body = post(d["newOrder"], {"identifiers": "nope"})
save("problem-malformed", body)
st, h, body = post(d["newOrder"], {"identifiers": [
    {"type": "dns", "value": "www.fuzz.test"}, {"type": "dns", "value": "fuzz.test"},
    {"type": "ip", "value": "127.0.0.1"}]})
save("order-pending", body)
order_url = h["Location"]
order = json.loads(body)
for i, az in enumerate(order["authorizations"]):
    st, h, body = post(az, None)
    save(f"authz-pending-{i}", body)
    a = json.loads(body)
    for ch in a["challenges"]:
        save(f"challenge-{ch['type']}", json.dumps(ch))
    ch = [c for c in a["challenges"] if c["type"] == "http-01"][0]
    st, h, body = post(ch["url"], {})
    save(f"challenge-responded-{i}", body)
    for _ in range(50):
        st, h, body = post(az, None)
        if json.loads(body)["status"] != "pending":
            break
        time.sleep(0.1)
    save(f"authz-valid-{i}", body)
st, h, body = post(order_url, None)
save("order-ready", body)
leaf = ec.generate_private_key(ec.SECP256R1())
csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(
    [x509.NameAttribute(NameOID.COMMON_NAME, "www.fuzz.test")])).add_extension(
    x509.SubjectAlternativeName([x509.DNSName("www.fuzz.test"), x509.DNSName("fuzz.test")]),
    critical=False).sign(leaf, hashes.SHA256())
st, h, body = post(json.loads(body)["finalize"],
                   {"csr": b64(csr.public_bytes(serialization.Encoding.DER))})
save("problem-finalize", body)  # the IP was not in the CSR: a problem doc
# A second order without the IP, finalized properly.
st, h, body = post(d["newOrder"], {"identifiers": [
    {"type": "dns", "value": "www.fuzz.test"}, {"type": "dns", "value": "fuzz.test"}]})
order_url = h["Location"]
for az in json.loads(body)["authorizations"]:
    st, h, b2 = post(az, None)
    a = json.loads(b2)
    if a["status"] == "pending":
        ch = [c for c in a["challenges"] if c["type"] == "http-01"][0]
        post(ch["url"], {})
for _ in range(50):
    st, h, body = post(order_url, None)
    if json.loads(body)["status"] == "ready":
        break
    time.sleep(0.1)
st, h, body = post(json.loads(body)["finalize"],
                   {"csr": b64(csr.public_bytes(serialization.Encoding.DER))})
if h.get("Retry-After"):
    save("header-retry-after", h["Retry-After"])
for _ in range(50):
    st, h, body = post(order_url, None)
    if json.loads(body)["status"] == "valid":
        break
    time.sleep(0.1)
save("order-valid", body)
st, h, body = post(json.loads(body)["certificate"], None)
save("chain", body)
links = h.get_all("Link") or []
save("header-link", ", ".join(links))
for l in links:
    if 'rel="alternate"' in l:
        st, h2, b2 = post(l.split(">")[0].lstrip("<"), None)
        save("chain-alternate", b2)
        break
save("key", leaf.private_bytes(serialization.Encoding.PEM,
     serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
print("captured into", out)
