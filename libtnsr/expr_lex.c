/* expr_lex.c: the tokens of the expression language, as Python spells them: numbers
 * (2, 3.5, 1e-3, 1_000, 0x1f), names, quoted strings, operators and punctuation.  Each
 * token keeps its byte column so that errors can point at it with a caret. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* Operators, longest first so that "**" wins over "*". */
static const struct {
	const char *text;
	expr_tok_kind kind;
} punct[] = {
	{"...", TOK_ELLIPSIS}, {"**", TOK_POW}, {"//", TOK_FLOORDIV}, {"==", TOK_EQ}, {"!=", TOK_NE},
	{"<=", TOK_LE},        {">=", TOK_GE},  {"+", TOK_PLUS},      {"-", TOK_MINUS}, {"*", TOK_STAR},
	{"/", TOK_SLASH},      {"%", TOK_PERCENT}, {"@", TOK_AT},     {"<", TOK_LT},    {">", TOK_GT},
	{"(", TOK_LPAREN},     {")", TOK_RPAREN}, {"[", TOK_LBRACKET}, {"]", TOK_RBRACKET}, {",", TOK_COMMA},
	{":", TOK_COLON},      {".", TOK_DOT},  {"=", TOK_ASSIGN},
};

static tnsr_status fail(int *error_column, int col, const char *fmt, const char *a, int len)
{
	if (error_column)
		*error_column = col;
	char msg[256];
	snprintf(msg, sizeof msg, fmt, len, a);
	return tnsr_error(TNSR_E_USAGE, "syntax error: %s", msg);
}

static bool is_name_start(int c) { return isalpha(c) || c == '_' || c >= 0x80; }
static bool is_name_char(int c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* Copies the digits of [P, END) without Python's '_' separators (each between two digits)
 * into BUF; false when a '_' is misplaced or the number does not fit. */
static bool strip_underscores(const char *p, const char *end, char *buf, size_t size)
{
	size_t n = 0;
	for (const char *q = p; q < end; q++) {
		if (*q == '_') {
			if (q == p || q + 1 == end || !isxdigit((unsigned char)q[-1]) || !isxdigit((unsigned char)q[1]))
				return false;
			continue;
		}
		if (n + 1 >= size)
			return false;
		buf[n++] = *q;
	}
	buf[n] = 0;
	return true;
}

/* A number at TEXT+COL into T; its extent is every character a number or name could
 * continue with, so that "2x" and "1e" are one bad token rather than two good ones. */
static tnsr_status lex_number(const char *text, int col, expr_token *t, int *error_column)
{
	const char *s = text + col, *p = s;
	bool is_float = false;
	int base = 10;
	if (p[0] == '0' && strchr("xXoObB", p[1]) && p[1]) {
		base = strchr("xX", p[1]) ? 16 : strchr("oO", p[1]) ? 8 : 2;
		p += 2;
		while (isxdigit((unsigned char)*p) || *p == '_')
			p++;
	} else {
		while (isdigit((unsigned char)*p) || *p == '_')
			p++;
		if (*p == '.' && p[1] != '.') { /* "1..." is not a number followed by an ellipsis */
			is_float = true;
			p++;
			while (isdigit((unsigned char)*p) || *p == '_')
				p++;
		}
		if ((*p == 'e' || *p == 'E') &&
		    (isdigit((unsigned char)p[1]) || ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])))) {
			is_float = true;
			p += 2;
			while (isdigit((unsigned char)*p) || *p == '_')
				p++;
		}
	}
	const char *end = p;
	while (is_name_char((unsigned char)*end))
		end++;
	int len = (int)(end - s);
	if (end != p) {
		if ((*p == 'j' || *p == 'J') && end == p + 1)
			return fail(error_column, col, "complex number '%.*s' is not supported (expected a real number)", s, len);
		return fail(error_column, col, "invalid number '%.*s'", s, len);
	}
	char buf[128];
	const char *digits = base == 10 ? s : s + 2;
	if (!strip_underscores(digits, end, buf, sizeof buf) || !buf[0])
		return fail(error_column, col, "invalid number '%.*s'", s, len);
	t->kind = TOK_NUMBER;
	t->col = col;
	t->len = len;
	t->is_float = is_float;
	char *stop;
	errno = 0;
	if (is_float) {
		t->d = strtod(buf, &stop);
		return TNSR_OK; /* overflow gives inf, as Python's float('1e999') */
	}
	if (base == 10 && buf[0] == '0' && strspn(buf, "0") != strlen(buf))
		return fail(error_column, col,
			    "leading zeros in '%.*s' are not permitted (as in Python; use 0o for octal)", s, len);
	unsigned long long v = strtoull(buf, &stop, base);
	if (*stop)
		return fail(error_column, col, "invalid number '%.*s'", s, len);
	if (errno || v > INT64_MAX)
		return fail(error_column, col, "integer '%.*s' is out of range (expected at most 2**63 - 1)", s, len);
	t->i = (int64_t)v;
	t->d = (double)v;
	return TNSR_OK;
}

tnsr_status tnsr_expr_lex(const char *text, expr_token **out, int *n, int *error_column)
{
	size_t length = strlen(text);
	if (length > (size_t)1 << 24)
		return tnsr_error(TNSR_E_USAGE, "expression of %zu bytes is too long (expected at most 16 MiB)", length);
	/* At most one token per byte, plus the end. */
	expr_token *toks = calloc(length + 1, sizeof *toks);
	if (!toks)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	int count = 0;
	tnsr_status st = TNSR_OK;
	for (int col = 0;;) {
		while (isspace((unsigned char)text[col]))
			col++;
		expr_token *t = &toks[count];
		memset(t, 0, sizeof *t);
		t->col = col;
		unsigned char c = (unsigned char)text[col];
		if (!c) {
			t->kind = TOK_END;
			count++;
			break;
		}
		if (isdigit(c) || (c == '.' && isdigit((unsigned char)text[col + 1]))) {
			if ((st = lex_number(text, col, t, error_column)))
				break;
		} else if (is_name_start(c)) {
			int len = 0;
			while (is_name_char((unsigned char)text[col + len]))
				len++;
			t->kind = TOK_NAME;
			t->len = len;
		} else if (c == '\'' || c == '"') {
			int len = 1;
			while (text[col + len] && text[col + len] != (char)c && text[col + len] != '\n')
				len++;
			if (text[col + len] != (char)c) {
				st = fail(error_column, col, "unterminated string %.*s", text + col, len);
				break;
			}
			t->kind = TOK_STRING;
			t->len = len + 1;
		} else {
			size_t k;
			for (k = 0; k < sizeof punct / sizeof *punct; k++)
				if (strncmp(text + col, punct[k].text, strlen(punct[k].text)) == 0)
					break;
			if (k == sizeof punct / sizeof *punct) {
				/* One whole UTF-8 character, for the message. */
				int len = 1;
				while (c >= 0xC0 && ((unsigned char)text[col + len] & 0xC0) == 0x80)
					len++;
				st = fail(error_column, col, "unexpected character '%.*s'", text + col, len);
				break;
			}
			t->kind = punct[k].kind;
			t->len = (int)strlen(punct[k].text);
		}
		col += t->len;
		count++;
	}
	if (st) {
		free(toks);
		return st;
	}
	*out = toks;
	*n = count;
	return TNSR_OK;
}

const char *tnsr_expr_tok_text(const char *text, const expr_token *t, char *buf, size_t size)
{
	if (t->kind == TOK_END)
		return "the end";
	int len = t->len > 40 ? 40 : t->len;
	snprintf(buf, size, "'%.*s%s'", len, text + t->col, t->len > len ? "..." : "");
	return buf;
}

int tnsr_expr_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	int d[41][41];
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}
