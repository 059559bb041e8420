/* options.c: the command-line parser every tool uses.  Table-driven like getopt_long,
 * but a word that reads as a negative number is always a value ("tops mul -1",
 * "--range -3,3"), and errors exit 2 with one line. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tool.h"

tool_args tool_args_start(int argc, char **argv, const tool_option *options)
{
	return (tool_args){.argc = argc, .argv = argv, .index = 1, .options = options};
}

bool tool_is_negative_number(const char *text)
{
	if (text[0] != '-')
		return false;
	const char *p = text + 1;
	if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1])))
		return true;
	return strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0 || strcasecmp(p, "nan") == 0;
}

static const tool_option *find_long(const tool_option *o, const char *name, size_t len)
{
	for (; o->long_name; o++)
		if (strlen(o->long_name) == len && strncmp(o->long_name, name, len) == 0)
			return o;
	return NULL;
}

static const tool_option *find_short(const tool_option *o, char c)
{
	for (; o->long_name; o++)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

int tool_next(tool_args *a)
{
	if (a->index >= a->argc)
		return -1;
	char *word = a->argv[a->index++];
	if (a->only_positional || word[0] != '-' || word[1] == 0 || tool_is_negative_number(word)) {
		a->value = word;
		return 0;
	}
	if (strcmp(word, "--") == 0) {
		a->only_positional = true;
		return tool_next(a);
	}
	const tool_option *o;
	const char *inline_value = NULL;
	if (word[1] == '-') {
		const char *name = word + 2, *eq = strchr(name, '=');
		o = find_long(a->options, name, eq ? (size_t)(eq - name) : strlen(name));
		if (!o)
			tool_usage_error("unknown option '%s' (see '%s --help')", word, tool_name);
		if (eq) {
			if (o->has_arg == TOOL_NO_ARG)
				tool_usage_error("option '--%s' takes no value", o->long_name);
			inline_value = eq + 1;
		}
	} else {
		o = find_short(a->options, word[1]);
		if (!o)
			tool_usage_error("unknown option '%s' (see '%s --help')", word, tool_name);
		if (word[2]) {
			if (o->has_arg == TOOL_NO_ARG)
				tool_usage_error("unknown option '%s' (see '%s --help')", word, tool_name);
			inline_value = word + 2;
		}
	}
	a->value = NULL;
	if (o->has_arg == TOOL_ARG) {
		if (inline_value) {
			a->value = inline_value;
		} else if (a->index < a->argc) {
			a->value = a->argv[a->index++];
		} else {
			tool_usage_error("option '--%s' needs a value", o->long_name);
		}
	}
	return o->id;
}

int64_t tool_parse_int(const char *what, const char *text)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (end == text || *end || errno)
		tool_usage_error("%s: '%s' is not an integer", what, text);
	return v;
}

double tool_parse_double(const char *what, const char *text)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	/* strtod accepts hex floats and "nan(...)"; that is fine.  Overflow is not. */
	if (end == text || *end || (errno == ERANGE && isinf(v)))
		tool_usage_error("%s: '%s' is not a number", what, text);
	return v;
}

int tool_parse_doubles(const char *what, const char *text, double *out, int n_min, int n_max)
{
	char buf[512];
	int n = 0;
	if (strlen(text) >= sizeof buf)
		tool_usage_error("%s: '%s' is too long", what, text);
	strcpy(buf, text);
	/* Split by hand: strtok would let "0,,1" pass as "0,1". */
	for (char *field = buf, *comma;; field = comma + 1) {
		if ((comma = strchr(field, ',')))
			*comma = 0;
		if (n == n_max)
			tool_usage_error("%s: '%s' has more than %d values", what, text, n_max);
		if (!*field)
			tool_usage_error("%s: '%s' has an empty value (expected numbers separated by commas)", what, text);
		out[n++] = tool_parse_double(what, field);
		if (!comma)
			break;
	}
	if (n < n_min)
		tool_usage_error("%s: '%s' has %d value%s (expected %d%s)", what, text, n, n == 1 ? "" : "s", n_min,
				 n_max > n_min ? " or more" : "");
	return n;
}

tnsr_dtype tool_parse_dtype(const char *what, const char *text)
{
	tnsr_dtype d;
	if (tnsr_dtype_parse(text, &d))
		tool_usage_error("%s: %s", what, tnsr_error_message());
	return d;
}
