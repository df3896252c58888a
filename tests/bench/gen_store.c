/*
 * Fills a new store with N certificate rows for the TUI benchmark:
 *   gen_store PATH N [GENERATIONS]
 * Rows come in renewal lineages of GENERATIONS certificates (default 5):
 * the older ones are replaced by the next, as a store with years of
 * renewals looks. Names, issuers, key types and dates follow a plausible
 * mix; the PEM is a placeholder (nothing here parses it).
 *
 * Speed: one transaction, indexes and FTS triggers dropped during the load
 * and rebuilt from their stored SQL afterwards, no journal while loading.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"

#define DAY 86400LL

static uint64_t rng_state = 0x853c49e6748fea9bULL;

/* xorshift64*: fast and good enough for test data. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(rng() % n);
}

static const char *const services[] = {
	"www", "api", "mail", "shop", "cdn", "vpn", "git", "wiki", "auth",
	"grafana", "kibana", "jenkins", "registry", "status", "portal", "sso",
	"smtp", "imap", "db", "cache", "billing", "chat", "docs", "app",
	"admin", "static", "media", "search", "login", "backup",
};
static const char *const envs[] = {
	"", "", "", "", "staging.", "dev.", "eu.", "us.", "int.", "test.",
};
static const char *const words[] = {
	"northwind", "contoso", "fabrikam", "tailspin", "adventure", "alpine",
	"blue", "coho", "fourth", "graphic", "litware", "lucerne", "margie",
	"proseware", "southridge", "trey", "wide", "wingtip", "woodgrove",
	"acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark",
	"wayne", "tyrell", "cyberdyne", "soylent", "massive", "oscorp",
};
static const char *const tlds[] = {
	".com", ".net", ".org", ".de", ".fr", ".io", ".co.uk", ".nl", ".eu",
	".example",
};

struct issuer {
	const char *cn, *dn;
	int ec;			/* issues for EC keys */
	int days;		/* certificate lifetime */
	int weight;
};
static const struct issuer issuers[] = {
	{ "R10", "C=US, O=Let's Encrypt, CN=R10", 0, 90, 20 },
	{ "R11", "C=US, O=Let's Encrypt, CN=R11", 0, 90, 20 },
	{ "E5", "C=US, O=Let's Encrypt, CN=E5", 1, 90, 25 },
	{ "E6", "C=US, O=Let's Encrypt, CN=E6", 1, 90, 25 },
	{ "Sectigo RSA Domain Validation Secure Server CA",
	  "C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, "
	  "CN=Sectigo RSA Domain Validation Secure Server CA", 0, 397, 4 },
	{ "ZeroSSL ECC Domain Secure Site CA",
	  "C=AT, O=ZeroSSL, CN=ZeroSSL ECC Domain Secure Site CA", 1, 90, 3 },
	{ "GTS CA 1P5", "C=US, O=Google Trust Services LLC, CN=GTS CA 1P5", 0,
	  90, 2 },
	{ "Corp Issuing CA 3", "DC=corp, DC=example, CN=Corp Issuing CA 3", 0,
	  6, 1 },
};
#define N_ISSUERS (sizeof(issuers) / sizeof(issuers[0]))

static const struct issuer *
pick_issuer(void)
{
	unsigned total = 0, r, i;

	for (i = 0; i < N_ISSUERS; i++)
		total += (unsigned)issuers[i].weight;
	r = pick(total);
	for (i = 0; i < N_ISSUERS; i++) {
		if (r < (unsigned)issuers[i].weight)
			return &issuers[i];
		r -= (unsigned)issuers[i].weight;
	}
	return &issuers[0];
}

/* One renewal lineage: the same names, issuer and key type each time. */
struct lineage {
	char names[4][96];
	int n_names;
	const struct issuer *iss;
	const char *key;
	long long last_not_after;	/* of the current certificate */
	int64_t account;		/* 0: imported */
};

static void
make_lineage(struct lineage *l, unsigned idx, long long now)
{
	const char *svc = services[pick(sizeof(services) / sizeof(*services))];
	const char *env = envs[pick(sizeof(envs) / sizeof(*envs))];
	unsigned n_words = sizeof(words) / sizeof(*words);
	unsigned n_tlds = sizeof(tlds) / sizeof(*tlds);
	const char *w1 = words[idx % n_words];
	const char *tld = tlds[(idx / n_words) % n_tlds];
	unsigned r = pick(100);
	int i;

	/*
	 * idx makes every lineage's first name unique: the domain and the
	 * host number come from it. Most certificates
	 * carry one name, some a few (www., mail. and the like).
	 */
	snprintf(l->names[0], sizeof(l->names[0]), "%s-%u.%s%s%s", svc,
	    idx / (n_words * n_tlds), env, w1, tld);
	l->n_names = r < 60 ? 1 : r < 85 ? 2 : r < 95 ? 3 : 4;
	for (i = 1; i < l->n_names; i++)
		snprintf(l->names[i], sizeof(l->names[i]), "%s.%s",
		    services[pick(sizeof(services) / sizeof(*services))],
		    l->names[0]);
	r = pick(100);
	l->iss = pick_issuer();
	if (l->iss->ec)
		l->key = pick(10) == 0 ? "ec384" : "ec256";
	else
		l->key = r < 80 ? "rsa2048" : r < 95 ? "rsa3072" : "rsa4096";
	/* Most current certificates are fine; some expired, some due. */
	l->last_not_after = now - 20 * DAY +
	    (long long)(rng() % (unsigned long long)((l->iss->days + 20) * DAY));
	l->account = pick(10) == 0 ? 0 : 1 + (int64_t)pick(5);
}

static double t_start;

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Progress on stderr, so that slow phases show. */
static void
phase(const char *what)
{
	if (getenv("GEN_STORE_VERBOSE") != NULL)
		fprintf(stderr, "gen_store: %6.2f s %s\n", seconds() - t_start,
		    what);
}

static int
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "gen_store: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Saved CREATE statements of the indexes and triggers dropped for the load. */
struct saved {
	char **sql;
	size_t n;
};

static int
drop_indexes(sqlite3 *db, struct saved *sv)
{
	sqlite3_stmt *s = NULL;
	char drop[256];
	char **names = NULL;
	size_t i, n = 0;

	/* Indexes of certificates and cert_names, and the FTS triggers. */
	if (sqlite3_prepare_v2(db, "SELECT type, name, sql FROM sqlite_master "
	    "WHERE sql IS NOT NULL AND ((type = 'index' AND tbl_name IN "
	    "('certificates', 'cert_names')) OR (type = 'trigger' AND "
	    "tbl_name = 'cert_names'))", -1, &s, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		sv->sql = realloc(sv->sql, (sv->n + 1) * sizeof(*sv->sql));
		names = realloc(names, (n + 1) * sizeof(*names));
		if (sv->sql == NULL || names == NULL)
			abort();
		sv->sql[sv->n++] = strdup((const char *)sqlite3_column_text(s, 2));
		snprintf(drop, sizeof(drop), "DROP %s %s",
		    (const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1));
		names[n++] = strdup(drop);
	}
	sqlite3_finalize(s);
	for (i = 0; i < n; i++) {
		if (exec(db, names[i]) == -1)
			return -1;
		free(names[i]);
	}
	free(names);
	return 0;
}

static int
restore_indexes(sqlite3 *db, struct saved *sv)
{
	size_t i;

	phase("rows inserted");
	for (i = 0; i < sv->n; i++) {
		if (exec(db, sv->sql[i]) == -1)
			return -1;
		free(sv->sql[i]);
	}
	free(sv->sql);
	phase("indexes built");
	/*
	 * Build the trigram index in large in-memory batches without
	 * merging as it goes, then put FTS5's defaults back.
	 */
	if (exec(db, "INSERT INTO cert_names_fts (cert_names_fts, rank) "
	    "VALUES ('hashsize', 268435456)") == -1 ||
	    exec(db, "INSERT INTO cert_names_fts (cert_names_fts, rank) "
	    "VALUES ('automerge', 0)") == -1 ||
	    exec(db, "INSERT INTO cert_names_fts (cert_names_fts) "
	    "VALUES ('rebuild')") == -1)
		return -1;
	phase("name index built");
	if (exec(db, "DELETE FROM cert_names_fts_config WHERE k IN "
	    "('hashsize', 'automerge')") == -1)
		return -1;
	return 0;
}

static int
fill(sqlite3 *db, long n, int gens, long long now)
{
	sqlite3_stmt *ins = NULL, *name = NULL;
	struct lineage *lin;
	long lineages = (n + gens - 1) / gens, l, done = 0;
	int64_t id, name_id = 0;
	char fp[80], serial[40];
	int g, k, rc = -1;

	if ((lin = calloc((size_t)lineages, sizeof(*lin))) == NULL)
		return -1;
	for (l = 0; l < lineages; l++)
		make_lineage(&lin[l], (unsigned)l, now);
	if (sqlite3_prepare_v2(db, "INSERT INTO certificates (id, account_id, "
	    "name, subject, issuer, issuer_cn, serial, not_before, not_after, "
	    "key_type, fingerprint, pem_chain, status, replaced_by, source, "
	    "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14, ?15, ?16)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO cert_names (id, cert_id, "
	    "position, name) VALUES (?1, ?2, ?3, ?4)", -1, &name, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "gen_store: %s\n", sqlite3_errmsg(db));
		goto out;
	}
	/* Oldest generation first, so ids grow with time as in real use. */
	for (g = 0; g < gens && done < n; g++) {
		for (l = 0; l < lineages && done < n; l++, done++) {
			struct lineage *x = &lin[l];
			int current = g == gens - 1 || done + lineages >= n;
			long long life = x->iss->days * DAY;
			long long na = x->last_not_after -
			    (long long)(gens - 1 - g) * (life * 2 / 3);
			const char *status = "replaced";
			char subject[128];

			id = (int64_t)g * lineages + l + 1;
			if (current) {
				unsigned r = pick(1000);

				status = r < 20 ? "revoked" : r < 23 ? "failed" :
				    "valid";
			}
			snprintf(fp, sizeof(fp), "%016llx%016llx%016llx%016llx",
			    (unsigned long long)id, (unsigned long long)rng(),
			    (unsigned long long)rng(), (unsigned long long)rng());
			snprintf(serial, sizeof(serial), "%016llx%016llx",
			    (unsigned long long)rng(), (unsigned long long)rng());
			snprintf(subject, sizeof(subject), "CN=%s", x->names[0]);
			sqlite3_reset(ins);
			sqlite3_bind_int64(ins, 1, id);
			if (x->account != 0)
				sqlite3_bind_int64(ins, 2, x->account);
			else
				sqlite3_bind_null(ins, 2);
			sqlite3_bind_text(ins, 3, x->names[0], -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, subject, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 5, x->iss->dn, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 6, x->iss->cn, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 7, serial, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(ins, 8, na - life);
			sqlite3_bind_int64(ins, 9, na);
			sqlite3_bind_text(ins, 10, x->key, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 11, fp, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 12, "-----BEGIN CERTIFICATE-----\n"
			    "benchmark placeholder\n-----END CERTIFICATE-----\n",
			    -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 13, status, -1, SQLITE_STATIC);
			if (current)
				sqlite3_bind_null(ins, 14);
			else
				sqlite3_bind_int64(ins, 14, id + lineages);
			sqlite3_bind_text(ins, 15, x->account ? "acme" : "import",
			    -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 16, na - life);
			if (sqlite3_step(ins) != SQLITE_DONE) {
				fprintf(stderr, "gen_store: %s\n",
				    sqlite3_errmsg(db));
				goto out;
			}
			for (k = 0; k < x->n_names; k++) {
				sqlite3_reset(name);
				sqlite3_bind_int64(name, 1, ++name_id);
				sqlite3_bind_int64(name, 2, id);
				sqlite3_bind_int(name, 3, k);
				sqlite3_bind_text(name, 4, x->names[k], -1,
				    SQLITE_STATIC);
				if (sqlite3_step(name) != SQLITE_DONE) {
					fprintf(stderr, "gen_store: %s\n",
					    sqlite3_errmsg(db));
					goto out;
				}
			}
		}
	}
	rc = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(name);
	free(lin);
	return rc;
}

/* Runs one prepared statement with integer and text bindings (NULL: none). */
static int
run(sqlite3 *db, const char *sql, const long long *ints, int n_ints,
    const char *const *texts, int n_texts)
{
	sqlite3_stmt *st = NULL;
	int i, rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "gen_store: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	for (i = 0; i < n_ints; i++)
		sqlite3_bind_int64(st, i + 1, ints[i]);
	for (i = 0; i < n_texts; i++)
		sqlite3_bind_text(st, n_ints + i + 1, texts[i], -1,
		    SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		fprintf(stderr, "gen_store: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A CA, five keys and five accounts for the certificates to point at. */
static int
add_accounts(sqlite3 *db, long long now)
{
	char url[128], contacts[64];
	const char *texts[2] = { url, contacts };
	long long v[3];
	int i;

	v[0] = now;
	if (run(db, "INSERT INTO cas (id, name, directory_url, created) VALUES "
	    "(1, 'letsencrypt', 'https://acme-v02.api.letsencrypt.org/directory',"
	    " ?1)", v, 1, NULL, 0) == -1)
		return -1;
	for (i = 1; i <= 5; i++) {
		v[0] = i;
		v[1] = now;
		if (run(db, "INSERT INTO keys (id, type, pem, created) VALUES "
		    "(?1, 'ec256', 'placeholder', ?2)", v, 2, NULL, 0) == -1)
			return -1;
		snprintf(url, sizeof(url),
		    "https://acme-v02.api.letsencrypt.org/acme/acct/%d",
		    100000 + i);
		snprintf(contacts, sizeof(contacts),
		    "[\"mailto:ops%d@example.com\"]", i);
		v[2] = now;
		if (run(db, "INSERT INTO accounts (id, ca_id, key_id, created, "
		    "updated, url, contacts, status, tos_agreed) VALUES (?1, 1, ?1, "
		    "?2, ?3, ?4, ?5, 'valid', 1)", v, 3, texts, 2) == -1)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct saved sv = { NULL, 0 };
	struct err e;
	sqlite3 *db = NULL;
	long n;
	int gens = 5;
	long long now = (long long)time(NULL);
	struct timespec t0, t1;

	if (argc < 3 || argc > 4 || (n = atol(argv[2])) <= 0 ||
	    (argc == 4 && (gens = atoi(argv[3])) < 1)) {
		fprintf(stderr, "usage: gen_store PATH N [GENERATIONS]\n");
		return 2;
	}
	if (getenv("CERTDECK_NOW") != NULL)
		now = atoll(getenv("CERTDECK_NOW"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_start = seconds();
	remove(argv[1]);
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "gen_store: cannot create %s\n", argv[1]);
		return 1;
	}
	err_clear(&e);
	if (exec(db, "PRAGMA journal_mode = OFF") == -1 ||
	    exec(db, "PRAGMA synchronous = OFF") == -1 ||
	    exec(db, "PRAGMA cache_size = -262144") == -1 ||
	    schema_migrate(db, &e) == -1) {
		fprintf(stderr, "gen_store: %s\n", e.msg);
		goto fail;
	}
	if (exec(db, "BEGIN") == -1 || drop_indexes(db, &sv) == -1 ||
	    add_accounts(db, now) == -1 || fill(db, n, gens, now) == -1 ||
	    restore_indexes(db, &sv) == -1 || exec(db, "COMMIT") == -1 ||
	    exec(db, "PRAGMA journal_mode = WAL") == -1)
		goto fail;
	sqlite3_close(db);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld certificates in %.1f s\n", n, (double)(t1.tv_sec - t0.tv_sec)
	    + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
fail:
	sqlite3_close(db);
	return 1;
}
