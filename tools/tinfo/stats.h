/* stats.h: summary statistics of a tensor's data, computed in one streamed pass with
 * bounded memory (the data is read in chunks, never mapped whole). */
#ifndef TINFO_STATS_H
#define TINFO_STATS_H

#include "tnsr.h"

typedef struct tinfo_stats {
	int64_t count;      /* values that entered min/max/mean/std (finite ones) */
	double min, max;    /* over finite values; for complex, over |x| */
	double mean, std;   /* std with correction 1, as torch.std; NaN when count < 2 */
	int64_t nan, inf;
	bool exact_int;     /* min/max below are exact integers */
	int64_t imin, imax; /* integer dtypes other than u64 */
	uint64_t umin, umax; /* u64 */
} tinfo_stats;

/* Reads the rest of the current member of R and summarises it into *S. */
tnsr_status tinfo_stats_compute(tnsr_reader *r, const tnsr_member_info *info, tinfo_stats *s);

#endif
