/* src/est.c's pure parts: URLs, base64 PKCS#7, CsrAttrs, /serverkeygen multipart. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "est.h"
#include "tap.h"

static void
url_is(const char *url, const char *label, const char *want, const char *what)
{
	char *u = est_url(url, label, "cacerts");

	is_str(u, want, what);
	free(u);
}

int
main(void)
{
	/* SEQUENCE { sha384WithRSAEncryption, challengePassword, Attribute { extReq, ... } } */
	static const char attrs_b64[] =
	    "MC8GCSqGSIb3DQEBDAYJKoZIhvcNAQkHMBcGCSqGSIb3DQEJDjEKBggqhkjOPQQDAw==";
	struct est_csrattrs a;
	struct est_reply r = { 0 };
	STACK_OF(X509) *certs = NULL;
	EVP_PKEY *rsa = EVP_RSA_gen(2048), *ec = EVP_EC_gen("P-256");
	struct err e;

	err_clear(&e);
	url_is("https://est.test", NULL, "https://est.test/.well-known/est/cacerts",
	    "the well-known path is added");
	url_is("https://est.test/", "arena", "https://est.test/.well-known/est/arena/cacerts",
	    "a label is one more segment; a trailing slash is not doubled");
	url_is("https://est.test:8443/.well-known/est", NULL,
	    "https://est.test:8443/.well-known/est/cacerts", "a URL with the path keeps it");

	ok(est_parse_csrattrs(attrs_b64, strlen(attrs_b64), &a, &e) == 0, "CsrAttrs parse");
	ok(a.md_nid == NID_sha384 && !a.md_for_ec, "... the RSA SHA-384 signature is taken");
	ok(strstr(a.notes, "challengePassword") != NULL, "... the challenge is noted as not set");
	ok(strstr(a.notes, "with values") != NULL, "... so is the attribute with values");
	ok(rsa != NULL && est_csr_md(&a, rsa) == EVP_get_digestbynid(NID_sha384),
	    "an RSA key signs with SHA-384 as asked");
	ok(ec != NULL && est_csr_md(&a, ec) == EVP_sha256(),
	    "an EC key is not asked for: SHA-256");
	ok(est_parse_csrattrs("MAA=", 4, &a, &e) == 0 && a.md_nid == 0 && a.notes[0] == '\0',
	    "an empty CsrAttrs asks for nothing");
	ok(est_parse_csrattrs("BAA=", 4, &a, &e) == -1 && e.kind == ERR_PROTO,
	    "an OCTET STRING is not a CsrAttrs");

	ok(est_parse_certs("not base64!", 11, &certs, &e) == -1 && e.kind == ERR_PROTO,
	    "certs-only: not base64 is refused");
	ok(est_parse_certs("MAA=", 4, &certs, &e) == -1, "certs-only: not a PKCS#7 is refused");
	ok(est_parse_serverkeygen("no parts", 8, &r, &e) == -1 && e.kind == ERR_PROTO,
	    "serverkeygen: a body without a delimiter is refused");
	ok(est_parse_serverkeygen("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n", 43,
	    &r, &e) == -1 && strstr(e.msg, "lacks") != NULL,
	    "serverkeygen: without the key and the certificate it is refused");
	est_reply_clear(&r);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	return done_testing();
}
