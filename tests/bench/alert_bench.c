/*
 * Times the alert conditions on a store (not a pass/fail test):
 *   alert_bench STORE [ROUNDS]
 * prints the alerts found and the best and median time of ROUNDS
 * evaluations (default 20), each on the open connection as `status` does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alert.h"
#include "store.h"
#include "store_alert.h"
#include "timefmt.h"

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct alert_report r;
	struct alert_opts o;
	struct mon_summary sum;
	struct store *st = NULL;
	struct err e;
	double t[1000];
	int rounds = argc > 2 ? atoi(argv[2]) : 20, i;
	struct timespec a, b;

	if (argc < 2 || rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: alert_bench STORE [ROUNDS]\n");
		return 2;
	}
	err_clear(&e);
	if (store_open(argv[1], 0, &st, &e) != 0) {
		fprintf(stderr, "alert_bench: %s\n", e.msg);
		return 1;
	}
	alert_opts_default(&o);
	for (i = 0; i < rounds; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (alert_evaluate(st, &o, &r, &e) != 0 ||
		    store_alert_summary(st, r.now, &sum, &e) != 0) {
			fprintf(stderr, "alert_bench: %s\n", e.msg);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		if (i + 1 < rounds)
			alert_report_clear(&r);
	}
	qsort(t, (size_t)rounds, sizeof(t[0]), cmp);
	printf("certificates %ld, alerts %zu (expiring %zu, revoked %zu, job-failed %zu, "
	    "job-retrying %zu, renew-stale %zu)\n", sum.certificates, r.total,
	    r.count[ALERT_EXPIRING], r.count[ALERT_REVOKED], r.count[ALERT_JOB_FAILED],
	    r.count[ALERT_JOB_RETRYING], r.count[ALERT_RENEW_STALE]);
	printf("evaluate+summary: best %.2f ms, median %.2f ms over %d rounds\n", t[0],
	    t[rounds / 2], rounds);
	alert_report_clear(&r);
	store_close(st);
	return 0;
}
