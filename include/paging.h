/*
 * paging.h - Pagoda's own page tables: the 1:1 map of RAM and the low 4 GiB.
 *
 * The entry bits are the IA-32e ones of pt.h (PTE_P, PTE_RW, PTE_PWT,
 * PTE_PCD, PTE_PS, PTE_NX, PTE_ADDR_MASK...), shared with the walker
 * of guest tables; this header adds what only Pagoda's map needs.
 * docs/mm.md draws the layout.
 *
 * Context: boot (paging_init), then any Pagoda context.
 */
#ifndef PAGODA_PAGING_H
#define PAGODA_PAGING_H

#include "pt.h"
#include "types.h"

/* Leaf cache type for MMIO: PAT entry 3, UC in the power-on PAT. */
#define PTE_CACHE_UC (PTE_PCD | PTE_PWT)

/* CR0.WP: supervisor writes to read-only pages fault (Linux's name). */
#define X86_CR0_WP BIT(16)

/* head.S's boot tables map this much; tables built before the switch
 * must lie below it. */
#define BOOT_MAP_END GiB(4)

/*
 * paging_init: build Pagoda's tables from the memory map (frame_init()
 * first: table pages come from frame_alloc(FRAME_PGTABLE)), switch CR3 to
 * them and set CR0.WP. On failure the boot tables stay and nothing leaks.
 * Returns 0, -EBUSY (done already), -ENOMEM or -EFAULT (the new tables
 * would not map the running code or stack: not switched).
 */
int paging_init(void);

/* paging_is_mapped: is va mapped in the tables CR3 points to now? */
bool paging_is_mapped(uint64_t va);

#endif
