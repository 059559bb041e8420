/* output.c: loading operands and writing results.  A result goes to -o FILE
 * atomically, to a pipe as binary, or to a terminal as text: never binary to a tty. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

tnsr_tensor *tool_load(const char *operand)
{
	tnsr_tensor *t;
	tnsr_status st = tnsr_load(operand, &t);
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
