/* expr_parse.c: the syntax of the expression language, by precedence climbing with
 * Python's grammar and precedence, lowest first:
 *
 *     comparison  a < b, ==, != ...  (one, not chained)
 *     sum         a + b, a - b       (left-associative)
 *     term        a * b, a / b, a % b, a @ b
 *     factor      -a, +a             (so -x**2 is -(x**2))
 *     power       a ** factor        (right-associative; 2**-1 works)
 *     postfix     a.name, a.f(...), f(...), a[...]
 *     atom        number, 'string', name, True/False/None, (a), (a, b), [a, b]
 *
 * The result is a tree (expr.h); its meaning (which op, which argument is a dim) is
 * expr.c's business.  Errors say what was expected and point at the offending token. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

enum {
	MAX_NESTING = 200,  /* parentheses, brackets, calls and unary signs inside each other */
	MAX_TREE_DEPTH = 1000, /* levels of the tree (a + b + c + ... counts one per term) */
};

typedef struct parser {
	const char *text;
	expr_token *toks;
	int ntoks, pos, nesting;
	expr_arena *arena;
	int *error_column;
	tnsr_status st; /* the first failure; TNSR_OK while none */
} parser;

/* ---------------------------------------------------------------- the arena */

void *tnsr_expr_alloc(expr_arena *arena, size_t size)
{
	if (arena->n == arena->cap) {
		int cap = arena->cap ? 2 * arena->cap : 64;
		void **blocks = realloc(arena->blocks, sizeof *blocks * (size_t)cap);
		if (!blocks)
			return NULL;
		arena->blocks = blocks;
		arena->cap = cap;
	}
	void *p = calloc(1, size);
	if (p)
		arena->blocks[arena->n++] = p;
	return p;
}

void tnsr_expr_arena_free(expr_arena *arena)
{
	for (int i = 0; i < arena->n; i++)
		free(arena->blocks[i]);
	free(arena->blocks);
	memset(arena, 0, sizeof *arena);
}

/* ---------------------------------------------------------------- helpers */

static const expr_token *cur(const parser *p) { return &p->toks[p->pos]; }
static bool at(const parser *p, expr_tok_kind k) { return cur(p)->kind == k; }

/* Records the first error, at the column of token TOK, and returns NULL. */
static expr_ast *error_at(parser *p, const expr_token *tok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static expr_ast *error_at(parser *p, const expr_token *tok, const char *fmt, ...)
{
	if (p->st)
		return NULL;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->st = tnsr_error(TNSR_E_USAGE, "syntax error: %s", msg);
	if (p->error_column)
		*p->error_column = tok->col;
	return NULL;
}

static const char *spell(const parser *p, const expr_token *t, char *buf, size_t size)
{
	return tnsr_expr_tok_text(p->text, t, buf, size);
}

static expr_ast *node(parser *p, expr_kind kind, int col)
{
	expr_ast *n = tnsr_expr_alloc(p->arena, sizeof *n);
	if (!n) {
		if (!p->st)
			p->st = tnsr_error(TNSR_E_NOMEM, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->col = col;
	n->depth = 1;
	return n;
}

/* Sets N's depth from its children; NULL (an error) when the tree gets too deep. */
static expr_ast *deepen(parser *p, expr_ast *n, const expr_ast *child)
{
	if (child && child->depth + 1 > n->depth)
		n->depth = child->depth + 1;
	if (n->depth > MAX_TREE_DEPTH)
		return error_at(p, &p->toks[p->pos], "expression nested too deeply (at most %d levels)", MAX_TREE_DEPTH);
	return n;
}

/* Copies the text of token T (a name) into the arena. */
static char *token_text(parser *p, const expr_token *t, int skip)
{
	int len = t->len - 2 * skip;
	char *s = tnsr_expr_alloc(p->arena, (size_t)len + 1);
	if (!s) {
		if (!p->st)
			p->st = tnsr_error(TNSR_E_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(s, p->text + t->col + skip, (size_t)len);
	return s;
}

/* A growable list of children. */
typedef struct list {
	expr_ast **items;
	int n, cap;
} list;

static bool push(parser *p, list *l, expr_ast *item)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 4;
		expr_ast **items = tnsr_expr_alloc(p->arena, sizeof *items * (size_t)cap);
		if (!items) {
			if (!p->st)
				p->st = tnsr_error(TNSR_E_NOMEM, "out of memory");
			return false;
		}
		if (l->n)
			memcpy(items, l->items, sizeof *items * (size_t)l->n);
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n++] = item;
	return true;
}

static bool enter(parser *p)
{
	if (++p->nesting > MAX_NESTING) {
		error_at(p, cur(p), "too many nested parentheses, calls, signs or powers (at most %d)", MAX_NESTING);
		return false;
	}
	return true;
}

/* "expected ')' to close '(' at column N", at the token found instead. */
static bool expect_close(parser *p, expr_tok_kind close, const expr_token *open, const char *alternative)
{
	const char *c = close == TOK_RPAREN ? ")" : "]", *o = close == TOK_RPAREN ? "(" : "[";
	if (at(p, close)) {
		p->pos++;
		return true;
	}
	if (at(p, TOK_END))
		alternative = "";
	error_at(p, cur(p), "expected %s'%s' to close '%s' at column %d", alternative, c, o, open->col + 1);
	return false;
}

/* ---------------------------------------------------------------- grammar */

/* Python words the language has no syntax for, and what to write instead. */
static const struct {
	const char *word, *instead;
} python_words[] = {
	{"and", "logical_and(a, b)"}, {"or", "logical_or(a, b)"}, {"not", "logical_not(a)"},
	{"if", "where(cond, a, b)"},  {"else", "where(cond, a, b)"}, {"lambda", "an expression"},
	{"in", "eq(a, b)"},           {"is", "eq(a, b)"},
};

static expr_ast *parse_expr(parser *p);
static expr_ast *parse_factor(parser *p);

/* Whether token T is a Python keyword that the language lacks (the error is then set). */
static bool python_word(parser *p, const expr_token *t)
{
	if (t->kind != TOK_NAME)
		return false;
	for (size_t i = 0; i < sizeof python_words / sizeof *python_words; i++) {
		const char *w = python_words[i].word;
		if ((int)strlen(w) == t->len && !strncmp(p->text + t->col, w, (size_t)t->len)) {
			error_at(p, t, "Python's '%s' is not supported (write %s)", w, python_words[i].instead);
			return true;
		}
	}
	return false;
}

/* The operand expected at the current token is missing. */
static expr_ast *missing_operand(parser *p)
{
	char a[64], b[64];
	const expr_token *t = cur(p);
	if (p->pos == 0)
		return t->kind == TOK_END ? error_at(p, t, "empty expression (expected an operand)")
					  : error_at(p, t, "expected an operand at the start, got %s", spell(p, t, a, sizeof a));
	const expr_token *prev = &p->toks[p->pos - 1];
	if (t->kind == TOK_END)
		return error_at(p, t, "expected an operand after %s", spell(p, prev, a, sizeof a));
	return error_at(p, t, "expected an operand after %s, got %s", spell(p, prev, a, sizeof a), spell(p, t, b, sizeof b));
}

/* Items of a parenthesized or bracketed sequence up to CLOSE; *TRAILING_COMMA tells
 * "(a,)" (a tuple) from "(a)" (grouping). */
static bool parse_sequence(parser *p, expr_tok_kind close, const expr_token *open, list *items, bool *trailing_comma)
{
	*trailing_comma = false;
	while (!at(p, close) && !at(p, TOK_END)) {
		expr_ast *e = parse_expr(p);
		if (!e || !push(p, items, e))
			return false;
		*trailing_comma = false;
		if (!at(p, TOK_COMMA))
			break;
		p->pos++;
		*trailing_comma = true;
	}
	return expect_close(p, close, open, items->n ? "',' or " : "");
}

static expr_ast *parse_atom(parser *p)
{
	const expr_token *t = cur(p);
	expr_ast *n;
	switch (t->kind) {
	case TOK_NUMBER:
		if (!(n = node(p, AST_NUMBER, t->col)))
			return NULL;
		n->num.is_float = t->is_float;
		n->num.i = t->i;
		n->num.d = t->d;
		p->pos++;
		return n;
	case TOK_STRING:
		if (!(n = node(p, AST_STRING, t->col)) || !(n->text = token_text(p, t, 1)))
			return NULL;
		p->pos++;
		return n;
	case TOK_NAME: {
		if (python_word(p, t))
			return NULL;
		bool is_true = t->len == 4 && !strncmp(p->text + t->col, "True", 4);
		bool is_false = t->len == 5 && !strncmp(p->text + t->col, "False", 5);
		bool is_none = t->len == 4 && !strncmp(p->text + t->col, "None", 4);
		if (is_true || is_false) {
			if (!(n = node(p, AST_NUMBER, t->col)))
				return NULL;
			n->num.is_bool = true;
			n->num.i = is_true;
			n->num.d = is_true;
		} else if (is_none) {
			n = node(p, AST_NONE, t->col);
		} else {
			if ((n = node(p, AST_NAME, t->col)))
				n->text = token_text(p, t, 0);
		}
		p->pos++;
		return n && !p->st ? n : NULL;
	}
	case TOK_LPAREN:
	case TOK_LBRACKET: {
		if (!enter(p))
			return NULL;
		p->pos++;
		list items = {0};
		bool comma;
		expr_tok_kind close = t->kind == TOK_LPAREN ? TOK_RPAREN : TOK_RBRACKET;
		if (!parse_sequence(p, close, t, &items, &comma))
			return NULL;
		p->nesting--;
		if (t->kind == TOK_LPAREN && items.n == 1 && !comma)
			return items.items[0]; /* (a): grouping */
		if (!(n = node(p, AST_TUPLE, t->col)))
			return NULL;
		n->op = t->kind;
		n->items = items.items;
		n->nitems = items.n;
		for (int i = 0; i < items.n; i++)
			if (!deepen(p, n, items.items[i]))
				return NULL;
		return n;
	}
	case TOK_ELLIPSIS:
		return error_at(p, t, "'...' is only allowed inside [ ] (as in x[..., 0])");
	default:
		return missing_operand(p);
	}
}

/* Arguments of a call after its '(' (at OPEN): positional, then NAME=VALUE keywords. */
static expr_ast *parse_call(parser *p, expr_ast *callee, const expr_token *open)
{
	expr_ast *n = node(p, AST_CALL, callee->col);
	if (!n || !enter(p))
		return NULL;
	n->a = callee;
	if (!deepen(p, n, callee))
		return NULL;
	list args = {0}, kws = {0};
	while (!at(p, TOK_RPAREN) && !at(p, TOK_END)) {
		const expr_token *t = cur(p);
		if (t->kind == TOK_NAME && p->toks[p->pos + 1].kind == TOK_ASSIGN) {
			expr_ast *kw = node(p, AST_KEYWORD, t->col);
			if (!kw || !(kw->text = token_text(p, t, 0)))
				return NULL;
			for (int i = 0; i < kws.n; i++)
				if (strcmp(kws.items[i]->text, kw->text) == 0)
					return error_at(p, t, "keyword argument repeated: %s", kw->text);
			p->pos += 2;
			if (!(kw->a = parse_expr(p)) || !deepen(p, kw, kw->a) || !deepen(p, n, kw) || !push(p, &kws, kw))
				return NULL;
		} else {
			if (kws.n)
				return error_at(p, t, "positional argument follows keyword argument");
			expr_ast *e = parse_expr(p);
			if (!e || !deepen(p, n, e) || !push(p, &args, e))
				return NULL;
		}
		if (!at(p, TOK_COMMA))
			break;
		p->pos++;
	}
	if (!expect_close(p, TOK_RPAREN, open, args.n + kws.n ? "',' or " : ""))
		return NULL;
	p->nesting--;
	n->items = args.items;
	n->nitems = args.n;
	n->kw = kws.items;
	n->nkw = kws.n;
	return n;
}

/* One subscript: '...', an index, or a slice start:stop:step with optional parts. */
static expr_ast *parse_subscript(parser *p)
{
	const expr_token *t = cur(p);
	if (t->kind == TOK_ELLIPSIS) {
		p->pos++;
		return node(p, AST_ELLIPSIS, t->col);
	}
	expr_ast *start = NULL;
	if (!at(p, TOK_COLON)) {
		if (at(p, TOK_RBRACKET) || at(p, TOK_COMMA) || at(p, TOK_END))
			return error_at(p, t, "expected an index, a slice a:b:c, '...' or None, got %s",
					spell(p, t, (char[64]){0}, 64));
		if (!(start = parse_expr(p)))
			return NULL;
		if (!at(p, TOK_COLON))
			return start;
	}
	expr_ast *s = node(p, AST_SLICE, t->col);
	if (!s)
		return NULL;
	s->a = start;
	p->pos++; /* the first ':' */
	expr_ast **parts[2] = {&s->b, &s->c};
	for (int k = 0; k < 2; k++) {
		if (!at(p, TOK_COLON) && !at(p, TOK_COMMA) && !at(p, TOK_RBRACKET) && !at(p, TOK_END))
			if (!(*parts[k] = parse_expr(p)))
				return NULL;
		if (k == 1 || !at(p, TOK_COLON))
			break;
		p->pos++; /* the second ':' */
	}
	const expr_ast *children[3] = {s->a, s->b, s->c};
	for (int k = 0; k < 3; k++)
		if (!deepen(p, s, children[k]))
			return NULL;
	return s;
}

static expr_ast *parse_index(parser *p, expr_ast *target, const expr_token *open)
{
	expr_ast *n = node(p, AST_INDEX, open->col);
	if (!n || !enter(p))
		return NULL;
	n->a = target;
	if (!deepen(p, n, target))
		return NULL;
	list items = {0};
	for (;;) {
		if (at(p, TOK_END)) {
			expect_close(p, TOK_RBRACKET, open, "");
			return NULL;
		}
		expr_ast *e = parse_subscript(p);
		if (!e || !deepen(p, n, e) || !push(p, &items, e))
			return NULL;
		if (!at(p, TOK_COMMA))
			break;
		p->pos++;
		if (at(p, TOK_RBRACKET))
			break; /* a trailing comma */
	}
	if (!expect_close(p, TOK_RBRACKET, open, "',' or "))
		return NULL;
	p->nesting--;
	n->items = items.items;
	n->nitems = items.n;
	return n;
}

static expr_ast *parse_postfix(parser *p)
{
	expr_ast *e = parse_atom(p);
	while (e) {
		const expr_token *t = cur(p);
		if (t->kind == TOK_DOT) {
			p->pos++;
			const expr_token *name = cur(p);
			if (name->kind != TOK_NAME)
				return error_at(p, name, "expected a name after '.', got %s", spell(p, name, (char[64]){0}, 64));
			expr_ast *a = node(p, AST_ATTR, name->col);
			if (!a || !(a->text = token_text(p, name, 0)))
				return NULL;
			a->a = e;
			p->pos++;
			e = deepen(p, a, e);
		} else if (t->kind == TOK_LPAREN) {
			if (e->kind != AST_NAME && e->kind != AST_ATTR)
				return error_at(p, t, "only ops can be called: '(' must follow an op's name (as in sin(x) or x.sum())");
			p->pos++;
			e = parse_call(p, e, t);
		} else if (t->kind == TOK_LBRACKET) {
			p->pos++;
			e = parse_index(p, e, t);
		} else {
			break;
		}
	}
	return e;
}

static expr_ast *binary(parser *p, const expr_token *op, expr_ast *a, expr_ast *b)
{
	if (!a || !b)
		return NULL;
	expr_ast *n = node(p, AST_BINARY, op->col);
	if (!n)
		return NULL;
	n->op = op->kind;
	n->a = a;
	n->b = b;
	return deepen(p, n, a) && deepen(p, n, b) ? n : NULL;
}

/* power := postfix ['**' factor]: right-associative through factor, which also lets the
 * exponent carry a sign (2 ** -1). */
static expr_ast *parse_power(parser *p)
{
	expr_ast *base = parse_postfix(p);
	if (!base || !at(p, TOK_POW))
		return base;
	const expr_token *op = cur(p);
	p->pos++;
	if (!enter(p))
		return NULL;
	expr_ast *exponent = parse_factor(p);
	p->nesting--;
	return binary(p, op, base, exponent);
}

static expr_ast *parse_factor(parser *p)
{
	const expr_token *t = cur(p);
	if (t->kind != TOK_MINUS && t->kind != TOK_PLUS)
		return parse_power(p);
	if (!enter(p))
		return NULL;
	p->pos++;
	expr_ast *operand = parse_factor(p);
	p->nesting--;
	expr_ast *n = operand ? node(p, AST_UNARY, t->col) : NULL;
	if (!n)
		return NULL;
	n->op = t->kind;
	n->a = operand;
	return deepen(p, n, operand);
}

static expr_ast *parse_term(parser *p)
{
	expr_ast *e = parse_factor(p);
	while (e) {
		const expr_token *op = cur(p);
		if (op->kind == TOK_FLOORDIV)
			return error_at(p, op, "'//' (floor division) is not supported (write floor(a / b))");
		if (op->kind != TOK_STAR && op->kind != TOK_SLASH && op->kind != TOK_PERCENT && op->kind != TOK_AT)
			break;
		p->pos++;
		e = binary(p, op, e, parse_factor(p));
	}
	return e;
}

static expr_ast *parse_sum(parser *p)
{
	expr_ast *e = parse_term(p);
	while (e && (at(p, TOK_PLUS) || at(p, TOK_MINUS))) {
		const expr_token *op = cur(p);
		p->pos++;
		e = binary(p, op, e, parse_term(p));
	}
	return e;
}

static bool is_comparison(expr_tok_kind k)
{
	return k == TOK_EQ || k == TOK_NE || k == TOK_LT || k == TOK_LE || k == TOK_GT || k == TOK_GE;
}

static expr_ast *parse_expr(parser *p)
{
	expr_ast *e = parse_sum(p);
	if (e && is_comparison(cur(p)->kind)) {
		const expr_token *op = cur(p);
		p->pos++;
		e = binary(p, op, e, parse_sum(p));
		if (e && is_comparison(cur(p)->kind))
			return error_at(p, cur(p),
					"chained comparisons are not supported (write logical_and(a < b, b < c))");
	}
	return e;
}

tnsr_status tnsr_expr_parse_tree(const char *text, expr_arena *arena, expr_ast **out, int *error_column)
{
	parser p = {.text = text, .arena = arena, .error_column = error_column};
	tnsr_status st = tnsr_expr_lex(text, &p.toks, &p.ntoks, error_column);
	if (st)
		return st;
	expr_ast *e = parse_expr(&p);
	if (e && !at(&p, TOK_END)) {
		char a[64];
		const expr_token *t = cur(&p);
		if (t->kind == TOK_RPAREN || t->kind == TOK_RBRACKET)
			error_at(&p, t, "unmatched %s", spell(&p, t, a, sizeof a));
		else if (python_word(&p, t))
			;
		else if (t->kind == TOK_ASSIGN)
			error_at(&p, t, "unexpected '=' (did you mean '=='? Values are bound as NAME=VALUE arguments)");
		else
			error_at(&p, t, "unexpected %s after a complete expression (expected an operator or the end)",
				 spell(&p, t, a, sizeof a));
		e = NULL;
	}
	free(p.toks);
	if (!e)
		return p.st ? p.st : tnsr_error(TNSR_E_USAGE, "syntax error");
	*out = e;
	return TNSR_OK;
}
