/* bind.c: what tgrad and tops eval share around an expression: NAME=VALUE bindings (a
 * file, '-', CONTAINER:MEMBER, a number, or a generator seeded per name by --seed), and
 * the caret printed under a syntax error. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool.h"

/* ---------------------------------------------------------------- seeds */

uint64_t tool_parse_seed(const char *text)
{
	if (!text)
		return tnsr_rng_entropy_seed();
	char *end;
	const char *p = text + (text[0] == '-');
	if (*p < '0' || *p > '9')
		tool_usage_error("--seed: '%s' is not an integer (expected 0..18446744073709551615)", text);
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (*end || errno || (text[0] == '-' && v > (unsigned long long)INT64_MAX + 1))
		tool_usage_error("--seed: '%s' is not an integer in range (expected -9223372036854775808..18446744073709551615)",
				 text);
	return text[0] == '-' ? 0 - (uint64_t)v : (uint64_t)v;
}

uint64_t tool_bind_seed(uint64_t seed, const char *name)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a, 64 bits */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	uint64_t z = (seed ^ h) + 0x9e3779b97f4a7c15ull; /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---------------------------------------------------------------- bindings */

bool tool_split_binding(const char *arg, char *name, size_t size, const char **value)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : 0;
	if (!eq || n == 0 || n >= size || !(isalpha((unsigned char)arg[0]) || arg[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)arg[i]) && arg[i] != '_')
			return false;
	memcpy(name, arg, n);
	name[n] = 0;
	*value = eq + 1;
	return true;
}

/* A number as Python writes one ("2", "-0.5", "1e-3", "inf", "nan", "True"): true with
 * *OUT (and *IS_BOOL). */
static bool parse_number(const char *text, double *out, bool *is_bool)
{
	*is_bool = strcmp(text, "True") == 0 || strcmp(text, "False") == 0;
	if (*is_bool) {
		*out = text[0] == 'T';
		return true;
	}
	const char *p = text + (*text == '-' || *text == '+');
	bool numeric = isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1])) ||
		       strcasecmp(p, "inf") == 0 || strcasecmp(p, "nan") == 0;
	char *end;
	errno = 0;
	double d = strtod(text, &end);
	if (!numeric || end == text || *end)
		return false;
	*out = d;
	return true;
}

static const char *const generators[] = {"randn", "rand", "randint", "zeros", "ones", "arange", NULL};

/* The generator VALUE names ("randn" for "randn:3x4"), or NULL. */
static const char *generator_of(const char *value)
{
	for (const char *const *g = generators; *g; g++) {
		size_t n = strlen(*g);
		if (strncmp(value, *g, n) == 0 && value[n] == ':')
			return *g;
	}
	return NULL;
}

bool tool_bind_is_operand(const char *value)
{
	struct stat st;
	double d;
	bool b;
	if (strcmp(value, "-") == 0 || stat(value, &st) == 0)
		return true;
	return !parse_number(value, &d, &b) && !generator_of(value);
}

static _Noreturn void bad_generator(const char *name, const char *value, const char *why)
{
	tool_usage_error("%s=%s: %s", name, value, why);
}

/* torch.arange's values for a floating DTYPE, as tcreate computes them: blocks of 2*W
 * elements whose lanes are base + k*step (base = start + step*idx, rounded to f32 for
 * f32), then one by one, the products fused as PyTorch's compiled CPU kernel does. */
static void arange_floating(tnsr_tensor *t, double start, double step)
{
	int64_t n = t->shape[0], w = t->dtype == TNSR_F64 ? 4 : 8, i = 0;
	size_t size = tnsr_dtype_size(t->dtype);
	char *p = tnsr_tensor_data(t);
	for (; i + 2 * w <= n; i += 2 * w)
		for (int64_t b = i; b < i + 2 * w; b += w) {
			double base = fma(step, (double)b, start);
			if (t->dtype == TNSR_F32)
				base = (float)base;
			for (int64_t k = 0; k < w; k++) {
				double v = fma((double)k, step, base);
				tnsr_convert(t->dtype, p + (size_t)(b + k) * size, TNSR_F64, &v, 1);
			}
		}
	for (; i < n; i++) {
		double v = fma(step, (double)i, start);
		tnsr_convert(t->dtype, p + (size_t)i * size, TNSR_F64, &v, 1);
	}
}

/* arange:STOP or arange:START,STOP[,STEP]: i64 when every number is an integer, else
 * f32 (torch.arange), or DTYPE when given. */
static tnsr_tensor *gen_arange(const char *name, const char *value, const char *args, int has_dtype, tnsr_dtype dtype)
{
	double v[3];
	int64_t iv[3];
	bool all_int = true;
	int n = 0;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", args);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		bool is_bool;
		if (n == 3 || !parse_number(tok, &v[n], &is_bool) || is_bool)
			bad_generator(name, value, "expected arange:STOP or arange:START,STOP[,STEP] of numbers");
		errno = 0;
		iv[n] = strtoll(tok, &end, 10);
		if (*end || errno)
			all_int = false;
		n++;
	}
	if (n == 0)
		bad_generator(name, value, "expected arange:STOP or arange:START,STOP[,STEP] of numbers");
	double start = n == 1 ? 0 : v[0], stop = n == 1 ? v[0] : v[1], step = n == 3 ? v[2] : 1;
	int64_t istart = n == 1 ? 0 : iv[0], istop = n == 1 ? iv[0] : iv[1], istep = n == 3 ? iv[2] : 1;
	if (!has_dtype)
		dtype = all_int ? TNSR_I64 : TNSR_F32;
	if (dtype == TNSR_BOOL || tnsr_dtype_is_complex(dtype))
		bad_generator(name, value, "arange takes an integer or floating dtype");
	if (step == 0)
		bad_generator(name, value, "step must be nonzero");
	if (!isfinite(start) || !isfinite(stop) || !((step > 0 && stop >= start) || (step < 0 && stop <= start)))
		bad_generator(name, value, "the range is not finite or the step leads away from stop (as torch.arange refuses)");
	double size_d = all_int ? ceil(((double)istop - (double)istart) / (double)istep) : ceil((stop - start) / step);
	if (!(size_d >= 0 && size_d < 0x1p62))
		bad_generator(name, value, "too many elements");
	int64_t size = (int64_t)size_d;
	tnsr_tensor *t;
	tnsr_status st = tnsr_tensor_empty(dtype, 1, &size, &t);
	if (st)
		tool_die(st);
	if (tnsr_dtype_is_integral(dtype) && all_int) {
		int64_t *tmp = malloc(sizeof *tmp * (size_t)(size ? size : 1));
		if (!tmp)
			tool_die(tnsr_error(TNSR_E_NOMEM, "%s: out of memory", name));
		for (int64_t i = 0; i < size; i++)
			tmp[i] = (int64_t)((uint64_t)istart + (uint64_t)istep * (uint64_t)i);
		tnsr_convert(dtype, tnsr_tensor_data(t), TNSR_I64, tmp, (size_t)size);
		free(tmp);
	} else {
		arange_floating(t, start, step);
	}
	return t;
}

/* GEN:ARGS[:DTYPE] for NAME. */
static tnsr_tensor *generate(const char *name, const char *value, const char *gen, uint64_t seed)
{
	char args[256], *extra;
	snprintf(args, sizeof args, "%s", value + strlen(gen) + 1);
	bool has_dtype = false, is_randint = strcmp(gen, "randint") == 0;
	tnsr_dtype dtype = TNSR_F32;
	/* randint:S:LO,HI has its range where the others have a dtype. */
	char *range = NULL;
	if (is_randint) {
		if (!(range = strchr(args, ':')))
			bad_generator(name, value, "expected randint:SHAPE:HI or randint:SHAPE:LO,HI");
		*range++ = 0;
		dtype = TNSR_I64;
	} else if ((extra = strchr(args, ':'))) {
		*extra++ = 0;
		if (tnsr_dtype_parse(extra, &dtype))
			tool_usage_error("%s=%s: %s", name, value, tnsr_error_message());
		has_dtype = true;
	}
	if (strcmp(gen, "arange") == 0)
		return gen_arange(name, value, args, has_dtype, dtype);
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	if (tnsr_shape_parse(args, false, &ndim, shape))
		tool_usage_error("%s=%s: %s", name, value, tnsr_error_message());
	bool random = strncmp(gen, "rand", 4) == 0;
	if (random && !is_randint && !tnsr_dtype_is_floating(dtype) && !tnsr_dtype_is_complex(dtype))
		bad_generator(name, value, "rand and randn give a floating dtype");
	tnsr_tensor *t;
	tnsr_status st = tnsr_tensor_zeros(dtype, ndim, shape, &t);
	if (st)
		tool_die(st);
	tnsr_rng rng = tnsr_rng_new(tool_bind_seed(seed, name));
	if (strcmp(gen, "rand") == 0) {
		st = tnsr_fill_uniform(&rng, t, 0, 1);
	} else if (strcmp(gen, "randn") == 0) {
		st = tnsr_fill_normal(&rng, t, 0, 1);
	} else if (is_randint) {
		double r[2];
		bool b;
		char *comma = strchr(range, ',');
		const char *parts[2] = {range, comma ? comma + 1 : NULL};
		int n = comma ? 2 : 1;
		if (comma)
			*comma = 0;
		for (int k = 0; k < n; k++)
			if (!parse_number(parts[k], &r[k], &b) || b || r[k] != floor(r[k]) || fabs(r[k]) > 0x1p62)
				bad_generator(name, value, "the range must be integers HI or LO,HI");
		double lo = n == 2 ? r[0] : 0, hi = r[n - 1];
		st = tnsr_fill_randint(&rng, t, (int64_t)lo, (int64_t)hi);
		if (st)
			tool_usage_error("%s=%s: %s", name, value, tnsr_error_message());
	} else if (strcmp(gen, "ones") == 0) {
		size_t size = tnsr_dtype_size(dtype);
		char *p = tnsr_tensor_data(t);
		double one = 1;
		for (int64_t i = 0, n = tnsr_tensor_numel(t); i < n; i++)
			tnsr_convert(dtype, p + (size_t)i * size, TNSR_F64, &one, 1);
	}
	if (st)
		tool_die(st);
	return t;
}

tnsr_tensor *tool_bind_value(const char *name, const char *value, uint64_t seed)
{
	double d;
	bool is_bool;
	tnsr_tensor *t = NULL;
	tnsr_status st;
	const char *gen = tool_bind_is_operand(value) ? NULL : generator_of(value);
	if (gen)
		return generate(name, value, gen, seed);
	if (!tool_bind_is_operand(value) && parse_number(value, &d, &is_bool)) {
		/* A 0-d tensor, as torch.tensor(2.) makes it: it promotes as a tensor, not as a
		 * wrapped scalar (and can be differentiated). */
		if ((st = tnsr_tensor_scalar(is_bool ? TNSR_BOOL : TNSR_F32, d, 0, &t)))
			tool_die(st);
		t->wrapped = false;
		return t;
	}
	tnsr_reader *r;
	tnsr_member_info info;
	st = tool_open_operand(value, &r, &info);
	if (!st)
		st = tnsr_reader_load(r, &t);
	tnsr_reader_close(r);
	if (st)
		tool_die(tnsr_error_prefix(st, name));
	return t;
}

void tool_bind_all(tnsr_graph *g, char *const *bindings, int n, uint64_t seed, const char *skip)
{
	char (*names)[128] = calloc((size_t)(n ? n : 1), sizeof *names);
	const char *dash = NULL;
	if (!names)
		tool_die(tnsr_error(TNSR_E_NOMEM, "out of memory"));
	for (int i = 0; i < n; i++) {
		const char *value;
		if (!tool_split_binding(bindings[i], names[i], sizeof names[i], &value))
			tool_usage_error("'%s': expected NAME=VALUE (a name, '=', then a file, '-', a number or a generator)",
					 bindings[i]);
		if (!*value)
			tool_usage_error("%s=: no value (expected a file, '-', a number or a generator such as randn:3x4)",
					 names[i]);
		for (int j = 0; j < i; j++)
			if (strcmp(names[j], names[i]) == 0)
				tool_usage_error("%s: bound twice", names[i]);
		if (strcmp(value, "-") == 0) {
			if (dash)
				tool_usage_error("'-' bound to both %s and %s: standard input is read once", dash, names[i]);
			dash = names[i];
		}
	}
	/* Every name must be in the expression before anything is read.  The known ones get
	 * a placeholder first, so that "did you mean" points at a name still unbound. */
	tnsr_tensor *placeholder;
	if (tnsr_tensor_zeros(TNSR_F32, 0, NULL, &placeholder))
		tool_die(TNSR_E_NOMEM);
	for (int i = 0; i < n; i++)
		if ((!skip || strcmp(names[i], skip) != 0) && tnsr_graph_bind(g, names[i], NULL) == TNSR_OK)
			tnsr_graph_bind(g, names[i], placeholder);
	tnsr_tensor_free(placeholder);
	for (int i = 0; i < n; i++)
		if (tnsr_graph_bind(g, names[i], NULL) != TNSR_OK)
			tool_die(TNSR_E_USAGE);
	for (int i = 0; i < n; i++) {
		const char *value = strchr(bindings[i], '=') + 1;
		if (skip && strcmp(names[i], skip) == 0)
			continue;
		tnsr_tensor *t = tool_bind_value(names[i], value, seed);
		tnsr_status st = tnsr_graph_bind(g, names[i], t);
		tnsr_tensor_free(t);
		if (st)
			tool_die(st);
	}
	free(names);
}

/* ---------------------------------------------------------------- syntax errors */

void tool_expr_caret(const char *expr, int column)
{
	size_t len = strlen(expr);
	if (column < 0 || (size_t)column > len)
		column = (int)len;
	fputs("    ", stderr);
	for (const char *p = expr; *p; p++)
		fputc(*p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p, stderr);
	fputs("\n    ", stderr);
	/* One space per character before the column (UTF-8 continuation bytes take none). */
	for (int i = 0; i < column; i++)
		if (((unsigned char)expr[i] & 0xC0) != 0x80)
			fputc(' ', stderr);
	fputs("^\n", stderr);
}

_Noreturn void tool_expr_die(tnsr_status status, const char *expr, int column)
{
	if (status == TNSR_E_PIPE)
		exit(0);
	tool_warn("%s", tnsr_error_message());
	if (column >= 0)
		tool_expr_caret(expr, column);
	exit(status == TNSR_E_USAGE ? 2 : 1);
}
