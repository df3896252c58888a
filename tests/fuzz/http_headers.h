/*
 * For the header fuzz targets: src/http.c compiled into the target itself,
 * so that its header parser (static: it is libcurl's header callback) is
 * reachable without a network or a change to the engine. feed_header()
 * hands one header line to it, as libcurl does.
 */
#ifndef CERTDECK_FUZZ_HTTP_HEADERS_H
#define CERTDECK_FUZZ_HTTP_HEADERS_H

#include "../../src/http.c"

/* A response with nothing seen yet, for feed_header; aborts on no memory. */
static struct http_response *
fuzz_response_new(struct http *h)
{
	struct http_response *r = calloc(1, sizeof(*r));

	if (r == NULL)
		abort();
	r->retry_after = -1;
	memset(h, 0, sizeof(*h));
	h->cur = r;
	return r;
}

/* Feeds name ": " value "\r\n" to the header callback; 1 when it took it. */
static int __attribute__((unused))
feed_header(struct http *h, const char *name, const uint8_t *value, size_t n)
{
	size_t nl = strlen(name), len = nl + 2 + n + 2;
	char *line = malloc(len);
	size_t took;

	if (line == NULL)
		abort();
	memcpy(line, name, nl);
	memcpy(line + nl, ": ", 2);
	if (n > 0)
		memcpy(line + nl + 2, value, n);
	memcpy(line + nl + 2 + n, "\r\n", 2);
	took = header_cb(line, 1, len, h);
	free(line);
	return took == len;
}

/* What every header target checks of the result. */
static void
check_response(const struct http_response *r)
{
	size_t i;

	if (r->retry_after < -1 || r->retry_after > RETRY_AFTER_MAX)
		abort();
	if (r->n_links_alternate > LINKS_ALTERNATE_MAX)
		abort();
	for (i = 0; i < r->n_links_alternate; i++)
		(void)strlen(r->links_alternate[i]);
	if (r->content_type != NULL)
		for (i = 0; r->content_type[i] != '\0'; i++)
			if (r->content_type[i] >= 'A' && r->content_type[i] <= 'Z')
				abort();
}

#endif
