#include "config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cert_record.h"
#include "crypto.h"
#include "fileio.h"
#include "http.h"
#include "i18n.h"
#include "scep.h"
#include "scep_enroll.h"
#include "store_cert.h"
#include "store_key.h"
#include "testhook.h"

#define STEPS 4
#define CHALLENGE_MAX 255	/* bytes: a PKCS#9 challengePassword is short */
#define ISSUED_SKEW_S 300
#define PENDING_RETRY_S 300

int
scep_fingerprint_normalise(const char *in, char out[65], struct err *e)
{
	size_t n = 0;
	const char *p;

	for (p = in; *p != '\0'; p++) {
		if (*p == ':' || *p == ' ')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 64)
			goto bad;
		out[n++] = (char)tolower((unsigned char)*p);
	}
	if (n != 64)
		goto bad;
	out[64] = '\0';
	return 0;
bad:
	return err_set(e, ERR_USAGE, _("'%s' is not a SHA-256 fingerprint (64 hex digits, "
	    "colons allowed)"), in);
}

/* The state of one run. */
struct run {
	struct store *st;
	const struct job_row *job;
	const struct scep_job_progress *p;
	cJSON *params;
	const cJSON *scep;
};

static void
say(struct run *r, int step, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(struct run *r, int step, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (r->p == NULL || r->p->say == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->p->say(r->p->arg, step, STEPS, msg);
}

static const char *
setting(const struct run *r, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->scep, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long long
param_id(const struct run *r, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->params, k);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/* Sets params[k] = v and saves the params (inside the caller's transaction). */
static int
save_id(struct run *r, const char *k, int64_t v, struct err *e)
{
	char *text;
	int rc;

	cJSON_DeleteItemFromObjectCaseSensitive(r->params, k);
	if (cJSON_AddNumberToObject(r->params, k, (double)v) == NULL ||
	    (text = cJSON_PrintUnformatted(r->params)) == NULL)
		return err_nomem(e);
	rc = store_job_set_params(r->st, r->job, text, e);
	free(text);
	return rc;
}

/*
 * A renewal's settings: those of the job that produced old_id, copied
 * into this job's params (so the new certificate's producer has them).
 */
static int
inherit_settings(struct run *r, int64_t old_id, struct err *e)
{
	struct job_row *prod = NULL;
	cJSON *pp = NULL, *scep;
	char *text = NULL;
	int64_t id;
	int rc = store_job_producer(r->st, old_id, SCEP_PARAM_PATH, &id, e);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return err_set(e, ERR_INPUT, _("certificate #%lld has no SCEP enrolment settings "
		    "in the store: enrol it again with 'certdeck enroll --scep'"), (long long)old_id);
	rc = -1;
	if (store_job_get(r->st, id, &prod, e) != 0)
		goto out;
	pp = prod->params != NULL ? cJSON_Parse(prod->params) : NULL;
	scep = cJSON_DetachItemFromObjectCaseSensitive(pp, "scep");
	if (!cJSON_IsObject(scep)) {
		cJSON_Delete(scep);
		err_set(e, ERR_STORE, _("job #%lld's SCEP settings are not valid JSON"), (long long)id);
		goto out;
	}
	if (!cJSON_AddItemToObject(r->params, "scep", scep)) {
		cJSON_Delete(scep);
		err_nomem(e);
		goto out;
	}
	if ((text = cJSON_PrintUnformatted(r->params)) == NULL) {
		err_nomem(e);
		goto out;
	}
	if (store_job_set_params(r->st, r->job, text, e) != 0)
		goto out;
	r->scep = cJSON_GetObjectItemCaseSensitive(r->params, "scep");
	rc = 0;
out:
	free(text);
	cJSON_Delete(pp);
	job_row_free(prod);
	return rc;
}

/* The challenge password from its file, without the line end. Returns 0 and *out, or -1. */
static int
read_challenge(const char *path, char **out, struct err *e)
{
	size_t len;

	*out = NULL;
	if (path == NULL)
		return 0;
	if (fileio_read(path, CHALLENGE_MAX + 2, out, &len, e) != 0)
		return err_prefix(e, "%s", _("the challenge password file"));
	while (len > 0 && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
		(*out)[--len] = '\0';
	if (len == 0 || len > CHALLENGE_MAX || strlen(*out) != len) {
		OPENSSL_cleanse(*out, len);
		free(*out);
		*out = NULL;
		return err_set(e, ERR_INPUT, _("%s: a challenge password is one line of at most "
		    "%d bytes"), path, CHALLENGE_MAX);
	}
	return 0;
}

/* The new key: made and recorded once, or the old one with reuse_key. Returns 0 or -1. */
static int
new_key(struct run *r, const struct cert_row *old, int reuse_key, EVP_PKEY **key,
    struct err *e)
{
	int64_t key_id = param_id(r, "key_id");
	const char *type = setting(r, "key_type");
	enum key_type kt;
	char *pem = NULL;
	int rc = -1, grc;

	*key = NULL;
	if (key_id == 0 && old != NULL && reuse_key)
		key_id = old->key_id;
	if (key_id > 0) {
		grc = crypto_key_load(r->st, key_id, key, e);
		if (grc == 1)
			err_set(e, ERR_STORE, _("key #%lld is missing from the store"),
			    (long long)key_id);
		return grc == 0 ? 0 : -1;
	}
	if (crypto_key_type_parse(type != NULL ? type : "rsa2048", &kt, e) != 0 ||
	    crypto_key_generate(kt, key, e) != 0 || crypto_key_to_pem(*key, &pem, e) != 0)
		goto out;
	/* The key and the params' record of it land together: a rerun uses it. */
	if (store_begin(r->st, e) != 0)
		goto out;
	if (store_key_insert(r->st, crypto_key_type_name(kt), pem, &key_id, e) != 0 ||
	    save_id(r, "key_id", key_id, e) != 0 || store_commit(r->st, e) != 0) {
		store_rollback(r->st);
		goto out;
	}
	testhook_crash("scep-key");
	rc = 0;
out:
	if (rc != 0) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	if (pem != NULL)
		OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	return rc;
}

/* The names setting as a NULL-terminated array of borrowed strings. Returns it (free()) or NULL. */
static const char **
names_of(const struct run *r, size_t *n, struct err *e)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->scep, "names"), *it;
	const char **names;

	*n = 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
		err_set(e, ERR_STORE, "%s", _("the SCEP settings name no names"));
		return NULL;
	}
	if ((names = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*names))) == NULL) {
		err_nomem(e);
		return NULL;
	}
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it)) {
			free(names);
			err_set(e, ERR_STORE, "%s", _("the SCEP settings' names are not strings"));
			return NULL;
		}
		names[(*n)++] = it->valuestring;
	}
	return names;
}

/* The current certificate and key that sign a RenewalReq. Returns 0 or -1. */
static int
old_signer(struct run *r, const struct cert_row *old, X509 **cert, EVP_PKEY **key,
    struct err *e)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len;
	int grc;

	*cert = NULL;
	*key = NULL;
	if (old->key_id <= 0)
		return err_set(e, ERR_INPUT, _("certificate #%lld's key is not in the store: "
		    "it cannot sign its renewal"), (long long)old->id);
	if (crypto_cert_der(old->pem_chain, strlen(old->pem_chain), &der, &len, e) != 0)
		return -1;
	p = der;
	*cert = d2i_X509(NULL, &p, (long)len);
	free(der);
	if (*cert == NULL)
		return err_openssl(e, _("certificate #%lld cannot be read"), (long long)old->id);
	grc = crypto_key_load(r->st, old->key_id, key, e);
	if (grc != 0) {
		if (grc == 1)
			err_set(e, ERR_STORE, _("key #%lld is missing from the store"),
			    (long long)old->key_id);
		X509_free(*cert);
		*cert = NULL;
		return -1;
	}
	return 0;
}

/* Says each warning of the reply as its own progress line. */
static void
say_warnings(struct run *r, char *w)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(w, "\n", &save); tok != NULL; tok = strtok_r(NULL, "\n", &save))
		say(r, 3, _("warning: %s"), tok);
}

/* Checks and stores what the CA issued. Returns 0 and *cert_id, or -1. */
static int
store_issued(struct run *r, const char *pem, const char *const *names, size_t n_names,
    EVP_PKEY *key, int64_t key_id, int64_t *cert_id, struct err *e)
{
	struct cert_row *row = NULL;
	int rc = -1;

	if (crypto_issued_check(pem, strlen(pem), names, n_names, key, time(NULL),
	    ISSUED_SKEW_S, e) != 0)
		return err_prefix(e, "%s", _("the CA's certificate is refused"));
	if (cert_record_from_pem(pem, strlen(pem), &row, e) != 0)
		return -1;
	row->key_id = key_id;
	if ((row->source = strdup(SCEP_SOURCE)) == NULL) {
		err_nomem(e);
		goto out;
	}
	/* The certificate and the params' record of it land together. */
	if (store_begin(r->st, e) != 0)
		goto out;
	if (store_cert_insert(r->st, row, cert_id, e) != 0 ||
	    save_id(r, "cert_id", *cert_id, e) != 0 || store_commit(r->st, e) != 0) {
		store_rollback(r->st);
		goto out;
	}
	rc = 0;
out:
	cert_row_free(row);
	return rc;
}

int
scep_enroll_run(struct store *st, const struct job_row *job, int64_t old_cert_id,
    int reuse_key, const struct scep_job_progress *p, int64_t *cert_id, struct err *e)
{
	struct run r = { st, job, p, NULL, NULL };
	struct scep_caps caps = { 0 };
	struct scep_ca *ca = NULL;
	struct scep_reply reply = { 0 };
	struct scep_request rq = { 0 };
	struct scep_algs algs;
	struct cert_row *old = NULL;
	struct http *h = NULL;
	EVP_PKEY *key = NULL, *signer_key = NULL;
	X509 *signer = NULL;
	const char **names = NULL;
	const char *url, *want_fp;
	char *challenge = NULL, fp[65], txid[65];
	unsigned char *csr = NULL;
	size_t csr_len = 0, n_names = 0;
	int rc = -1, renewal, pending;

	*cert_id = 0;
	r.params = job->params != NULL ? cJSON_Parse(job->params) : NULL;
	if (!cJSON_IsObject(r.params)) {
		cJSON_Delete(r.params);
		if ((r.params = cJSON_CreateObject()) == NULL)
			return err_nomem(e);
	}
	if ((*cert_id = param_id(&r, "cert_id")) > 0) {
		rc = 0;		/* stored by an earlier run of this job */
		goto out;
	}
	if (old_cert_id > 0 && store_cert_get(st, old_cert_id, &old, e) != 0)
		goto out;
	r.scep = cJSON_GetObjectItemCaseSensitive(r.params, "scep");
	if (!cJSON_IsObject(r.scep)) {
		if (old == NULL) {
			err_set(e, ERR_STORE, "%s", _("the job has no SCEP settings"));
			goto out;
		}
		if (inherit_settings(&r, old->id, e) != 0)
			goto out;
	}
	url = setting(&r, "url");
	want_fp = setting(&r, "ca_fingerprint");
	if (url == NULL) {
		err_set(e, ERR_STORE, "%s", _("the SCEP settings name no URL"));
		goto out;
	}
	if ((names = names_of(&r, &n_names, e)) == NULL)
		goto out;

	say(&r, 1, _("asking the SCEP CA at %s for its capabilities and certificates"), url);
	if (http_new(NULL, &h, e) != 0 || scep_get_caps(h, url, &caps, e) != 0 ||
	    scep_get_ca(h, url, &ca, e) != 0)
		goto out;
	/* RFC 7030's bootstrap rule, as NDES users follow it: trust only what was checked. */
	if (want_fp == NULL) {
		err_set(e, ERR_INPUT, _("the CA's certificate has the SHA-256 fingerprint %s: "
		    "check it with the CA's operator, then give --ca-fingerprint %s"),
		    ca->ca_fingerprint, ca->ca_fingerprint);
		goto out;
	}
	if (scep_fingerprint_normalise(want_fp, fp, e) != 0)
		goto out;
	if (strcmp(fp, ca->ca_fingerprint) != 0) {
		err_set(e, ERR_PROTO, _("the CA's certificate has the SHA-256 fingerprint %s, not "
		    "the expected %s: refusing to enrol (a different CA, or one that was "
		    "replaced: check with the CA's operator)"), ca->ca_fingerprint, fp);
		goto out;
	}
	if (read_challenge(setting(&r, "challenge_file"), &challenge, e) != 0)
		goto out;

	say(&r, 2, "%s", old != NULL && !reuse_key ? _("making the new key and CSR") :
	    _("making the CSR"));
	if (new_key(&r, old, reuse_key, &key, e) != 0)
		goto out;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		err_set(e, ERR_INPUT, "%s", _("SCEP needs an RSA key: the CA encrypts its "
		    "answer to it"));
		goto out;
	}
	if (scep_csr_build(key, setting(&r, "subject"), names, n_names, challenge, &csr,
	    &csr_len, e) != 0 || scep_transaction_id(key, txid, e) != 0)
		goto out;
	/* An expired certificate cannot sign its renewal: a fresh PKCSReq then. */
	renewal = old != NULL && (caps.flags & SCEP_CAP_RENEWAL) &&
	    old->not_after > (long long)time(NULL);
	if (renewal) {
		if (old_signer(&r, old, &signer, &signer_key, e) != 0)
			goto out;
	} else {
		if (scep_transient_cert(key, csr, csr_len, &signer, e) != 0)
			goto out;
		if (EVP_PKEY_up_ref(key) != 1) {
			err_openssl(e, "%s", _("cannot share the key"));
			goto out;
		}
		signer_key = key;
	}
	scep_pick_algs(caps.flags, &algs);
	rq.url = url;
	rq.ca = ca;
	rq.caps = caps.flags;
	/* A request the CA holds is asked after with CertPoll, never sent again. */
	pending = param_id(&r, "pending") != 0;
	rq.type = pending ? SCEP_MSG_CERTPOLL : renewal ? SCEP_MSG_RENEWALREQ : SCEP_MSG_PKCSREQ;
	rq.csr = csr;
	rq.csr_len = csr_len;
	rq.signer = signer;
	rq.signer_key = signer_key;
	rq.transaction_id = txid;
	say(&r, 3, _("sending %s (%s, %s) by %s"), pending ? "CertPoll" :
	    renewal ? "RenewalReq" : "PKCSReq",
	    algs.cipher, algs.digest, (caps.flags & SCEP_CAP_POST) ? "POST" : "GET");
	if (scep_pki_operation(h, &rq, &reply, e) != 0)
		goto out;
	testhook_crash("scep-reply");
	if (reply.warnings[0] != '\0')
		say_warnings(&r, reply.warnings);
	if (reply.status == SCEP_FAILURE) {
		err_set(e, ERR_PROTO, _("the CA answered FAILURE: %s%s%s%s"),
		    scep_fail_info_text(reply.fail_info), reply.fail_text != NULL ? " (" : "",
		    reply.fail_text != NULL ? reply.fail_text : "",
		    reply.fail_text != NULL ? ")" : "");
		goto out;
	}
	if (reply.status == SCEP_PENDING) {
		if (!pending && save_id(&r, "pending", 1, e) != 0)
			goto out;
		err_set(e, ERR_PROTO, "%s", _("the CA holds the request for approval (PENDING): "
		    "certdeck asks again later with CertPoll"));
		e->retryable = 1;
		e->retry_after = PENDING_RETRY_S;
		goto out;
	}
	if (store_issued(&r, reply.pem_chain, names, n_names, key,
	    param_id(&r, "key_id") > 0 ? param_id(&r, "key_id") : old->key_id, cert_id, e) != 0)
		goto out;
	say(&r, 4, _("certificate #%lld stored"), (long long)*cert_id);
	rc = 0;
out:
	if (challenge != NULL) {
		OPENSSL_cleanse(challenge, strlen(challenge));
		free(challenge);
	}
	free(csr);
	free(names);
	X509_free(signer);
	EVP_PKEY_free(signer_key);
	EVP_PKEY_free(key);
	scep_reply_clear(&reply);
	scep_ca_free(ca);
	scep_caps_clear(&caps);
	http_free(h);
	cert_row_free(old);
	cJSON_Delete(r.params);
	return rc;
}
