/*
 * guest.c - choosing the guest among the boot modules.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "guest: " fmt
#include "errcode.h"
#include "guest.h"
#include "lib.h"
#include "log.h"

struct kind_name {
	const char *word;
	enum guest_kind kind;
};

/* The type word of a module string, and what it is. "initrd" is not a guest kind. */
static const struct kind_name kinds[] = {
	{ "linux", GUEST_LINUX },
	{ "multiboot", GUEST_MULTIBOOT },
	{ "initrd", GUEST_NONE },
};

/* type_word: does the module string start with word (followed by space or end)? */
static const char *type_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(s, word, n) || (s[n] && s[n] != ' '))
		return NULL;
	s += n;
	while (*s == ' ')
		s++;
	return s;
}

static int take_module(const struct boot_module *m, unsigned int i, struct guest_image *img)
{
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		const char *rest = type_word(m->name, kinds[k].word);
		if (!rest)
			continue;
		if (kinds[k].kind == GUEST_NONE) {
			/* Taking the last one silently would boot with an initrd the
			 * user did not mean; say which module is in the way. */
			if (img->initrd) {
				pr_err("module %u: a second initrd (module %u is one already)\n", i,
				       img->initrd_mod);
				return -EINVAL;
			}
			img->initrd = hpa_to_ptr(m->start);
			img->initrd_len = m->end.v - m->start.v;
			img->initrd_mod = i;
			return 0;
		}
		if (img->kind != GUEST_NONE) {
			pr_err("module %u: a second guest kernel; only one guest runs\n", i);
			return -EINVAL;
		}
		img->kind = kinds[k].kind;
		img->image = hpa_to_ptr(m->start);
		img->image_len = m->end.v - m->start.v;
		img->cmdline = rest;
		img->image_mod = i;
		return 0;
	}
	pr_err("module %u '%.40s': unknown type (the string must start with linux, "
	       "initrd or multiboot)\n", i, m->name);
	return -EINVAL;
}

int guest_select(const struct boot_info *bi, struct guest_image *img)
{
	int err;

	*img = (struct guest_image){ .kind = GUEST_NONE, .cmdline = "" };
	for (unsigned int i = 0; i < bi->nr_mods; i++) {
		err = take_module(&bi->mods[i], i, img);
		if (err)
			return err;
	}
	if (img->initrd && img->kind != GUEST_LINUX) {
		pr_err("module %u: an initrd needs a linux module\n", img->initrd_mod);
		return -EINVAL;
	}
	return 0;
}
