#include "config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cli.h"
#include "cli_job.h"
#include "http.h"
#include "i18n.h"
#include "jobs.h"
#include "safetext.h"
#include "crypto.h"
#include "fileio.h"
#include "scep.h"
#include "scep_enroll.h"
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
		char fp[65], na[64], na3339[40], *subj = dn_text(X509_get_subject_name(c)),
		    *iss = dn_text(X509_get_issuer_name(c));
		struct tm tm;
		time_t t = 0;
		int bad = subj == NULL || iss == NULL;

		if (ASN1_TIME_to_tm(X509_get0_notAfter(c), &tm) == 1)
			t = timegm(&tm);
		timefmt_utc((long long)t, 1, na, sizeof(na));
		timefmt_rfc3339((long long)t, na3339, sizeof(na3339));
		if (!bad && scep_fingerprint(c, fp, &e) != 0) {
			free(subj);
			free(iss);
			rc = cli_fail(&e);
			goto out;
		}
		if (!bad && json) {
			cJSON *it = cJSON_CreateObject();

			if (it == NULL || !cJSON_AddItemToArray(certs, it) ||
			    cJSON_AddStringToObject(it, "role", role_of(ca, c)) == NULL ||
			    cJSON_AddStringToObject(it, "subject", subj) == NULL ||
			    cJSON_AddStringToObject(it, "issuer", iss) == NULL ||
			    cJSON_AddStringToObject(it, "not_after", na3339) == NULL ||
			    cJSON_AddStringToObject(it, "fingerprint_sha256", fp) == NULL)
				bad = 1;
		} else if (!bad) {
			printf("  %-8s %s\n", role_of(ca, c), safetext(subj));
			printf("    %-12s %s\n", _("issuer:"), safetext(iss));
			printf("    %-12s %s\n", _("not after:"), na);
			printf("    %-12s %s\n", _("SHA-256:"), fp);
		}
		free(subj);
		free(iss);
		if (bad)
			goto nomem;
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
	rc = CLI_USAGE;
	if (url == NULL) {
		rc = cli_usage(self, "%s", _("give the CA's SCEP URL with --scep URL"));
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
	if (fp_flag != NULL && scep_fingerprint_normalise(fp_flag, fp, &e) != 0) {
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
	.args = "--scep URL -d NAME [-d NAME...] [OPTIONS] | --scep URL --info [--json]",
	.summary = N_("get a certificate from an enterprise CA over SCEP"),
	.options = N_("      --scep URL           the CA's SCEP endpoint (e.g. http://ca/scep)\n"
	    "  -d, --domain NAME        a DNS name or IP address for the certificate\n"
	    "      --subject DN         the subject (/CN=a/O=b or CN=a,O=b; default\n"
	    "                           CN=the first name)\n"
	    "      --challenge-file F   the challenge password, one line in file F (read\n"
	    "                           again by each renewal)\n"
	    "      --ca-fingerprint FP  the CA certificate's SHA-256 fingerprint; without\n"
	    "                           it certdeck shows the fingerprint and stops\n"
	    "      --key-type TYPE      rsa2048 (default), rsa3072, rsa4096\n"
	    "      --no-wait            queue the job, print its ID and return at once\n"
	    "      --info               show the CA's capabilities and certificates with\n"
	    "                           their SHA-256 fingerprints; enrol nothing\n"
	    "      --json               with --info: as JSON\n"
	    "Progress goes to stderr; the new certificate's ID to stdout.\n"),
	.exec = cmd_enroll_exec,
};
