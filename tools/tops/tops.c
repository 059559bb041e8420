/* tops: operate on tensors.  Parses the command line into a chain of steps from the op
 * table, opens the input (a pipe is read once, a file mapped), and lets the library's
 * chain evaluator stream what it can; writes, prints or checks the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tops.h"

/* The device named by --device or $TNSR_DEVICE: only the CPU exists in this build. */
static void check_device(void)
{
	const char *d = getenv("TNSR_DEVICE");
	if (!d || !*d || strcmp(d, "cpu") == 0 || strcmp(d, "auto") == 0)
		return;
	if (strcmp(d, "cuda") == 0)
		tool_fail("--device cuda: no usable GPU: this build of tnsr has no CUDA backend (use --device cpu or auto)");
	tool_usage_error("--device '%s': unknown device (expected cpu, cuda or auto)", d);
}

/* Where each step's running value goes, and its other operands loaded. */
static void build_step(const tops_segment *seg, int index, tnsr_step *step, const char **input_path)
{
	const tnsr_op *op = seg->op;
	int given = seg->noperands, dash = -1;
	for (int k = 0; k < given; k++)
		if (!seg->operands[k].number && strcmp(seg->operands[k].text, "-") == 0) {
			if (dash >= 0)
				tool_usage_error("%s: '-' listed twice: standard input is read once", op->name);
			dash = k;
		}
	bool variadic = op->max_inputs < 0;
	int running, nin;
	if (dash >= 0) {
		running = dash;
		nin = given;
	} else if (given == op->min_inputs - 1 || (variadic && given == 1)) {
		running = 0; /* the input comes first */
		nin = given + 1;
	} else if (index == 0 && given >= op->min_inputs) {
		/* Everything given: the first file is the input, streamed when it can be. */
		running = 0;
		for (int k = 0; k < given; k++)
			if (!seg->operands[k].number) {
				running = k;
				break;
			}
		nin = given;
	} else if (index > 0) {
		tool_usage_error("%s: after 'then' takes the previous result and %d operand%s more, got %d", op->name,
				 op->min_inputs - 1, op->min_inputs == 2 ? "" : "s", given);
	} else {
		tool_usage_error("%s: needs %d operand%s (usage: tops %s %s), got %d and standard input", op->name,
				 op->min_inputs, op->min_inputs == 1 ? "" : "s", op->name, op->usage, given);
	}
	if (!variadic && nin > op->max_inputs)
		tool_usage_error("%s: takes %d operand%s (usage: tops %s %s), got %d", op->name, op->max_inputs,
				 op->max_inputs == 1 ? "" : "s", op->name, op->usage, given);
	step->op = op;
	step->args = seg->args;
	step->nin = nin + (seg->bias != NULL);
	step->running = running;
	step->operands = calloc((size_t)step->nin, sizeof *step->operands);
	bool inserted = given < nin;
	for (int k = 0, j = 0; k < nin; k++) {
		if (k == running && inserted)
			continue;
		const tops_operand *o = &seg->operands[j++];
		if (k == running) {
			if (index == 0 && !o->number)
				*input_path = o->text;
			else
				step->operands[k] = o->number; /* a number as the input: nothing to stream */
			continue;
		}
		step->operands[k] = o->number ? o->number : tool_load(o->text);
	}
	if (seg->bias)
		step->operands[nin] = tool_load(seg->bias);
}

/* allclose/equal: print the differences, exit by whether they hold. */
static _Noreturn void report_check(const tnsr_tensor *r)
{
	const double *v = tnsr_tensor_data(r);
	printf("max abs diff %.6g, max rel diff %.6g\n", v[1], v[2]);
	tool_finish_stdout();
	exit(v[0] != 0 ? 0 : 1);
}

/* Frees what main holds; the process ends right after, but a clean exit keeps the
 * leak checker's reports meaningful. */
static void release(tops_command *cmd, tnsr_step *steps, tnsr_reader *reader, tnsr_tensor *result)
{
	for (int i = 0; i < cmd->nsegments; i++) {
		tops_segment *seg = &cmd->segments[i];
		for (int k = 0; k < steps[i].nin; k++) {
			tnsr_tensor *t = steps[i].operands[k];
			bool is_number = false;
			for (int j = 0; j < seg->noperands; j++)
				is_number |= seg->operands[j].number == t;
			if (!is_number)
				tnsr_tensor_free(t);
		}
		for (int j = 0; j < seg->noperands; j++)
			tnsr_tensor_free(seg->operands[j].number);
		free(steps[i].operands);
	}
	free(steps);
	free(cmd->segments);
	tnsr_reader_close(reader);
	tnsr_tensor_free(result);
}

int main(int argc, char **argv)
{
	tool_init("tops");
	if (argc > 1 && strcmp(argv[1], "eval") == 0)
		return tops_eval(argc - 1, argv + 1);
	tops_command cmd;
	tops_parse(argc, argv, &cmd);
	check_device();
	tnsr_step *steps = calloc((size_t)cmd.nsegments, sizeof *steps);
	const char *input_path = "-";
	for (int i = 0; i < cmd.nsegments; i++) {
		build_step(&cmd.segments[i], i, &steps[i], &input_path);
		if (cmd.segments[i].op->group == TNSR_GROUP_CHECK && i != cmd.nsegments - 1)
			tool_usage_error("%s: a check must be the last op of a chain", cmd.segments[i].op->name);
	}
	/* The chain's input: a number given as the first step's input, or a file / stdin. */
	tnsr_tensor *input_tensor = steps[0].operands[steps[0].running];
	tnsr_reader *reader = NULL;
	tnsr_member_info info;
	tnsr_status st;
	if (!input_tensor) {
		if ((st = tool_open_operand(input_path, &reader, &info)))
			tool_die(st);
	}
	bool check = cmd.segments[cmd.nsegments - 1].op->group == TNSR_GROUP_CHECK;
	tnsr_tensor *result = NULL;
	tnsr_chain_output out = {0};
	if (cmd.inplace) {
		if (check || !reader)
			tool_usage_error("--inplace: needs an input file and elementwise ops");
		for (int i = 0; i < cmd.nsegments; i++)
			if (!cmd.segments[i].op->ew)
				tool_usage_error("--inplace: %s is not elementwise: only elementwise ops can write in place",
						 cmd.segments[i].op->name);
		tnsr_tensor *target;
		if ((st = tnsr_map_writable(input_path, &info, &target)))
			tool_die(st);
		tnsr_reader_close(reader);
		reader = NULL;
		out.into = target;
		st = tnsr_chain_run(steps, cmd.nsegments, NULL, target, &out);
		tnsr_tensor_free(target);
		if (st)
			tool_die(st);
		release(&cmd, steps, reader, NULL);
		return 0;
	}
	if (check || (!cmd.output.path && isatty(1))) {
		out.result = &result;
		if ((st = tnsr_chain_run(steps, cmd.nsegments, reader, input_tensor, &out)))
			tool_die(st);
		if (check)
			report_check(result);
		tool_output o = {0};
		tool_write(&o, result);
		release(&cmd, steps, reader, result);
		return 0;
	}
	tnsr_sink *sink;
	if ((st = tnsr_sink_open(cmd.output.path, &sink)))
		tool_die(st);
	out.sink = sink;
	const char *env = getenv("TNSR_FORMAT");
	out.format = cmd.output.format ? cmd.output.format : !cmd.output.path && env && *env ? env : NULL;
	if ((st = tnsr_chain_run(steps, cmd.nsegments, reader, input_tensor, &out))) {
		tnsr_sink_abort(sink);
		tool_die(st);
	}
	if ((st = tnsr_sink_commit(sink)))
		tool_die(st);
	release(&cmd, steps, reader, NULL);
	return 0;
}
