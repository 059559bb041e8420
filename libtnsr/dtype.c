/* dtype.c: the dtype table and the names of dtypes.  One row per dtype drives parsing
 * (canonical, full, safetensors and NumPy spellings, the aliases) and printing (the
 * canonical name, the NumPy descr). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "tnsr.h"

static const tnsr_dtype_info dtype_table[TNSR_DTYPE_COUNT] = {
	[TNSR_BOOL] = {"bool", "bool", 1, TNSR_KIND_BOOL, 'b', "BOOL"},
	[TNSR_I8] = {"i8", "int8", 1, TNSR_KIND_INT, 'i', "I8"},
	[TNSR_I16] = {"i16", "int16", 2, TNSR_KIND_INT, 'i', "I16"},
	[TNSR_I32] = {"i32", "int32", 4, TNSR_KIND_INT, 'i', "I32"},
	[TNSR_I64] = {"i64", "int64", 8, TNSR_KIND_INT, 'i', "I64"},
	[TNSR_U8] = {"u8", "uint8", 1, TNSR_KIND_UINT, 'u', "U8"},
	[TNSR_U16] = {"u16", "uint16", 2, TNSR_KIND_UINT, 'u', "U16"},
	[TNSR_U32] = {"u32", "uint32", 4, TNSR_KIND_UINT, 'u', "U32"},
	[TNSR_U64] = {"u64", "uint64", 8, TNSR_KIND_UINT, 'u', "U64"},
	[TNSR_F16] = {"f16", "float16", 2, TNSR_KIND_FLOAT, 'f', "F16"},
	[TNSR_BF16] = {"bf16", "bfloat16", 2, TNSR_KIND_FLOAT, 0, "BF16"},
	[TNSR_F32] = {"f32", "float32", 4, TNSR_KIND_FLOAT, 'f', "F32"},
	[TNSR_F64] = {"f64", "float64", 8, TNSR_KIND_FLOAT, 'f', "F64"},
	/* The safetensors specification has no complex dtypes. */
	[TNSR_C64] = {"c64", "complex64", 8, TNSR_KIND_COMPLEX, 'c', NULL},
	[TNSR_C128] = {"c128", "complex128", 16, TNSR_KIND_COMPLEX, 'c', NULL},
};

/* PyTorch's other names for its dtypes (torch.float is float32, torch.long int64). */
static const struct {
	const char *name;
	tnsr_dtype dtype;
} dtype_aliases[] = {
	{"half", TNSR_F16},   {"float", TNSR_F32},    {"double", TNSR_F64},     {"short", TNSR_I16},
	{"int", TNSR_I32},    {"long", TNSR_I64},     {"cfloat", TNSR_C64},     {"cdouble", TNSR_C128},
};
enum { ALIAS_COUNT = sizeof dtype_aliases / sizeof dtype_aliases[0] };

const tnsr_dtype_info *tnsr_dtype_get(tnsr_dtype dtype)
{
	return (unsigned)dtype < TNSR_DTYPE_COUNT ? &dtype_table[dtype] : NULL;
}

/* A name of the table or an alias, spelled exactly. */
static bool lookup_name(const char *text, tnsr_dtype *out)
{
	for (int d = 0; d < TNSR_DTYPE_COUNT; d++) {
		const tnsr_dtype_info *row = &dtype_table[d];
		if (strcmp(text, row->name) == 0 || strcmp(text, row->full) == 0 ||
		    (row->safetensors && strcmp(text, row->safetensors) == 0)) {
			*out = (tnsr_dtype)d;
			return true;
		}
	}
	for (int i = 0; i < ALIAS_COUNT; i++) {
		if (strcmp(text, dtype_aliases[i].name) == 0) {
			*out = dtype_aliases[i].dtype;
			return true;
		}
	}
	return false;
}

/* A NumPy kind character and itemsize ("f4", "c16"), without byte order. */
static bool lookup_npy_code(const char *text, tnsr_dtype *out)
{
	if (!text[0] || !isdigit((unsigned char)text[1]) || text[1] == '0')
		return false;
	unsigned size = 0;
	for (const char *p = text + 1; *p; p++) {
		if (!isdigit((unsigned char)*p) || size > 100)
			return false;
		size = size * 10 + (unsigned)(*p - '0');
	}
	for (int d = 0; d < TNSR_DTYPE_COUNT; d++) {
		if (dtype_table[d].npy_kind && dtype_table[d].npy_kind == text[0] && dtype_table[d].size == size) {
			*out = (tnsr_dtype)d;
			return true;
		}
	}
	return false;
}

/* Edit distance with adjacent transpositions (optimal string alignment), ignoring
 * case; strings of 32 characters or more are "far" from every name. */
static int edit_distance(const char *a_text, const char *b_text)
{
	enum { MAX = 32 };
	char a[MAX], b[MAX];
	size_t n = strlen(a_text), m = strlen(b_text);
	if (n >= MAX || m >= MAX)
		return MAX;
	for (size_t i = 0; i < n; i++)
		a[i] = (char)tolower((unsigned char)a_text[i]);
	for (size_t j = 0; j < m; j++)
		b[j] = (char)tolower((unsigned char)b_text[j]);
	int d[MAX][MAX];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[n][m];
}

/* Weighs candidate NAME against the best so far: nearer wins; at equal distance a name
 * that TEXT begins ("int3" -> "int32") wins, then the earlier one. */
static void consider(const char *text, const char *name, const char **best, int *best_d, bool *best_prefix)
{
	int d = edit_distance(text, name);
	bool prefix = strncmp(name, text, strlen(text)) == 0;
	if (d < *best_d || (d == *best_d && prefix && !*best_prefix)) {
		*best = name;
		*best_d = d;
		*best_prefix = prefix;
	}
}

/* The accepted name nearest to TEXT, or NULL when none is near enough to be a typo. */
static const char *nearest_name(const char *text)
{
	const char *best = NULL;
	int best_d = 1 << 30;
	bool best_prefix = false;
	for (int d = 0; d < TNSR_DTYPE_COUNT; d++) {
		consider(text, dtype_table[d].name, &best, &best_d, &best_prefix);
		consider(text, dtype_table[d].full, &best, &best_d, &best_prefix);
	}
	for (int i = 0; i < ALIAS_COUNT; i++)
		consider(text, dtype_aliases[i].name, &best, &best_d, &best_prefix);
	int len = (int)strlen(text), limit = len < 3 ? 1 : len < 6 ? 2 : 3;
	return best && best_d <= limit ? best : NULL;
}

tnsr_status tnsr_dtype_parse(const char *text, tnsr_dtype *out)
{
	if (!text)
		return tnsr_error(TNSR_E_USAGE, "dtype: missing (expected a name such as f32)");
	if (lookup_name(text, out))
		return TNSR_OK;
	/* PyTorch's spelling: torch.float32, torch.long. */
	if (strncmp(text, "torch.", 6) == 0 && lookup_name(text + 6, out))
		return TNSR_OK;
	/* A NumPy type string carries a byte order, which is no part of the dtype. */
	if (text[0] && strchr("<>|=", text[0]) && lookup_npy_code(text + 1, out))
		return TNSR_OK;
	tnsr_dtype d;
	if (lookup_npy_code(text, &d))
		return tnsr_error(TNSR_E_USAGE, "dtype '%s': ambiguous NumPy itemsize code (did you mean %s?)", text,
				  dtype_table[d].name);

	char names[160];
	size_t used = 0;
	for (int i = 0; i < TNSR_DTYPE_COUNT; i++)
		used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", dtype_table[i].name);
	const char *near = nearest_name(text);
	if (near)
		return tnsr_error(TNSR_E_USAGE, "unknown dtype '%s' (expected one of %s; did you mean %s?)", text, names,
				  near);
	return tnsr_error(TNSR_E_USAGE, "unknown dtype '%s' (expected one of %s)", text, names);
}

const char *tnsr_dtype_npy_descr(tnsr_dtype dtype, char byteorder, char buf[8])
{
	const tnsr_dtype_info *info = tnsr_dtype_get(dtype);
	if (!info || !info->npy_kind)
		return NULL;
	/* NumPy writes '|' for one-byte types; for wider ones "not applicable" and "native"
	 * mean this machine's order. */
	char order = byteorder;
	if (info->size == 1)
		order = '|';
	else if (order != '<' && order != '>')
		order = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? '>' : '<';
	snprintf(buf, 8, "%c%c%u", order, info->npy_kind, info->size);
	return buf;
}
