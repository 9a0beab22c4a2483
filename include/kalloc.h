/*
 * kalloc.h - Pagoda's heap: small objects from slabs, big ones from frames.
 *
 * Requests up to 2048 bytes are rounded up to a power-of-two size class
 * (16 .. 2048) and carved from one-frame slabs; larger ones get whole
 * contiguous frames. Objects are aligned to their class size, large
 * blocks to a page. All memory is owned FRAME_PAGODA.
 *
 * Context: pure, host-testable. No locking: one CPU, interrupts off.
 */
#ifndef PAGODA_KALLOC_H
#define PAGODA_KALLOC_H

#include "types.h"

#define KMALLOC_MIN 16
#define KMALLOC_MAX_SMALL 2048

/* kalloc_init: forget every slab. Not needed at boot (the lists start
 * empty); tests call it after each frame_init(). */
void kalloc_init(void);
/* kmalloc: size bytes, or NULL when size is 0 or memory is exhausted. */
void *kmalloc(size_t size);
/* kzalloc: kmalloc, zero-filled. */
void *kzalloc(size_t size);
/* kfree: NULL is fine; a pointer kmalloc did not return, or a double
 * free, panics (a Pagoda bug). */
void kfree(void *p);
void kalloc_stats_print(void);

#endif
