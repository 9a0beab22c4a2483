/*
 * frame.h - the physical frame allocator and the per-frame metadata.
 *
 * Pagoda owns all physical memory. Every 4 KiB frame of RAM it manages has
 * a struct frame_meta saying who owns it and, for guest frames, what the
 * reclaim code needs (the gfn it backs for rmap lookups, an age, LRU
 * links). Frames outside managed RAM (the first 1 MiB, holes, MMIO, RAM
 * above mem_limit) have no metadata: frame_meta() returns NULL.
 * docs/mm.md explains every field.
 *
 * Context: pure, host-testable. No locking: one CPU, interrupts off.
 */
#ifndef PAGODA_FRAME_H
#define PAGODA_FRAME_H

#include "boot_info.h"
#include "list.h"
#include "types.h"

/*
 * Who owns a frame. A reserved range given to frame_init() names in its
 * `type` field the owner to record (FRAME_IMAGE, FRAME_BOOT); any other
 * value, MEM_RESERVED included, records FRAME_RESERVED.
 */
enum frame_owner {
	FRAME_FREE = 0, /* on the free list */
	FRAME_META = 1, /* the frame_meta table itself */
	FRAME_RESERVED = 2, /* kept away from everyone (caller's reserved ranges) */
	FRAME_IMAGE = 3, /* Pagoda's own image: text, data, bss */
	FRAME_BOOT = 4, /* multiboot2 information and modules */
	FRAME_PAGODA = 5, /* Pagoda's heap (kalloc slabs and large blocks) */
	FRAME_PGTABLE = 6, /* Pagoda's own page tables */
	FRAME_EPT = 7, /* EPT table pages */
	FRAME_SHADOW = 8, /* shadow page-table pages */
	FRAME_GUEST = 9, /* guest RAM */
	FRAME_SWAP = 10, /* the swap store */
	FRAME_OWNER_NR
};
static_assert((int)FRAME_RESERVED == (int)MEM_RESERVED, "a MEM_RESERVED range records FRAME_RESERVED");

/* frame_meta.flags: state for reclaim (KVM/Linux page-flag meanings). */
#define FRAME_F_PINNED BIT(0) /* must not be reclaimed or moved */
#define FRAME_F_YOUNG BIT(1) /* accessed since the last aging scan */
#define FRAME_F_DIRTY BIT(2) /* differs from its copy in the swap store */
#define FRAME_F_WRITEBACK BIT(3) /* being copied to the swap store */
#define FRAME_F_LRU BIT(4) /* on an LRU list (link is in use) */
#define FRAME_F_ACTIVE BIT(5) /* on the active, not the inactive, list */

/*
 * One per managed frame, 32 bytes: 0.8% of RAM. Fields whose meaning
 * depends on the owner say so; the owner may use them freely.
 */
struct frame_meta {
	struct list_head link; /* free list, LRU list, or the owner's list */
	union {
		gfn_t gfn; /* FRAME_GUEST: the gfn this frame backs (rmap) */
		uint64_t priv; /* other owners: owner-defined (kalloc: free list) */
	};
	uint16_t flags; /* FRAME_F_* */
	uint16_t count; /* owner-defined: kalloc objects in use; later mapcount */
	uint16_t tag; /* owner-defined: kalloc size class or block kind */
	uint8_t owner; /* enum frame_owner */
	uint8_t age; /* reclaim: scans survived without being young */
};
static_assert(sizeof(struct frame_meta) == 32, "frame_meta stays 32 bytes");

/*
 * Pagoda's identity map uses 4-level paging, which reaches only the lower
 * canonical half: RAM at or above this address is never managed.
 */
#define MM_PHYS_LIMIT BIT(47)

/* A [start, end) range of host-physical bytes. */
struct mm_span {
	uint64_t start, end;
};

/*
 * frame_init: manage every MEM_USABLE range of bi->mmap (page-aligned
 * inward) above the first 1 MiB and below mem_limit (0: no limit), minus
 * ranges the map also lists as non-usable. Frames in `reserved` are
 * recorded with the owner their type names and never handed out. The
 * metadata table is placed in managed RAM outside every reserved range.
 * May be called again to start over (host tests). Returns 0, -EINVAL (bad
 * arguments) or -ENOMEM (no usable RAM, or no room for the table).
 */
int frame_init(const struct boot_info *bi, const struct mem_range *reserved,
	       unsigned int nr_reserved, uint64_t mem_limit);

/*
 * frame_alloc: one frame for owner, metadata reset. Right after
 * frame_init, frames come out in ascending address order (low memory
 * first: it is all the boot page tables map). Returns 0 or -ENOMEM.
 */
int frame_alloc(enum frame_owner owner, hpa_t *out);
/* frame_alloc_zeroed: frame_alloc, and the frame's 4 KiB cleared. */
int frame_alloc_zeroed(enum frame_owner owner, hpa_t *out);
/*
 * frame_alloc_contig: nr physically contiguous frames, the first one's
 * frame number a multiple of align_frames (a power of two; 512 for a
 * 2 MiB page). Not zeroed. Returns 0, -EINVAL or -ENOMEM.
 */
int frame_alloc_contig(enum frame_owner owner, unsigned int nr, unsigned int align_frames,
		       hpa_t *out);
/* frame_free: give back a frame from frame_alloc*. Freeing anything else
 * (a free, reserved or unmanaged frame, an unaligned address) panics. */
void frame_free(hpa_t a);
void frame_free_contig(hpa_t a, unsigned int nr);

/* frame_meta: the metadata of a managed frame, or NULL. */
struct frame_meta *frame_meta(hfn_t f);
static inline struct frame_meta *frame_meta_hpa(hpa_t a)
{
	return frame_meta(hpa_to_hfn(a));
}
/* frame_meta_hfn: the frame a metadata entry describes (for LRU walks). */
hfn_t frame_meta_hfn(const struct frame_meta *m);

/* Counters: frames per owner, and all managed frames. */
uint64_t frame_count(enum frame_owner owner);
uint64_t frame_total(void);
const char *frame_owner_name(enum frame_owner owner);
void frame_stats_print(void);

/*
 * mm_range_readable: true when [start, start + len) lies wholly inside the
 * RAM or ACPI ranges of the memory map (mapped by paging_init, so reading
 * it cannot fault). False on overflow and for page 0 (never mapped); true
 * for len 0 inside RAM.
 */
bool mm_range_readable(hpa_t start, uint64_t len);

/* The boot memory map as given, and its RAM + ACPI ranges sorted and
 * merged (what paging maps write-back). Valid after frame_init(). */
unsigned int mm_memory_map(const struct mem_range **map);
unsigned int mm_ram_spans(const struct mm_span **spans);

#endif
