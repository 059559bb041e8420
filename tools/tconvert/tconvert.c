/* tconvert: change a tensor file's format, dtype or layout.  One tensor streams from
 * reader to writer in bounded memory when no layout change is needed; containers are
 * gathered whole (views over mapped inputs); --split writes a container's members
 * one file each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tconvert.h"

static const char usage[] =
	"usage: tconvert [--to FORMAT] [--from FORMAT] [--dtype D] [--shape S] [--order C|F]\n"
	"                [--compress[=LEVEL]] [-q] [INPUT [OUTPUT]]\n"
	"       tconvert [OPTIONS] -o OUTPUT [NAME=]INPUT...\n"
	"       tconvert --split [--to FORMAT] CONTAINER DIR\n"
	"\n"
	"Convert INPUT (standard input when none, or '-') to OUTPUT (standard output when\n"
	"none) in the format OUTPUT's extension or --to names.\n"
	"\n"
	"  --to FORMAT     output format (also --format); default: OUTPUT's extension,\n"
	"                  .npy on standard output (or $TNSR_FORMAT)\n"
	"  --from FORMAT   input format.  npy, npz, tnsr, safetensors, png and pgm are\n"
	"                  known by their magic bytes; csv, tsv, txt and raw have none and\n"
	"                  are read when --from or INPUT's extension names them\n"
	"  --dtype D       cast to D.  Raw input: the dtype of its bytes.  Text input:\n"
	"                  the dtype its values are parsed as (default f64, as np.loadtxt)\n"
	"  --shape S       the shape of raw input (needed); other inputs are reshaped\n"
	"  --order C|F     layout written: C (default; Fortran-order input is reordered)\n"
	"                  or F (npy: fortran_order True; raw: column-major bytes; npz)\n"
	"  --compress[=L]  deflate .npz members at level L, 0..9 (default 6), as\n"
	"                  np.savez_compressed; without it .npz is stored, as np.savez\n"
	"  -o OUTPUT       the output; every operand is then an input, [NAME=]INPUT,\n"
	"                  gathered into one container (.npz, .tnsr, .safetensors)\n"
	"  --split         write each member of CONTAINER as DIR/NAME.npy (or --to)\n"
	"  -q, --quiet     no progress bar (drawn on a terminal for inputs over 64 MiB)\n"
	"  -h, --help      show this help;  --version  show the version\n"
	"\n"
	"A container input to a one-tensor format needs a member (data.npz:x_train)\n"
	"unless it holds one.  Tensors keep their member names in a container output;\n"
	"unnamed ones are arr_0, arr_1 ... as np.savez names them.  bf16 cannot go to\n"
	".npy (use .tnsr, .safetensors or --dtype f32).  Text (csv, tsv, txt) holds 1-D\n"
	"or 2-D tensors as np.savetxt writes them, floats with the fewest digits that\n"
	"read back exactly; png and pgm hold u8 (or u16) images: H x W grey, and for png\n"
	"H x W x 2 grey+alpha, H x W x 3 RGB, H x W x 4 RGBA.\n"
	"\n"
	"Examples:\n"
	"  tconvert x.npy x.csv                     # np.savetxt, round-trip exact\n"
	"  tconvert --dtype f32 data.csv data.npy   # parse as float32\n"
	"  tconvert --dtype u8 --shape 480x640x3 frame.raw frame.png\n"
	"  tconvert photo.png | tshow               # H x W x 3 u8\n"
	"  tconvert data.npz:x_train x_train.npy\n"
	"  tconvert --compress data.npz small.npz   # np.savez_compressed\n"
	"  tconvert -o all.tnsr x=x.npy y=y.npy\n"
	"  tconvert --split data.npz parts/         # parts/NAME.npy per member\n"
	"  tconvert --dtype f16 big.npy half.npy    # streamed, bounded memory\n"
	"\n"
	"Exit status: 0 success, 1 the data cannot be read or converted, 2 bad usage.\n";

enum { OPT_TO = 1, OPT_FROM, OPT_DTYPE, OPT_SHAPE, OPT_ORDER, OPT_OUTPUT, OPT_SPLIT, OPT_QUIET, OPT_HELP,
       OPT_VERSION, OPT_COMPRESS };
static const tool_option options[] = {
	{"to", 0, TOOL_ARG, OPT_TO},
	{"format", 0, TOOL_ARG, OPT_TO},
	{"from", 0, TOOL_ARG, OPT_FROM},
	{"dtype", 0, TOOL_ARG, OPT_DTYPE},
	{"shape", 0, TOOL_ARG, OPT_SHAPE},
	{"order", 0, TOOL_ARG, OPT_ORDER},
	{"output", 'o', TOOL_ARG, OPT_OUTPUT},
	{"split", 0, TOOL_NO_ARG, OPT_SPLIT},
	{"quiet", 'q', TOOL_NO_ARG, OPT_QUIET},
	{"compress", 0, TOOL_NO_ARG, OPT_COMPRESS}, /* "--compress=L" is taken out before parsing */
	{"help", 'h', TOOL_NO_ARG, OPT_HELP},
	{"version", 0, TOOL_NO_ARG, OPT_VERSION},
	{NULL, 0, 0, 0},
};

enum { CHUNK = 4 << 20 }; /* bytes per streamed read */

/* What tconvert knows of a format beyond its codec: whether it is text (fine on a
 * terminal) and whether it can store Fortran order. */
static const struct format_traits {
	const char *name;
	bool text, fortran;
} traits[] = {
	{"npy", false, true}, {"npz", false, true}, {"raw", false, true},
	{"csv", true, false}, {"tsv", true, false}, {"txt", true, false},
};

static const struct format_traits *traits_of(const tnsr_codec *c)
{
	for (size_t i = 0; i < sizeof traits / sizeof *traits; i++)
		if (strcmp(traits[i].name, c->name) == 0)
			return &traits[i];
	return NULL;
}

/* --compress takes an optional value, which the option parser has no form for: take
 * "--compress=L" out of ARGV (before "--") here. */
static int take_compress(int argc, char **argv, conv_opts *o)
{
	int n = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if (strncmp(argv[i], "--compress=", 11) == 0) {
			int64_t level = tool_parse_int("--compress", argv[i] + 11);
			if (level < 0 || level > 9)
				tool_usage_error("--compress: level %lld out of range (expected 0..9)", (long long)level);
			o->compress = (int)level;
			o->compress_given = true;
			continue;
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

/* ---------------------------------------------------------------- one tensor */

/* A file that holds several tensors cannot go to a one-tensor format whole: name the
 * members (read from headers only). */
static void refuse_several(const char *path, const tnsr_codec *codec)
{
	tnsr_reader *r;
	tnsr_member_info info;
	char names[512] = "", first[sizeof info.name] = "";
	size_t used = 0;
	int n = 0;
	if (tnsr_reader_open(path, &r))
		return; /* input_open reports it */
	while (tnsr_reader_next(r, &info) == TNSR_OK) {
		if (n++ == 0)
			snprintf(first, sizeof first, "%s", info.name);
		if (used < sizeof names - 1)
			used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "",
						 info.name[0] ? info.name : "(unnamed)");
	}
	tnsr_reader_close(r);
	if (n > 1)
		tool_fail("%s: holds %d tensors (%s): name one, as %s:%s (%s holds one tensor)", path, n, names, path,
			  first[0] ? first : "NAME", codec->name);
}

/* Whether the member's stored order is C order (Fortran order with at most one dim
 * over 1 is the same thing). */
static bool stored_in_c_order(const tnsr_member_info *info)
{
	int big = 0;
	for (int i = 0; i < info->ndim; i++)
		big += info->shape[i] > 1;
	return !info->fortran_order || big <= 1;
}

/* --shape for NUMEL elements: one -1 inferred; exits 1 when it cannot hold them. */
static void resolve_shape(const conv_opts *o, int64_t numel, int64_t *shape)
{
	int64_t known = 1;
	int infer = -1;
	char s[128];
	for (int i = 0; i < o->shape_ndim; i++) {
		shape[i] = o->shape[i];
		if (shape[i] < 0)
			infer = i;
		else if (__builtin_mul_overflow(known, shape[i], &known))
			known = -1;
	}
	if (infer >= 0 && known > 0 && numel % known == 0)
		shape[infer] = numel / known;
	else if (infer >= 0 || known != numel)
		tool_fail("--shape: shape %s is invalid for input of size %lld",
			  tnsr_shape_format(o->shape_ndim, o->shape, s, sizeof s), (long long)numel);
}

/* Streams the current member of R to SINK through a bounded buffer, casting chunk
 * by chunk; the member is in C order and the output needs no other layout. */
static tnsr_status stream_member(const conv_opts *o, tnsr_reader *r, const tnsr_member_info *info,
				 const tnsr_codec *codec, tnsr_sink *sink)
{
	tnsr_dtype in_t = info->dtype, out_t = o->has_dtype ? o->dtype : in_t;
	size_t in_size = tnsr_dtype_size(in_t), out_size = tnsr_dtype_size(out_t);
	int ndim = info->ndim;
	int64_t shape[TNSR_MAX_DIMS];
	memcpy(shape, info->shape, sizeof shape);
	if (o->has_shape) {
		int64_t numel;
		tnsr_status st = tnsr_shape_size(info->ndim, info->shape, 1, &numel, NULL);
		if (st)
			return st;
		ndim = o->shape_ndim;
		resolve_shape(o, numel, shape);
	}
	tnsr_writer *w;
	tnsr_status st = tnsr_writer_begin(sink, codec->name, out_t, ndim, shape, &w);
	if (st)
		return st;
	size_t cap = CHUNK - CHUNK % in_size;
	char *buf = malloc(cap), *cast = in_t != out_t ? malloc(cap / in_size * out_size) : NULL;
	if (!buf || (in_t != out_t && !cast)) {
		free(buf);
		tnsr_writer_abort(w);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	progress pg;
	progress_start(&pg, info->nbytes, o->quiet);
	for (size_t got; !st;) {
		if ((st = tnsr_reader_read_data(r, buf, cap, &got)) || got == 0)
			break;
		if (cast)
			tnsr_convert(out_t, cast, in_t, buf, got / in_size);
		st = tnsr_writer_data(w, cast ? cast : buf, got / in_size * out_size);
		progress_add(&pg, got);
	}
	progress_end(&pg);
	free(buf);
	free(cast);
	if (st) {
		tnsr_writer_abort(w);
		return st;
	}
	return tnsr_writer_end(w);
}

/* Writes T to OUTPUT (NULL: standard output, printed as tshow would on a terminal
 * unless the format is text). */
static void write_one(const conv_opts *o, tnsr_tensor *t, const char *output, const tnsr_codec *codec)
{
	const struct format_traits *tr = traits_of(codec);
	tnsr_tensor *rev = NULL;
	tnsr_sink *sink;
	tnsr_status st;
	if (!output && isatty(1) && !(tr && tr->text)) {
		tool_write(&(tool_output){NULL, codec->name}, t);
		return;
	}
	if (o->order == 'F' && strcmp(codec->name, "raw") == 0) {
		/* Column-major bytes are the C-order bytes of the reversed view. */
		int dims[TNSR_MAX_DIMS];
		for (int i = 0; i < t->ndim; i++)
			dims[i] = t->ndim - 1 - i;
		if ((st = tnsr_tensor_permute(t, dims, &rev)))
			tool_die(st);
		t = rev;
	}
	if ((st = tnsr_sink_open(output, &sink)))
		tool_die(st);
	if ((st = tnsr_write(sink, codec->name, t))) {
		tnsr_sink_abort(sink);
		tool_die(st);
	}
	if ((st = tnsr_sink_commit(sink)))
		tool_die(st);
	tnsr_tensor_free(rev);
}

/* After the member just converted, a plain input read as a stream must hold no other. */
static void check_no_more(tnsr_reader *r, const char *input, const tnsr_codec *codec, tnsr_sink *sink)
{
	tnsr_member_info info;
	tnsr_status st = tnsr_reader_next(r, &info);
	if (st == TNSR_END)
		return;
	tnsr_sink_abort(sink);
	if (st)
		tool_die(st);
	tool_fail("%s: holds several tensors: name one, as %s:NAME (%s holds one tensor)", tnsr_reader_name(r),
		  input, codec->name);
}

static void convert_one(const conv_opts *o, const char *input, const char *output, const tnsr_codec *codec)
{
	const char *format = NULL;
	input_kind kind = input_kind_of(o, input, &format);
	const struct format_traits *tr = traits_of(codec);
	if (kind != INPUT_MAGIC) {
		tnsr_tensor *t = input_transform(o, input_load_plain(o, input, kind, format), kind, o->order);
		write_one(o, t, output, codec);
		tnsr_tensor_free(t);
		return;
	}
	bool member = input_is_member(input), from_stream = !member && !input_is_regular(input);
	if (!member && !from_stream)
		refuse_several(input, codec);
	tnsr_member_info info;
	tnsr_reader *r = input_open(o, input, &info);
	bool to_terminal = !output && isatty(1) && !(tr && tr->text);
	if (codec->stream_begin && o->order == 'C' && stored_in_c_order(&info) && !to_terminal) {
		tnsr_sink *sink;
		tnsr_status st = tnsr_sink_open(output, &sink);
		if (!st && (st = stream_member(o, r, &info, codec, sink)))
			tnsr_sink_abort(sink);
		if (st)
			tool_die(st);
		if (!member && from_stream)
			check_no_more(r, input, codec, sink);
		if ((st = tnsr_sink_commit(sink)))
			tool_die(st);
	} else {
		tnsr_tensor *t;
		tnsr_status st = tnsr_reader_load(r, &t);
		if (st)
			tool_die(st);
		if (!member && from_stream)
			check_no_more(r, input, codec, NULL);
		t = input_transform(o, t, kind, o->order);
		write_one(o, t, output, codec);
		tnsr_tensor_free(t);
	}
	tnsr_reader_close(r);
}

/* ---------------------------------------------------------------- containers */

static void convert_many(const conv_opts *o, char **inputs, int n, const char *output, const tnsr_codec *codec)
{
	tensor_list list = {0};
	for (int i = 0; i < n; i++)
		gather_operand(o, inputs[i], &list, o->order);
	tensor_list_finish(&list, output ? output : "stdout");
	if (!output && isatty(1)) {
		for (int i = 0; i < list.n; i++) {
			printf("%s: ", list.names[i]);
			tool_write(&(tool_output){NULL, NULL}, list.tensors[i]);
		}
		tensor_list_free(&list);
		return;
	}
	tnsr_write_options wo = {.compress = o->compress, .order = o->order};
	tnsr_status st = tnsr_save_many(output, codec->name, list.tensors, (const char *const *)list.names, list.n, &wo);
	if (st)
		tool_die(st);
	tensor_list_free(&list);
}

/* Whether INPUT is a file holding one unnamed tensor (an .npy, an image): written to
 * a container it is arr_0, which is what the containers' streaming writers name it,
 * so it can stream like a one-tensor conversion. */
static bool lone_unnamed(const conv_opts *o, const char *input)
{
	const char *format;
	tnsr_reader *r;
	tnsr_member_info info;
	if (!input_is_regular(input) || input_is_member(input) ||
	    input_kind_of(o, input, &format) != INPUT_MAGIC || tnsr_reader_open(input, &r))
		return false;
	bool lone = tnsr_reader_next(r, &info) == TNSR_OK && !info.name[0] && tnsr_reader_next(r, &info) == TNSR_END;
	tnsr_reader_close(r);
	return lone;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	tool_init("tconvert");
	conv_opts o = {.order = 'C'};
	argc = take_compress(argc, argv, &o);
	tool_args a = tool_args_start(argc, argv, options);
	const char *output = NULL;
	bool split = false;
	char **operands = calloc((size_t)argc + 1, sizeof *operands);
	int nop = 0, id;
	if (!operands)
		tool_fail("out of memory");
	while ((id = tool_next(&a)) >= 0) {
		switch (id) {
		case 0: operands[nop++] = (char *)a.value; break;
		case OPT_TO: o.to = a.value; break;
		case OPT_FROM: o.from = a.value; break;
		case OPT_DTYPE:
			o.dtype = tool_parse_dtype("--dtype", a.value);
			o.has_dtype = true;
			break;
		case OPT_SHAPE:
			if (tnsr_shape_parse(a.value, true, &o.shape_ndim, o.shape))
				tool_usage_error("--shape: %s", tnsr_error_message());
			o.has_shape = true;
			break;
		case OPT_ORDER:
			if (strcmp(a.value, "C") && strcmp(a.value, "F") && strcmp(a.value, "c") && strcmp(a.value, "f"))
				tool_usage_error("--order: '%s' (expected C or F)", a.value);
			o.order = (char)(a.value[0] & ~0x20);
			break;
		case OPT_OUTPUT: output = a.value; break;
		case OPT_SPLIT: split = true; break;
		case OPT_QUIET: o.quiet = true; break;
		case OPT_COMPRESS:
			o.compress = 6;
			o.compress_given = true;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			tool_finish_stdout();
			free(operands);
			return 0;
		case OPT_VERSION: tool_version();
		}
	}
	if (o.from) {
		const tnsr_codec *c = tnsr_codec_find(o.from);
		if (!c)
			tool_usage_error("--from: unknown format '%s'", o.from);
		o.from = c->name;
	}
	if (split) {
		if (nop != 2 || output)
			tool_usage_error("--split takes CONTAINER DIR (and no -o)");
		split_container(&o, operands[0], operands[1]);
		free(operands);
		return 0;
	}
	char *stdin_operand[] = {"-"};
	char **inputs = operands;
	int ninputs = nop;
	if (!output) {
		if (nop > 2)
			tool_usage_error("%d operands: INPUT [OUTPUT] (several inputs need -o OUTPUT, a container)", nop);
		output = nop == 2 ? operands[1] : NULL;
		ninputs = nop ? 1 : 0;
	}
	if (ninputs == 0) {
		inputs = stdin_operand;
		ninputs = 1;
	}
	if (output && strcmp(output, "-") == 0)
		output = NULL;
	const char *format = o.to;
	if (!format && !output) {
		const char *env = getenv("TNSR_FORMAT");
		format = env && *env ? env : NULL;
	}
	const tnsr_codec *codec;
	tnsr_status st = tnsr_codec_pick(output, format, &codec);
	if (st)
		tool_die(st);
	const struct format_traits *tr = traits_of(codec);
	if (o.order == 'F' && !(tr && tr->fortran))
		tool_usage_error("--order F: %s stores C order only (npy, npz and raw can store Fortran order)", codec->name);
	if (o.compress_given && !codec->write_many)
		tool_usage_error("--compress: %s output is not compressed (--compress is for containers: .npz)", codec->name);
	if (codec->write_many && !(ninputs == 1 && codec->stream_begin && !o.compress_given && o.order == 'C' &&
				   lone_unnamed(&o, inputs[0])))
		convert_many(&o, inputs, ninputs, output, codec);
	else if (ninputs > 1)
		tool_usage_error("%s holds one tensor: %d inputs need a container output (.npz, .tnsr)", codec->name,
				 ninputs);
	else
		convert_one(&o, inputs[0], output, codec);
	free(operands);
	tool_finish_stdout();
	return 0;
}
