/*
 * What the endpoint commands (probe, endpoint, check) share: reading a
 * HOST[:PORT] operand with its STARTTLS protocol, and an endpoint as JSON
 * and as a line of text.
 */
#ifndef CERTDECK_CLI_ENDPOINT_H
#define CERTDECK_CLI_ENDPOINT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "cli.h"
#include "probe.h"
#include "store_endpoint.h"

/*
 * Parses starttls (NULL: none) into o->starttls and arg into host (size
 * bytes) and o->port (the protocol's default port when none is given);
 * o->host then points at host. Returns CLI_OK, or CLI_USAGE after saying why.
 */
int cli_endpoint_target(const struct cmd_entry *self, const char *arg, const char *starttls,
    struct probe_opts *o, char *host, size_t size);

/* The endpoint as a JSON object (the caller's), its last check included; NULL on OOM. */
cJSON *cli_endpoint_json(const struct endpoint_row *r);

/* "host:port" with "[...]" around an IPv6 address, into buf. Returns buf. */
const char *cli_endpoint_address(const char *host, int port, char *buf, size_t size);

#endif
