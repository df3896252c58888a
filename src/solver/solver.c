#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "base64url.h"
#include "i18n.h"
#include "solver.h"
#include "solver_priv.h"

void
solver_free(struct solver *s)
{
	if (s != NULL && s->ops != NULL && s->ops->free != NULL)
		s->ops->free(s);
}

int
solver_ip_family(const char *identifier)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, identifier, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, identifier, buf) == 1)
		return AF_INET6;
	return 0;
}

/*
 * Letters, digits, '-' and '_' in labels of 1..63 that neither start nor
 * end with '-' (so no part of a name reads as a program option), an
 * optional "*." in front.
 */
static int
dns_name_ok(const char *name)
{
	size_t n, i, label = 0;

	if (strncmp(name, "*.", 2) == 0)
		name += 2;
	n = strlen(name);
	/* An absolute name ("example.com.") is tolerated. */
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (ch == '.') {
			if (label == 0 || name[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (ch == '-' && label == 0)
			return 0;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && name[n - 1] != '-';
}

int
solver_check_challenge(const struct solver_challenge *c, struct err *e)
{
	size_t tl;

	if (c == NULL || c->identifier == NULL || c->token == NULL ||
	    c->key_authorization == NULL)
		return err_set(e, ERR_USAGE, "%s", _("incomplete challenge"));
	/*
	 * The token comes from the CA and ends up in file names, DNS records,
	 * program arguments and logs: only base64url passes (CVE-2023-38198).
	 */
	if (!base64url_is_token(c->token, SOLVER_TOKEN_MAX))
		return err_set(e, ERR_PROTO, "%s",
		    _("refusing challenge: the token is not a base64url string"));
	tl = strlen(c->token);
	if (strncmp(c->key_authorization, c->token, tl) != 0 ||
	    c->key_authorization[tl] != '.' ||
	    !base64url_is_token(c->key_authorization + tl + 1, SOLVER_TOKEN_MAX))
		return err_set(e, ERR_USAGE, "%s",
		    _("refusing challenge: the key authorization is not token.thumbprint"));
	if (solver_ip_family(c->identifier) == 0 && !dns_name_ok(c->identifier))
		return err_set(e, ERR_INPUT, "%s",
		    _("refusing challenge: the identifier is neither a DNS name nor an IP address"));
	return 0;
}

int
solver_parse_listen_addr(const char *addr, int port, struct sockaddr_storage *ss,
    socklen_t *len, struct err *e)
{
	struct addrinfo hints, *res = NULL;
	char host[INET6_ADDRSTRLEN + 64];
	size_t n = strlen(addr);
	int rc;

	if (port < 0 || port > 65535)
		return err_set(e, ERR_USAGE, _("port %d is out of range"), port);
	/* "[::1]" as written in URLs. */
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host))
		return err_set(e, ERR_USAGE, "%s", _("listen address is not an IP address"));
	memcpy(host, addr, n);
	host[n] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(*ss)) {
		if (res != NULL)
			freeaddrinfo(res);
		return err_set(e, ERR_USAGE, _("listen address %s is not an IP address"), host);
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((unsigned short)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((unsigned short)port);
	return 0;
}

int
solver_listen(const char *addr, int port, int *fd, int *bound_port, struct err *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s = -1, one = 1, zero = 0;

	if (addr != NULL) {
		if (solver_parse_listen_addr(addr, port, &ss, &len, e) == -1)
			return -1;
		s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		if (port < 0 || port > 65535)
			return err_set(e, ERR_USAGE, _("port %d is out of range"), port);
		memset(&ss, 0, sizeof(ss));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		sin6->sin6_port = htons((unsigned short)port);
		len = sizeof(*sin6);
		s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s != -1 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		    sizeof(zero)) == -1) {
			close(s);
			s = -1;
		}
		if (s == -1) {
			/* No IPv6 on this host: every IPv4 address then. */
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			memset(&ss, 0, sizeof(ss));
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
			sin->sin_port = htons((unsigned short)port);
			len = sizeof(*sin);
			s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		}
	}
	if (s == -1)
		return err_set(e, ERR_NET, _("cannot create a socket: %s"), strerror(errno));
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && addr != NULL)
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len) == -1 || listen(s, 128) == -1) {
		int saved = errno;

		close(s);
		return err_set(e, ERR_NET, _("cannot listen on %s port %d: %s"),
		    addr != NULL ? addr : "*", port, strerror(saved));
	}
	len = sizeof(ss);
	if (getsockname(s, (struct sockaddr *)&ss, &len) == -1) {
		int saved = errno;

		close(s);
		return err_set(e, ERR_NET, _("cannot read the listening address: %s"),
		    strerror(saved));
	}
	*bound_port = ntohs(ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	*fd = s;
	return 0;
}
