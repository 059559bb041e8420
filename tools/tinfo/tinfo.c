/* tinfo: what a tensor file holds (format, dtype, shape, order, size, where the data
 * is and whether it can be mapped), read from headers alone; --stats adds a streamed
 * pass over the data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stats.h"
#include "tool.h"

static const char usage[] =
	"usage: tinfo [--json] [--stats] [--verify] [FILE...]\n"
	"\n"
	"Describe each tensor of each FILE (standard input when none, or '-'): format,\n"
	"dtype, shape, order, bytes, data offset and whether it is mapped zero-copy.\n"
	"Only headers are read, so a 50 GB file answers at once.\n"
	"\n"
	"  --json      one JSON object per tensor per line (JSON Lines)\n"
	"  --stats     add min, max, mean, std (over finite values; std with\n"
	"              correction 1) and NaN/Inf counts, in one streamed pass\n"
	"  --verify    check stored checksums (reads the data; .npy stores none)\n"
	"  -h, --help  show this help;  --version  show the version\n"
	"\n"
	"Examples:\n"
	"  tinfo x.npy\n"
	"  tcreate --randn 1000x10 | tinfo --stats\n"
	"  tinfo --json *.npy | jq .shape\n"
	"\n"
	"Exit status: 0 success, 1 a file could not be read, 2 bad usage.\n";

enum { OPT_JSON = 1, OPT_STATS, OPT_VERIFY, OPT_HELP, OPT_VERSION };
static const tool_option options[] = {
	{"json", 0, TOOL_NO_ARG, OPT_JSON},
	{"stats", 0, TOOL_NO_ARG, OPT_STATS},
	{"verify", 0, TOOL_NO_ARG, OPT_VERIFY},
	{"help", 'h', TOOL_NO_ARG, OPT_HELP},
	{"version", 0, TOOL_NO_ARG, OPT_VERSION},
	{NULL, 0, 0, 0},
};

static bool json, stats, verify;

/* The shortest "%.*g" that reads back as the same double (JSON has no NaN: null). */
static void print_number(double v)
{
	if (!isfinite(v)) {
		fputs(json ? "null" : isnan(v) ? "nan" : v > 0 ? "inf" : "-inf", stdout);
		return;
	}
	char buf[40];
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, stdout);
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_stats(const tinfo_stats *s)
{
	static const char *const keys[2][6] = {
		{" min ", " max ", " mean ", " std ", " nan ", " inf "},
		{", \"min\": ", ", \"max\": ", ", \"mean\": ", ", \"std\": ", ", \"nan\": ", ", \"inf\": "},
	};
	const char *const *k = keys[json];
	fputs(k[0], stdout);
	if (s->exact_int && s->count && s->umin <= s->umax)
		printf("%llu%s%llu", (unsigned long long)s->umin, k[1], (unsigned long long)s->umax);
	else if (s->exact_int && s->count)
		printf("%lld%s%lld", (long long)s->imin, k[1], (long long)s->imax);
	else {
		print_number(s->min);
		fputs(k[1], stdout);
		print_number(s->max);
	}
	fputs(k[2], stdout);
	print_number(s->mean);
	fputs(k[3], stdout);
	print_number(s->std);
	printf("%s%lld%s%lld", k[4], (long long)s->nan, k[5], (long long)s->inf);
}

/* A file's key/value pairs (.tnsr metadata, safetensors __metadata__): as a JSON
 * object, or as "key=value" words. */
static void print_metadata(const tnsr_meta *items, size_t n)
{
	fputs(json ? ", \"metadata\": {" : "   metadata:", stdout);
	for (size_t i = 0; i < n; i++) {
		const tnsr_meta *m = &items[i];
		if (json) {
			fputs(i ? ", " : "", stdout);
			print_json_string(m->key);
			fputs(": ", stdout);
		} else {
			printf(" %s=", m->key);
		}
		fputs(m->is_array ? "[" : "", stdout);
		for (size_t k = 0; k < m->count; k++) {
			fputs(k ? ", " : "", stdout);
			switch (m->type) {
			case TNSR_META_BOOL: fputs(((const bool *)m->values)[k] ? "true" : "false", stdout); break;
			case TNSR_META_I64: printf("%lld", (long long)((const int64_t *)m->values)[k]); break;
			case TNSR_META_F64: print_number(((const double *)m->values)[k]); break;
			case TNSR_META_STRING:
				if (json)
					print_json_string(((const char *const *)m->values)[k]);
				else
					fputs(((const char *const *)m->values)[k], stdout);
				break;
			}
		}
		fputs(m->is_array ? "]" : "", stdout);
	}
	fputs(json ? "}" : "\n", stdout);
}

static void print_member(const char *file, const tnsr_member_info *m, const tinfo_stats *s, const char *checksum,
			 const tnsr_meta *meta, size_t nmeta)
{
	char shape[1024];
	const char *dtype = tnsr_dtype_name(m->dtype);
	if (json) {
		fputs("{\"file\": ", stdout);
		print_json_string(file);
		fputs(", \"name\": ", stdout);
		if (m->name[0])
			print_json_string(m->name);
		else
			fputs("null", stdout);
		printf(", \"format\": \"%s\", \"dtype\": \"%s\", \"byteorder\": \"%c\", \"shape\": [", m->format, dtype,
		       m->byteorder);
		for (int i = 0; i < m->ndim; i++)
			printf("%s%lld", i ? ", " : "", (long long)m->shape[i]);
		printf("], \"order\": \"%c\", \"nbytes\": %llu, \"offset\": ", m->fortran_order ? 'F' : 'C',
		       (unsigned long long)m->nbytes);
		if (m->offset >= 0)
			printf("%lld", (long long)m->offset);
		else
			fputs("null", stdout);
		printf(", \"mappable\": %s, \"why_not_mappable\": ", m->mappable ? "true" : "false");
		if (m->mappable)
			fputs("null", stdout);
		else
			print_json_string(m->why_not_mappable);
		if (s)
			print_stats(s);
		if (checksum)
			printf(", \"checksum\": \"%s\"", checksum);
		if (nmeta)
			print_metadata(meta, nmeta);
		puts("}");
		return;
	}
	printf("%s%s%s: %s %s%s %s %c-order, %llu bytes", file, m->name[0] ? ":" : "", m->name, m->format, dtype,
	       m->byteorder == '>' ? " big-endian" : "", tnsr_shape_format(m->ndim, m->shape, shape, sizeof shape),
	       m->fortran_order ? 'F' : 'C', (unsigned long long)m->nbytes);
	if (m->offset >= 0)
		printf(" at offset %lld", (long long)m->offset);
	if (m->mappable)
		fputs(", zero-copy", stdout);
	else
		printf(", copied: %s", m->why_not_mappable);
	putchar('\n');
	if (s) {
		fputs("   ", stdout);
		print_stats(s);
		putchar('\n');
	}
	if (checksum && strcmp(checksum, "ok") == 0)
		puts("   checksums match");
	else if (checksum)
		printf("   no checksums stored (%s has none); sizes verified\n", m->format);
	if (nmeta)
		print_metadata(meta, nmeta);
}

/* --verify: "ok" when stored checksums match, "none" when the format stores none (its
 * sizes were checked on opening).  A stream is checked as its data is read through. */
static tnsr_status check(tnsr_reader *r, const tnsr_member_info *info, const char **result)
{
	tnsr_status st = tnsr_reader_verify(r);
	*result = st == TNSR_OK ? "ok" : "none";
	return st == TNSR_E_UNSUPPORTED ? TNSR_OK : st;
}

/* Describes every member of one input; false after printing its error. */
static bool describe(const char *path)
{
	tnsr_reader *r;
	tnsr_member_info info;
	tinfo_stats s;
	struct stat sb;
	/* CONTAINER:MEMBER describes that member alone. */
	bool one = strchr(path, ':') && stat(path, &sb) != 0;
	tnsr_status st = one ? tool_open_operand(path, &r, &info) : tnsr_reader_open(path, &r);
	if (st) {
		tool_warn("%s", tnsr_error_message());
		return false;
	}
	int n = 0;
	while (one ? n == 0 : !(st = tnsr_reader_next(r, &info))) {
		n++;
		const char *checksum = NULL;
		if (verify && (st = check(r, &info, &checksum)))
			break;
		if (stats && (st = tinfo_stats_compute(r, &info, &s)))
			break;
		/* Metadata belongs to the file: shown after its first member (with every one in JSON). */
		const tnsr_meta *meta = NULL;
		size_t nmeta = 0;
		if (tnsr_reader_metadata(r, &meta, &nmeta) || (!json && n > 1))
			nmeta = 0;
		print_member(tnsr_reader_name(r), &info, stats ? &s : NULL, checksum, meta, nmeta);
	}
	/* An empty container (np.savez() with no arrays) is valid: it lists nothing. */
	if (one && !st)
		st = TNSR_END;
	if (st == TNSR_END && n == 0 && !json)
		printf("%s: %s with no tensors\n", tnsr_reader_name(r), info.format);
	tnsr_reader_close(r);
	if (st && st != TNSR_END) {
		tool_warn("%s", tnsr_error_message());
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	tool_init("tinfo");
	tool_args a = tool_args_start(argc, argv, options);
	char **files = calloc((size_t)argc + 1, sizeof *files);
	int nfiles = 0, opt;
	while ((opt = tool_next(&a)) >= 0) {
		switch (opt) {
		case 0: files[nfiles++] = (char *)a.value; break;
		case OPT_JSON: json = true; break;
		case OPT_STATS: stats = true; break;
		case OPT_VERIFY: verify = true; break;
		case OPT_HELP: free(files); fputs(usage, stdout); tool_finish_stdout(); return 0;
		case OPT_VERSION: tool_version();
		}
	}
	if (nfiles == 0)
		files[nfiles++] = "-";
	bool ok = true;
	for (int i = 0; i < nfiles; i++) {
		ok &= describe(files[i]);
		fflush(stdout);
	}
	free(files);
	tool_finish_stdout();
	return ok ? 0 : 1;
}
