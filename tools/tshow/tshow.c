/* tshow: print tensors as repr() does in PyTorch (the default) or NumPy, with the same
 * summarization, precision, notation and line wrapping.  Only the elements shown are
 * read, so a summary of a mapped 50 GB file is instant. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool.h"

static const char usage[] =
	"usage: tshow [--style torch|numpy] [--precision P] [--threshold N] [--edgeitems N]\n"
	"             [--linewidth W] [--full] [FILE...]\n"
	"\n"
	"Print each tensor of each FILE (standard input when none, or '-') exactly as\n"
	"repr() prints it in PyTorch (torch.from_numpy(a)) or NumPy, then a newline.\n"
	"\n"
	"  --style S       torch (default): tensor([1.5000, 2.0000]);\n"
	"                  numpy: array([1.5, 2. ], dtype=float32)\n"
	"  --precision P   digits after the point, 0..100 (default 4; numpy: at most 8)\n"
	"  --threshold N   summarize with '...' above N elements (default 1000)\n"
	"  --edgeitems N   items kept at each end of a summarized dim, >= 1 (default 3)\n"
	"  --linewidth W   characters per line, >= 1 (torch 80, numpy 75)\n"
	"  --full          never summarize (--threshold infinity)\n"
	"  -h, --help      show this help;  --version  show the version\n"
	"\n"
	"The options are those of torch.set_printoptions and np.set_printoptions.\n"
	"With several FILEs, each repr follows a line '==> FILE <==' (as in head(1);\n"
	"'-' shows as 'standard input') and a blank line separates files.  An input\n"
	"holding several tensors prints each ('NAME: repr' for named members).  Dtypes\n"
	"a library lacks print with the other's name: dtype=bfloat16 (numpy style),\n"
	"dtype=torch.uint16, torch.uint32, torch.uint64 (torch style).\n"
	"\n"
	"Examples:\n"
	"  tshow x.npy\n"
	"  tcreate --randn 3x4 | tshow --style numpy\n"
	"  tshow --precision 2 --linewidth 120 weights.npy\n"
	"  tshow --full big.npy | less\n"
	"  tshow a.npy b.npy data.npz\n"
	"\n"
	"Exit status: 0 success, 1 a file could not be read (the others are still\n"
	"printed), 2 bad usage.\n";

enum { OPT_STYLE = 1, OPT_PRECISION, OPT_THRESHOLD, OPT_EDGEITEMS, OPT_LINEWIDTH, OPT_FULL, OPT_HELP, OPT_VERSION };
static const tool_option options[] = {
	{"style", 0, TOOL_ARG, OPT_STYLE},
	{"precision", 0, TOOL_ARG, OPT_PRECISION},
	{"threshold", 0, TOOL_ARG, OPT_THRESHOLD},
	{"edgeitems", 0, TOOL_ARG, OPT_EDGEITEMS},
	{"linewidth", 0, TOOL_ARG, OPT_LINEWIDTH},
	{"full", 0, TOOL_NO_ARG, OPT_FULL},
	{"help", 'h', TOOL_NO_ARG, OPT_HELP},
	{"version", 0, TOOL_NO_ARG, OPT_VERSION},
	{NULL, 0, 0, 0},
};

/* An integer option in [LO, HI]; anything else is a usage error naming the range. */
static int64_t parse_ranged(const char *what, const char *text, int64_t lo, int64_t hi)
{
	int64_t v = tool_parse_int(what, text);
	if (v < lo || v > hi) {
		if (hi >= INT32_MAX)
			tool_usage_error("%s: %lld out of range (expected >= %lld)", what, (long long)v, (long long)lo);
		tool_usage_error("%s: %lld out of range (expected %lld..%lld)", what, (long long)v, (long long)lo,
				 (long long)hi);
	}
	return v;
}

/* Prints one tensor; false after its error was reported. */
static bool print_one(const char *path, const char *label, const tnsr_tensor *t, const tnsr_print_options *opt)
{
	if (label)
		printf("%s: ", label);
	tnsr_status st = tnsr_repr(stdout, t, opt);
	if (st == TNSR_E_PIPE)
		tool_die(st);
	if (st) {
		tool_warn("%s: %s", path, tnsr_error_message());
		return false;
	}
	putchar('\n');
	return true;
}

/* Prints every tensor of one input; false after printing its error.  Tensors are named
 * only when the input holds several, so that one tensor prints exactly as repr(). */
static bool show(const char *path, const tnsr_print_options *opt)
{
	tnsr_reader *r;
	tnsr_member_info info;
	struct stat sb;
	if (strchr(path, ':') && stat(path, &sb) != 0) { /* CONTAINER:MEMBER: that member alone */
		tnsr_tensor *t;
		tnsr_status st = tool_open_operand(path, &r, &info);
		if (!st)
			st = tnsr_reader_load(r, &t);
		tnsr_reader_close(r);
		if (st) {
			tool_warn("%s", tnsr_error_message());
			return false;
		}
		bool ok = print_one(path, NULL, t, opt);
		tnsr_tensor_free(t);
		return ok;
	}
	tnsr_status st = tnsr_reader_open(path, &r);
	if (st) {
		tool_warn("%s", tnsr_error_message());
		return false;
	}
	tnsr_tensor *held = NULL;
	char name[sizeof info.name] = "";
	int n = 0;
	bool ok = true;
	while (!(st = tnsr_reader_next(r, &info))) {
		tnsr_tensor *t;
		if ((st = tnsr_reader_load(r, &t)))
			break;
		if (held) {
			ok &= print_one(path, name[0] ? name : NULL, held, opt);
			tnsr_tensor_free(held);
		}
		held = t;
		n++;
		snprintf(name, sizeof name, "%s", info.name);
	}
	if (held) {
		ok &= print_one(path, n > 1 && name[0] ? name : NULL, held, opt);
		tnsr_tensor_free(held);
	}
	if (st == TNSR_END && n == 0)
		st = tnsr_error(TNSR_E_FORMAT, "%s: holds no tensor", tnsr_reader_name(r));
	tnsr_reader_close(r);
	if (st && st != TNSR_END) {
		tool_warn("%s", tnsr_error_message());
		return false;
	}
	return ok;
}

int main(int argc, char **argv)
{
	tool_init("tshow");
	tool_args a = tool_args_start(argc, argv, options);
	char **files = calloc((size_t)argc + 1, sizeof *files);
	if (!files)
		tool_fail("out of memory");
	int nfiles = 0, opt;
	tnsr_print_style style = TNSR_STYLE_TORCH;
	int64_t precision = -1, threshold = -1, edgeitems = -1, linewidth = -1;
	bool full = false;
	while ((opt = tool_next(&a)) >= 0) {
		switch (opt) {
		case 0: files[nfiles++] = (char *)a.value; break;
		case OPT_STYLE:
			if (strcmp(a.value, "torch") == 0)
				style = TNSR_STYLE_TORCH;
			else if (strcmp(a.value, "numpy") == 0)
				style = TNSR_STYLE_NUMPY;
			else
				tool_usage_error("--style: '%s' is not a style (expected torch or numpy)", a.value);
			break;
		case OPT_PRECISION: precision = parse_ranged("--precision", a.value, 0, 100); break;
		case OPT_THRESHOLD: threshold = parse_ranged("--threshold", a.value, 0, INT64_MAX); break;
		case OPT_EDGEITEMS: edgeitems = parse_ranged("--edgeitems", a.value, 1, INT32_MAX); break;
		case OPT_LINEWIDTH: linewidth = parse_ranged("--linewidth", a.value, 1, INT32_MAX); break;
		case OPT_FULL: full = true; break;
		case OPT_HELP: fputs(usage, stdout); free(files); tool_finish_stdout(); return 0;
		case OPT_VERSION: tool_version();
		}
	}
	/* The style picks the defaults; the options given override them. */
	tnsr_print_options po = tnsr_print_defaults(style);
	if (precision >= 0)
		po.precision = (int)precision;
	if (threshold >= 0)
		po.threshold = threshold;
	if (edgeitems >= 0)
		po.edgeitems = (int)edgeitems;
	if (linewidth >= 0)
		po.linewidth = (int)linewidth;
	po.full = full;

	if (nfiles == 0)
		files[nfiles++] = "-";
	bool ok = true;
	for (int i = 0; i < nfiles; i++) {
		if (nfiles > 1)
			printf("%s==> %s <==\n", i ? "\n" : "", strcmp(files[i], "-") ? files[i] : "standard input");
		ok &= show(files[i], &po);
		/* A reader that went away stops us quietly, as it would inside tnsr_repr. */
		if (fflush(stdout) != 0 && errno == EPIPE)
			tool_die(tnsr_error(TNSR_E_PIPE, "stdout: reader went away"));
	}
	free(files);
	tool_finish_stdout();
	return ok ? 0 : 1;
}
