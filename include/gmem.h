/*
 * gmem.h - guest RAM: which host frame backs each guest frame.
 *
 * The gfn -> hfn map is the single truth about guest memory (KVM's
 * memslot plus its rmap roots); the EPT (or the shadow MMU) only caches
 * it. A guest frame starts unbacked and gets a zeroed host frame on its
 * first touch, from an EPT violation or from a loader writing into it.
 * Guest RAM is one range [0, size): Pagoda's guests see no holes except
 * what their e820/multiboot map marks reserved.
 *
 * Context: pure, host-testable (frames through mm/frame.c).
 */
#ifndef PAGODA_GMEM_H
#define PAGODA_GMEM_H

#include "types.h"

#define GMEM_MIN_SIZE MiB(16)
#define GMEM_MAX_SIZE GiB(3) /* below the 32-bit MMIO hole */

struct gmem {
	uint64_t size; /* bytes, page-aligned */
	uint64_t nr_gfns;
	hfn_t *map; /* hfn 0 = not backed (frame 0 is never handed out) */
	uint64_t nr_backed;
};

/* gmem_init: an empty map for size bytes. -EINVAL for a bad size, -ENOMEM. */
int gmem_init(struct gmem *gm, uint64_t size);
/* gmem_destroy: frees every backing frame and the map. */
void gmem_destroy(struct gmem *gm);
static inline bool gmem_contains(const struct gmem *gm, gpa_t a)
{
	return a.v < gm->size;
}
/*
 * gmem_backing: the host frame behind gfn. With alloc, an unbacked frame
 * gets a fresh zeroed one (*fresh says so). -EFAULT outside guest RAM,
 * -ENOENT unbacked without alloc, -ENOMEM when out of frames.
 */
int gmem_backing(struct gmem *gm, gfn_t gfn, bool alloc, hfn_t *out, bool *fresh);
/* gmem_read / gmem_write: copy across page boundaries; write backs frames. */
int gmem_read(struct gmem *gm, gpa_t a, void *buf, size_t len);
int gmem_write(struct gmem *gm, gpa_t a, const void *buf, size_t len);
int gmem_zero(struct gmem *gm, gpa_t a, size_t len);

#endif
