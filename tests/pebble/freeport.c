/*
 * freeport [N]: prints N (default 1) distinct free TCP ports on 127.0.0.1,
 * one a line. All N sockets stay bound until every port is chosen, so the
 * ports differ from each other; each is also checked free for UDP, since
 * the caller may put a DNS server there. The ports are released on exit:
 * the caller should bind them soon and retry on a clash.
 *
 * The ports come from below the kernel's ephemeral range, never from it:
 * a port handed out here often stays unbound for a while (the http-01 port
 * is bound only while a worker runs a job), and in the ephemeral range any
 * outgoing connection of a test running alongside may take it as its local
 * port meanwhile, and the test's bind then fails.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 32

static int
bind_loopback(int type, unsigned port, unsigned *got)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	if ((fd = socket(AF_INET, type, 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		close(fd);
		return -1;
	}
	if (got != NULL)
		*got = ntohs(sin.sin_port);
	return fd;
}

/* The first port of the kernel's ephemeral range (32768 unless changed). */
static unsigned
ephemeral_low(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned lo = 32768, hi;

	if (f != NULL) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 32768;
		fclose(f);
	}
	return lo;
}

int
main(int argc, char **argv)
{
	unsigned ports[MAX_PORTS];
	int fds[2 * MAX_PORTS];
	int n = 1, have = 0, nfd = 0, tries = 0, i;
	unsigned lo, base, span, next;

	if (argc > 1)
		n = atoi(argv[1]);
	if (n < 1 || n > MAX_PORTS) {
		fprintf(stderr, "usage: freeport [1..%d]\n", MAX_PORTS);
		return 2;
	}
	/* Candidates: up to 16384 ports just below the ephemeral range, from a
	 * random start, so that tests running at once rarely try the same. */
	lo = ephemeral_low();
	base = lo > 16384 + 1024 ? lo - 16384 : 1024;
	span = lo > base ? lo - base : 0;
	if (span < (unsigned)n * 4) {
		base = 0;	/* no room below: let the kernel choose */
		span = 0;
	}
	if (getentropy(&next, sizeof(next)) != 0)
		next = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
	next = span ? next % span : 0;
	while (have < n && tries++ < 4000) {
		unsigned p, want = span ? base + (next++ % span) : 0;
		int tfd, ufd;

		if ((tfd = bind_loopback(SOCK_STREAM, want, &p)) < 0) {
			if (span)
				continue;
			break;
		}
		if ((ufd = bind_loopback(SOCK_DGRAM, p, NULL)) < 0) {
			close(tfd);
			continue;
		}
		fds[nfd++] = tfd;
		fds[nfd++] = ufd;
		ports[have++] = p;
	}
	if (have < n) {
		perror("freeport");
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("%u\n", ports[i]);
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	return 0;
}
