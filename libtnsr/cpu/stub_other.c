/* Temporary stubs so that the tree links while the kernels are written; deleted by
 * the engineer who implements them. */
#include "ops.h"

tnsr_status tnsr_run_matmul(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_linear(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_reshape(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_flatten(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_squeeze(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_unsqueeze(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_transpose(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_permute(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_expand(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_contiguous(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_slice(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_take(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_cat(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_stack(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_allclose(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
tnsr_status tnsr_run_equal(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args, tnsr_tensor **out)
{
	return tnsr_error(TNSR_E_UNSUPPORTED, "%s: not built yet", op->name);
}
