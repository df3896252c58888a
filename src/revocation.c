#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "i18n.h"
#include "revocation.h"
#include "safetext.h"

/* Clocks differ: a CRL or response up to this much from the future is taken. */
#define SKEW 300
/* How soon to ask again when nothing better is known. */
#define RETRY_SECONDS 3600
#define MAX_CHECK_SECONDS 86400

static const char *const reason_names[] = {
	[0] = "unspecified", [1] = "keyCompromise", [2] = "cACompromise",
	[3] = "affiliationChanged", [4] = "superseded", [5] = "cessationOfOperation",
	[6] = "certificateHold", [8] = "removeFromCRL", [9] = "privilegeWithdrawn",
	[10] = "aACompromise",
};

const char *
revocation_reason_name(int code)
{
	if (code >= 0 && (size_t)code < sizeof(reason_names) / sizeof(reason_names[0]) &&
	    reason_names[code] != NULL)
		return reason_names[code];
	return "unspecified";
}

struct ctx {
	struct store *st;
	struct http *h;
	long long now;
	X509 *leaf, *issuer;
	char why[512];		/* the last reason an answer was unusable */
};

/* Notes why the answer at url cannot be used (fmt is translated). Returns 1. */
static int unusable(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
unusable(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return 1;
}

static long long
asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (long long)timegm(&tm);
}

static long long
clamp_next(long long now, long long next)
{
	if (next <= now)
		return now + RETRY_SECONDS;
	return next > now + MAX_CHECK_SECONDS ? now + MAX_CHECK_SECONDS : next;
}

/* A URL safe to print: what a CA wrote into a certificate is not trusted text. */
static void
safe_url(const char *url, char *buf, size_t n)
{
	safetext_copy(buf, n, url);
}

/*
 * Checks that crl is the issuer's full CRL, signed by it and current.
 * Returns 0, or 1 (c->why says why not).
 */
static int
crl_usable(struct ctx *c, X509_CRL *crl, const char *url)
{
	EVP_PKEY *pub = X509_get0_pubkey(c->issuer);
	long long this_update = asn1_unix(X509_CRL_get0_lastUpdate(crl));
	long long next_update = asn1_unix(X509_CRL_get0_nextUpdate(crl));
	char u[256];
	int crit = -1;
	void *ext;

	safe_url(url, u, sizeof(u));
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(c->issuer)) != 0)
		return unusable(c, _("the CRL at %s is not its issuer's"), u);
	if (pub == NULL || X509_CRL_verify(crl, pub) != 1)
		return unusable(c, _("the CRL at %s is not signed by the certificate's issuer"), u);
	ext = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL);
	if (ext != NULL || crit != -1) {
		ASN1_INTEGER_free(ext);
		return unusable(c, _("the CRL at %s is a delta CRL (not supported)"), u);
	}
	if (this_update == 0 || this_update > c->now + SKEW)
		return unusable(c, _("the CRL at %s is not valid yet"), u);
	if (next_update != 0 && next_update < c->now - SKEW)
		return unusable(c, _("the CRL at %s is out of date (its next update was due "
		    "before now)"), u);
	return 0;
}

/* DER, else PEM. Returns the CRL or NULL. */
static X509_CRL *
crl_parse(const unsigned char *p, size_t n)
{
	const unsigned char *q = p;
	X509_CRL *crl;
	BIO *b;

	if (n > 0 && (crl = d2i_X509_CRL(NULL, &q, (long)n)) != NULL)
		return crl;
	if ((b = BIO_new_mem_buf(p, (int)n)) == NULL)
		return NULL;
	crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	BIO_free(b);
	return crl;
}

/*
 * The issuer's current CRL from url: the cache while it is current, else
 * fetched (and cached). Returns 0 and *out (X509_CRL_free), 1 when none
 * can be used (c->why), or -1 when the store or memory fails.
 */
static int
crl_get(struct ctx *c, const char *url, X509_CRL **out, struct err *e)
{
	struct http_response *r = NULL;
	struct crl_entry ce;
	struct err ne = { 0 };
	unsigned char *der = NULL;
	X509_CRL *crl = NULL;
	char u[256];
	int rc, n;

	*out = NULL;
	safe_url(url, u, sizeof(u));
	rc = store_crl_get(c->st, url, &ce, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		long long fresh_until = ce.next_update != 0 ? ce.next_update :
		    ce.fetched_at + RETRY_SECONDS;

		if (fresh_until > c->now && ce.fetched_at <= c->now)
			crl = crl_parse(ce.der, ce.der_len);
		free(ce.der);
		if (crl != NULL && crl_usable(c, crl, url) == 0) {
			*out = crl;
			return 0;
		}
		X509_CRL_free(crl);
		crl = NULL;
	}
	if (http_request(c->h, "GET", url, NULL, NULL, 0, &r, &ne) != 0)
		return unusable(c, _("cannot fetch the CRL at %s: %s"), u, ne.msg);
	if (r->status != 200) {
		rc = unusable(c, _("the CRL server at %s answered HTTP %ld"), u, r->status);
		goto out;
	}
	if ((crl = crl_parse((const unsigned char *)r->body, r->body_len)) == NULL) {
		rc = unusable(c, _("what %s serves is not a CRL"), u);
		goto out;
	}
	if (crl_usable(c, crl, url) != 0) {
		rc = 1;
		goto out;
	}
	if ((n = i2d_X509_CRL(crl, &der)) <= 0) {
		rc = err_openssl(e, _("encoding a CRL"));
		goto out;
	}
	memset(&ce, 0, sizeof(ce));
	ce.der = der;
	ce.der_len = (size_t)n;
	ce.this_update = asn1_unix(X509_CRL_get0_lastUpdate(crl));
	ce.next_update = asn1_unix(X509_CRL_get0_nextUpdate(crl));
	ce.fetched_at = c->now;
	if (store_crl_put(c->st, url, &ce, e) != 0) {
		rc = -1;
		goto out;
	}
	*out = crl;
	crl = NULL;
	rc = 0;
out:
	OPENSSL_free(der);
	X509_CRL_free(crl);
	http_response_free(r);
	return rc;
}

/* Looks the leaf up in crl and fills out. */
static void
crl_answer(struct ctx *c, X509_CRL *crl, const char *url, struct revocation_row *out)
{
	X509_REVOKED *rev = NULL;
	long long next = asn1_unix(X509_CRL_get0_nextUpdate(crl));
	int found = X509_CRL_get0_by_serial(crl, &rev, X509_get0_serialNumber(c->leaf));

	snprintf(out->method, sizeof(out->method), "crl");
	snprintf(out->source_url, sizeof(out->source_url), "%s", url);
	out->next_check = clamp_next(c->now, next);
	/* 2: listed as removeFromCRL, i.e. taken off hold: good again. */
	if (found == 1 && rev != NULL) {
		ASN1_ENUMERATED *why = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL,
		    NULL);

		out->state = REVOCATION_REVOKED;
		out->reason = why != NULL ? (int)ASN1_ENUMERATED_get(why) : 0;
		out->revoked_at = asn1_unix(X509_REVOKED_get0_revocationDate(rev));
		ASN1_ENUMERATED_free(why);
		/* certificateHold may be lifted; anything else is final. */
		if (out->reason != 6)
			out->next_check = c->now + MAX_CHECK_SECONDS;
		return;
	}
	out->state = REVOCATION_GOOD;
}

/*
 * Asks the OCSP responder at url. Returns 0 with out filled, 1 when the
 * answer cannot be used (c->why), or -1 when memory fails.
 */
static int
ocsp_ask(struct ctx *c, const char *url, struct revocation_row *out, struct err *e)
{
	OCSP_CERTID *id = NULL, *mine = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	X509_STORE *xs = NULL;
	STACK_OF(X509) *certs = NULL;
	ASN1_GENERALIZEDTIME *revtime = NULL, *thisupd = NULL, *nextupd = NULL;
	struct http_response *r = NULL;
	struct err ne = { 0 };
	unsigned char *der = NULL;
	const unsigned char *p;
	char u[256];
	int n, rc = -1, status, reason = -1, nonce;
	long long t_this, t_next;

	safe_url(url, u, sizeof(u));
	if ((id = OCSP_cert_to_id(NULL, c->leaf, c->issuer)) == NULL ||
	    (mine = OCSP_CERTID_dup(id)) == NULL || (req = OCSP_REQUEST_new()) == NULL) {
		err_openssl(e, _("building an OCSP request"));
		goto out;
	}
	if (OCSP_request_add0_id(req, id) == NULL) {
		err_openssl(e, _("building an OCSP request"));
		goto out;
	}
	id = NULL;	/* the request owns it now */
	if (OCSP_request_add1_nonce(req, NULL, -1) != 1 ||
	    (n = i2d_OCSP_REQUEST(req, &der)) <= 0) {
		err_openssl(e, _("building an OCSP request"));
		goto out;
	}
	if (http_request(c->h, "POST", url, "application/ocsp-request", (const char *)der,
	    (size_t)n, &r, &ne) != 0) {
		rc = unusable(c, _("cannot reach the OCSP responder at %s: %s"), u, ne.msg);
		goto out;
	}
	if (r->status != 200) {
		rc = unusable(c, _("the OCSP responder at %s answered HTTP %ld"), u, r->status);
		goto out;
	}
	p = (const unsigned char *)r->body;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)r->body_len)) == NULL) {
		rc = unusable(c, _("what the OCSP responder at %s sent is not an OCSP response"),
		    u);
		goto out;
	}
	if ((status = OCSP_response_status(resp)) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		rc = unusable(c, _("the OCSP responder at %s answered '%s'"), u,
		    OCSP_response_status_str(status));
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		rc = unusable(c, _("the OCSP response from %s holds no basic response"), u);
		goto out;
	}
	/* -1: the responder sent none (many do not); 0 or -2: a mismatch, a replay. */
	nonce = OCSP_check_nonce(req, bs);
	if (nonce != 1 && nonce != -1) {
		rc = unusable(c, _("the OCSP response from %s does not answer our request "
		    "(wrong nonce)"), u);
		goto out;
	}
	/* The issuer is the only trust anchor: signed by it or a responder it delegated to. */
	if ((xs = X509_STORE_new()) == NULL || X509_STORE_add_cert(xs, c->issuer) != 1 ||
	    X509_STORE_set_flags(xs, X509_V_FLAG_PARTIAL_CHAIN) != 1 ||
	    (certs = sk_X509_new_null()) == NULL || !sk_X509_push(certs, c->issuer)) {
		err_openssl(e, _("checking an OCSP response"));
		goto out;
	}
	if (OCSP_basic_verify(bs, certs, xs, 0) <= 0) {
		ERR_clear_error();
		rc = unusable(c, _("the OCSP response from %s is not signed by the "
		    "certificate's issuer or a responder it authorised"), u);
		goto out;
	}
	if (OCSP_resp_find_status(bs, mine, &status, &reason, &revtime, &thisupd,
	    &nextupd) != 1) {
		rc = unusable(c, _("the OCSP response from %s says nothing about this "
		    "certificate"), u);
		goto out;
	}
	t_this = asn1_unix(thisupd);
	t_next = asn1_unix(nextupd);
	if (t_this == 0 || t_this > c->now + SKEW || (t_next != 0 && t_next < c->now - SKEW)) {
		rc = unusable(c, _("the OCSP response from %s is not current"), u);
		goto out;
	}
	snprintf(out->method, sizeof(out->method), "ocsp");
	snprintf(out->source_url, sizeof(out->source_url), "%s", url);
	out->next_check = clamp_next(c->now, t_next != 0 ? t_next : c->now + RETRY_SECONDS);
	if (status == V_OCSP_CERTSTATUS_GOOD) {
		out->state = REVOCATION_GOOD;
	} else if (status == V_OCSP_CERTSTATUS_REVOKED) {
		out->state = REVOCATION_REVOKED;
		out->reason = reason >= 0 ? reason : 0;
		out->revoked_at = asn1_unix(revtime);
		if (out->reason != 6)
			out->next_check = c->now + MAX_CHECK_SECONDS;
	} else {
		out->method[0] = out->source_url[0] = '\0';
		rc = unusable(c, _("the OCSP responder at %s does not know this certificate"), u);
		goto out;
	}
	rc = 0;
out:
	OCSP_CERTID_free(id);
	OCSP_CERTID_free(mine);
	OCSP_REQUEST_free(req);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	X509_STORE_free(xs);
	sk_X509_free(certs);	/* borrowed members */
	OPENSSL_free(der);
	http_response_free(r);
	return rc;
}

static int
is_http_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* Tries each http(s) CRL distribution point. Returns 0 answered, 1 none, -1 error. */
static int
try_crls(struct ctx *c, struct revocation_row *out, int *named, struct err *e)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(c->leaf, NID_crl_distribution_points,
	    NULL, NULL);
	int i, j, rc = 1;

	for (i = 0; rc == 1 && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		GENERAL_NAMES *names;

		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;	/* a relative name: no URL to fetch */
		names = dp->distpoint->name.fullname;
		for (j = 0; rc == 1 && j < sk_GENERAL_NAME_num(names); j++) {
			GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, j);
			const char *url;
			X509_CRL *crl = NULL;
			int got;

			if (gn->type != GEN_URI)
				continue;
			url = (const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier);
			if (url == NULL || strlen(url) !=
			    (size_t)ASN1_STRING_length(gn->d.uniformResourceIdentifier) ||
			    !is_http_url(url))
				continue;
			*named = 1;
			if ((got = crl_get(c, url, &crl, e)) < 0) {
				rc = -1;
				break;
			}
			if (got == 0) {
				crl_answer(c, crl, url, out);
				X509_CRL_free(crl);
				rc = 0;
			}
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return rc;
}

/* Tries each http(s) OCSP responder. Returns 0 answered, 1 none, -1 error. */
static int
try_ocsp(struct ctx *c, struct revocation_row *out, int *named, struct err *e)
{
	STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(c->leaf);
	int i, rc = 1;

	for (i = 0; rc == 1 && i < sk_OPENSSL_STRING_num(urls); i++) {
		const char *url = sk_OPENSSL_STRING_value(urls, i);

		if (!is_http_url(url))
			continue;
		*named = 1;
		rc = ocsp_ask(c, url, out, e);
	}
	X509_email_free(urls);	/* frees a STACK_OF(OPENSSL_STRING) */
	return rc;
}

int
revocation_check(struct store *st, struct http *h, const char *pem_chain, long long now,
    struct revocation_row *out, struct err *e)
{
	STACK_OF(X509) *sk = NULL;
	struct ctx c;
	struct err pe = { 0 };
	int64_t id = out->cert_id;
	int named = 0, rc;

	memset(out, 0, sizeof(*out));
	out->cert_id = id;
	out->reason = -1;
	out->checked_at = now;
	out->next_check = now + RETRY_SECONDS;
	out->state = REVOCATION_UNKNOWN;
	memset(&c, 0, sizeof(c));
	c.st = st;
	c.h = h;
	c.now = now;
	if (crypto_chain_load(pem_chain, pem_chain != NULL ? strlen(pem_chain) : 0, &sk,
	    &pe) != 0 || sk_X509_num(sk) < 1) {
		snprintf(out->detail, sizeof(out->detail), _("the stored certificate cannot be "
		    "read: %s"), pe.msg);
		sk_X509_pop_free(sk, X509_free);
		return 0;
	}
	c.leaf = sk_X509_value(sk, 0);
	c.issuer = sk_X509_num(sk) > 1 ? sk_X509_value(sk, 1) : NULL;
	if (c.issuer == NULL || X509_check_issued(c.issuer, c.leaf) != X509_V_OK) {
		snprintf(out->detail, sizeof(out->detail), "%s",
		    _("the issuer's certificate is not in the stored chain, so its CRL and "
		    "OCSP answers cannot be checked"));
		out->next_check = now + MAX_CHECK_SECONDS;
		sk_X509_pop_free(sk, X509_free);
		return 0;
	}
	rc = try_crls(&c, out, &named, e);
	if (rc == 1)
		rc = try_ocsp(&c, out, &named, e);
	if (rc == 1) {
		out->state = REVOCATION_UNKNOWN;
		out->method[0] = out->source_url[0] = '\0';
		if (!named) {
			snprintf(out->detail, sizeof(out->detail), "%s",
			    _("the certificate names no CRL distribution point and no OCSP "
			    "responder"));
			out->next_check = now + MAX_CHECK_SECONDS;
		} else {
			snprintf(out->detail, sizeof(out->detail), "%s", c.why);
			out->next_check = now + RETRY_SECONDS;
		}
		rc = 0;
	}
	sk_X509_pop_free(sk, X509_free);
	/* What failed to parse or verify is said in out->detail; leave no stale
	 * reasons on OpenSSL's queue for a later err_openssl to report. */
	if (rc == 0)
		ERR_clear_error();
	return rc;
}
