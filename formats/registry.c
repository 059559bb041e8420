/* registry.c: the list of file formats.  A new format is one codec file and one line here. */
#include <string.h>

#include "codec.h"

const tnsr_codec *const tnsr_codecs[] = {
	&tnsr_codec_npy,
	NULL,
};

const tnsr_codec *tnsr_codec_find(const char *name)
{
	for (const tnsr_codec *const *c = tnsr_codecs; *c; c++)
		if (strcmp((*c)->name, name) == 0 || strcmp((*c)->extension, name) == 0)
			return *c;
	return NULL;
}
