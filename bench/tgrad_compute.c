/* tgrad_compute.c: the compute part of tgrad alone, for bench/tgrad.py: parses EXPR, binds
 * NAME=FILE.npy inputs (mapped), and times forward + backward (tnsr_graph_eval and
 * tnsr_graph_backward w.r.t. the names in WRT) REPS times after one warm-up, printing one
 * time in seconds per line.  The PyTorch side is timed the same way in its process.
 *
 *   tgrad_compute REPS 'mean((X @ W.T + b - Y)**2)' W,b X=X.npy W=W.npy b=b.npy Y=Y.npy
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tnsr.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "tgrad_compute: %s: %s\n", what, tnsr_error_message());
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: tgrad_compute REPS EXPR WRT[,WRT...] NAME=FILE.npy...\n");
		return 2;
	}
	int reps = atoi(argv[1]), nbind = argc - 4, nwrt = 0;
	const char *expr = argv[2], *wrt[32];
	char wrt_text[1024];
	snprintf(wrt_text, sizeof wrt_text, "%s", argv[3]);
	for (char *save = NULL, *w = strtok_r(wrt_text, ",", &save); w && nwrt < 32; w = strtok_r(NULL, ",", &save))
		wrt[nwrt++] = w;
	tnsr_tensor *values[64];
	char names[64][64];
	for (int i = 0; i < nbind && i < 64; i++) {
		const char *eq = strchr(argv[4 + i], '=');
		if (!eq)
			die(argv[4 + i]);
		snprintf(names[i], sizeof names[i], "%.*s", (int)(eq - argv[4 + i]), argv[4 + i]);
		if (tnsr_load(eq + 1, &values[i]))
			die(eq + 1);
	}
	for (int r = 0; r <= reps; r++) {
		tnsr_graph *g = tnsr_graph_new();
		int node, column;
		tnsr_tensor *out, *grads[32];
		double t = now();
		if (tnsr_expr_parse(expr, g, &node, &column))
			die("parse");
		for (int i = 0; i < nbind; i++)
			if (tnsr_graph_bind(g, names[i], values[i]))
				die(names[i]);
		if (tnsr_graph_eval(g, node, &out) || tnsr_graph_backward(g, node, NULL, wrt, nwrt, grads))
			die("compute");
		double dt = now() - t;
		if (r) /* the first round warms up (page faults of the mapped inputs, thread pools) */
			printf("%.9f\n", dt);
		tnsr_tensor_free(out);
		for (int j = 0; j < nwrt; j++)
			tnsr_tensor_free(grads[j]);
		tnsr_graph_free(g);
	}
	for (int i = 0; i < nbind; i++)
		tnsr_tensor_free(values[i]);
	return 0;
}
