#ifndef CERTDECK_URL_ORIGIN_H
#define CERTDECK_URL_ORIGIN_H

/*
 * Which origin a URL belongs to: the same-origin rule for CA URLs. Kept
 * apart from the transport (http.c) so code that only compares origins
 * does not drag the libcurl client in (the fuzz targets replace it).
 */

#include "err.h"

/*
 * The origin of an absolute https URL: "https://host:port" with the host
 * lower-cased and the port always given (443 when the URL has none), so
 * two spellings of one origin compare equal with strcmp. Returns 0 and
 * *out (free()), or -1 (ERR_PROTO naming url) for anything but an
 * absolute https URL with a host and no user information.
 */
int url_origin(const char *url, char **out, struct err *e);

#endif
