/*
 * mb.h - the tiny runtime shared by the multiboot v1 test kernels.
 *
 * Each kernel is one .c file that defines mb_name, mb_options and
 * mb_main(); the runtime (head.S, rt.c, console.c, trap.c, mbi.c,
 * cmdline.c) does the rest: GDT, IDT, COM1, reading the boot information,
 * options, and ending the run through the exit port.
 *
 * Exit protocol: mb_exit(code) writes the byte `code` to port 0xf4.
 * QEMU's isa-debug-exit then ends with status (code << 1) | 1; Pagoda
 * traps the port and stops the guest with that code.
 *
 * Context: pure declarations; the kernels run in 32-bit protected mode,
 * paging off, interrupts off, one CPU. mbi.c and cmdline.c are also built
 * into the host test (host_test.c).
 */
#ifndef MB_MB_H
#define MB_MB_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "errcode.h"
#include "multiboot.h"

/* mb_main()'s result and mb_exit()'s codes. */
#define MB_EXIT_PASS 0
#define MB_EXIT_FAIL 1	/* the check the kernel exists for failed */
#define MB_EXIT_SETUP 2 /* bad magic, unusable mbi, bad option, too little RAM */
#define MB_EXIT_TRAP 3	/* an exception nobody expected */

#define MB_EXIT_PORT 0xf4

/* --- provided by each kernel ------------------------------------------- */
extern const char mb_name[];		 /* "mb-touch": prefix of every line */
extern const char *const mb_options[]; /* keys it accepts, NULL-terminated */
/* mb_main: runs the kernel's checks; returns an MB_EXIT_* code. */
int mb_main(void);

/* --- the boot information, copied out of the loader's memory ------------ */
#define MB_CMDLINE_MAX 256
#define MB_NAME_MAX 64
#define MB_MMAP_MAX 32	     /* entries kept */
#define MB_MMAP_WALK_MAX 256 /* entries read at most: a bound for odd maps */

/* Oddities found while reading the mbi: bits of mb_boot.bad. */
#define MBI_BAD_CMDLINE BIT(0)	 /* address 0, past 4 GiB or into the kernel */
#define MBI_CMDLINE_TRUNC BIT(1) /* no NUL within MB_CMDLINE_MAX bytes */
#define MBI_BAD_MMAP BIT(2)	 /* mmap_addr/mmap_length unusable: map ignored */
#define MBI_BAD_MMAP_ENTRY BIT(3) /* size < 20 or past mmap_length: walk stopped */
#define MBI_MMAP_TRUNC BIT(4)	 /* more entries than MB_MMAP_MAX / WALK_MAX */
#define MBI_BAD_REGION BIT(5)	 /* addr + len wraps: entry skipped */
#define MBI_BAD_MEM BIT(6)	 /* mem_lower > 640 or mem_upper past 4 GiB */
#define MBI_BAD_NAME BIT(7)	 /* boot_loader_name unusable or truncated */

struct mb_region {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
};

struct mb_boot {
	uint32_t magic;
	uint32_t mbi_pa;
	uint32_t flags;	    /* multiboot_info.flags as given */
	uint32_t mem_lower; /* valid when flags & MULTIBOOT_INFO_MEMORY */
	uint32_t mem_upper;
	char cmdline[MB_CMDLINE_MAX]; /* "" when absent */
	char loader[MB_NAME_MAX];     /* boot_loader_name, "" when absent */
	uint32_t nr_mmap;	      /* entries kept in mmap[] */
	struct mb_region mmap[MB_MMAP_MAX];
	uint32_t bad; /* MBI_* bits */
};

/* A physical range [start, end): the kernel image, which the mbi must avoid. */
struct mb_span {
	uint32_t start;
	uint32_t end;
};

/*
 * mb_phys_read: copy @len bytes of physical memory at @pa into @dst.
 * Returns 0, or -EFAULT when the range cannot be read (host test only;
 * with paging off every 32-bit address reads something).
 */
int mb_phys_read(void *dst, uint32_t pa, uint32_t len);

/*
 * mbi_parse: fill @b from the loader's registers. Every address in the mbi
 * is bounds-checked (no wrap past 4 GiB, no overlap with @kernel) and
 * every walk is bounded. Returns 0 (oddities noted in b->bad), -EINVAL
 * for a wrong magic, or -EFAULT when the mbi itself is unreadable.
 */
int mbi_parse(uint32_t magic, uint32_t mbi_pa, struct mb_span kernel, struct mb_boot *b);
/*
 * mbi_ram_covers: true when [start, start + len) lies in one available
 * mmap entry (or, without a map, in the mem_upper range above 1 MiB) and
 * below 4 GiB. False when the mbi says nothing about memory.
 */
bool mbi_ram_covers(const struct mb_boot *b, uint64_t start, uint64_t len);

/* --- the kernel command line: "path key=value key=value ..." ------------ */
struct mb_token {
	const char *key;
	uint32_t key_len;
	const char *val; /* NULL when the token has no '=' */
	uint32_t val_len;
};

/*
 * mb_token_next: find the token at or after @p (separated by spaces or
 * control characters). Returns the position after it, or NULL at the end.
 */
const char *mb_token_next(const char *p, struct mb_token *t);
/*
 * mb_cmdline_find: the last token named @key (the last one wins, as in
 * Linux). Returns 0, or -ENOENT when there is none.
 */
int mb_cmdline_find(const char *cmdline, const char *key, struct mb_token *t);
/*
 * mb_parse_u32: a whole decimal or 0x-hex number of @len characters.
 * Returns 0, -EINVAL (empty, sign, junk) or -ERANGE (above 0xffffffff).
 */
int mb_parse_u32(const char *s, uint32_t len, uint32_t *out);

/* --- runtime services for the kernels (rt.c, console.c, trap.c) --------- */
extern struct mb_boot mb_boot;

/* mb_printf: %% %c %s %.*s %d %u %x, width, '0' and '-' flags, %llx for 64 bits. */
void mb_printf(const char *fmt, ...) __printf(1, 2);
/* mb_say: mb_printf with "<mb_name>: " in front. */
void mb_say(const char *fmt, ...) __printf(1, 2);
/* mb_console_flush: wait until COM1 has sent every byte (bounded wait). */
void mb_console_flush(void);
/* mb_exit: flush, write @code to the exit port, then halt for good. */
void __noreturn mb_exit(uint32_t code);

/*
 * mb_arg_u32: option @key as a number in [min, max], or @def when absent.
 * Returns 0, or -EINVAL (printed) when malformed or out of range.
 */
int mb_arg_u32(const char *key, uint32_t def, uint32_t min, uint32_t max, uint32_t *out);
/*
 * mb_arg_choice: index in @choices (NULL-terminated) of option @key's value,
 * 0 when absent. Returns 0, or -EINVAL (printed) for any other value.
 */
int mb_arg_choice(const char *key, const char *const choices[], uint32_t *idx);

/* mb_rdmsr_safe: 0 and *val, or -EIO when RDMSR raised #GP (caught, skipped). */
int mb_rdmsr_safe(uint32_t msr, uint64_t *val);
/* mb_load_idt: point IDTR at @base with @limit (mb-fault loads a broken one). */
void mb_load_idt(uint32_t base, uint16_t limit);

/* --- runtime internals ------------------------------------------------- */
#define MB_CS 0x08 /* flat 4 GiB code, set up by head.S */
#define MB_DS 0x10 /* flat 4 GiB data */
#define MB_NR_TRAPS 32
#define MB_TRAP_STUB_SIZE 16 /* head.S aligns each stub to this */

/* The stack as head.S's trap stubs leave it: pusha, vector, error, iret frame. */
struct mb_trap_frame {
	uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
	uint32_t vector;
	uint32_t error;
	uint32_t eip, cs, eflags;
};
static_assert(sizeof(struct mb_trap_frame) == 52, "trap frame matches head.S");

void mb_console_init(void);
void mb_outb(uint16_t port, uint8_t v);
void mb_trap_init(void);

#endif
