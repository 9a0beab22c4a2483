/*
 * gmem.h - guest RAM: which host frame backs each guest frame, and the
 * 2 MiB reservations that let the EPT map whole regions with one leaf.
 *
 * The gfn -> hfn map is the single truth about guest memory (KVM's
 * memslot plus its rmap roots); the EPT (or the shadow MMU) only caches
 * it. A guest frame starts unbacked and gets a zeroed host frame on its
 * first touch, from an EPT violation or from a loader writing into it.
 * Guest RAM is one range [0, size): Pagoda's guests see no holes except
 * what their e820/multiboot map marks reserved.
 *
 * Superpage reservations (FreeBSD's vm_reserv, in KVM words): the first
 * touch of a 2 MiB-aligned region lying wholly inside guest RAM reserves
 * a 2 MiB-aligned run of 512 host frames; each gfn of the region is then
 * backed, on its own first touch, by the frame at the same offset of that
 * run (zeroed then). Once all 512 are backed the region can be mapped by
 * one 2 MiB EPT leaf (gmem_huge_backing). No run free: the region falls
 * back to single frames for good. docs/mm.md has the whole story.
 *
 *   gpa  | region (2 MiB, 512 gfns) |                 guest RAM [0, size)
 *        +--------------------------+--- ... ---+-------+
 *   hpa  | block: hfn b .. b + 511  |           | tail  | (partial: 4K only)
 *
 * Context: pure, host-testable (frames through mm/frame.c).
 */
#ifndef PAGODA_GMEM_H
#define PAGODA_GMEM_H

#include "types.h"

#define GMEM_MIN_SIZE MiB(16)
#define GMEM_MAX_SIZE GiB(3) /* below the 32-bit MMIO hole */

#define GMEM_REGION_SHIFT (HUGE_2M_SHIFT - PAGE_SHIFT)
#define GMEM_REGION_FRAMES (1U << GMEM_REGION_SHIFT) /* 512 gfns per 2 MiB region */

/* What a 2 MiB region of guest RAM is backed with. */
enum gmem_region_state {
	GMEM_R_NONE = 0, /* nothing backed yet; will try to reserve */
	GMEM_R_RESERVED = 1, /* block reserved; gfn i backed by block + i, or not yet */
	GMEM_R_SMALL = 2, /* no block was free: single frames, 4K mappings only */
};

/* One per 2 MiB region lying wholly inside guest RAM. */
struct gmem_region {
	hfn_t block; /* GMEM_R_RESERVED: first frame of the 512 */
	uint16_t nr_backed; /* GMEM_R_RESERVED: gfns backed from the block */
	uint8_t state; /* enum gmem_region_state */
};

/*
 * frame_meta.tag of FRAME_GUEST frames (gmem's use of the owner-defined
 * field). meta->gfn of a block frame is the gfn it backs or is reserved
 * for: always region base + offset, so the reverse map never changes.
 */
#define GMEM_TAG_BLOCK 0x1 /* one of the 512 frames of a reservation */
#define GMEM_TAG_UNTOUCHED 0x2 /* reserved, not backing its gfn yet: contents stale */

/* Reservation counters; `vm` prints them. */
struct gmem_stats {
	uint64_t reservations; /* blocks reserved */
	uint64_t fallbacks; /* regions that found no free block: 4K only */
	uint64_t reserved; /* frames now in blocks but not backing their gfn */
};

struct gmem {
	uint64_t size; /* bytes, page-aligned */
	uint64_t nr_gfns;
	hfn_t *map; /* hfn 0 = not backed (frame 0 is never handed out) */
	uint64_t nr_backed;
	uint64_t nr_regions; /* whole 2 MiB regions: size >> 21 */
	struct gmem_region *regions;
	struct gmem_stats stats;
};

/* gmem_init: an empty map for size bytes. -EINVAL for a bad size, -ENOMEM. */
int gmem_init(struct gmem *gm, uint64_t size);
/* gmem_destroy: frees every backing and every reserved frame, once, and the map. */
void gmem_destroy(struct gmem *gm);
static inline bool gmem_contains(const struct gmem *gm, gpa_t a)
{
	return a.v < gm->size;
}
/*
 * gmem_backing: the host frame behind gfn. With alloc, an unbacked frame
 * gets a zeroed one (*fresh says so): from its region's block (reserved on
 * the region's first touch), else a single frame. -EFAULT outside guest
 * RAM, -ENOENT unbacked without alloc, -ENOMEM when out of frames.
 */
int gmem_backing(struct gmem *gm, gfn_t gfn, bool alloc, hfn_t *out, bool *fresh);
/*
 * gmem_huge_backing: when every gfn of gfn's 2 MiB region is backed by
 * the frame at the same offset of one reserved block, that block's first
 * frame (for a 2 MiB leaf). Returns 0, -ENOENT (not (yet) so), or -EFAULT
 * (outside guest RAM).
 */
int gmem_huge_backing(const struct gmem *gm, gfn_t gfn, hfn_t *block);
/* gmem_read / gmem_write: copy across page boundaries; write backs frames. */
int gmem_read(struct gmem *gm, gpa_t a, void *buf, size_t len);
int gmem_write(struct gmem *gm, gpa_t a, const void *buf, size_t len);
int gmem_zero(struct gmem *gm, gpa_t a, size_t len);

#endif
