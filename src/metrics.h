/*
 * Prometheus metrics from the store: the text exposition format, written
 * to a file for node_exporter's textfile collector or served at /metrics.
 * Per certificate the names of x509-certificate-exporter (x509_cert_*),
 * which existing alert rules use, and certdeck_* series for renewal, jobs,
 * alerts and the last renew run.
 */
#ifndef CERTDECK_METRICS_H
#define CERTDECK_METRICS_H

#include <stddef.h>

#include "err.h"
#include "store.h"

/*
 * Renders the metrics of st at now (0: store_now()). Returns 0 and *out
 * (NUL-terminated, free()) and *len, or -1.
 */
int metrics_render(struct store *st, long long now, char **out, size_t *len, struct err *e);

struct metrics_server;

/*
 * Serves GET /metrics on the numeric address listen ("127.0.0.1:9793",
 * "[::1]:9793"; port 0 picks a free one), bound to that address only,
 * rendering from the store at store_path on each request. Returns 0 and
 * *out (stop with metrics_server_stop), or -1.
 */
int metrics_server_start(const char *store_path, const char *listen,
    struct metrics_server **out, struct err *e);

/* The port the server listens on. */
int metrics_server_port(const struct metrics_server *s);

/* Stops the server and frees it. Accepts NULL. */
void metrics_server_stop(struct metrics_server *s);

#endif
