/*
 * What SCEP (src/scep_enroll.c) and EST (src/est_enroll.c) enrolments
 * share: the CSR with a subject, the CA fingerprint as users write it,
 * and the job state they keep in the job's params under their protocol's
 * key ("scep", "est"): the settings, "key_id" once the key is made,
 * "cert_id" once the certificate is stored. A renewal copies the settings
 * from the job that produced the certificate it renews.
 */
#ifndef CERTDECK_ENROLL_H
#define CERTDECK_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "store.h"
#include "store_cert.h"
#include "store_job.h"

/* How an enrolment job reports progress (a step of steps, and a message). */
struct enroll_progress {
	void (*say)(void *arg, int step, int steps, const char *msg);
	void *arg;
};

/* Tells p (which may be NULL) about step of steps, formatted. */
void enroll_say(const struct enroll_progress *p, int step, int steps, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * A DER CSR for key with subject (an OpenSSL "/CN=a/O=b" or "CN=a,O=b"
 * DN; NULL: CN = the first name), the names as subjectAltName (DNS or IP
 * literals) and the challengePassword attribute (may be NULL), signed
 * with md. Returns 0 and *der, *len (free()), or -1 (ERR_USAGE for a DN
 * that does not parse).
 */
int enroll_csr_build(EVP_PKEY *key, const char *subject, const char *const *names,
    size_t n_names, const char *challenge, const EVP_MD *md, unsigned char **der,
    size_t *len, struct err *e);

/* SHA-256 of a certificate's DER into out as lower-case hex. Returns 0 or -1. */
int enroll_fingerprint(X509 *cert, char out[65], struct err *e);

/*
 * Normalises a SHA-256 fingerprint as users write it (upper or lower
 * case, with or without colons or spaces) to 64 lower-case hex digits in
 * out. Returns 0, or -1 (ERR_USAGE) when it is not one.
 */
int enroll_fingerprint_normalise(const char *in, char out[65], struct err *e);

/*
 * A secret (a challenge or a password) from the file path: one line of at
 * most max bytes, without its line end; what names it in messages.
 * Returns 0 and *out (wipe and free with enroll_secret_free), or -1.
 */
int enroll_read_secret(const char *path, size_t max, const char *what, char **out,
    struct err *e);

/* Wipes and frees a secret. Accepts NULL. */
void enroll_secret_free(char *s);

/* One run of an enrolment job. */
struct enroll_job {
	struct store *st;
	const struct job_row *job;
	const char *proto;	/* the params key and the certificates' source: "scep", "est" */
	const char *proto_name;	/* for messages: "SCEP", "EST" */
	cJSON *params;		/* the job's params, owned */
	const cJSON *settings;	/* params[proto], or NULL */
};

/* Parses the job's params into j. Returns 0 or -1. Release with enroll_job_close. */
int enroll_job_open(struct enroll_job *j, struct store *st, const struct job_row *job,
    const char *proto, const char *proto_name, struct err *e);

/* Frees what enroll_job_open made. */
void enroll_job_close(struct enroll_job *j);

/* A string setting, or NULL. */
const char *enroll_setting(const struct enroll_job *j, const char *k);

/* A numeric member of the params (key_id, cert_id...), 0 when absent. */
long long enroll_param_id(const struct enroll_job *j, const char *k);

/* Sets params[k] = v and saves the params (inside the caller's transaction). */
int enroll_save_id(struct enroll_job *j, const char *k, int64_t v, struct err *e);

/*
 * A renewal's settings: those of the job that produced certificate
 * old_id, copied into this job's params (so the new certificate's
 * producer has them too). Returns 0 or -1.
 */
int enroll_inherit(struct enroll_job *j, int64_t old_id, struct err *e);

/* The names setting as an array of borrowed strings. Returns it (free()) or NULL. */
const char **enroll_names(const struct enroll_job *j, size_t *n, struct err *e);

/*
 * The key: the one the params record, else old's with reuse_key, else a
 * new one of the key_type setting, recorded in the params in the same
 * commit (crash_point names the test hook after it). Returns 0 and *key,
 * or -1.
 */
int enroll_new_key(struct enroll_job *j, const struct cert_row *old, int reuse_key,
    const char *crash_point, EVP_PKEY **key, struct err *e);

/*
 * Checks what the CA issued (pem: the certificate, then its chain)
 * against names and key and stores it with key_id, source j->proto,
 * recording cert_id in the params in the same commit. Returns 0 and
 * *cert_id, or -1.
 */
int enroll_store_issued(struct enroll_job *j, const char *pem, const char *const *names,
    size_t n_names, EVP_PKEY *key, int64_t key_id, int64_t *cert_id, struct err *e);

#endif
