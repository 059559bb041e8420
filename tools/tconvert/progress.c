/* progress.c: tconvert's progress bar, "tconvert: [#####     ] 48% 1.2/2.5 GB", drawn
 * on stderr with \r when stderr is a terminal and the conversion is large; never in a
 * pipe, never with -q.  The line is cleared at the end. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "tconvert.h"

enum { BAR = 30 };
#define LARGE ((uint64_t)64 << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Bytes in decimal units with one decimal, as a pair that shares the larger's unit. */
static void draw(progress *p, int permille)
{
	static const struct { double scale; const char *unit; } units[] = {
		{1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}, {1, "B"},
	};
	size_t u = 0;
	while (u + 1 < sizeof units / sizeof *units && (double)p->total < units[u].scale)
		u++;
	char bar[BAR + 1];
	int filled = permille * BAR / 1000;
	for (int i = 0; i < BAR; i++)
		bar[i] = i < filled ? '#' : ' ';
	bar[BAR] = 0;
	fprintf(stderr, "\r%s: [%s] %3d%% %.1f/%.1f %s", tool_name, bar, permille / 10,
		(double)p->done / units[u].scale, (double)p->total / units[u].scale, units[u].unit);
	fflush(stderr);
	p->shown = permille;
	p->last = now();
}

void progress_start(progress *p, uint64_t total, bool quiet)
{
	*p = (progress){.on = !quiet && total > LARGE && isatty(2), .total = total, .shown = -1};
	if (p->on)
		draw(p, 0);
}

void progress_add(progress *p, uint64_t n)
{
	if (!p->on)
		return;
	p->done += n;
	int permille = p->total ? (int)(p->done * 1000 / p->total) : 1000;
	/* Redraw at most ten times a second, and on every new percent. */
	if (permille / 10 != p->shown / 10 || now() - p->last > 0.1)
		draw(p, permille);
}

void progress_end(progress *p)
{
	if (!p->on)
		return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	p->on = false;
}
