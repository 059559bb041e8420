/* parse.c: tops's command line: segments joined by "then", each an op from the table
 * with its operands and the options its row says it accepts; options common to every
 * op (-o, --format, --inplace ...) may stand in any segment. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tops.h"

enum {
	OPT_OUTPUT = 1, OPT_FORMAT, OPT_INPLACE, OPT_DEVICE, OPT_QUIET, OPT_HELP, OPT_VERSION,
	OPT_DIM, OPT_KEEPDIM, OPT_CORRECTION, OPT_ORD, OPT_MIN, OPT_MAX, OPT_BIAS, OPT_START_DIM, OPT_END_DIM,
	OPT_RTOL, OPT_ATOL, OPT_EQUAL_NAN,
};

/* Every option, and the op attribute that admits it (0: any op). */
static const struct {
	tool_option option;
	unsigned attr;
} table[] = {
	{{"output", 'o', TOOL_ARG, OPT_OUTPUT}, 0},
	{{"format", 0, TOOL_ARG, OPT_FORMAT}, 0},
	{{"inplace", 0, TOOL_NO_ARG, OPT_INPLACE}, 0},
	{{"device", 0, TOOL_ARG, OPT_DEVICE}, 0},
	{{"quiet", 'q', TOOL_NO_ARG, OPT_QUIET}, 0},
	{{"help", 'h', TOOL_NO_ARG, OPT_HELP}, 0},
	{{"version", 0, TOOL_NO_ARG, OPT_VERSION}, 0},
	{{"dim", 0, TOOL_ARG, OPT_DIM}, TNSR_ATTR_DIM},
	{{"keepdim", 0, TOOL_NO_ARG, OPT_KEEPDIM}, TNSR_ATTR_KEEPDIM},
	{{"correction", 0, TOOL_ARG, OPT_CORRECTION}, TNSR_ATTR_CORRECTION},
	{{"ord", 0, TOOL_ARG, OPT_ORD}, TNSR_ATTR_ORD},
	{{"min", 0, TOOL_ARG, OPT_MIN}, TNSR_ATTR_MINMAX},
	{{"max", 0, TOOL_ARG, OPT_MAX}, TNSR_ATTR_MINMAX},
	{{"bias", 0, TOOL_ARG, OPT_BIAS}, TNSR_ATTR_BIAS},
	{{"start-dim", 0, TOOL_ARG, OPT_START_DIM}, TNSR_ATTR_FLATTEN},
	{{"end-dim", 0, TOOL_ARG, OPT_END_DIM}, TNSR_ATTR_FLATTEN},
	{{"rtol", 0, TOOL_ARG, OPT_RTOL}, TNSR_ATTR_TOL},
	{{"atol", 0, TOOL_ARG, OPT_ATOL}, TNSR_ATTR_TOL},
	{{"equal-nan", 0, TOOL_NO_ARG, OPT_EQUAL_NAN}, TNSR_ATTR_TOL},
};
enum { NOPTIONS = sizeof table / sizeof *table };

static int parse_dim(const char *op, const char *text)
{
	char what[128];
	snprintf(what, sizeof what, "%.64s: dim", op);
	int64_t v = tool_parse_int(what, text);
	if (v < -TNSR_MAX_DIMS || v >= TNSR_MAX_DIMS)
		tool_usage_error("%s: dim %lld out of range (expected -%d..%d)", op, (long long)v, TNSR_MAX_DIMS,
				 TNSR_MAX_DIMS - 1);
	return (int)v;
}

/* "--dim 0,-1" into args->dims. */
static void parse_dims(tops_segment *seg, const char *text)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", text);
	seg->args.ndims = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (seg->args.ndims == TNSR_MAX_DIMS)
			tool_usage_error("%s: --dim '%s': too many dims", seg->op->name, text);
		seg->args.dims[seg->args.ndims++] = parse_dim(seg->op->name, tok);
	}
	if (seg->args.ndims == 0)
		tool_usage_error("%s: --dim '%s': no dim given", seg->op->name, text);
	if ((seg->op->attrs & TNSR_ATTR_ONE_DIM) && seg->args.ndims != 1)
		tool_usage_error("%s: --dim '%s': takes a single dim", seg->op->name, text);
	seg->dims_given = true;
}

/* A number literal as a wrapped scalar (ints i64, floats f64, True/False bool), or NULL
 * when TEXT is not a number or names an existing file. */
static tnsr_tensor *parse_number(const char *text)
{
	struct stat st;
	tnsr_tensor *t = NULL;
	if (stat(text, &st) == 0)
		return NULL;
	if (strcmp(text, "True") == 0 || strcmp(text, "False") == 0) {
		if (tnsr_tensor_scalar(TNSR_BOOL, text[0] == 'T', 0, &t))
			tool_die(TNSR_E_NOMEM);
		return t;
	}
	char *end;
	errno = 0;
	long long i = strtoll(text, &end, 10);
	if (end != text && *end == 0 && errno == 0) {
		if (tnsr_tensor_scalar_i64(i, &t))
			tool_die(TNSR_E_NOMEM);
		return t;
	}
	double d = strtod(text, &end);
	const char *p = text + (*text == '-' || *text == '+');
	bool looks_numeric = isdigit((unsigned char)*p) || *p == '.' || strncasecmp(p, "inf", 3) == 0 ||
			     strncasecmp(p, "nan", 3) == 0;
	if (end == text || *end || !looks_numeric)
		return NULL;
	if (tnsr_tensor_scalar(TNSR_F64, d, 0, &t))
		tool_die(TNSR_E_NOMEM);
	return t;
}

static bool is_integer(const char *w)
{
	w += *w == '-';
	return *w && strspn(w, "0123456789") == strlen(w);
}

/* Takes the op's positional attributes (shape, slice, dtype, dims) off the end of the
 * positional words; what remains are tensor operands. */
static void take_attributes(tops_segment *seg, const char **words, int *nwords)
{
	const tnsr_op *op = seg->op;
	unsigned a = op->attrs;
	int n = *nwords;
	if (a & (TNSR_ATTR_SHAPE | TNSR_ATTR_SLICE | TNSR_ATTR_DTYPE)) {
		const char *what = a & TNSR_ATTR_SHAPE ? "shape" : a & TNSR_ATTR_SLICE ? "index spec" : "dtype";
		if (n == 0)
			tool_usage_error("%s: missing %s (usage: tops %s %s)", op->name, what, op->name, op->usage);
		const char *text = words[--n];
		tnsr_status st = TNSR_OK;
		if (a & TNSR_ATTR_SHAPE)
			st = tnsr_shape_parse(text, true, &seg->args.shape_ndim, seg->args.shape);
		else if (a & TNSR_ATTR_SLICE)
			st = tnsr_slice_parse(text, seg->args.slice, 2 * TNSR_MAX_DIMS, &seg->args.nslice);
		else
			st = tnsr_dtype_parse(text, &seg->args.dtype);
		if (st)
			tool_usage_error("%s: %s", op->name, tnsr_error_message());
	}
	if (a & TNSR_ATTR_DIMS) {
		/* Trailing integers are dims (transpose D0 D1, permute D...). */
		int first = n;
		while (first > 0 && is_integer(words[first - 1]))
			first--;
		for (int i = first; i < n; i++) {
			if (seg->args.ndims == TNSR_MAX_DIMS)
				tool_usage_error("%s: too many dims", op->name);
			seg->args.dims[seg->args.ndims++] = parse_dim(op->name, words[i]);
		}
		seg->dims_given = n > first;
		if (strcmp(op->name, "transpose") == 0 && seg->args.ndims != 0 && seg->args.ndims != 2)
			tool_usage_error("transpose: takes two dims or none, got %d", seg->args.ndims);
		if (strcmp(op->name, "permute") == 0 && seg->args.ndims == 0)
			tool_usage_error("permute: missing dims (usage: tops permute %s)", op->usage);
		n = first;
	}
	*nwords = n;
}

static void parse_segment(tops_command *cmd, tops_segment *seg, char **words, int nwords)
{
	const char *name = words[0];
	if (strcmp(name, "help") == 0) {
		tops_help(nwords > 1 ? words[1] : NULL);
		tool_finish_stdout();
		exit(0);
	}
	seg->op = tnsr_op_find(name);
	if (!seg->op) {
		if (name[0] == '-') {
			for (int i = 0; i < NOPTIONS; i++) {
				const tool_option *o = &table[i].option;
				if ((name[1] == '-' && strcmp(name + 2, o->long_name) == 0) ||
				    (name[1] == o->short_name && name[1] && !name[2]))
					tool_usage_error("option '%s' must follow an op (see 'tops help')", name);
			}
			tool_usage_error("unknown option '%s' (see 'tops help')", name);
		}
		const char *near = tnsr_op_suggest(name);
		tool_usage_error("unknown op '%s'%s%s%s (see 'tops help')", name, near ? " (did you mean " : "",
				 near ? near : "", near ? "?)" : "");
	}
	seg->args = tnsr_op_args_default();
	tool_option options[NOPTIONS + 1];
	int n = 0;
	for (int i = 0; i < NOPTIONS; i++)
		if (!table[i].attr || (seg->op->attrs & table[i].attr))
			options[n++] = table[i].option;
	options[n] = (tool_option){NULL, 0, 0, 0};
	const char **positional = calloc((size_t)nwords, sizeof *positional);
	int npositional = 0, opt;
	char what[64];
	snprintf(what, sizeof what, "%s", seg->op->name);
	tool_args a = tool_args_start(nwords, words, options);
	while ((opt = tool_next(&a)) >= 0) {
		switch (opt) {
		case 0: positional[npositional++] = a.value; break;
		case OPT_OUTPUT: cmd->output.path = a.value; break;
		case OPT_FORMAT: cmd->output.format = a.value; break;
		case OPT_INPLACE: cmd->inplace = true; break;
		case OPT_DEVICE: setenv("TNSR_DEVICE", a.value, 1); break;
		case OPT_QUIET: cmd->quiet = true; break;
		case OPT_HELP: tops_help(seg->op->name); tool_finish_stdout(); exit(0);
		case OPT_VERSION: tool_version();
		case OPT_DIM: parse_dims(seg, a.value); break;
		case OPT_KEEPDIM: seg->args.keepdim = true; break;
		case OPT_CORRECTION: seg->args.correction = tool_parse_double("--correction", a.value); break;
		case OPT_ORD: seg->args.ord = tool_parse_double("--ord", a.value); break;
		case OPT_MIN: seg->args.has_min = true; seg->args.min = tool_parse_double("--min", a.value); break;
		case OPT_MAX: seg->args.has_max = true; seg->args.max = tool_parse_double("--max", a.value); break;
		case OPT_BIAS: seg->bias = a.value; break;
		case OPT_START_DIM: seg->args.start_dim = parse_dim(what, a.value); break;
		case OPT_END_DIM: seg->args.end_dim = parse_dim(what, a.value); break;
		case OPT_RTOL: seg->args.rtol = tool_parse_double("--rtol", a.value); break;
		case OPT_ATOL: seg->args.atol = tool_parse_double("--atol", a.value); break;
		case OPT_EQUAL_NAN: seg->args.equal_nan = true; break;
		}
	}
	if ((seg->op->attrs & TNSR_ATTR_DIM_REQUIRED) && !seg->dims_given)
		tool_usage_error("%s: missing --dim (usage: tops %s %s)", seg->op->name, seg->op->name, seg->op->usage);
	if ((seg->op->attrs & TNSR_ATTR_MINMAX) && !seg->args.has_min && !seg->args.has_max)
		tool_usage_error("%s: needs --min or --max (or both)", seg->op->name);
	int nops = npositional;
	take_attributes(seg, positional, &nops);
	if (nops > (int)(sizeof seg->operands / sizeof *seg->operands))
		tool_usage_error("%s: too many operands", seg->op->name);
	for (int i = 0; i < nops; i++)
		seg->operands[i] = (tops_operand){positional[i], parse_number(positional[i])};
	seg->noperands = nops;
	free(positional);
}

void tops_parse(int argc, char **argv, tops_command *cmd)
{
	memset(cmd, 0, sizeof *cmd);
	if (argc < 2)
		tool_usage_error("missing op (see 'tops help')");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		tops_help(NULL);
		tool_finish_stdout();
		exit(0);
	}
	if (strcmp(argv[1], "--version") == 0)
		tool_version();
	cmd->segments = calloc((size_t)argc, sizeof *cmd->segments);
	int start = 1;
	for (int i = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "then") != 0)
			continue;
		if (i == start)
			tool_usage_error("'then' needs an op on both sides (see 'tops help')");
		parse_segment(cmd, &cmd->segments[cmd->nsegments++], argv + start, i - start);
		start = i + 1;
	}
}
