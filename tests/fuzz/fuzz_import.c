/*
 * Other clients' stores, as import --from reads them: the first byte picks
 * certbot, lego or acme.sh; the rest is split at each "\n=====\n" into the
 * files of a one-lineage tree of that client (the paths below), written to
 * a fresh directory that the client's reader then reads into a plan. Their
 * text (certbot's renewal conf, lego's and certbot's JSON and JWK keys,
 * acme.sh's conf) is someone else's and must never crash us.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import_acmesh.h"
#include "import_certbot.h"
#include "import_lego.h"
#include "import_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n=====\n"

static const char *const layouts[3][8] = {
	{ "renewal/a.test.conf", "live/a.test/fullchain.pem", "live/a.test/privkey.pem",
	  "accounts/ca.test/directory/0123abcd/regr.json",
	  "accounts/ca.test/directory/0123abcd/private_key.json",
	  "accounts/ca.test/directory/0123abcd/meta.json", "archive/a.test/fullchain1.pem",
	  "archive/a.test/privkey1.pem" },
	{ "certificates/a.test.crt", "certificates/a.test.key",
	  "certificates/a.test.issuer.crt", "certificates/a.test.json",
	  "accounts/ca.test/me@example.test/account.json",
	  "accounts/ca.test/me@example.test/keys/me@example.test.key", NULL, NULL },
	{ "a.test/a.test.conf", "a.test/a.test.cer", "a.test/a.test.key",
	  "a.test/fullchain.cer", "a.test/ca.cer", "ca/ca.test/directory/account.key",
	  "ca/ca.test/directory/ca.conf", "account.conf" },
};

static char root[64];

static void
mkdirs(const char *path)
{
	char buf[512], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			abort();
		*p = '/';
	}
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
put(const char *rel, const uint8_t *p, size_t n)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdirs(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		abort();
	if (n > 0 && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_opts o = { .server_url = "https://ca.test/directory" };
	struct import_plan *plan = NULL;
	struct err e = { 0 };
	const uint8_t *p, *end, *cut;
	int which, i, rc;

	if (size < 1 || size > 256 * 1024)
		return 0;
	which = data[0] % 3;
	snprintf(root, sizeof(root), "/tmp/certdeck-fuzz-import.XXXXXX");
	if (mkdtemp(root) == NULL)
		abort();
	p = data + 1;
	end = data + size;
	for (i = 0; i < 8 && layouts[which][i] != NULL && p <= end; i++) {
		cut = memmem(p, (size_t)(end - p), SEP, strlen(SEP));
		put(layouts[which][i], p, (size_t)((cut != NULL ? cut : end) - p));
		if (cut == NULL)
			break;
		p = cut + strlen(SEP);
	}
	if (which == 0)
		rc = import_certbot_read(root, &o, &plan, &e);
	else if (which == 1)
		rc = import_lego_read(root, &o, &plan, &e);
	else
		rc = import_acmesh_read(root, &o, &plan, &e);
	if (rc == 0 && plan == NULL)
		abort();
	if (rc != 0 && e.msg[0] == '\0')
		abort();	/* a failure says why */
	import_plan_free(plan);
	if (nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		abort();
	return 0;
}
