/* registry.c: the list of file formats.  A new format is one codec file and one line here. */
#include <string.h>

#include "codec.h"

const tnsr_codec *const tnsr_codecs[] = {
	&tnsr_codec_npy,
	&tnsr_codec_tnsr,
	&tnsr_codec_png, &tnsr_codec_pgm,
	&tnsr_codec_npz, &tnsr_codec_safetensors, /* safetensors has no magic: probed after those that have */
	&tnsr_codec_csv, &tnsr_codec_tsv, &tnsr_codec_txt, &tnsr_codec_raw, /* never probed: last */
	NULL,
};

const tnsr_codec *tnsr_codec_find(const char *name)
{
	for (const tnsr_codec *const *c = tnsr_codecs; *c; c++)
		if (strcmp((*c)->name, name) == 0 || strcmp((*c)->extension, name) == 0)
			return *c;
	return NULL;
}
