#include "config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cli.h"
#include "cli_conf.h"
#include "conf.h"
#include "cli_job.h"
#include "http.h"
#include "i18n.h"
#include "jobs.h"
#include "safetext.h"
#include "crypto.h"
#include "enroll.h"
#include "fileio.h"
#include "scep.h"
#include "scep_enroll.h"
#include "est.h"
#include "est_enroll.h"
#include "store.h"
#include "timefmt.h"

/* One line of a DN, RFC 2253 order. Returns it (free()), or NULL. */
static char *
dn_text(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL, *data;
	long len;

	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
		len = BIO_get_mem_data(b, &data);
		if ((s = malloc((size_t)len + 1)) != NULL) {
			memcpy(s, data, (size_t)len);
			s[len] = '\0';
		}
	}
	BIO_free(b);
	return s;
}

static const char *
role_of(const struct scep_ca *ca, X509 *c)
{
	if (c == ca->ca)
		return c == ca->recipient ? "ca+ra" : "ca";
	return c == ca->recipient ? "ra" : "other";
}

/*
 * One certificate of a CA's set: printed, or added to the JSON array
 * certs when that is not NULL. Returns 0 or -1.
 */
static int
cert_item(X509 *c, const char *role, cJSON *certs, struct err *e)
{
	char fp[65], na[64], na3339[40], *subj = dn_text(X509_get_subject_name(c)),
	    *iss = dn_text(X509_get_issuer_name(c));
	struct tm tm;
	time_t t = 0;
	int rc = -1;

	if (subj == NULL || iss == NULL) {
		err_nomem(e);
		goto out;
	}
	if (ASN1_TIME_to_tm(X509_get0_notAfter(c), &tm) == 1)
		t = timegm(&tm);
	timefmt_utc((long long)t, 1, na, sizeof(na));
	timefmt_rfc3339((long long)t, na3339, sizeof(na3339));
	if (enroll_fingerprint(c, fp, e) != 0)
		goto out;
	if (certs != NULL) {
		cJSON *it = cJSON_CreateObject();

		if (it != NULL && !cJSON_AddItemToArray(certs, it)) {
			cJSON_Delete(it);
			it = NULL;
		}
		if (it == NULL || cJSON_AddStringToObject(it, "role", role) == NULL ||
		    cJSON_AddStringToObject(it, "subject", subj) == NULL ||
		    cJSON_AddStringToObject(it, "issuer", iss) == NULL ||
		    cJSON_AddStringToObject(it, "not_after", na3339) == NULL ||
		    cJSON_AddStringToObject(it, "fingerprint_sha256", fp) == NULL) {
			err_nomem(e);
			goto out;
		}
	} else {
		printf("  %-8s %s\n", role, safetext(subj));
		printf("    %-12s %s\n", _("issuer:"), safetext(iss));
		printf("    %-12s %s\n", _("not after:"), na);
		printf("    %-12s %s\n", _("SHA-256:"), fp);
	}
	rc = 0;
out:
	free(subj);
	free(iss);
	return rc;
}

/* enroll --scep URL --info: the CA's capabilities and certificates. */
static int
scep_info(const char *url, int json)
{
	struct scep_caps caps = { 0 };
	struct scep_ca *ca = NULL;
	struct http *h = NULL;
	cJSON *o = NULL, *arr = NULL, *certs = NULL;
	struct err e;
	size_t i;
	int k, rc = CLI_FAIL;

	err_clear(&e);
	if (http_new(NULL, &h, &e) != 0 || scep_get_caps(h, url, &caps, &e) != 0 ||
	    scep_get_ca(h, url, &ca, &e) != 0) {
		rc = cli_fail(&e);
		goto out;
	}
	if (json && ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "url", url) == NULL ||
	    (arr = cJSON_AddArrayToObject(o, "capabilities")) == NULL ||
	    (certs = cJSON_AddArrayToObject(o, "certificates")) == NULL))
		goto nomem;
	if (!json)
		printf("%s\n", _("Capabilities:"));
	for (i = 0; i < caps.n_words; i++) {
		if (json) {
			if (!cJSON_AddItemToArray(arr, cJSON_CreateString(caps.words[i])))
				goto nomem;
		} else {
			printf("  %s\n", safetext(caps.words[i]));
		}
	}
	if (!json)
		printf("%s\n", _("Certificates:"));
	for (k = 0; k < sk_X509_num(ca->certs); k++) {
		X509 *c = sk_X509_value(ca->certs, k);

		if (cert_item(c, role_of(ca, c), json ? certs : NULL, &e) != 0) {
			rc = cli_fail(&e);
			goto out;
		}
	}
	if (json) {
		if (cJSON_AddStringToObject(o, "ca_fingerprint_sha256", ca->ca_fingerprint) == NULL)
			goto nomem;
		cli_print_json(o);
		o = NULL;
	} else {
		printf(_("Enrol with --ca-fingerprint %s once you have checked it with the "
		    "CA's operator.\n"), ca->ca_fingerprint);
	}
	rc = CLI_OK;
	goto out;
nomem:
	err_nomem(&e);
	rc = cli_fail(&e);
out:
	cJSON_Delete(o);
	scep_ca_free(ca);
	scep_caps_clear(&caps);
	http_free(h);
	return rc;
}

/* First contact: shows the CA's fingerprint and refuses. Returns CLI_FAIL. */
static int
first_contact(const char *url)
{
	struct scep_ca *ca = NULL;
	struct http *h = NULL;
	struct err e;

	err_clear(&e);
	if (http_new(NULL, &h, &e) != 0 || scep_get_ca(h, url, &ca, &e) != 0) {
		http_free(h);
		return cli_fail(&e);
	}
	cli_msg(_("the CA at %s is not trusted yet: its certificate has the SHA-256 "
	    "fingerprint\n  %s\nCheck it with the CA's operator, then enrol with "
	    "--ca-fingerprint %s\n(certdeck enroll --scep URL --info shows the CA's "
	    "certificates)"), url, ca->ca_fingerprint, ca->ca_fingerprint);
	scep_ca_free(ca);
	http_free(h);
	return CLI_FAIL;
}

/* The job's params for an enrolment. Returns the JSON text (free()), or NULL. */
static char *
enrol_params(const char *url, const char **names, size_t n_names, const char *subject,
    const char *challenge_file, const char *fp, const char *key_type)
{
	cJSON *o = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(o, "scep"), *arr;
	char *text = NULL;
	size_t i;

	if (s == NULL || cJSON_AddStringToObject(s, "url", url) == NULL ||
	    (arr = cJSON_AddArrayToObject(s, "names")) == NULL ||
	    cJSON_AddStringToObject(s, "ca_fingerprint", fp) == NULL ||
	    cJSON_AddStringToObject(s, "key_type", key_type) == NULL ||
	    (subject != NULL && cJSON_AddStringToObject(s, "subject", subject) == NULL) ||
	    (challenge_file != NULL &&
	    cJSON_AddStringToObject(s, "challenge_file", challenge_file) == NULL))
		goto out;
	for (i = 0; i < n_names; i++)
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(names[i])))
			goto out;
	text = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return text;
}

/* ---- EST ---- */

/* What enroll --est was given. */
struct est_opts {
	const char *url, *label, *ca_bundle, *fp, *user, *password_file, *client_cert;
	const char *subject, *key_type;
	const char **names;
	size_t n_names;
	int info, json, no_wait, server_keygen;
};

/*
 * /cacerts: verified against --ca-bundle, else fetched as RFC 7030's
 * bootstrap allows (the server unverified, the answer then checked by
 * fingerprint or only shown). Returns 0 and *out, or -1.
 */
static int
est_cacerts(const struct est_opts *o, STACK_OF(X509) **out, struct err *e)
{
	struct http *h = NULL;
	int rc;

	if (http_new(o->ca_bundle, &h, e) != 0)
		return -1;
	if (o->ca_bundle == NULL)
		http_set_bootstrap(h);
	rc = est_get_cacerts(h, o->url, o->label, out, e);
	http_free(h);
	return rc;
}

/* The certificate of certs with fingerprint fp, or NULL. */
static X509 *
est_find_fp(STACK_OF(X509) *certs, const char *fp)
{
	char have[65];
	struct err e;
	int i;

	for (i = 0; i < sk_X509_num(certs); i++)
		if (enroll_fingerprint(sk_X509_value(certs, i), have, &e) == 0 &&
		    strcmp(have, fp) == 0)
			return sk_X509_value(certs, i);
	return NULL;
}

/* enroll --est URL --info: the CA certificates from /cacerts. */
static int
est_info(const struct est_opts *o)
{
	STACK_OF(X509) *certs = NULL;
	cJSON *j = NULL, *arr = NULL;
	struct err e;
	char fp[65];
	int k, rc = CLI_FAIL;

	err_clear(&e);
	if (o->fp != NULL && enroll_fingerprint_normalise(o->fp, fp, &e) != 0)
		return cli_fail(&e);
	if (est_cacerts(o, &certs, &e) != 0)
		return cli_fail(&e);
	if (o->fp != NULL && est_find_fp(certs, fp) == NULL) {
		cli_msg(_("no CA certificate of the EST server at %s has the SHA-256 fingerprint "
		    "%s"), o->url, fp);
		goto out;
	}
	if (o->json && ((j = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(j, "url", o->url) == NULL ||
	    cJSON_AddBoolToObject(j, "server_verified", o->ca_bundle != NULL) == NULL ||
	    (arr = cJSON_AddArrayToObject(j, "certificates")) == NULL)) {
		err_nomem(&e);
		rc = cli_fail(&e);
		goto out;
	}
	if (!o->json)
		printf("%s\n", _("CA certificates (/cacerts):"));
	for (k = 0; k < sk_X509_num(certs); k++) {
		X509 *c = sk_X509_value(certs, k);

		if (cert_item(c, X509_check_ca(c) > 0 ? "ca" : "other", o->json ? arr : NULL,
		    &e) != 0) {
			rc = cli_fail(&e);
			goto out;
		}
	}
	if (o->json) {
		cli_print_json(j);
		j = NULL;
	} else if (o->fp != NULL) {
		printf(_("The CA certificate with the SHA-256 fingerprint %s is among them.\n"), fp);
	} else if (o->ca_bundle == NULL) {
		printf("%s\n", _("The server's TLS certificate was not verified (no --ca-bundle): "
		    "check the fingerprint with the CA's operator, then enrol with "
		    "--ca-fingerprint FP or --ca-bundle FILE."));
	}
	rc = CLI_OK;
out:
	cJSON_Delete(j);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/*
 * The trust anchor for an enrolment: --ca-bundle's absolute path into
 * *bundle, or the /cacerts certificate with --ca-fingerprint as PEM into
 * *pem; without either, shows the first contact's fingerprints and
 * refuses. Returns CLI_OK or an exit code.
 */
static int
est_trust(const struct est_opts *o, char **bundle, char **pem)
{
	STACK_OF(X509) *certs = NULL;
	X509 *c;
	BIO *b = NULL;
	struct err e;
	char fp[65], have[65], *data;
	long n;
	int k, rc = CLI_FAIL;

	*bundle = *pem = NULL;
	err_clear(&e);
	if (o->ca_bundle != NULL) {
		if ((*bundle = realpath(o->ca_bundle, NULL)) == NULL) {
			cli_msg(_("%s: cannot resolve the path"), o->ca_bundle);
			return CLI_FAIL;
		}
		return CLI_OK;
	}
	if (o->fp != NULL && enroll_fingerprint_normalise(o->fp, fp, &e) != 0)
		return cli_fail(&e);
	if (est_cacerts(o, &certs, &e) != 0)
		return cli_fail(&e);
	if (o->fp == NULL) {
		cli_msg(_("the EST server at %s is not trusted yet: its CA certificates have the "
		    "SHA-256 fingerprints"), o->url);
		for (k = 0; k < sk_X509_num(certs); k++)
			if (enroll_fingerprint(sk_X509_value(certs, k), have, &e) == 0)
				cli_msg("  %s", have);
		cli_msg("%s", _("Check them with the CA's operator, then enrol with "
		    "--ca-fingerprint FP (or give its certificate with --ca-bundle FILE)"));
		goto out;
	}
	if ((c = est_find_fp(certs, fp)) == NULL) {
		cli_msg(_("no CA certificate of the EST server at %s has the SHA-256 fingerprint "
		    "%s: refusing to enrol (a different CA, or one that was replaced: check "
		    "with the CA's operator)"), o->url, fp);
		goto out;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509(b, c) != 1 ||
	    (n = BIO_get_mem_data(b, &data)) <= 0 || (*pem = strndup(data, (size_t)n)) == NULL) {
		err_nomem(&e);
		rc = cli_fail(&e);
		goto out;
	}
	rc = CLI_OK;
out:
	BIO_free(b);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/* The job's params for an EST enrolment. Returns the JSON text (free()), or NULL. */
static char *
est_params(const struct est_opts *o, const char *bundle, const char *pem, const char *pwfile,
    const char *key_type)
{
	cJSON *j = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(j, "est"), *arr;
	char *text = NULL;
	size_t i;

	if (s == NULL || cJSON_AddStringToObject(s, "url", o->url) == NULL ||
	    (arr = cJSON_AddArrayToObject(s, "names")) == NULL ||
	    cJSON_AddStringToObject(s, "key_type", key_type) == NULL ||
	    (o->label != NULL && cJSON_AddStringToObject(s, "label", o->label) == NULL) ||
	    (o->subject != NULL && cJSON_AddStringToObject(s, "subject", o->subject) == NULL) ||
	    (bundle != NULL && cJSON_AddStringToObject(s, "ca_bundle", bundle) == NULL) ||
	    (pem != NULL && cJSON_AddStringToObject(s, "ca_pem", pem) == NULL) ||
	    (o->user != NULL && cJSON_AddStringToObject(s, "user", o->user) == NULL) ||
	    (pwfile != NULL && cJSON_AddStringToObject(s, "password_file", pwfile) == NULL) ||
	    (o->client_cert != NULL &&
	    cJSON_AddStringToObject(s, "client_cert_id", o->client_cert) == NULL) ||
	    (o->server_keygen && cJSON_AddStringToObject(s, "server_keygen", "1") == NULL))
		goto out;
	for (i = 0; i < o->n_names; i++)
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(o->names[i])))
			goto out;
	text = cJSON_PrintUnformatted(j);
out:
	cJSON_Delete(j);
	return text;
}

/* A label is one path segment (RFC 7030 section 3.2.2). */
static int
label_ok(const char *l)
{
	const char *p;

	if (*l == '\0')
		return 0;
	for (p = l; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-._~", *p) == NULL)
			return 0;
	return 1;
}

/* enroll --est. */
static int
est_exec(struct cli *cli, const struct cmd_entry *self, const struct est_opts *o)
{
	char *bundle = NULL, *pem = NULL, *pwabs = NULL, *pw = NULL, *params = NULL, *end;
	struct store *st = NULL;
	enum key_type kt;
	int64_t cert_id = 0;
	struct err e;
	int rc = CLI_USAGE;

	err_clear(&e);
	if (strncmp(o->url, "https://", 8) != 0)
		return cli_usage(self, _("'%s' is not an https:// URL (EST runs over TLS only)"),
		    o->url);
	if (o->label != NULL && !label_ok(o->label))
		return cli_usage(self, _("'%s' is not a CA label (one path segment of letters, "
		    "digits and -._~)"), o->label);
	if (o->info) {
		if (o->n_names > 0 || o->subject != NULL || o->user != NULL ||
		    o->password_file != NULL || o->client_cert != NULL || o->no_wait ||
		    o->server_keygen)
			return cli_usage(self, "%s", _("--info enrols nothing: it takes only --json, "
			    "--label, --ca-bundle"));
		return est_info(o);
	}
	if (o->json)
		return cli_usage(self, "%s", _("--json goes with --info"));
	if (o->n_names == 0)
		return cli_usage(self, "%s", _("give at least one name with -d NAME"));
	if (crypto_key_type_parse(o->key_type, &kt, &e) != 0)
		return cli_usage(self, "%s", e.msg);
	if ((o->user != NULL) != (o->password_file != NULL))
		return cli_usage(self, "%s", _("--user and --password-file go together"));
	if (o->user != NULL && o->client_cert != NULL)
		return cli_usage(self, "%s", _("give --user and --password-file, or --client-cert, "
		    "not both"));
	if (o->user != NULL && strchr(o->user, ':') != NULL)
		return cli_usage(self, "%s", _("a user name for HTTP basic authentication has "
		    "no ':'"));
	if (o->client_cert != NULL && (strtoll(o->client_cert, &end, 10) <= 0 || *end != '\0'))
		return cli_usage(self, _("'%s' is not a certificate ID"), o->client_cert);
	if (o->ca_bundle != NULL && o->fp != NULL)
		return cli_usage(self, "%s", _("give --ca-bundle or --ca-fingerprint, not both"));
	rc = CLI_FAIL;
	/* The file is read now to catch a typo, and again by each run. */
	if (o->password_file != NULL) {
		if (enroll_read_secret(o->password_file, EST_PASSWORD_MAX, _("the password file"),
		    &pw, &e) != 0) {
			rc = cli_fail(&e);
			goto out;
		}
		if ((pwabs = realpath(o->password_file, NULL)) == NULL) {
			cli_msg(_("%s: cannot resolve the path"), o->password_file);
			goto out;
		}
	}
	if ((rc = est_trust(o, &bundle, &pem)) != CLI_OK)
		goto out;
	if ((params = est_params(o, bundle, pem, pwabs, crypto_key_type_name(kt))) == NULL) {
		err_nomem(&e);
		rc = cli_fail(&e);
		goto out;
	}
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		goto out;
	rc = cli_job_submit(cli, st, JOB_EST_ENROLL, 0, params, o->no_wait, &cert_id);
	if (rc == CLI_OK && !o->no_wait)
		printf("%lld\n", (long long)cert_id);
out:
	enroll_secret_free(pw);
	store_close(st);
	free(params);
	free(pwabs);
	free(bundle);
	free(pem);
	return rc;
}

static int
cmd_enroll_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scep", required_argument, NULL, 's' },
		{ "info", no_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "domain", required_argument, NULL, 'd' },
		{ "subject", required_argument, NULL, 'S' },
		{ "challenge-file", required_argument, NULL, 'c' },
		{ "ca-fingerprint", required_argument, NULL, 'F' },
		{ "key-type", required_argument, NULL, 'k' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "est", required_argument, NULL, 'E' },
		{ "label", required_argument, NULL, 'L' },
		{ "ca-bundle", required_argument, NULL, 'B' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "client-cert", required_argument, NULL, 'C' },
		{ "server-keygen", no_argument, NULL, 'K' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	const char *url = NULL, *subject = NULL, *challenge = NULL, *fp_flag = NULL;
	const char *key_type = "rsa2048";
	const char **names = NULL;
	size_t n_names = 0, clen;
	char fp[65], *abs = NULL, *params = NULL, *secret = NULL;
	struct store *st = NULL;
	enum key_type kt;
	int64_t cert_id = 0;
	int opt, rc, info = 0, json = 0, no_wait = 0;
	struct est_opts est = { 0 };
	struct err e;

	err_clear(&e);
	while ((opt = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (opt) {
		case 's': url = optarg; continue;
		case 'i': info = 1; continue;
		case 'j': json = 1; continue;
		case 'S': subject = optarg; continue;
		case 'c': challenge = optarg; continue;
		case 'F': fp_flag = optarg; continue;
		case 'k': key_type = optarg; continue;
		case 'W': no_wait = 1; continue;
		case 'E': est.url = optarg; continue;
		case 'L': est.label = optarg; continue;
		case 'B': est.ca_bundle = optarg; continue;
		case 'u': est.user = optarg; continue;
		case 'P': est.password_file = optarg; continue;
		case 'C': est.client_cert = optarg; continue;
		case 'K': est.server_keygen = 1; continue;
		case 'd': {
			const char **grown = realloc(names, (n_names + 1) * sizeof(*grown));

			if (grown == NULL) {
				err_nomem(&e);
				rc = cli_fail(&e);
				goto out;
			}
			names = grown;
			names[n_names++] = optarg;
			continue;
		}
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			goto out;
		rc = CLI_USAGE;
		goto out;
	}
	if ((rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		goto out;
	/* --scep NAME / --est NAME: a [ca NAME] of the config file; its settings are defaults. */
	if ((url != NULL && strstr(url, "://") == NULL) ||
	    (est.url != NULL && strstr(est.url, "://") == NULL)) {
		const struct conf *cf;
		const struct conf_ca *ca;
		const char *name = url != NULL ? url : est.url;

		if ((rc = cli_conf(cli, &cf)) != CLI_OK)
			goto out;
		if ((ca = conf_ca_find(cf, name)) == NULL ||
		    (url != NULL && ca->scep == NULL) || (url == NULL && ca->est == NULL)) {
			rc = cli_usage(self, url != NULL ? _("'%s' is neither a SCEP URL nor a [ca] "
			    "section with a scep URL") : _("'%s' is neither an EST URL nor a [ca] "
			    "section with an est URL"), name);
			goto out;
		}
		if (fp_flag == NULL)
			fp_flag = ca->ca_fingerprint;
		if (url != NULL) {
			url = ca->scep;
			if (challenge == NULL)
				challenge = ca->challenge_file;
		} else {
			est.url = ca->est;
			if (est.ca_bundle == NULL)
				est.ca_bundle = ca->ca_bundle;
			if (est.label == NULL)
				est.label = ca->est_label;
			if (est.user == NULL && est.client_cert == NULL) {
				est.user = ca->est_user;
				est.password_file = est.password_file != NULL ? est.password_file :
				    ca->est_password_file;
			}
		}
	}
	rc = CLI_USAGE;
	if (est.url != NULL) {
		if (url != NULL || challenge != NULL) {
			rc = cli_usage(self, "%s", _("--est and --scep (and its --challenge-file) "
			    "do not go together"));
			goto out;
		}
		est.fp = fp_flag;
		est.subject = subject;
		est.key_type = key_type;
		est.names = names;
		est.n_names = n_names;
		est.info = info;
		est.json = json;
		est.no_wait = no_wait;
		rc = est_exec(cli, self, &est);
		goto out;
	}
	if (est.label != NULL || est.ca_bundle != NULL || est.user != NULL ||
	    est.password_file != NULL || est.client_cert != NULL || est.server_keygen) {
		rc = cli_usage(self, "%s", _("--label, --ca-bundle, --user, --password-file, "
		    "--client-cert and --server-keygen go with --est"));
		goto out;
	}
	if (url == NULL) {
		rc = cli_usage(self, "%s", _("give the CA's SCEP URL with --scep URL, or the EST "
		    "server's with --est URL"));
		goto out;
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		rc = cli_usage(self, _("'%s' is not an http:// or https:// URL"), url);
		goto out;
	}
	if (info) {
		if (n_names > 0 || subject != NULL || challenge != NULL || fp_flag != NULL ||
		    no_wait) {
			rc = cli_usage(self, "%s", _("--info enrols nothing: it takes only --json"));
			goto out;
		}
		rc = scep_info(url, json);
		goto out;
	}
	if (json) {
		rc = cli_usage(self, "%s", _("--json goes with --info"));
		goto out;
	}
	if (n_names == 0) {
		rc = cli_usage(self, "%s", _("give at least one name with -d NAME"));
		goto out;
	}
	if (crypto_key_type_parse(key_type, &kt, &e) != 0) {
		rc = cli_usage(self, "%s", e.msg);
		goto out;
	}
	if (kt != KEY_RSA2048 && kt != KEY_RSA3072 && kt != KEY_RSA4096) {
		rc = cli_usage(self, "%s", _("SCEP needs an RSA key (the CA encrypts its answer "
		    "to it): --key-type rsa2048, rsa3072 or rsa4096"));
		goto out;
	}
	if (fp_flag != NULL && enroll_fingerprint_normalise(fp_flag, fp, &e) != 0) {
		rc = cli_usage(self, "%s", e.msg);
		goto out;
	}
	rc = CLI_FAIL;
	/* The file is read now to catch a typo, and again by each run (renewals too). */
	if (challenge != NULL) {
		if (fileio_read(challenge, 4096, &secret, &clen, &e) != 0) {
			rc = cli_fail(&e);
			goto out;
		}
		if ((abs = realpath(challenge, NULL)) == NULL) {
			cli_msg(_("%s: cannot resolve the path"), challenge);
			goto out;
		}
	}
	if (fp_flag == NULL) {
		rc = first_contact(url);
		goto out;
	}
	if ((params = enrol_params(url, names, n_names, subject, abs, fp,
	    crypto_key_type_name(kt))) == NULL) {
		err_nomem(&e);
		rc = cli_fail(&e);
		goto out;
	}
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		goto out;
	rc = cli_job_submit(cli, st, JOB_SCEP_ENROLL, 0, params, no_wait, &cert_id);
	if (rc == CLI_OK && !no_wait)
		printf("%lld\n", (long long)cert_id);
out:
	if (secret != NULL) {
		OPENSSL_cleanse(secret, clen);
		free(secret);
	}
	store_close(st);
	free(params);
	free(abs);
	free(names);
	return rc;
}

const struct cmd_entry cmd_enroll_entry = {
	.name = "enroll",
	.args = "--scep URL|--est URL -d NAME [-d NAME...] [OPTIONS] | --scep URL|--est URL "
	    "--info [--json]",
	.summary = N_("get a certificate from an enterprise CA over SCEP or EST"),
	.options = N_("      --scep URL           the CA's SCEP endpoint (e.g. http://ca/scep)\n"
	    "  -d, --domain NAME        a DNS name or IP address for the certificate\n"
	    "      --subject DN         the subject (/CN=a/O=b or CN=a,O=b; default\n"
	    "                           CN=the first name)\n"
	    "      --challenge-file F   the challenge password, one line in file F (read\n"
	    "                           again by each renewal)\n"
	    "      --ca-fingerprint FP  the CA certificate's SHA-256 fingerprint; without\n"
	    "                           it certdeck shows the fingerprint and stops\n"
	    "      --key-type TYPE      rsa2048 (default), rsa3072, rsa4096 (EST: also\n"
	    "                           ec256, ec384, ...)\n"
	    "      --est URL            the EST server (https://host[:port]; RFC 7030)\n"
	    "      --label L            EST: the CA label (/.well-known/est/L/...)\n"
	    "      --ca-bundle FILE     EST: trust the server by the CA certificates in FILE\n"
	    "                           (else --ca-fingerprint: its /cacerts certificate)\n"
	    "      --user NAME          EST: HTTP basic authentication as NAME, with\n"
	    "      --password-file F    the password, one line in F (read by each run)\n"
	    "      --client-cert ID     EST: authenticate with certificate ID from the store\n"
	    "      --server-keygen      EST: the server makes the key (/serverkeygen)\n"
	    "      --no-wait            queue the job, print its ID and return at once\n"
	    "      --info               show the CA's capabilities and certificates with\n"
	    "                           their SHA-256 fingerprints; enrol nothing\n"
	    "      --json               with --info: as JSON\n"
	    "Progress goes to stderr; the new certificate's ID to stdout.\n"),
	.exec = cmd_enroll_exec,
};
