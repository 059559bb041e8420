/* tnsr.c: the native .tnsr format's codec (formats/tnsr.md is its specification):
 * the codec table, and what its reader (tnsr_read.c) and writer (tnsr_write.c) share:
 * UTF-8 validation of names and keys, quoting them in messages, reserved dtype codes. */
#include <stdio.h>

#include "tnsr_layout.h"

const char *const tnsr_reserved_dtype_names[TNSR_CODE_RESERVED_LAST - TNSR_CODE_RESERVED_FIRST + 1] = {
	"float8_e3m4",     "float8_e4m3",   "float8_e4m3b11fnuz", "float8_e4m3fn",
	"float8_e4m3fnuz", "float8_e5m2",   "float8_e5m2fnuz",    "float8_e8m0fnu",
	"float6_e2m3fn",   "float6_e3m2fn", "float4_e2m1fn",
};

bool tnsr_utf8_valid(const unsigned char *s, size_t n, size_t *at)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t len;
		uint32_t cp, min;
		if (c == 0) {
			*at = i;
			return false;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07, min = 0x10000;
		else {
			*at = i;
			return false;
		}
		if (len > n - i) {
			*at = i;
			return false;
		}
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				*at = i;
				return false;
			}
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			*at = i;
			return false;
		}
		i += len;
	}
	return true;
}

char *tnsr_quote(const unsigned char *s, size_t n, char *buf, size_t size)
{
	size_t at, shown = n > 64 ? 64 : n;
	bool utf8 = tnsr_utf8_valid(s, n, &at);
	while (utf8 && shown < n && (s[shown] & 0xc0) == 0x80) /* do not cut a character */
		shown--;
	size_t used = (size_t)snprintf(buf, size, "'");
	for (size_t i = 0; i < shown && used + 6 < size; i++) {
		unsigned char c = s[i];
		bool plain = (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') || (utf8 && c >= 0x80);
		used += (size_t)snprintf(buf + used, size - used, plain ? "%c" : "\\x%02x", c);
	}
	snprintf(buf + used, size - used, "%s'", shown < n ? "..." : "");
	return buf;
}

const tnsr_codec tnsr_codec_tnsr = {
	.name = "tnsr",
	.extension = ".tnsr",
	.probe = tnsr_fmt_probe,
	.next = tnsr_fmt_next,
	.read = tnsr_fmt_read,
	.close = tnsr_fmt_close,
	.write = tnsr_fmt_write,
	.stream_begin = tnsr_fmt_stream_begin,
	.stream_data = tnsr_fmt_stream_data,
	.stream_end = tnsr_fmt_stream_end,
	.verify = tnsr_fmt_verify,
	.write_many = tnsr_fmt_write_many,
	.metadata = tnsr_fmt_metadata,
	.owns_end = true,
};
