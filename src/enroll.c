#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cert_record.h"
#include "crypto.h"
#include "enroll.h"
#include "fileio.h"
#include "i18n.h"
#include "store_key.h"
#include "testhook.h"

/* Seconds of clock skew accepted on an issued certificate's notBefore. */
#define ISSUED_SKEW_S 300

/* ---- the CSR and fingerprints ---- */

/* Adds the RDNs of an "/A=b/C=d" or "A=b,C=d" DN to n (no escapes). Returns 0 or -1. */
static int
parse_dn(const char *dn, X509_NAME *n, struct err *e)
{
	char *copy = strdup(dn), *tok, *save = NULL;
	const char *sep = dn[0] == '/' ? "/" : ",";
	int any = 0;

	if (copy == NULL)
		return err_nomem(e);
	for (tok = strtok_r(copy, sep, &save); tok != NULL; tok = strtok_r(NULL, sep, &save)) {
		char *eq;

		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		if ((eq = strchr(tok, '=')) == NULL || eq == tok || eq[1] == '\0')
			goto bad;
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(n, tok, MBSTRING_UTF8,
		    (const unsigned char *)eq + 1, -1, -1, 0))
			goto bad;
		any = 1;
	}
	free(copy);
	if (!any)
		return err_set(e, ERR_USAGE, _("'%s' is not a subject name (write "
		    "/CN=name/O=org or CN=name,O=org)"), dn);
	return 0;
bad:
	free(copy);
	ERR_clear_error();
	return err_set(e, ERR_USAGE, _("'%s' is not a subject name (write /CN=name/O=org or "
	    "CN=name,O=org)"), dn);
}

/* The subjectAltName extension for names (DNS or IP literals). Returns it, or NULL. */
static X509_EXTENSION *
san_ext(const char *const *names, size_t n_names)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	X509_EXTENSION *ext = NULL;
	size_t i;

	if (gens == NULL)
		return NULL;
	for (i = 0; i < n_names; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_OCTET_STRING *ip = a2i_IPADDRESS(names[i]);

		ERR_clear_error();
		if (g == NULL)
			goto out;
		if (ip != NULL) {
			GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
		} else {
			ASN1_IA5STRING *s = ASN1_IA5STRING_new();

			if (s == NULL || !ASN1_STRING_set(s, names[i], -1)) {
				ASN1_IA5STRING_free(s);
				GENERAL_NAME_free(g);
				goto out;
			}
			GENERAL_NAME_set0_value(g, GEN_DNS, s);
		}
		if (!sk_GENERAL_NAME_push(gens, g)) {
			GENERAL_NAME_free(g);
			goto out;
		}
	}
	ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
out:
	GENERAL_NAMES_free(gens);
	return ext;
}

int
enroll_csr_build(EVP_PKEY *key, const char *subject, const char *const *names,
    size_t n_names, const char *challenge, const EVP_MD *md, unsigned char **der,
    size_t *len, struct err *e)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *ext = NULL;
	unsigned char *p = NULL;
	int l, rc = -1;

	*der = NULL;
	*len = 0;
	if (req == NULL || n == NULL || exts == NULL) {
		err_nomem(e);
		goto out;
	}
	if (subject != NULL && subject[0] != '\0') {
		if (parse_dn(subject, n, e) != 0)
			goto out;
	} else if (n_names > 0 && !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)names[0], -1, -1, 0)) {
		err_openssl(e, "%s", _("cannot build the CSR's subject"));
		goto out;
	}
	if (!X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, n) ||
	    !X509_REQ_set_pubkey(req, key)) {
		err_openssl(e, "%s", _("cannot build the CSR"));
		goto out;
	}
	if (n_names > 0) {
		if ((ext = san_ext(names, n_names)) == NULL || !sk_X509_EXTENSION_push(exts, ext)) {
			X509_EXTENSION_free(ext);
			err_openssl(e, "%s", _("cannot build the CSR's names"));
			goto out;
		}
		if (!X509_REQ_add_extensions(req, exts)) {
			err_openssl(e, "%s", _("cannot build the CSR's names"));
			goto out;
		}
	}
	if (challenge != NULL && !X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword,
	    MBSTRING_UTF8, (const unsigned char *)challenge, -1)) {
		err_openssl(e, "%s", _("cannot add the challenge password to the CSR"));
		goto out;
	}
	if (X509_REQ_sign(req, key, md) <= 0) {
		err_openssl(e, "%s", _("cannot sign the CSR"));
		goto out;
	}
	if ((l = i2d_X509_REQ(req, &p)) <= 0) {
		err_openssl(e, "%s", _("cannot encode the CSR"));
		goto out;
	}
	if ((*der = malloc((size_t)l)) == NULL) {
		err_nomem(e);
		goto out;
	}
	memcpy(*der, p, (size_t)l);
	*len = (size_t)l;
	rc = 0;
out:
	OPENSSL_free(p);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(n);
	X509_REQ_free(req);
	return rc;
}

int
enroll_fingerprint(X509 *cert, char out[65], struct err *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
		return err_openssl(e, "%s", _("cannot compute a certificate's fingerprint"));
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
enroll_fingerprint_normalise(const char *in, char out[65], struct err *e)
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

/* ---- secrets from files ---- */

void
enroll_secret_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

int
enroll_read_secret(const char *path, size_t max, const char *what, char **out,
    struct err *e)
{
	size_t len;

	*out = NULL;
	if (fileio_read(path, max + 2, out, &len, e) != 0)
		return err_prefix(e, "%s", what);
	while (len > 0 && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
		(*out)[--len] = '\0';
	if (len == 0 || len > max || strlen(*out) != len) {
		OPENSSL_cleanse(*out, len);
		free(*out);
		*out = NULL;
		return err_set(e, ERR_INPUT, _("%s: %s is one line of at most %zu bytes"), path,
		    what, max);
	}
	return 0;
}

/* ---- the job's state ---- */

int
enroll_job_open(struct enroll_job *j, struct store *st, const struct job_row *job,
    const char *proto, const char *proto_name, struct err *e)
{
	memset(j, 0, sizeof(*j));
	j->st = st;
	j->job = job;
	j->proto = proto;
	j->proto_name = proto_name;
	j->params = job->params != NULL ? cJSON_Parse(job->params) : NULL;
	if (!cJSON_IsObject(j->params)) {
		cJSON_Delete(j->params);
		if ((j->params = cJSON_CreateObject()) == NULL)
			return err_nomem(e);
	}
	j->settings = cJSON_GetObjectItemCaseSensitive(j->params, proto);
	if (!cJSON_IsObject(j->settings))
		j->settings = NULL;
	return 0;
}

void
enroll_job_close(struct enroll_job *j)
{
	cJSON_Delete(j->params);
	j->params = NULL;
	j->settings = NULL;
}

const char *
enroll_setting(const struct enroll_job *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j->settings, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long long
enroll_param_id(const struct enroll_job *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j->params, k);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

int
enroll_save_id(struct enroll_job *j, const char *k, int64_t v, struct err *e)
{
	char *text;
	int rc;

	cJSON_DeleteItemFromObjectCaseSensitive(j->params, k);
	if (cJSON_AddNumberToObject(j->params, k, (double)v) == NULL ||
	    (text = cJSON_PrintUnformatted(j->params)) == NULL)
		return err_nomem(e);
	rc = store_job_set_params(j->st, j->job, text, e);
	free(text);
	return rc;
}

int
enroll_inherit(struct enroll_job *j, int64_t old_id, struct err *e)
{
	struct job_row *prod = NULL;
	cJSON *pp = NULL, *set;
	char *text = NULL, path[64];
	int64_t id;
	int rc;

	snprintf(path, sizeof(path), "$.%s.url", j->proto);
	rc = store_job_producer(j->st, old_id, path, &id, e);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return err_set(e, ERR_INPUT, _("certificate #%lld has no %s enrolment settings "
		    "in the store: enrol it again with 'certdeck enroll --%s'"), (long long)old_id,
		    j->proto_name, j->proto);
	rc = -1;
	if (store_job_get(j->st, id, &prod, e) != 0)
		goto out;
	pp = prod->params != NULL ? cJSON_Parse(prod->params) : NULL;
	set = cJSON_DetachItemFromObjectCaseSensitive(pp, j->proto);
	if (!cJSON_IsObject(set)) {
		cJSON_Delete(set);
		err_set(e, ERR_STORE, _("job #%lld's %s settings are not valid JSON"), (long long)id,
		    j->proto_name);
		goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(j->params, j->proto);
	if (!cJSON_AddItemToObject(j->params, j->proto, set)) {
		cJSON_Delete(set);
		err_nomem(e);
		goto out;
	}
	if ((text = cJSON_PrintUnformatted(j->params)) == NULL) {
		err_nomem(e);
		goto out;
	}
	if (store_job_set_params(j->st, j->job, text, e) != 0)
		goto out;
	j->settings = cJSON_GetObjectItemCaseSensitive(j->params, j->proto);
	rc = 0;
out:
	free(text);
	cJSON_Delete(pp);
	job_row_free(prod);
	return rc;
}

const char **
enroll_names(const struct enroll_job *j, size_t *n, struct err *e)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j->settings, "names"), *it;
	const char **names;

	*n = 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
		err_set(e, ERR_STORE, _("the %s settings name no names"), j->proto_name);
		return NULL;
	}
	if ((names = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*names))) == NULL) {
		err_nomem(e);
		return NULL;
	}
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it)) {
			free(names);
			err_set(e, ERR_STORE, _("the %s settings' names are not strings"),
			    j->proto_name);
			return NULL;
		}
		names[(*n)++] = it->valuestring;
	}
	return names;
}

int
enroll_new_key(struct enroll_job *j, const struct cert_row *old, int reuse_key,
    const char *crash_point, EVP_PKEY **key, struct err *e)
{
	int64_t key_id = enroll_param_id(j, "key_id");
	const char *type = enroll_setting(j, "key_type");
	enum key_type kt;
	char *pem = NULL;
	int rc = -1, grc;

	*key = NULL;
	if (key_id == 0 && old != NULL && reuse_key)
		key_id = old->key_id;
	if (key_id > 0) {
		grc = crypto_key_load(j->st, key_id, key, e);
		if (grc == 1)
			err_set(e, ERR_STORE, _("key #%lld is missing from the store"),
			    (long long)key_id);
		return grc == 0 ? 0 : -1;
	}
	if (crypto_key_type_parse(type != NULL ? type : "rsa2048", &kt, e) != 0 ||
	    crypto_key_generate(kt, key, e) != 0 || crypto_key_to_pem(*key, &pem, e) != 0)
		goto out;
	/* The key and the params' record of it land together: a rerun uses it. */
	if (store_begin(j->st, e) != 0)
		goto out;
	if (store_key_insert(j->st, crypto_key_type_name(kt), pem, &key_id, e) != 0 ||
	    enroll_save_id(j, "key_id", key_id, e) != 0 || store_commit(j->st, e) != 0) {
		store_rollback(j->st);
		goto out;
	}
	testhook_crash(crash_point);
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

int
enroll_store_issued(struct enroll_job *j, const char *pem, const char *const *names,
    size_t n_names, EVP_PKEY *key, int64_t key_id, int64_t *cert_id, struct err *e)
{
	struct cert_row *row = NULL;
	int rc = -1;

	if (crypto_issued_check(pem, strlen(pem), names, n_names, key, time(NULL),
	    ISSUED_SKEW_S, e) != 0)
		return err_prefix(e, "%s", _("the CA's certificate is refused"));
	if (cert_record_from_pem(pem, strlen(pem), &row, e) != 0)
		return -1;
	row->key_id = key_id;
	if ((row->source = strdup(j->proto)) == NULL) {
		err_nomem(e);
		goto out;
	}
	/* The certificate and the params' record of it land together. */
	if (store_begin(j->st, e) != 0)
		goto out;
	if (store_cert_insert(j->st, row, cert_id, e) != 0 ||
	    enroll_save_id(j, "cert_id", *cert_id, e) != 0 || store_commit(j->st, e) != 0) {
		store_rollback(j->st);
		goto out;
	}
	rc = 0;
out:
	cert_row_free(row);
	return rc;
}

void
enroll_say(const struct enroll_progress *p, int step, int steps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p == NULL || p->say == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->say(p->arg, step, steps, msg);
}
