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
#include "enroll.h"
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
#define PENDING_RETRY_S 300

/* The state of one run. */
struct run {
	struct enroll_job j;
	const struct enroll_progress *p;
};

/* Progress: step of STEPS, through the run's enroll_progress. */
#define say(r, step, ...) enroll_say((r)->p, (step), STEPS, __VA_ARGS__)

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
	grc = crypto_key_load(r->j.st, old->key_id, key, e);
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

int
scep_enroll_run(struct store *st, const struct job_row *job, int64_t old_cert_id,
    int reuse_key, const struct enroll_progress *p, int64_t *cert_id, struct err *e)
{
	struct run r = { .p = p };
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
	if (enroll_job_open(&r.j, st, job, SCEP_SOURCE, "SCEP", e) != 0)
		return -1;
	if ((*cert_id = enroll_param_id(&r.j, "cert_id")) > 0) {
		rc = 0;		/* stored by an earlier run of this job */
		goto out;
	}
	if (old_cert_id > 0 && store_cert_get(st, old_cert_id, &old, e) != 0)
		goto out;
	if (r.j.settings == NULL) {
		if (old == NULL) {
			err_set(e, ERR_STORE, "%s", _("the job has no SCEP settings"));
			goto out;
		}
		if (enroll_inherit(&r.j, old->id, e) != 0)
			goto out;
	}
	url = enroll_setting(&r.j, "url");
	want_fp = enroll_setting(&r.j, "ca_fingerprint");
	if (url == NULL) {
		err_set(e, ERR_STORE, "%s", _("the SCEP settings name no URL"));
		goto out;
	}
	if ((names = enroll_names(&r.j, &n_names, e)) == NULL)
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
	if (enroll_fingerprint_normalise(want_fp, fp, e) != 0)
		goto out;
	if (strcmp(fp, ca->ca_fingerprint) != 0) {
		err_set(e, ERR_PROTO, _("the CA's certificate has the SHA-256 fingerprint %s, not "
		    "the expected %s: refusing to enrol (a different CA, or one that was "
		    "replaced: check with the CA's operator)"), ca->ca_fingerprint, fp);
		goto out;
	}
	if (enroll_setting(&r.j, "challenge_file") != NULL &&
	    enroll_read_secret(enroll_setting(&r.j, "challenge_file"), CHALLENGE_MAX,
	    _("the challenge password file"), &challenge, e) != 0)
		goto out;

	say(&r, 2, "%s", old != NULL && !reuse_key ? _("making the new key and CSR") :
	    _("making the CSR"));
	if (enroll_new_key(&r.j, old, reuse_key, "scep-key", &key, e) != 0)
		goto out;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		err_set(e, ERR_INPUT, "%s", _("SCEP needs an RSA key: the CA encrypts its "
		    "answer to it"));
		goto out;
	}
	if (scep_csr_build(key, enroll_setting(&r.j, "subject"), names, n_names, challenge, &csr,
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
	pending = enroll_param_id(&r.j, "pending") != 0;
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
		if (!pending && enroll_save_id(&r.j, "pending", 1, e) != 0)
			goto out;
		err_set(e, ERR_PROTO, "%s", _("the CA holds the request for approval (PENDING): "
		    "certdeck asks again later with CertPoll"));
		e->retryable = 1;
		e->retry_after = PENDING_RETRY_S;
		goto out;
	}
	if (enroll_store_issued(&r.j, reply.pem_chain, names, n_names, key,
	    enroll_param_id(&r.j, "key_id") > 0 ? enroll_param_id(&r.j, "key_id") : old->key_id, cert_id, e) != 0)
		goto out;
	say(&r, 4, _("certificate #%lld stored"), (long long)*cert_id);
	rc = 0;
out:
	enroll_secret_free(challenge);
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
	enroll_job_close(&r.j);
	return rc;
}
