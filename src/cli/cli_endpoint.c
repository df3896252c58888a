#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli_endpoint.h"
#include "i18n.h"
#include "timefmt.h"

int
cli_endpoint_target(const struct cmd_entry *self, const char *arg, const char *starttls,
    struct probe_opts *o, char *host, size_t size)
{
	struct err e;

	err_clear(&e);
	if (probe_starttls_parse(starttls, &o->starttls, &e) != 0 ||
	    probe_parse_target(arg, probe_default_port(o->starttls), host, size, &o->port,
	    &e) != 0)
		return cli_usage(self, "%s", e.msg);
	o->host = host;
	return CLI_OK;
}

const char *
cli_endpoint_address(const char *host, int port, char *buf, size_t size)
{
	snprintf(buf, size, strchr(host, ':') != NULL ? "[%s]:%d" : "%s:%d", host, port);
	return buf;
}

static void
add_text(cJSON *o, const char *k, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

cJSON *
cli_endpoint_json(const struct endpoint_row *r)
{
	cJSON *o = cJSON_CreateObject(), *last;
	char t[40];

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddNumberToObject(o, "cert_id", (double)r->cert_id);
	cJSON_AddStringToObject(o, "host", r->host);
	cJSON_AddNumberToObject(o, "port", r->port);
	add_text(o, "sni", r->sni);
	add_text(o, "starttls", r->starttls);
	timefmt_rfc3339(r->created, t, sizeof(t));
	cJSON_AddStringToObject(o, "created", t);
	if (r->checked == 0 || !r->has_state) {
		cJSON_AddNullToObject(o, "last_check");
		return o;
	}
	last = cJSON_AddObjectToObject(o, "last_check");
	timefmt_rfc3339(r->checked, t, sizeof(t));
	cJSON_AddStringToObject(last, "time", t);
	cJSON_AddStringToObject(last, "state", store_endpoint_state_name(r->state));
	add_text(last, "fingerprint", r->fingerprint);
	if (r->served_cert_id > 0)
		cJSON_AddNumberToObject(last, "served_cert_id", (double)r->served_cert_id);
	else
		cJSON_AddNullToObject(last, "served_cert_id");
	if (r->served_not_after > 0) {
		timefmt_rfc3339(r->served_not_after, t, sizeof(t));
		cJSON_AddStringToObject(last, "not_after", t);
	} else {
		cJSON_AddNullToObject(last, "not_after");
	}
	add_text(last, "protocol", r->protocol);
	add_text(last, "cipher", r->cipher);
	add_text(last, "message", r->message);
	return o;
}
