/* Temporary stubs so that the tree links while the kernels are written; deleted by
 * the engineer who implements them. */
#include "ops.h"

const struct tnsr_reduce_desc tnsr_reduce_descs[TNSR_RED_COUNT];
tnsr_status tnsr_reduce_begin(const tnsr_op *op, const tnsr_op_args *args, tnsr_dtype dtype, int ndim, const int64_t *shape, tnsr_reduce_state **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_reduce_feed(tnsr_reduce_state *st, const void *data, int64_t start, int64_t n) { return TNSR_E_UNSUPPORTED; }
tnsr_status tnsr_reduce_end(tnsr_reduce_state *st, tnsr_tensor **out) { return TNSR_E_UNSUPPORTED; }
void tnsr_reduce_free(tnsr_reduce_state *st) {}
tnsr_status tnsr_run_reduce(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_softmax(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_log_softmax(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
