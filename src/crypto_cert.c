/*
 * Certificates: strict PEM chain splitting, the fields certdeck shows and
 * stores, key matching, DER and chain links. Keys and CSRs are
 * crypto_key.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "crypto_priv.h"
#include "i18n.h"
#include "safetext.h"
#include "strv.h"

static int
malformed(struct err *e, const char *why)
{
	ERR_clear_error();
	return err_set(e, ERR_INPUT, _("malformed certificate: %s"), why);
}

static int
is_cert_label(const char *label, size_t len)
{
	return (len == strlen("CERTIFICATE") &&
	    memcmp(label, "CERTIFICATE", len) == 0) ||
	    (len == strlen("X509 CERTIFICATE") &&
	    memcmp(label, "X509 CERTIFICATE", len) == 0);
}

/* Decodes exactly one PEM block [b, end) into a certificate. */
static X509 *
decode_block(const char *b, const char *end, struct err *e)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	const unsigned char *q;
	long dlen = 0;
	X509 *x = NULL;

	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || end - b > INT_MAX ||
	    BIO_write(bio, b, (int)(end - b)) != (int)(end - b) ||
	    BIO_write(bio, "\n", 1) != 1) {
		err_openssl(e, _("cannot read the certificate"));
		goto out;
	}
	if (!PEM_read_bio(bio, &name, &header, &data, &dlen)) {
		malformed(e, _("bad PEM encoding"));
		goto out;
	}
	if (header != NULL && header[0] != '\0') {
		malformed(e, _("unexpected PEM headers"));
		goto out;
	}
	q = data;
	x = d2i_X509(NULL, &q, dlen);
	if (x == NULL || q != data + dlen) {
		X509_free(x);
		x = NULL;
		malformed(e, _("bad DER encoding"));
		goto out;
	}
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	return x;
}

/*
 * Strictly splits a PEM text into certificates: text between blocks is
 * allowed (explanatory lines, "Bag Attributes"), but a truncated block, a
 * stray END line or a PEM block of another kind is an error, so a damaged
 * chain is never mistaken for a shorter good one.
 */
static int
load_chain(const char *pem, size_t len, STACK_OF(X509) **out, struct err *e)
{
	STACK_OF(X509) *sk;
	const char *p, *end, *b, *lstart, *lend, *endline, *next, *bend;
	size_t llen;
	X509 *x;

	*out = NULL;
	if (pem == NULL) {
		pem = "";
		len = 0;
	}
	sk = sk_X509_new_null();
	if (sk == NULL)
		return err_nomem(e);
	p = pem;
	end = pem + len;
	for (;;) {
		b = crypto_find(p, end, CRYPTO_PEM_BEGIN);
		if (crypto_find(p, b != NULL ? b : end, CRYPTO_PEM_END) != NULL) {
			malformed(e, _("END line without BEGIN line"));
			goto fail;
		}
		if (b == NULL)
			break;
		lstart = b + strlen(CRYPTO_PEM_BEGIN);
		lend = crypto_find(lstart, end, CRYPTO_PEM_DASHES);
		if (lstart >= end || *lstart != ' ' || lend == NULL ||
		    memchr(lstart, '\n', (size_t)(lend - lstart)) != NULL) {
			malformed(e, _("truncated BEGIN line"));
			goto fail;
		}
		lstart++;
		llen = (size_t)(lend - lstart);
		if (!is_cert_label(lstart, llen)) {
			if (sk_X509_num(sk) == 0 &&
			    crypto_find(pem, end, "-----BEGIN CERTIFICATE-----") == NULL)
				break;	/* reported as "no certificate found" */
			err_set(e, ERR_INPUT,
			    _("malformed certificate chain: unexpected \"%.*s\" block"),
			    (int)(llen > 40 ? 40 : llen), lstart);
			goto fail;
		}
		p = lend + strlen(CRYPTO_PEM_DASHES);
		endline = crypto_find(p, end, CRYPTO_PEM_END);
		next = crypto_find(p, end, CRYPTO_PEM_BEGIN);
		if (endline == NULL || (next != NULL && next < endline)) {
			malformed(e, _("truncated PEM block"));
			goto fail;
		}
		bend = endline + strlen(CRYPTO_PEM_END);
		if ((size_t)(end - bend) < 1 + llen + strlen(CRYPTO_PEM_DASHES) ||
		    bend[0] != ' ' || memcmp(bend + 1, lstart, llen) != 0 ||
		    memcmp(bend + 1 + llen, CRYPTO_PEM_DASHES, strlen(CRYPTO_PEM_DASHES)) != 0) {
			malformed(e, _("END line does not match BEGIN line"));
			goto fail;
		}
		bend += 1 + llen + strlen(CRYPTO_PEM_DASHES);
		x = decode_block(b, bend, e);
		if (x == NULL)
			goto fail;
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			err_nomem(e);
			goto fail;
		}
		p = bend;
	}
	if (sk_X509_num(sk) == 0) {
		err_set(e, ERR_INPUT, _("no certificate found"));
		goto fail;
	}
	*out = sk;
	return 0;
fail:
	sk_X509_pop_free(sk, X509_free);
	return -1;
}

static int
name_string(const X509_NAME *name, char **out, struct err *e)
{
	BIO *bio;
	char *data = NULL;
	long len;
	int rc = -1;

	bio = BIO_new(BIO_s_mem());
	/*
	 * RFC 2253 form, but UTF-8 stays UTF-8 (as RFC 4514 allows) instead of
	 * \XX escapes, so a terminal shows the name a human gave.
	 */
	if (bio == NULL || X509_NAME_print_ex(bio, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		err_openssl(e, _("cannot print a certificate name"));
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	/* Whatever control characters OpenSSL let through are kept escaped. */
	*out = safetext_escape(data != NULL ? data : "", len > 0 ? (size_t)len : 0, 0);
	if (*out == NULL) {
		err_nomem(e);
		goto out;
	}
	rc = 0;
out:
	BIO_free(bio);
	return rc;
}

/* Copies an ASN.1 text string; an embedded NUL would let it pass for another name. */
static int
asn1_text(const ASN1_STRING *s, const char *what, char **out, struct err *e)
{
	const unsigned char *d = ASN1_STRING_get0_data(s);
	int len = ASN1_STRING_length(s);

	if (len < 0 || (len > 0 && memchr(d, '\0', (size_t)len) != NULL)) {
		err_set(e, ERR_INPUT, _("malformed certificate: NUL byte in %s"), what);
		return -1;
	}
	*out = crypto_dup_mem(d, (size_t)len);
	return *out == NULL ? err_nomem(e) : 0;
}

static int
issuer_cn(X509 *x, char **out, struct err *e)
{
	const X509_NAME *name = X509_get_issuer_name(x);
	X509_NAME_ENTRY *ent;
	unsigned char *utf8 = NULL;
	int i = -1, last = -1, len;

	*out = NULL;
	/* The last CN is the most specific one. */
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0)
		last = i;
	if (last < 0)
		return 0;
	ent = X509_NAME_get_entry(name, last);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(ent));
	if (len < 0)
		return malformed(e, _("bad issuer commonName"));
	if (memchr(utf8, '\0', (size_t)len) != NULL) {
		OPENSSL_free(utf8);
		return malformed(e, _("NUL byte in issuer commonName"));
	}
	*out = safetext_escape((const char *)utf8, (size_t)len, 0);
	OPENSSL_free(utf8);
	return *out == NULL ? err_nomem(e) : 0;
}

static int
serial_fields(X509 *x, struct cert_info *ci, struct err *e)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	unsigned char *der = NULL, *mag = NULL;
	const unsigned char *p;
	BIGNUM *bn = NULL;
	long clen;
	int dlen, tag, cls, n, i, rc = -1;
	size_t off;
	char *s;

	/* i2d then skip tag and length: the content is what ARI base64url-encodes. */
	dlen = i2d_ASN1_INTEGER(serial, &der);
	if (dlen <= 0) {
		err_openssl(e, _("cannot encode the serial number"));
		goto out;
	}
	p = der;
	if (ASN1_get_object(&p, &clen, &tag, &cls, dlen) & 0x80 ||
	    tag != V_ASN1_INTEGER || clen <= 0) {
		malformed(e, _("bad serial number"));
		goto out;
	}
	ci->serial_der = malloc((size_t)clen);
	if (ci->serial_der == NULL) {
		err_nomem(e);
		goto out;
	}
	memcpy(ci->serial_der, p, (size_t)clen);
	ci->serial_der_len = (size_t)clen;

	/* Hex of the magnitude, two digits a byte, as "openssl x509 -serial" prints. */
	bn = ASN1_INTEGER_to_BN(serial, NULL);
	if (bn == NULL) {
		err_openssl(e, _("cannot read the serial number"));
		goto out;
	}
	n = BN_num_bytes(bn);
	mag = malloc(n > 0 ? (size_t)n : 1);
	s = malloc(2 + 2 * (size_t)(n > 0 ? n : 1));
	if (mag == NULL || s == NULL) {
		free(s);
		err_nomem(e);
		goto out;
	}
	BN_bn2bin(bn, mag);
	off = 0;
	if (BN_is_negative(bn))
		s[off++] = '-';
	if (n == 0)
		off += (size_t)snprintf(s + off, 3, "00");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, 3, "%02x", mag[i]);
	ci->serial = s;
	rc = 0;
out:
	OPENSSL_free(der);
	free(mag);
	BN_free(bn);
	return rc;
}

static int
asn1_time(const ASN1_TIME *t, time_t *out, struct err *e)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return malformed(e, _("bad validity time"));
	*out = timegm(&tm);
	return 0;
}

int
crypto_chain_load(const char *pem, size_t len, STACK_OF(X509) **out, struct err *e)
{
	return load_chain(pem, len, out, e);
}

static int
san_fields(X509 *x, struct cert_info *ci, struct err *e)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *gn;
	const unsigned char *ip;
	char buf[INET6_ADDRSTRLEN], *s;
	int crit = -1, i, rc = -1;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL) {
		if (crit == -1)
			return 0;
		return malformed(e, _("bad subjectAltName extension"));
	}
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		if (gn->type == GEN_DNS) {
			char *raw;

			if (asn1_text(gn->d.dNSName, _("a DNS name"), &raw, e) == -1)
				goto out;
			/* A host name as it must be, else escaped: "\x1b" shows, never acts. */
			s = safetext_escape(raw, strlen(raw), 1);
			free(raw);
		} else if (gn->type == GEN_IPADD) {
			ip = ASN1_STRING_get0_data(gn->d.iPAddress);
			if (ASN1_STRING_length(gn->d.iPAddress) == 4)
				inet_ntop(AF_INET, ip, buf, sizeof(buf));
			else if (ASN1_STRING_length(gn->d.iPAddress) == 16)
				inet_ntop(AF_INET6, ip, buf, sizeof(buf));
			else {
				malformed(e, _("bad IP address in subjectAltName"));
				goto out;
			}
			s = strdup(buf);
		} else {
			continue;	/* e-mail, URI, ...: nothing certdeck manages */
		}
		if (strv_push(&ci->sans, &ci->n_sans, s) == -1) {
			err_nomem(e);
			goto out;
		}
	}
	rc = 0;
out:
	GENERAL_NAMES_free(gens);
	return rc;
}

static int
crl_fields(X509 *x, struct cert_info *ci, struct err *e)
{
	STACK_OF(DIST_POINT) *dps;
	const DIST_POINT *dp;
	const GENERAL_NAME *gn;
	char *s;
	int crit = -1, i, j, rc = -1;

	dps = X509_get_ext_d2i(x, NID_crl_distribution_points, &crit, NULL);
	if (dps == NULL) {
		if (crit == -1)
			return 0;
		return malformed(e, _("bad CRL distribution points extension"));
	}
	for (i = 0; i < sk_DIST_POINT_num(dps); i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;	/* a relative name has no URI */
		for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++) {
			gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);
			if (gn->type != GEN_URI)
				continue;
			if (asn1_text(gn->d.uniformResourceIdentifier,
			    _("a CRL URI"), &s, e) == -1)
				goto out;
			if (strv_push(&ci->crl_urls, &ci->n_crl_urls, s) == -1) {
				err_nomem(e);
				goto out;
			}
		}
	}
	rc = 0;
out:
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return rc;
}

/*
 * What a certificate is for. A CA says so in basicConstraints (or, with
 * no basicConstraints, by keyCertSign alone, as some old roots do),
 * unless it is a self-signed server certificate (see below); for
 * the others extendedKeyUsage decides, the most specific purpose first
 * (S/MIME certificates usually allow clientAuth too). Without EKU, only
 * e-mail addresses and no DNS/IP names make it an e-mail certificate;
 * everything else counts as a server certificate, so that nothing a
 * sysadmin must renew is hidden with the CAs.
 */
static enum cert_kind
cert_kind_of(X509 *x, uint32_t flags, const struct cert_info *ci)
{
	uint32_t xku = X509_get_extended_key_usage(x);
	GENERAL_NAMES *gens;
	int i, email = 0;

	int ca = (flags & EXFLAG_BCONS) ? (flags & EXFLAG_CA) != 0 :
	    (flags & EXFLAG_KUSAGE) && (X509_get_key_usage(x) & KU_KEY_CERT_SIGN);

	/*
	 * Not a CA after all: a key usage that forbids signing certificates,
	 * or a self-signed certificate for DNS names or addresses, which is
	 * what `openssl req -x509` makes (it marks CA:TRUE) for a server.
	 */
	if (ca && (flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_KEY_CERT_SIGN))
		ca = 0;
	if (ca && (flags & EXFLAG_SS) && ci->n_sans > 0)
		ca = 0;
	if (ca)
		return CERT_KIND_CA;
	if (flags & EXFLAG_XKUSAGE) {
		if (xku & XKU_SSL_SERVER)
			return CERT_KIND_SERVER;
		if (xku & XKU_CODE_SIGN)
			return CERT_KIND_CODESIGN;
		if (xku & XKU_SMIME)
			return CERT_KIND_EMAIL;
		if (xku & XKU_SSL_CLIENT)
			return CERT_KIND_CLIENT;
		return CERT_KIND_SERVER;
	}
	if (ci->n_sans > 0)
		return CERT_KIND_SERVER;
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++)
		if (sk_GENERAL_NAME_value(gens, i)->type == GEN_EMAIL)
			email = 1;
	GENERAL_NAMES_free(gens);
	return email ? CERT_KIND_EMAIL : CERT_KIND_SERVER;
}

/*
 * The CA/Browser Forum policy OIDs (the TLS, code signing and S/MIME
 * baseline requirements) and the level each states. S/MIME's
 * mailbox-validated counts as DV (control of the address is all that was
 * checked), sponsor-validated as OV (an organisation vouches).
 */
static const struct {
	const char *oid;	/* exact, or a prefix ending in '.' */
	enum cert_validation level;
} policy_levels[] = {
	{ "2.23.140.1.2.1", CERT_VALIDATION_DV },
	{ "2.23.140.1.2.2", CERT_VALIDATION_OV },
	{ "2.23.140.1.2.3", CERT_VALIDATION_IV },
	{ "2.23.140.1.1", CERT_VALIDATION_EV },
	{ "2.23.140.1.31", CERT_VALIDATION_EV },	/* onion EV */
	{ "2.23.140.1.3", CERT_VALIDATION_EV },		/* EV code signing */
	{ "2.23.140.1.4.1", CERT_VALIDATION_OV },	/* code signing */
	{ "2.23.140.1.5.1.", CERT_VALIDATION_DV },	/* S/MIME mailbox */
	{ "2.23.140.1.5.2.", CERT_VALIDATION_OV },	/* organisation */
	{ "2.23.140.1.5.3.", CERT_VALIDATION_OV },	/* sponsor */
	{ "2.23.140.1.5.4.", CERT_VALIDATION_IV },	/* individual */
};

/* The highest level any policy states (EV > OV > IV > DV), or NONE. */
static enum cert_validation
cert_validation_of(X509 *x)
{
	static const int rank[CERT_VALIDATION_COUNT] = {
		[CERT_VALIDATION_NONE] = 0, [CERT_VALIDATION_DV] = 1,
		[CERT_VALIDATION_IV] = 2, [CERT_VALIDATION_OV] = 3,
		[CERT_VALIDATION_EV] = 4,
	};
	CERTIFICATEPOLICIES *pols;
	enum cert_validation best = CERT_VALIDATION_NONE;
	char oid[80];
	size_t j, n;
	int i;

	pols = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	for (i = 0; pols != NULL && i < sk_POLICYINFO_num(pols); i++) {
		if (OBJ_obj2txt(oid, sizeof(oid), sk_POLICYINFO_value(pols, i)->policyid, 1) <= 0)
			continue;
		for (j = 0; j < sizeof(policy_levels) / sizeof(policy_levels[0]); j++) {
			n = strlen(policy_levels[j].oid);
			if (policy_levels[j].oid[n - 1] == '.' ?
			    strncmp(oid, policy_levels[j].oid, n) == 0 :
			    strcmp(oid, policy_levels[j].oid) == 0) {
				if (rank[policy_levels[j].level] > rank[best])
					best = policy_levels[j].level;
			}
		}
	}
	CERTIFICATEPOLICIES_free(pols);
	ERR_clear_error();
	return best;
}

int
crypto_cert_info(X509 *x, struct cert_info **out, struct err *e)
{
	struct cert_info *ci;
	const ASN1_OCTET_STRING *aki;
	EVP_PKEY *pub;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	uint32_t flags;
	char desc[64];

	*out = NULL;
	ci = calloc(1, sizeof(*ci));
	if (ci == NULL)
		return err_nomem(e);
	/* Also computes the extension cache the getters below read. */
	flags = X509_get_extension_flags(x);
	if (flags & EXFLAG_INVALID) {
		malformed(e, _("invalid extensions"));
		goto fail;
	}
	ci->is_ca = (flags & EXFLAG_BCONS) && (flags & EXFLAG_CA);
	if (name_string(X509_get_subject_name(x), &ci->subject, e) == -1 ||
	    name_string(X509_get_issuer_name(x), &ci->issuer, e) == -1 ||
	    issuer_cn(x, &ci->issuer_cn, e) == -1 ||
	    serial_fields(x, ci, e) == -1 ||
	    asn1_time(X509_get0_notBefore(x), &ci->not_before, e) == -1 ||
	    asn1_time(X509_get0_notAfter(x), &ci->not_after, e) == -1 ||
	    san_fields(x, ci, e) == -1 ||
	    crl_fields(x, ci, e) == -1)
		goto fail;

	pub = X509_get0_pubkey(x);
	if (pub == NULL) {
		err_openssl(e, _("cannot read the certificate's public key"));
		goto fail;
	}
	crypto_describe_key(pub, desc, sizeof(desc));
	ci->key_type = strdup(desc);
	ci->key_bits = EVP_PKEY_get_bits(pub);
	if (ci->key_type == NULL) {
		err_nomem(e);
		goto fail;
	}

	if (!X509_digest(x, EVP_sha256(), md, &mdlen) || mdlen != 32) {
		err_openssl(e, _("cannot hash the certificate"));
		goto fail;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(ci->fingerprint + 2 * i, 3, "%02x", md[i]);

	aki = X509_get0_authority_key_id(x);
	if (aki != NULL && ASN1_STRING_length(aki) > 0) {
		ci->aki_len = (size_t)ASN1_STRING_length(aki);
		ci->aki = malloc(ci->aki_len);
		if (ci->aki == NULL) {
			err_nomem(e);
			goto fail;
		}
		memcpy(ci->aki, ASN1_STRING_get0_data(aki), ci->aki_len);
	}
	ci->kind = cert_kind_of(x, flags, ci);
	ci->validation = cert_validation_of(x);
	*out = ci;
	return 0;
fail:
	cert_info_free(ci);
	return -1;
}

void
cert_info_free(struct cert_info *info)
{
	if (info == NULL)
		return;
	free(info->subject);
	free(info->issuer);
	free(info->issuer_cn);
	free(info->serial);
	free(info->serial_der);
	strv_free(info->sans, info->n_sans);
	free(info->key_type);
	free(info->aki);
	strv_free(info->crl_urls, info->n_crl_urls);
	free(info);
}

int
crypto_chain_parse(const char *pem, size_t len, struct cert_info ***out,
    size_t *n, struct err *e)
{
	STACK_OF(X509) *sk = NULL;
	struct cert_info **chain = NULL;
	size_t count, i;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (load_chain(pem, len, &sk, e) == -1)
		return -1;
	count = (size_t)sk_X509_num(sk);
	chain = calloc(count, sizeof(*chain));
	if (chain == NULL) {
		err_nomem(e);
		goto out;
	}
	for (i = 0; i < count; i++) {
		if (crypto_cert_info(sk_X509_value(sk, (int)i), &chain[i], e) == -1) {
			err_prefix(e, _("certificate %zu"), i + 1);
			cert_info_chain_free(chain, i);
			chain = NULL;
			goto out;
		}
	}
	*out = chain;
	*n = count;
	rc = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

void
cert_info_chain_free(struct cert_info **chain, size_t n)
{
	size_t i;

	if (chain == NULL)
		return;
	for (i = 0; i < n; i++)
		cert_info_free(chain[i]);
	free(chain);
}

int
crypto_cert_matches_key(const char *cert_pem, size_t len, EVP_PKEY *key,
    struct err *e)
{
	STACK_OF(X509) *sk = NULL;
	EVP_PKEY *pub;
	int rc = -1, eq;

	if (key == NULL)
		return err_set(e, ERR_USAGE, _("no key given"));
	if (load_chain(cert_pem, len, &sk, e) == -1)
		return -1;
	pub = X509_get0_pubkey(sk_X509_value(sk, 0));
	if (pub == NULL) {
		err_openssl(e, _("cannot read the certificate's public key"));
		goto out;
	}
	eq = EVP_PKEY_eq(pub, key);
	if (eq == -2) {
		err_openssl(e, _("cannot compare the certificate's key"));
		goto out;
	}
	/* -1 means "different key types": simply not the same key. */
	ERR_clear_error();
	rc = eq == 1;
out:
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

int
crypto_cert_der(const char *pem, size_t len, unsigned char **der, size_t *der_len,
    struct err *e)
{
	STACK_OF(X509) *sk = NULL;
	unsigned char *buf = NULL, *p;
	int n, rc = -1;

	if (load_chain(pem, len, &sk, e) == -1)
		return -1;
	n = i2d_X509(sk_X509_value(sk, 0), NULL);
	if (n <= 0) {
		err_openssl(e, _("cannot encode the certificate"));
		goto out;
	}
	if ((buf = malloc((size_t)n)) == NULL) {
		err_nomem(e);
		goto out;
	}
	p = buf;
	if (i2d_X509(sk_X509_value(sk, 0), &p) != n) {
		free(buf);
		err_openssl(e, _("cannot encode the certificate"));
		goto out;
	}
	*der = buf;
	*der_len = (size_t)n;
	rc = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

int
crypto_chain_verify_links(const char *pem, size_t len, struct err *e)
{
	STACK_OF(X509) *sk = NULL;
	X509 *child, *parent;
	EVP_PKEY *pub;
	int i, rc = -1;

	if (load_chain(pem, len, &sk, e) == -1)
		return -1;
	for (i = 0; i + 1 < sk_X509_num(sk); i++) {
		child = sk_X509_value(sk, i);
		parent = sk_X509_value(sk, i + 1);
		if (X509_NAME_cmp(X509_get_issuer_name(child),
		    X509_get_subject_name(parent)) != 0) {
			err_set(e, ERR_INPUT,
			    _("broken chain: the issuer of certificate %d is not the subject of certificate %d"),
			    i + 1, i + 2);
			goto out;
		}
		pub = X509_get0_pubkey(parent);
		if (pub == NULL || X509_verify(child, pub) != 1) {
			ERR_clear_error();
			err_set(e, ERR_INPUT,
			    _("broken chain: certificate %d is not signed by the key of certificate %d"),
			    i + 1, i + 2);
			goto out;
		}
	}
	rc = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

/* ---- what a CA issued ---- */

/* Sets e to "the CA's certificate ...: why" (ERR_PROTO, permanent). Returns -1. */
static int refuse(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
refuse(struct err *e, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ERR_clear_error();
	err_set(e, ERR_PROTO, _("the CA's certificate is refused: %s"), why);
	if (e != NULL)
		e->retryable = 0;
	return -1;
}

/* 1 when the SAN gn is the name (DNS case-insensitively, IP by address). */
static int
san_is(const GENERAL_NAME *gn, const char *name)
{
	unsigned char buf[16];
	const unsigned char *d;
	int len;

	if (gn->type == GEN_DNS) {
		d = ASN1_STRING_get0_data(gn->d.dNSName);
		len = ASN1_STRING_length(gn->d.dNSName);
		return len >= 0 && (size_t)len == strlen(name) &&
		    memchr(d, '\0', (size_t)len) == NULL &&
		    strncasecmp((const char *)d, name, (size_t)len) == 0;
	}
	if (gn->type != GEN_IPADD)
		return 0;
	d = ASN1_STRING_get0_data(gn->d.iPAddress);
	len = ASN1_STRING_length(gn->d.iPAddress);
	if (len == 4 && inet_pton(AF_INET, name, buf) == 1)
		return memcmp(d, buf, 4) == 0;
	if (len == 16 && inet_pton(AF_INET6, name, buf) == 1)
		return memcmp(d, buf, 16) == 0;
	return 0;
}

/* A printable form of a SAN for a message. */
static void
san_text(const GENERAL_NAME *gn, char *buf, size_t n)
{
	const unsigned char *d;
	int len, i;
	size_t o = 0;

	buf[0] = '\0';
	if (gn->type == GEN_IPADD) {
		d = ASN1_STRING_get0_data(gn->d.iPAddress);
		len = ASN1_STRING_length(gn->d.iPAddress);
		if (len != 4 && len != 16)
			snprintf(buf, n, "%s", _("a malformed IP address"));
		else
			inet_ntop(len == 4 ? AF_INET : AF_INET6, d, buf, (socklen_t)n);
		return;
	}
	if (gn->type != GEN_DNS) {
		snprintf(buf, n, _("a name of another kind (type %d)"), gn->type);
		return;
	}
	d = ASN1_STRING_get0_data(gn->d.dNSName);
	len = ASN1_STRING_length(gn->d.dNSName);
	for (i = 0; i < len && o + 5 < n; i++) {
		if (d[i] > 0x20 && d[i] < 0x7f)
			buf[o++] = (char)d[i];
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", d[i]);
	}
	buf[o] = '\0';
}

static int
check_sans(X509 *x, const char *const *names, size_t n, struct err *e)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *gn;
	char text[300];
	size_t j;
	int i, found, rc = -1;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (gens == NULL)
		return refuse(e, "%s", _("it has no subjectAltName"));
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		for (j = 0, found = 0; j < n && !found; j++)
			found = san_is(gn, names[j]);
		if (!found) {
			san_text(gn, text, sizeof(text));
			refuse(e, _("it names %s, which the order did not ask for"), text);
			goto out;
		}
	}
	for (j = 0; j < n; j++) {
		for (i = 0, found = 0; i < sk_GENERAL_NAME_num(gens) && !found; i++)
			found = san_is(sk_GENERAL_NAME_value(gens, i), names[j]);
		if (!found) {
			refuse(e, _("it does not name %s, which the order asked for"), names[j]);
			goto out;
		}
	}
	rc = 0;
out:
	GENERAL_NAMES_free(gens);
	return rc;
}

int
crypto_issued_check(const char *pem, size_t len, const char *const *names, size_t n_names,
    EVP_PKEY *key, time_t now, long skew, struct err *e)
{
	STACK_OF(X509) *sk = NULL;
	X509 *leaf, *child, *parent;
	EVP_PKEY *pub;
	time_t nb, na;
	char when[64], num[32];
	struct tm tm;
	int i, rc = -1;

	if (load_chain(pem, len, &sk, e) == -1) {
		err_prefix(e, "%s", _("the CA's certificate is refused"));
		if (e != NULL)
			e->retryable = 0;
		return -1;
	}
	leaf = sk_X509_value(sk, 0);
	if (check_sans(leaf, names, n_names, e) != 0)
		goto out;
	if (asn1_time(X509_get0_notBefore(leaf), &nb, e) != 0 ||
	    asn1_time(X509_get0_notAfter(leaf), &na, e) != 0)
		goto out;
	if (nb > now + skew) {
		gmtime_r(&nb, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		refuse(e, _("it is not valid yet (not before %s)"), when);
		goto out;
	}
	if (now >= na) {
		gmtime_r(&na, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		refuse(e, _("it has expired (not after %s)"), when);
		goto out;
	}
	pub = X509_get0_pubkey(leaf);
	if (pub == NULL || key == NULL || EVP_PKEY_eq(pub, key) != 1) {
		refuse(e, "%s", _("it does not hold the order's key"));
		goto out;
	}
	for (i = 0; i + 1 < sk_X509_num(sk); i++) {
		child = sk_X509_value(sk, i);
		parent = sk_X509_value(sk, i + 1);
		snprintf(num, sizeof(num), "%d", i + 2);
		if (X509_check_ca(parent) < 1 ||
		    !(X509_get_extension_flags(parent) & EXFLAG_BCONS)) {
			refuse(e, _("certificate %s of its chain is not a CA"), num);
			goto out;
		}
		if (X509_NAME_cmp(X509_get_issuer_name(child),
		    X509_get_subject_name(parent)) != 0 ||
		    (pub = X509_get0_pubkey(parent)) == NULL || X509_verify(child, pub) != 1) {
			snprintf(num, sizeof(num), "%d", i + 1);
			refuse(e, _("its chain is broken: certificate %s is not issued and signed by "
			    "the next one"), num);
			goto out;
		}
	}
	rc = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	return rc;
}
