/* check.c: tgrad --check, the gradient check for CI (torch.autograd.gradcheck's method):
 * every floating input cast to f64, the reverse-mode gradient compared with central
 * differences element by element, or along random directions for large inputs (vᵀJu).
 * Where the one-sided differences disagree the function has a kink within eps of the
 * point; there any gradient between them is a valid subgradient and is accepted. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tgrad.h"

enum { FULL_MAX = 4096, DIRECTIONS = 2 };

/* What one comparison of an analytic value with differences found. */
typedef struct verdict {
	double worst_ratio;   /* max |a - n| / (atol + rtol |n|): > 1 fails */
	double max_abs, max_rel;
	int64_t worst;        /* element (or direction) of the worst ratio */
	double worst_num, worst_an;
	int64_t mismatched, kinks;
} verdict;

typedef struct checker {
	tgrad_problem *p;
	const tgrad_cmd *cmd;
	const double *v;      /* upstream weights of the result, NULL for a single value */
	int64_t nv;
} checker;

/* sum(result * v) for the current values of the inputs. */
static double objective(const checker *c, const char *name, tnsr_tensor *x)
{
	tnsr_tensor *out, *o64;
	tnsr_status st;
	if ((st = tnsr_graph_bind(c->p->g, name, x)) || (st = tnsr_graph_eval(c->p->g, c->p->node, &out)))
		tool_die(st);
	if ((st = tnsr_tensor_cast(out, TNSR_F64, &o64)))
		tool_die(st);
	const double *d = tnsr_tensor_data(o64);
	double s = 0;
	if (!c->v)
		s = d[0];
	else
		for (int64_t i = 0; i < c->nv; i++)
			s += d[i] * c->v[i];
	tnsr_tensor_free(o64);
	tnsr_tensor_free(out);
	return s;
}

/* Compares analytic A with the differences around F0 (F+ and F- at +-eps) for element or
 * direction I. */
static void compare(const checker *c, verdict *v, int64_t i, double a, double f0, double fp, double fm)
{
	double eps = c->cmd->eps, atol = c->cmd->atol, rtol = c->cmd->rtol;
	double num = (fp - fm) / (2 * eps), abs_err = fabs(a - num);
	double rel = abs_err == 0 ? 0 : abs_err / fabs(num);
	double ratio = abs_err / (atol + rtol * fabs(num));
	if (!(ratio <= 1)) {
		/* A kink within eps: one-sided slopes that disagree bound the subgradients. */
		double right = (fp - f0) / eps, left = (f0 - fm) / eps;
		double tol = atol + rtol * fmax(fabs(left), fabs(right));
		if (fabs(right - left) > tol && a >= fmin(left, right) - tol && a <= fmax(left, right) + tol) {
			v->kinks++;
			return;
		}
		v->mismatched++;
	}
	bool worse = isnan(ratio) ? !isnan(v->worst_ratio) : ratio > v->worst_ratio; /* NaN is the worst */
	if (worse) {
		v->worst_ratio = ratio;
		v->worst = i;
		v->worst_num = num;
		v->worst_an = a;
	}
	if (abs_err > v->max_abs || isnan(abs_err))
		v->max_abs = abs_err;
	if (rel > v->max_rel || isnan(rel))
		v->max_rel = rel;
}

/* Element by element: x[i] +- eps. */
static void check_elements(const checker *c, const char *name, tnsr_tensor *x, const double *grad, double f0,
			   verdict *v)
{
	double *d = tnsr_tensor_data(x);
	for (int64_t i = 0, n = tnsr_tensor_numel(x); i < n; i++) {
		double old = d[i];
		d[i] = old + c->cmd->eps;
		double fp = objective(c, name, x);
		d[i] = old - c->cmd->eps;
		double fm = objective(c, name, x);
		d[i] = old;
		compare(c, v, i, grad[i], f0, fp, fm);
	}
	tnsr_graph_bind(c->p->g, name, x);
}

/* Along DIRECTIONS random unit vectors u: (f(x + eps u) - f(x - eps u)) / 2eps vs grad . u. */
static void check_directions(const checker *c, const char *name, tnsr_tensor *x, const double *grad, double f0,
			     verdict *v)
{
	int64_t n = tnsr_tensor_numel(x);
	double *d = tnsr_tensor_data(x), *x0 = malloc(sizeof *x0 * (size_t)n);
	tnsr_tensor *u;
	tnsr_status st = tnsr_tensor_empty(TNSR_F64, 1, &n, &u);
	if (!x0 || st)
		tool_die(st ? st : tnsr_error(TNSR_E_NOMEM, "out of memory"));
	memcpy(x0, d, sizeof *x0 * (size_t)n);
	tnsr_rng rng = tnsr_rng_new(tool_bind_seed(c->p->seed, name) ^ 0x5bd1e995u);
	for (int k = 0; k < DIRECTIONS; k++) {
		if ((st = tnsr_fill_normal(&rng, u, 0, 1)))
			tool_die(st);
		double *ud = tnsr_tensor_data(u), norm = 0, a = 0;
		for (int64_t i = 0; i < n; i++)
			norm += ud[i] * ud[i];
		norm = sqrt(norm);
		for (int64_t i = 0; i < n; i++) {
			ud[i] /= norm;
			a += grad[i] * ud[i];
		}
		for (int64_t i = 0; i < n; i++)
			d[i] = x0[i] + c->cmd->eps * ud[i];
		double fp = objective(c, name, x);
		for (int64_t i = 0; i < n; i++)
			d[i] = x0[i] - c->cmd->eps * ud[i];
		double fm = objective(c, name, x);
		memcpy(d, x0, sizeof *x0 * (size_t)n);
		compare(c, v, k, a, f0, fp, fm);
	}
	tnsr_graph_bind(c->p->g, name, x);
	tnsr_tensor_free(u);
	free(x0);
}

/* "(1, 2)": element I of SHAPE as an index tuple. */
static void index_text(int64_t i, const tnsr_tensor *x, char *buf, size_t size)
{
	int64_t idx[TNSR_MAX_DIMS];
	for (int d = x->ndim - 1; d >= 0; d--) {
		idx[d] = x->shape[d] ? i % x->shape[d] : 0;
		i = x->shape[d] ? i / x->shape[d] : 0;
	}
	size_t used = (size_t)snprintf(buf, size, "(");
	for (int d = 0; d < x->ndim && used < size; d++)
		used += (size_t)snprintf(buf + used, size - used, "%s%lld", d ? ", " : "", (long long)idx[d]);
	if (used < size)
		snprintf(buf + used, size - used, x->ndim == 1 ? ",)" : ")");
}

/* "3.1e-2": an error in few characters. */
static void short_number(double v, char *buf, size_t size)
{
	char tmp[32];
	if (isnan(v) || isinf(v)) {
		snprintf(buf, size, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
		return;
	}
	snprintf(tmp, sizeof tmp, "%.1e", v);
	char *e = strchr(tmp, 'e');
	if (!e) {
		snprintf(buf, size, "%s", tmp);
		return;
	}
	*e = 0;
	int exp = atoi(e + 1);
	char *dot = strstr(tmp, ".0");
	if (dot && dot[2] == 0)
		*dot = 0;
	snprintf(buf, size, exp ? "%se%d" : "%s", tmp, exp);
}

int tgrad_check(const tgrad_cmd *cmd, FILE *directive)
{
	tgrad_problem p;
	tgrad_problem_load(cmd, &p);
	tnsr_status st;
	/* Every floating input in f64 (a copy: the differences write into it). */
	tnsr_tensor *x64[TGRAD_MAX_NAMES] = {NULL};
	for (int i = 0; i < p.nnames; i++) {
		tnsr_dtype d = p.values[i]->dtype;
		if (tnsr_dtype_is_complex(d))
			tool_fail("--check: %s is %s: complex inputs are not supported", p.names[i], tnsr_dtype_name(d));
		if (!tnsr_dtype_is_floating(d))
			continue;
		if ((st = tnsr_tensor_cast(p.values[i], TNSR_F64, &x64[i])) || (st = tnsr_graph_bind(p.g, p.names[i], x64[i])))
			tool_die(st);
	}
	tnsr_tensor *out, *v = NULL, *grads[TGRAD_MAX_NAMES] = {NULL};
	if ((st = tnsr_graph_eval(p.g, p.node, &out)))
		tool_die(st);
	/* A result of several values is checked through sum(result * v). */
	if (cmd->grad_output || tnsr_tensor_numel(out) != 1) {
		if (cmd->grad_output) {
			tnsr_tensor *go = tool_load(cmd->grad_output);
			st = tnsr_tensor_cast(go, TNSR_F64, &v);
			tnsr_tensor_free(go);
		} else if (!(st = tnsr_tensor_empty(TNSR_F64, out->ndim, out->shape, &v))) {
			tnsr_rng rng = tnsr_rng_new(tool_bind_seed(p.seed, "grad_output"));
			st = tnsr_fill_normal(&rng, v, 0, 1);
		}
		if (st)
			tool_die(st);
	}
	if ((st = tnsr_graph_backward(p.g, p.node, v, p.wrt, p.nwrt, grads)))
		tool_die(st);
	checker c = {.p = &p, .cmd = cmd, .v = v ? tnsr_tensor_data(v) : NULL, .nv = v ? tnsr_tensor_numel(v) : 0};
	int failed = 0;
	double worst_rel = 0;
	for (int j = 0; j < p.nwrt; j++) {
		int i = 0;
		while (strcmp(p.names[i], p.wrt[j]) != 0)
			i++;
		tnsr_tensor *x = x64[i], *g64;
		if ((st = tnsr_tensor_cast(grads[j], TNSR_F64, &g64)))
			tool_die(st);
		double f0 = objective(&c, p.names[i], x);
		verdict vd = {.worst_ratio = -1, .worst = -1};
		int64_t n = tnsr_tensor_numel(x);
		bool fast = n > FULL_MAX;
		if (fast)
			check_directions(&c, p.names[i], x, tnsr_tensor_data(g64), f0, &vd);
		else
			check_elements(&c, p.names[i], x, tnsr_tensor_data(g64), f0, &vd);
		bool ok = vd.mismatched == 0;
		char where[512] = "", abs_t[32], rel_t[32];
		short_number(vd.max_abs, abs_t, sizeof abs_t);
		short_number(vd.max_rel, rel_t, sizeof rel_t);
		if (vd.worst >= 0 && fast)
			snprintf(where, sizeof where, "; worst along direction %lld", (long long)vd.worst + 1);
		else if (vd.worst >= 0) {
			char idx[400];
			index_text(vd.worst, x, idx, sizeof idx);
			snprintf(where, sizeof where, "; worst at %s", idx);
		}
		printf("%s: %s: max abs err %s, max rel err %s%s", p.names[i], ok ? "ok" : "MISMATCH", abs_t, rel_t, where);
		if (vd.worst >= 0)
			printf(": numeric %.10g, analytic %.10g", vd.worst_num, vd.worst_an);
		printf(" (%lld element%s", (long long)n, n == 1 ? "" : "s");
		if (fast)
			printf(", checked along %d random directions", DIRECTIONS);
		if (vd.mismatched)
			printf(", %lld mismatched", (long long)vd.mismatched);
		if (vd.kinks)
			printf(", %lld at a kink, accepted as subgradient%s", (long long)vd.kinks, vd.kinks == 1 ? "" : "s");
		printf("; seed %llu)\n", (unsigned long long)p.seed);
		if (!ok) {
			failed = 1;
			if (vd.max_rel > worst_rel || isnan(vd.max_rel))
				worst_rel = vd.max_rel;
		}
		tnsr_tensor_free(g64);
	}
	if (p.nwrt == 0)
		printf("nothing to check: no floating input is bound%s\n", cmd->nwrt ? "" : " (or named by --wrt)");
	if (failed && directive) {
		char t[32];
		short_number(worst_rel, t, sizeof t);
		fprintf(directive, "max rel err %s", t);
	}
	for (int j = 0; j < p.nwrt; j++)
		tnsr_tensor_free(grads[j]);
	for (int i = 0; i < p.nnames; i++)
		tnsr_tensor_free(x64[i]);
	tnsr_tensor_free(out);
	tnsr_tensor_free(v);
	tgrad_problem_free(&p);
	tool_finish_stdout();
	return failed;
}
