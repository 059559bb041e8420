/* batch.c: tgrad --check --batch FILE, gradient checks for CI as TAP.  Each line is split
 * into words as a shell would and read as the arguments after `tgrad --check`; each case
 * runs in a child process, so that a case that fails to load (a bad binding, a syntax
 * error) is one "not ok" with its message, and the next case starts clean. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tgrad.h"

enum { MAX_WORDS = 256 };

int tgrad_split_words(const char *line, char **words, int max, char *buf, size_t size, const char **why)
{
	int n = 0;
	size_t at = 0;
	const char *p = line;
#define PUT(ch)                                                       \
	do {                                                          \
		if (at + 1 >= size) {                                 \
			*why = "line too long";                       \
			return -1;                                    \
		}                                                     \
		buf[at++] = (ch);                                     \
	} while (0)
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max) {
			*why = "too many words";
			return -1;
		}
		words[n++] = buf + at;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			if (*p == '\'') { /* '...': every character as it is */
				const char *end = strchr(p + 1, '\'');
				if (!end) {
					*why = "unterminated ' quote";
					return -1;
				}
				for (p++; p < end; p++)
					PUT(*p);
				p++;
			} else if (*p == '"') { /* "...": backslash escapes \ " $ ` only */
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1] && strchr("\\\"$`", p[1]))
						p++;
					PUT(*p);
				}
				if (*p != '"') {
					*why = "unterminated \" quote";
					return -1;
				}
				p++;
			} else if (*p == '\\') {
				if (p[1])
					p++;
				PUT(*p++);
			} else {
				PUT(*p++);
			}
		}
		PUT('\0');
	}
#undef PUT
}

/* The whole of a temporary file F, as a string (NUL-terminated, malloc'd). */
static char *slurp(FILE *f)
{
	long size;
	fflush(f);
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		size = 0;
	char *text = malloc((size_t)size + 1);
	if (!text)
		tool_die(tnsr_error(TNSR_E_NOMEM, "out of memory"));
	size_t got = fread(text, 1, (size_t)size, f);
	text[got] = 0;
	return text;
}

/* Prints each line of TEXT as a TAP comment. */
static void comment(const char *text)
{
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		int len = end ? (int)(end - p) : (int)strlen(p);
		printf("#   %.*s\n", len, p);
		p += len + (end != NULL);
	}
}

/* The TAP description of a case: its expression, with '#' escaped. */
static void describe(const char *expr)
{
	for (const char *p = expr; *p; p++) {
		if (*p == '#')
			putchar('\\');
		putchar(*p == '\n' ? ' ' : *p);
	}
}

/* Runs one case in a child: `tgrad --check GLOBAL... WORDS...`; prints its TAP line. */
static bool run_case(int number, char **global, int nglobal, char **words, int nwords)
{
	FILE *out = tmpfile(), *err = tmpfile(), *dir = tmpfile();
	if (!out || !err || !dir)
		tool_fail("--batch: cannot make a temporary file");
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		tool_fail("--batch: cannot start a case");
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		char **argv = calloc((size_t)(nglobal + nwords + 3), sizeof *argv);
		int argc = 0;
		argv[argc++] = "tgrad";
		argv[argc++] = "--check";
		for (int i = 0; i < nglobal; i++)
			argv[argc++] = global[i];
		for (int i = 0; i < nwords; i++)
			argv[argc++] = words[i];
		tgrad_cmd cmd;
		tgrad_parse(argc, argv, &cmd);
		if (cmd.batch)
			tool_usage_error("--batch: a case cannot run another batch");
		int status = tgrad_check(&cmd, dir);
		fflush(dir);
		free(cmd.bindings);
		free(argv);
		exit(status);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		;
	char *o = slurp(out), *e = slurp(err), *d = slurp(dir);
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("%s %d - ", ok ? "ok" : "not ok", number);
	describe(nwords ? words[0] : "");
	if (ok) {
		putchar('\n');
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && d[0]) {
		printf(" # %s\n", d);
		comment(o);
	} else {
		/* the case could not run: its message, without the tool's name */
		const char *msg = strncmp(e, "tgrad: ", 7) == 0 ? e + 7 : e;
		const char *nl = strchr(msg, '\n');
		if (WIFSIGNALED(status))
			printf(" # error: killed by signal %d\n", WTERMSIG(status));
		else
			printf(" # error: %.*s\n", nl ? (int)(nl - msg) : (int)strlen(msg), msg);
		comment(o);
		if (nl)
			comment(nl + 1);
	}
	free(o);
	free(e);
	free(d);
	fclose(out);
	fclose(err);
	fclose(dir);
	return ok;
}

/* The cases' lines.  Global, so that a case's child process, which exits holding the
 * parent's copy, still reaches them (a leak checker would report them otherwise). */
static char **lines;

int tgrad_batch(const tgrad_cmd *global, char **global_args, int nglobal)
{
	FILE *f = strcmp(global->batch, "-") == 0 ? stdin : fopen(global->batch, "r");
	if (!f)
		tool_fail("%s: cannot open the cases file", global->batch);
	char *line = NULL;
	size_t cap = 0;
	int n = 0, alloc = 0;
	while (getline(&line, &cap, f) >= 0) {
		const char *p = line + strspn(line, " \t\r\n");
		if (!*p || *p == '#')
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			char **more = realloc(lines, sizeof *lines * (size_t)alloc);
			if (!more)
				tool_die(tnsr_error(TNSR_E_NOMEM, "out of memory"));
			lines = more;
		}
		if (!(lines[n++] = strdup(line)))
			tool_die(tnsr_error(TNSR_E_NOMEM, "out of memory"));
	}
	free(line);
	if (ferror(f))
		tool_fail("%s: read error", global->batch);
	if (f != stdin)
		fclose(f);
	printf("1..%d\n", n);
	int failed = 0;
	static char buf[65536];
	for (int i = 0; i < n; i++) {
		char *words[MAX_WORDS];
		const char *why = NULL;
		int nw = tgrad_split_words(lines[i], words, MAX_WORDS, buf, sizeof buf, &why);
		if (nw < 0) {
			printf("not ok %d - ", i + 1);
			describe(strtok(lines[i], "\n"));
			printf(" # error: %s\n", why);
			failed++;
		} else if (!run_case(i + 1, global_args, nglobal, words, nw)) {
			failed++;
		}
		free(lines[i]);
		lines[i] = NULL;
	}
	free(lines);
	lines = NULL;
	if (failed)
		printf("# %d of %d failed\n", failed, n);
	return failed ? 1 : 0;
}
