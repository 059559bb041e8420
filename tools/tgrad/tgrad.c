/* tgrad: values and gradients of an expression.  Parses EXPR (the expression language
 * tops eval reads), binds NAME=VALUE inputs, evaluates it and runs reverse-mode autodiff;
 * writes the result and each NAME.grad as one container, or prints them as a notebook
 * would.  --check and --batch (check.c, batch.c) compare the gradients with differences. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tgrad.h"

static const char help[] =
	"usage: tgrad EXPR [NAME=VALUE...] [--wrt NAMES] [-o FILE] [--grad-output FILE]\n"
	"             [--seed N] [--accumulate FILE]\n"
	"       tgrad --check EXPR [NAME=VALUE...] [--wrt NAMES] [--eps E --atol A --rtol R]\n"
	"       tgrad --check --batch CASES_FILE [--seed N --eps E --atol A --rtol R]\n"
	"\n"
	"Evaluate EXPR with each NAME bound to a VALUE and compute, by reverse-mode autodiff,\n"
	"the gradient of the result with respect to the inputs (PyTorch's backward()).\n"
	"\n"
	"EXPR: Python/PyTorch syntax, as tops eval reads it: numbers, names, - + * / % ** @,\n"
	"  .T .mT, a[1:, ::-2], every tops op as f(a, ...) or a.f(...) (sum(x, dim=1), x.mean(),\n"
	"  x.reshape(2, -1), softmax(z, dim=1), linear(x, W, b) ...), and the losses\n"
	"  mse(a, b) and cross_entropy(logits, target) (mean reduction; target class indices).\n"
	"VALUE: a file (x.npy), '-', CONTAINER:MEMBER (data.npz:W), a number (a 0-d f32 tensor),\n"
	"  or a generator: randn:S, rand:S, zeros:S, ones:S, arange:STOP, randint:S:LO,HI.\n"
	"\n"
	"Output: a container with the result as member 'out', then each gradient as 'NAME.grad'\n"
	"  in --wrt order: to -o FILE (.npz or .tnsr by its extension), or on standard output as\n"
	"  .tnsr (--format or $TNSR_FORMAT to change).  On a terminal it prints, as a notebook:\n"
	"      out: tensor(44.)\n"
	"      x.grad: tensor(62.)\n"
	"  and 'NAME.grad: None' for a bound name that was not differentiated.\n"
	"\n"
	"Options:\n"
	"  --wrt NAMES          the inputs to differentiate, comma-separated (PyTorch's\n"
	"                       requires_grad); default: every name bound to a floating tensor\n"
	"  --grad-output FILE   the upstream gradient, of the result's shape; needed when the\n"
	"                       result is not a single value\n"
	"  --accumulate FILE    add the gradients to the NAME.grad members of FILE (created when\n"
	"                       missing) and write it back atomically, as repeated backward()\n"
	"                       calls accumulate into .grad; nothing else is written\n"
	"  --seed N             seed of the generators (each NAME draws its own stream) and of\n"
	"                       --check's random directions; default: a new one every run\n"
	"  -o FILE              write the container to FILE atomically\n"
	"  --format F           container format on standard output (default tnsr)\n"
	"  --device D           cpu (default), cuda or auto; also $TNSR_DEVICE\n"
	"  --check              compare the gradients with central differences in f64: one line\n"
	"                       per input with the max absolute and relative error, the worst\n"
	"                       element's index, its numeric and analytic values and the seed;\n"
	"                       exit 1 on any mismatch (|analytic - numeric| > atol + rtol*|numeric|)\n"
	"  --eps E --atol A --rtol R   --check's step and tolerances (torch.autograd.gradcheck's\n"
	"                       defaults: 1e-6, 1e-5, 1e-3)\n"
	"  --batch FILE         with --check: one check per line of FILE ('-': standard input),\n"
	"                       words split as a shell would (quotes, no expansion), blank lines\n"
	"                       and # comments skipped; prints TAP, exit 1 if any case failed\n"
	"  -q                   no progress bar\n"
	"  -h, --help           this help;  --version  the version\n";

static const char help_more[] =
	"\n"
	"--check casts every floating input to f64.  A result of more than one value is reduced\n"
	"to sum(result * v) with v from --grad-output, else random (seeded).  Inputs of more than\n"
	"4096 elements are checked along 2 random unit directions u (v^T J u, PyTorch's fast\n"
	"mode).  Kinks: where the one-sided differences (f(x+eps) - f(x))/eps and\n"
	"(f(x) - f(x-eps))/eps disagree beyond the tolerance, the function is not differentiable\n"
	"within eps of the point (relu, abs, clamp at their kinks); a gradient between the two,\n"
	"within the tolerance, is accepted there as a subgradient, and the count is reported.\n"
	"\n"
	"Examples:\n"
	"  tgrad 'w*x + b' x=3 w=4 b=5\n"
	"  tgrad 'mean((X @ W.T + b - Y)**2)' X=x.npy Y=y.npy W=randn:10x784 b=zeros:10 \\\n"
	"        --wrt W,b -o grads.npz\n"
	"  tgrad 'cross_entropy(linear(x, W), t)' x=data.npz:x t=data.npz:t W=w.npy --accumulate g.npz\n"
	"  tgrad --check 'sum(softmax(x, dim=1) * y)' x=randn:3x4 y=rand:3x4 --seed 1\n"
	"  tgrad --check --batch cases.txt\n"
	"\n"
	"Exit status: 0 success, 1 the data, the operation or a check failed, 2 a command\n"
	"line, expression or binding that cannot be understood.\n";

enum {
	OPT_WRT = 1, OPT_OUTPUT, OPT_GRAD_OUTPUT, OPT_SEED, OPT_ACCUMULATE, OPT_FORMAT, OPT_DEVICE, OPT_CHECK,
	OPT_BATCH, OPT_EPS, OPT_ATOL, OPT_RTOL, OPT_QUIET, OPT_HELP, OPT_VERSION
};

static const tool_option options[] = {
	{"wrt", 0, TOOL_ARG, OPT_WRT},
	{"output", 'o', TOOL_ARG, OPT_OUTPUT},
	{"grad-output", 0, TOOL_ARG, OPT_GRAD_OUTPUT},
	{"seed", 0, TOOL_ARG, OPT_SEED},
	{"accumulate", 0, TOOL_ARG, OPT_ACCUMULATE},
	{"format", 0, TOOL_ARG, OPT_FORMAT},
	{"device", 0, TOOL_ARG, OPT_DEVICE},
	{"check", 0, TOOL_NO_ARG, OPT_CHECK},
	{"batch", 0, TOOL_ARG, OPT_BATCH},
	{"eps", 0, TOOL_ARG, OPT_EPS},
	{"atol", 0, TOOL_ARG, OPT_ATOL},
	{"rtol", 0, TOOL_ARG, OPT_RTOL},
	{"quiet", 'q', TOOL_NO_ARG, OPT_QUIET},
	{"help", 'h', TOOL_NO_ARG, OPT_HELP},
	{"version", 0, TOOL_NO_ARG, OPT_VERSION},
	{NULL, 0, 0, 0},
};

/* ---------------------------------------------------------------- the command line */

/* Whether WORD is one of the options (a first word that is not is the expression, even
 * when it starts with '-': tgrad '-x**2' x=3).  A word starting with "--" always reads as
 * an option (an unknown one is an error); such an expression goes after "--". */
static bool is_option(const char *word)
{
	if (strncmp(word, "--", 2) == 0)
		return true;
	for (const tool_option *o = options; o->long_name; o++) {
		size_t n = strlen(o->long_name);
		if ((word[1] == '-' && strncmp(word + 2, o->long_name, n) == 0 && (!word[n + 2] || word[n + 2] == '=')) ||
		    (o->short_name && word[1] == o->short_name && (o->has_arg == TOOL_ARG || !word[2])))
			return true;
	}
	return false;
}

/* --wrt x,W,b (repeatable): the names, in order. */
static void add_wrt(tgrad_cmd *cmd, const char *text)
{
	size_t used = 0;
	for (int i = 0; i < cmd->nwrt; i++)
		used += strlen(cmd->wrt[i]) + 1;
	char *buf = cmd->wrt_text + used;
	if (used + strlen(text) + 1 > sizeof cmd->wrt_text)
		tool_usage_error("--wrt: too many names");
	strcpy(buf, text);
	for (char *save = NULL, *w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if (cmd->nwrt == TGRAD_MAX_NAMES)
			tool_usage_error("--wrt: more than %d names", TGRAD_MAX_NAMES);
		for (int i = 0; i < cmd->nwrt; i++)
			if (strcmp(cmd->wrt[i], w) == 0)
				tool_usage_error("--wrt: %s listed twice", w);
		cmd->wrt[cmd->nwrt++] = w;
	}
	if (!cmd->nwrt)
		tool_usage_error("--wrt: '%s' names no input (expected NAME[,NAME...])", text);
}

static double positive(const char *what, const char *text, bool zero_ok)
{
	double v = tool_parse_double(what, text);
	if (!(zero_ok ? v >= 0 : v > 0) || v != v)
		tool_usage_error("%s: '%s' must be %s", what, text, zero_ok ? ">= 0" : "> 0");
	return v;
}

void tgrad_parse(int argc, char **argv, tgrad_cmd *cmd)
{
	memset(cmd, 0, sizeof *cmd);
	cmd->eps = 1e-6;
	cmd->atol = 1e-5;
	cmd->rtol = 1e-3;
	cmd->bindings = calloc((size_t)argc + 1, sizeof *cmd->bindings);
	if (!cmd->bindings)
		tool_die(tnsr_error(TNSR_E_NOMEM, "out of memory"));
	int first = 1, opt;
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] && !is_option(argv[1])) {
		cmd->expr = argv[1];
		first = 2;
	}
	tool_args a = tool_args_start(argc - first + 1, argv + first - 1, options);
	while ((opt = tool_next(&a)) >= 0) {
		switch (opt) {
		case 0:
			if (!cmd->expr)
				cmd->expr = a.value;
			else
				cmd->bindings[cmd->nbindings++] = (char *)a.value;
			break;
		case OPT_WRT: add_wrt(cmd, a.value); break;
		case OPT_OUTPUT: cmd->output.path = a.value; break;
		case OPT_GRAD_OUTPUT: cmd->grad_output = a.value; break;
		case OPT_SEED: cmd->seed_text = a.value; break;
		case OPT_ACCUMULATE: cmd->accumulate = a.value; break;
		case OPT_FORMAT: cmd->output.format = a.value; break;
		case OPT_DEVICE: cmd->device = a.value; break;
		case OPT_CHECK: cmd->check = true; break;
		case OPT_BATCH: cmd->batch = a.value; break;
		case OPT_EPS: cmd->eps = positive("--eps", a.value, false); break;
		case OPT_ATOL: cmd->atol = positive("--atol", a.value, true); break;
		case OPT_RTOL: cmd->rtol = positive("--rtol", a.value, true); break;
		case OPT_QUIET: break;
		case OPT_HELP:
			fputs(help, stdout);
			fputs(help_more, stdout);
			tool_finish_stdout();
			exit(0);
		case OPT_VERSION: tool_version();
		}
	}
	if (cmd->seed_text)
		tool_parse_seed(cmd->seed_text); /* refused here, before any work */
	if (cmd->batch) {
		if (cmd->expr)
			tool_usage_error("--batch: the cases come from %s; unexpected expression '%s'", cmd->batch, cmd->expr);
		if (cmd->nwrt || cmd->grad_output)
			tool_usage_error("--batch: --wrt and --grad-output belong on the lines of %s", cmd->batch);
		cmd->check = true;
	} else if (!cmd->expr) {
		tool_usage_error("missing expression (usage: tgrad EXPR [NAME=VALUE...]; see tgrad --help)");
	}
	if (cmd->check && (cmd->output.path || cmd->accumulate))
		tool_usage_error("--check writes no tensors: -o and --accumulate do not apply");
	if (cmd->accumulate && cmd->output.path)
		tool_usage_error("--accumulate writes %s itself: -o does not apply", cmd->accumulate);
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

/* ---------------------------------------------------------------- the problem */

/* "x, W and b" for messages. */
static void list_names(const tgrad_problem *p, char *buf, size_t size)
{
	buf[0] = 0;
	for (int i = 0; i < p->nnames; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, size - used, "%s%s", i == 0 ? "" : i == p->nnames - 1 ? " and " : ", ", p->names[i]);
	}
}

void tgrad_problem_load(const tgrad_cmd *cmd, tgrad_problem *p)
{
	memset(p, 0, sizeof *p);
	int column;
	tnsr_status st;
	if (!(p->g = tnsr_graph_new()))
		tool_die(TNSR_E_NOMEM);
	if ((st = tnsr_expr_parse(cmd->expr, p->g, &p->node, &column)))
		tool_expr_die(st, cmd->expr, column);
	check_device(cmd->device);
	p->seed = tool_parse_seed(cmd->seed_text);
	if (cmd->nbindings > TGRAD_MAX_NAMES)
		tool_usage_error("%d bindings (at most %d)", cmd->nbindings, TGRAD_MAX_NAMES);
	tool_bind_all(p->g, cmd->bindings, cmd->nbindings, p->seed, NULL);
	/* Each bound value, read back through its name: parsing a name gives its leaf. */
	for (int i = 0; i < cmd->nbindings; i++) {
		const char *value;
		int leaf;
		tool_split_binding(cmd->bindings[i], p->names[i], sizeof p->names[i], &value);
		if ((st = tnsr_expr_parse(p->names[i], p->g, &leaf, &column)) ||
		    (st = tnsr_graph_eval(p->g, leaf, &p->values[i])))
			tool_die(st);
		p->nnames++;
	}
	if (!cmd->nwrt) {
		for (int i = 0; i < p->nnames; i++)
			if (tnsr_dtype_is_floating(p->values[i]->dtype) || tnsr_dtype_is_complex(p->values[i]->dtype))
				p->wrt[p->nwrt++] = p->names[i];
		return;
	}
	for (int j = 0; j < cmd->nwrt; j++) {
		int found = -1;
		for (int i = 0; i < p->nnames && found < 0; i++)
			if (strcmp(p->names[i], cmd->wrt[j]) == 0)
				found = i;
		if (found < 0) {
			char names[1024];
			list_names(p, names, sizeof names);
			tool_usage_error("--wrt %s: not a bound input (bound: %s)", cmd->wrt[j], names[0] ? names : "none");
		}
		p->wrt[p->nwrt++] = p->names[found];
	}
}

void tgrad_problem_free(tgrad_problem *p)
{
	for (int i = 0; i < p->nnames; i++)
		tnsr_tensor_free(p->values[i]);
	tnsr_graph_free(p->g);
	p->g = NULL;
}

/* ---------------------------------------------------------------- gradients */

/* Dies with the library's message; a non-scalar result gets a hint. */
static _Noreturn void backward_failed(tnsr_status st, bool have_grad_output)
{
	if (st == TNSR_E_SHAPE && !have_grad_output && strstr(tnsr_error_message(), "implicitly created"))
		tool_fail("%s (give --grad-output FILE)", tnsr_error_message());
	tool_die(st);
}

/* A container member's name as its codec lists it, without an .npz member's ".npy". */
static void member_name(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s", name);
	size_t n = strlen(buf);
	if (n > 4 && strcmp(buf + n - 4, ".npy") == 0)
		buf[n - 4] = 0;
}

/* --accumulate FILE: FILE's NAME.grad members plus this run's gradients, this run's out,
 * and FILE's other members unchanged, written back atomically. */
static void accumulate(const char *path, const char *format, tnsr_tensor *out, const char *const *names,
		       tnsr_tensor **grads, int n)
{
	enum { MAX = 2 * TGRAD_MAX_NAMES };
	static char old_names[MAX][sizeof ((tnsr_member_info *)0)->name], new_names[MAX][264];
	tnsr_tensor *old[MAX] = {NULL}, *all[MAX];
	const char *all_names[MAX];
	bool used[MAX] = {false};
	int nold = 0, nall = 0;
	tnsr_status st;
	tnsr_reader *r = NULL;
	if (access(path, F_OK) == 0) {
		tnsr_member_info info;
		if ((st = tnsr_reader_open(path, &r)))
			tool_die(st);
		while ((st = tnsr_reader_next(r, &info)) == TNSR_OK) {
			if (nold == MAX)
				tool_fail("%s: more than %d members", path, MAX);
			member_name(info.name, old_names[nold], sizeof old_names[nold]);
			if ((st = tnsr_reader_load(r, &old[nold])))
				tool_die(st);
			nold++;
		}
		if (st != TNSR_END)
			tool_die(st);
	}
	all[nall] = out;
	all_names[nall++] = "out";
	for (int i = 0; i < nold; i++)
		used[i] = strcmp(old_names[i], "out") == 0;
	for (int j = 0; j < n; j++) {
		snprintf(new_names[j], sizeof new_names[j], "%s.grad", names[j]);
		tnsr_tensor *sum = grads[j];
		for (int i = 0; i < nold; i++) {
			if (used[i] || strcmp(old_names[i], new_names[j]) != 0)
				continue;
			used[i] = true;
			char a[256], b[256];
			if (old[i]->ndim != sum->ndim || memcmp(old[i]->shape, sum->shape, sizeof *sum->shape * (size_t)sum->ndim))
				tool_fail("%s: member %s has shape %s, the gradient has %s (expected the same)", path,
					  new_names[j], tnsr_shape_format(old[i]->ndim, old[i]->shape, a, sizeof a),
					  tnsr_shape_format(sum->ndim, sum->shape, b, sizeof b));
			tnsr_op_args args = tnsr_op_args_default();
			tnsr_tensor *s = NULL, *c = NULL;
			if ((st = tnsr_op_apply(tnsr_op_find("add"), (tnsr_tensor *const[]){old[i], grads[j]}, 2, &args, &s)) ||
			    (st = tnsr_tensor_cast(s, grads[j]->dtype, &c)))
				tool_die(tnsr_error_prefix(st, path));
			tnsr_tensor_free(s);
			tnsr_tensor_free(grads[j]);
			sum = grads[j] = c;
		}
		all[nall] = sum;
		all_names[nall++] = new_names[j];
	}
	for (int i = 0; i < nold; i++)
		if (!used[i] && nall < MAX) {
			all[nall] = old[i];
			all_names[nall++] = old_names[i];
		}
	if ((st = tnsr_save_many(path, format, all, all_names, nall, NULL)))
		tool_die(st);
	for (int i = 0; i < nold; i++)
		tnsr_tensor_free(old[i]);
	tnsr_reader_close(r);
}

/* Prints NAME: repr(T) as print(NAME, T) would in PyTorch. */
static void print_line(const char *name, const tnsr_tensor *t)
{
	printf("%s: ", name);
	if (!t) {
		printf("None\n");
		return;
	}
	tnsr_print_options opt = tnsr_print_defaults(TNSR_STYLE_TORCH);
	tnsr_status st = tnsr_repr(stdout, t, &opt);
	if (st)
		tool_die(st);
	putchar('\n');
}

static int gradients(const tgrad_cmd *cmd)
{
	tgrad_problem p;
	tgrad_problem_load(cmd, &p);
	tnsr_tensor *go = cmd->grad_output ? tool_load(cmd->grad_output) : NULL, *out = NULL;
	tnsr_tensor *grads[TGRAD_MAX_NAMES] = {NULL};
	tnsr_status st = tnsr_graph_eval(p.g, p.node, &out);
	if (st)
		tool_die(st);
	if ((st = tnsr_graph_backward(p.g, p.node, go, p.wrt, p.nwrt, grads)))
		backward_failed(st, go != NULL);

	char member[TGRAD_MAX_NAMES][136];
	tnsr_tensor *tensors[TGRAD_MAX_NAMES + 1] = {out};
	const char *names[TGRAD_MAX_NAMES + 1] = {"out"};
	for (int j = 0; j < p.nwrt; j++) {
		snprintf(member[j], sizeof member[j], "%s.grad", p.wrt[j]);
		tensors[j + 1] = grads[j];
		names[j + 1] = member[j];
	}
	const char *env = getenv("TNSR_FORMAT");
	if (cmd->accumulate) {
		accumulate(cmd->accumulate, cmd->output.format, out, p.wrt, grads, p.nwrt);
	} else if (!cmd->output.path && isatty(1)) {
		print_line("out", out);
		for (int j = 0; j < p.nwrt; j++)
			print_line(member[j], grads[j]);
		for (int i = 0; i < p.nnames; i++) {
			bool differentiated = false;
			for (int j = 0; j < p.nwrt; j++)
				differentiated |= strcmp(p.wrt[j], p.names[i]) == 0;
			if (!differentiated) {
				char name[136];
				snprintf(name, sizeof name, "%s.grad", p.names[i]);
				print_line(name, NULL);
			}
		}
	} else {
		/* A file's format comes from its extension; standard output gets .tnsr. */
		const char *format = cmd->output.format ? cmd->output.format
				     : cmd->output.path   ? NULL
				     : env && *env	  ? env
							  : "tnsr";
		if ((st = tnsr_save_many(cmd->output.path, format, tensors, names, p.nwrt + 1, NULL)))
			tool_die(st);
	}
	for (int j = 0; j < p.nwrt; j++)
		tnsr_tensor_free(grads[j]);
	tnsr_tensor_free(out);
	tnsr_tensor_free(go);
	tgrad_problem_free(&p);
	tool_finish_stdout();
	return 0;
}

int main(int argc, char **argv)
{
	tool_init("tgrad");
	tgrad_cmd cmd;
	tgrad_parse(argc, argv, &cmd);
	int status;
	if (cmd.batch) {
		/* Options given with --batch are every case's defaults. */
		char *global[8], eps[32], atol[32], rtol[32];
		int n = 0;
		snprintf(eps, sizeof eps, "--eps=%.17g", cmd.eps);
		snprintf(atol, sizeof atol, "--atol=%.17g", cmd.atol);
		snprintf(rtol, sizeof rtol, "--rtol=%.17g", cmd.rtol);
		global[n++] = eps;
		global[n++] = atol;
		global[n++] = rtol;
		if (cmd.seed_text) {
			global[n++] = "--seed";
			global[n++] = (char *)cmd.seed_text;
		}
		if (cmd.device) {
			global[n++] = "--device";
			global[n++] = (char *)cmd.device;
		}
		status = tgrad_batch(&cmd, global, n);
	} else if (cmd.check) {
		status = tgrad_check(&cmd, NULL);
	} else {
		status = gradients(&cmd);
	}
	free(cmd.bindings);
	tool_finish_stdout();
	return status;
}
