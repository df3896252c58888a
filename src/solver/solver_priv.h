/*
 * Helpers shared by the solver implementations; not part of the public
 * interface.
 */
#ifndef CERTDECK_SOLVER_PRIV_H
#define CERTDECK_SOLVER_PRIV_H

#include <sys/socket.h>

#include "err.h"
#include "solver.h"

/* Longest token any solver accepts (base64url characters). */
#define SOLVER_TOKEN_MAX 256

/*
 * Checks a challenge before any part of it is used: the token is
 * base64url (at most SOLVER_TOKEN_MAX characters), the key authorization
 * is token "." base64url thumbprint, and the identifier is a DNS name
 * (optionally "*."-prefixed) or an IP literal. Returns 0, or -1 with a
 * message that never quotes the rejected data.
 */
int solver_check_challenge(const struct solver_challenge *c, struct err *e);

/* AF_INET or AF_INET6 when identifier is an IP literal, else 0. */
int solver_ip_family(const char *identifier);

/*
 * Parses a numeric listen address ("127.0.0.1", "::1" or "[::1]") and a
 * port into *ss. Returns 0, or -1 when addr is not an IP literal or the
 * port is out of range. addr must not be NULL.
 */
int solver_parse_listen_addr(const char *addr, int port,
    struct sockaddr_storage *ss, socklen_t *len, struct err *e);

/*
 * Opens a listening TCP socket (close-on-exec, non-blocking, backlog 128)
 * on addr:port; addr NULL means every address (IPv6 dual stack when
 * available, else IPv4). port 0 picks a free port. Returns 0 with *fd and
 * *bound_port, or -1 (e.g. the port is taken).
 */
int solver_listen(const char *addr, int port, int *fd, int *bound_port,
    struct err *e);

#endif
