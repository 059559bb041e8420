/* tgrad.h: what the parts of tgrad share: the parsed command line, the expression bound to
 * its values, and the three modes (gradients in tgrad.c, --check in check.c, --batch in
 * batch.c). */
#ifndef TGRAD_H
#define TGRAD_H

#include "tool.h"

enum { TGRAD_MAX_NAMES = 256 };

typedef struct tgrad_cmd {
	const char *expr;
	char **bindings;           /* NAME=VALUE words, in command-line order */
	int nbindings;
	const char *wrt[TGRAD_MAX_NAMES]; /* --wrt names (pointers into WRT_TEXT) */
	int nwrt;                  /* 0: every name bound to a floating tensor */
	char wrt_text[4096];
	tool_output output;        /* -o FILE, --format F */
	const char *grad_output;   /* --grad-output FILE */
	const char *accumulate;    /* --accumulate FILE */
	const char *seed_text;     /* --seed N, NULL: entropy */
	const char *batch;         /* --batch FILE */
	const char *device;
	bool check;
	double eps, atol, rtol;    /* --check: torch.autograd.gradcheck's defaults */
} tgrad_cmd;

/* Parses ARGV into CMD; exits 0 for --help/--version, 2 for a command line that cannot be
 * understood.  CMD->bindings is allocated. */
void tgrad_parse(int argc, char **argv, tgrad_cmd *cmd);

/* The expression parsed and bound: its graph, output node, the bound names (in the order
 * of the command line) with their values, and the names to differentiate. */
typedef struct tgrad_problem {
	tnsr_graph *g;
	int node;
	int nnames;
	char names[TGRAD_MAX_NAMES][128];
	tnsr_tensor *values[TGRAD_MAX_NAMES]; /* views of the bound tensors */
	const char *wrt[TGRAD_MAX_NAMES];
	int nwrt;
	uint64_t seed;
} tgrad_problem;

/* Parses CMD's expression, binds its values and resolves --wrt (default: each name bound
 * to a floating or complex tensor).  Exits 2 on a syntax error (with a caret), an unknown
 * or unbound name; 1 when a value cannot be loaded. */
void tgrad_problem_load(const tgrad_cmd *cmd, tgrad_problem *p);
void tgrad_problem_free(tgrad_problem *p);

/* --check: compares reverse-mode gradients with central differences in f64, one line per
 * input on standard output.  Returns 0 when every input matches, 1 otherwise; when
 * DIRECTIVE is not NULL it gets the TAP directive text of a failure ("max rel err 3.1e-2"). */
int tgrad_check(const tgrad_cmd *cmd, FILE *directive);

/* --batch FILE: one check per line of FILE (shell-like words: the arguments after
 * `tgrad --check`), printed as TAP.  GLOBAL holds the options given on the command line
 * (defaults for every case).  Returns the exit status: 0 all passed, 1 any failed. */
int tgrad_batch(const tgrad_cmd *global, char **global_args, int nglobal);

/* Splits LINE as a shell would (whitespace, '...' and "..." quotes, backslash escapes,
 * a '#' starting a word begins a comment; no expansion) into at most MAX words written
 * into BUF (SIZE bytes).  Returns the number of words, or -1 with *WHY on an
 * unterminated quote or an overflow. */
int tgrad_split_words(const char *line, char **words, int max, char *buf, size_t size, const char **why);

#endif
