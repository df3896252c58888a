/* The config file parser (src/conf.c) and the CA preset table (src/ca_preset.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ca_preset.h"
#include "conf.h"
#include "tap.h"

/* Parses text; returns the error message ("" on success), conf freed. */
static const char *
parse_err(const char *text)
{
	static struct err e;
	struct conf *c = NULL;

	err_clear(&e);
	if (conf_parse("/etc/certdeck/config", text, &c, &e) == 0) {
		conf_free(c);
		return "";
	}
	return e.msg;
}

static int
has(const char *hay, const char *needle)
{
	int r = strstr(hay, needle) != NULL;

	if (!r)
		printf("#   '%s' lacks '%s'\n", hay, needle);
	return r;
}

int
main(void)
{
	struct conf *c = NULL;
	struct err e;
	const char *names1[] = { "a.internal.example.org", "B.Internal.Example.org" };
	const char *names2[] = { "a.internal.example.org", "www.example.org" };
	const struct conf_names *ns;
	const struct ca_preset *p;
	size_t i, n;

	err_clear(&e);
	ok(conf_parse("t", "# comment\n; another\n\n"
	    "key-type = ec384\n"
	    "[defaults]\n"
	    "  challenge =  dns-01  \n"
	    "http-port = 8080\n"
	    "server = corp\n"
	    "workers = 8\n"
	    "renew-before = 30\n"
	    "[ca corp]\n"
	    "directory = https://acme.corp.example/directory\n"
	    "ca-bundle = /etc/ssl/corp.pem\n"
	    "eab-kid = kid-1\n"
	    "eab-hmac-key-file = /etc/certdeck/corp.hmac\n"
	    "[names *.internal.example.org]\n"
	    "challenge = http-01\n"
	    "webroot = /srv/www\n"
	    "[names *.example.org]\n"
	    "key-type = rsa2048\n", &c, &e) == 0, "a full file parses");
	if (c == NULL) {
		printf("# %s\n", e.msg);
		return 1;
	}
	is_str(c->value[CONF_KEY_TYPE], "ec384", "keys before a section are [defaults]");
	is_str(c->value[CONF_CHALLENGE], "dns-01", "values are trimmed");
	is_int(c->line[CONF_CHALLENGE], 6, "the line of a value is kept");
	is_str(c->value[CONF_SERVER], "corp", "server may name a [ca] section further down");
	is_int(c->n_cas, 1, "one [ca] section");
	ok(conf_ca_find(c, "corp") != NULL, "conf_ca_find finds it");
	is_str(conf_ca_find(c, "corp")->eab_hmac_key_file, "/etc/certdeck/corp.hmac",
	    "the HMAC key's file is kept");
	ok(conf_ca_find(c, "other") == NULL, "conf_ca_find: no such CA");
	is_int(c->n_names, 2, "two [names] sections");
	ns = conf_names_match(c, names1, 2);
	ok(ns == &c->names[0], "the first section matching every name applies (any case)");
	is_str(ns != NULL ? ns->value[CONF_WEBROOT] : NULL, "/srv/www", "... with its values");
	ns = conf_names_match(c, names2, 2);
	ok(ns == &c->names[1], "a section must match all the names");
	ok(conf_names_match(c, names1, 0) == NULL, "no names, no section");
	conf_free(c);

	/* Errors name the file, the line and the key. */
	ok(has(parse_err("[defaults]\nkey-typo = ec256\n"),
	    "/etc/certdeck/config:2: key-typo: "), "an unknown key: file, line and key");
	ok(has(parse_err("challenge = http-02\n"), "config:1: challenge: 'http-02'"),
	    "a bad challenge");
	ok(has(parse_err("key-type = dsa\n"), "key-type:"), "a bad key type");
	ok(has(parse_err("\n\nhttp-port = 70000\n"), "config:3: http-port:"),
	    "a port out of range");
	ok(has(parse_err("http-port = 80x\n"), "http-port:"), "a port that is not a number");
	ok(has(parse_err("workers = 0\n"), "workers:"), "workers below 1");
	ok(has(parse_err("workers = 65\n"), "workers:"), "workers above 64");
	ok(has(parse_err("account = -3\n"), "account:"), "a negative account ID");
	ok(has(parse_err("webroot = srv/www\n"), "webroot: 'srv/www' is not an absolute"),
	    "a relative path");
	ok(has(parse_err("email = nobody\n"), "email:"), "a bad e-mail address");
	ok(has(parse_err("server = nowhere\n"), "config:1: server:"),
	    "a server that is neither preset, [ca] nor URL");
	ok(has(parse_err("server = ftp://x\n"), "server:"), "a server URL that is not http(s)");
	ok(strcmp(parse_err("server = letsencrypt-staging\n"), "") == 0, "a preset server");
	ok(strcmp(parse_err("server = https://127.0.0.1:14000/dir\n"), "") == 0,
	    "a URL server");
	ok(has(parse_err("challenge = http-01\nchallenge = dns-01\n"), "config:2: challenge: "
	    "given twice"), "a key given twice");
	ok(has(parse_err("[ca x]\ndirectory = https://x/d\neab-kid = k\neab-hmac-key = c2Vj\n"),
	    "config:4: eab-hmac-key: secrets do not go"), "an inline HMAC key is refused");
	ok(has(parse_err("[defaults]\ntsig-secret = abc\n"), "config:2: tsig-secret: secrets"),
	    "an inline TSIG secret is refused");
	ok(has(parse_err("password = hunter2\n"), "password: secrets"),
	    "an inline password is refused");
	ok(has(parse_err("[ca x]\ndirectory = https://x/d\neab-kid = k\n"), "eab-hmac-key-file"),
	    "eab-kid without its key file");
	ok(has(parse_err("[ca x]\nca-bundle = /x.pem\n"), "config:1: directory: "),
	    "a [ca] without a directory (line of the section)");
	ok(has(parse_err("[ca x]\ndirectory = https://x/d\nwebroot = /srv\n"), "config:3: "
	    "webroot: unknown key in a [ca]"), "a [ca] section's unknown key");
	ok(has(parse_err("[ca letsencrypt]\ndirectory = https://x/d\n"), "config:1: "),
	    "a [ca] may not shadow a preset");
	ok(has(parse_err("[ca x]\ndirectory = https://x/d\n[ca x]\ndirectory = https://y/d\n"),
	    "config:3: "), "a [ca] given twice");
	ok(has(parse_err("[names *.x]\nworkers = 2\n"), "config:2: workers: "),
	    "a [names] section takes per-order keys only");
	ok(has(parse_err("[names]\n"), "config:1: "), "a [names] section needs a pattern");
	ok(has(parse_err("[frobs]\n"), "config:1: unknown section"), "an unknown section");
	ok(has(parse_err("[defaults\n"), "config:1: "), "an unclosed section line");
	ok(has(parse_err("just words\n"), "config:1: "), "a line without '='");
	ok(has(parse_err("profile = \n"), "profile: the value is empty"), "an empty value");

	/* Loading: a missing default file is no file; a named one must exist. */
	ok(conf_load("/nonexistent/certdeck/config", 1, &c, &e) == 0 && c != NULL &&
	    c->path == NULL, "a missing file may be no file");
	conf_free(c);
	ok(conf_load("/nonexistent/certdeck/config", 0, &c, &e) == -1,
	    "... or an error when it must exist");

	/* Environment names. */
	is_str(conf_key_env(CONF_KEY_TYPE), "CERTDECK_KEY_TYPE", "the key-type variable");
	is_str(conf_key_name(CONF_RENEW_BEFORE), "renew-before", "a key's name");

	/* The preset table: every name resolves, every URL is https, the brief's CAs. */
	for (n = 0; ca_preset_at(n) != NULL; n++)
		;
	is_int(n, 9, "nine presets");
	for (i = 0; (p = ca_preset_at(i)) != NULL; i++) {
		if (strncmp(p->url, "https://", 8) != 0 || ca_preset_find(p->name) != p)
			break;
	}
	is_int(i, n, "each preset is https and found by its name");
	ok((p = ca_preset_find("letsencrypt")) != NULL && !p->eab && p->ari && p->profiles,
	    "Let's Encrypt: no EAB, ARI, profiles");
	ok((p = ca_preset_find("letsencrypt-staging")) != NULL && p->staging &&
	    strcmp(p->url, "https://acme-staging-v02.api.letsencrypt.org/directory") == 0,
	    "Let's Encrypt staging");
	ok((p = ca_preset_find("zerossl")) != NULL && p->eab, "ZeroSSL needs EAB");
	ok((p = ca_preset_find("google")) != NULL && p->eab && p->ari, "Google: EAB and ARI");
	ok(ca_preset_find("google-staging") != NULL, "Google staging");
	ok(ca_preset_find("buypass") != NULL && ca_preset_find("buypass-test") != NULL,
	    "Buypass production and test");
	ok(ca_preset_find("buypass-staging") == ca_preset_find("buypass-test"),
	    "the old name buypass-staging still works");
	ok(ca_preset_find("sslcom-rsa") != NULL && ca_preset_find("sslcom-ecc") != NULL &&
	    ca_preset_find("sslcom-ecc")->eab, "SSL.com RSA and ECC, with EAB");
	ok(ca_preset_find("https://acme-v02.api.letsencrypt.org/directory") == NULL,
	    "a URL is not a preset");
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
