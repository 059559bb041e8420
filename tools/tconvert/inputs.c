/* inputs.c: how tconvert reads its operands.  Formats with magic bytes (npy, npz,
 * tnsr, safetensors, png, pgm) are probed as every tool probes them; csv, tsv, txt and
 * raw have none, so --from or the operand's extension names them, and magic bytes
 * still win over an extension. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "raw.h"
#include "tconvert.h"
#include "text.h"

/* The formats read only when named, and how. */
static const struct plain_format {
	const char *name;
	input_kind kind;
} plain_formats[] = {
	{"csv", INPUT_TEXT}, {"tsv", INPUT_TEXT}, {"txt", INPUT_TEXT}, {"raw", INPUT_RAW},
};

static const struct plain_format *find_plain(const char *name)
{
	if (name && *name == '.')
		name++;
	for (size_t i = 0; name && i < sizeof plain_formats / sizeof *plain_formats; i++)
		if (strcasecmp(plain_formats[i].name, name) == 0)
			return &plain_formats[i];
	return NULL;
}

bool input_is_member(const char *operand)
{
	struct stat st;
	const char *colon = strrchr(operand, ':');
	return colon && colon != operand && colon[1] && stat(operand, &st) != 0;
}

bool input_is_regular(const char *operand)
{
	struct stat st;
	return strcmp(operand, "-") != 0 && stat(operand, &st) == 0 && S_ISREG(st.st_mode);
}

input_kind input_kind_of(const conv_opts *o, const char *operand, const char **format)
{
	const struct plain_format *f;
	if (o->from) {
		if ((f = find_plain(o->from))) {
			*format = f->name;
			return f->kind;
		}
		return INPUT_MAGIC;
	}
	const char *dot = strrchr(operand, '.'), *slash = strrchr(operand, '/');
	if (strcmp(operand, "-") == 0 || !dot || (slash && dot < slash) || !(f = find_plain(dot)) ||
	    input_is_member(operand))
		return INPUT_MAGIC;
	/* An extension says text or raw, but magic bytes win (CLI.md): a .txt that is
	 * really an .npy reads as one.  (A pipe is not read twice: its name decides.) */
	tnsr_reader *r;
	if (input_is_regular(operand) && tnsr_reader_open(operand, &r) == TNSR_OK) {
		tnsr_reader_close(r);
		return INPUT_MAGIC;
	}
	*format = f->name;
	return f->kind;
}

tnsr_tensor *input_load_plain(const conv_opts *o, const char *operand, input_kind kind, const char *format)
{
	tnsr_source *src;
	tnsr_tensor *t = NULL;
	tnsr_status st;
	const char *name = strcmp(operand, "-") ? operand : "stdin";
	if (kind == INPUT_RAW && (!o->has_dtype || !o->has_shape))
		tool_usage_error("%s: raw input needs --dtype and --shape (the bytes say neither)", name);
	if (kind == INPUT_RAW) {
		for (int i = 0; i < o->shape_ndim; i++)
			if (o->shape[i] < 0)
				tool_usage_error("--shape: raw input needs every size (no -1)");
	}
	if ((st = tnsr_source_open(operand, &src)))
		tool_die(st);
	if (kind == INPUT_TEXT) {
		st = tnsr_text_read(src, format, o->has_dtype ? o->dtype : TNSR_F64, &t);
	} else if (o->order != 'F') {
		st = tnsr_raw_read(src, o->dtype, o->shape_ndim, o->shape, &t);
	} else {
		/* Column-major bytes: the C-order tensor of the reversed shape, reversed. */
		int64_t rev[TNSR_MAX_DIMS];
		int dims[TNSR_MAX_DIMS];
		tnsr_tensor *c = NULL;
		for (int i = 0; i < o->shape_ndim; i++) {
			rev[i] = o->shape[o->shape_ndim - 1 - i];
			dims[i] = o->shape_ndim - 1 - i;
		}
		st = tnsr_raw_read(src, o->dtype, o->shape_ndim, rev, &c);
		if (!st)
			st = tnsr_tensor_permute(c, dims, &t);
		tnsr_tensor_free(c);
	}
	tnsr_source_close(src);
	if (st)
		tool_die(st);
	return t;
}

tnsr_reader *input_open(const conv_opts *o, const char *operand, tnsr_member_info *info)
{
	tnsr_reader *r;
	tnsr_status st = tool_open_operand(operand, &r, info);
	if (st) {
		const char *msg = tnsr_error_message();
		if (st == TNSR_E_FORMAT && strstr(msg, "unknown format"))
			tool_fail("%s (csv, tsv, txt and raw inputs need that extension or --from)", msg);
		tool_die(st);
	}
	if (o->from && strcmp(o->from, info->format) != 0 && !(o->from[0] == '.' && !strcmp(o->from + 1, info->format)))
		tool_fail("%s: --from %s, but its magic bytes say %s", tnsr_reader_name(r), o->from, info->format);
	return r;
}

/* The reversed order of T's dims. */
static void reversed_dims(const tnsr_tensor *t, int *dims)
{
	for (int i = 0; i < t->ndim; i++)
		dims[i] = t->ndim - 1 - i;
}

tnsr_tensor *input_transform(const conv_opts *o, tnsr_tensor *t, input_kind kind, char order)
{
	tnsr_tensor *u = NULL;
	tnsr_status st = TNSR_OK;
	if (o->has_shape && kind != INPUT_RAW) {
		st = tnsr_tensor_reshape(t, o->shape_ndim, o->shape, &u);
		if (st)
			tool_fail("--shape: %s", tnsr_error_message());
		tnsr_tensor_free(t);
		t = u;
	}
	if (o->has_dtype && kind == INPUT_MAGIC && t->dtype != o->dtype) {
		if ((st = tnsr_tensor_cast(t, o->dtype, &u)))
			tool_die(st);
		tnsr_tensor_free(t);
		t = u;
	}
	if (order == 'C' && !tnsr_tensor_is_contiguous(t) && tnsr_tensor_is_f_contiguous(t)) {
		/* Fortran-order input is written in C order (a writer would keep its order). */
		if ((st = tnsr_tensor_contiguous(t, &u)))
			tool_die(st);
		tnsr_tensor_free(t);
		t = u;
	} else if (order == 'F' && !tnsr_tensor_is_f_contiguous(t)) {
		/* The C-order copy of the reversed view, reversed back: Fortran-contiguous. */
		int dims[TNSR_MAX_DIMS];
		tnsr_tensor *rev, *c;
		reversed_dims(t, dims);
		if ((st = tnsr_tensor_permute(t, dims, &rev)) || (st = tnsr_tensor_contiguous(rev, &c)))
			tool_die(st);
		tnsr_tensor_free(rev);
		if ((st = tnsr_tensor_permute(c, dims, &u)))
			tool_die(st);
		tnsr_tensor_free(c);
		tnsr_tensor_free(t);
		t = u;
	}
	return t;
}

/* ---------------------------------------------------------------- tensor lists */

static void push(tensor_list *list, const char *name, tnsr_tensor *t)
{
	if (list->n == list->cap) {
		int cap = list->cap ? 2 * list->cap : 8;
		char **names = realloc(list->names, (size_t)cap * sizeof *names);
		tnsr_tensor **tensors = names ? realloc(list->tensors, (size_t)cap * sizeof *tensors) : NULL;
		if (names)
			list->names = names;
		if (!tensors)
			tool_fail("out of memory");
		list->tensors = tensors;
		list->cap = cap;
	}
	list->names[list->n] = name && *name ? strdup(name) : NULL;
	list->tensors[list->n++] = t;
}

void gather_operand(const conv_opts *o, const char *operand, tensor_list *list, char order)
{
	struct stat st;
	const char *eq = strchr(operand, '=');
	char name[256] = "";
	if (eq && eq != operand && stat(operand, &st) != 0) {
		if ((size_t)(eq - operand) >= sizeof name)
			tool_usage_error("%s: the name before '=' is longer than %zu bytes", operand, sizeof name - 1);
		memcpy(name, operand, (size_t)(eq - operand));
		name[eq - operand] = 0;
		operand = eq + 1;
	}
	const char *format = NULL;
	input_kind kind = input_kind_of(o, operand, &format);
	if (kind != INPUT_MAGIC) {
		push(list, name, input_transform(o, input_load_plain(o, operand, kind, format), kind, order));
		return;
	}
	tnsr_member_info info;
	tnsr_reader *r = input_open(o, operand, &info);
	int first = list->n;
	tnsr_status s;
	do {
		tnsr_tensor *t;
		if ((s = tnsr_reader_load(r, &t)))
			tool_die(s);
		push(list, *name ? name : info.name, input_transform(o, t, kind, order));
	} while (!input_is_member(operand) && !(s = tnsr_reader_next(r, &info)));
	if (!input_is_member(operand) && s != TNSR_END)
		tool_die(s);
	if (*name && list->n - first > 1)
		tool_fail("%s=%s: holds %d tensors, and NAME= names one (name a member: %s=%s:MEMBER)", name, operand,
			  list->n - first, name, operand);
	tnsr_reader_close(r);
}

void tensor_list_finish(tensor_list *list, const char *what)
{
	char buf[32];
	for (int i = 0, unnamed = 0; i < list->n; i++) {
		if (list->names[i])
			continue;
		snprintf(buf, sizeof buf, "arr_%d", unnamed++);
		if (!(list->names[i] = strdup(buf)))
			tool_fail("out of memory");
	}
	for (int i = 0; i < list->n; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(list->names[i], list->names[j]) == 0)
				tool_fail("%s: two tensors are named '%s' (name them: NAME=INPUT)", what, list->names[i]);
}

void tensor_list_free(tensor_list *list)
{
	for (int i = 0; i < list->n; i++) {
		free(list->names[i]);
		tnsr_tensor_free(list->tensors[i]);
	}
	free(list->names);
	free(list->tensors);
	*list = (tensor_list){0};
}
