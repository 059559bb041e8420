/* tconvert.h: what the files of tconvert share: its options, the list of tensors an
 * invocation gathers, the input rules and the progress bar. */
#ifndef TCONVERT_H
#define TCONVERT_H

#include "codec.h"
#include "tool.h"

typedef struct conv_opts {
	const char *to;            /* --to / --format, else NULL */
	const char *from;          /* --from, else NULL */
	bool has_dtype;
	tnsr_dtype dtype;
	bool has_shape;
	int shape_ndim;
	int64_t shape[TNSR_MAX_DIMS]; /* may hold one -1 */
	char order;                /* 'C' (default) or 'F' */
	int compress;              /* 0 stored, 1..9 deflated */
	bool compress_given;
	bool quiet;
} conv_opts;

/* ---------------------------------------------------------------- inputs (inputs.c) */

/* How an operand is read: by its magic bytes, or as text or raw bytes (formats with
 * no magic, chosen by --from or the operand's extension). */
typedef enum input_kind { INPUT_MAGIC, INPUT_TEXT, INPUT_RAW } input_kind;

/* The kind of OPERAND, and for text and raw the format name ("csv", "raw"). */
input_kind input_kind_of(const conv_opts *o, const char *operand, const char **format);
/* Reads a text or raw OPERAND whole (raw needs --dtype and --shape: exit 2 otherwise). */
tnsr_tensor *input_load_plain(const conv_opts *o, const char *operand, input_kind kind, const char *format);
/* Opens a magic-format OPERAND (a path, "-", or FILE:MEMBER) on its tensor, checking
 * --from; exits on failure with a hint for text and raw names. */
tnsr_reader *input_open(const conv_opts *o, const char *operand, tnsr_member_info *info);
/* Whether OPERAND is a regular file, which can be opened more than once (a pipe or
 * "-" is read once only). */
bool input_is_regular(const char *operand);
/* Whether OPERAND names one member (FILE:MEMBER, and no file has the whole name). */
bool input_is_member(const char *operand);

/* Applies --shape (a reshape; not for raw, whose shape it is) and --dtype (a cast; not
 * for text and raw, which are read as it) and the output order to T; frees T. */
tnsr_tensor *input_transform(const conv_opts *o, tnsr_tensor *t, input_kind kind, char order);

/* Named tensors for a container, in order; NULL names get arr_0, arr_1 ... */
typedef struct tensor_list {
	char **names;
	tnsr_tensor **tensors;
	int n, cap;
} tensor_list;

/* Adds the tensors of OPERAND ("[NAME=]INPUT"): a container's members under their
 * names, one tensor under NAME or its own name. */
void gather_operand(const conv_opts *o, const char *operand, tensor_list *list, char order);
/* Names the unnamed tensors arr_0, arr_1 ... and exits 1 on a duplicate name. */
void tensor_list_finish(tensor_list *list, const char *what);
void tensor_list_free(tensor_list *list);

/* ---------------------------------------------------------------- --split (split.c) */

/* Writes each member of INPUT as DIR/NAME.EXT (EXT from --to, .npy by default); unsafe
 * member names (absolute, "..", empty parts, control characters) are refused before
 * anything is written. */
void split_container(const conv_opts *o, const char *input, const char *dir);

/* ---------------------------------------------------------------- progress (progress.c) */

typedef struct progress {
	bool on;
	uint64_t total, done;
	int shown;       /* the last permille drawn, -1 none */
	double last;     /* when it was drawn (seconds) */
} progress;

/* Shows a bar on stderr for TOTAL bytes when stderr is a terminal, TOTAL is large
 * (over 64 MiB) and QUIET is false; otherwise every call is a no-op. */
void progress_start(progress *p, uint64_t total, bool quiet);
void progress_add(progress *p, uint64_t n);
/* Clears the bar's line. */
void progress_end(progress *p);

#endif
