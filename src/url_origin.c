#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "url_origin.h"

int
url_origin(const char *url, char **out, struct err *e)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *p;
	size_t n;
	int rc = -1;

	*out = NULL;
	if (url == NULL || strncasecmp(url, "https://", 8) != 0)
		goto bad;
	for (p = (char *)url; *p != '\0'; p++) {
		/* No blanks or controls: a URL of ours is printed and logged. */
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			goto bad;
	}
	if ((u = curl_url()) == NULL)
		return err_nomem(e);
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    strcmp(scheme, "https") != 0 ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0' ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto bad;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		goto bad;
	for (p = host; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	n = strlen("https://") + strlen(host) + 1 + strlen(port) + 1;
	if ((*out = malloc(n)) == NULL) {
		err_nomem(e);
		goto out;
	}
	snprintf(*out, n, "https://%s:%s", host, port);
	rc = 0;
	goto out;
bad:
	err_set(e, ERR_PROTO, _("'%s' is not an absolute https URL"), url != NULL ? url : "");
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}
