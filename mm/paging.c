/*
 * paging.c - Pagoda's own page tables: a 1:1 map of RAM and the low 4 GiB.
 *
 * paging_init() replaces head.S's boot tables (0..4 GiB in 2 MiB pages,
 * all writable and executable) with tables that protect the image and
 * reach all RAM:
 *
 *   0 .. 4 KiB            not mapped: a NULL dereference faults
 *   the image (1 MiB ..)  4 KiB pages: text RO + X, rodata RO, data and
 *                         bss RW; all NX but text
 *   RAM and ACPI ranges   write-back, RW, NX
 *   the rest below 4 GiB  uncached (PCD|PWT), RW, NX: the MMIO hole
 *                         (local APIC, IOAPIC, HPET, PCI BARs), legacy VGA
 *   the rest above 4 GiB  not mapped
 *
 * Leaf sizes are chosen here, largest first: an aligned 1 GiB (when the
 * CPU has 1 GiB pages) or 2 MiB chunk becomes one leaf when every byte of
 * it gets the same attributes; otherwise it is split. The generic mapper
 * (mm/pt.c) installs the leaves. A partly-RAM 4 KiB page takes RAM's
 * attributes above 4 GiB and MMIO's below, where uncached is the safe
 * choice.
 *
 * Context: boot, single CPU, interrupts off (before VMXON); the
 * inspection functions run in any Pagoda context.
 */
#define pr_fmt(fmt) "paging: " fmt
#include "errcode.h"
#include "frame.h"
#include "hw.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "paging.h"
#include "shell.h"

extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __data_start[], __bss_end[];

#define ATTR_MIXED UINT64_MAX /* the chunk needs smaller pages */
#define CPUID_EXT_MAX 0x80000000
#define CPUID_EXT_FEATURES 0x80000001
#define CPUID_EXT_ADDR_SIZES 0x80000008
#define CPUID_EXT_EDX_PDPE1GB BIT(26)
#define LEAF_RAM (PTE_P | PTE_RW) /* + NX */
#define LEAF_MMIO (PTE_P | PTE_RW | PTE_CACHE_UC) /* + NX */

/* What the tables are built from. Spans are page-aligned outward. */
struct paging_plan {
	struct mm_span image, text, data;
	uint64_t nx; /* PTE_NX, or 0 when EFER.NXE is off (NX is then reserved) */
	uint64_t top; /* nothing is mapped at or above */
	unsigned long leaves[PT_MAX_LEVELS + 1];
};

static struct pt_format pagoda_fmt;
static struct pt pagoda_pt;
static bool paging_done;

static struct mm_span page_span(const void *start, const void *end)
{
	return (struct mm_span){ ALIGN_DOWN(ptr_to_hpa(start).v, PAGE_SIZE),
				 ALIGN_UP(ptr_to_hpa(end).v, PAGE_SIZE) };
}

static bool overlap(struct mm_span a, struct mm_span b)
{
	return a.start < b.end && b.start < a.end;
}

/* cpu_paging_caps: MAXPHYADDR (36 when CPUID does not say) and 1 GiB
 * pages, from CPUID. */
static void cpu_paging_caps(unsigned int *maxphyaddr, bool *gbpages)
{
	struct cpuid_regs r;
	uint32_t max;

	hw_cpuid(CPUID_EXT_MAX, 0, &r);
	max = r.eax;
	*maxphyaddr = 36;
	*gbpages = false;
	if (max >= CPUID_EXT_FEATURES) {
		hw_cpuid(CPUID_EXT_FEATURES, 0, &r);
		*gbpages = r.edx & CPUID_EXT_EDX_PDPE1GB;
	}
	if (max >= CPUID_EXT_ADDR_SIZES) {
		hw_cpuid(CPUID_EXT_ADDR_SIZES, 0, &r);
		if ((r.eax & 0xff) >= 32 && (r.eax & 0xff) <= 52)
			*maxphyaddr = r.eax & 0xff;
	}
}

/* plan_init: the format and what to map. Returns 0 or -EINVAL. */
static int plan_init(struct paging_plan *p)
{
	const struct mm_span *ram;
	unsigned int nr_ram = mm_ram_spans(&ram), maxphyaddr;
	uint64_t efer = 0;
	bool gbpages;

	memset(p, 0, sizeof(*p));
	cpu_paging_caps(&maxphyaddr, &gbpages);
	if (hw_rdmsr_safe(MSR_EFER, &efer) == 0 && (efer & EFER_NX))
		p->nx = PTE_NX;
	else
		pr_warn("EFER.NXE is off: data pages stay executable\n");
	p->image = page_span(__image_start, __image_end);
	p->text = page_span(__text_start, __text_end);
	p->data = page_span(__data_start, __image_end); /* data, bss, to the end */
	if (overlap(p->text, p->data))
		pr_warn("image text and data share a page: it stays writable and executable\n");
	p->top = MAX(BOOT_MAP_END, nr_ram ? ALIGN_UP(ram[nr_ram - 1].end, PAGE_SIZE) : 0);
	p->top = MIN(p->top, BIT(maxphyaddr));
	return pt_format_ia32e(&pagoda_fmt, maxphyaddr, p->nx != 0, gbpages);
}

enum cover { COVER_NONE, COVER_PART, COVER_FULL };

/* ram_cover: how much of [start, end) the RAM and ACPI ranges cover. */
static enum cover ram_cover(uint64_t start, uint64_t end)
{
	const struct mm_span *s;
	unsigned int n = mm_ram_spans(&s);
	struct mm_span chunk = { start, end };
	bool any = false;

	for (unsigned int i = 0; i < n; i++) {
		if (s[i].start <= start && end <= s[i].end)
			return COVER_FULL; /* the spans are merged: one covers all */
		any |= overlap(s[i], chunk);
	}
	return any ? COVER_PART : COVER_NONE;
}

/* image_attr: leaf bits of one image page: executable only if it holds
 * text, writable only if it holds data or bss. */
static uint64_t image_attr(const struct paging_plan *p, uint64_t pa)
{
	struct mm_span page = { pa, pa + PAGE_SIZE };
	uint64_t attr = PTE_P;

	if (!overlap(page, p->text))
		attr |= p->nx;
	if (overlap(page, p->data))
		attr |= PTE_RW;
	return attr;
}

/* mem_attr: leaf bits outside the image: RAM, MMIO, or 0 (unmapped). */
static uint64_t mem_attr(const struct paging_plan *p, uint64_t start, uint64_t size)
{
	uint64_t end = start + size;
	enum cover c = ram_cover(start, end);

	if (c == COVER_FULL)
		return LEAF_RAM | p->nx;
	if (c == COVER_PART && size > PAGE_SIZE)
		return ATTR_MIXED;
	if (end <= BOOT_MAP_END)
		return LEAF_MMIO | p->nx;
	if (start >= BOOT_MAP_END)
		return c == COVER_PART ? LEAF_RAM | p->nx : 0;
	return ATTR_MIXED;
}

/*
 * chunk_attr: the leaf bits that suit every byte of the aligned chunk
 * [start, start + size), 0 to leave it unmapped, or ATTR_MIXED when it
 * must be split. A 4 KiB chunk is never mixed.
 */
static uint64_t chunk_attr(const struct paging_plan *p, uint64_t start, uint64_t size)
{
	struct mm_span chunk = { start, start + size };

	if (start >= p->top)
		return 0;
	if (chunk.end > p->top)
		return ATTR_MIXED;
	if (start < PAGE_SIZE)
		return size == PAGE_SIZE ? 0 : ATTR_MIXED;
	if (overlap(chunk, p->image))
		return size == PAGE_SIZE ? image_attr(p, start) : ATTR_MIXED;
	return mem_attr(p, start, size);
}

/*
 * map_chunk: map the aligned chunk of `level`'s size at start with the
 * largest leaves that fit. Returns 0 or -ENOMEM (-EINVAL would be our bug).
 */
static int map_chunk(struct paging_plan *p, unsigned int level, uint64_t start)
{
	uint64_t size = pt_level_size(&pagoda_fmt, level);
	uint64_t attr = chunk_attr(p, start, size);
	int err = 0;

	if (attr == 0)
		return 0;
	if (attr != ATTR_MIXED && (pagoda_fmt.leaf_levels & BIT(level))) {
		p->leaves[level]++;
		return pt_map(&pagoda_pt, start, level,
			      start | attr | (level > PG_LEVEL_4K ? PTE_PS : 0), 0, NULL);
	}
	CHECK(level > PG_LEVEL_4K);
	for (unsigned int i = 0; i < PT_ENTRIES && !err; i++)
		err = map_chunk(p, level - 1, start + i * (size / PT_ENTRIES));
	return err;
}

/* Table pages: below the boot map until CR3 switches (only it can reach
 * them before). pt.c zeroes them again; harmless. */
static int pgtable_alloc(void *ctx, hpa_t *out)
{
	hpa_t a;

	if (frame_alloc(FRAME_PGTABLE, &a))
		return -ENOMEM;
	if (!paging_done && a.v + PAGE_SIZE > BOOT_MAP_END) {
		frame_free(a);
		pr_err("table frame 0x%lx is beyond the boot map\n", a.v);
		return -ENOMEM;
	}
	memset(hpa_to_ptr(a), 0, PAGE_SIZE);
	*out = a;
	return 0;
}

static void pgtable_free(void *ctx, hpa_t page)
{
	frame_free(page);
}

static const struct pt_ops pgtable_ops = { pgtable_alloc, pgtable_free };

/* check_self: do the new tables map this code executable and this stack
 * writable? Switching to tables that do not would triple-fault. */
static int check_self(void)
{
	struct pt_walk_result res;
	uint64_t here = (uint64_t)(uintptr_t)&paging_init;
	uint64_t stack = (uint64_t)(uintptr_t)&res;

	if (pt_walk(&pagoda_fmt, pagoda_pt.root, here, &res) || (res.perm_or & PTE_NX)) {
		pr_err("new tables do not map text at 0x%lx\n", here);
		return -EFAULT;
	}
	if (pt_walk(&pagoda_fmt, pagoda_pt.root, stack, &res) || !(res.perm_and & PTE_RW)) {
		pr_err("new tables do not map the stack at 0x%lx\n", stack);
		return -EFAULT;
	}
	return 0;
}

static int build_tables(struct paging_plan *p)
{
	uint64_t l4_size = pt_level_size(&pagoda_fmt, PG_LEVEL_512G);
	int err = pt_init(&pagoda_pt, &pagoda_fmt, &pgtable_ops, NULL);

	for (uint64_t start = 0; !err && start < p->top; start += l4_size)
		err = map_chunk(p, PG_LEVEL_512G, start);
	if (!err)
		err = check_self();
	if (err)
		pt_destroy(&pagoda_pt);
	return err;
}

int paging_init(void)
{
	struct paging_plan p;
	int err;

	if (paging_done) {
		pr_err("paging_init: already done\n");
		return -EBUSY;
	}
	err = plan_init(&p);
	if (!err)
		err = build_tables(&p);
	if (err) {
		pr_err("cannot build the page tables: %s\n", err_name(err));
		return err;
	}
	hw_write_cr3(pagoda_pt.root.v);
	hw_write_cr0(hw_read_cr0() | X86_CR0_WP);
	paging_done = true;
	pr_info("1:1 map to 0x%lx: %lu x 1G, %lu x 2M, %lu x 4K leaves, %lu tables; NX %s\n",
		p.top, p.leaves[PG_LEVEL_1G], p.leaves[PG_LEVEL_2M], p.leaves[PG_LEVEL_4K],
		pagoda_pt.nr_tables, p.nx ? "on" : "off");
	return 0;
}

/* walk_fmt: a format for walking whatever tables CR3 holds (the boot
 * tables too): every leaf size allowed, no reserved-bit checks. */
static const struct pt_format *walk_fmt(void)
{
	static struct pt_format fmt;

	if (!fmt.levels)
		CHECK(pt_format_ia32e(&fmt, 52, true, true) == 0);
	return &fmt;
}

static int walk_current(uint64_t va, struct pt_walk_result *res)
{
	return pt_walk(walk_fmt(), hpa(hw_read_cr3() & PTE_ADDR_MASK), va, res);
}

bool paging_is_mapped(uint64_t va)
{
	struct pt_walk_result res;

	return walk_current(va, &res) == 0;
}

/* ptwalk <va>: each entry the walk reads, then the translation. */
static int cmd_ptwalk(int argc, char **argv)
{
	const struct pt_format *fmt = walk_fmt();
	struct pt_walk_result res;
	uint64_t va;
	int err;

	if (argc != 2 || shell_arg_u64(argv[1], &va))
		return -EINVAL;
	err = walk_current(va, &res);
	for (unsigned int l = fmt->levels; res.level && l >= res.level; l--)
		printk("  %-5s #%-3u 0x%016lx\n", fmt->level_names[l], pt_index(fmt, va, l),
		       res.lvl[l].e);
	if (err) {
		printk("0x%lx: not mapped (%s)\n", va, err_name(err));
		return 0;
	}
	printk("0x%lx -> 0x%lx: %s leaf, %s, %s, %s\n", va, res.out,
	       res.level == PG_LEVEL_1G ? "1G" : res.level == PG_LEVEL_2M ? "2M" : "4K",
	       (res.perm_and & PTE_RW) ? "RW" : "RO", (res.perm_or & PTE_NX) ? "NX" : "X",
	       (res.lvl[res.level].e & PTE_PCD) ? "uncached" : "write-back");
	return 0;
}
SHELL_COMMAND(ptwalk, "ptwalk <va>", "walk Pagoda's page tables (CR3) for an address",
	      cmd_ptwalk);
