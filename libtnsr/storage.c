/* storage.c: refcounted bytes.  A heap block (64-byte aligned, for vector loads), a
 * file mapping (munmapped with its last reference) or a window into a parent. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

static tnsr_storage *storage_new(storage_kind kind)
{
	tnsr_storage *s = calloc(1, sizeof *s);
	if (!s) {
		tnsr_error(TNSR_E_NOMEM, "out of memory");
		return NULL;
	}
	atomic_init(&s->refcount, 1);
	s->kind = kind;
	return s;
}

tnsr_storage *tnsr_storage_alloc(size_t nbytes)
{
	/* Round up so that aligned_alloc's size rule holds; allocate at least one line so
	 * that a zero-size tensor still has a valid, distinct pointer. */
	size_t rounded = (nbytes + 63) & ~(size_t)63;
	if (rounded < nbytes) {
		tnsr_error(TNSR_E_NOMEM, "cannot allocate %zu bytes: size overflows", nbytes);
		return NULL;
	}
	tnsr_storage *s = storage_new(STORAGE_HEAP);
	if (!s)
		return NULL;
	/* Large blocks go on 2 MiB boundaries with transparent huge pages, as NumPy and
	 * PyTorch do: far fewer page faults when a big result is first written. */
	size_t align = rounded >= (4u << 20) ? (2u << 20) : 64;
	if (align > 64)
		rounded = (rounded + align - 1) & ~(align - 1);
	s->data = aligned_alloc(align, rounded ? rounded : 64);
	if (s->data && align > 64)
		madvise(s->data, rounded, MADV_HUGEPAGE);
	if (!s->data) {
		free(s);
		tnsr_error(TNSR_E_NOMEM, "cannot allocate %zu bytes: out of memory", nbytes);
		return NULL;
	}
	s->nbytes = nbytes;
	return s;
}

tnsr_storage *tnsr_storage_from_map(void *base, size_t len, void *data, size_t nbytes)
{
	tnsr_storage *s = storage_new(STORAGE_MAP);
	if (!s)
		return NULL;
	s->map_base = base;
	s->map_len = len;
	s->data = data;
	s->nbytes = nbytes;
	return s;
}

tnsr_storage *tnsr_storage_sub(tnsr_storage *parent, size_t offset, size_t nbytes)
{
	if (offset > parent->nbytes || nbytes > parent->nbytes - offset) {
		tnsr_error(TNSR_E_VALUE, "storage window [%zu, +%zu) outside %zu bytes", offset, nbytes,
			   parent->nbytes);
		return NULL;
	}
	tnsr_storage *s = storage_new(STORAGE_SUB);
	if (!s)
		return NULL;
	s->parent = tnsr_storage_retain(parent);
	s->data = (char *)parent->data + offset;
	s->nbytes = nbytes;
	return s;
}

tnsr_storage *tnsr_storage_retain(tnsr_storage *s)
{
	if (s)
		atomic_fetch_add_explicit(&s->refcount, 1, memory_order_relaxed);
	return s;
}

void tnsr_storage_release(tnsr_storage *s)
{
	if (!s || atomic_fetch_sub_explicit(&s->refcount, 1, memory_order_acq_rel) != 1)
		return;
	switch (s->kind) {
	case STORAGE_HEAP: free(s->data); break;
	case STORAGE_MAP: if (s->map_len) munmap(s->map_base, s->map_len); break;
	case STORAGE_SUB: tnsr_storage_release(s->parent); break;
	}
	free(s);
}

void *tnsr_storage_data(const tnsr_storage *s) { return s->data; }
size_t tnsr_storage_nbytes(const tnsr_storage *s) { return s->nbytes; }

bool tnsr_storage_is_mapped(const tnsr_storage *s)
{
	while (s->kind == STORAGE_SUB)
		s = s->parent;
	return s->kind == STORAGE_MAP;
}
