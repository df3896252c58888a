#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_job.h"
#include "fileio.h"
#include "i18n.h"
#include "metrics.h"

/* Serves until SIGINT or SIGTERM. Returns an exit code. */
static int
serve(struct cli *cli, const char *listen)
{
	struct metrics_server *srv = NULL;
	sigset_t block, old;
	struct err e;
	char *path;
	int rc;

	err_clear(&e);
	if ((path = store_default_path(cli->store_flag, &e)) == NULL)
		return cli_fail(&e);
	/* Signals reach this thread only, in sigsuspend: none is lost between checks. */
	cli_job_signals();
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = metrics_server_start(path, listen, &srv, &e);
	free(path);
	if (rc != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return cli_fail(&e);
	}
	cli_msg(_("serving /metrics on %s (port %d)"), listen, metrics_server_port(srv));
	while (!cli_job_stop)
		sigsuspend(&old);
	metrics_server_stop(srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return CLI_OK;
}

static int
cmd_metrics_exec(struct cli *cli, const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "listen", required_argument, NULL, 'l' },
		CLI_COMMON_OPTIONS, { 0 },
	};
	const struct fileio_perm perm = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	const char *output = NULL, *listen = NULL;
	struct store *st;
	struct err e;
	char *text = NULL;
	size_t len = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': output = optarg; continue;
		case 'l': listen = optarg; continue;
		}
		if ((rc = cli_common_option(cli, self, opt)) != CLI_CONTINUE)
			return rc;
	}
	if ((rc = cli_no_operands(self, argc, argv)) != CLI_OK)
		return rc;
	if (output != NULL && listen != NULL)
		return cli_usage(self, "%s", _("--output and --listen do not go together"));
	if (listen != NULL)
		return serve(cli, listen);
	if ((rc = cli_open_store(cli, 0, &st)) != CLI_OK)
		return rc;
	err_clear(&e);
	rc = metrics_render(st, 0, &text, &len, &e);
	store_close(st);
	if (rc != 0)
		return cli_fail(&e);
	if (output != NULL)
		rc = fileio_write_atomic(output, text, len, &perm, &e);
	else
		rc = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 :
		    err_set(&e, ERR_IO, "%s", _("cannot write the metrics to standard output"));
	free(text);
	return rc == 0 ? CLI_OK : cli_fail(&e);
}

const struct cmd_entry cmd_metrics_entry = {
	.name = "metrics",
	.args = "[--output FILE | --listen ADDRESS:PORT]",
	.summary = N_("Prometheus metrics: certificates, renewals, jobs, alerts"),
	.options = N_("Per certificate x509_cert_not_after, x509_cert_not_before and\n"
	    "x509_cert_expired (the names of x509-certificate-exporter), plus certdeck_*\n"
	    "series for renewals, jobs, alert conditions and the last renew run.\n"
	    "      --output FILE          write them to FILE atomically (for\n"
	    "                             node_exporter's textfile collector)\n"
	    "      --listen ADDRESS:PORT  serve them at /metrics, on that address only\n"
	    "                             (e.g. 127.0.0.1:9793 or [::1]:9793)\n"
	    "Without either, they go to standard output.\n"),
	.exec = cmd_metrics_exec,
};
