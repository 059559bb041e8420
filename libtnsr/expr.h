/* expr.h: the parts of the expression language (Python/PyTorch syntax): the tokens
 * (expr_lex.c), the syntax tree built by a precedence-climbing parser (expr_parse.c), and
 * its lowering onto a graph of ops from the op table (expr.c). */
#ifndef TNSR_EXPR_H
#define TNSR_EXPR_H

#include "tnsr.h"

/* ---------------------------------------------------------------- tokens */

typedef enum expr_tok_kind {
	TOK_END, TOK_NUMBER, TOK_NAME, TOK_STRING,
	TOK_PLUS, TOK_MINUS, TOK_STAR, TOK_SLASH, TOK_PERCENT, TOK_POW, TOK_AT, TOK_FLOORDIV,
	TOK_EQ, TOK_NE, TOK_LT, TOK_LE, TOK_GT, TOK_GE,
	TOK_LPAREN, TOK_RPAREN, TOK_LBRACKET, TOK_RBRACKET, TOK_COMMA, TOK_COLON, TOK_DOT, TOK_ASSIGN,
	TOK_ELLIPSIS,
} expr_tok_kind;

typedef struct expr_token {
	expr_tok_kind kind;
	int col, len;          /* byte offset in the expression and length */
	bool is_float;         /* TOK_NUMBER: written with a point or an exponent */
	int64_t i;             /* TOK_NUMBER, an integer */
	double d;              /* TOK_NUMBER, a float */
} expr_token;

/* The tokens of TEXT, ending with TOK_END (its column is strlen(TEXT)), in a malloc'd
 * array.  TNSR_E_USAGE "syntax error: ..." with *ERROR_COLUMN on an invalid token. */
tnsr_status tnsr_expr_lex(const char *text, expr_token **out, int *n, int *error_column);
/* How a token is spelled, for messages ("'+'", "the end"): a pointer to a static string
 * or into BUF. */
const char *tnsr_expr_tok_text(const char *text, const expr_token *t, char *buf, size_t size);

/* Optimal string alignment distance (inserts, deletes, substitutions, swaps), for
 * "did you mean ...?"; names longer than 40 bytes are far from everything. */
int tnsr_expr_distance(const char *a, const char *b);

/* ---------------------------------------------------------------- syntax tree */

typedef enum expr_kind {
	AST_NUMBER,   /* num */
	AST_STRING,   /* text */
	AST_NAME,     /* text */
	AST_NONE,
	AST_ELLIPSIS, /* only inside [ ] */
	AST_TUPLE,    /* items: (a, b) or [a, b] */
	AST_UNARY,    /* op (TOK_MINUS, TOK_PLUS) applied to a */
	AST_BINARY,   /* a op b */
	AST_ATTR,     /* a.text */
	AST_CALL,     /* a(items..., kw...): a is an AST_NAME or an AST_ATTR (a method) */
	AST_INDEX,    /* a[items...] */
	AST_SLICE,    /* a:b:c inside [ ], each part optional (NULL) */
	AST_KEYWORD,  /* text=a, in a call's kw list */
} expr_kind;

/* A Python number: bool and int are both integers, as in Python. */
typedef struct expr_number {
	bool is_float, is_bool;
	int64_t i;
	double d;
} expr_number;

typedef struct expr_ast expr_ast;
struct expr_ast {
	expr_kind kind;
	int col;                /* column of the token that names it (the operator for a binary) */
	int depth;              /* nesting depth of the subtree, bounded by the parser */
	expr_tok_kind op;
	expr_number num;
	char *text;
	expr_ast *a, *b, *c;
	expr_ast **items, **kw;
	int nitems, nkw;
};

/* The nodes of one parse, freed together. */
typedef struct expr_arena {
	void **blocks;
	int n, cap;
} expr_arena;

void *tnsr_expr_alloc(expr_arena *arena, size_t size);
void tnsr_expr_arena_free(expr_arena *arena);

/* Parses TEXT into a tree allocated in ARENA.  TNSR_E_USAGE "syntax error: ..." with
 * *ERROR_COLUMN at the offending token. */
tnsr_status tnsr_expr_parse_tree(const char *text, expr_arena *arena, expr_ast **out, int *error_column);

/* ---------------------------------------------------------------- lowering */

/* A parse being lowered onto G; errors set *ERROR_COLUMN (when not NULL). */
typedef struct expr_lowering {
	tnsr_graph *g;
	int *error_column;
} expr_lowering;

/* Records a TNSR_E_USAGE error at column COL and returns -1 (a failed node). */
int tnsr_expr_fail(const expr_lowering *L, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* What a syntax node is, for messages: "a string", "a tuple", "a tensor expression". */
const char *tnsr_expr_describe(const expr_ast *e);
/* "torch.nn.functional" for names joined by dots; false for anything else. */
bool tnsr_expr_dotted_name(const expr_ast *e, char *buf, size_t size);
/* Whether E is a number known from the expression alone (a literal, Python arithmetic
 * on literals, math.pi, float('inf')): 1 with *OUT, 0 when not, -1 on an error (1 / 0). */
int tnsr_expr_fold(const expr_lowering *L, const expr_ast *e, expr_number *out);
/* An integer known from the expression (an index, a dim); false with the error set. */
bool tnsr_expr_integer(const expr_lowering *L, const expr_ast *e, const char *what, int64_t *out);
/* The node computing tensor expression E, or -1 with the error set. */
int tnsr_expr_lower(const expr_lowering *L, const expr_ast *e);
/* The node of a call f(...) or x.f(...) (expr_call.c). */
int tnsr_expr_lower_call(const expr_lowering *L, const expr_ast *e);

#endif
