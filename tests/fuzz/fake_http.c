/*
 * The http.h interface without a network, for the ACME fuzz targets:
 * answers come from a queue that the target fills with the fuzzer's
 * bytes. Linked before libcertdeck.a, so src/http.c is not.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "fuzz.h"
#include "http.h"

struct http {
	int unused;
};

struct answer {
	long status;
	char *content_type, *location, *body;
	size_t len;
	long retry_after;
};

#define QUEUE_MAX 8
static struct answer queue[QUEUE_MAX];
static size_t queued, next;
static unsigned long nonce_counter;

const char fuzz_directory[] =
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
    "\"newOrder\":\"https://ca.test/order\",\"revokeCert\":\"https://ca.test/revoke\","
    "\"keyChange\":\"https://ca.test/key\",\"renewalInfo\":\"https://ca.test/ari/\","
    "\"meta\":{\"termsOfService\":\"https://ca.test/tos\",\"profiles\":"
    "{\"classic\":\"The default\",\"shortlived\":\"Six days\"}}}";

static char *
dup_or_null(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		abort();
	return p;
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);

	if (p == NULL)
		abort();
	if (size > 0)
		memcpy(p, data, size);
	p[size] = '\0';
	return p;
}

void
fake_http_push(long status, const char *content_type, const void *body, size_t len,
    const char *location, long retry_after)
{
	struct answer *a;

	if (queued == QUEUE_MAX)
		abort();
	a = &queue[queued++];
	a->status = status;
	a->content_type = dup_or_null(content_type);
	a->location = dup_or_null(location);
	a->body = fuzz_strndup(body, len);
	a->len = len;
	a->retry_after = retry_after;
}

void
fake_http_reset(void)
{
	size_t i;

	for (i = next; i < queued; i++) {
		free(queue[i].content_type);
		free(queue[i].location);
		free(queue[i].body);
	}
	queued = next = 0;
}

int
http_new(const char *ca_bundle, struct http **out, struct err *e)
{
	(void)ca_bundle;
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return err_nomem(e);
	return 0;
}

int
http_new_pem(const char *ca_pem, struct http **out, struct err *e)
{
	return http_new(ca_pem, out, e);
}

void
http_free(struct http *h)
{
	free(h);
}

long
http_last_connects(const struct http *h)
{
	(void)h;
	return 0;
}

int
http_request(struct http *h, const char *method, const char *url,
    const char *content_type, const char *body, size_t body_len,
    struct http_response **out, struct err *e)
{
	struct http_response *r;
	char nonce[32];

	(void)h;
	(void)method;
	(void)url;
	(void)content_type;
	(void)body;
	(void)body_len;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_nomem(e);
	snprintf(nonce, sizeof(nonce), "nonce%lu", ++nonce_counter);
	r->replay_nonce = dup_or_null(nonce);
	r->retry_after = -1;
	if (next < queued) {
		struct answer *a = &queue[next++];

		r->status = a->status;
		r->content_type = a->content_type;
		r->location = a->location;
		r->body = a->body;
		r->body_len = a->len;
		r->retry_after = a->retry_after;
		if (next == queued)
			queued = next = 0;
	} else {
		r->status = 200;
		r->body = dup_or_null("");
	}
	*out = r;
	return 0;
}

void
http_response_free(struct http_response *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->body);
	free(r->content_type);
	free(r->location);
	free(r->replay_nonce);
	for (i = 0; i < r->n_links_alternate; i++)
		free(r->links_alternate[i]);
	free(r->links_alternate);
	free(r->link_up);
	free(r->link_index);
	free(r);
}

struct acme_client *
fuzz_client(void)
{
	static struct acme_client *c;
	static EVP_PKEY *key;
	struct err e;

	if (c != NULL)
		return c;
	err_clear(&e);
	fake_http_push(200, "application/json", fuzz_directory, strlen(fuzz_directory),
	    NULL, -1);
	if (crypto_key_generate(KEY_EC256, &key, &e) != 0 ||
	    acme_client_new(FUZZ_DIRECTORY_URL, NULL, &c, &e) != 0 ||
	    acme_client_set_account(c, key, FUZZ_ACCOUNT_URL, &e) != 0) {
		fprintf(stderr, "fuzz_client: %s\n", e.msg);
		abort();
	}
	return c;
}
