/* output.c: loading operands and writing results.  A result goes to -o FILE
 * atomically, to a pipe as binary, or to a terminal as text: never binary to a tty. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

/* "data.npz:x_train" names a member, unless a file has that very name. */
static bool split_member(const char *operand, char *path, size_t size, const char **member)
{
	const char *colon = strrchr(operand, ':');
	struct stat st;
	if (!colon || colon == operand || !colon[1] || stat(operand, &st) == 0 || (size_t)(colon - operand) >= size)
		return false;
	memcpy(path, operand, (size_t)(colon - operand));
	path[colon - operand] = 0;
	*member = colon + 1;
	return true;
}

tnsr_status tool_open_operand(const char *operand, tnsr_reader **r, tnsr_member_info *info)
{
	char path[4096];
	const char *member;
	bool named = split_member(operand, path, sizeof path, &member);
	tnsr_status st = tnsr_reader_open(named ? path : operand, r);
	if (st)
		return st;
	if (named)
		st = tnsr_reader_find(*r, member, info);
	else if ((st = tnsr_reader_next(*r, info)) == TNSR_END)
		st = tnsr_error(TNSR_E_FORMAT, "%s: holds no tensor", tnsr_reader_name(*r));
	if (st) {
		tnsr_reader_close(*r);
		*r = NULL;
	}
	return st;
}

tnsr_tensor *tool_load(const char *operand)
{
	tnsr_reader *r;
	tnsr_member_info info;
	tnsr_tensor *t;
	tnsr_status st = tool_open_operand(operand, &r, &info);
	if (!st)
		st = tnsr_reader_load(r, &t);
	tnsr_reader_close(r);
	if (st)
		tool_die(st);
	return t;
}

void tool_write(const tool_output *out, const tnsr_tensor *t)
{
	const char *format = out->format;
	if (!format) {
		const char *env = getenv("TNSR_FORMAT");
		format = env && *env ? env : NULL;
	}
	if (!out->path && isatty(1)) {
		tnsr_print_options opt = tnsr_print_defaults(TNSR_STYLE_TORCH);
		tnsr_status st = tnsr_repr(stdout, t, &opt);
		if (st)
			tool_die(st);
		putchar('\n');
		tool_finish_stdout();
		return;
	}
	/* Only -o FILE derives the format from a name; --format beats the extension. */
	tnsr_status st = tnsr_save(out->path, out->format ? out->format : (out->path ? NULL : format), t);
	if (st)
		tool_die(st);
}
