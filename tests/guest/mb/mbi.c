/*
 * mbi.c - read the multiboot v1 boot information without trusting it.
 *
 * The mbi, the command line, the loader name and the memory map are
 * copied into struct mb_boot before any test runs, so mb-touch may then
 * overwrite the loader's memory. Every address is checked (not 0, no wrap
 * past 4 GiB, no overlap with the kernel image) and every walk bounded,
 * so an odd or hostile mbi gives a line saying what was wrong, never a
 * hang or a write into ourselves.
 *
 * Context: pure, host-testable (memory is read only through
 * mb_phys_read()).
 */
#include "mb.h"

#define FOUR_GIB (1ULL << 32)
#define ONE_MIB (1ULL << 20)
#define MEM_LOWER_MAX 640 /* KiB: conventional memory ends at 640 KiB */

/* True when [pa, pa + len) is a non-empty range below 4 GiB, at a nonzero
 * address and outside the kernel image. */
static bool range_ok(uint32_t pa, uint32_t len, struct mb_span kernel)
{
	uint64_t end = (uint64_t)pa + len;

	if (pa == 0 || len == 0 || end > FOUR_GIB)
		return false;
	return end <= kernel.start || pa >= kernel.end;
}

/*
 * Copies the NUL-terminated string at @pa into @buf (size @size). Returns
 * 0, -EFAULT when a byte is unreadable (buf holds what came before it) or
 * -E2BIG when no NUL came within size - 1 bytes (buf is truncated).
 */
static int copy_string(uint32_t pa, char *buf, uint32_t size, struct mb_span kernel)
{
	for (uint32_t i = 0; i < size - 1; i++) {
		buf[i] = '\0';
		if ((uint64_t)pa + i >= FOUR_GIB || !range_ok(pa + i, 1, kernel) ||
		    mb_phys_read(&buf[i], pa + i, 1))
			return -EFAULT;
		if (buf[i] == '\0')
			return 0;
	}
	buf[size - 1] = '\0';
	return -E2BIG;
}

/* Keeps one available-or-not region; entries whose end wraps are skipped. */
static void add_region(struct mb_boot *b, const struct multiboot_mmap_entry *e)
{
	struct mb_region *r;

	if (e->addr + e->len < e->addr) {
		b->bad |= MBI_BAD_REGION;
		return;
	}
	if (b->nr_mmap == MB_MMAP_MAX) {
		b->bad |= MBI_MMAP_TRUNC;
		return;
	}
	r = &b->mmap[b->nr_mmap++];
	r->addr = e->addr;
	r->len = e->len;
	r->type = e->type;
}

/*
 * Walks the map: an entry whose size field is below 20 or runs past
 * mmap_length stops the walk (the next entry's position is unknowable),
 * and so does MB_MMAP_WALK_MAX entries.
 */
static void parse_mmap(const struct multiboot_info *mi, struct mb_span kernel,
		       struct mb_boot *b)
{
	const uint32_t len = mi->mmap_length, hdr = sizeof(uint32_t);
	struct multiboot_mmap_entry e;
	uint32_t off = 0, n;

	if (!range_ok(mi->mmap_addr, len, kernel)) {
		b->bad |= MBI_BAD_MMAP;
		return;
	}
	for (n = 0; n < MB_MMAP_WALK_MAX && len - off >= sizeof(e); n++) {
		if (mb_phys_read(&e, mi->mmap_addr + off, sizeof(e)) ||
		    e.size < MULTIBOOT_MMAP_ENTRY_MIN || e.size > len - off - hdr) {
			b->bad |= MBI_BAD_MMAP_ENTRY;
			return;
		}
		add_region(b, &e);
		off += hdr + e.size;
	}
	if (off != len)
		b->bad |= n == MB_MMAP_WALK_MAX ? MBI_MMAP_TRUNC : MBI_BAD_MMAP_ENTRY;
}

static void parse_mem(const struct multiboot_info *mi, struct mb_boot *b)
{
	b->mem_lower = mi->mem_lower;
	b->mem_upper = mi->mem_upper;
	if (mi->mem_lower > MEM_LOWER_MAX || ONE_MIB + (uint64_t)mi->mem_upper * 1024 > FOUR_GIB)
		b->bad |= MBI_BAD_MEM;
}

/* Copies the optional fields that the flags announce. */
static void parse_fields(const struct multiboot_info *mi, struct mb_span kernel,
			 struct mb_boot *b)
{
	if (mi->flags & MULTIBOOT_INFO_MEMORY)
		parse_mem(mi, b);
	if (mi->flags & MULTIBOOT_INFO_CMDLINE) {
		int err = copy_string(mi->cmdline, b->cmdline, sizeof(b->cmdline), kernel);

		if (err)
			b->bad |= err == -E2BIG ? MBI_CMDLINE_TRUNC : MBI_BAD_CMDLINE;
	}
	if ((mi->flags & MULTIBOOT_INFO_BOOT_LOADER_NAME) &&
	    copy_string(mi->boot_loader_name, b->loader, sizeof(b->loader), kernel))
		b->bad |= MBI_BAD_NAME;
	if (mi->flags & MULTIBOOT_INFO_MEM_MAP)
		parse_mmap(mi, kernel, b);
}

int mbi_parse(uint32_t magic, uint32_t mbi_pa, struct mb_span kernel, struct mb_boot *b)
{
	struct multiboot_info mi;

	*b = (struct mb_boot){ .magic = magic, .mbi_pa = mbi_pa };
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		return -EINVAL;
	if (!range_ok(mbi_pa, sizeof(mi), kernel) || mb_phys_read(&mi, mbi_pa, sizeof(mi)))
		return -EFAULT;
	b->flags = mi.flags;
	parse_fields(&mi, kernel, b);
	return 0;
}

/* True when the region covers [start, end). */
static bool region_covers(const struct mb_region *r, uint64_t start, uint64_t end)
{
	return r->type == MULTIBOOT_MEMORY_AVAILABLE && r->addr <= start &&
	       end <= r->addr + r->len;
}

bool mbi_ram_covers(const struct mb_boot *b, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	if (end < start || end > FOUR_GIB)
		return false;
	if ((b->flags & MULTIBOOT_INFO_MEM_MAP) && !(b->bad & MBI_BAD_MMAP)) {
		for (uint32_t i = 0; i < b->nr_mmap; i++)
			if (region_covers(&b->mmap[i], start, end))
				return true;
		return false;
	}
	if (b->flags & MULTIBOOT_INFO_MEMORY)
		return start >= ONE_MIB && end <= ONE_MIB + (uint64_t)b->mem_upper * 1024;
	return false;
}
