/*
 * ariserver: an HTTPS ACME look-alike on 127.0.0.1 with what Pebble
 * lacks: ARI (RFC 9773 renewalInfo) and certificate profiles (meta.profiles,
 * newOrder "profile"), and a CA that misbehaves on request. A test double:
 * it never checks a JWS signature, and never validates a challenge, so
 * every order ends invalid (except in the issue* modes, where answering a
 * challenge is enough and finalize issues a certificate).
 *
 *   ariserver PORTFILE [MODE]
 *
 * Binds an ephemeral loopback port, writes the PEM of the CA that signed its
 * HTTPS certificate (for 127.0.0.1 and localhost) to PORTFILE.ca, then its
 * port number to PORTFILE (both atomically) and serves until SIGTERM or
 * SIGINT. Every request is
 * appended to PORTFILE.log as one line "METHOD PATH PAYLOAD": PAYLOAD is
 * the decoded JWS payload of a POST re-serialised as one-line JSON, or "-"
 * when there is none (GET, HEAD, POST-as-GET). A POST the server refuses
 * for a protocol reason (nonce, url, kid/jwk, content type, malformed JWS)
 * adds a line "! PATH REASON", so a test can assert there was none.
 *
 * MODE:
 *   (none)    renewalInfo and meta.profiles advertised
 *   plain     neither; a "profile" or "replaces" in newOrder is refused
 *   badtoken  challenge tokens are "../../etc/passwd;$(touch /tmp/pwned)"
 *   badident  authorizations name "$(touch /tmp/pwned).example.test"
 *   slow      the order, once answered, stays pending with Retry-After: 120
 *   issue     challenges turn valid when answered; finalize issues a good
 *             certificate for the order's identifiers, signed by an
 *             intermediate (leaf, intermediate), at POST /cert/N
 *   issue-othername  ... for other.example.test instead
 *   issue-extraname  ... with extra.example.test added
 *   issue-expired    ... that expired an hour ago
 *   issue-notyet     ... that becomes valid in a day
 *   issue-badchain   ... followed by a CA certificate that did not sign it
 *   issue-wrongkey   ... for another key than the CSR's
 *   issue-caleaf     ... whose intermediate is not a CA (basicConstraints)
 *   issue-upper      ... a good one with its DNS names in upper case
 *   otherauthz  the authorization is for other.example.test (not asked)
 *   manyauthz   an order lists three authorizations for each identifier
 *   offorigin   order Locations point at https://localhost:PORT (another origin)
 *   redirect    newOrder answers 302 (with the order and its Location)
 *   emptyari    the directory's renewalInfo is ""
 *   wait-year   the order, once answered, says Retry-After: 31536000
 *   wait-zero   the order, once answered, stays pending with Retry-After: 0 for
 *               two seconds, then turns invalid
 *   ari-late    the ARI window is a year from now
 *   wait-minute the order, once answered, stays pending with Retry-After: 50
 *   ratelimit-week, ratelimit-year
 *               newOrder is refused with 429 rateLimited and Retry-After of a
 *               week or a year
 *
 * Resources, N counting orders from 1:
 *   GET  /dir                  directory
 *   HEAD /nonce, GET /nonce    200 / 204 (every answer has a Replay-Nonce)
 *   POST /acct                 newAccount: 201, Location /acct/1
 *   POST /acct/1               the account (or an update of it)
 *   POST /order                newOrder: 201, Location /order/N
 *   POST /order/N              the order (invalid once a challenge was answered)
 *   POST /authz/N              pending, then invalid with the challenge's error
 *   POST /chall/N              http-01: answers "processing"
 *   POST /chall/N/dns          dns-01: likewise
 *   POST /finalize/N           403 orderNotReady (issue*: the order, valid)
 *   POST /cert/N               issue*: the chain (application/pem-certificate-chain)
 *   POST /revoke, /key-change  200
 *   GET  /mode/MODE            switches to MODE (a test's lever; not ACME)
 *   GET  /renewalInfo/ID       window now+1d .. now+2d, Retry-After 21600;
 *                              400 malformed for an ID that is not B64.B64
 */
#include "config.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64url.h"
#include "tlsfixture.h"

#define BODY_MAX (256u * 1024)
#define MAX_ORDERS 64
#define MAX_NONCES 65536
#define GOOD_TOKEN "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
#define BAD_TOKEN "../../etc/passwd;$(touch /tmp/pwned)"
#define BAD_IDENT "$(touch /tmp/pwned).example.test"
#define ERR_PREFIX "urn:ietf:params:acme:error:"

enum mode {
	MODE_ARI, MODE_PLAIN, MODE_BADTOKEN, MODE_BADIDENT, MODE_SLOW,
	MODE_ISSUE, MODE_ISSUE_OTHERNAME, MODE_ISSUE_EXTRANAME, MODE_ISSUE_EXPIRED,
	MODE_ISSUE_NOTYET, MODE_ISSUE_BADCHAIN, MODE_ISSUE_WRONGKEY, MODE_ISSUE_CALEAF,
	MODE_OTHERAUTHZ, MODE_MANYAUTHZ, MODE_OFFORIGIN, MODE_REDIRECT, MODE_EMPTYARI,
	MODE_WAIT_YEAR, MODE_WAIT_ZERO, MODE_ARI_LATE, MODE_ISSUE_UPPER, MODE_WAIT_MINUTE,
	MODE_RATELIMIT_WEEK, MODE_RATELIMIT_YEAR,
	MODE_COUNT
};

static const char *const mode_names[MODE_COUNT] = {
	"", "plain", "badtoken", "badident", "slow",
	"issue", "issue-othername", "issue-extraname", "issue-expired",
	"issue-notyet", "issue-badchain", "issue-wrongkey", "issue-caleaf",
	"otherauthz", "manyauthz", "offorigin", "redirect", "emptyari",
	"wait-year", "wait-zero", "ari-late", "issue-upper", "wait-minute",
	"ratelimit-week", "ratelimit-year",
};

#define ISSUING(m) (((m) >= MODE_ISSUE && (m) <= MODE_ISSUE_CALEAF) || (m) == MODE_ISSUE_UPPER)
/* Modes where an answered order stays pending (the client is told to wait). */
#define WAITING(m) ((m) == MODE_SLOW || (m) == MODE_WAIT_YEAR || (m) == MODE_WAIT_ZERO || \
	(m) == MODE_WAIT_MINUTE)

struct order {
	cJSON *identifiers;	/* as the client sent them */
	char *profile, *replaces;
	time_t expires;
	const char *answered;	/* challenge type answered, or NULL */
	time_t answered_at;
	char *chain;		/* issue*: the PEM chain once finalized, or NULL */
};

static struct {
	pthread_mutex_t lock;
	enum mode mode;
	char base[64];		/* "https://127.0.0.1:PORT" */
	char other[64];		/* "https://localhost:PORT": another origin, same server */
	EVP_PKEY *ca_key, *int_key, *stray_key;	/* issue*: the issuing hierarchy */
	X509 *ca, *intermediate, *stray;
	FILE *log;
	char salt[9];		/* nonce prefix for this run */
	unsigned long next_nonce;
	unsigned char used[MAX_NONCES / 8];
	int account_exists, account_deactivated;
	cJSON *contacts;
	struct order orders[MAX_ORDERS + 1];
	int n_orders;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct req {
	char *buf;
	size_t len;
	int too_big;
};

/* ---- output ---- */

/* Appends one log line; payload may hold anything, it is made one line. */
static void
log_line(const char *a, const char *b, const char *c)
{
	const char *p;

	pthread_mutex_lock(&srv.lock);
	fprintf(srv.log, "%s %s ", a, b);
	for (p = c; *p != '\0'; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, srv.log);
	fputc('\n', srv.log);
	fflush(srv.log);
	pthread_mutex_unlock(&srv.lock);
}

static void
rfc3339(time_t t, char *buf, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Headers given as name, value pairs ending in NULL. body is consumed. */
static enum MHD_Result
respond(struct MHD_Connection *c, unsigned int status, const char *ctype, char *body,
    const char *const *extra)
{
	static char empty[1];
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char nonce[64], index[96];
	size_t i;

	pthread_mutex_lock(&srv.lock);
	snprintf(nonce, sizeof(nonce), "%s-%lx", srv.salt, srv.next_nonce++);
	pthread_mutex_unlock(&srv.lock);
	snprintf(index, sizeof(index), "<%s/dir>;rel=\"index\"", srv.base);
	resp = MHD_create_response_from_buffer(body != NULL ? strlen(body) : 0,
	    body != NULL ? body : empty, body != NULL ? MHD_RESPMEM_MUST_FREE :
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	if (ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Replay-Nonce", nonce);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Link", index);
	for (i = 0; extra != NULL && extra[i] != NULL; i += 2)
		MHD_add_response_header(resp, extra[i], extra[i + 1]);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answers a cJSON object (consumed). */
static enum MHD_Result
respond_json(struct MHD_Connection *c, unsigned int status, cJSON *o,
    const char *const *extra)
{
	char *text = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	if (text == NULL)
		return MHD_NO;
	return respond(c, status, "application/json", text, extra);
}

static enum MHD_Result
problem(struct MHD_Connection *c, unsigned int status, const char *type,
    const char *detail)
{
	cJSON *o = cJSON_CreateObject();
	char t[128], *text;

	snprintf(t, sizeof(t), ERR_PREFIX "%s", type);
	cJSON_AddStringToObject(o, "type", t);
	cJSON_AddStringToObject(o, "detail", detail);
	cJSON_AddNumberToObject(o, "status", status);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		return MHD_NO;
	return respond(c, status, "application/problem+json", text, NULL);
}

/* A problem with a Retry-After header of seconds. */
static enum MHD_Result
problem_after(struct MHD_Connection *c, unsigned int status, const char *type,
    const char *detail, long seconds)
{
	cJSON *o = cJSON_CreateObject();
	char t[128], after[32], *text;
	const char *extra[] = { "Retry-After", after, NULL };

	snprintf(t, sizeof(t), ERR_PREFIX "%s", type);
	snprintf(after, sizeof(after), "%ld", seconds);
	cJSON_AddStringToObject(o, "type", t);
	cJSON_AddStringToObject(o, "detail", detail);
	cJSON_AddNumberToObject(o, "status", status);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		return MHD_NO;
	return respond(c, status, "application/problem+json", text, extra);
}

/* Logs why a POST was refused, then refuses it. */
static enum MHD_Result
refuse(struct MHD_Connection *c, const char *path, unsigned int status, const char *type,
    const char *detail)
{
	log_line("!", path, detail);
	return problem(c, status, type, detail);
}

/* ---- resources ---- */

/* base + prefix [+ n] [+ suffix], n < 0 meaning none. Returns a string to free(), or NULL. */
static char *
url_of(const char *prefix, int n, const char *suffix)
{
	char num[16] = "", *u;
	size_t len;

	if (n >= 0)
		snprintf(num, sizeof(num), "%d", n);
	len = strlen(srv.base) + strlen(prefix) + strlen(num) + strlen(suffix) + 1;
	if ((u = malloc(len)) != NULL)
		snprintf(u, len, "%s%s%s%s", srv.base, prefix, num, suffix);
	return u;
}

static void
add_url(cJSON *o, const char *key, const char *prefix, int n, const char *suffix)
{
	char *u = url_of(prefix, n, suffix);

	if (u != NULL)
		cJSON_AddStringToObject(o, key, u);
	free(u);
}

static enum MHD_Result
directory(struct MHD_Connection *c)
{
	cJSON *d = cJSON_CreateObject(), *meta, *profiles;

	add_url(d, "newNonce", "/nonce", -1, "");
	add_url(d, "newAccount", "/acct", -1, "");
	add_url(d, "newOrder", "/order", -1, "");
	add_url(d, "revokeCert", "/revoke", -1, "");
	add_url(d, "keyChange", "/key-change", -1, "");
	if (srv.mode == MODE_EMPTYARI)
		cJSON_AddStringToObject(d, "renewalInfo", "");
	else if (srv.mode != MODE_PLAIN)
		add_url(d, "renewalInfo", "/renewalInfo", -1, "");
	meta = cJSON_AddObjectToObject(d, "meta");
	add_url(meta, "termsOfService", "/terms", -1, "");
	if (srv.mode != MODE_PLAIN) {
		profiles = cJSON_AddObjectToObject(meta, "profiles");
		cJSON_AddStringToObject(profiles, "classic",
		    "The same profile you've always known and loved");
		cJSON_AddStringToObject(profiles, "shortlived", "6-day certificates");
	}
	return respond_json(c, MHD_HTTP_OK, d, NULL);
}

/* "B64.B64", both parts non-empty base64url. */
static int
cert_id_ok(const char *id)
{
	const char *dot = strchr(id, '.');
	char *aki;
	int ok;

	if (dot == NULL || dot == id || strchr(dot + 1, '.') != NULL)
		return 0;
	if ((aki = strndup(id, (size_t)(dot - id))) == NULL)
		return 0;
	ok = base64url_is_token(aki, 512) && base64url_is_token(dot + 1, 512);
	free(aki);
	return ok;
}

static enum MHD_Result
renewal_info(struct MHD_Connection *c, const char *id)
{
	static const char *const h[] = { "Retry-After", "21600", NULL };
	cJSON *o, *w;
	char start[32], end[32];
	time_t now = time(NULL);

	if (!cert_id_ok(id))
		return problem(c, MHD_HTTP_BAD_REQUEST, "malformed",
		    "the certificate ID is not base64url(AKI) \".\" base64url(serial)");
	if (srv.mode == MODE_ARI_LATE)
		now += 365L * 86400;
	rfc3339(now + 86400, start, sizeof(start));
	rfc3339(now + 2 * 86400, end, sizeof(end));
	o = cJSON_CreateObject();
	w = cJSON_AddObjectToObject(o, "suggestedWindow");
	cJSON_AddStringToObject(w, "start", start);
	cJSON_AddStringToObject(w, "end", end);
	cJSON_AddStringToObject(o, "explanationURL", "http://127.0.0.1/why");
	return respond_json(c, MHD_HTTP_OK, o, h);
}

static cJSON *
account_json(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "status", srv.account_deactivated ? "deactivated" : "valid");
	cJSON_AddItemToObject(o, "contact", srv.contacts != NULL ?
	    cJSON_Duplicate(srv.contacts, 1) : cJSON_CreateArray());
	add_url(o, "orders", "/acct/1/orders", -1, "");
	return o;
}

static cJSON *
problem_json(const char *type, const char *detail)
{
	cJSON *p = cJSON_CreateObject();
	char t[128];

	snprintf(t, sizeof(t), ERR_PREFIX "%s", type);
	cJSON_AddStringToObject(p, "type", t);
	cJSON_AddStringToObject(p, "detail", detail);
	return p;
}

/* What an order is: pending until answered; then invalid, or on in issue* modes. */
static const char *
order_status(const struct order *od)
{
	/* wait-zero: "come back now" for two seconds, then the order fails. */
	if (srv.mode == MODE_WAIT_ZERO && od->answered != NULL &&
	    time(NULL) - od->answered_at >= 2)
		return "invalid";
	if (od->answered == NULL || WAITING(srv.mode))
		return "pending";
	if (!ISSUING(srv.mode))
		return "invalid";
	return od->chain != NULL ? "valid" : "ready";
}

/* What the answered challenge is: as its order goes. */
static const char *
answered_status(const struct order *od)
{
	const char *st = order_status(od);

	if (strcmp(st, "pending") == 0)
		return "processing";
	return strcmp(st, "invalid") == 0 ? "invalid" : "valid";
}

static cJSON *
order_json(int n)
{
	const struct order *od = &srv.orders[n];
	cJSON *o = cJSON_CreateObject(), *a;
	char exp[32];
	int i;

	cJSON_AddStringToObject(o, "status", order_status(od));
	rfc3339(od->expires, exp, sizeof(exp));
	cJSON_AddStringToObject(o, "expires", exp);
	cJSON_AddItemToObject(o, "identifiers", cJSON_Duplicate(od->identifiers, 1));
	a = cJSON_AddArrayToObject(o, "authorizations");
	for (i = 0; i < (srv.mode == MODE_MANYAUTHZ ?
	    3 * cJSON_GetArraySize(od->identifiers) : 1); i++) {
		char *u = url_of("/authz/", n, "");

		cJSON_AddItemToArray(a, cJSON_CreateString(u != NULL ? u : ""));
		free(u);
	}
	add_url(o, "finalize", "/finalize/", n, "");
	if (od->chain != NULL)
		add_url(o, "certificate", "/cert/", n, "");
	if (od->profile != NULL)
		cJSON_AddStringToObject(o, "profile", od->profile);
	if (od->replaces != NULL)
		cJSON_AddStringToObject(o, "replaces", od->replaces);
	if (strcmp(order_status(od), "invalid") == 0)
		cJSON_AddItemToObject(o, "error", problem_json("unauthorized",
		    "test server never validates"));
	return o;
}

static cJSON *
challenge_json(int n, const char *type, const char *status)
{
	cJSON *ch = cJSON_CreateObject();

	cJSON_AddStringToObject(ch, "type", type);
	add_url(ch, "url", "/chall/", n, strcmp(type, "dns-01") == 0 ? "/dns" : "");
	cJSON_AddStringToObject(ch, "status", status);
	cJSON_AddStringToObject(ch, "token", srv.mode == MODE_BADTOKEN ? BAD_TOKEN : GOOD_TOKEN);
	if (strcmp(status, "invalid") == 0)
		cJSON_AddItemToObject(ch, "error", problem_json("unauthorized",
		    "test server never validates"));
	return ch;
}

static cJSON *
authz_json(int n)
{
	const struct order *od = &srv.orders[n];
	const cJSON *first = cJSON_GetArrayItem(od->identifiers, 0);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(first, "type");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(first, "value");
	const char *v = cJSON_IsString(value) ? value->valuestring : "";
	cJSON *o = cJSON_CreateObject(), *id, *chs;
	int wildcard = strncmp(v, "*.", 2) == 0;
	const char *types[] = { "http-01", "dns-01" };
	char exp[32];
	size_t i;

	cJSON_AddStringToObject(o, "status", od->answered == NULL ? "pending" :
	    strcmp(answered_status(od), "processing") == 0 ? "pending" : answered_status(od));
	rfc3339(od->expires, exp, sizeof(exp));
	cJSON_AddStringToObject(o, "expires", exp);
	id = cJSON_AddObjectToObject(o, "identifier");
	cJSON_AddStringToObject(id, "type", cJSON_IsString(type) ? type->valuestring : "dns");
	cJSON_AddStringToObject(id, "value", srv.mode == MODE_BADIDENT ? BAD_IDENT :
	    srv.mode == MODE_OTHERAUTHZ ? "other.example.test" : wildcard ? v + 2 : v);
	if (wildcard)
		cJSON_AddBoolToObject(o, "wildcard", 1);
	chs = cJSON_AddArrayToObject(o, "challenges");
	for (i = wildcard ? 1 : 0; i < 2; i++) {
		const char *st = "pending";

		if (od->answered != NULL)
			st = strcmp(od->answered, types[i]) != 0 ? "pending" :
			    answered_status(od);
		cJSON_AddItemToArray(chs, challenge_json(n, types[i], st));
	}
	return o;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum MHD_Result
new_order(struct MHD_Connection *c, const char *path, cJSON *payload)
{
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(payload, "identifiers"), *it;
	const char *profile = jstr(payload, "profile"), *replaces = jstr(payload, "replaces");
	const char *h[] = { "Location", NULL, NULL };
	struct order *od;
	enum MHD_Result ret;
	cJSON *o;
	char *loc;
	int n;

	if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) == 0)
		return refuse(c, path, 400, "malformed", "newOrder without identifiers");
	cJSON_ArrayForEach(it, ids) {
		if (jstr(it, "type") == NULL || jstr(it, "value") == NULL)
			return refuse(c, path, 400, "malformed", "an identifier is malformed");
	}
	if (srv.mode == MODE_PLAIN && (cJSON_HasObjectItem(payload, "profile") ||
	    cJSON_HasObjectItem(payload, "replaces")))
		return refuse(c, path, 400, "malformed",
		    "this server advertises neither profiles nor renewalInfo");
	if (profile != NULL && strcmp(profile, "classic") != 0 &&
	    strcmp(profile, "shortlived") != 0)
		return problem(c, 400, "invalidProfile", "no such profile");
	if (replaces != NULL && !cert_id_ok(replaces))
		return problem(c, 400, "malformed", "replaces is not a certificate ID");
	/* A rate limit for a week (within reason) or a year (beyond it). */
	if (srv.mode == MODE_RATELIMIT_WEEK || srv.mode == MODE_RATELIMIT_YEAR)
		return problem_after(c, 429, "rateLimited", "too many certificates for these names",
		    srv.mode == MODE_RATELIMIT_WEEK ? 7L * 86400 : 365L * 86400);
	pthread_mutex_lock(&srv.lock);
	if (srv.n_orders == MAX_ORDERS) {
		pthread_mutex_unlock(&srv.lock);
		return problem(c, 429, "rateLimited", "too many orders for a test server");
	}
	n = ++srv.n_orders;
	od = &srv.orders[n];
	od->identifiers = cJSON_Duplicate(ids, 1);
	od->profile = profile != NULL ? strdup(profile) : NULL;
	od->replaces = replaces != NULL ? strdup(replaces) : NULL;
	od->expires = time(NULL) + 7 * 86400;
	od->answered = NULL;
	o = order_json(n);
	pthread_mutex_unlock(&srv.lock);
	if ((loc = url_of("/order/", n, "")) == NULL) {
		cJSON_Delete(o);
		return MHD_NO;
	}
	if (srv.mode == MODE_OFFORIGIN) {
		/* The same server under another name: another origin all the same. */
		size_t len = strlen(srv.other) + strlen(loc);
		char *moved = malloc(len + 1);

		if (moved != NULL)
			snprintf(moved, len + 1, "%s%s", srv.other, loc + strlen(srv.base));
		free(loc);
		if ((loc = moved) == NULL) {
			cJSON_Delete(o);
			return MHD_NO;
		}
	}
	h[1] = loc;
	ret = respond_json(c, srv.mode == MODE_REDIRECT ? MHD_HTTP_FOUND : MHD_HTTP_CREATED,
	    o, h);
	free(loc);
	return ret;
}

/* Parses "/prefix/N" (and an optional "/dns" when dns is non-NULL). Returns N or 0. */
static int
order_number(const char *path, const char *prefix, int *dns)
{
	size_t pl = strlen(prefix);
	char *end;
	long n;

	if (strncmp(path, prefix, pl) != 0 || !isdigit((unsigned char)path[pl]))
		return 0;
	n = strtol(path + pl, &end, 10);
	if (dns != NULL && strcmp(end, "/dns") == 0)
		*dns = 1;
	else if (*end != '\0')
		return 0;
	return n >= 1 && n <= srv.n_orders ? (int)n : 0;
}

/*
 * Issues the order's certificate for the CSR (base64url DER) as the mode
 * says. Returns the PEM chain (free()), or NULL.
 */
static char *
issue(const struct order *od, const char *csr_b64)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len, n = 0;
	X509_REQ *req = NULL;
	EVP_PKEY *pub = NULL, *other = NULL;
	X509 *leaf = NULL, *caleaf = NULL, *parent;
	char sans[2048] = "", *lp = NULL, *pp = NULL, *chain = NULL;
	const cJSON *it;
	long nb = -60, na = 7 * 86400;

	if (csr_b64 == NULL || base64url_decode(csr_b64, &der, &len) != 0)
		return NULL;
	p = der;
	if ((req = d2i_X509_REQ(NULL, &p, (long)len)) == NULL ||
	    (pub = X509_REQ_get_pubkey(req)) == NULL)
		goto out;
	cJSON_ArrayForEach(it, od->identifiers) {
		const char *t = jstr(it, "type"), *v = jstr(it, "value");

		if (t == NULL || v == NULL)
			goto out;
		if (srv.mode == MODE_ISSUE_OTHERNAME)
			v = "other.example.test";
		n += (size_t)snprintf(sans + n, sizeof(sans) - n, "%s%s:", n > 0 ? "," : "",
		    strcmp(t, "ip") == 0 ? "IP" : "DNS");
		for (; *v != '\0' && n + 1 < sizeof(sans); v++)
			sans[n++] = srv.mode == MODE_ISSUE_UPPER ? (char)toupper((unsigned char)*v) : *v;
		sans[n] = '\0';
		if (n >= sizeof(sans))
			goto out;
	}
	if (srv.mode == MODE_ISSUE_EXTRANAME)
		snprintf(sans + n, sizeof(sans) - n, ",DNS:extra.example.test");
	if (srv.mode == MODE_ISSUE_EXPIRED)
		nb = -7 * 86400, na = -3600;
	else if (srv.mode == MODE_ISSUE_NOTYET)
		nb = 86400, na = 8 * 86400;
	if (srv.mode == MODE_ISSUE_WRONGKEY && (other = tlsfix_key()) == NULL)
		goto out;
	parent = srv.intermediate;
	if (srv.mode == MODE_ISSUE_CALEAF) {
		/* Signed by a certificate that is no CA, which the intermediate signed. */
		if ((caleaf = tlsfix_cert("not a CA", srv.stray_key, srv.intermediate,
		    srv.int_key, -3600, 30 * 86400, 0, NULL)) == NULL)
			goto out;
		parent = caleaf;
	}
	leaf = tlsfix_cert("ariserver leaf", other != NULL ? other : pub, parent,
	    parent == caleaf ? srv.stray_key : srv.int_key, nb, na, 0, sans);
	if (leaf == NULL || (lp = tlsfix_cert_pem(leaf)) == NULL ||
	    (pp = tlsfix_cert_pem(srv.mode == MODE_ISSUE_BADCHAIN ? srv.stray : parent)) == NULL)
		goto out;
	len = strlen(lp) + strlen(pp) + 1;
	if ((chain = malloc(len)) != NULL)
		snprintf(chain, len, "%s%s", lp, pp);
out:
	free(der);
	free(lp);
	free(pp);
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(other);
	X509_free(leaf);
	X509_free(caleaf);
	return chain;
}

static enum MHD_Result
route_post(struct MHD_Connection *c, const char *path, cJSON *payload, int post_as_get)
{
	const char *h[] = { "Location", NULL, NULL };
	char *acct = url_of("/acct/1", -1, "");
	enum MHD_Result ret;
	cJSON *o = NULL;
	int n, dns = 0;

	if (acct == NULL)
		return MHD_NO;
	h[1] = acct;
	pthread_mutex_lock(&srv.lock);
	if (strcmp(path, "/acct") == 0) {
		unsigned int status = MHD_HTTP_CREATED;

		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(payload, "onlyReturnExisting"))) {
			if (!srv.account_exists) {
				pthread_mutex_unlock(&srv.lock);
				free(acct);
				return problem(c, 400, "accountDoesNotExist", "no account yet");
			}
			status = MHD_HTTP_OK;
		} else {
			const cJSON *contact = cJSON_GetObjectItemCaseSensitive(payload, "contact");

			cJSON_Delete(srv.contacts);
			srv.contacts = cJSON_IsArray(contact) ? cJSON_Duplicate(contact, 1) : NULL;
			srv.account_exists = 1;
			srv.account_deactivated = 0;
		}
		o = account_json();
		pthread_mutex_unlock(&srv.lock);
		ret = respond_json(c, status, o, h);
		free(acct);
		return ret;
	}
	free(acct);
	if (strcmp(path, "/acct/1") == 0) {
		const cJSON *contact = cJSON_GetObjectItemCaseSensitive(payload, "contact");
		const char *status = jstr(payload, "status");

		if (!post_as_get && cJSON_IsArray(contact)) {
			cJSON_Delete(srv.contacts);
			srv.contacts = cJSON_Duplicate(contact, 1);
		}
		if (status != NULL && strcmp(status, "deactivated") == 0)
			srv.account_deactivated = 1;
		o = account_json();
	} else if ((n = order_number(path, "/order/", NULL)) > 0) {
		o = order_json(n);
		/* slow: a CA that asks to come back in two minutes (or a year, or 0 s). */
		if (WAITING(srv.mode) && srv.orders[n].answered != NULL) {
			static const char *const slow[] = { "Retry-After", "120", NULL };
			static const char *const year[] = { "Retry-After", "31536000", NULL };
			static const char *const zero[] = { "Retry-After", "0", NULL };
			static const char *const minute[] = { "Retry-After", "50", NULL };

			pthread_mutex_unlock(&srv.lock);
			return respond_json(c, MHD_HTTP_OK, o, srv.mode == MODE_SLOW ? slow :
			    srv.mode == MODE_WAIT_YEAR ? year : srv.mode == MODE_WAIT_MINUTE ?
			    minute : zero);
		}
	} else if ((n = order_number(path, "/authz/", NULL)) > 0) {
		o = authz_json(n);
	} else if ((n = order_number(path, "/chall/", &dns)) > 0) {
		srv.orders[n].answered = dns ? "dns-01" : "http-01";
		srv.orders[n].answered_at = time(NULL);
		o = challenge_json(n, srv.orders[n].answered, answered_status(&srv.orders[n]));
	} else if ((n = order_number(path, "/finalize/", NULL)) > 0 && ISSUING(srv.mode) &&
	    srv.orders[n].answered != NULL) {
		if (srv.orders[n].chain == NULL &&
		    (srv.orders[n].chain = issue(&srv.orders[n], jstr(payload, "csr"))) == NULL) {
			pthread_mutex_unlock(&srv.lock);
			return refuse(c, path, 400, "badCSR", "cannot issue for this CSR");
		}
		o = order_json(n);
	} else if ((n = order_number(path, "/cert/", NULL)) > 0 && srv.orders[n].chain != NULL) {
		char *pem = strdup(srv.orders[n].chain);

		pthread_mutex_unlock(&srv.lock);
		if (pem == NULL)
			return MHD_NO;
		return respond(c, MHD_HTTP_OK, "application/pem-certificate-chain", pem, NULL);
	} else if (order_number(path, "/finalize/", NULL) > 0) {
		pthread_mutex_unlock(&srv.lock);
		return problem(c, 403, "orderNotReady", "the order is not ready");
	} else if (strcmp(path, "/revoke") == 0 || strcmp(path, "/key-change") == 0) {
		pthread_mutex_unlock(&srv.lock);
		return respond(c, MHD_HTTP_OK, NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&srv.lock);
	if (o == NULL)
		return problem(c, MHD_HTTP_NOT_FOUND, "malformed", "no such resource");
	return respond_json(c, MHD_HTTP_OK, o, NULL);
}

/* 1 when nonce was issued by this run and not used before (then marks it used). */
static int
nonce_fresh(const char *nonce)
{
	size_t sl = strlen(srv.salt);
	unsigned long v;
	char *end;
	int ok = 0;

	if (nonce == NULL || strncmp(nonce, srv.salt, sl) != 0 || nonce[sl] != '-' ||
	    !isxdigit((unsigned char)nonce[sl + 1]))
		return 0;
	errno = 0;
	v = strtoul(nonce + sl + 1, &end, 16);
	if (errno != 0 || *end != '\0')
		return 0;
	pthread_mutex_lock(&srv.lock);
	if (v < srv.next_nonce && v < MAX_NONCES && !(srv.used[v / 8] & (1u << (v % 8)))) {
		srv.used[v / 8] |= (unsigned char)(1u << (v % 8));
		ok = 1;
	}
	pthread_mutex_unlock(&srv.lock);
	return ok;
}

/* Decodes a base64url member into a NUL-terminated string (free()), or NULL. */
static char *
decode_member(const cJSON *jws, const char *key)
{
	const char *s = jstr(jws, key);
	unsigned char *raw;
	size_t len;
	char *out;

	if (s == NULL)
		return NULL;
	if (s[0] == '\0')
		return strdup("");
	if (base64url_decode(s, &raw, &len) != 0)
		return NULL;
	if ((out = malloc(len + 1)) != NULL) {
		memcpy(out, raw, len);
		out[len] = '\0';
	}
	free(raw);
	return out;
}

static enum MHD_Result
handle_post(struct MHD_Connection *c, const char *path, const struct req *r)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	cJSON *jws = NULL, *prot = NULL, *payload = NULL;
	char *prot_text = NULL, *payload_text = NULL, *line = NULL, want_url[256];
	char other_url[256];
	const char *kid, *why = NULL;
	enum MHD_Result ret;
	int post_as_get;

	if (r->len > 0 && !r->too_big)
		jws = cJSON_ParseWithLength(r->buf, r->len);
	if (cJSON_IsObject(jws) && jstr(jws, "signature") != NULL) {
		prot_text = decode_member(jws, "protected");
		payload_text = decode_member(jws, "payload");
	}
	if (prot_text == NULL || payload_text == NULL || (prot = cJSON_Parse(prot_text)) == NULL) {
		log_line("POST", path, "!malformed-jws");
		ret = refuse(c, path, 400, "malformed", "the body is not a flattened JWS");
		goto out;
	}
	post_as_get = payload_text[0] == '\0';
	if (!post_as_get && (payload = cJSON_Parse(payload_text)) != NULL)
		line = cJSON_PrintUnformatted(payload);
	log_line("POST", path, post_as_get ? "-" : line != NULL ? line : payload_text);
	if (!post_as_get && !cJSON_IsObject(payload)) {
		ret = refuse(c, path, 400, "malformed", "the payload is not a JSON object");
		goto out;
	}
	snprintf(want_url, sizeof(want_url), "%s%s", srv.base, path);
	/* offorigin: the same server under its other name is the same resource. */
	snprintf(other_url, sizeof(other_url), "%s%s", srv.other, path);
	kid = jstr(prot, "kid");
	if (ct == NULL || strcmp(ct, "application/jose+json") != 0)
		why = "content type is not application/jose+json";
	else if (jstr(prot, "alg") == NULL)
		why = "no alg in the protected header";
	else if (jstr(prot, "url") == NULL || (strcmp(jstr(prot, "url"), want_url) != 0 &&
	    strcmp(jstr(prot, "url"), other_url) != 0))
		why = "the protected url is not the request URL";
	else if ((kid != NULL) == cJSON_HasObjectItem(prot, "jwk"))
		why = "need exactly one of kid and jwk";
	else if (strcmp(path, "/acct") == 0 && kid != NULL)
		why = "newAccount must be signed with a jwk";
	else if (strcmp(path, "/acct") != 0 && strcmp(path, "/revoke") != 0 && kid == NULL)
		why = "this request must be signed with the account's kid";
	if (why != NULL) {
		ret = refuse(c, path, 401, "unauthorized", why);
		goto out;
	}
	if (kid != NULL) {
		char *acct = url_of("/acct/1", -1, "");
		int mine = acct != NULL && strcmp(kid, acct) == 0 && srv.account_exists;

		free(acct);
		if (!mine) {
			ret = refuse(c, path, 400, "accountDoesNotExist", "unknown kid");
			goto out;
		}
	}
	if (!nonce_fresh(jstr(prot, "nonce"))) {
		ret = refuse(c, path, 400, "badNonce", "unknown or reused nonce");
		goto out;
	}
	if (strcmp(path, "/order") == 0)
		ret = new_order(c, path, payload);
	else
		ret = route_post(c, path, payload, post_as_get);
out:
	cJSON_Delete(jws);
	cJSON_Delete(prot);
	cJSON_Delete(payload);
	free(prot_text);
	free(payload_text);
	free(line);
	return ret;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		char *p;

		if (r->len + *upload_data_size > BODY_MAX) {
			r->too_big = 1;
		} else if ((p = realloc(r->buf, r->len + *upload_data_size + 1)) != NULL) {
			memcpy(p + r->len, upload_data, *upload_data_size);
			r->buf = p;
			r->len += *upload_data_size;
			r->buf[r->len] = '\0';
		} else {
			return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") == 0)
		return handle_post(c, url, r);
	log_line(method, url, "-");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return problem(c, MHD_HTTP_METHOD_NOT_ALLOWED, "malformed", "method not allowed");
	if (strcmp(url, "/nonce") == 0)
		return respond(c, strcmp(method, "HEAD") == 0 ? MHD_HTTP_OK : MHD_HTTP_NO_CONTENT,
		    NULL, NULL, NULL);
	if (strcmp(url, "/dir") == 0)
		return directory(c);
	if (strncmp(url, "/mode/", 6) == 0) {
		int m;

		for (m = 0; m < MODE_COUNT && strcmp(url + 6, mode_names[m]) != 0; m++)
			;
		if (m == MODE_COUNT || m == 0)
			return problem(c, MHD_HTTP_NOT_FOUND, "malformed", "no such mode");
		pthread_mutex_lock(&srv.lock);
		srv.mode = (enum mode)m;
		pthread_mutex_unlock(&srv.lock);
		return respond(c, MHD_HTTP_OK, "text/plain", strdup("ok\n"), NULL);
	}
	if (srv.mode != MODE_PLAIN && strncmp(url, "/renewalInfo/", 13) == 0)
		return renewal_info(c, url + 13);
	return problem(c, MHD_HTTP_NOT_FOUND, "malformed", "no such resource");
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

static int
write_portfile(const char *path, unsigned port)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct MHD_Daemon *d;
	char logpath[4096], *tls_cert = NULL, *tls_key = NULL, *tls_ca = NULL;
	sigset_t set;
	int fd, sig = 0, one = 1, i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: ariserver PORTFILE [MODE]\n");
		return 2;
	}
	srv.mode = MODE_ARI;
	if (argc == 3) {
		for (i = 1; i < MODE_COUNT && strcmp(argv[2], mode_names[i]) != 0; i++)
			;
		if (i == MODE_COUNT) {
			fprintf(stderr, "ariserver: unknown mode '%s'\n", argv[2]);
			return 2;
		}
		srv.mode = (enum mode)i;
	}
	if (tlsfix_server(&tls_cert, &tls_key, &tls_ca) != 0) {
		fprintf(stderr, "ariserver: cannot make its TLS certificate\n");
		return 1;
	}
	/* The issuing hierarchy: a root, the intermediate that signs, and a stray CA. */
	if ((srv.ca_key = tlsfix_key()) == NULL || (srv.int_key = tlsfix_key()) == NULL ||
	    (srv.stray_key = tlsfix_key()) == NULL ||
	    (srv.ca = tlsfix_cert("ariserver root", srv.ca_key, NULL, NULL, -3600, 90 * 86400,
	    1, NULL)) == NULL ||
	    (srv.intermediate = tlsfix_cert("ariserver intermediate", srv.int_key, srv.ca,
	    srv.ca_key, -3600, 60 * 86400, 1, NULL)) == NULL ||
	    (srv.stray = tlsfix_cert("ariserver intermediate", srv.stray_key, NULL, NULL,
	    -3600, 60 * 86400, 1, NULL)) == NULL) {
		fprintf(stderr, "ariserver: cannot make its issuing CA\n");
		return 1;
	}
	if ((size_t)snprintf(logpath, sizeof(logpath), "%s.log", argv[1]) >= sizeof(logpath) ||
	    (srv.log = fopen(logpath, "a")) == NULL) {
		fprintf(stderr, "ariserver: %s.log: %s\n", argv[1], strerror(errno));
		return 1;
	}
	snprintf(srv.salt, sizeof(srv.salt), "%08lx",
	    ((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 12)) & 0xffffffffUL);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		perror("ariserver: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) != 0) {
		perror("ariserver: bind");
		return 1;
	}
	snprintf(srv.base, sizeof(srv.base), "https://127.0.0.1:%u", ntohs(sin.sin_port));
	snprintf(srv.other, sizeof(srv.other), "https://localhost:%u", ntohs(sin.sin_port));
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_ERROR_LOG | MHD_USE_TLS, 0, NULL, NULL, handler, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_HTTPS_MEM_KEY, tls_key,
	    MHD_OPTION_HTTPS_MEM_CERT, tls_cert,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, 10u,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "ariserver: cannot start the HTTP daemon\n");
		return 1;
	}
	if ((size_t)snprintf(logpath, sizeof(logpath), "%s.ca", argv[1]) >= sizeof(logpath) ||
	    tlsfix_write(logpath, tls_ca) != 0 ||
	    write_portfile(argv[1], ntohs(sin.sin_port)) != 0) {
		fprintf(stderr, "ariserver: %s: %s\n", argv[1], strerror(errno));
		MHD_stop_daemon(d);
		return 1;
	}
	while (sig != SIGTERM && sig != SIGINT)
		if (sigwait(&set, &sig) != 0)
			break;
	MHD_stop_daemon(d);
	for (i = 1; i <= srv.n_orders; i++) {
		cJSON_Delete(srv.orders[i].identifiers);
		free(srv.orders[i].profile);
		free(srv.orders[i].replaces);
		free(srv.orders[i].chain);
	}
	free(tls_cert);
	free(tls_key);
	free(tls_ca);
	EVP_PKEY_free(srv.ca_key);
	EVP_PKEY_free(srv.int_key);
	EVP_PKEY_free(srv.stray_key);
	X509_free(srv.ca);
	X509_free(srv.intermediate);
	X509_free(srv.stray);
	cJSON_Delete(srv.contacts);
	fclose(srv.log);
	return 0;
}
