/* internal.h: what the library's own files share and the public header hides:
 * the storage object and small checked-arithmetic helpers. */
#ifndef TNSR_INTERNAL_H
#define TNSR_INTERNAL_H

#include <stdatomic.h>

#include "tnsr.h"

typedef enum storage_kind { STORAGE_HEAP, STORAGE_MAP, STORAGE_SUB } storage_kind;

struct tnsr_storage {
	atomic_int refcount;
	storage_kind kind;
	void *data;             /* first byte of the storage */
	size_t nbytes;
	void *map_base;         /* STORAGE_MAP: what to munmap */
	size_t map_len;
	tnsr_storage *parent;   /* STORAGE_SUB: kept alive while this lives */
};

/* A storage that owns the mapping [BASE, BASE+LEN) and exposes NBYTES at DATA. */
tnsr_storage *tnsr_storage_from_map(void *base, size_t len, void *data, size_t nbytes);

/* a*b into *out, false on overflow. */
static inline bool mul_overflows(size_t a, size_t b, size_t *out) { return __builtin_mul_overflow(a, b, out); }
static inline bool add_overflows(size_t a, size_t b, size_t *out) { return __builtin_add_overflow(a, b, out); }

/* The member that the last tnsr_reader_next described. */
const tnsr_member_info *tnsr_reader_current(const tnsr_reader *r);

#endif
