/* npy_header.c: the .npy header dict.  A small tokenizer and recursive-descent parser
 * for the Python-literal subset that NumPy (any version) and other writers produce:
 * any key order and whitespace, either quote, trailing commas, Python 2 'L' suffixes. */
#include <stdlib.h>
#include <string.h>

#include "npy.h"

enum { MAX_DEPTH = 32 };   /* nesting of brackets in a header value */

static const char *snip(const char *text, size_t start, size_t end, char *buf, size_t size);
static const char *escape(const char *text, size_t start, size_t end, bool collapse, char *buf, size_t size);

/* ---------------------------------------------------------------- descr */

/* Kinds NumPy has and we refuse, with the reason given to the user. */
static const struct refused_kind {
	char kind;
	const char *what;
} refused_kinds[] = {
	{'O', "object arrays (pickled Python objects) are not supported"},
	{'S', "byte strings are not supported"},
	{'a', "byte strings are not supported"},
	{'U', "unicode strings are not supported"},
	{'V', "void (raw record) dtypes are not supported"},
	{'M', "datetime64 is not supported"},
	{'m', "timedelta64 is not supported"},
};

static const char *const kind_names[] = {
	['b'] = "bool", ['i'] = "signed integer", ['u'] = "unsigned integer",
	['f'] = "float", ['c'] = "complex",
};

#define DESCR_EXPECTED "expected a bool or numeric type such as '<f4', '<i8' or '|b1'"

/* Parses a typestring ("<f4", "|b1", "=i8", "f8") into a dtype and the byte order as
 * stored; '|', '=' and no order on a multi-byte type mean native, as in NumPy. */
static tnsr_status descr_parse(const char *s, tnsr_dtype *dtype, char *byteorder)
{
	char shown[48];
	escape(s, 0, strlen(s), false, shown, sizeof shown);
	const char *p = s;
	char order = 0;
	if (*p && strchr("<>|=", *p))
		order = *p++;
	char kind = *p ? *p++ : 0;
	for (size_t i = 0; i < sizeof refused_kinds / sizeof *refused_kinds; i++)
		if (kind == refused_kinds[i].kind)
			return tnsr_error(TNSR_E_FORMAT, "header: descr '%s': %s (" DESCR_EXPECTED ")", shown,
					  refused_kinds[i].what);
	unsigned size = 0;
	const char *digits = p;
	while (*p >= '0' && *p <= '9' && p - digits < 4)
		size = size * 10 + (unsigned)(*p++ - '0');
	bool known_kind = kind > 0 && (size_t)kind < sizeof kind_names / sizeof *kind_names && kind_names[(int)kind];
	if (!known_kind || p == digits || *p)
		return tnsr_error(TNSR_E_FORMAT, "header: descr '%s': unknown type (" DESCR_EXPECTED ")", shown);
	for (int d = 0; d < TNSR_DTYPE_COUNT; d++) {
		const tnsr_dtype_info *info = tnsr_dtype_get((tnsr_dtype)d);
		if (info->npy_kind == kind && info->size == size) {
			*dtype = (tnsr_dtype)d;
			*byteorder = size == 1 ? '|' : (order == '<' || order == '>') ? order : TNSR_NPY_NATIVE_ORDER;
			return TNSR_OK;
		}
	}
	if ((kind == 'f' && (size == 12 || size == 16)) || (kind == 'c' && (size == 24 || size == 32)))
		return tnsr_error(TNSR_E_FORMAT,
				  "header: descr '%s': long double is not supported: its layout depends on the "
				  "machine that wrote it (" DESCR_EXPECTED ")", shown);
	char sizes[64] = "";
	for (int d = 0; d < TNSR_DTYPE_COUNT; d++) {
		const tnsr_dtype_info *info = tnsr_dtype_get((tnsr_dtype)d);
		if (info->npy_kind == kind)
			snprintf(sizes + strlen(sizes), sizeof sizes - strlen(sizes), "%s%u", *sizes ? ", " : "",
				 info->size);
	}
	return tnsr_error(TNSR_E_FORMAT, "header: descr '%s': no %s type of %u bytes (expected %s)", shown,
			  kind_names[(int)kind], size, sizes);
}

/* ---------------------------------------------------------------- tokenizer */

typedef enum { T_END, T_PUNCT, T_STR, T_NUM, T_NAME } tok_kind;

typedef struct token {
	tok_kind kind;
	size_t start, end; /* span in the text (T_STR: the body between the quotes) */
	size_t from;       /* the token's first byte (T_STR: its prefix or opening quote) */
	char punct;        /* T_PUNCT: one of {}()[]:,+- */
	bool bytes, raw;   /* T_STR prefixes b'' and r''; start..end is the quoted body */
} token;

typedef struct parser {
	const char *text;
	size_t len, pos;
	int version;
	token tok; /* the current token */
} parser;

/* Writes TEXT[start, end) for a message, cut to fit SIZE with "...": bytes outside
 * printable ASCII as \xNN, and whitespace runs as one space when COLLAPSE (header text;
 * a decoded string shows every byte). */
static const char *escape(const char *text, size_t start, size_t end, bool collapse, char *buf, size_t size)
{
	size_t o = 0;
	bool space = false;
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)text[i];
		if (collapse && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
			space = true;
			continue;
		}
		char piece[8];
		int n = c >= 0x20 && c < 0x7f ? snprintf(piece, sizeof piece, "%s%c", space && o ? " " : "", c)
					     : snprintf(piece, sizeof piece, "%s\\x%02x", space && o ? " " : "", c);
		space = false;
		if (o + (size_t)n + 4 > size) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		memcpy(buf + o, piece, (size_t)n);
		o += (size_t)n;
	}
	buf[o] = 0;
	return buf;
}

static const char *snip(const char *text, size_t start, size_t end, char *buf, size_t size)
{
	return escape(text, start, end, true, buf, size);
}

static const char *tok_describe(const parser *p, char *buf, size_t size)
{
	if (p->tok.kind == T_END)
		return "the end of the header";
	char body[48];
	snip(p->text, p->tok.from, p->tok.end + (p->tok.kind == T_STR), body, sizeof body);
	snprintf(buf, size, "'%s'", body);
	return buf;
}

static tnsr_status syntax_error(const parser *p, const char *expected)
{
	char what[64];
	return tnsr_error(TNSR_E_FORMAT, "header: expected %s at offset %zu, got %s", expected, p->tok.from,
			  tok_describe(p, what, sizeof what));
}

static bool is_ident(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* A string literal whose opening quote is at the current position. */
static tnsr_status lex_string(parser *p, bool bytes, bool raw)
{
	const char *t = p->text;
	char quote = t[p->pos];
	size_t i = p->pos + 1;
	while (i < p->len && t[i] != quote && t[i] != '\n') {
		if (t[i] == '\\' && i + 1 < p->len) /* even r'' strings cannot end in a lone backslash */
			i++;
		i++;
	}
	if (i >= p->len || t[i] != quote)
		return tnsr_error(TNSR_E_FORMAT, "header: unterminated string at offset %zu", p->pos);
	p->tok.kind = T_STR;
	p->tok.bytes = bytes;
	p->tok.raw = raw;
	p->tok.start = p->pos + 1;
	p->tok.end = i;
	p->pos = i + 1;
	return TNSR_OK;
}

/* Advances to the next token, skipping whitespace, comments and line continuations. */
static tnsr_status lex(parser *p)
{
	const char *t = p->text;
	for (;;) {
		while (p->pos < p->len && t[p->pos] && strchr(" \t\n\r\f\v", t[p->pos]))
			p->pos++;
		if (p->pos < p->len && t[p->pos] == '#') {
			while (p->pos < p->len && t[p->pos] != '\n')
				p->pos++;
		} else if (p->pos + 1 < p->len && t[p->pos] == '\\' && (t[p->pos + 1] == '\n' || t[p->pos + 1] == '\r')) {
			p->pos += 2;
		} else {
			break;
		}
	}
	token *k = &p->tok;
	memset(k, 0, sizeof *k);
	k->from = k->start = k->end = p->pos;
	if (p->pos >= p->len)
		return TNSR_OK;
	char c = t[p->pos];
	if (c && strchr("{}()[]:,+-", c)) {
		k->kind = T_PUNCT;
		k->punct = c;
		k->end = ++p->pos;
		return TNSR_OK;
	}
	if (c >= '0' && c <= '9') {
		/* A number's lexeme: digits, letters (0x, L, e, j), '.', '_', and a sign after an exponent. */
		bool hex = c == '0' && p->pos + 1 < p->len && (t[p->pos + 1] == 'x' || t[p->pos + 1] == 'X');
		size_t i = p->pos + 1;
		while (i < p->len && (is_ident(t[i], false) || t[i] == '.' ||
				      ((t[i] == '+' || t[i] == '-') && !hex && (t[i - 1] == 'e' || t[i - 1] == 'E'))))
			i++;
		k->kind = T_NUM;
		k->end = p->pos = i;
		return TNSR_OK;
	}
	if (is_ident(c, true)) {
		size_t i = p->pos;
		while (i < p->len && is_ident(t[i], false))
			i++;
		/* String prefixes: u'', b'', r'' and the pairs br/rb. */
		bool prefix = i < p->len && (t[i] == '\'' || t[i] == '"') && i - p->pos <= 2, bytes = false, raw = false;
		for (size_t j = p->pos; j < i && prefix; j++) {
			char l = (char)(t[j] | 0x20);
			prefix = l == 'b' || l == 'r' || (l == 'u' && i - p->pos == 1);
			bytes |= l == 'b';
			raw |= l == 'r';
		}
		if (prefix) {
			p->pos = i;
			return lex_string(p, bytes, raw);
		}
		k->kind = T_NAME;
		k->end = p->pos = i;
		return TNSR_OK;
	}
	if (c == '\'' || c == '"')
		return lex_string(p, false, false);
	char what[16];
	snip(t, p->pos, p->pos + 1, what, sizeof what);
	return tnsr_error(TNSR_E_FORMAT, "header: unexpected character '%s' at offset %zu", what, p->pos);
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
}

/* Appends the decoded body of string token K to BUF (SIZE bytes, NUL-terminated, cut
 * when too long: *LEN keeps counting so that the caller can tell). */
static void string_decode(const parser *p, const token *k, char *buf, size_t size, size_t *len)
{
	static const char simple[][2] = {{'n', '\n'}, {'t', '\t'}, {'r', '\r'}, {'0', '\0'},
					 {'\\', '\\'}, {'\'', '\''}, {'"', '"'}};
	for (size_t i = k->start; i < k->end; i++) {
		char c = p->text[i];
		if (c == '\\' && !k->raw && i + 1 < k->end) {
			char e = p->text[++i];
			c = 0;
			bool known = false;
			for (size_t j = 0; j < sizeof simple / sizeof *simple && !known; j++)
				if (e == simple[j][0])
					c = simple[j][1], known = true;
			if (!known && e == 'x' && i + 2 < k->end && hex_value(p->text[i + 1]) >= 0 &&
			    hex_value(p->text[i + 2]) >= 0) {
				c = (char)(hex_value(p->text[i + 1]) * 16 + hex_value(p->text[i + 2]));
				i += 2;
				known = true;
			}
			if (!known) { /* Python keeps an unknown escape as written */
				if (*len + 1 < size)
					buf[*len] = '\\';
				++*len;
				c = e;
			}
		}
		if (*len + 1 < size)
			buf[*len] = c;
		++*len;
	}
	buf[*len < size ? *len : size - 1] = 0;
}

/* ---------------------------------------------------------------- values */

typedef enum { V_STR, V_BYTES, V_INT, V_BADNUM, V_NAME, V_TUPLE, V_LIST, V_DICT, V_SET } value_kind;

static const char *const value_kind_names[] = {"a string", "bytes", "an integer", "a number", "a name",
					       "a tuple", "a list", "a dict", "a set"};

/* One parsed Python literal.  Containers keep what a shape check needs: their integer
 * elements and the first element that is not a non-negative integer. */
typedef struct value {
	value_kind kind;
	size_t start, end;  /* span in the text */
	char str[64];       /* V_STR, V_BYTES, V_NAME: decoded, cut to 63 bytes */
	size_t str_len;     /* full decoded length */
	int64_t ival;       /* V_INT */
	bool negative, too_big;
	int n;              /* V_TUPLE, V_LIST: element count */
	int64_t dims[TNSR_MAX_DIMS];
	int bad;            /* index of the first element that is not an int >= 0, or -1 */
	size_t bad_start, bad_end;
	value_kind bad_kind;
	bool bad_too_big;
} value;

/* What the header dict holds so far. */
typedef struct header {
	bool seen[3];
	tnsr_member_info *info;
} header_state;

static const char *const header_keys[3] = {"descr", "fortran_order", "shape"};

static tnsr_status parse_value(parser *p, value *v, int depth, header_state *h);

static bool is_punct(const parser *p, char c) { return p->tok.kind == T_PUNCT && p->tok.punct == c; }

static tnsr_status expect(parser *p, char c, const char *what)
{
	return is_punct(p, c) ? lex(p) : syntax_error(p, what);
}

/* Interprets a number lexeme as a Python int: decimal without leading zeros, 0x/0o/0b,
 * '_' between digits, and the Python 2 'L' suffix in version 1.0 and 2.0 headers. */
static tnsr_status number_value(const parser *p, value *v)
{
	const char *s = p->text + p->tok.start;
	size_t n = p->tok.end - p->tok.start;
	v->kind = V_BADNUM;
	if (n > 1 && (s[n - 1] == 'L' || s[n - 1] == 'l')) {
		if (p->version >= 3) {
			char num[48];
			return tnsr_error(TNSR_E_FORMAT,
					  "header: %s: the Python 2 'L' suffix is not allowed in a version 3.0 header",
					  snip(p->text, p->tok.start, p->tok.end, num, sizeof num));
		}
		n--;
	}
	unsigned base = 10;
	size_t i = 0;
	if (n > 2 && s[0] == '0' && strchr("xXoObB", s[1])) {
		base = (s[1] | 0x20) == 'x' ? 16 : (s[1] | 0x20) == 'o' ? 8 : 2;
		i = 2;
	} else if (n > 1 && s[0] == '0') {
		for (size_t j = 0; j < n; j++) /* "00" is a valid zero, "03" is not Python */
			if (s[j] != '0' && s[j] != '_')
				return TNSR_OK;
	}
	uint64_t x = 0;
	bool digit_before = false;
	for (; i < n; i++) {
		if (s[i] == '_' && digit_before && i + 1 < n && s[i + 1] != '_') {
			digit_before = false;
			continue;
		}
		int d = hex_value(s[i]);
		if (d < 0 || (unsigned)d >= base)
			return TNSR_OK;
		digit_before = true;
		if (x > (UINT64_MAX - (unsigned)d) / base)
			v->too_big = true;
		else
			x = x * base + (unsigned)d;
	}
	if (!digit_before)
		return TNSR_OK;
	v->kind = V_INT;
	if (x > (uint64_t)INT64_MAX)
		v->too_big = true;
	v->ival = v->too_big ? INT64_MAX : (int64_t)x;
	return TNSR_OK;
}

/* Parses the elements of a tuple, list or set up to CLOSE; the opening bracket and the
 * first element (FIRST, may be NULL when the container is empty) are already consumed. */
static tnsr_status parse_elements(parser *p, value *v, const value *first, char close, int depth)
{
	v->bad = -1;
	value e;
	const value *cur = first;
	for (;;) {
		if (cur) {
			bool dim_ok = cur->kind == V_INT && !cur->negative && !cur->too_big;
			if (dim_ok && v->n < TNSR_MAX_DIMS)
				v->dims[v->n] = cur->ival;
			if (!dim_ok && v->bad < 0) {
				v->bad = v->n;
				v->bad_start = cur->start;
				v->bad_end = cur->end;
				v->bad_kind = cur->kind;
				v->bad_too_big = cur->too_big;
			}
			if (v->n < INT32_MAX)
				v->n++;
			if (is_punct(p, close))
				break;
			tnsr_status st = expect(p, ',', close == ')' ? "',' or ')'" : close == ']' ? "',' or ']'" : "',' or '}'");
			if (st)
				return st;
		}
		if (is_punct(p, close))
			break;
		tnsr_status st = parse_value(p, &e, depth + 1, NULL);
		if (st)
			return st;
		cur = &e;
	}
	v->end = p->tok.end;
	return lex(p);
}

/* Records the value of one of the header's keys into H's member info. */
static tnsr_status header_set(header_state *h, int key, const value *v, const parser *p)
{
	char text[80];
	snip(p->text, v->start, v->end, text, sizeof text);
	tnsr_member_info *info = h->info;
	if (key == 0) {
		if (v->kind == V_LIST)
			return tnsr_error(TNSR_E_FORMAT,
					  "header: descr is a list of fields: structured dtypes are not supported (" DESCR_EXPECTED ")");
		if (v->kind != V_STR)
			return tnsr_error(TNSR_E_FORMAT, "header: descr %s is %s (" DESCR_EXPECTED ")", text,
					  value_kind_names[v->kind]);
		if (v->str_len >= sizeof v->str || strlen(v->str) != v->str_len)
			return tnsr_error(TNSR_E_FORMAT, "header: descr %s: unknown type (" DESCR_EXPECTED ")", text);
		return descr_parse(v->str, &info->dtype, &info->byteorder);
	}
	if (key == 1) {
		if (v->kind == V_NAME && (strcmp(v->str, "True") == 0 || strcmp(v->str, "False") == 0)) {
			info->fortran_order = v->str[0] == 'T';
			return TNSR_OK;
		}
		return tnsr_error(TNSR_E_FORMAT, "header: fortran_order %s: expected True or False", text);
	}
	if (v->kind == V_INT && !v->negative && !v->too_big)
		return tnsr_error(TNSR_E_FORMAT,
				  "header: shape %s: an integer, not a tuple (expected a tuple of integers >= 0; a 1-d "
				  "shape is written (%lld,))", text, (long long)v->ival);
	if (v->kind != V_TUPLE)
		return tnsr_error(TNSR_E_FORMAT,
				  "header: shape %s: %s, not a tuple (expected a tuple of integers >= 0 such as (2, 3))",
				  text, value_kind_names[v->kind]);
	if (v->bad >= 0) {
		char elem[48];
		snip(p->text, v->bad_start, v->bad_end, elem, sizeof elem);
		if (v->bad_kind == V_INT && v->bad_too_big)
			return tnsr_error(TNSR_E_FORMAT, "header: shape %s: dimension %s is too large (expected at most %lld)",
					  text, elem, (long long)INT64_MAX);
		if (v->bad_kind == V_INT)
			return tnsr_error(TNSR_E_FORMAT, "header: shape %s: dimension %s is negative (expected >= 0)", text,
					  elem);
		bool is_bool = v->bad_kind == V_NAME && (strcmp(elem, "True") == 0 || strcmp(elem, "False") == 0);
		return tnsr_error(TNSR_E_FORMAT, "header: shape %s: dimension %s is %s, not an integer (expected an integer >= 0)",
				  text, elem, is_bool ? "a bool" : value_kind_names[v->bad_kind]);
	}
	if (v->n > TNSR_MAX_DIMS)
		return tnsr_error(TNSR_E_FORMAT, "header: shape %s: %d dimensions (expected at most %d)", text, v->n,
				  TNSR_MAX_DIMS);
	info->ndim = v->n;
	memcpy(info->shape, v->dims, (size_t)v->n * sizeof *v->dims);
	return TNSR_OK;
}

/* The header dict: entries go to H; the opening brace is consumed. */
static tnsr_status parse_header_dict(parser *p, value *v, int depth, header_state *h)
{
	v->kind = V_DICT;
	while (!is_punct(p, '}')) {
		value key, val;
		tnsr_status st = parse_value(p, &key, depth + 1, NULL);
		if (st)
			return st;
		char text[80];
		snip(p->text, key.start, key.end, text, sizeof text);
		if (key.kind != V_STR)
			return tnsr_error(TNSR_E_FORMAT,
					  "header: key %s is %s (expected the string keys 'descr', 'fortran_order' and 'shape')",
					  text, value_kind_names[key.kind]);
		int k = 0;
		while (k < 3 && !(strcmp(key.str, header_keys[k]) == 0 && key.str_len == strlen(header_keys[k])))
			k++;
		if (k == 3)
			return tnsr_error(TNSR_E_FORMAT,
					  "header: unexpected key %s (expected exactly 'descr', 'fortran_order' and 'shape')",
					  text);
		if (h->seen[k])
			return tnsr_error(TNSR_E_FORMAT, "header: duplicate key '%s' (expected each key once)", header_keys[k]);
		h->seen[k] = true;
		char after[64];
		snprintf(after, sizeof after, "':' after key '%s'", header_keys[k]);
		if ((st = expect(p, ':', after)) || (st = parse_value(p, &val, depth + 1, NULL)) ||
		    (st = header_set(h, k, &val, p)))
			return st;
		if (is_punct(p, '}'))
			break;
		snprintf(after, sizeof after, "',' or '}' after the value of '%s'", header_keys[k]);
		if ((st = expect(p, ',', after)))
			return st;
	}
	v->end = p->tok.end;
	return lex(p);
}

/* Parses one Python literal.  H, when not NULL, receives the entries of a dict met at
 * this level (the header itself, possibly inside parentheses). */
static tnsr_status parse_value(parser *p, value *v, int depth, header_state *h)
{
	memset(v, 0, sizeof *v);
	v->start = p->tok.from;
	v->end = p->tok.end;
	if (depth > MAX_DEPTH)
		return tnsr_error(TNSR_E_FORMAT, "header: values nested more than %d deep at offset %zu", MAX_DEPTH,
				  p->tok.from);
	tnsr_status st;
	switch (p->tok.kind) {
	case T_END:
		return syntax_error(p, "a value");
	case T_NUM:
		if ((st = number_value(p, v)))
			return st;
		return lex(p);
	case T_NAME:
		v->kind = V_NAME;
		snip(p->text, p->tok.start, p->tok.end, v->str, sizeof v->str);
		v->str_len = p->tok.end - p->tok.start;
		return lex(p);
	case T_STR:
		/* Adjacent literals concatenate, as in Python ('<' 'f8'). */
		v->kind = p->tok.bytes ? V_BYTES : V_STR;
		while (p->tok.kind == T_STR) {
			if ((value_kind)(p->tok.bytes ? V_BYTES : V_STR) != v->kind)
				return syntax_error(p, "no mix of bytes and str literals");
			string_decode(p, &p->tok, v->str, sizeof v->str, &v->str_len);
			v->end = p->tok.end + 1;
			if ((st = lex(p)))
				return st;
		}
		return TNSR_OK;
	case T_PUNCT:
		break;
	}
	char c = p->tok.punct;
	if (c == '+' || c == '-') {
		if ((st = lex(p)))
			return st;
		if (p->tok.kind != T_NUM)
			return syntax_error(p, "a number after the sign");
		if ((st = number_value(p, v)))
			return st;
		v->negative = c == '-' && v->ival != 0;
		v->end = p->tok.end;
		return lex(p);
	}
	if (c == '(' || c == '[' || c == '{') {
		if ((st = lex(p)))
			return st;
		if (c == '{' && h)
			return parse_header_dict(p, v, depth, h);
		v->kind = c == '(' ? V_TUPLE : c == '[' ? V_LIST : V_DICT;
		char close = c == '(' ? ')' : c == '[' ? ']' : '}';
		if (is_punct(p, close))
			return parse_elements(p, v, NULL, close, depth);
		value first;
		if ((st = parse_value(p, &first, depth + 1, c == '(' ? h : NULL)))
			return st;
		if (c == '(' && is_punct(p, ')')) { /* parentheses around a value, not a tuple */
			size_t start = v->start;
			*v = first;
			v->start = start;
			v->end = p->tok.end;
			return lex(p);
		}
		if (c == '{' && is_punct(p, ':')) { /* a dict other than the header: check its syntax only */
			for (;;) {
				value item;
				if ((st = expect(p, ':', "':'")) || (st = parse_value(p, &item, depth + 1, NULL)))
					return st;
				if (is_punct(p, '}'))
					break;
				if ((st = expect(p, ',', "',' or '}'")))
					return st;
				if (is_punct(p, '}'))
					break;
				if ((st = parse_value(p, &item, depth + 1, NULL)))
					return st;
			}
			v->end = p->tok.end;
			return lex(p);
		}
		if (c == '{')
			v->kind = V_SET;
		return parse_elements(p, v, &first, close, depth);
	}
	return syntax_error(p, "a value");
}

/* ---------------------------------------------------------------- header text */

/* Checks that TEXT is UTF-8 and counts its characters; false and *BAD set if not. */
static bool utf8_count(const unsigned char *s, size_t n, size_t *chars, size_t *bad)
{
	size_t count = 0;
	for (size_t i = 0; i < n; count++) {
		unsigned c = s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (!len || i + len > n) {
			*bad = i;
			return false;
		}
		uint32_t cp = len == 1 ? c : c & (0x7f >> len);
		for (size_t j = 1; j < len; j++) {
			if ((s[i + j] & 0xc0) != 0x80) {
				*bad = i;
				return false;
			}
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			*bad = i;
			return false;
		}
		i += len;
	}
	*chars = count;
	return true;
}

tnsr_status tnsr_npy_parse_header(const char *text, size_t len, int version, tnsr_member_info *info)
{
	if (version < 1 || version > 3)
		return tnsr_error(TNSR_E_FORMAT, "unsupported .npy version %d.0 (expected 1.0, 2.0 or 3.0)", version);
	const char *nul = memchr(text, 0, len);
	if (nul)
		return tnsr_error(TNSR_E_FORMAT, "header: NUL byte at offset %zu (expected text padded with spaces)",
				  (size_t)(nul - text));
	size_t chars = len, bad;
	if (version == 3 && !utf8_count((const unsigned char *)text, len, &chars, &bad))
		return tnsr_error(TNSR_E_FORMAT, "header: invalid UTF-8 at offset %zu (a version 3.0 header is UTF-8)",
				  bad);
	if (chars > TNSR_NPY_MAX_HEADER)
		return tnsr_error(TNSR_E_FORMAT, "header: %zu characters long (expected at most %d, NumPy's max_header_size)",
				  chars, TNSR_NPY_MAX_HEADER);

	tnsr_member_info parsed = *info;
	header_state h = {.info = &parsed};
	parser p = {.text = text, .len = len, .version = version};
	value top;
	tnsr_status st = lex(&p);
	if (st)
		return st;
	if (p.tok.kind == T_END)
		return tnsr_error(TNSR_E_FORMAT, "header: empty (expected a dict such as {'descr': '<f4', "
						 "'fortran_order': False, 'shape': (3,)})");
	if ((st = parse_value(&p, &top, 0, &h)))
		return st;
	if (top.kind != V_DICT)
		return tnsr_error(TNSR_E_FORMAT, "header: %s, not a dict (expected {'descr': ..., 'fortran_order': ..., "
						 "'shape': ...})", value_kind_names[top.kind]);
	if (p.tok.kind != T_END)
		return syntax_error(&p, "the end of the header after the dict");
	for (int k = 0; k < 3; k++)
		if (!h.seen[k])
			return tnsr_error(TNSR_E_FORMAT, "header: missing key '%s' (expected 'descr', 'fortran_order' and "
							 "'shape')", header_keys[k]);
	int64_t numel;
	size_t nbytes;
	if (tnsr_shape_size(parsed.ndim, parsed.shape, tnsr_dtype_size(parsed.dtype), &numel, &nbytes)) {
		char shape[96];
		return tnsr_error(TNSR_E_FORMAT, "header: shape %s: too large for %s (its size in bytes overflows)",
				  tnsr_shape_format(parsed.ndim, parsed.shape, shape, sizeof shape),
				  tnsr_dtype_name(parsed.dtype));
	}
	parsed.nbytes = nbytes;
	parsed.format = "npy";
	*info = parsed;
	return TNSR_OK;
}

