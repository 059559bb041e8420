/* tool.c: a tool's name, its one-line messages and exit statuses, and the signal
 * set-up every tool shares. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

const char *tool_name = "tnsr";

static void on_fatal_signal(int sig)
{
	/* An interrupted write leaves no temporary behind; then die of the signal. */
	tnsr_sink_remove_temporaries();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* OpenMP's workers spin between parallel regions by default.  In a pipeline of tools on
 * a machine with few cores, spinning workers starve the very processes that feed them
 * (a streamed sum went from 0.26 s to seconds under load), so the tools run with
 * OMP_WAIT_POLICY=passive.  libgomp reads it before main runs: set it and re-execute
 * once, keeping the arguments (read back from /proc, as we are not given argv here). */
static void passive_openmp(void)
{
	if (getenv("OMP_WAIT_POLICY"))
		return;
	setenv("OMP_WAIT_POLICY", "passive", 1);
	static char cmdline[1 << 16];
	char *args[4096];
	FILE *f = fopen("/proc/self/cmdline", "rb");
	if (!f)
		return;
	size_t n = fread(cmdline, 1, sizeof cmdline - 1, f);
	bool complete = feof(f);
	fclose(f);
	if (!complete || n == 0)
		return; /* too long to rebuild: run on with spinning workers */
	int argc = 0;
	for (size_t i = 0; i < n && argc < 4095; i += strlen(cmdline + i) + 1)
		args[argc++] = cmdline + i;
	args[argc] = NULL;
	execv("/proc/self/exe", args);
	/* exec failed: carry on as we are */
}

void tool_init(const char *name)
{
	tool_name = name;
	passive_openmp();
	/* A vanished reader shows up as EPIPE from write(), which we stop on quietly. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);
}

static void vsay(const char *fmt, va_list ap)
{
	char line[2048];
	vsnprintf(line, sizeof line, fmt, ap);
	/* Messages are one line by contract, whatever a value contained. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", tool_name, line);
}

void tool_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

_Noreturn void tool_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(2);
}

_Noreturn void tool_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(1);
}

_Noreturn void tool_die(tnsr_status status)
{
	if (status == TNSR_E_PIPE)
		_exit(0);
	tool_warn("%s", tnsr_error_message());
	exit(status == TNSR_E_USAGE ? 2 : 1);
}

_Noreturn void tool_version(void)
{
	printf("%s (tnsr) %s\n", tool_name, TNSR_VERSION);
	tool_finish_stdout();
	exit(0);
}

void tool_finish_stdout(void)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			_exit(0); /* the reader went away: stop quietly */
		fprintf(stderr, "%s: stdout: write failed\n", tool_name);
		exit(1);
	}
}
