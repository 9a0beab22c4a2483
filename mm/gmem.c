/*
 * gmem.c - guest RAM backing: the gfn -> hfn map, on-demand allocation
 * with 2 MiB reservations, and copies in and out of guest memory for
 * loaders and emulation.
 *
 * Invariants (what makes a 2 MiB EPT leaf safe):
 *  - a region is GMEM_R_NONE only while none of its gfns is backed, so the
 *    block reserved at its first touch backs every gfn it will ever have;
 *  - in a GMEM_R_RESERVED region, map[base + i] is 0 or block + i, and
 *    nr_backed counts the non-zero ones;
 *  - a block frame is zeroed when its gfn is backed, never before: untouched
 *    frames hold stale data and are reachable by nobody.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "gmem: " fmt
#include "errcode.h"
#include "frame.h"
#include "gmem.h"
#include "kalloc.h"
#include "lib.h"
#include "log.h"

int gmem_init(struct gmem *gm, uint64_t size)
{
	*gm = (struct gmem){ 0 };
	if (size < GMEM_MIN_SIZE || size > GMEM_MAX_SIZE || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	gm->size = size;
	gm->nr_gfns = size >> PAGE_SHIFT;
	gm->nr_regions = size >> HUGE_2M_SHIFT; /* a partial tail region has none */
	gm->map = kzalloc(gm->nr_gfns * sizeof(hfn_t));
	gm->regions = kzalloc(gm->nr_regions * sizeof(struct gmem_region));
	if (!gm->map || !gm->regions) {
		pr_err("no memory for the map of %lu guest frames\n", gm->nr_gfns);
		kfree(gm->map);
		kfree(gm->regions);
		*gm = (struct gmem){ 0 };
		return -ENOMEM;
	}
	return 0;
}

/* region_of: the region struct of gfn, or NULL in the partial tail. */
static struct gmem_region *region_of(const struct gmem *gm, gfn_t gfn)
{
	uint64_t r = gfn.v >> GMEM_REGION_SHIFT;

	return r < gm->nr_regions ? &gm->regions[r] : NULL;
}

static uint64_t region_base(const struct gmem *gm, const struct gmem_region *r)
{
	return (uint64_t)(r - gm->regions) << GMEM_REGION_SHIFT;
}

void gmem_destroy(struct gmem *gm)
{
	if (!gm->map)
		return;
	/* A block is freed whole (touched or not); its gfns are skipped below. */
	for (uint64_t r = 0; r < gm->nr_regions; r++)
		if (gm->regions[r].state == GMEM_R_RESERVED)
			frame_free_contig(hfn_to_hpa(gm->regions[r].block), GMEM_REGION_FRAMES);
	for (uint64_t i = 0; i < gm->nr_gfns; i++) {
		const struct gmem_region *r = region_of(gm, gfn(i));

		if (gm->map[i].v && !(r && r->state == GMEM_R_RESERVED))
			frame_free(hfn_to_hpa(gm->map[i]));
	}
	kfree(gm->map);
	kfree(gm->regions);
	*gm = (struct gmem){ 0 };
}

/* guest_meta: a guest frame's metadata; frames from the allocator have one. */
static struct frame_meta *guest_meta(hfn_t f)
{
	struct frame_meta *m = frame_meta(f);

	CHECK(m && m->owner == FRAME_GUEST);
	return m;
}

/*
 * region_reserve: try to give region r a 2 MiB-aligned block of 512
 * frames, each tagged with the gfn it is reserved for. On failure the
 * region is 4K-only for good (retrying would rescan memory on every
 * touch). Never fails itself: the caller checks r->state.
 */
static void region_reserve(struct gmem *gm, struct gmem_region *r)
{
	uint64_t base = region_base(gm, r);
	hpa_t a;

	if (frame_alloc_contig(FRAME_GUEST, GMEM_REGION_FRAMES, GMEM_REGION_FRAMES, &a)) {
		r->state = GMEM_R_SMALL;
		gm->stats.fallbacks++;
		return;
	}
	r->block = hpa_to_hfn(a);
	r->state = GMEM_R_RESERVED;
	for (unsigned int i = 0; i < GMEM_REGION_FRAMES; i++) {
		struct frame_meta *m = guest_meta(hfn(r->block.v + i));

		m->gfn = gfn(base + i);
		m->tag = GMEM_TAG_BLOCK | GMEM_TAG_UNTOUCHED;
	}
	gm->stats.reservations++;
	gm->stats.reserved += GMEM_REGION_FRAMES;
}

/* back_from_block: gfn takes its frame of r's block, zeroed now. */
static hfn_t back_from_block(struct gmem *gm, struct gmem_region *r, gfn_t gfn)
{
	hfn_t f = hfn(r->block.v + (gfn.v & (GMEM_REGION_FRAMES - 1)));
	struct frame_meta *m = guest_meta(f);

	CHECK(m->gfn.v == gfn.v && (m->tag & GMEM_TAG_UNTOUCHED));
	memset(hpa_to_ptr(hfn_to_hpa(f)), 0, PAGE_SIZE);
	m->tag &= (uint16_t)~GMEM_TAG_UNTOUCHED;
	r->nr_backed++;
	gm->stats.reserved--;
	return f;
}

/* back_single: gfn gets a zeroed frame of its own. Returns 0 or -ENOMEM. */
static int back_single(gfn_t gfn, hfn_t *out)
{
	hpa_t a;
	int err = frame_alloc_zeroed(FRAME_GUEST, &a);

	if (err)
		return err;
	guest_meta(hpa_to_hfn(a))->gfn = gfn;
	*out = hpa_to_hfn(a);
	return 0;
}

/* gmem_back: give unbacked gfn a zeroed host frame owned by the guest. */
static int gmem_back(struct gmem *gm, gfn_t gfn)
{
	struct gmem_region *r = region_of(gm, gfn);
	hfn_t f;
	int err;

	if (r && r->state == GMEM_R_NONE)
		region_reserve(gm, r);
	if (r && r->state == GMEM_R_RESERVED) {
		f = back_from_block(gm, r, gfn);
	} else {
		err = back_single(gfn, &f);
		if (err)
			return err;
	}
	gm->map[gfn.v] = f;
	gm->nr_backed++;
	return 0;
}

int gmem_backing(struct gmem *gm, gfn_t gfn, bool alloc, hfn_t *out, bool *fresh)
{
	int err;

	if (fresh)
		*fresh = false;
	if (gfn.v >= gm->nr_gfns)
		return -EFAULT;
	if (!gm->map[gfn.v].v) {
		if (!alloc)
			return -ENOENT;
		err = gmem_back(gm, gfn);
		if (err)
			return err;
		if (fresh)
			*fresh = true;
	}
	*out = gm->map[gfn.v];
	return 0;
}

int gmem_huge_backing(const struct gmem *gm, gfn_t gfn, hfn_t *block)
{
	const struct gmem_region *r;
	uint64_t base;

	if (gfn.v >= gm->nr_gfns)
		return -EFAULT;
	r = region_of(gm, gfn);
	if (!r || r->state != GMEM_R_RESERVED || r->nr_backed != GMEM_REGION_FRAMES)
		return -ENOENT;
	/* The leaf will expose all 512 frames: check each is the gfn's own. */
	base = region_base(gm, r);
	for (unsigned int i = 0; i < GMEM_REGION_FRAMES; i++)
		CHECK(gm->map[base + i].v == r->block.v + i);
	*block = r->block;
	return 0;
}

/*
 * gmem_copy: walk [a, a+len) page by page; write copies buf in (backing
 * frames as needed), read copies out (unbacked frames read as zeros).
 */
static int gmem_copy(struct gmem *gm, gpa_t a, void *buf, size_t len, bool write,
		     bool zero)
{
	uint8_t *p = buf;
	hfn_t f;
	int err;

	if (a.v >= gm->size || len > gm->size - a.v)
		return -EFAULT;
	while (len) {
		size_t off = gpa_offset(a), n = MIN(len, PAGE_SIZE - off);
		err = gmem_backing(gm, gpa_to_gfn(a), write, &f, NULL);
		if (err && err != -ENOENT)
			return err;
		uint8_t *host = err ? NULL : (uint8_t *)hpa_to_ptr(hfn_to_hpa(f)) + off;
		if (write)
			zero ? memset(host, 0, n) : memcpy(host, p, n);
		else
			host ? memcpy(p, host, n) : memset(p, 0, n);
		a.v += n;
		p += zero ? 0 : n;
		len -= n;
	}
	return 0;
}

int gmem_read(struct gmem *gm, gpa_t a, void *buf, size_t len)
{
	return gmem_copy(gm, a, buf, len, false, false);
}

int gmem_write(struct gmem *gm, gpa_t a, const void *buf, size_t len)
{
	return gmem_copy(gm, a, (void *)buf, len, true, false);
}

int gmem_zero(struct gmem *gm, gpa_t a, size_t len)
{
	return gmem_copy(gm, a, NULL, len, true, true);
}
