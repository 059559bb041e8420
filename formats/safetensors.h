/* safetensors.h: what the safetensors codec's two files share: the dtype table in the
 * reference implementation's order, and the parsed, validated header
 * (safetensors_header.c parses it; safetensors.c reads and writes files). */
#ifndef TNSR_SAFETENSORS_H
#define TNSR_SAFETENSORS_H

#include "tnsr.h"

/* The reference implementation's header size cap. */
#define TNSR_ST_MAX_HEADER 100000000
#define TNSR_ST_METADATA_KEY "__metadata__"

/* A safetensors dtype: its name, tnsr's dtype, and its place in the reference's Dtype
 * enum (files sort tensors by it, largest first). */
typedef struct tnsr_st_dtype {
	const char *name;
	tnsr_dtype dtype;
	int rank;
} tnsr_st_dtype;

/* The row of DTYPE; NULL for a dtype safetensors lacks (complex). */
const tnsr_st_dtype *tnsr_st_dtype_of(tnsr_dtype dtype);

typedef struct tnsr_st_tensor {
	char *name;
	tnsr_dtype dtype;
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	uint64_t begin, end, nbytes; /* data_offsets, relative to the data section */
} tnsr_st_tensor;

typedef struct tnsr_st_header {
	tnsr_st_tensor *tensors; /* sorted by data_offsets */
	size_t count;
	tnsr_meta *meta;         /* "__metadata__": string pairs */
	size_t nmeta;
} tnsr_st_header;

/* Parses and validates the N header bytes TEXT of FILE into H (zeroed by the caller):
 * UTF-8, the JSON subset, dtypes, unique names, dtype x shape == END - BEGIN, and the
 * sorted offsets tiling the DATA_SIZE bytes of the data section (UINT64_MAX: unknown,
 * a stream).  TNSR_E_FORMAT "FILE: header: byte K: ..." or "FILE: tensor 'x': ...";
 * free H with tnsr_st_header_free either way. */
tnsr_status tnsr_st_parse_header(const char *file, const char *text, size_t n, uint64_t data_size, tnsr_st_header *h);
void tnsr_st_header_free(tnsr_st_header *h);

#endif
