/*
 * ram_fake.c - host memory standing in for physical RAM in unit tests.
 *
 * Context: host tests only.
 */
#include <stdlib.h>

#include "boot_info.h"
#include "frame.h"
#include "kalloc.h"
#include "ram_fake.h"

void *fake_ram_alloc(uint64_t size)
{
	return aligned_alloc(MiB(2), size);
}

int fake_ram_reset(void *pool, uint64_t size)
{
	struct boot_info bi = { 0 };
	int err;

	bi.mmap[bi.nr_mmap++] = (struct mem_range){ ptr_to_hpa(pool), size, MEM_USABLE };
	err = frame_init(&bi, NULL, 0, 0);
	kalloc_init();
	return err;
}
