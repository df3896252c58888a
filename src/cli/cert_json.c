#include "config.h"

#include "cert_json.h"
#include "expiry.h"
#include "revocation.h"
#include "timefmt.h"
#include "store_location.h"

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static void
add_id(cJSON *o, const char *k, long long v)
{
	if (v > 0)
		cJSON_AddNumberToObject(o, k, (double)v);
	else
		cJSON_AddNullToObject(o, k);
}

cJSON *
cert_json(const struct cert_row *row, long long now, int with_pem)
{
	cJSON *o, *names;
	char t[40];
	size_t i;

	o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)row->id);
	add_str(o, "name", row->name);
	names = cJSON_AddArrayToObject(o, "names");
	for (i = 0; names != NULL && i < row->n_sans; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(row->sans[i]));
	add_str(o, "status", expiry_status(row->status == CERT_VALID ? "valid" :
	    store_cert_status_name(row->status), row->not_after, now));
	timefmt_rfc3339(row->not_before, t, sizeof(t));
	cJSON_AddStringToObject(o, "not_before", t);
	timefmt_rfc3339(row->not_after, t, sizeof(t));
	cJSON_AddStringToObject(o, "not_after", t);
	cJSON_AddNumberToObject(o, "days_left",
	    (double)expiry_days_left(row->not_after, now));
	add_str(o, "subject", row->subject);
	add_str(o, "issuer", row->issuer);
	add_str(o, "issuer_cn", row->issuer_cn);
	add_str(o, "serial", row->serial);
	add_str(o, "key_type", row->key_type);
	add_str(o, "fingerprint_sha256", row->fingerprint);
	cJSON_AddBoolToObject(o, "key_held", row->key_id > 0);
	add_id(o, "account_id", row->account_id);
	add_id(o, "order_id", row->order_id);
	add_id(o, "replaced_by", row->replaced_by);
	add_str(o, "source", row->source);
	add_str(o, "kind", store_cert_kind_name(row->kind));
	add_str(o, "validation", store_cert_validation_name(row->validation));
	if (row->renew_at > 0) {
		timefmt_rfc3339(row->renew_at, t, sizeof(t));
		cJSON_AddStringToObject(o, "renew_at", t);
	} else {
		cJSON_AddNullToObject(o, "renew_at");
	}
	if (row->ari_start > 0) {
		cJSON *w = cJSON_AddObjectToObject(o, "ari_window");

		timefmt_rfc3339(row->ari_start, t, sizeof(t));
		cJSON_AddStringToObject(w, "start", t);
		timefmt_rfc3339(row->ari_end, t, sizeof(t));
		cJSON_AddStringToObject(w, "end", t);
		add_str(w, "explanation_url", row->ari_explanation);
	} else {
		cJSON_AddNullToObject(o, "ari_window");
	}
	if (row->revoked_at > 0) {
		timefmt_rfc3339(row->revoked_at, t, sizeof(t));
		cJSON_AddStringToObject(o, "revoked_at", t);
		cJSON_AddNumberToObject(o, "revocation_reason", row->revocation_reason);
	}
	if (with_pem)
		add_str(o, "pem", row->pem_chain);
	return o;
}

static int
add_location(const struct cert_location *loc, void *arg)
{
	cJSON *a = arg, *l = cJSON_CreateObject();
	char t[40];

	if (l == NULL || !cJSON_AddItemToArray(a, l)) {
		cJSON_Delete(l);
		return -1;
	}
	cJSON_AddStringToObject(l, "path", loc->path);
	timefmt_rfc3339(loc->mtime_ns / 1000000000LL, t, sizeof(t));
	cJSON_AddStringToObject(l, "mtime", t);
	cJSON_AddNumberToObject(l, "inode", (double)loc->inode);
	cJSON_AddNumberToObject(l, "size", (double)loc->size);
	timefmt_rfc3339(loc->seen_at, t, sizeof(t));
	cJSON_AddStringToObject(l, "seen_at", t);
	return 0;
}

static void
add_time(cJSON *o, const char *k, long long t)
{
	char buf[40];

	if (t > 0) {
		timefmt_rfc3339(t, buf, sizeof(buf));
		cJSON_AddStringToObject(o, k, buf);
	} else {
		cJSON_AddNullToObject(o, k);
	}
}

int
cert_json_add_revocation(cJSON *o, const struct revocation_row *r)
{
	cJSON *v;

	if (r == NULL)
		return cJSON_AddNullToObject(o, "revocation") != NULL ? 0 : -1;
	if ((v = cJSON_AddObjectToObject(o, "revocation")) == NULL)
		return -1;
	cJSON_AddStringToObject(v, "state", store_revocation_state_name(r->state));
	add_str(v, "method", r->method[0] != '\0' ? r->method : NULL);
	add_str(v, "url", r->source_url[0] != '\0' ? r->source_url : NULL);
	if (r->state == REVOCATION_REVOKED) {
		cJSON_AddStringToObject(v, "reason", revocation_reason_name(r->reason));
		add_time(v, "revoked_at", r->revoked_at);
	}
	add_str(v, "detail", r->detail[0] != '\0' ? r->detail : NULL);
	add_time(v, "checked_at", r->checked_at);
	add_time(v, "next_check", r->next_check);
	return 0;
}

int
cert_json_add_locations(cJSON *o, struct store *st, int64_t id, struct err *e)
{
	cJSON *a = cJSON_AddArrayToObject(o, "locations");
	int rc;

	if (a == NULL)
		return err_nomem(e);
	rc = store_location_list_cert(st, id, add_location, a, e);
	if (rc > 0 || rc < 0)
		return rc < 0 ? -1 : err_nomem(e);
	return 0;
}

int
cert_json_revocation_of(cJSON *o, struct store *st, int64_t id, struct err *e)
{
	struct revocation_row r;
	int rc = store_revocation_get(st, id, &r, e);

	if (rc < 0)
		return -1;
	if (cert_json_add_revocation(o, rc == 0 ? &r : NULL) != 0)
		return err_nomem(e);
	return 0;
}
