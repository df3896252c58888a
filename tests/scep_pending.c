/*
 * scep_pending: a SCEP CA on 127.0.0.1 that holds requests for an
 * operator's approval, which Debian's scepserver never does (it answers
 * every request at once). A test double made with OpenSSL's PKCS#7
 * functions: an RSA CA and an RA certificate signed by it, served by
 * GetCACert as a degenerate PKCS#7 (application/x-x509-ca-ra-cert);
 * requests are decrypted with the RA's key and answers signed by the RA.
 *
 *   scep_pending PORTFILE [legacy]
 *
 * Binds an ephemeral loopback port, writes the CA's PEM to PORTFILE.ca, then
 * the port to PORTFILE, and serves until SIGTERM or SIGINT. Every
 * PKIOperation is appended to PORTFILE.log as "TYPE TRANSACTIONID ANSWER"
 * (TYPE PKCSReq, RenewalReq, CertPoll or the number; ANSWER SUCCESS,
 * PENDING or FAILURE).
 *
 *   GET /scep?operation=GetCACaps     AES, SHA-256, POSTPKIOperation
 *   GET /scep?operation=GetCACert     RA + CA
 *   POST /scep?operation=PKIOperation PKCSReq: PENDING (the CSR is kept);
 *                                     CertPoll: PENDING until approved, then
 *                                     SUCCESS with a certificate for the CSR
 *                                     (its subject and SANs, clientAuth)
 *   GET /approve                      approves every held request
 *
 * legacy: a CA from before AES: GetCACaps says only DES3 and SHA-1 (so
 * no POSTPKIOperation: requests come by GET, base64 in "message"), and a
 * PKCSReq is answered SUCCESS at once.
 *   GET /reject                       the next CertPoll answers FAILURE badRequest
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "tlsfixture.h"

#define BODY_MAX (256u * 1024)
#define MAX_HELD 16

struct held {
	char txid[130];
	unsigned char *csr;
	int csr_len;
};

static struct {
	pthread_mutex_t lock;
	EVP_PKEY *ca_key, *ra_key;
	X509 *ca, *ra;
	int approved, reject, legacy;
	struct held held[MAX_HELD];
	int n_held;
	long serial;
	char log[4096];
	int nid_type, nid_status, nid_fail, nid_snonce, nid_rnonce, nid_txid;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER, .serial = 100 };

struct req {
	char *buf;
	size_t len;
	int too_big;
};

static int
nid(const char *oid, const char *name)
{
	int n = OBJ_txt2nid(oid);

	return n != NID_undef ? n : OBJ_create(oid, name, name);
}

static void
log_line(const char *type, const char *txid, const char *answer)
{
	FILE *f = fopen(srv.log, "a");

	if (f != NULL) {
		fprintf(f, "%s %s %s\n", type, txid, answer);
		fclose(f);
	}
}

static enum MHD_Result
respond(struct MHD_Connection *c, unsigned int status, const char *ctype, void *body,
    size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	if (ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", ctype);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
text(struct MHD_Connection *c, unsigned int status, const char *s)
{
	return respond(c, status, "text/plain", (void *)s, strlen(s));
}

/* The RA certificate: RSA, not a CA, for signing and key encipherment. */
static X509 *
ra_cert(void)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	X509_NAME *n = X509_NAME_new();
	const char *const exts[][2] = {
		{ "basicConstraints", "critical,CA:FALSE" },
		{ "keyUsage", "critical,digitalSignature,keyEncipherment" },
	};
	size_t i;

	if (x == NULL || n == NULL)
		goto bad;
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"scep_pending RA", -1, -1, 0);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 2);
	X509_set_version(x, 2);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, X509_get_subject_name(srv.ca));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400 * 30);
	X509_set_pubkey(x, srv.ra_key);
	X509V3_set_ctx(&ctx, srv.ca, x, NULL, NULL, 0);
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if ((ext = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1])) == NULL)
			goto bad;
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, srv.ca_key, EVP_sha256()) <= 0)
		goto bad;
	X509_NAME_free(n);
	return x;
bad:
	X509_NAME_free(n);
	X509_free(x);
	return NULL;
}

/* A certificate for the CSR: its subject and extensions (SANs), clientAuth. */
static X509 *
issue(const unsigned char *der, int len)
{
	const unsigned char *p = der;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, len);
	STACK_OF(X509_EXTENSION) *exts = req != NULL ? X509_REQ_get_extensions(req) : NULL;
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *eku;
	int i;

	if (req == NULL || x == NULL)
		goto bad;
	ASN1_INTEGER_set(X509_get_serialNumber(x), srv.serial++);
	X509_set_version(x, 2);
	X509_set_subject_name(x, X509_REQ_get_subject_name(req));
	X509_set_issuer_name(x, X509_get_subject_name(srv.ca));
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400 * 30);
	X509_set_pubkey(x, X509_REQ_get0_pubkey(req));
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1);
	X509V3_set_ctx(&ctx, srv.ca, x, NULL, NULL, 0);
	if ((eku = X509V3_EXT_conf(NULL, &ctx, "extendedKeyUsage", "clientAuth")) == NULL)
		goto bad;
	X509_add_ext(x, eku, -1);
	X509_EXTENSION_free(eku);
	if (X509_sign(x, srv.ca_key, EVP_sha256()) <= 0)
		goto bad;
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	return x;
bad:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	X509_free(x);
	return NULL;
}

static int
add_attr(PKCS7_SIGNER_INFO *si, int n, int type, const void *data, int len)
{
	ASN1_STRING *s = ASN1_STRING_type_new(type);

	if (s == NULL || !ASN1_STRING_set(s, data, len) ||
	    !PKCS7_add_signed_attribute(si, n, type, s)) {
		ASN1_STRING_free(s);
		return -1;
	}
	return 0;
}

/*
 * A CertRep: status "0", "2" or "3", for txid and nonce, content the
 * enveloped degenerate PKCS#7 of cert (SUCCESS, encrypted to to). DER in
 * *out (OPENSSL_free). Returns its length, or -1.
 */
static int
cert_rep(const char *status, const char *txid, const ASN1_STRING *nonce, X509 *cert, X509 *to,
    unsigned char **out)
{
	PKCS7 *p7 = NULL, *deg = NULL, *env = NULL;
	PKCS7_SIGNER_INFO *si;
	STACK_OF(X509) *rcpt = sk_X509_new_null();
	unsigned char *deg_der = NULL, *env_der = NULL, snonce[16];
	int deg_len, env_len = 0, len = -1;
	BIO *in = NULL, *data = NULL;

	if (cert != NULL) {
		if ((deg = PKCS7_new()) == NULL || !PKCS7_set_type(deg, NID_pkcs7_signed) ||
		    !PKCS7_content_new(deg, NID_pkcs7_data) || !PKCS7_add_certificate(deg, cert) ||
		    (deg_len = i2d_PKCS7(deg, &deg_der)) <= 0 || !sk_X509_push(rcpt, to) ||
		    (in = BIO_new_mem_buf(deg_der, deg_len)) == NULL ||
		    (env = PKCS7_encrypt(rcpt, in, EVP_aes_128_cbc(), PKCS7_BINARY)) == NULL ||
		    (env_len = i2d_PKCS7(env, &env_der)) <= 0)
			goto out;
	}
	RAND_bytes(snonce, sizeof(snonce));
	if ((p7 = PKCS7_sign(NULL, NULL, NULL, NULL, PKCS7_BINARY | PKCS7_PARTIAL)) == NULL ||
	    (si = PKCS7_sign_add_signer(p7, srv.ra, srv.ra_key, EVP_sha256(),
	    PKCS7_BINARY | PKCS7_NOSMIMECAP)) == NULL ||
	    add_attr(si, srv.nid_type, V_ASN1_PRINTABLESTRING, "3", 1) != 0 ||
	    add_attr(si, srv.nid_status, V_ASN1_PRINTABLESTRING, status, -1) != 0 ||
	    add_attr(si, srv.nid_txid, V_ASN1_PRINTABLESTRING, txid, -1) != 0 ||
	    add_attr(si, srv.nid_rnonce, V_ASN1_OCTET_STRING, ASN1_STRING_get0_data(nonce),
	    ASN1_STRING_length(nonce)) != 0 ||
	    add_attr(si, srv.nid_snonce, V_ASN1_OCTET_STRING, snonce, 16) != 0 ||
	    (strcmp(status, "2") == 0 &&
	    add_attr(si, srv.nid_fail, V_ASN1_PRINTABLESTRING, "2", 1) != 0) ||
	    (data = BIO_new_mem_buf(env_der != NULL ? env_der : (unsigned char *)"",
	    env_len)) == NULL || !PKCS7_final(p7, data, PKCS7_BINARY))
		goto out;
	len = i2d_PKCS7(p7, out);
out:
	BIO_free(in);
	BIO_free(data);
	OPENSSL_free(deg_der);
	OPENSSL_free(env_der);
	PKCS7_free(deg);
	PKCS7_free(env);
	PKCS7_free(p7);
	sk_X509_free(rcpt);
	return len;
}

static const ASN1_STRING *
attr(PKCS7_SIGNER_INFO *si, int n)
{
	ASN1_TYPE *t = PKCS7_get_signed_attribute(si, n);

	return t != NULL ? t->value.asn1_string : NULL;
}

static enum MHD_Result
pki_operation(struct MHD_Connection *c, const unsigned char *body, size_t body_len)
{
	const unsigned char *p = body;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)body_len), *env = NULL;
	STACK_OF(X509) *signers = NULL;
	PKCS7_SIGNER_INFO *si;
	const ASN1_STRING *type, *txid_s, *nonce;
	BIO *content = BIO_new(BIO_s_mem()), *inner = BIO_new(BIO_s_mem());
	char txid[130] = "", *data;
	unsigned char *out = NULL;
	const char *tname, *answer = "PENDING";
	X509 *cert = NULL;
	long n;
	int len = -1, i, t;
	enum MHD_Result ret;

	if (p7 == NULL || content == NULL || inner == NULL ||
	    PKCS7_verify(p7, NULL, NULL, NULL, content, PKCS7_NOVERIFY | PKCS7_BINARY) != 1 ||
	    (signers = PKCS7_get0_signers(p7, NULL, 0)) == NULL ||
	    (si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0)) == NULL ||
	    (type = attr(si, srv.nid_type)) == NULL || (txid_s = attr(si, srv.nid_txid)) == NULL ||
	    (nonce = attr(si, srv.nid_snonce)) == NULL ||
	    ASN1_STRING_length(txid_s) >= (int)sizeof(txid)) {
		ERR_print_errors_fp(stderr);
		ret = text(c, MHD_HTTP_BAD_REQUEST, "not a pkiMessage\n");
		goto out;
	}
	memcpy(txid, ASN1_STRING_get0_data(txid_s), (size_t)ASN1_STRING_length(txid_s));
	txid[ASN1_STRING_length(txid_s)] = '\0';
	n = BIO_get_mem_data(content, &data);
	p = (const unsigned char *)data;
	if ((env = d2i_PKCS7(NULL, &p, n)) == NULL ||
	    !PKCS7_decrypt(env, srv.ra_key, srv.ra, inner, 0)) {
		ERR_print_errors_fp(stderr);
		ret = text(c, MHD_HTTP_BAD_REQUEST, "cannot decrypt\n");
		goto out;
	}
	t = atoi((const char *)ASN1_STRING_get0_data(type));
	tname = t == 19 ? "PKCSReq" : t == 17 ? "RenewalReq" : t == 20 ? "CertPoll" : "other";
	pthread_mutex_lock(&srv.lock);
	if ((t == 19 || t == 17) && srv.legacy) {
		n = BIO_get_mem_data(inner, &data);
		if ((cert = issue((const unsigned char *)data, (int)n)) != NULL)
			answer = "SUCCESS";
	} else if (t == 19 || t == 17) {
		if (srv.n_held < MAX_HELD) {
			struct held *h = &srv.held[srv.n_held++];

			n = BIO_get_mem_data(inner, &data);
			snprintf(h->txid, sizeof(h->txid), "%s", txid);
			h->csr = malloc((size_t)n);
			if (h->csr != NULL)
				memcpy(h->csr, data, (size_t)n);
			h->csr_len = (int)n;
		}
	} else if (t == 20 && srv.reject) {
		answer = "FAILURE";
		srv.reject = 0;
	} else if (t == 20 && srv.approved) {
		for (i = 0; i < srv.n_held; i++)
			if (strcmp(srv.held[i].txid, txid) == 0 && srv.held[i].csr != NULL)
				cert = issue(srv.held[i].csr, srv.held[i].csr_len);
		if (cert != NULL)
			answer = "SUCCESS";
	}
	pthread_mutex_unlock(&srv.lock);
	len = cert_rep(strcmp(answer, "SUCCESS") == 0 ? "0" : strcmp(answer, "FAILURE") == 0 ?
	    "2" : "3", txid, nonce, cert, sk_X509_value(signers, 0), &out);
	log_line(tname, txid, answer);
	ret = len > 0 ? respond(c, MHD_HTTP_OK, "application/x-pki-message", out, (size_t)len) :
	    text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot answer\n");
out:
	OPENSSL_free(out);
	X509_free(cert);
	sk_X509_free(signers);
	BIO_free(content);
	BIO_free(inner);
	PKCS7_free(env);
	PKCS7_free(p7);
	return ret;
}

static enum MHD_Result
ca_certs(struct MHD_Connection *c)
{
	PKCS7 *p7 = PKCS7_new();
	unsigned char *der = NULL;
	int len = -1;
	enum MHD_Result ret;

	if (p7 != NULL && PKCS7_set_type(p7, NID_pkcs7_signed) &&
	    PKCS7_content_new(p7, NID_pkcs7_data) && PKCS7_add_certificate(p7, srv.ra) &&
	    PKCS7_add_certificate(p7, srv.ca))
		len = i2d_PKCS7(p7, &der);
	PKCS7_free(p7);
	if (len <= 0)
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no certificates\n");
	ret = respond(c, MHD_HTTP_OK, "application/x-x509-ca-ra-cert", der, (size_t)len);
	OPENSSL_free(der);
	return ret;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;
	const char *op;

	(void)cls;
	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		char *grown;

		if (r->len + *upload_data_size > BODY_MAX)
			r->too_big = 1;
		else if ((grown = realloc(r->buf, r->len + *upload_data_size)) != NULL) {
			memcpy(grown + r->len, upload_data, *upload_data_size);
			r->buf = grown;
			r->len += *upload_data_size;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/approve") == 0 || strcmp(url, "/reject") == 0) {
		pthread_mutex_lock(&srv.lock);
		if (url[1] == 'a')
			srv.approved = 1;
		else
			srv.reject = 1;
		pthread_mutex_unlock(&srv.lock);
		return text(c, MHD_HTTP_OK, "ok\n");
	}
	if (strcmp(url, "/scep") != 0)
		return text(c, MHD_HTTP_NOT_FOUND, "no such resource\n");
	op = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "operation");
	if (op != NULL && strcmp(op, "GetCACaps") == 0)
		return text(c, MHD_HTTP_OK, srv.legacy ? "DES3\nSHA-1\n" :
		    "POSTPKIOperation\nSHA-256\nAES\n");
	if (op != NULL && strcmp(op, "GetCACert") == 0)
		return ca_certs(c);
	if (op != NULL && strcmp(op, "PKIOperation") == 0 && strcmp(method, "POST") == 0 &&
	    !r->too_big)
		return pki_operation(c, (const unsigned char *)r->buf, r->len);
	if (op != NULL && strcmp(op, "PKIOperation") == 0 && strcmp(method, "GET") == 0) {
		/* MHD has undone the percent-encoding; the base64 is left. */
		const char *m = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "message");
		size_t mlen = m != NULL ? strlen(m) : 0;
		unsigned char *der = malloc(mlen / 4 * 3 + 3);
		int dlen = der != NULL && mlen > 0 ? EVP_DecodeBlock(der, (const unsigned char *)m,
		    (int)mlen) : -1;
		enum MHD_Result ret;

		while (dlen > 0 && mlen > 0 && m[mlen - 1] == '=') {
			dlen--;		/* EVP_DecodeBlock counts the padding */
			mlen--;
		}
		ret = dlen > 0 ? pki_operation(c, der, (size_t)dlen) :
		    text(c, MHD_HTTP_BAD_REQUEST, "no message\n");
		free(der);
		return ret;
	}
	return text(c, MHD_HTTP_BAD_REQUEST, "unknown operation\n");
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r != NULL) {
		free(r->buf);
		free(r);
		*con_cls = NULL;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct MHD_Daemon *d;
	char path[4096], port[16], *pem;
	sigset_t set;
	int fd, sig = 0, one = 1, i;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "legacy") != 0)) {
		fprintf(stderr, "usage: scep_pending PORTFILE [legacy]\n");
		return 2;
	}
	srv.legacy = argc == 3;
	srv.nid_type = nid("2.16.840.1.113733.1.9.2", "scepMessageType");
	srv.nid_status = nid("2.16.840.1.113733.1.9.3", "scepPkiStatus");
	srv.nid_fail = nid("2.16.840.1.113733.1.9.4", "scepFailInfo");
	srv.nid_snonce = nid("2.16.840.1.113733.1.9.5", "scepSenderNonce");
	srv.nid_rnonce = nid("2.16.840.1.113733.1.9.6", "scepRecipientNonce");
	srv.nid_txid = nid("2.16.840.1.113733.1.9.7", "scepTransactionID");
	snprintf(srv.log, sizeof(srv.log), "%s.log", argv[1]);
	if ((srv.ca_key = EVP_RSA_gen(2048)) == NULL || (srv.ra_key = EVP_RSA_gen(2048)) == NULL ||
	    (srv.ca = tlsfix_cert("scep_pending CA", srv.ca_key, NULL, NULL, -3600, 86400 * 365,
	    1, NULL)) == NULL || (srv.ra = ra_cert()) == NULL) {
		fprintf(stderr, "scep_pending: cannot make the CA\n");
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) != 0) {
		fprintf(stderr, "scep_pending: %s\n", strerror(errno));
		return 1;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, 10u,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "scep_pending: cannot start the HTTP daemon\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s.ca", argv[1]);
	snprintf(port, sizeof(port), "%u\n", ntohs(sin.sin_port));
	if ((pem = tlsfix_cert_pem(srv.ca)) == NULL || tlsfix_write(path, pem) != 0 ||
	    tlsfix_write(argv[1], port) != 0) {
		fprintf(stderr, "scep_pending: %s: %s\n", argv[1], strerror(errno));
		MHD_stop_daemon(d);
		return 1;
	}
	free(pem);
	while (sig != SIGTERM && sig != SIGINT)
		if (sigwait(&set, &sig) != 0)
			break;
	MHD_stop_daemon(d);
	for (i = 0; i < srv.n_held; i++)
		free(srv.held[i].csr);
	X509_free(srv.ca);
	X509_free(srv.ra);
	EVP_PKEY_free(srv.ca_key);
	EVP_PKEY_free(srv.ra_key);
	return 0;
}
