/* eval.c: tops eval EXPR NAME=VALUE...: an expression of the language tgrad reads,
 * evaluated forward by the library's graph evaluator.  A chain through one input (each op
 * takes the previous value, the other operands bound): sum(relu(x * 2 - 1))) streams
 * through the chain evaluator, reading a pipe once and in bounded memory; anything else
 * is computed on whole tensors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tops.h"

static const char help[] =
	"usage: tops eval EXPR [NAME=VALUE...] [--seed N] [-o FILE] [--format F]\n"
	"\n"
	"Evaluate EXPR, an expression in Python/PyTorch syntax (the language of tgrad), with\n"
	"each NAME bound to a VALUE, and write the result as any tops result is written.\n"
	"\n"
	"EXPR: numbers (2, 3.5, 1e-3, True: wrapped scalars, so x * 2 keeps x's dtype), names,\n"
	"  -a  a + b  a - b  a * b  a / b  a % b  a ** b  a @ b  a < b ...  (Python precedence:\n"
	"  ** is right-associative and binds tighter than unary minus, so -x**2 is -(x**2)),\n"
	"  a.T (all dims reversed), a.mT (the last two swapped), a[1:, ::-2], a[..., 0], a[None],\n"
	"  and every tops op as f(a, ...) or a.f(...): sum(x, dim=1), x.mean(), x.reshape(2, -1),\n"
	"  softmax(z, dim=1), linear(x, W, b), cat((a, b), dim=0), clamp(x, min=0), x.to(f64),\n"
	"  cast(x, 'f16'), x.float(), where(c, a, b); torch. and F. prefixes are allowed.\n"
	"  Arguments that are not tensors go positionally in PyTorch's order or by keyword:\n"
	"  dim, keepdim, correction (or unbiased), ord (or p), min, max, start_dim, end_dim,\n"
	"  rtol, atol, equal_nan, dtype, and a shape or dims as a tuple or one by one.\n"
	"  allclose(a, b) and equal(a, b) give a 0-d bool, as in PyTorch.\n"
	"\n"
	"VALUE: a file (x.npy), '-' (standard input), CONTAINER:MEMBER (data.npz:W), a number\n"
	"  (a 0-d f32 tensor, as torch.tensor(2.); True/False a 0-d bool), or a generator:\n"
	"  randn:S, rand:S, zeros:S, ones:S (f32, or GEN:S:DTYPE), arange:STOP or\n"
	"  arange:START,STOP[,STEP] (i64 for integers, else f32), randint:S:HI or\n"
	"  randint:S:LO,HI (i64).  A file of that very name wins.\n"
	"\n"
	"Options:\n"
	"  --seed N        seed of the generators: each NAME draws its own stream, so the\n"
	"                  order of the bindings does not matter; NAME=randn:S gives what\n"
	"                  tcreate --randn S --seed K gives, K = splitmix64(N ^ FNV-1a-64(NAME));\n"
	"                  without --seed every run differs\n"
	"  -o FILE         write the result to FILE atomically (format from its extension)\n"
	"  --format F      format on standard output (default npy, or $TNSR_FORMAT)\n"
	"  --device D      cpu (default), cuda or auto; also $TNSR_DEVICE\n"
	"  -q              no progress bar\n"
	"  -h, --help      this help\n"
	"\n"
	"An EXPR that starts with '-' comes first or after '--'.  A chain through one input,\n"
	"sum(relu(x * 2 - 1)), streams chunk by chunk in bounded memory (a pipe is read once);\n"
	"other expressions are computed on whole tensors (mapped files are not copied).\n"
	"\n"
	"Examples:\n"
	"  tops eval 'x @ W.T + b' x=x.npy W=data.npz:W b=b.npy -o y.npy\n"
	"  tcreate --rand 1000000 | tops eval 'sum(relu(x * 2 - 1))' x=-\n"
	"  tops eval 'softmax(z, dim=1)' z=randn:4x10 --seed 1\n"
	"  tops eval '(b + a*2).mean()' a=a.npy b=b.npy\n"
	"\n"
	"Errors: one line, 'tops: eval: WHAT: WHY'; a syntax error adds two lines, the\n"
	"expression and a caret under the offending token, as Python prints them.\n"
	"Exit status: 0 success, 1 the data or the operation failed, 2 an expression, binding\n"
	"or option that cannot be understood (including a name left unbound).\n";

void tops_eval_help(void) { fputs(help, stdout); }

enum { OPT_OUTPUT = 1, OPT_FORMAT, OPT_SEED, OPT_DEVICE, OPT_QUIET, OPT_HELP, OPT_VERSION };

static const tool_option options[] = {
	{"output", 'o', TOOL_ARG, OPT_OUTPUT}, {"format", 0, TOOL_ARG, OPT_FORMAT},
	{"seed", 0, TOOL_ARG, OPT_SEED},       {"device", 0, TOOL_ARG, OPT_DEVICE},
	{"quiet", 'q', TOOL_NO_ARG, OPT_QUIET}, {"help", 'h', TOOL_NO_ARG, OPT_HELP},
	{"version", 0, TOOL_NO_ARG, OPT_VERSION}, {NULL, 0, 0, 0},
};

/* Whether WORD is one of the options (so a first word that is not is the expression,
 * even when it starts with '-': tops eval '-x**2' x=3). */
static bool is_option(const char *word)
{
	if (strcmp(word, "--") == 0)
		return true;
	for (const tool_option *o = options; o->long_name; o++) {
		size_t n = strlen(o->long_name);
		if ((word[1] == '-' && strncmp(word + 2, o->long_name, n) == 0 && (!word[n + 2] || word[n + 2] == '=')) ||
		    (o->short_name && word[1] == o->short_name && (o->has_arg == TOOL_ARG || !word[2])))
			return true;
	}
	return false;
}

/* The device named by --device or $TNSR_DEVICE: only the CPU exists in this build. */
static void check_device(const char *device)
{
	const char *d = device ? device : getenv("TNSR_DEVICE");
	if (!d || !*d || strcmp(d, "cpu") == 0 || strcmp(d, "auto") == 0)
		return;
	if (strcmp(d, "cuda") == 0)
		tool_fail("--device cuda: no usable GPU: this build of tnsr has no CUDA backend (use --device cpu or auto)");
	tool_usage_error("--device '%s': unknown device (expected cpu, cuda or auto)", d);
}

/* The value bound to NAME among BINDINGS, or NULL. */
static const char *binding_of(char *const *bindings, int n, const char *name)
{
	char bound[128];
	const char *value;
	for (int i = 0; i < n; i++)
		if (tool_split_binding(bindings[i], bound, sizeof bound, &value) && strcmp(bound, name) == 0)
			return value;
	return NULL;
}

/* A chain streamed from its root's file or pipe: written out as it is computed, or
 * printed on a terminal. */
static void run_chain(tnsr_graph *g, int node, const char *root_value, const tool_output *output)
{
	tnsr_reader *reader = NULL;
	tnsr_member_info info;
	tnsr_status st;
	if (root_value && (st = tool_open_operand(root_value, &reader, &info)))
		tool_die(tnsr_error_prefix(st, tnsr_graph_chain_input(g, node)));
	tnsr_chain_output out = {0};
	if (!output->path && isatty(1)) {
		tnsr_tensor *result = NULL;
		out.result = &result;
		if ((st = tnsr_graph_run_chain(g, node, reader, &out)))
			tool_die(st);
		tool_write(output, result);
		tnsr_tensor_free(result);
		tnsr_reader_close(reader);
		return;
	}
	tnsr_sink *sink;
	if ((st = tnsr_sink_open(output->path, &sink)))
		tool_die(st);
	const char *env = getenv("TNSR_FORMAT");
	out.sink = sink;
	out.format = output->format ? output->format : !output->path && env && *env ? env : NULL;
	if ((st = tnsr_graph_run_chain(g, node, reader, &out))) {
		tnsr_sink_abort(sink);
		tool_die(st);
	}
	if ((st = tnsr_sink_commit(sink)))
		tool_die(st);
	tnsr_reader_close(reader);
}

int tops_eval(int argc, char **argv)
{
	/* Every message of this subcommand reads "tops: eval: ...". */
	tool_name = "tops: eval";
	const char *expr = NULL, *seed_text = NULL, *device = NULL;
	tool_output output = {0};
	char **bindings = calloc((size_t)argc, sizeof *bindings);
	int nbindings = 0, first = 1, opt;
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] && !is_option(argv[1])) {
		expr = argv[1];
		first = 2;
	}
	tool_args a = tool_args_start(argc - first + 1, argv + first - 1, options);
	while ((opt = tool_next(&a)) >= 0) {
		switch (opt) {
		case 0:
			if (!expr)
				expr = a.value;
			else
				bindings[nbindings++] = (char *)a.value;
			break;
		case OPT_OUTPUT: output.path = a.value; break;
		case OPT_FORMAT: output.format = a.value; break;
		case OPT_SEED: seed_text = a.value; break;
		case OPT_DEVICE: device = a.value; break;
		case OPT_QUIET: break;
		case OPT_HELP: tops_eval_help(); tool_finish_stdout(); exit(0);
		case OPT_VERSION: tool_version();
		}
	}
	if (!expr)
		tool_usage_error("missing expression (usage: tops eval EXPR [NAME=VALUE...]; see tops eval --help)");
	check_device(device);
	uint64_t seed = tool_parse_seed(seed_text);

	tnsr_graph *g = tnsr_graph_new();
	int node, column;
	tnsr_status st;
	if (!g)
		tool_die(TNSR_E_NOMEM);
	if ((st = tnsr_expr_parse(expr, g, &node, &column)))
		tool_expr_die(st, expr, column);

	/* A chain whose root is a file or a pipe is read by the chain evaluator itself. */
	const char *root = tnsr_graph_chain_input(g, node);
	const char *root_value = root ? binding_of(bindings, nbindings, root) : NULL;
	bool stream = root_value && tool_bind_is_operand(root_value);
	tool_bind_all(g, bindings, nbindings, seed, stream ? root : NULL);
	if (root) {
		run_chain(g, node, stream ? root_value : NULL, &output);
	} else {
		tnsr_tensor *result;
		if ((st = tnsr_graph_eval(g, node, &result)))
			tool_die(st);
		tool_write(&output, result);
		tnsr_tensor_free(result);
	}
	tnsr_graph_free(g);
	free(bindings);
	tool_finish_stdout();
	return 0;
}
