/* tools/common/tool.h: what every tool shares: its name in messages, an option
 * parser that leaves negative numbers alone, loading operands and writing results
 * (binary to files and pipes, printed to a terminal). */
#ifndef TOOL_H
#define TOOL_H

#include "tnsr.h"

/* Set once by tool_init; prefixes every message ("tops: ..."). */
extern const char *tool_name;

/* Records NAME, and makes a vanished reader of stdout an EPIPE we can stop on quietly. */
void tool_init(const char *name);

/* Prints "NAME: MESSAGE" (the library's last error) and exits: 2 for TNSR_E_USAGE, 1 for
 * any other failure, 0 silently for TNSR_E_PIPE (the reader went away). */
_Noreturn void tool_die(tnsr_status status);
/* Prints "NAME: FMT..." and exits 2: a command line that cannot be understood. */
_Noreturn void tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "NAME: FMT..." and exits 1: the data or the operation failed. */
_Noreturn void tool_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "NAME: FMT..." and returns: a per-file error the tool carries on after. */
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "NAME VERSION" and exits 0. */
_Noreturn void tool_version(void);

/* ---------------------------------------------------------------- options */

enum { TOOL_NO_ARG = 0, TOOL_ARG = 1 };

typedef struct tool_option {
	const char *long_name; /* without the dashes: "dtype" */
	char short_name;       /* 'o', or 0 */
	int has_arg;           /* TOOL_NO_ARG or TOOL_ARG */
	int id;                /* what tool_next returns for it; must be > 0 */
} tool_option;

typedef struct tool_args {
	int argc;
	char **argv;
	int index;               /* next argv element */
	const tool_option *options; /* terminated by a row whose long_name is NULL */
	const char *value;       /* the option's argument, or the positional operand */
	bool only_positional;    /* after "--" */
} tool_args;

tool_args tool_args_start(int argc, char **argv, const tool_option *options);
/* Returns the id of the next option (its argument in a->value), 0 for an operand (in
 * a->value), or -1 at the end.  "--name=value", "--name value", "-o value", "-ovalue"
 * all work; a word that reads as a negative number ("-1", "-2.5e3", "-inf") is an
 * operand, never an option.  Unknown options and missing arguments exit 2. */
int tool_next(tool_args *a);
/* Whether TEXT reads as a number with a leading minus (so is a value, not an option). */
bool tool_is_negative_number(const char *text);

/* ---------------------------------------------------------------- values */

/* Parse numbers from option arguments, exiting 2 with "NAME: --WHAT: 'TEXT' is not ..." */
int64_t tool_parse_int(const char *what, const char *text);
double tool_parse_double(const char *what, const char *text);
/* "LO,HI" or "A,B,C": exactly N comma-separated doubles (N_MIN..N_MAX of them); returns the count. */
int tool_parse_doubles(const char *what, const char *text, double *out, int n_min, int n_max);
tnsr_dtype tool_parse_dtype(const char *what, const char *text);

/* ---------------------------------------------------------------- operands and output */

/* Opens OPERAND (a path, "-" for standard input, or CONTAINER:MEMBER when no file has
 * that whole name) positioned on its tensor, described in INFO. */
tnsr_status tool_open_operand(const char *operand, tnsr_reader **r, tnsr_member_info *info);

/* Loads the tensor of OPERAND as tool_open_operand finds it; exits 1 with
 * "NAME: FILE: WHY" on failure. */
tnsr_tensor *tool_load(const char *operand);

/* Where and how a tool writes its result. */
typedef struct tool_output {
	const char *path;   /* -o FILE, or NULL for standard output */
	const char *format; /* --format, else $TNSR_FORMAT, else NULL (npy / the extension) */
} tool_output;

/* Writes T to OUT: to -o FILE atomically, by its extension; to standard output as
 * binary (.npy unless --format/TNSR_FORMAT say otherwise), or printed as tshow would
 * print it when standard output is a terminal.  Exits on error (quietly on EPIPE). */
void tool_write(const tool_output *out, const tnsr_tensor *t);

/* Flushes and checks standard output at exit, failing with status 1 on a write error. */
void tool_finish_stdout(void);

/* ---------------------------------------------------------------- expressions (tgrad, tops eval) */

/* The --seed argument: 0..2^64-1, or a negative number that wraps (as tcreate reads it);
 * TEXT NULL gives a seed from the operating system's entropy.  Exits 2 when unreadable. */
uint64_t tool_parse_seed(const char *text);
/* The seed of NAME's generator under --seed SEED: each name draws its own stream, so the
 * order of the bindings does not matter.  It is splitmix64(SEED ^ FNV-1a-64(NAME)):
 * NAME=randn:S gives what `tcreate --randn S --seed K` gives with that K. */
uint64_t tool_bind_seed(uint64_t seed, const char *name);
/* Splits "NAME=VALUE": NAME (a Python identifier) into BUF, *VALUE after the '='.  False
 * when ARG is not a binding. */
bool tool_split_binding(const char *arg, char *name, size_t size, const char **value);
/* Whether VALUE is read from a file or standard input (a path, '-', CONTAINER:MEMBER)
 * rather than a number or a generator. */
bool tool_bind_is_operand(const char *value);
/* The tensor VALUE gives: an existing file (which wins over every other reading), '-',
 * a number (a 0-d f32 tensor, not a wrapped scalar; True/False a 0-d bool), a generator
 * GEN:ARGS[:DTYPE] (randn:10x784, rand:3x4, zeros:S, ones:S, arange:STOP or
 * arange:START,STOP[,STEP], randint:S:HI or randint:S:LO,HI) seeded with
 * tool_bind_seed(SEED, NAME), else a path or CONTAINER:MEMBER.  Exits on failure: 2 for
 * a generator that cannot be read, 1 for a file that cannot be loaded. */
tnsr_tensor *tool_bind_value(const char *name, const char *value, uint64_t seed);
/* Binds each of the N arguments "NAME=VALUE" into G with tool_bind_value, except the
 * name SKIP (NULL: none), which the caller binds itself.  Exits 2 for an argument that
 * is not NAME=VALUE, a name bound twice, '-' bound twice, or a name the expression
 * lacks (naming the nearest). */
void tool_bind_all(tnsr_graph *g, char *const *bindings, int n, uint64_t seed, const char *skip);

/* Prints the expression EXPR on stderr, indented, and a caret under byte COLUMN: the two
 * lines under a syntax error's message, as Python prints them. */
void tool_expr_caret(const char *expr, int column);
/* Prints "NAME: MESSAGE" (the library's last error) and, when COLUMN >= 0, the caret
 * lines under it; exits as tool_die does for STATUS. */
_Noreturn void tool_expr_die(tnsr_status status, const char *expr, int column);

#endif
