#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "enroll.h"
#include "est.h"
#include "est_enroll.h"
#include "http.h"
#include "i18n.h"
#include "store_cert.h"
#include "store_key.h"
#include "testhook.h"

#define STEPS 4

/* The state of one run. */
struct run {
	struct enroll_job j;
	const struct enroll_progress *p;
};

/* Progress: step of STEPS, through the run's enroll_progress. */
#define say(r, step, ...) enroll_say((r)->p, (step), STEPS, __VA_ARGS__)

/* Sets h to present certificate id (its chain and key) as a TLS client. Returns 0 or -1. */
static int
client_cert(struct run *r, struct http *h, int64_t id, struct err *e)
{
	struct cert_row *c = NULL;
	char *key = NULL, *type = NULL;
	int rc = -1, grc;

	if (store_cert_get(r->j.st, id, &c, e) != 0)
		return err_prefix(e, _("the client certificate #%lld"), (long long)id);
	if (c->key_id <= 0) {
		err_set(e, ERR_INPUT, _("certificate #%lld's key is not in the store: it cannot "
		    "authenticate to the EST server"), (long long)id);
		goto out;
	}
	grc = store_key_get(r->j.st, c->key_id, &key, &type, e);
	if (grc != 0) {
		if (grc == 1)
			err_set(e, ERR_STORE, _("key #%lld is missing from the store"),
			    (long long)c->key_id);
		goto out;
	}
	rc = http_set_client_cert(h, c->pem_chain, key, e);
out:
	if (key != NULL) {
		OPENSSL_cleanse(key, strlen(key));
		free(key);
	}
	free(type);
	cert_row_free(c);
	return rc;
}

/*
 * A "ca_fingerprint" setting (the screen's form, which does no network
 * I/O, queues it where the CLI checks it itself): /cacerts fetched as RFC
 * 7030's bootstrap allows, the certificate with that SHA-256 fingerprint
 * made the trust anchor. Returns 0 and *h, or -1.
 */
static int
connect_by_fingerprint(struct run *r, const char *want, struct http **h, struct err *e)
{
	STACK_OF(X509) *certs = NULL;
	struct http *boot = NULL;
	X509 *found = NULL;
	BIO *b = NULL;
	char fp[65], have[65], *data, *pem = NULL;
	long n;
	int i, rc = -1;

	if (enroll_fingerprint_normalise(want, fp, e) != 0)
		return -1;
	if (http_new(NULL, &boot, e) != 0)
		return -1;
	http_set_bootstrap(boot);
	if (est_get_cacerts(boot, enroll_setting(&r->j, "url"), enroll_setting(&r->j, "label"),
	    &certs, e) != 0)
		goto out;
	for (i = 0; i < sk_X509_num(certs) && found == NULL; i++)
		if (enroll_fingerprint(sk_X509_value(certs, i), have, e) == 0 &&
		    strcmp(have, fp) == 0)
			found = sk_X509_value(certs, i);
	if (found == NULL) {
		err_set(e, ERR_PROTO, _("no CA certificate of the EST server at %s has the "
		    "SHA-256 fingerprint %s: refusing to enrol (a different CA, or one that "
		    "was replaced: check with the CA's operator)"),
		    enroll_setting(&r->j, "url"), fp);
		goto out;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509(b, found) != 1 ||
	    (n = BIO_get_mem_data(b, &data)) <= 0 || (pem = strndup(data, (size_t)n)) == NULL) {
		err_nomem(e);
		goto out;
	}
	rc = http_new_pem(pem, h, e);
out:
	free(pem);
	BIO_free(b);
	sk_X509_pop_free(certs, X509_free);
	http_free(boot);
	return rc;
}

/* The trust anchor for the server's TLS certificate. Returns 0 and *h, or -1. */
static int
connect_trusted(struct run *r, struct http **h, struct err *e)
{
	const char *bundle = enroll_setting(&r->j, "ca_bundle");
	const char *pem = enroll_setting(&r->j, "ca_pem");
	const char *fp = enroll_setting(&r->j, "ca_fingerprint");

	*h = NULL;
	if (bundle != NULL)
		return http_new(bundle, h, e);
	if (pem != NULL)
		return http_new_pem(pem, h, e);
	if (fp != NULL)
		return connect_by_fingerprint(r, fp, h, e);
	return err_set(e, ERR_STORE, "%s", _("the EST settings name no trust anchor"));
}

/* pem (the issued certificate, then what came with it) with the CA certificates added. */
static char *
with_chain(const char *pem, STACK_OF(X509) *cacerts, struct err *e)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL, *data;
	long n;
	int i;

	if (b == NULL || BIO_puts(b, pem) <= 0)
		goto nomem;
	for (i = 0; i < sk_X509_num(cacerts); i++) {
		X509 *c = sk_X509_value(cacerts, i);
		char *one = NULL;
		BIO *cb = BIO_new(BIO_s_mem());
		long m;

		if (cb == NULL || PEM_write_bio_X509(cb, c) != 1) {
			BIO_free(cb);
			goto nomem;
		}
		m = BIO_get_mem_data(cb, &one);
		/* Once each: a server may send its CA with the certificate already. */
		if (m > 0) {
			char *copy = strndup(one, (size_t)m);
			int dup;

			if (copy == NULL) {
				BIO_free(cb);
				goto nomem;
			}
			dup = strstr(pem, copy) != NULL;
			free(copy);
			if (!dup && BIO_write(b, one, (int)m) != (int)m) {
				BIO_free(cb);
				goto nomem;
			}
		}
		BIO_free(cb);
	}
	n = BIO_get_mem_data(b, &data);
	if ((out = strndup(data, (size_t)n)) == NULL)
		goto nomem;
	BIO_free(b);
	return out;
nomem:
	BIO_free(b);
	err_nomem(e);
	return NULL;
}

/*
 * Stores the key /serverkeygen sent and records it in the params. A rerun
 * asks the server again (a new key), so a key stored by a run that died
 * before its certificate is only left unused. Returns 0 and *key_id, or -1.
 */
static int
store_server_key(struct run *r, EVP_PKEY *key, int64_t *key_id, struct err *e)
{
	enum key_type kt;
	char *pem = NULL;
	int rc = -1;

	if (crypto_key_type_of(key, &kt, e) != 0) {
		err_prefix(e, "%s", _("the EST server's key"));
		return -1;
	}
	if (crypto_key_to_pem(key, &pem, e) != 0)
		return -1;
	if (store_begin(r->j.st, e) != 0)
		goto out;
	if (store_key_insert(r->j.st, crypto_key_type_name(kt), pem, key_id, e) != 0 ||
	    enroll_save_id(&r->j, "key_id", *key_id, e) != 0 || store_commit(r->j.st, e) != 0) {
		store_rollback(r->j.st);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	return rc;
}

int
est_enroll_run(struct store *st, const struct job_row *job, int64_t old_cert_id,
    int reuse_key, const struct enroll_progress *p, int64_t *cert_id, struct err *e)
{
	struct run r = { .p = p };
	struct cert_row *old = NULL;
	struct http *h = NULL;
	struct est_csrattrs attrs;
	struct est_reply reply = { 0 };
	STACK_OF(X509) *cacerts = NULL;
	EVP_PKEY *key = NULL;
	const char **names = NULL;
	const char *url, *label, *user, *pwfile, *cc;
	char *password = NULL, *chain = NULL;
	unsigned char *csr = NULL;
	size_t csr_len = 0, n_names = 0;
	int rc = -1, reenroll = 0, keygen;
	enum est_op op;
	int64_t key_id;

	*cert_id = 0;
	if (enroll_job_open(&r.j, st, job, EST_SOURCE, "EST", e) != 0)
		return -1;
	if ((*cert_id = enroll_param_id(&r.j, "cert_id")) > 0) {
		rc = 0;		/* stored by an earlier run of this job */
		goto out;
	}
	if (old_cert_id > 0 && store_cert_get(st, old_cert_id, &old, e) != 0)
		goto out;
	if (r.j.settings == NULL) {
		if (old == NULL) {
			err_set(e, ERR_STORE, "%s", _("the job has no EST settings"));
			goto out;
		}
		if (enroll_inherit(&r.j, old->id, e) != 0)
			goto out;
	}
	url = enroll_setting(&r.j, "url");
	label = enroll_setting(&r.j, "label");
	user = enroll_setting(&r.j, "user");
	pwfile = enroll_setting(&r.j, "password_file");
	cc = enroll_setting(&r.j, "client_cert_id");
	/* The server makes the key, unless the renewal keeps the current one. */
	keygen = enroll_setting(&r.j, "server_keygen") != NULL && !(old != NULL && reuse_key);
	if (url == NULL) {
		err_set(e, ERR_STORE, "%s", _("the EST settings name no URL"));
		goto out;
	}
	if ((names = enroll_names(&r.j, &n_names, e)) == NULL ||
	    connect_trusted(&r, &h, e) != 0)
		goto out;
	/*
	 * A renewal proves itself with the certificate it renews (RFC 7030
	 * section 4.2.2); an expired one cannot, and enrols afresh with the
	 * first credentials.
	 */
	reenroll = old != NULL && old->not_after > (long long)time(NULL);
	if (reenroll) {
		if (client_cert(&r, h, old->id, e) != 0)
			goto out;
	} else if (cc != NULL) {
		if (client_cert(&r, h, strtoll(cc, NULL, 10), e) != 0)
			goto out;
	}
	if (!reenroll && user != NULL) {
		if (pwfile == NULL) {
			err_set(e, ERR_STORE, "%s", _("the EST settings name a user but no "
			    "password file"));
			goto out;
		}
		if (enroll_read_secret(pwfile, EST_PASSWORD_MAX, _("the password file"),
		    &password, e) != 0 || http_set_basic_auth(h, user, password, e) != 0)
			goto out;
	}

	say(&r, 1, _("asking the EST server at %s for its CA certificates and CSR attributes"),
	    url);
	if (est_get_cacerts(h, url, label, &cacerts, e) != 0 ||
	    est_get_csrattrs(h, url, label, &attrs, e) != 0)
		goto out;
	if (attrs.notes[0] != '\0') {
		char *tok, *save = NULL;

		for (tok = strtok_r(attrs.notes, "\n", &save); tok != NULL;
		    tok = strtok_r(NULL, "\n", &save))
			say(&r, 1, _("note: %s"), tok);
	}

	say(&r, 2, "%s", keygen ? _("making the CSR (the server makes the key)") :
	    old != NULL && !reuse_key ? _("making the new key and CSR") : _("making the CSR"));
	if (keygen) {
		/* The CSR only carries the names: its key is thrown away (RFC 7030 4.4.1). */
		enum key_type kt;

		if (crypto_key_type_parse(enroll_setting(&r.j, "key_type") != NULL ?
		    enroll_setting(&r.j, "key_type") : "rsa2048", &kt, e) != 0 ||
		    crypto_key_generate(kt, &key, e) != 0)
			goto out;
	} else if (enroll_new_key(&r.j, old, reuse_key, "est-key", &key, e) != 0) {
		goto out;
	}
	if (enroll_csr_build(key, enroll_setting(&r.j, "subject"), names, n_names, NULL,
	    est_csr_md(&attrs, key), &csr, &csr_len, e) != 0)
		goto out;

	op = keygen ? EST_SERVERKEYGEN : reenroll ? EST_SIMPLEREENROLL : EST_SIMPLEENROLL;
	say(&r, 3, _("sending the CSR to /%s (%s)"), op == EST_SERVERKEYGEN ? "serverkeygen" :
	    op == EST_SIMPLEREENROLL ? "simplereenroll" : "simpleenroll",
	    reenroll || cc != NULL ? _("TLS client certificate") :
	    user != NULL ? _("HTTP basic authentication") : _("no credentials"));
	if (est_enroll(h, url, label, op, csr, csr_len, keygen ? NULL : key, &reply, e) != 0)
		goto out;
	if (reply.pending) {
		err_set(e, ERR_PROTO, _("the EST server holds the request (202 Accepted): "
		    "certdeck asks again in %ld s"), reply.retry_after);
		e->retryable = 1;
		e->retry_after = reply.retry_after;
		goto out;
	}
	testhook_crash("est-reply");
	if (keygen) {
		if (store_server_key(&r, reply.key, &key_id, e) != 0)
			goto out;
		EVP_PKEY_free(key);
		key = reply.key;
		reply.key = NULL;
	} else {
		key_id = enroll_param_id(&r.j, "key_id") > 0 ? enroll_param_id(&r.j, "key_id") :
		    old->key_id;
	}
	if ((chain = with_chain(reply.pem, cacerts, e)) == NULL ||
	    enroll_store_issued(&r.j, chain, names, n_names, key, key_id, cert_id, e) != 0)
		goto out;
	say(&r, 4, _("certificate #%lld stored"), (long long)*cert_id);
	rc = 0;
out:
	enroll_secret_free(password);
	free(chain);
	free(csr);
	free(names);
	EVP_PKEY_free(key);
	est_reply_clear(&reply);
	sk_X509_pop_free(cacerts, X509_free);
	http_free(h);
	cert_row_free(old);
	enroll_job_close(&r.j);
	return rc;
}
