/*
 * rt.c - the kernels' C entry, options and exit.
 *
 * mb_c_entry() sets up COM1 and the IDT, checks the multiboot magic,
 * copies the boot information (mbi.c), warns about anything odd in it or
 * in the options, runs the kernel's mb_main() and exits with its result.
 *
 * Context: 32-bit protected mode, paging off, interrupts off.
 */
#include "mb.h"

/* linker.ld */
extern const char __image_start[], __image_end[];

struct mb_boot mb_boot;

void __noreturn mb_c_entry(uint32_t magic, uint32_t mbi_pa);

static const struct {
	uint32_t bit;
	const char *text;
} mbi_warnings[] = {
	{ MBI_BAD_CMDLINE, "cmdline address unusable" },
	{ MBI_CMDLINE_TRUNC, "cmdline truncated" },
	{ MBI_BAD_MMAP, "mmap_addr/mmap_length unusable: memory map ignored" },
	{ MBI_BAD_MMAP_ENTRY, "bad memory map entry: rest of the map ignored" },
	{ MBI_MMAP_TRUNC, "memory map too long: truncated" },
	{ MBI_BAD_REGION, "memory map entry wraps: skipped" },
	{ MBI_BAD_MEM, "mem_lower/mem_upper out of range" },
	{ MBI_BAD_NAME, "boot_loader_name unusable" },
};

int mb_phys_read(void *dst, uint32_t pa, uint32_t len)
{
	const volatile uint8_t *src = (const volatile uint8_t *)(uintptr_t)pa;
	uint8_t *d = dst;

	while (len--)
		*d++ = *src++;
	return 0;
}

void mb_exit(uint32_t code)
{
	mb_say("exit %u\n", code);
	mb_console_flush();
	mb_outb(MB_EXIT_PORT, (uint8_t)code);
	mb_say("exit port 0x%x had no effect; halting\n", MB_EXIT_PORT);
	mb_console_flush();
	for (;;)
		asm volatile("cli; hlt");
}

/* Returns true when @key is in the kernel's mb_options. */
static bool known_option(const struct mb_token *t)
{
	for (const char *const *o = mb_options; *o; o++) {
		uint32_t i = 0;

		while (i < t->key_len && (*o)[i] == t->key[i])
			i++;
		if (i == t->key_len && (*o)[i] == '\0')
			return true;
	}
	return false;
}

/* Warns about key=value tokens the kernel does not know: likely typos. */
static void warn_unknown_options(void)
{
	const char *p = mb_boot.cmdline;
	struct mb_token t;

	while ((p = mb_token_next(p, &t)))
		if (t.val && !known_option(&t))
			mb_say("ignoring unknown option '%.*s'\n", (int)(p - t.key), t.key);
}

static void report_mbi_warnings(void)
{
	for (uint32_t i = 0; i < ARRAY_SIZE(mbi_warnings); i++)
		if (mb_boot.bad & mbi_warnings[i].bit)
			mb_say("mbi: %s\n", mbi_warnings[i].text);
}

void mb_c_entry(uint32_t magic, uint32_t mbi_pa)
{
	struct mb_span kernel = { (uint32_t)(uintptr_t)__image_start,
				  (uint32_t)(uintptr_t)__image_end };
	int err;

	mb_console_init();
	mb_trap_init();
	err = mbi_parse(magic, mbi_pa, kernel, &mb_boot);
	if (err == -EINVAL) {
		mb_say("bad multiboot magic eax=0x%08x (want 0x%08x)\n", magic,
		       MULTIBOOT_BOOTLOADER_MAGIC);
		mb_exit(MB_EXIT_SETUP);
	}
	if (err) {
		mb_say("mbi at 0x%08x unreadable or overlaps the kernel 0x%08x-0x%08x\n", mbi_pa,
		       kernel.start, kernel.end);
		mb_exit(MB_EXIT_SETUP);
	}
	report_mbi_warnings();
	warn_unknown_options();
	mb_exit((uint32_t)mb_main());
}

/* Finds option @key: 0, -ENOENT when absent, -EINVAL when it has no '='. */
static int find_value(const char *key, struct mb_token *t)
{
	int err = mb_cmdline_find(mb_boot.cmdline, key, t);

	return !err && !t->val ? -EINVAL : err;
}

int mb_arg_u32(const char *key, uint32_t def, uint32_t min, uint32_t max, uint32_t *out)
{
	struct mb_token t;
	int err = find_value(key, &t);

	if (err == -ENOENT) {
		*out = def;
		return 0;
	}
	if (!err)
		err = mb_parse_u32(t.val, t.val_len, out);
	if (!err && (*out < min || *out > max))
		err = -ERANGE;
	if (err) {
		mb_say("bad option %s: want a number in %u..%u (0x for hex)\n", key, min, max);
		return -EINVAL;
	}
	return 0;
}

/* True when the token's value is exactly @s. */
static bool value_is(const struct mb_token *t, const char *s)
{
	uint32_t i = 0;

	while (i < t->val_len && s[i] == t->val[i])
		i++;
	return i == t->val_len && s[i] == '\0';
}

int mb_arg_choice(const char *key, const char *const choices[], uint32_t *idx)
{
	struct mb_token t;
	int err = find_value(key, &t);

	*idx = 0;
	if (err == -ENOENT)
		return 0;
	for (uint32_t i = 0; !err && choices[i]; i++)
		if (value_is(&t, choices[i])) {
			*idx = i;
			return 0;
		}
	mb_say("bad option %s: want one of", key);
	for (uint32_t i = 0; choices[i]; i++)
		mb_printf(" %s", choices[i]);
	mb_printf("\n");
	return -EINVAL;
}
