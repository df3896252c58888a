/*
 * ARI (RFC 9773) and certificate profiles in the ACME engine, against
 * tests/ariserver (started twice by tests/acme/test_ari.sh):
 *   test_ari ARI_DIR_URL ARI_LOG PLAIN_DIR_URL PLAIN_LOG [CERT_PEM]
 * The logs hold one "METHOD PATH PAYLOAD" line per request the servers got.
 * CERT_PEM: a certificate made with the RFC 9773 example's key identifier
 * and serial.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "acme.h"
#include "crypto.h"
#include "http.h"
#include "tap.h"

/* RFC 9773 section 4.1. */
#define EXAMPLE_ID "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"
static const unsigned char example_aki[] = {
	0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3,
	0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4,
};
static const unsigned char example_serial[] = { 0x00, 0x87, 0x65, 0x43, 0x21 };

/* ---- the servers' logs ---- */

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (f == NULL)
		return strdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *p = realloc(buf, len + n + 1);

		if (p == NULL)
			break;
		buf = p;
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL)
		return strdup("");
	buf[len] = '\0';
	return buf;
}

/* Lines of the log starting with prefix. */
static int
count_lines(const char *log, const char *prefix)
{
	char *text = slurp(log), *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			n++;
	free(text);
	return n;
}

/* The payload of the last line starting with prefix, parsed, or NULL. */
static cJSON *
last_payload(const char *log, const char *prefix)
{
	char *text = slurp(log), *line, *save = NULL, *last = NULL;
	cJSON *j;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			last = line + strlen(prefix);
	j = last != NULL ? cJSON_Parse(last) : NULL;
	free(text);
	return j;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = s != NULL ? strlen(s) : 0, b = strlen(suffix);

	return s != NULL && a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- pure functions ---- */

static void
test_cert_id(const char *pem_path)
{
	struct cert_info **chain = NULL;
	struct err e;
	char *id = NULL, *pem;
	size_t n = 0;

	err_clear(&e);
	ok(acme_ari_cert_id(example_aki, sizeof(example_aki), example_serial,
	    sizeof(example_serial), &id, &e) == 0, "cert id: the RFC 9773 example encodes");
	is_str(id, EXAMPLE_ID, "cert id: matches RFC 9773 section 4.1");
	free(id);
	id = NULL;
	ok(acme_ari_cert_id(NULL, 0, example_serial, sizeof(example_serial), &id, &e) == -1 &&
	    e.kind == ERR_INPUT && id == NULL, "cert id: no AKI is an input error");
	ok(acme_ari_cert_id(example_aki, sizeof(example_aki), NULL, 0, &id, &e) == -1 &&
	    id == NULL, "cert id: no serial is an error");

	if (pem_path == NULL) {
		diag("no certificate fixture given");
		return;
	}
	pem = slurp(pem_path);
	err_clear(&e);
	if (!ok(crypto_chain_parse(pem, strlen(pem), &chain, &n, &e) == 0 && n == 1,
	    "cert id: the fixture certificate parses"))
		diag("%s", e.msg);
	if (n == 1) {
		ok(acme_ari_cert_id(chain[0]->aki, chain[0]->aki_len, chain[0]->serial_der,
		    chain[0]->serial_der_len, &id, &e) == 0,
		    "cert id: from the parsed certificate");
		is_str(id, EXAMPLE_ID,
		    "cert id: AKI and serial 0x87654321 from X.509 give the RFC's ID");
		free(id);
	}
	cert_info_chain_free(chain, n);
	free(pem);
}

static void
time_is(const char *s, long long want, const char *what)
{
	/* An exact-size heap copy: ASan sees any read past the end. */
	size_t len = strlen(s) + 1;
	char *copy = malloc(len);
	long long got = 0;

	memcpy(copy, s, len);
	if (!ok(acme_parse_time(copy, &got) == 0 && got == want, what))
		diag("%s: got %lld, want %lld", s, got, want);
	free(copy);
}

static void
time_bad(const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = malloc(len), name[160];
	long long got = 12345;

	memcpy(copy, s, len);
	snprintf(name, sizeof(name), "time: refuses \"%s\"", s);
	ok(acme_parse_time(copy, &got) == -1 && got == 12345, name);
	free(copy);
}

static void
test_time(void)
{
	const long long t = 1735790706;	/* 2025-01-02T04:05:06Z */

	time_is("2025-01-02T04:05:06Z", t, "time: Z");
	time_is("2025-01-02t04:05:06z", t, "time: lower-case t and z");
	time_is("2025-01-02T04:05:06.123456789Z", t, "time: fraction ignored");
	time_is("2025-01-02T06:35:06+02:30", t, "time: positive offset");
	time_is("2025-01-02T01:05:06-03:00", t, "time: negative offset");
	time_is("2024-02-29T00:00:00Z", 1709164800, "time: leap day");
	time_is("1970-01-01T00:00:00Z", 0, "time: epoch");
	time_bad("2025-01-02T04:05:06");
	time_bad("2025-01-02T04:05:06+1:00");
	time_bad("2025-01-02T04:05:06+01");
	time_bad("2025-01-02T04:05:06+01:0");
	time_bad("2025-01-02T04:05:06+");
	time_bad("2025-01-02T04:05:06.Z");
	time_bad("2025-01-02T04:05:06Zjunk");
	time_bad("2025-13-02T04:05:06Z");
	time_bad("2025-00-02T04:05:06Z");
	time_bad("2025-02-29T00:00:00Z");
	time_bad("2025-04-31T00:00:00Z");
	time_bad("2025-01-02T24:00:00Z");
	time_bad("2025-01-02T04:60:00Z");
	time_bad("2025-1-02T04:05:06Z");
	time_bad(" 2025-01-02T04:05:06Z");
	time_bad("2025-01-02 04:05:06Z");
	time_bad("");
	ok(acme_parse_time(NULL, &(long long){ 0 }) == -1, "time: NULL refused");
}

/* ---- against the servers ---- */

struct side {
	const char *url, *log;
	struct acme_client *c;
	EVP_PKEY *key;
};

/*
 * Connects to the server of s, trusting the CA it wrote beside its log
 * (PORTFILE.log, PORTFILE.ca). Returns acme_client_new's result.
 */
static const char *
ca_path(const struct side *s)
{
	static char path[4096];
	size_t n = strlen(s->log);

	if (n < 4 || n >= sizeof(path))
		return "";
	memcpy(path, s->log, n - 4);
	memcpy(path + n - 4, ".ca", 4);
	return path;
}

static int
client_for(struct side *s, struct err *e)
{
	const char *path = ca_path(s);
	char *pem;
	int rc;

	if ((pem = slurp(path)) == NULL)
		return err_set(e, ERR_IO, "cannot read %s", path);
	rc = acme_client_new(s->url, pem, &s->c, e);
	free(pem);
	return rc;
}

/* A directory whose renewalInfo is "": no ARI, and nothing read outside the string. */
static void
test_empty_ari(void)
{
	struct side s = { getenv("ARI_EMPTY_URL"), getenv("ARI_EMPTY_LOG"), NULL, NULL };
	struct acme_renewal_info ri;
	struct err e;

	if (s.url == NULL || s.log == NULL)
		return;
	err_clear(&e);
	if (!ok(client_for(&s, &e) == 0, "emptyari: acme_client_new"))
		diag("%s", e.msg);
	if (s.c == NULL)
		return;
	ok(acme_client_directory(s.c)->renewal_info == NULL,
	    "emptyari: an empty renewalInfo is taken as absent");
	is_int(acme_renewal_info_get(s.c, EXAMPLE_ID, &ri, &e), 1,
	    "emptyari: acme_renewal_info_get says the CA has no ARI");
	is_int(count_lines(s.log, "GET /renewalInfo"), 0, "emptyari: ... and asks nothing");
	acme_client_free(s.c);
}

static int
connect_and_register(struct side *s, const char *label)
{
	static const char *const contacts[] = { "mailto:admin@example.test" };
	struct acme_account_params p = { 0 };
	struct acme_account *a = NULL;
	struct err e;
	char name[160];
	int rc;

	err_clear(&e);
	snprintf(name, sizeof(name), "%s: acme_client_new over https", label);
	if (!ok(client_for(s, &e) == 0, name)) {
		diag("%s", e.msg);
		return -1;
	}
	if (crypto_key_generate(KEY_EC256, &s->key, &e) != 0 ||
	    acme_client_set_account(s->c, s->key, NULL, &e) != 0) {
		diag("key: %s", e.msg);
		return -1;
	}
	p.contacts = contacts;
	p.n_contacts = 1;
	p.agree_tos = 1;
	rc = acme_account_new(s->c, &p, &a, &e);
	snprintf(name, sizeof(name), "%s: account registered at /acct/1", label);
	if (!ok(rc == 0 && a != NULL && ends_with(a->url, "/acct/1"), name))
		diag("%s", e.msg);
	acme_account_free(a);
	return rc;
}

static void
test_ari_server(struct side *s)
{
	const struct acme_directory *d;
	struct acme_renewal_info ri;
	struct acme_identifier *ids = NULL;
	struct acme_order *o = NULL;
	struct acme_authz *az = NULL;
	const struct acme_challenge *ch;
	const char *names[] = { "a.example.test" };
	static const char *const bad_ids[] = { "nodot", "../../etc.passwd", "a.b.c", ".x", "x.",
	    "a/b.c", "a.b?c", "a%2F.b", "" };
	struct http *h = NULL;
	struct http_response *r = NULL;
	cJSON *pl, *idv;
	char url[512];
	long long t0, t1;
	size_t i;
	int before, rc;
	struct err e;

	if (connect_and_register(s, "ari") != 0)
		return;
	d = acme_client_directory(s->c);
	ok(ends_with(d->renewal_info, "/renewalInfo"), "ari: directory renewalInfo parsed");
	ok(ends_with(d->terms_of_service, "/terms"), "ari: meta.termsOfService parsed");
	is_int(d->n_profiles, 2, "ari: two profiles in meta.profiles");
	if (d->n_profiles == 2) {
		size_t k = strcmp(d->profiles[0], "classic") == 0 ? 0 : 1;

		is_str(d->profiles[k], "classic", "ari: profile classic");
		is_str(d->profiles[1 - k], "shortlived", "ari: profile shortlived");
		is_str(d->profile_descriptions[1 - k], "6-day certificates",
		    "ari: description kept with its profile");
		ok(strstr(d->profile_descriptions[k], "always known") != NULL,
		    "ari: classic's description kept");
	}

	/* renewalInfo */
	err_clear(&e);
	t0 = (long long)time(NULL);
	rc = acme_renewal_info_get(s->c, EXAMPLE_ID, &ri, &e);
	t1 = (long long)time(NULL);
	if (!ok(rc == 0, "ari: renewal info fetched"))
		diag("%s", e.msg);
	ok(ri.window_start >= t0 + 86400 && ri.window_start <= t1 + 86400,
	    "ari: window start is now + 1 day (parsed RFC 3339)");
	is_int(ri.window_end - ri.window_start, 86400, "ari: window end is a day later");
	is_str(ri.explanation_url, "http://127.0.0.1/why", "ari: explanation URL");
	is_int(ri.retry_after, 21600, "ari: Retry-After 21600 kept");
	free(ri.explanation_url);
	is_int(count_lines(s->log, "GET /renewalInfo/" EXAMPLE_ID " -"), 1,
	    "ari: the server got GET renewalInfo/ID, unauthenticated");

	before = count_lines(s->log, "GET /renewalInfo");
	for (i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		char name[160];

		err_clear(&e);
		snprintf(name, sizeof(name), "ari: malformed cert ID \"%s\" refused as usage",
		    bad_ids[i]);
		ok(acme_renewal_info_get(s->c, bad_ids[i], &ri, &e) == -1 &&
		    e.kind == ERR_USAGE && ri.explanation_url == NULL, name);
	}
	is_int(count_lines(s->log, "GET /renewalInfo"), before,
	    "ari: no malformed cert ID reached the server");

	/* The server's own check, without the client's. */
	snprintf(url, sizeof(url), "%s", d->renewal_info);
	strncat(url, "/nodot", sizeof(url) - strlen(url) - 1);
	err_clear(&e);
	if (http_new(ca_path(s), &h, &e) == 0 &&
	    http_request(h, "GET", url, NULL, NULL, 0, &r, &e) == 0) {
		cJSON *doc = cJSON_Parse(r->body);

		is_int(r->status, 400, "ariserver: an ID without a dot is 400");
		is_str(jstr(doc, "type"), "urn:ietf:params:acme:error:malformed",
		    "ariserver: ... problem malformed");
		cJSON_Delete(doc);
	} else {
		ok(0, "ariserver: GET renewalInfo/nodot");
		diag("%s", e.msg);
	}
	http_response_free(r);
	http_free(h);

	/* newOrder with profile and replaces */
	if (acme_identifiers_from_names(names, 1, &ids, &e) != 0) {
		diag("identifiers: %s", e.msg);
		return;
	}
	err_clear(&e);
	rc = acme_order_new(s->c, ids, 1, "shortlived", EXAMPLE_ID, &o, &e);
	if (!ok(rc == 0, "ari: newOrder with a profile and replaces"))
		diag("%s", e.msg);
	ok(o != NULL && ends_with(o->url, "/order/1"), "ari: order URL from Location");
	is_str(o != NULL ? o->profile : NULL, "shortlived", "ari: the CA echoed the profile");
	pl = last_payload(s->log, "POST /order ");
	is_str(jstr(pl, "profile"), "shortlived", "ari: logged newOrder has profile shortlived");
	is_str(jstr(pl, "replaces"), EXAMPLE_ID, "ari: logged newOrder has replaces = cert ID");
	idv = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(pl, "identifiers"), 0);
	is_str(jstr(idv, "value"), "a.example.test", "ari: logged newOrder has the identifier");
	cJSON_Delete(pl);

	/* The authorization of it: a well-formed token passes. */
	if (o != NULL && o->n_authorizations == 1) {
		err_clear(&e);
		rc = acme_authz_get(s->c, o->authorizations[0], &az, &e);
		if (!ok(rc == 0, "ari: authorization fetched"))
			diag("%s", e.msg);
		ch = az != NULL ? acme_authz_challenge(az, "http-01") : NULL;
		ok(ch != NULL && strlen(ch->token) == 43, "ari: http-01 challenge with its token");
		is_str(az != NULL ? az->identifier.value : NULL, "a.example.test",
		    "ari: authorization identifier");
		acme_authz_free(az);
	}
	acme_order_free(o);
	o = NULL;

	err_clear(&e);
	rc = acme_order_new(s->c, ids, 1, NULL, NULL, &o, &e);
	is_int(rc, 0, "ari: newOrder without either");
	pl = last_payload(s->log, "POST /order ");
	ok(pl != NULL && !cJSON_HasObjectItem(pl, "profile") && !cJSON_HasObjectItem(pl, "replaces"),
	    "ari: ... sends neither profile nor replaces");
	cJSON_Delete(pl);
	acme_order_free(o);
	o = NULL;

	/* An unknown profile: refused here, naming the CA's, nothing sent. */
	before = count_lines(s->log, "POST /order");
	err_clear(&e);
	rc = acme_order_new(s->c, ids, 1, "nosuch", NULL, &o, &e);
	ok(rc == -1 && o == NULL, "ari: an unknown profile fails");
	is_int(e.kind, ERR_USAGE, "ari: ... as a usage error");
	ok(strstr(e.msg, "nosuch") != NULL, "ari: ... naming the profile asked for");
	ok(strstr(e.msg, "classic") != NULL && strstr(e.msg, "shortlived") != NULL,
	    "ari: ... and listing the profiles offered");
	diag("message: %s", e.msg);
	is_int(count_lines(s->log, "POST /order"), before, "ari: ... and nothing was POSTed");

	acme_order_free(o);
	o = NULL;
	err_clear(&e);
	rc = acme_order_new(s->c, ids, 1, NULL, "../../x", &o, &e);
	ok(rc == -1 && o == NULL && e.kind == ERR_USAGE, "ari: a malformed replaces is refused");
	is_int(count_lines(s->log, "POST /order"), before, "ari: ... before anything is sent");

	is_int(count_lines(s->log, "!"), 0,
	    "ari: the server refused no request (nonce, url, kid, content type)");
	acme_identifiers_free(ids, 1);
}

static void
test_plain_server(struct side *s)
{
	const struct acme_directory *d;
	struct acme_renewal_info ri;
	struct acme_identifier *ids = NULL;
	struct acme_order *o = NULL;
	const char *names[] = { "b.example.test" };
	cJSON *pl;
	int rc, before;
	struct err e;

	if (connect_and_register(s, "plain") != 0)
		return;
	d = acme_client_directory(s->c);
	ok(d->renewal_info == NULL, "plain: no renewalInfo");
	ok(d->n_profiles == 0 && d->profiles == NULL, "plain: no profiles");

	err_clear(&e);
	memset(&ri, 0xff, sizeof(ri));
	is_int(acme_renewal_info_get(s->c, EXAMPLE_ID, &ri, &e), 1,
	    "plain: renewal info is 1 (not offered)");
	ok(ri.explanation_url == NULL && ri.retry_after == -1, "plain: ... out zeroed");
	is_int(count_lines(s->log, "GET /renewalInfo"), 0, "plain: ... and nothing was fetched");

	if (acme_identifiers_from_names(names, 1, &ids, &e) != 0) {
		diag("identifiers: %s", e.msg);
		return;
	}
	err_clear(&e);
	rc = acme_order_new(s->c, ids, 1, NULL, EXAMPLE_ID, &o, &e);
	if (!ok(rc == 0, "plain: newOrder with replaces succeeds"))
		diag("%s", e.msg);
	pl = last_payload(s->log, "POST /order ");
	ok(pl != NULL && cJSON_GetObjectItemCaseSensitive(pl, "identifiers") != NULL,
	    "plain: newOrder was logged");
	ok(pl != NULL && !cJSON_HasObjectItem(pl, "replaces"), "plain: ... without replaces");
	cJSON_Delete(pl);
	acme_order_free(o);
	o = NULL;

	before = count_lines(s->log, "POST /order");
	err_clear(&e);
	rc = acme_order_new(s->c, ids, 1, "shortlived", NULL, &o, &e);
	ok(rc == -1 && o == NULL && e.kind == ERR_USAGE, "plain: a profile request fails as usage");
	ok(strstr(e.msg, "no profiles") != NULL && strstr(e.msg, "shortlived") != NULL,
	    "plain: ... saying the CA offers none");
	diag("message: %s", e.msg);
	is_int(count_lines(s->log, "POST /order"), before, "plain: ... before anything is sent");
	is_int(count_lines(s->log, "!"), 0, "plain: the server refused no request");
	acme_identifiers_free(ids, 1);
}

int
main(int argc, char **argv)
{
	struct side ari = { 0 }, plain = { 0 };

	if (argc < 5) {
		fprintf(stderr, "usage: test_ari ARI_DIR ARI_LOG PLAIN_DIR PLAIN_LOG [CERT]\n");
		return 2;
	}
	ari.url = argv[1];
	ari.log = argv[2];
	plain.url = argv[3];
	plain.log = argv[4];
	test_cert_id(argc > 5 ? argv[5] : NULL);
	test_time();
	test_ari_server(&ari);
	test_plain_server(&plain);
	test_empty_ari();
	acme_client_free(ari.c);
	acme_client_free(plain.c);
	EVP_PKEY_free(ari.key);
	EVP_PKEY_free(plain.key);
	return done_testing();
}
