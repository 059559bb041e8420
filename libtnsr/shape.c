/* shape.c: shapes as the tools write them ("64x784", "64,784", "()", "scalar") and as
 * Python prints them ("(64, 784)", "(3,)", "()"). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tnsr.h"

tnsr_status tnsr_shape_parse(const char *text, bool allow_infer, int *ndim, int64_t *shape)
{
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	size_t len = strlen(p);
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	bool paren = len >= 2 && p[0] == '(' && p[len - 1] == ')';
	if (paren) {
		p++;
		len -= 2;
	}
	char buf[1024];
	if (len >= sizeof buf)
		return tnsr_error(TNSR_E_USAGE, "shape '%s': too long", text);
	memcpy(buf, p, len);
	buf[len] = 0;
	int n = 0;
	const char *s = buf;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == 0 || strcmp(s, "scalar") == 0) {
		if (*s == 0 && !paren)
			return tnsr_error(TNSR_E_USAGE, "shape '%s': empty (expected e.g. 64x784, or () for 0-d)", text);
		*ndim = 0;
		return TNSR_OK;
	}
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (paren && *s == 0 && n == 1)
			break; /* "(3,)" */
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (end == s || errno || !(isdigit((unsigned char)*s) || *s == '-'))
			return tnsr_error(TNSR_E_USAGE, "shape '%s': '%s' is not a size (expected e.g. 64x784)", text, s);
		if (v < 0 && !(v == -1 && allow_infer))
			return tnsr_error(TNSR_E_USAGE, "shape '%s': size %lld is negative (expected >= 0%s)", text, v,
					  allow_infer ? ", or one -1" : "");
		if (n == TNSR_MAX_DIMS)
			return tnsr_error(TNSR_E_USAGE, "shape '%s': more than %d dimensions", text, TNSR_MAX_DIMS);
		shape[n++] = v;
		s = end;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == 0)
			break;
		if (*s != 'x' && *s != ',' && *s != 'X')
			return tnsr_error(TNSR_E_USAGE, "shape '%s': unexpected '%c' (expected sizes separated by x or ,)",
					  text, *s);
		s++;
	}
	*ndim = n;
	return TNSR_OK;
}

char *tnsr_shape_format(int ndim, const int64_t *shape, char *buf, size_t size)
{
	size_t used = 0;
	used += (size_t)snprintf(buf, size, "(");
	for (int i = 0; i < ndim && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
	if (used < size)
		snprintf(buf + used, size - used, ndim == 1 ? ",)" : ")");
	return buf;
}
