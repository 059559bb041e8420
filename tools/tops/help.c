/* help.c: tops's help texts, written from the op table so that they cannot drift from
 * what the ops accept. */
#include <stdio.h>
#include <string.h>

#include "tops.h"

static const char general[] =
	"usage: tops OP [OPERAND...] [OPTIONS] [then OP [OPERAND...] [OPTIONS]]...\n"
	"       tops help [OP]\n"
	"       tops eval EXPR [NAME=VALUE...]    (see tops eval --help)\n"
	"\n"
	"Operate on tensors with PyTorch's semantics: NumPy broadcasting, torch.result_type\n"
	"promotion, views for shape ops.  An op takes its tensor operands in order, the input\n"
	"first; when one fewer is given, the input comes from standard input (or, after\n"
	"'then', from the previous result).  An operand is a file, '-', or a number.\n"
	"Elementwise chains and reductions stream chunk by chunk in bounded memory.\n"
	"\n"
	"Options (any op):\n"
	"  -o FILE          write the result to FILE atomically (format from its extension)\n"
	"  --format F       format on standard output (default npy, or $TNSR_FORMAT)\n"
	"  --inplace        write an elementwise result back into its input file (shared mapping)\n"
	"  --device D       cpu (default), cuda or auto; also $TNSR_DEVICE\n"
	"  -q               no progress bar\n"
	"  -h, --help       this help; tops help OP, or tops OP --help, for one op\n"
	"  --version        the version\n"
	"\n"
	"Examples:\n"
	"  tcreate --rand 64x784 | tops matmul W.npy then add b.npy then relu -o h.npy\n"
	"  tops sub 10 x.npy                 # 10 - x\n"
	"  tops mul -1 < x.npy | tops sum --dim 0,1 --keepdim\n"
	"  tops slice x.npy '[1:-1, ::-2]'   # a view: no copy until written\n"
	"  tops allclose a.npy b.npy --rtol 1e-4 && echo same\n"
	"\n"
	"Exit status: 0 success (for allclose/equal: they hold), 1 the data or the\n"
	"operation failed (or the check does not hold), 2 a command line that cannot be\n"
	"understood.\n";

/* One line per attribute an op accepts. */
static const struct {
	unsigned attr;
	const char *text;
} attr_help[] = {
	{TNSR_ATTR_DIM, "  --dim D[,D...]   the dims to work along (negative counts from the end)"},
	{TNSR_ATTR_KEEPDIM, "  --keepdim        keep reduced dims with size 1"},
	{TNSR_ATTR_CORRECTION, "  --correction C   divide by N - C (default 1)"},
	{TNSR_ATTR_ORD, "  --ord P          the order of the norm (default 2; inf, -inf, 0, any p)"},
	{TNSR_ATTR_MINMAX, "  --min LO --max HI  the bounds (either may be left out)"},
	{TNSR_ATTR_BIAS, "  --bias FILE      add this tensor"},
	{TNSR_ATTR_FLATTEN, "  --start-dim A --end-dim B  the dims to merge (default 0 and -1)"},
	{TNSR_ATTR_TOL, "  --rtol R --atol A --equal-nan  tolerances (default 1e-5, 1e-8; NaN != NaN)"},
};

/* Two example lines per group; %s is the op's name. */
static const char *const group_examples[TNSR_GROUP_COUNT] = {
	[TNSR_GROUP_UNARY] = "  tcreate --randn 3x4 | tops %s\n  tops %s x.npy -o y.npy\n",
	[TNSR_GROUP_BINARY] = "  tops %s a.npy b.npy -o c.npy\n  tcreate --randn 3x4 | tops %s 2\n",
	[TNSR_GROUP_LINALG] = "  tops %s A.npy B.npy -o C.npy\n  tcreate --rand 64x784 | tops %s W.npy\n",
	[TNSR_GROUP_REDUCE] = "  tops %s x.npy\n  tcreate --randn 3x4 | tops %s --dim 1 --keepdim\n",
	[TNSR_GROUP_NN] = "  tops %s logits.npy --dim 1\n  tcreate --randn 3x4 | tops %s --dim -1\n",
	[TNSR_GROUP_SHAPE] = "  tops %s x.npy ...\n  tcreate --arange 12 | tops reshape 3x4 then %s ...\n",
	[TNSR_GROUP_INDEX] = "  tops %s x.npy ...\n  tcreate --arange 12 | tops reshape 3x4 then %s ...\n",
	[TNSR_GROUP_JOIN] = "  tops %s a.npy b.npy --dim 0\n  tcreate --ones 2x3 | tops %s b.npy --dim 1\n",
	[TNSR_GROUP_DTYPE] = "  tops %s x.npy f16 -o half.npy\n  tcreate --arange 5 | tops %s f64\n",
	[TNSR_GROUP_CHECK] = "  tops %s a.npy b.npy && echo same\n  tcreate --ones 3 | tops %s ones.npy\n",
};

void tops_help(const char *name)
{
	if (!name) {
		fputs(general, stdout);
		for (int g = 0; g < TNSR_GROUP_COUNT; g++) {
			int col = printf("\n%s:\n ", tnsr_op_group_name(g)) - 1;
			for (const tnsr_op *op = tnsr_ops; op->name; op++) {
				if ((int)op->group != g)
					continue;
				if (col + 1 + (int)strlen(op->name) > 79)
					col = printf("\n ") - 1;
				col += printf(" %s", op->name);
			}
			putchar('\n');
		}
		return;
	}
	if (strcmp(name, "eval") == 0) {
		tops_eval_help();
		return;
	}
	const tnsr_op *op = tnsr_op_find(name);
	if (!op) {
		const char *near = tnsr_op_suggest(name);
		tool_usage_error("unknown op '%s'%s%s%s (see 'tops help')", name, near ? " (did you mean " : "",
				 near ? near : "", near ? "?)" : "");
	}
	printf("usage: tops %s %s\n\n%s: %s\n", op->name, op->usage, op->name, op->summary);
	if (op->alias)
		printf("Also called %s.\n", op->alias);
	bool any = false;
	for (size_t i = 0; i < sizeof attr_help / sizeof *attr_help; i++)
		if (op->attrs & attr_help[i].attr) {
			printf("%s%s\n", any ? "" : "\nOptions:\n", attr_help[i].text);
			any = true;
		}
	printf("\nWhen one operand fewer is given, the first comes from standard input.\n\nExamples:\n");
	/* The losses are the two-operand rows of the neural-net group. */
	if (op->group == TNSR_GROUP_NN && op->min_inputs == 2)
		printf("  tops %s logits.npy target.npy\n  tcreate --randn 4x3 | tops %s target.npy\n", op->name, op->name);
	else
		printf(group_examples[op->group], op->name, op->name);
}
