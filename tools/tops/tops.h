/* tops.h: what the parts of the tops tool share: a parsed command line (one segment per
 * op, joined by "then") and the help texts drawn from the op table. */
#ifndef TOPS_H
#define TOPS_H

#include "tool.h"

/* An operand as written: a file ("-" is standard input, or the previous result in a
 * later step) or a number literal. */
typedef struct tops_operand {
	const char *text;
	tnsr_tensor *number; /* a wrapped scalar, or NULL for a file */
} tops_operand;

typedef struct tops_segment {
	const tnsr_op *op;
	tnsr_op_args args;
	tops_operand operands[256];
	int noperands;
	const char *bias;    /* --bias FILE */
	bool dims_given;     /* --dim, or positional dims */
} tops_segment;

typedef struct tops_command {
	tops_segment *segments;
	int nsegments;
	tool_output output;
	bool inplace, quiet;
} tops_command;

/* Parses argv into CMD; exits 2 on anything it cannot understand. */
void tops_parse(int argc, char **argv, tops_command *cmd);

/* Help: the general usage with every op by group, or one op's page. */
void tops_help(const char *op_name);

/* tops eval EXPR NAME=VALUE... (eval.c): ARGV[0] is "eval". */
int tops_eval(int argc, char **argv);
void tops_eval_help(void);

#endif
