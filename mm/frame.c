/*
 * frame.c - the physical frame allocator and per-frame metadata.
 *
 * frame_init() turns the boot memory map into sorted, disjoint regions of
 * managed RAM (usable, page-aligned inward, above 1 MiB, below mem_limit,
 * minus whatever the map also calls non-usable), then carves one table of
 * struct frame_meta for all of them out of that RAM, away from the
 * caller's reserved ranges. Each region points at its slice of the table,
 * so frame_meta() is a binary search over at most BOOT_MAX_MMAP regions
 * and holes cost nothing. Free frames sit on one doubly linked list,
 * ascending at boot; frees push to the front. Contiguous runs are found
 * by scanning the metadata: they are rare (2 MiB guest pages, big kmalloc).
 *
 * Context: pure, host-testable. No locking: one CPU, interrupts off.
 */
#define pr_fmt(fmt) "frame: " fmt
#include "errcode.h"
#include "frame.h"
#include "lib.h"
#include "log.h"
#include "shell.h"

#define LOW_MEM_END MiB(1) /* BIOS, real-mode IVT, EBDA: never managed */
#define MAX_REGIONS BOOT_MAX_MMAP

/* Managed frames [start, end) (frame numbers) and their metadata slice. */
struct frame_region {
	uint64_t start, end;
	struct frame_meta *meta; /* meta[0] describes frame `start` */
};

static struct frame_region regions[MAX_REGIONS];
static unsigned int nr_regions;
static struct list_head free_list = LIST_HEAD_INIT(free_list);
static uint64_t owner_count[FRAME_OWNER_NR];
static uint64_t nr_managed;
static struct mm_span meta_span;

static struct mem_range map[BOOT_MAX_MMAP]; /* as the loader gave it */
static unsigned int nr_map;
static struct mm_span ram[BOOT_MAX_MMAP]; /* RAM + ACPI, sorted, merged */
static unsigned int nr_ram;

static const char *const owner_names[FRAME_OWNER_NR] = {
	[FRAME_FREE] = "free",		[FRAME_META] = "meta",
	[FRAME_RESERVED] = "reserved",	[FRAME_IMAGE] = "image",
	[FRAME_BOOT] = "boot",		[FRAME_PAGODA] = "pagoda",
	[FRAME_PGTABLE] = "pgtable",	[FRAME_EPT] = "ept",
	[FRAME_SHADOW] = "shadow",	[FRAME_GUEST] = "guest",
	[FRAME_SWAP] = "swap",
};

/* ---- byte-range arithmetic over the memory map ---- */

/* range_span: a map entry as [start, end), cut at MM_PHYS_LIMIT so a
 * hostile base + len can neither wrap nor reach unmappable addresses. */
static struct mm_span range_span(const struct mem_range *r)
{
	uint64_t start = MIN(r->base.v, MM_PHYS_LIMIT);
	uint64_t room = MM_PHYS_LIMIT - start;

	return (struct mm_span){ start, start + MIN(r->len, room) };
}

static bool spans_overlap(struct mm_span a, struct mm_span b)
{
	return a.start < b.end && b.start < a.end;
}

static void sort_spans(struct mm_span *s, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		struct mm_span x = s[i];
		unsigned int j = i;

		for (; j > 0 && s[j - 1].start > x.start; j--)
			s[j] = s[j - 1];
		s[j] = x;
	}
}

/* sort_merge: sort, then join overlapping or touching spans. Returns the
 * new count. */
static unsigned int sort_merge(struct mm_span *s, unsigned int n)
{
	unsigned int out = 0;

	sort_spans(s, n);
	for (unsigned int i = 0; i < n; i++) {
		if (out && s[i].start <= s[out - 1].end)
			s[out - 1].end = MAX(s[out - 1].end, s[i].end);
		else
			s[out++] = s[i];
	}
	return out;
}

/*
 * subtract_span: remove cut from the sorted, disjoint spans s (room for
 * cap). Returns the new count. Each cut splits at most one span, and the
 * map has at most cap entries in all, so cap is never exceeded.
 */
static unsigned int subtract_span(struct mm_span *s, unsigned int n, unsigned int cap,
				  struct mm_span cut)
{
	unsigned int i = 0;

	while (i < n) {
		struct mm_span x = s[i];

		if (!spans_overlap(x, cut)) {
			i++;
		} else if (x.start < cut.start && cut.end < x.end) {
			CHECK(n < cap);
			memmove(&s[i + 2], &s[i + 1], (n - i - 1) * sizeof(*s));
			s[i].end = cut.start;
			s[i + 1] = (struct mm_span){ cut.end, x.end };
			return n + 1;
		} else if (x.start < cut.start) {
			s[i++].end = cut.start; /* cut takes the tail */
		} else if (cut.end < x.end) {
			s[i++].start = cut.end; /* cut takes the head */
		} else {
			memmove(&s[i], &s[i + 1], (n - i - 1) * sizeof(*s));
			n--; /* cut takes it all */
		}
	}
	return n;
}

static bool type_is_ram(uint32_t type)
{
	return type == MEM_USABLE || type == MEM_ACPI_RECLAIM || type == MEM_ACPI_NVS;
}

/* ---- building the regions ---- */

/* usable_spans: the managed RAM in bytes, page-aligned, sorted, disjoint. */
static unsigned int usable_spans(uint64_t limit, struct mm_span *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_map; i++) {
		struct mm_span s = range_span(&map[i]);

		if (map[i].type != MEM_USABLE)
			continue;
		s.start = ALIGN_UP(MAX(s.start, LOW_MEM_END), PAGE_SIZE);
		s.end = ALIGN_DOWN(MIN(s.end, limit), PAGE_SIZE);
		if (s.start < s.end)
			out[n++] = s;
	}
	n = sort_merge(out, n);
	/* A firmware map may call the same bytes usable and reserved: the
	 * reservation wins, as in Linux's e820 sanitising. */
	for (unsigned int i = 0; i < nr_map; i++) {
		struct mm_span cut = range_span(&map[i]);

		if (map[i].type == MEM_USABLE || cut.start == cut.end)
			continue;
		cut.start = ALIGN_DOWN(cut.start, PAGE_SIZE);
		cut.end = ALIGN_UP(cut.end, PAGE_SIZE);
		n = subtract_span(out, n, MAX_REGIONS, cut);
	}
	return n;
}

/* resv_span: a reserved range, page-aligned outward (a frame partly
 * reserved is reserved). */
static struct mm_span resv_span(const struct mem_range *r)
{
	struct mm_span s = range_span(r);

	if (s.start == s.end)
		return s;
	return (struct mm_span){ ALIGN_DOWN(s.start, PAGE_SIZE), ALIGN_UP(s.end, PAGE_SIZE) };
}

/* resv_conflict: the end of a reserved range overlapping s, or 0. */
static uint64_t resv_conflict(struct mm_span s, const struct mem_range *resv, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		struct mm_span r = resv_span(&resv[i]);

		if (r.start < r.end && spans_overlap(s, r))
			return r.end;
	}
	return 0;
}

/*
 * place_meta: the lowest page-aligned run of `bytes` inside the spans that
 * overlaps no reserved range. Returns 0 and *out, or -ENOMEM.
 */
static int place_meta(const struct mm_span *s, unsigned int n, const struct mem_range *resv,
		      unsigned int nr_resv, uint64_t bytes, struct mm_span *out)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t start = s[i].start, next;

		while (s[i].end - start >= bytes) {
			struct mm_span want = { start, start + bytes };

			next = resv_conflict(want, resv, nr_resv);
			if (!next) {
				*out = want;
				return 0;
			}
			start = next; /* strictly grows: past that reservation */
			if (start >= s[i].end)
				break;
		}
	}
	pr_err("no room for %lu KiB of frame metadata\n", bytes >> 10);
	return -ENOMEM;
}

/* setup_regions: turn spans into regions over the table at meta_span. */
static void setup_regions(const struct mm_span *s, unsigned int n)
{
	struct frame_meta *meta = hpa_to_ptr(hpa(meta_span.start));

	nr_regions = n;
	for (unsigned int i = 0; i < n; i++) {
		struct frame_region *r = &regions[i];

		r->start = s[i].start >> PAGE_SHIFT;
		r->end = s[i].end >> PAGE_SHIFT;
		r->meta = meta;
		for (uint64_t f = r->start; f < r->end; f++, meta++) {
			*meta = (struct frame_meta){ .owner = FRAME_FREE };
			list_init(&meta->link);
		}
	}
}

/* mark_span: frames of s that are still free get `owner`. */
static void mark_span(struct mm_span s, enum frame_owner owner)
{
	for (unsigned int i = 0; i < nr_regions; i++) {
		struct frame_region *r = &regions[i];
		uint64_t lo = MAX(r->start, s.start >> PAGE_SHIFT);
		uint64_t hi = MIN(r->end, s.end >> PAGE_SHIFT);

		for (uint64_t f = lo; f < hi; f++)
			if (r->meta[f - r->start].owner == FRAME_FREE)
				r->meta[f - r->start].owner = owner;
	}
}

static enum frame_owner resv_owner(uint32_t type)
{
	return type == FRAME_IMAGE || type == FRAME_BOOT ? type : FRAME_RESERVED;
}

/* build_free_list: count owners; queue free frames in ascending order. */
static void build_free_list(void)
{
	list_init(&free_list);
	memset(owner_count, 0, sizeof(owner_count));
	nr_managed = 0;
	for (unsigned int i = 0; i < nr_regions; i++) {
		struct frame_region *r = &regions[i];

		for (uint64_t f = 0; f < r->end - r->start; f++) {
			owner_count[r->meta[f].owner]++;
			if (r->meta[f].owner == FRAME_FREE)
				list_add_tail(&r->meta[f].link, &free_list);
		}
		nr_managed += r->end - r->start;
	}
}

/* copy_map: keep the loader's map, and its RAM + ACPI spans merged. */
static void copy_map(const struct boot_info *bi)
{
	nr_map = MIN(bi->nr_mmap, BOOT_MAX_MMAP);
	if (bi->nr_mmap > BOOT_MAX_MMAP)
		pr_warn("memory map has %u entries; using the first %u\n", bi->nr_mmap,
			BOOT_MAX_MMAP);
	memcpy(map, bi->mmap, nr_map * sizeof(map[0]));
	nr_ram = 0;
	for (unsigned int i = 0; i < nr_map; i++) {
		struct mm_span s = range_span(&map[i]);

		if (type_is_ram(map[i].type) && s.start < s.end)
			ram[nr_ram++] = s;
	}
	nr_ram = sort_merge(ram, nr_ram);
}

static void frame_reset(void)
{
	nr_regions = 0;
	nr_managed = 0;
	nr_map = nr_ram = 0;
	meta_span = (struct mm_span){ 0, 0 };
	memset(owner_count, 0, sizeof(owner_count));
	list_init(&free_list);
}

static uint64_t spans_frames(const struct mm_span *s, unsigned int n)
{
	uint64_t frames = 0;

	for (unsigned int i = 0; i < n; i++)
		frames += (s[i].end - s[i].start) >> PAGE_SHIFT;
	return frames;
}

int frame_init(const struct boot_info *bi, const struct mem_range *reserved,
	       unsigned int nr_reserved, uint64_t mem_limit)
{
	struct mm_span spans[MAX_REGIONS];
	uint64_t limit = mem_limit ? MIN(mem_limit, MM_PHYS_LIMIT) : MM_PHYS_LIMIT;
	unsigned int n;
	int err;

	frame_reset();
	if (!bi || (nr_reserved && !reserved)) {
		pr_err("frame_init: no boot information or reserved list\n");
		return -EINVAL;
	}
	copy_map(bi);
	n = usable_spans(limit, spans);
	if (!n) {
		pr_err("no usable RAM above 1 MiB%s\n", mem_limit ? " below mem=" : "");
		return -ENOMEM;
	}
	err = place_meta(spans, n, reserved, nr_reserved,
			 ALIGN_UP(spans_frames(spans, n) * sizeof(struct frame_meta), PAGE_SIZE),
			 &meta_span);
	if (err)
		return err;
	setup_regions(spans, n);
	for (unsigned int i = 0; i < nr_reserved; i++)
		mark_span(resv_span(&reserved[i]), resv_owner(reserved[i].type));
	mark_span(meta_span, FRAME_META);
	build_free_list();
	pr_info("%lu MiB in %u regions; metadata %lu KiB at 0x%lx\n",
		(nr_managed << PAGE_SHIFT) >> 20, nr_regions,
		(meta_span.end - meta_span.start) >> 10, meta_span.start);
	return 0;
}

/* ---- lookups ---- */

static struct frame_region *region_of(uint64_t f)
{
	unsigned int lo = 0, hi = nr_regions;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (f < regions[mid].start)
			hi = mid;
		else if (f >= regions[mid].end)
			lo = mid + 1;
		else
			return &regions[mid];
	}
	return NULL;
}

struct frame_meta *frame_meta(hfn_t f)
{
	struct frame_region *r = region_of(f.v);

	return r ? &r->meta[f.v - r->start] : NULL;
}

/* The table is one array in region order, so a binary search on the
 * pointer finds the region too. */
hfn_t frame_meta_hfn(const struct frame_meta *m)
{
	unsigned int lo = 0, hi = nr_regions;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct frame_region *r = &regions[mid];

		if (m < r->meta)
			hi = mid;
		else if (m >= r->meta + (r->end - r->start))
			lo = mid + 1;
		else
			return hfn(r->start + (uint64_t)(m - r->meta));
	}
	CHECK(!"frame_meta_hfn: not a metadata entry");
	return hfn(0);
}

bool mm_range_readable(hpa_t start, uint64_t len)
{
	uint64_t end = start.v + len;

	/* Page 0 is RAM but left unmapped, so NULL dereferences fault. */
	if (end < start.v || start.v < PAGE_SIZE)
		return false;
	for (unsigned int i = 0; i < nr_ram; i++)
		if (ram[i].start <= start.v && end <= ram[i].end)
			return true;
	return false;
}

unsigned int mm_memory_map(const struct mem_range **m)
{
	*m = map;
	return nr_map;
}

unsigned int mm_ram_spans(const struct mm_span **s)
{
	*s = ram;
	return nr_ram;
}

/* ---- allocation ---- */

static bool owner_allocatable(enum frame_owner owner)
{
	return owner >= FRAME_PAGODA && owner < FRAME_OWNER_NR;
}

/* take: hand a free frame to owner, with fresh metadata. */
static void take(struct frame_meta *m, enum frame_owner owner)
{
	CHECK(m->owner == FRAME_FREE);
	list_del(&m->link);
	*m = (struct frame_meta){ .owner = owner };
	list_init(&m->link);
	owner_count[FRAME_FREE]--;
	owner_count[owner]++;
}

int frame_alloc(enum frame_owner owner, hpa_t *out)
{
	struct frame_meta *m;

	CHECK(owner_allocatable(owner));
	if (list_empty(&free_list)) {
		pr_warn_ratelimited("out of frames (for %s)\n", owner_names[owner]);
		return -ENOMEM;
	}
	m = list_first_entry(&free_list, struct frame_meta, link);
	take(m, owner);
	*out = hfn_to_hpa(frame_meta_hfn(m));
	return 0;
}

int frame_alloc_zeroed(enum frame_owner owner, hpa_t *out)
{
	int err = frame_alloc(owner, out);

	if (!err)
		memset(hpa_to_ptr(*out), 0, PAGE_SIZE);
	return err;
}

/* run_busy: the first frame of [f, f + nr) in r that is not free, or
 * f + nr when the run is all free. */
static uint64_t run_busy(const struct frame_region *r, uint64_t f, unsigned int nr)
{
	for (uint64_t i = f; i < f + nr; i++)
		if (r->meta[i - r->start].owner != FRAME_FREE)
			return i;
	return f + nr;
}

/* find_run: the first aligned, all-free run of nr frames in r, or 0 (frame
 * 0 is never managed). */
static uint64_t find_run(const struct frame_region *r, unsigned int nr, unsigned int align)
{
	uint64_t f = ALIGN_UP(r->start, (uint64_t)align);

	while (f < r->end && r->end - f >= nr) {
		uint64_t busy = run_busy(r, f, nr);

		if (busy == f + nr)
			return f;
		f = ALIGN_UP(busy + 1, (uint64_t)align);
	}
	return 0;
}

int frame_alloc_contig(enum frame_owner owner, unsigned int nr, unsigned int align_frames,
		       hpa_t *out)
{
	CHECK(owner_allocatable(owner));
	if (!nr || !align_frames || (align_frames & (align_frames - 1))) {
		pr_err("contig: bad request of %u frames aligned to %u\n", nr, align_frames);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < nr_regions; i++) {
		struct frame_region *r = &regions[i];
		uint64_t f = find_run(r, nr, align_frames);

		if (!f)
			continue;
		for (uint64_t j = f; j < f + nr; j++)
			take(&r->meta[j - r->start], owner);
		*out = hfn_to_hpa(hfn(f));
		return 0;
	}
	pr_warn_ratelimited("no run of %u frames aligned to %u (for %s)\n", nr, align_frames,
			    owner_names[owner]);
	return -ENOMEM;
}

void frame_free(hpa_t a)
{
	struct frame_meta *m = frame_meta_hpa(a);

	/* Each of these is a Pagoda bug: a bad pointer or a double free. */
	CHECK(IS_ALIGNED(a.v, PAGE_SIZE));
	CHECK(m != NULL);
	CHECK(owner_allocatable(m->owner));
	CHECK(!(m->flags & FRAME_F_LRU));
	owner_count[m->owner]--;
	owner_count[FRAME_FREE]++;
	m->owner = FRAME_FREE;
	m->flags = 0; /* the rest is reset when the frame is taken again */
	list_add(&m->link, &free_list);
}

void frame_free_contig(hpa_t a, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		frame_free(hpa(a.v + ((uint64_t)i << PAGE_SHIFT)));
}

/* ---- statistics and the `mem` command ---- */

uint64_t frame_count(enum frame_owner owner)
{
	return owner < FRAME_OWNER_NR ? owner_count[owner] : 0;
}

uint64_t frame_total(void)
{
	return nr_managed;
}

const char *frame_owner_name(enum frame_owner owner)
{
	return owner < FRAME_OWNER_NR ? owner_names[owner] : "?";
}

/* fmt_size: bytes as "N B", "N KiB" or (from 16 MiB on) "N MiB". */
static const char *fmt_size(char *buf, size_t size, uint64_t bytes)
{
	if (bytes < KiB(1))
		snprintf(buf, size, "%lu B", bytes);
	else if (bytes < MiB(16))
		snprintf(buf, size, "%lu KiB", bytes >> 10);
	else
		snprintf(buf, size, "%lu MiB", bytes >> 20);
	return buf;
}

static const char *mem_type_name(uint32_t type)
{
	static const char *const names[] = { [MEM_USABLE] = "usable",
					     [MEM_RESERVED] = "reserved",
					     [MEM_ACPI_RECLAIM] = "ACPI reclaimable",
					     [MEM_ACPI_NVS] = "ACPI NVS",
					     [MEM_BAD] = "bad" };

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "other";
}

static void memory_map_print(void)
{
	char sz[24];

	printk("memory map (%u entries):\n", nr_map);
	for (unsigned int i = 0; i < nr_map; i++) {
		const struct mem_range *r = &map[i];

		printk("  0x%016lx-0x%016lx %10s  %s (%u)\n", r->base.v,
		       r->base.v + r->len - (r->len ? 1 : 0), fmt_size(sz, sizeof(sz), r->len),
		       mem_type_name(r->type), r->type);
	}
}

void frame_stats_print(void)
{
	char a[24], b[24], c[24];
	uint64_t used = nr_managed - owner_count[FRAME_FREE];

	printk("frames: %lu total (%s), %lu free (%s), %lu used (%s)\n", nr_managed,
	       fmt_size(a, sizeof(a), nr_managed << PAGE_SHIFT), owner_count[FRAME_FREE],
	       fmt_size(b, sizeof(b), owner_count[FRAME_FREE] << PAGE_SHIFT), used,
	       fmt_size(c, sizeof(c), used << PAGE_SHIFT));
	for (unsigned int o = 0; o < FRAME_OWNER_NR; o++)
		printk("  %-9s %10lu frames %10s\n", owner_names[o], owner_count[o],
		       fmt_size(a, sizeof(a), owner_count[o] << PAGE_SHIFT));
	printk("metadata: 0x%lx-0x%lx, %u regions\n", meta_span.start, meta_span.end, nr_regions);
}

static int cmd_mem(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	memory_map_print();
	frame_stats_print();
	return 0;
}
SHELL_COMMAND(mem, "mem", "memory map, and frames by owner", cmd_mem);
