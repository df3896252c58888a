#include "config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "cli.h"
#include "cli_job.h"
#include "http.h"
#include "i18n.h"
#include "jobs.h"
#include "safetext.h"
#include "scep.h"
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
	cJSON *o = NULL, *arr, *certs;
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

static int
cmd_enroll_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scep", required_argument, NULL, 's' },
		{ "info", no_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	const char *url = NULL;
	int opt, rc, info = 0, json = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': url = optarg; continue;
		case 'i': info = 1; continue;
		case 'j': json = 1; continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
		return CLI_USAGE;
	}
	if ((rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		return rc;
	if (url == NULL)
		return cli_usage(self, "%s", _("give the CA's SCEP URL with --scep URL"));
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return cli_usage(self, _("'%s' is not an http:// or https:// URL"), url);
	if (json && !info)
		return cli_usage(self, "%s", _("--json goes with --info"));
	if (info)
		return scep_info(url, json);
	return cli_usage(self, "%s", _("give --info"));
}

const struct cmd_entry cmd_enroll_entry = {
	.name = "enroll",
	.args = "--scep URL --info [--json]",
	.summary = N_("get a certificate from an enterprise CA over SCEP"),
	.options = N_("      --scep URL           the CA's SCEP endpoint (e.g. http://ca/scep)\n"
	    "      --info               show the CA's capabilities and certificates with\n"
	    "                           their SHA-256 fingerprints; enrol nothing\n"
	    "      --json               with --info: as JSON\n"),
	.exec = cmd_enroll_exec,
};
