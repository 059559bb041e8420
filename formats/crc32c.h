/* crc32c.h: CRC-32C (Castagnoli, RFC 3720), the checksum of the .tnsr format.
 * Hardware instructions where the CPU has them (x86-64 SSE4.2), a table-driven
 * version everywhere else; both give the same values. */
#ifndef TNSR_CRC32C_H
#define TNSR_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extends CRC (the CRC-32C of the bytes before; 0 to start) over N bytes of DATA and
 * returns the new value, so that crc(crc(0, a), b) == crc(0, a || b), as zlib's crc32
 * chains.  crc32c(0, "123456789", 9) == 0xe3069283.  Thread-safe. */
uint32_t tnsr_crc32c(uint32_t crc, const void *data, size_t n);

/* The table-driven version alone (for tests that compare it with the hardware one). */
uint32_t tnsr_crc32c_sw(uint32_t crc, const void *data, size_t n);

/* Whether tnsr_crc32c uses CPU instructions on this machine. */
int tnsr_crc32c_hw_available(void);

#endif
