/* half.c: the public scalar conversions of the 16-bit floats.  The rules themselves
 * are inline in half.h, where the conversion loops of convert.c also see them. */
#include "half.h"
#include "tnsr.h"

float tnsr_f16_to_f32(uint16_t h) { return half_f16_to_f32(h); }

uint16_t tnsr_f16_from_f64(double x) { return half_f16_from_f64(x); }

float tnsr_bf16_to_f32(uint16_t h) { return half_bf16_to_f32(h); }

uint16_t tnsr_bf16_from_f64(double x) { return half_bf16_from_f64(x); }
