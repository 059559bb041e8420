/* slice.c: NumPy basic indexing as a view: integers, start:stop:step (negative steps
 * too), `...` and None.  Parsing of the text form "[1:-1, ::2]" lives here as well. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tnsr.h"

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* Reads an optional integer at *P; true if one was there. */
static tnsr_status parse_int(const char *text, const char **p, bool *present, int64_t *value)
{
	const char *s = skip_space(*p);
	if (!(isdigit((unsigned char)*s) || ((*s == '-' || *s == '+') && isdigit((unsigned char)s[1])))) {
		*present = false;
		*p = s;
		return TNSR_OK;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno)
		return tnsr_error(TNSR_E_USAGE, "slice '%s': index '%.*s' out of range", text, (int)(end - s), s);
	*present = true;
	*value = v;
	*p = skip_space(end);
	return TNSR_OK;
}

static tnsr_status parse_item(const char *text, const char **p, tnsr_slice_item *it)
{
	const char *s = skip_space(*p);
	if (strncmp(s, "...", 3) == 0) {
		*it = (tnsr_slice_item){.kind = TNSR_SLICE_KIND_ELLIPSIS};
		*p = skip_space(s + 3);
		return TNSR_OK;
	}
	for (const char *const *w = (const char *const[]){"None", "np.newaxis", "newaxis", NULL}; *w; w++) {
		size_t n = strlen(*w);
		if (strncmp(s, *w, n) == 0 && !isalnum((unsigned char)s[n]) && s[n] != '_') {
			*it = (tnsr_slice_item){.kind = TNSR_SLICE_KIND_NEWAXIS};
			*p = skip_space(s + n);
			return TNSR_OK;
		}
	}
	bool has[3] = {false, false, false};
	int64_t v[3] = {0, 0, 1};
	int parts = 0;
	tnsr_status st;
	for (;;) {
		if ((st = parse_int(text, &s, &has[parts], &v[parts])))
			return st;
		parts++;
		if (*s != ':' || parts == 3)
			break;
		s++;
	}
	if (parts == 1) {
		if (!has[0])
			return tnsr_error(TNSR_E_USAGE, "slice '%s': unexpected '%.10s' (expected an index, a:b:c, ... or None)",
					  text, *s ? s : "end");
		*it = TNSR_SLICE_INDEX(v[0]);
	} else {
		if (has[2] && v[2] == 0)
			return tnsr_error(TNSR_E_USAGE, "slice '%s': slice step cannot be zero", text);
		*it = (tnsr_slice_item){TNSR_SLICE_KIND_RANGE, v[0], v[1], has[2] ? v[2] : 1, has[0], has[1]};
	}
	*p = s;
	return TNSR_OK;
}

tnsr_status tnsr_slice_parse(const char *text, tnsr_slice_item *items, int max, int *n)
{
	const char *p = skip_space(text);
	bool bracket = *p == '[';
	if (bracket)
		p++;
	int count = 0;
	p = skip_space(p);
	if (!(bracket && *p == ']')) {
		for (;;) {
			if (count == max)
				return tnsr_error(TNSR_E_USAGE, "slice '%s': more than %d items", text, max);
			tnsr_status st = parse_item(text, &p, &items[count++]);
			if (st)
				return st;
			if (*p != ',')
				break;
			p = skip_space(p + 1);
			if ((bracket && *p == ']') || *p == 0)
				break; /* a trailing comma, as Python allows */
		}
	}
	if (bracket) {
		if (*p != ']')
			return tnsr_error(TNSR_E_USAGE, "slice '%s': expected ']' at '%s'", text, *p ? p : "end");
		p++;
	}
	p = skip_space(p);
	if (*p)
		return tnsr_error(TNSR_E_USAGE, "slice '%s': unexpected '%s' (expected e.g. [1:-1, ::2])", text, p);
	*n = count;
	return TNSR_OK;
}

/* Python's slice.indices(): clamps START/STOP for SIZE and returns the count. */
static int64_t range_indices(const tnsr_slice_item *it, int64_t size, int64_t *start)
{
	int64_t step = it->step, lo, hi;
	if (step > 0) {
		lo = it->has_start ? it->start : 0;
		hi = it->has_stop ? it->stop : size;
		if (lo < 0)
			lo = lo + size < 0 ? 0 : lo + size;
		if (lo > size)
			lo = size;
		if (hi < 0)
			hi = hi + size < 0 ? 0 : hi + size;
		if (hi > size)
			hi = size;
		*start = lo;
		return hi > lo ? (hi - lo + step - 1) / step : 0;
	}
	lo = it->has_start ? it->start : size - 1;
	hi = it->has_stop ? it->stop : -1; /* exclusive, -1 means before the first element */
	if (lo < 0)
		lo = lo + size < 0 ? -1 : lo + size;
	if (lo >= size)
		lo = size - 1;
	if (it->has_stop) {
		if (hi < 0)
			hi = hi + size < 0 ? -1 : hi + size;
		if (hi >= size)
			hi = size - 1;
	}
	*start = lo;
	return lo > hi ? (lo - hi + (-step) - 1) / (-step) : 0;
}

tnsr_status tnsr_tensor_slice(const tnsr_tensor *t, const tnsr_slice_item *items, int n, tnsr_tensor **out)
{
	int64_t shape[TNSR_MAX_DIMS], strides[TNSR_MAX_DIMS], offset = t->offset;
	int consumed = 0, ellipses = 0, nd = 0, src = 0;
	for (int i = 0; i < n; i++) {
		consumed += items[i].kind == TNSR_SLICE_KIND_INDEX || items[i].kind == TNSR_SLICE_KIND_RANGE;
		ellipses += items[i].kind == TNSR_SLICE_KIND_ELLIPSIS;
	}
	if (ellipses > 1)
		return tnsr_error(TNSR_E_VALUE, "slice: an index can only have a single ellipsis ('...')");
	if (consumed > t->ndim)
		return tnsr_error(TNSR_E_VALUE, "slice: too many indices for a %d-d tensor: %d were indexed", t->ndim,
				  consumed);
	for (int i = 0; i <= n; i++) {
		const tnsr_slice_item *it = i < n ? &items[i] : NULL;
		/* An ellipsis (or the end of the list) stands for every dim not yet named. */
		if (!it || it->kind == TNSR_SLICE_KIND_ELLIPSIS) {
			int keep = t->ndim - src - (it ? consumed : 0);
			for (int k = 0; k < keep; k++, src++) {
				if (nd == TNSR_MAX_DIMS)
					goto too_many;
				shape[nd] = t->shape[src];
				strides[nd++] = t->strides[src];
			}
			continue;
		}
		if (it->kind == TNSR_SLICE_KIND_NEWAXIS) {
			if (nd == TNSR_MAX_DIMS)
				goto too_many;
			shape[nd] = 1;
			strides[nd++] = 0;
			continue;
		}
		int64_t size = t->shape[src], stride = t->strides[src];
		consumed--;
		if (it->kind == TNSR_SLICE_KIND_INDEX) {
			int64_t idx = it->start < 0 ? it->start + size : it->start;
			if (idx < 0 || idx >= size)
				return tnsr_error(TNSR_E_VALUE, "slice: index %lld is out of bounds for dim %d with size %lld",
						  (long long)it->start, src, (long long)size);
			offset += idx * stride;
		} else {
			int64_t start, count = range_indices(it, size, &start);
			if (count > 0)
				offset += start * stride;
			if (nd == TNSR_MAX_DIMS)
				goto too_many;
			shape[nd] = count;
			strides[nd++] = stride * it->step;
		}
		src++;
	}
	*out = tnsr_tensor_over(t->storage, t->dtype, nd, shape, strides, offset);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
too_many:
	return tnsr_error(TNSR_E_VALUE, "slice: result would have more than %d dims", TNSR_MAX_DIMS);
}
