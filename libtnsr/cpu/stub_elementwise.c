/* Temporary stubs so that the tree links while the kernels are written; deleted by
 * the engineer who implements them. */
#include "ops.h"

const struct tnsr_ew_desc tnsr_ew_descs[TNSR_EW_COUNT];
tnsr_status tnsr_ew_plan_make(const tnsr_op *op, int n, const tnsr_tensor *const *in, const tnsr_op_args *args, tnsr_ew_plan *plan)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_dtype tnsr_promote_types(tnsr_dtype a, tnsr_dtype b) { return a > b ? a : b; }
tnsr_dtype tnsr_result_type(int n, const tnsr_tensor *const *operands) { return operands[0]->dtype; }
tnsr_status tnsr_tensor_scalar(tnsr_dtype dtype, double re, double im, tnsr_tensor **out)
{
	tnsr_status st = tnsr_tensor_zeros(TNSR_C128, 0, NULL, out);
	if (!st) { ((double *)tnsr_tensor_data(*out))[0] = re; ((double *)tnsr_tensor_data(*out))[1] = im; }
	tnsr_tensor *t; if (!st && !(st = tnsr_tensor_cast(*out, dtype, &t))) { tnsr_tensor_free(*out); *out = t; (*out)->wrapped = true; }
	return st;
}
tnsr_status tnsr_tensor_scalar_i64(int64_t value, tnsr_tensor **out)
{
	tnsr_status st = tnsr_tensor_zeros(TNSR_I64, 0, NULL, out);
	if (!st) { *(int64_t *)tnsr_tensor_data(*out) = value; (*out)->wrapped = true; }
	return st;
}
tnsr_status tnsr_broadcast_shapes(int ndim_a, const int64_t *shape_a, int ndim_b, const int64_t *shape_b, int *ndim, int64_t *shape)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "broadcast: not built yet");
}
tnsr_status tnsr_run_elementwise(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
