/* split.c: tconvert --split CONTAINER DIR writes each member as DIR/NAME.npy.  Member
 * names come from the file, so they are checked before anything is written: a name
 * may make subdirectories ("layer1/w" is DIR/layer1/w.npy, as np.savez stores such
 * keys) but never leave DIR. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tconvert.h"

/* Why NAME cannot be a path under DIR, or NULL when it can. */
static const char *unsafe(const char *name)
{
	if (!*name)
		return "it is empty (the input holds unnamed tensors; --split needs a container)";
	if (name[0] == '/')
		return "it is an absolute path";
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "it holds a control character";
		else if (*p == '\\')
			return "it holds a backslash";
	for (const char *part = name; part;) {
		const char *slash = strchr(part, '/');
		size_t n = slash ? (size_t)(slash - part) : strlen(part);
		if (n == 0)
			return "it has an empty path component ('//' or a trailing '/')";
		if ((n == 1 && part[0] == '.') || (n == 2 && part[0] == '.' && part[1] == '.'))
			return "it has a '.' or '..' component";
		if (n > NAME_MAX - 16)
			return "a path component is too long";
		part = slash ? slash + 1 : NULL;
	}
	return NULL;
}

/* mkdir -p for PATH's directory part: DIR and the components of a checked name. */
static void make_parents(char *path)
{
	for (char *p = path + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			tool_fail("%s: cannot create directory: %s", path, strerror(errno));
		*p = '/';
	}
}

void split_container(const conv_opts *o, const char *input, const char *dir)
{
	const tnsr_codec *codec;
	tnsr_status st = tnsr_codec_pick(NULL, o->to ? o->to : "npy", &codec);
	if (st)
		tool_die(st);
	if (codec->write_many)
		tool_usage_error("--split writes one file per member: --to %s is a container (use npy, safetensors ...)",
				 codec->name);
	tensor_list list = {0};
	gather_operand(o, input, &list, o->order);
	for (int i = 0; i < list.n; i++) {
		const char *why = unsafe(list.names[i] ? list.names[i] : "");
		if (why)
			tool_fail("%s: member '%s': unsafe name for --split: %s; nothing written", input,
				  list.names[i] ? list.names[i] : "", why);
	}
	tensor_list_finish(&list, input);
	size_t dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	struct stat sb;
	if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
		tool_fail("%s: exists and is not a directory", dir);
	for (int i = 0; i < list.n; i++) {
		char path[PATH_MAX];
		int n = snprintf(path, sizeof path, "%.*s/%s%s", (int)dlen, dir, list.names[i], codec->extension);
		if (n < 0 || (size_t)n >= sizeof path)
			tool_fail("%s: member '%s': the path under %s is too long", input, list.names[i], dir);
		make_parents(path);
		if ((st = tnsr_save(path, codec->name, list.tensors[i])))
			tool_die(st);
	}
	tensor_list_free(&list);
}
