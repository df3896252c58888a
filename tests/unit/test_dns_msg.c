/*
 * dns-01 building blocks without a server: TSIG key files as tsig-keygen
 * writes them (and what is refused), and the ldns-based answer parser of
 * the propagation checks on datagrams built here with ldns.
 */
#include "config.h"

#include <fcntl.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns_msg.h"
#include "tap.h"
#include "tsig_key.h"

#define SECRET "fKl8Zht1RIuPuy1zJLrrfIxewGHMW35INDWepX4KRtM="

static char tmproot[] = "/tmp/test_dns_msg.XXXXXX";

static void
test_parse(void)
{
	struct tsig_key k;
	struct err e;

	err_clear(&e);
	ok(tsig_key_parse("key \"certdeck-test\" {\n\talgorithm hmac-sha256;\n\tsecret \""
	    SECRET "\";\n};\n", "k", &k, &e) == 0, "tsig-keygen's output parses");
	ok(k.name != NULL && strcmp(k.name, "certdeck-test.") == 0, "... the name, qualified");
	ok(k.algorithm != NULL && strcmp(k.algorithm, "hmac-sha256.") == 0, "... the algorithm");
	ok(k.secret != NULL && strcmp(k.secret, SECRET) == 0, "... the secret");
	tsig_key_clear(&k);
	ok(k.secret == NULL && k.name == NULL, "clear frees everything");

	ok(tsig_key_parse("# made by hand\nkey x.example. { /* c */ algorithm HMAC-SHA512; "
	    "// the secret\n secret \"" SECRET "\"; };", "k", &k, &e) == 0,
	    "comments, an unquoted name and upper case");
	ok(k.algorithm != NULL && strcmp(k.algorithm, "hmac-sha512.") == 0, "... hmac-sha512");
	tsig_key_clear(&k);

	ok(tsig_key_parse("# hmac-sha512:knot-key:" SECRET "\nkey:\n  - id: knot-key\n"
	    "    algorithm: hmac-sha512\n    secret: " SECRET "\n", "k", &k, &e) == 0,
	    "Knot's keymgr -t output parses");
	ok(k.name != NULL && strcmp(k.name, "knot-key.") == 0, "... the id, qualified");
	ok(k.algorithm != NULL && strcmp(k.algorithm, "hmac-sha512.") == 0, "... the algorithm");
	ok(k.secret != NULL && strcmp(k.secret, SECRET) == 0, "... the secret");
	tsig_key_clear(&k);
	ok(tsig_key_parse("key:\n  - id: first\n    algorithm: hmac-sha256\n    secret: \""
	    SECRET "\"\n  - id: second\n    algorithm: hmac-sha512\n", "k", &k, &e) == 0 &&
	    strcmp(k.name, "first.") == 0 && strcmp(k.algorithm, "hmac-sha256.") == 0,
	    "Knot: the first of two keys, a quoted secret");
	tsig_key_clear(&k);
	err_clear(&e);
	ok(tsig_key_parse("key:\n  - id: k\n    algorithm: hmac-sha256\n", "F", &k, &e) == -1,
	    "Knot: a key without a secret is refused");

	err_clear(&e);
	ok(tsig_key_parse("key \"k\" { algorithm hmac-md5; secret \"" SECRET "\"; };", "F", &k,
	    &e) == -1, "hmac-md5 is refused");
	ok(strstr(e.msg, "hmac-md5") != NULL && strstr(e.msg, SECRET) == NULL,
	    "... naming the algorithm, not the secret");
	err_clear(&e);
	ok(tsig_key_parse("key \"k\" { algorithm hmac-sha256; };", "F", &k, &e) == -1,
	    "a key without a secret is refused");
	err_clear(&e);
	ok(tsig_key_parse("key \"k\" { algorithm hmac-sha256; secret \"not base64!\"; };", "F",
	    &k, &e) == -1, "a secret that is not base64 is refused");
	ok(strstr(e.msg, "not base64!") == NULL, "... without quoting it");
	err_clear(&e);
	ok(tsig_key_parse("secret \"" SECRET "\";", "F", &k, &e) == -1,
	    "a file without a key statement is refused");
	ok(strstr(e.msg, "F") != NULL && strstr(e.msg, SECRET) == NULL,
	    "... naming the file, never the secret");
	err_clear(&e);
	ok(tsig_key_parse("key \"k\" { algorithm hmac-sha256; secret \"" SECRET "\" };", "F",
	    &k, &e) == -1, "a missing ';' is refused");
}

static void
test_load(void)
{
	char path[256];
	struct tsig_key k;
	struct err e;
	FILE *f;

	snprintf(path, sizeof(path), "%s/key.conf", tmproot);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fprintf(f, "key \"t\" { algorithm hmac-sha256; secret \"%s\"; };\n", SECRET);
	fclose(f);
	chmod(path, 0600);
	err_clear(&e);
	ok(tsig_key_load(path, &k, &e) == 0, "a 0600 key file loads");
	tsig_key_clear(&k);
	chmod(path, 0640);
	err_clear(&e);
	ok(tsig_key_load(path, &k, &e) == -1, "a group-readable key file is refused");
	ok(strstr(e.msg, path) != NULL && strstr(e.msg, "0640") != NULL,
	    "... naming the file and its mode");
	chmod(path, 0604);
	err_clear(&e);
	ok(tsig_key_load(path, &k, &e) == -1, "a world-readable key file is refused");
	err_clear(&e);
	ok(tsig_key_load(tmproot, &k, &e) == -1, "a directory is refused");
	unlink(path);
	err_clear(&e);
	ok(tsig_key_load(path, &k, &e) == -1 && strstr(e.msg, path) != NULL,
	    "a missing key file is named");
}

/* A response to id for _acme-challenge.example.org TXT holding the strings given. */
static size_t
answer(unsigned id, int rcode, const char *const *strs, size_t n, uint8_t *out, size_t size)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *rr = ldns_rr_new();
	uint8_t *wire = NULL;
	size_t len = 0, i;

	ldns_pkt_set_id(p, (uint16_t)id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	ldns_rr_set_owner(rr, ldns_dname_new_frm_str("_acme-challenge.example.org."));
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, 60);
	for (i = 0; i < n; i++)
		ldns_rr_push_rdf(rr, ldns_rdf_new_frm_str(LDNS_RDF_TYPE_STR, strs[i]));
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	if (ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK || len > size)
		abort();
	memcpy(out, wire, len);
	free(wire);
	ldns_pkt_free(p);
	return len;
}

static void
test_txt_seen(void)
{
	static const char *const one[] = { "value-one" };
	static const char *const split[] = { "value-", "one" };
	static const char *const two[] = { "other", "value-one" };
	uint8_t m[4096];
	size_t n;

	n = answer(0x1234, 0, one, 1, m, sizeof(m));
	ok(dns_txt_seen(m, n, 0x1234, "value-one") == 1, "the value is seen");
	ok(dns_txt_seen(m, n, 0x1234, "value-two") == 0, "another value is not");
	ok(dns_txt_seen(m, n, 0x4321, "value-one") == -1, "another query's answer is not ours");
	n = answer(0x1234, 0, split, 2, m, sizeof(m));
	ok(dns_txt_seen(m, n, 0x1234, "value-one") == 1, "a value split into strings is seen");
	n = answer(0x1234, 0, two, 2, m, sizeof(m));
	ok(dns_txt_seen(m, n, 0x1234, "value-one") == 1, "one of two strings is seen");
	n = answer(0x1234, LDNS_RCODE_NXDOMAIN, one, 1, m, sizeof(m));
	ok(dns_txt_seen(m, n, 0x1234, "value-one") == 0, "an NXDOMAIN answer shows nothing");
	n = answer(0x1234, 0, one, 1, m, sizeof(m));
	ok(dns_txt_seen(m, n - 3, 0x1234, "value-one") == 0, "a truncated answer shows nothing");
	m[2] &= 0x7f;
	ok(dns_txt_seen(m, n, 0x1234, "value-one") == -1, "a query is no answer");
	ok(dns_txt_seen(m, 5, 0x1234, "value-one") == -1, "five bytes are no answer");
}

static void
test_servers(void)
{
	struct dns_server *v;
	size_t n;
	struct err e;

	err_clear(&e);
	ok(dns_server_list_parse("127.0.0.1:5353, [::1]:53 ::1", "DNS resolver", &v, &n, &e) == 0 &&
	    n == 3, "three servers parse");
	dns_server_list_free(v, n);
	err_clear(&e);
	ok(dns_server_list_parse("[::1", "DNS resolver", &v, &n, &e) == -1 &&
	    strstr(e.msg, "DNS resolver") != NULL, "a malformed one is refused, named");
	ok(dns_server_list_parse(NULL, "x", &v, &n, &e) == 0 && v == NULL && n == 0,
	    "no list is an empty list");
	ok(strcmp(dns_rcode_name(LDNS_RCODE_REFUSED), "REFUSED") == 0, "rcode names");
}

int
main(void)
{
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_load();
	test_txt_seen();
	test_servers();
	rmdir(tmproot);
	return done_testing();
}
