/*
 * mb2.c - turns the multiboot2 boot information into struct boot_info.
 *
 * The boot information comes from outside Pagoda and is not trusted: every
 * size is checked before the bytes it covers are read, fields are read
 * with memcpy (no alignment assumptions), and each problem becomes a
 * warning in boot_info.warnings while parsing goes on with what can still
 * be believed. Only a wrong magic, a NULL pointer or the absence of any
 * memory information make the parse fail. Also owns the `mods` command.
 *
 * Context: pure, host-testable; runs once at boot, single CPU.
 */
#define pr_fmt(fmt) "mb2: " fmt

#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "mb2.h"
#include "shell.h"

struct boot_info boot_info;

/* ACPI, "Root System Description Pointer (RSDP) Structure". */
#define RSDP_SIGNATURE "RSD PTR "
#define RSDP_V1_LEN 20
#define RSDP_LENGTH_OFF 20 /* u32: length of the whole XSDP */
#define RSDP_V2_MIN_LEN 36

#define MEM_LOWER_MAX_KIB 640
#define MEM_UPPER_BASE MiB(1)

/* State of one parse: the raw bytes and what has been seen so far. */
struct mb2_ctx {
	struct boot_info *bi;
	const uint8_t *mbi;
	uint32_t total; /* total_size, capped */
	uint64_t seen; /* bit per tag type, for the once-only tags */
	bool have_meminfo;
	uint32_t mem_lower, mem_upper; /* KiB */
	unsigned int mmap_dropped;
};

/* bi_warn: record one warning; past BOOT_MAX_WARNINGS only count it. */
static void __printf(2, 3) bi_warn(struct boot_info *bi, const char *fmt, ...)
{
	va_list ap;

	if (bi->nr_warnings < BOOT_MAX_WARNINGS) {
		va_start(ap, fmt);
		vsnprintf(bi->warnings[bi->nr_warnings],
			  sizeof(bi->warnings[0]), fmt, ap);
		va_end(ap);
	}
	bi->nr_warnings++;
}

static bool ranges_overlap(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

/*
 * copy_tag_string: copy the string of at most `len` bytes at s into dst.
 * An unterminated or too long string is kept, cut, and warned about.
 */
static void copy_tag_string(struct mb2_ctx *c, const char *what, char *dst,
			    size_t dst_size, const uint8_t *s, uint32_t len)
{
	size_t n = strnlen((const char *)s, len);

	if (n == len)
		bi_warn(c->bi, "%s string not NUL-terminated", what);
	if (n >= dst_size) {
		bi_warn(c->bi, "%s string cut to %zu bytes", what, dst_size - 1);
		n = dst_size - 1;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void parse_cmdline(struct mb2_ctx *c, const uint8_t *tag, uint32_t size)
{
	copy_tag_string(c, "cmdline", c->bi->cmdline, sizeof(c->bi->cmdline),
			tag + sizeof(struct mb2_tag_string),
			size - sizeof(struct mb2_tag_string));
}

static void parse_loader_name(struct mb2_ctx *c, const uint8_t *tag, uint32_t size)
{
	copy_tag_string(c, "loader name", c->bi->loader, sizeof(c->bi->loader),
			tag + sizeof(struct mb2_tag_string),
			size - sizeof(struct mb2_tag_string));
}

/*
 * module_placement_ok: false (with a warning) when [start, end) overlaps
 * Pagoda's image, the boot information or an earlier module.
 */
static bool module_placement_ok(struct mb2_ctx *c, uint64_t start, uint64_t end)
{
	const struct boot_info *bi = c->bi;
	unsigned int i;

	if (ranges_overlap(start, end, bi->image_start.v, bi->image_end.v)) {
		bi_warn(c->bi, "module [%#lx-%#lx) overlaps the image; dropped",
			start, end);
		return false;
	}
	if (ranges_overlap(start, end, bi->mbi_start.v, bi->mbi_end.v)) {
		bi_warn(c->bi, "module [%#lx-%#lx) overlaps the mbi; dropped",
			start, end);
		return false;
	}
	for (i = 0; i < bi->nr_mods; i++) {
		if (ranges_overlap(start, end, bi->mods[i].start.v,
				   bi->mods[i].end.v)) {
			bi_warn(c->bi, "module [%#lx-%#lx) overlaps module %u; dropped",
				start, end, i);
			return false;
		}
	}
	return true;
}

static void parse_module(struct mb2_ctx *c, const uint8_t *tag, uint32_t size)
{
	struct boot_info *bi = c->bi;
	struct mb2_tag_module m;
	struct boot_module *mod;

	memcpy(&m, tag, sizeof(m));
	if (m.mod_end < m.mod_start) {
		bi_warn(bi, "module [%#x-%#x) ends before it starts; dropped",
			m.mod_start, m.mod_end);
		return;
	}
	if (!module_placement_ok(c, m.mod_start, m.mod_end))
		return;
	if (bi->nr_mods == BOOT_MAX_MODULES) {
		bi_warn(bi, "more than %d modules; module at %#x dropped",
			BOOT_MAX_MODULES, m.mod_start);
		return;
	}
	mod = &bi->mods[bi->nr_mods++];
	mod->start = hpa(m.mod_start);
	mod->end = hpa(m.mod_end);
	copy_tag_string(c, "module", mod->name, sizeof(mod->name),
			tag + sizeof(m), size - sizeof(m));
}

static void parse_meminfo(struct mb2_ctx *c, const uint8_t *tag, uint32_t size)
{
	struct mb2_tag_basic_meminfo m;

	memcpy(&m, tag, sizeof(m));
	c->have_meminfo = true;
	c->mem_lower = m.mem_lower;
	c->mem_upper = m.mem_upper;
}

/* add_mmap_entry: append one range; empty ones are skipped, wrapping ones cut. */
static void add_mmap_entry(struct mb2_ctx *c, const uint8_t *p)
{
	struct boot_info *bi = c->bi;
	struct mb2_mmap_entry e;

	memcpy(&e, p, sizeof(e));
	if (e.len == 0)
		return;
	if (e.addr + e.len < e.addr) {
		bi_warn(bi, "mmap range at %#lx wraps; cut at 2^64 - 1", e.addr);
		e.len = UINT64_MAX - e.addr;
	}
	if (bi->nr_mmap == BOOT_MAX_MMAP) {
		c->mmap_dropped++;
		return;
	}
	bi->mmap[bi->nr_mmap++] = (struct mem_range){
		.base = hpa(e.addr), .len = e.len, .type = e.type
	};
}

/*
 * parse_mmap: the memory map. A bad entry_size makes the whole tag
 * untrustworthy (it is ignored); bytes too few for a last entry are not
 * read.
 */
static void parse_mmap(struct mb2_ctx *c, const uint8_t *tag, uint32_t size)
{
	struct mb2_tag_mmap h;
	uint32_t i, n, rest, body = size - sizeof(h);

	memcpy(&h, tag, sizeof(h));
	if (h.entry_size < sizeof(struct mb2_mmap_entry) ||
	    !IS_ALIGNED(h.entry_size, 8)) {
		bi_warn(c->bi, "mmap entry_size %u invalid; mmap ignored",
			h.entry_size);
		return;
	}
	n = body / h.entry_size;
	rest = body % h.entry_size;
	if (rest)
		bi_warn(c->bi, "mmap tag ends %u bytes into an entry", rest);
	for (i = 0; i < n; i++)
		add_mmap_entry(c, tag + sizeof(h) + (size_t)i * h.entry_size);
	if (c->mmap_dropped)
		bi_warn(c->bi, "%u mmap entries dropped (max %d)",
			c->mmap_dropped, BOOT_MAX_MMAP);
}

static void parse_framebuffer(struct mb2_ctx *c, const uint8_t *tag, uint32_t size)
{
	struct mb2_tag_framebuffer_common f = { 0 };

	/* Only the fields up to framebuffer_type are known to be there. */
	memcpy(&f, tag, offsetof(struct mb2_tag_framebuffer_common, reserved));
	c->bi->has_fb = true;
	c->bi->fb = (struct boot_fb){
		.addr = hpa(f.framebuffer_addr),
		.pitch = f.framebuffer_pitch,
		.width = f.framebuffer_width,
		.height = f.framebuffer_height,
		.bpp = f.framebuffer_bpp,
		.type = f.framebuffer_type,
	};
}

static uint8_t byte_sum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *p++;
	return sum;
}

/*
 * rsdp_valid: whether the RSDP copy r (avail bytes) has the signature and
 * good checksums: the first 20 bytes, and for revision 2 the whole XSDP.
 */
static bool rsdp_valid(struct mb2_ctx *c, const uint8_t *r, uint32_t avail,
		       int rev)
{
	uint32_t len;

	if (memcmp(r, RSDP_SIGNATURE, 8) != 0) {
		bi_warn(c->bi, "RSDP v%d signature wrong; ignored", rev);
		return false;
	}
	if (byte_sum(r, RSDP_V1_LEN) != 0) {
		bi_warn(c->bi, "RSDP v%d checksum bad; ignored", rev);
		return false;
	}
	if (rev < 2)
		return true;
	memcpy(&len, r + RSDP_LENGTH_OFF, sizeof(len));
	if (len < RSDP_V2_MIN_LEN || len > avail) {
		bi_warn(c->bi, "XSDP length %u invalid (tag holds %u); ignored",
			len, avail);
		return false;
	}
	if (byte_sum(r, len) != 0) {
		bi_warn(c->bi, "XSDP extended checksum bad; ignored");
		return false;
	}
	return true;
}

/* ACPI 1.0 RSDP: used unless a valid XSDP is (or will be) found. */
static void parse_acpi_old(struct mb2_ctx *c, const uint8_t *tag, uint32_t size)
{
	const uint8_t *r = tag + sizeof(struct mb2_tag_acpi);

	if (!rsdp_valid(c, r, size - sizeof(struct mb2_tag_acpi), 1))
		return;
	if (c->bi->rsdp_rev == 2)
		return;
	c->bi->rsdp = ptr_to_hpa(r);
	c->bi->rsdp_rev = 0;
}

static void parse_acpi_new(struct mb2_ctx *c, const uint8_t *tag, uint32_t size)
{
	const uint8_t *r = tag + sizeof(struct mb2_tag_acpi);

	if (!rsdp_valid(c, r, size - sizeof(struct mb2_tag_acpi), 2))
		return;
	c->bi->rsdp = ptr_to_hpa(r);
	c->bi->rsdp_rev = 2;
}

/* The tags Pagoda reads; the spec says unknown ones are to be skipped. */
struct tag_handler {
	const char *name;
	uint32_t min_size;
	bool once; /* a second tag of this type is ignored */
	void (*parse)(struct mb2_ctx *c, const uint8_t *tag, uint32_t size);
};

static const struct tag_handler tag_handlers[] = {
	[MB2_TAG_CMDLINE] = { "cmdline", sizeof(struct mb2_tag_string), true,
			      parse_cmdline },
	[MB2_TAG_BOOT_LOADER_NAME] = { "loader name",
				       sizeof(struct mb2_tag_string), true,
				       parse_loader_name },
	[MB2_TAG_MODULE] = { "module", sizeof(struct mb2_tag_module), false,
			     parse_module },
	[MB2_TAG_BASIC_MEMINFO] = { "meminfo",
				    sizeof(struct mb2_tag_basic_meminfo), true,
				    parse_meminfo },
	[MB2_TAG_MMAP] = { "mmap", sizeof(struct mb2_tag_mmap), true,
			   parse_mmap },
	[MB2_TAG_FRAMEBUFFER] = {
		"framebuffer",
		offsetof(struct mb2_tag_framebuffer_common, reserved), true,
		parse_framebuffer },
	[MB2_TAG_ACPI_OLD] = { "ACPI old", sizeof(struct mb2_tag_acpi) + RSDP_V1_LEN,
			       true, parse_acpi_old },
	[MB2_TAG_ACPI_NEW] = { "ACPI new",
			       sizeof(struct mb2_tag_acpi) + RSDP_V2_MIN_LEN,
			       true, parse_acpi_new },
};
static_assert(ARRAY_SIZE(tag_handlers) <= 64, "seen is a 64-bit mask");

/* parse_tag: hand one tag, already known to lie within the mbi, to its handler. */
static void parse_tag(struct mb2_ctx *c, const uint8_t *tag, const struct mb2_tag *t)
{
	const struct tag_handler *h;

	if (t->type >= ARRAY_SIZE(tag_handlers) || !tag_handlers[t->type].parse)
		return;
	h = &tag_handlers[t->type];
	if (t->size < h->min_size) {
		bi_warn(c->bi, "%s tag too short (%u < %u bytes); ignored",
			h->name, t->size, h->min_size);
		return;
	}
	if (h->once && (c->seen & BIT(t->type))) {
		bi_warn(c->bi, "second %s tag ignored", h->name);
		return;
	}
	c->seen |= BIT(t->type);
	h->parse(c, tag, t->size);
}

static void end_tag(struct mb2_ctx *c, uint32_t off, const struct mb2_tag *t)
{
	if (t->size != sizeof(*t))
		bi_warn(c->bi, "end tag size %u, not 8", t->size);
	if (off + t->size != c->total)
		bi_warn(c->bi, "end tag ends at +%u, total_size %u",
			off + t->size, c->total);
	c->bi->mbi_end = hpa(c->bi->mbi_start.v + off + t->size);
}

/*
 * walk_tags: visit each tag up to the end tag. A tag whose size is
 * impossible leaves no way to find the next one, so the walk stops there.
 */
static void walk_tags(struct mb2_ctx *c)
{
	uint32_t off = sizeof(struct mb2_info_header);
	struct mb2_tag t;

	while (off + sizeof(t) <= c->total) {
		memcpy(&t, c->mbi + off, sizeof(t));
		if (t.size < sizeof(t)) {
			bi_warn(c->bi, "tag type %u at +%u: size %u < 8; stop",
				t.type, off, t.size);
			return;
		}
		if (t.size > c->total - off) {
			bi_warn(c->bi, "tag type %u at +%u runs past total_size %u; stop",
				t.type, off, c->total);
			return;
		}
		if (t.type == MB2_TAG_END) {
			end_tag(c, off, &t);
			return;
		}
		parse_tag(c, c->mbi + off, &t);
		off += ALIGN_UP(t.size, MB2_TAG_ALIGN);
	}
	bi_warn(c->bi, "no end tag before total_size %u", c->total);
}

/* read_header: total_size, checked and capped. Returns 0 or -EINVAL. */
static int read_header(struct mb2_ctx *c)
{
	struct mb2_info_header h;

	if (!IS_ALIGNED((uintptr_t)c->mbi, MB2_TAG_ALIGN))
		bi_warn(c->bi, "mbi at %p not 8-byte aligned", (const void *)c->mbi);
	memcpy(&h, c->mbi, sizeof(h));
	c->total = h.total_size;
	if (c->total < sizeof(h)) {
		bi_warn(c->bi, "total_size %u < 8", c->total);
		return -EINVAL;
	}
	if (c->total > MB2_MAX_TOTAL_SIZE) {
		bi_warn(c->bi, "total_size %u too large; capped at %u",
			c->total, MB2_MAX_TOTAL_SIZE);
		c->total = MB2_MAX_TOTAL_SIZE;
	}
	if (!IS_ALIGNED(c->total, MB2_TAG_ALIGN))
		bi_warn(c->bi, "total_size %u not a multiple of 8", c->total);
	c->bi->mbi_end = hpa(c->bi->mbi_start.v + c->total);
	return 0;
}

static void add_usable(struct boot_info *bi, uint64_t base, uint64_t len)
{
	if (len)
		bi->mmap[bi->nr_mmap++] = (struct mem_range){
			.base = hpa(base), .len = len, .type = MEM_USABLE
		};
}

/*
 * mmap_from_meminfo: without a memory map, believe the basic meminfo tag:
 * [0, lower KiB) and [1 MiB, 1 MiB + upper KiB). Returns 0 or -EINVAL.
 */
static int mmap_from_meminfo(struct mb2_ctx *c)
{
	struct boot_info *bi = c->bi;
	uint32_t lower = c->mem_lower;

	if (!c->have_meminfo) {
		bi_warn(bi, "no memory map and no basic meminfo");
		return -EINVAL;
	}
	bi_warn(bi, "no memory map; using meminfo lower %uK upper %uK",
		c->mem_lower, c->mem_upper);
	if (lower > MEM_LOWER_MAX_KIB) {
		bi_warn(bi, "meminfo lower %uK > 640K; capped", lower);
		lower = MEM_LOWER_MAX_KIB;
	}
	add_usable(bi, 0, KiB(lower));
	add_usable(bi, MEM_UPPER_BASE, KiB(c->mem_upper));
	bi->mmap_from_meminfo = true;
	if (bi->nr_mmap == 0) {
		bi_warn(bi, "basic meminfo reports no memory");
		return -EINVAL;
	}
	return 0;
}

/*
 * sort_mmap: insertion sort by base (at most BOOT_MAX_MMAP entries), then
 * note each range that starts below the furthest end seen so far.
 */
static void sort_mmap(struct boot_info *bi)
{
	unsigned int i, j, far = 0;
	struct mem_range r;

	for (i = 1; i < bi->nr_mmap; i++) {
		r = bi->mmap[i];
		for (j = i; j > 0 && bi->mmap[j - 1].base.v > r.base.v; j--)
			bi->mmap[j] = bi->mmap[j - 1];
		bi->mmap[j] = r;
	}
	for (i = 1; i < bi->nr_mmap; i++) {
		const struct mem_range *a = &bi->mmap[far], *b = &bi->mmap[i];

		if (a->base.v + a->len > b->base.v)
			bi_warn(bi, "mmap ranges at %#lx (type %u) and %#lx (type %u) overlap",
				a->base.v, a->type, b->base.v, b->type);
		if (b->base.v + b->len > a->base.v + a->len)
			far = i;
	}
}

int mb2_parse(uint32_t magic, const void *mbi, hpa_t image_start,
	      hpa_t image_end, struct boot_info *bi)
{
	struct mb2_ctx c = { .bi = bi, .mbi = mbi };
	int err;

	memset(bi, 0, sizeof(*bi));
	bi->image_start = image_start;
	bi->image_end = image_end;
	if (magic != MULTIBOOT2_BOOTLOADER_MAGIC || !mbi) {
		bi_warn(bi, "bad magic %#x or mbi %p", magic, mbi);
		pr_err("not booted by a multiboot2 loader (magic %#x)\n", magic);
		return -EINVAL;
	}
	bi->mbi_start = ptr_to_hpa(mbi);
	err = read_header(&c);
	if (!err) {
		walk_tags(&c);
		if (bi->nr_mmap == 0)
			err = mmap_from_meminfo(&c);
	}
	if (err) {
		pr_err("boot information unusable: no memory information\n");
		return err;
	}
	sort_mmap(bi);
	return 0;
}

void boot_info_print_warnings(const struct boot_info *bi)
{
	unsigned int i, kept = MIN(bi->nr_warnings, BOOT_MAX_WARNINGS);

	for (i = 0; i < kept; i++)
		pr_warn("%s\n", bi->warnings[i]);
	if (bi->nr_warnings > kept)
		pr_warn("%u more warnings not kept\n", bi->nr_warnings - kept);
}

static int cmd_mods(int argc, char **argv)
{
	const struct boot_module *m;
	unsigned int i;

	if (argc != 1)
		return -EINVAL;
	if (boot_info.nr_mods == 0)
		printk("no modules\n");
	for (i = 0; i < boot_info.nr_mods; i++) {
		m = &boot_info.mods[i];
		printk("%2u %#010lx-%#010lx %9lu %s\n", i, m->start.v, m->end.v,
		       m->end.v - m->start.v, m->name);
	}
	return 0;
}
SHELL_COMMAND(mods, "mods", "boot modules: start, end, size, string", cmd_mods);
