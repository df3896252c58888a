/*
 * ACME resources (RFC 8555 section 7.3-7.6, RFC 9773): accounts, orders,
 * authorizations and challenges, finalization, certificate download,
 * revocation, ARI. Every request goes through the transport
 * (acme_transport.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme.h"
#include "acme_priv.h"
#include "base64url.h"
#include "i18n.h"
#include "jws.h"
#include "strv.h"
#include "timefmt.h"

#define TOKEN_MAX 256

int
acme_parse_time(const char *s, long long *out)
{
	return timefmt_parse_rfc3339(s, out);
}

/* Serialises o (consumed). Returns text to free(), or NULL. */
static char *
payload_of(cJSON *o)
{
	char *s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return s;
}

/* ---- accounts ---- */

void
acme_account_free(struct acme_account *a)
{
	if (a == NULL)
		return;
	free(a->url);
	free(a->status);
	strv_free(a->contacts, a->n_contacts);
	free(a->orders);
	free(a);
}

static int
account_from(const cJSON *doc, const char *url, struct acme_account **out, struct err *e)
{
	struct acme_account *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return err_nomem(e);
	a->url = url != NULL ? strdup(url) : NULL;
	a->status = acme_jdup(doc, "status");
	a->orders = acme_jdup(doc, "orders");
	if (acme_jstrv(cJSON_GetObjectItemCaseSensitive(doc, "contact"), &a->contacts,
	    &a->n_contacts) != 0 || a->status == NULL) {
		acme_account_free(a);
		return err_set(e, ERR_PROTO, "%s", _("the account object is malformed"));
	}
	*out = a;
	return 0;
}

static cJSON *
contacts_array(const char *const *contacts, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(contacts[i]));
	return a;
}

int
acme_account_new(struct acme_client *c, const struct acme_account_params *p,
    struct acme_account **out, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *o = cJSON_CreateObject(), *doc = NULL, *eab = NULL;
	char *payload;
	int rc = -1;

	if (o == NULL)
		return err_nomem(e);
	if (p->only_return_existing) {
		cJSON_AddBoolToObject(o, "onlyReturnExisting", 1);
	} else {
		if (p->agree_tos)
			cJSON_AddBoolToObject(o, "termsOfServiceAgreed", 1);
		if (p->n_contacts > 0)
			cJSON_AddItemToObject(o, "contact", contacts_array(p->contacts, p->n_contacts));
		if (p->eab_kid != NULL) {
			if (jws_eab(c->key, p->eab_kid, p->eab_hmac_key, c->dir.new_account, &eab,
			    e) != 0) {
				cJSON_Delete(o);
				return -1;
			}
			cJSON_AddItemToObject(o, "externalAccountBinding", eab);
		}
	}
	if ((payload = payload_of(o)) == NULL)
		return err_nomem(e);
	if (acme_post_json(c, c->dir.new_account, payload, 1, &r, &doc, e) != 0)
		goto out;
	if (r->location == NULL) {
		err_set(e, ERR_PROTO, "%s", _("the CA gave no account URL (Location)"));
		goto out;
	}
	if (acme_url_check(c, r->location, _("the account's Location"), e) != 0)
		goto out;
	if (account_from(doc, r->location, out, e) != 0)
		goto out;
	free(c->kid);
	c->kid = strdup(r->location);
	rc = 0;
out:
	free(payload);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

int
acme_account_update(struct acme_client *c, const char *const *contacts, size_t n_contacts,
    struct acme_account **out, struct err *e)
{
	cJSON *o = cJSON_CreateObject(), *doc = NULL;
	char *payload;
	int rc;

	if (o != NULL && contacts != NULL)
		cJSON_AddItemToObject(o, "contact", contacts_array(contacts, n_contacts));
	if ((payload = payload_of(o)) == NULL)
		return err_nomem(e);
	rc = acme_post_json(c, c->kid, payload, 0, NULL, &doc, e);
	free(payload);
	if (rc == 0)
		rc = account_from(doc, c->kid, out, e);
	cJSON_Delete(doc);
	return rc;
}

int
acme_account_deactivate(struct acme_client *c, struct err *e)
{
	cJSON *doc = NULL;
	const char *status;
	int rc;

	rc = acme_post_json(c, c->kid, "{\"status\":\"deactivated\"}", 0, NULL, &doc, e);
	if (rc == 0 && ((status = acme_jstr(doc, "status")) == NULL ||
	    strcmp(status, "deactivated") != 0))
		rc = err_set(e, ERR_PROTO, "%s", _("the CA did not deactivate the account"));
	cJSON_Delete(doc);
	return rc;
}

int
acme_account_key_change(struct acme_client *c, EVP_PKEY *new_key, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *o = cJSON_CreateObject(), *old_jwk = NULL;
	char *payload = NULL, *inner = NULL;
	int rc = -1;

	if (c->dir.key_change == NULL) {
		cJSON_Delete(o);
		return err_set(e, ERR_PROTO, "%s", _("this CA does not support key changes"));
	}
	if (o == NULL || jws_jwk(c->key, &old_jwk, e) != 0)
		goto out;
	cJSON_AddStringToObject(o, "account", c->kid);
	cJSON_AddItemToObject(o, "oldKey", old_jwk);
	payload = payload_of(o);
	o = NULL;
	/* The inner JWS: signed by the new key, with its jwk, no nonce. */
	if (payload == NULL || jws_sign(new_key, NULL, NULL, c->dir.key_change, payload,
	    &inner, e) != 0)
		goto out;
	if (acme_post(c, c->dir.key_change, inner, 0, &r, e) != 0)
		goto out;
	c->key = new_key;
	rc = 0;
out:
	cJSON_Delete(o);
	free(payload);
	free(inner);
	http_response_free(r);
	return rc;
}

/* ---- identifiers ---- */

void
acme_identifiers_free(struct acme_identifier *ids, size_t n)
{
	size_t i;

	for (i = 0; ids != NULL && i < n; i++) {
		free(ids[i].type);
		free(ids[i].value);
	}
	free(ids);
}

/* 1 when name is a plausible DNS name (with an optional leading "*."). */
static int
dns_name_ok(const char *name)
{
	const char *p = name;
	size_t label = 0;

	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	if (*p == '\0' || strlen(name) > 253)
		return 0;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/* 1 when id is a dns name (no wildcard prefix: RFC 8555 7.1.4) or an IP address. */
static int
identifier_ok(const struct acme_identifier *id)
{
	unsigned char buf[16];

	if (id->type == NULL || id->value == NULL)
		return 0;
	if (strcmp(id->type, "dns") == 0)
		return strncmp(id->value, "*.", 2) != 0 && dns_name_ok(id->value);
	if (strcmp(id->type, "ip") == 0)
		return inet_pton(AF_INET, id->value, buf) == 1 ||
		    inet_pton(AF_INET6, id->value, buf) == 1;
	return 0;
}

int
acme_identifiers_from_names(const char *const *names, size_t n,
    struct acme_identifier **out, struct err *e)
{
	struct acme_identifier *ids;
	unsigned char buf[16];
	size_t i, j;

	ids = calloc(n + 1, sizeof(*ids));
	if (ids == NULL)
		return err_nomem(e);
	for (i = 0; i < n; i++) {
		const char *name = names[i];

		if (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1) {
			ids[i].type = strdup("ip");
			ids[i].value = strdup(name);
		} else if (dns_name_ok(name)) {
			ids[i].type = strdup("dns");
			ids[i].value = strdup(name);
			for (j = 0; ids[i].value != NULL && ids[i].value[j] != '\0'; j++)
				ids[i].value[j] = (char)tolower((unsigned char)ids[i].value[j]);
		} else {
			acme_identifiers_free(ids, n);
			return err_set(e, ERR_USAGE, _("'%s' is not a DNS name or IP address"), name);
		}
		if (ids[i].type == NULL || ids[i].value == NULL) {
			acme_identifiers_free(ids, n);
			return err_nomem(e);
		}
	}
	*out = ids;
	return 0;
}

/* ---- orders ---- */

void
acme_order_free(struct acme_order *o)
{
	if (o == NULL)
		return;
	free(o->url);
	free(o->status);
	free(o->expires);
	acme_identifiers_free(o->identifiers, o->n_identifiers);
	strv_free(o->authorizations, o->n_authorizations);
	free(o->finalize);
	free(o->certificate);
	free(o->profile);
	cJSON_Delete(o->error);
	free(o);
}

static int
order_from(const cJSON *doc, const char *url, const struct http_response *r,
    struct acme_order **out, struct err *e)
{
	struct acme_order *o = calloc(1, sizeof(*o));
	const cJSON *ids, *it, *err;
	size_t i = 0;

	if (o == NULL)
		return err_nomem(e);
	o->url = url != NULL ? strdup(url) : NULL;
	o->status = acme_jdup(doc, "status");
	o->expires = acme_jdup(doc, "expires");
	o->finalize = acme_jdup(doc, "finalize");
	o->certificate = acme_jdup(doc, "certificate");
	o->profile = acme_jdup(doc, "profile");
	o->retry_after = r != NULL ? r->retry_after : -1;
	err = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (cJSON_IsObject(err))
		o->error = cJSON_Duplicate(err, 1);
	ids = cJSON_GetObjectItemCaseSensitive(doc, "identifiers");
	if (cJSON_IsArray(ids)) {
		o->identifiers = calloc((size_t)cJSON_GetArraySize(ids) + 1, sizeof(*o->identifiers));
		cJSON_ArrayForEach(it, ids) {
			if (o->identifiers == NULL)
				break;
			o->identifiers[i].type = acme_jdup(it, "type");
			o->identifiers[i].value = acme_jdup(it, "value");
			i++;
		}
		o->n_identifiers = i;
	}
	if (o->status == NULL || o->finalize == NULL ||
	    acme_jstrv(cJSON_GetObjectItemCaseSensitive(doc, "authorizations"), &o->authorizations,
	    &o->n_authorizations) != 0) {
		acme_order_free(o);
		return err_set(e, ERR_PROTO, _("%s: the order object is malformed"),
		    url != NULL ? url : "newOrder");
	}
	*out = o;
	return 0;
}

/* Checks every URL in an order the CA sent. Returns 0 or -1. */
static int
order_urls_check(const struct acme_client *c, const struct acme_order *o, struct err *e)
{
	size_t i;

	if (acme_url_check(c, o->finalize, "finalize", e) != 0 ||
	    (o->certificate != NULL && acme_url_check(c, o->certificate, "certificate", e) != 0))
		return -1;
	for (i = 0; i < o->n_authorizations; i++) {
		if (acme_url_check(c, o->authorizations[i], "authorizations", e) != 0)
			return -1;
	}
	return 0;
}

static int ari_cert_id_ok(const char *id);

/* Appends s to buf (size n) with anything but printable ASCII shown as '?'. */
static void
append_printable(char *buf, size_t n, const char *s)
{
	size_t len = strlen(buf);

	for (; *s != '\0' && len + 1 < n; s++)
		buf[len++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	buf[len] = '\0';
}

/*
 * A profile is asked for by name: refuse one the CA does not advertise
 * before anything is sent, naming those it does (the CA's names are shown
 * printable-only: they are its data, going to a terminal).
 */
static int
check_profile(const struct acme_directory *d, const char *profile, struct err *e)
{
	char list[512] = "";
	size_t i;

	if (d->n_profiles == 0)
		return err_set(e, ERR_USAGE, _("this CA offers no profiles (asked for '%s')"),
		    profile);
	for (i = 0; i < d->n_profiles; i++) {
		if (strcmp(d->profiles[i], profile) == 0)
			return 0;
	}
	for (i = 0; i < d->n_profiles; i++) {
		if (i > 0)
			append_printable(list, sizeof(list), ", ");
		append_printable(list, sizeof(list), d->profiles[i]);
	}
	return err_set(e, ERR_USAGE, _("this CA has no profile '%s'; it offers: %s"), profile,
	    list);
}

int
acme_order_new(struct acme_client *c, const struct acme_identifier *ids, size_t n,
    const char *profile, const char *replaces, struct acme_order **out, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *o = cJSON_CreateObject(), *arr, *it, *doc = NULL;
	char *payload;
	size_t i;
	int rc = -1;

	if (o == NULL)
		return err_nomem(e);
	arr = cJSON_AddArrayToObject(o, "identifiers");
	for (i = 0; arr != NULL && i < n; i++) {
		it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "type", ids[i].type);
		cJSON_AddStringToObject(it, "value", ids[i].value);
		cJSON_AddItemToArray(arr, it);
	}
	if (profile != NULL) {
		if (check_profile(&c->dir, profile, e) != 0) {
			cJSON_Delete(o);
			return -1;
		}
		cJSON_AddStringToObject(o, "profile", profile);
	}
	/* replaces only where ARI exists: other CAs may reject the unknown field. */
	if (replaces != NULL && c->dir.renewal_info != NULL) {
		if (!ari_cert_id_ok(replaces)) {
			cJSON_Delete(o);
			return err_set(e, ERR_USAGE, "%s", _("malformed ARI certificate ID"));
		}
		cJSON_AddStringToObject(o, "replaces", replaces);
	}
	if ((payload = payload_of(o)) == NULL)
		return err_nomem(e);
	if (acme_post_json(c, c->dir.new_order, payload, 0, &r, &doc, e) != 0)
		goto out;
	if (r->location == NULL) {
		err_set(e, ERR_PROTO, "%s", _("the CA gave no order URL (Location)"));
		goto out;
	}
	if (acme_url_check(c, r->location, _("the order's Location"), e) != 0 ||
	    order_from(doc, r->location, r, out, e) != 0)
		goto out;
	/* One authorization per identifier at most (RFC 8555 7.1.4). */
	if ((*out)->n_authorizations > n) {
		err_set(e, ERR_PROTO, _("%s: the CA listed %zu authorizations for %zu "
		    "identifiers; refusing the order"), r->location, (*out)->n_authorizations, n);
	} else if (order_urls_check(c, *out, e) == 0) {
		rc = 0;
		goto out;
	}
	acme_order_free(*out);
	*out = NULL;
out:
	free(payload);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

int
acme_order_get(struct acme_client *c, const char *url, struct acme_order **out,
    struct err *e)
{
	struct http_response *r = NULL;
	cJSON *doc = NULL;
	int rc;

	rc = acme_post_json(c, url, NULL, 0, &r, &doc, e);
	if (rc == 0)
		rc = order_from(doc, url, r, out, e);
	if (rc == 0 && order_urls_check(c, *out, e) != 0) {
		acme_order_free(*out);
		*out = NULL;
		rc = -1;
	}
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

int
acme_order_finalize(struct acme_client *c, const struct acme_order *o,
    const unsigned char *csr_der, size_t csr_len, struct acme_order **out, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *p = cJSON_CreateObject(), *doc = NULL;
	char *csr = base64url_encode(csr_der, csr_len), *payload;
	int rc = -1;

	if (p != NULL && csr != NULL)
		cJSON_AddStringToObject(p, "csr", csr);
	free(csr);
	if ((payload = payload_of(p)) == NULL)
		return err_nomem(e);
	if (acme_post_json(c, o->finalize, payload, 0, &r, &doc, e) == 0)
		rc = order_from(doc, o->url, r, out, e);
	if (rc == 0 && order_urls_check(c, *out, e) != 0) {
		acme_order_free(*out);
		*out = NULL;
		rc = -1;
	}
	free(payload);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

/* ---- authorizations ---- */

void
acme_authz_free(struct acme_authz *a)
{
	size_t i;

	if (a == NULL)
		return;
	free(a->url);
	free(a->identifier.type);
	free(a->identifier.value);
	free(a->status);
	free(a->expires);
	for (i = 0; i < a->n_challenges; i++) {
		free(a->challenges[i].type);
		free(a->challenges[i].url);
		free(a->challenges[i].status);
		free(a->challenges[i].token);
		cJSON_Delete(a->challenges[i].error);
	}
	free(a->challenges);
	free(a);
}

int
acme_authz_get(struct acme_client *c, const char *url, struct acme_authz **out,
    struct err *e)
{
	struct http_response *r = NULL;
	struct acme_authz *a = NULL;
	cJSON *doc = NULL, *chs, *it, *id, *er;
	size_t i = 0;
	int rc = -1;

	if (acme_post_json(c, url, NULL, 0, &r, &doc, e) != 0)
		return -1;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		err_nomem(e);
		goto out;
	}
	a->url = strdup(url);
	a->status = acme_jdup(doc, "status");
	a->expires = acme_jdup(doc, "expires");
	a->wildcard = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "wildcard"));
	a->retry_after = r->retry_after;
	id = cJSON_GetObjectItemCaseSensitive(doc, "identifier");
	a->identifier.type = acme_jdup(id, "type");
	a->identifier.value = acme_jdup(id, "value");
	chs = cJSON_GetObjectItemCaseSensitive(doc, "challenges");
	if (a->status == NULL || a->identifier.value == NULL || !cJSON_IsArray(chs)) {
		err_set(e, ERR_PROTO, _("%s: the authorization object is malformed"), url);
		goto out;
	}
	/* Like the token, the CA's identifier becomes a record name and a hook argument. */
	if (!identifier_ok(&a->identifier)) {
		err_set(e, ERR_PROTO, _("%s: the CA sent an authorization for a malformed "
		    "identifier; refusing it"), url);
		goto out;
	}
	a->challenges = calloc((size_t)cJSON_GetArraySize(chs) + 1, sizeof(*a->challenges));
	if (a->challenges == NULL) {
		err_nomem(e);
		goto out;
	}
	cJSON_ArrayForEach(it, chs) {
		struct acme_challenge *ch = &a->challenges[i];

		ch->type = acme_jdup(it, "type");
		ch->url = acme_jdup(it, "url");
		ch->status = acme_jdup(it, "status");
		ch->token = acme_jdup(it, "token");
		er = cJSON_GetObjectItemCaseSensitive(it, "error");
		if (cJSON_IsObject(er))
			ch->error = cJSON_Duplicate(er, 1);
		a->n_challenges = ++i;
		if (ch->type == NULL || ch->url == NULL || ch->status == NULL) {
			err_set(e, ERR_PROTO, _("%s: a challenge object is malformed"), url);
			goto out;
		}
		if (acme_url_check(c, ch->url, _("a challenge URL"), e) != 0)
			goto out;
		/* The CA's token will become a file name, a record, a hook argument. */
		if (ch->token != NULL && !base64url_is_token(ch->token, TOKEN_MAX)) {
			err_set(e, ERR_PROTO, _("%s: the CA sent a challenge token that is not "
			    "base64url; refusing it"), a->identifier.value);
			goto out;
		}
	}
	*out = a;
	a = NULL;
	rc = 0;
out:
	acme_authz_free(a);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}

const struct acme_challenge *
acme_authz_challenge(const struct acme_authz *a, const char *type)
{
	size_t i;

	for (i = 0; i < a->n_challenges; i++) {
		if (strcmp(a->challenges[i].type, type) == 0 && a->challenges[i].token != NULL)
			return &a->challenges[i];
	}
	return NULL;
}

/* acme_post as the account when only success matters. Returns 0 or -1. */
static int
post_for_status(struct acme_client *c, const char *url, const char *payload, struct err *e)
{
	struct http_response *r = NULL;
	int rc = acme_post(c, url, payload, 0, &r, e);

	http_response_free(r);
	return rc;
}

int
acme_challenge_respond(struct acme_client *c, const char *url, struct err *e)
{
	return post_for_status(c, url, "{}", e);
}

int
acme_authz_deactivate(struct acme_client *c, const char *url, struct err *e)
{
	return post_for_status(c, url, "{\"status\":\"deactivated\"}", e);
}

/* ---- certificates ---- */

int
acme_cert_download(struct acme_client *c, const char *url, char **pem, char ***alternates,
    size_t *n_alternates, struct err *e)
{
	struct http_response *r = NULL;
	size_t i;

	*alternates = NULL;
	*n_alternates = 0;
	if (acme_post(c, url, NULL, 0, &r, e) != 0)
		return -1;
	if (r->body == NULL || strstr(r->body, "-----BEGIN CERTIFICATE-----") == NULL) {
		http_response_free(r);
		return err_set(e, ERR_PROTO, _("%s: the answer is not a PEM certificate chain"), url);
	}
	for (i = 0; i < r->n_links_alternate; i++) {
		if (acme_url_check(c, r->links_alternate[i], _("an alternate chain Link"),
		    e) != 0) {
			http_response_free(r);
			return -1;
		}
	}
	*pem = r->body;
	r->body = NULL;
	if (r->n_links_alternate > 0) {
		*alternates = calloc(r->n_links_alternate, sizeof(char *));
		for (i = 0; *alternates != NULL && i < r->n_links_alternate; i++)
			if (((*alternates)[i] = strdup(r->links_alternate[i])) != NULL)
				(*n_alternates)++;
	}
	http_response_free(r);
	return 0;
}

int
acme_revoke(struct acme_client *c, const unsigned char *cert_der, size_t der_len,
    int reason, EVP_PKEY *cert_key, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *o = cJSON_CreateObject();
	char *der = base64url_encode(cert_der, der_len), *payload;
	int rc;

	if (c->dir.revoke_cert == NULL) {
		cJSON_Delete(o);
		free(der);
		return err_set(e, ERR_PROTO, "%s", _("this CA has no revokeCert endpoint"));
	}
	if (o != NULL && der != NULL) {
		cJSON_AddStringToObject(o, "certificate", der);
		cJSON_AddNumberToObject(o, "reason", reason);
	}
	free(der);
	if ((payload = payload_of(o)) == NULL)
		return err_nomem(e);
	if (cert_key != NULL)
		rc = acme_post_signed(c, cert_key, NULL, c->dir.revoke_cert, payload, &r, e);
	else
		rc = acme_post(c, c->dir.revoke_cert, payload, 0, &r, e);
	free(payload);
	http_response_free(r);
	return rc;
}

/* ---- ARI ---- */

int
acme_ari_cert_id(const unsigned char *aki, size_t aki_len, const unsigned char *serial,
    size_t serial_len, char **out, struct err *e)
{
	char *a, *s;
	size_t n;

	if (aki == NULL || aki_len == 0 || serial == NULL || serial_len == 0)
		return err_set(e, ERR_INPUT, "%s",
		    _("the certificate has no authority key identifier or serial"));
	a = base64url_encode(aki, aki_len);
	s = base64url_encode(serial, serial_len);
	if (a == NULL || s == NULL) {
		free(a);
		free(s);
		return err_nomem(e);
	}
	n = strlen(a) + strlen(s) + 2;
	if ((*out = malloc(n)) != NULL)
		snprintf(*out, n, "%s.%s", a, s);
	free(a);
	free(s);
	return *out != NULL ? 0 : err_nomem(e);
}

/*
 * 1 for "B64.B64": exactly one dot between two non-empty base64url parts.
 * The ID becomes a path segment, so "../" or a second "/" must not pass.
 */
static int
ari_cert_id_ok(const char *id)
{
	const char *dot = strchr(id, '.');
	size_t i;

	if (dot == NULL || dot == id || dot[1] == '\0' || strlen(id) > 1024 ||
	    strchr(dot + 1, '.') != NULL)
		return 0;
	for (i = 0; id[i] != '\0'; i++) {
		if (id + i != dot && !isalnum((unsigned char)id[i]) && id[i] != '-' &&
		    id[i] != '_')
			return 0;
	}
	return 1;
}

int
acme_renewal_info_get(struct acme_client *c, const char *cert_id,
    struct acme_renewal_info *out, struct err *e)
{
	struct http_response *r = NULL;
	cJSON *doc = NULL, *win;
	char *url;
	size_t n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->retry_after = -1;
	/* The directory keeps only a well-formed URL; an empty one is none. */
	if (c->dir.renewal_info == NULL || c->dir.renewal_info[0] == '\0')
		return 1;
	if (acme_url_check(c, c->dir.renewal_info, "renewalInfo", e) != 0)
		return -1;
	if (!ari_cert_id_ok(cert_id))
		return err_set(e, ERR_USAGE, "%s", _("malformed ARI certificate ID"));
	n = strlen(c->dir.renewal_info) + strlen(cert_id) + 2;
	if ((url = malloc(n)) == NULL)
		return err_nomem(e);
	snprintf(url, n, "%s%s%s", c->dir.renewal_info,
	    c->dir.renewal_info[strlen(c->dir.renewal_info) - 1] == '/' ? "" : "/", cert_id);
	if (http_request(c->http, "GET", url, NULL, NULL, 0, &r, e) != 0)
		goto out;
	if (r->status != 200) {
		acme_problem_to_err(r, url, e);
		goto out;
	}
	if (acme_parse_json_body(r, url, &doc, e) != 0)
		goto out;
	win = cJSON_GetObjectItemCaseSensitive(doc, "suggestedWindow");
	if (timefmt_parse_rfc3339(acme_jstr(win, "start"), &out->window_start) != 0 ||
	    timefmt_parse_rfc3339(acme_jstr(win, "end"), &out->window_end) != 0 ||
	    out->window_end < out->window_start) {
		err_set(e, ERR_PROTO, _("%s: no valid suggestedWindow"), url);
		goto out;
	}
	out->explanation_url = acme_jdup(doc, "explanationURL");
	out->retry_after = r->retry_after;
	rc = 0;
out:
	free(url);
	cJSON_Delete(doc);
	http_response_free(r);
	return rc;
}
