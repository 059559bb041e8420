/* error.c: the error model.  Library functions return a tnsr_status and leave one line
 * "WHAT: WHY" in a thread-local buffer; the tools print it as "TOOL: WHAT: WHY". */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tnsr.h"

static _Thread_local char message[1024];

const char *tnsr_error_message(void) { return message; }

tnsr_status tnsr_error(tnsr_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	return status;
}

tnsr_status tnsr_error_prefix(tnsr_status status, const char *prefix)
{
	size_t n = strlen(prefix), m = strlen(message);
	/* Do not name the same file twice when an inner layer already did. */
	if (strncmp(message, prefix, n) == 0 && message[n] == ':')
		return status;
	if (n + 3 > sizeof message)
		n = sizeof message - 3;
	if (n + 2 + m >= sizeof message)
		m = sizeof message - n - 3;
	memmove(message + n + 2, message, m);
	message[n + 2 + m] = 0;
	memcpy(message, prefix, n);
	message[n] = ':';
	message[n + 1] = ' ';
	return status;
}
