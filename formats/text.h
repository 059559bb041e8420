/* text.h: reading csv, tsv and txt, which have no magic bytes to be probed by: the
 * caller names the format (tconvert --from, or the input's extension). */
#ifndef TNSR_TEXT_H
#define TNSR_TEXT_H

#include "tnsr.h"

/* The tensor in the rest of SRC, text in FORMAT ("csv", "tsv" or "txt", with or without
 * the dot) as np.loadtxt reads it with that format's delimiter (txt: any run of spaces
 * and tabs) and dtype DTYPE: '#' comments and blank lines skipped, every row the same
 * number of values, and the result squeezed as loadtxt's default ndmin=0 does (one row
 * or one column gives 1-D, one value 0-d, no value shape (0,)).  Values are parsed for
 * DTYPE directly (integers exactly, floats correctly rounded); an integer dtype also
 * takes integral floats such as "3.000000000000000000e+00", as NumPy 1.24 does.
 * TNSR_E_FORMAT with "NAME: line L, column C: ..." for a value that does not parse or
 * fit, "NAME: line L has N values, line K has M ..." for ragged rows; TNSR_E_USAGE for
 * an unknown FORMAT.  SRC stays the caller's. */
tnsr_status tnsr_text_read(tnsr_source *src, const char *format, tnsr_dtype dtype, tnsr_tensor **out);

/* Formats the value of DTYPE at P as the text writers do into BUF (at least 96 bytes),
 * returning its length: integers in decimal, bool as 1 or 0, floats with the fewest
 * digits that read back as the same value of DTYPE, laid out as Python's repr()
 * ("0.1", "100.0", "1e-05", "1.5e+16", "nan", "-inf"), complex as "(1.0-2.5j)". */
int tnsr_text_format_value(char *buf, tnsr_dtype dtype, const void *p);

#endif
