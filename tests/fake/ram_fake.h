/*
 * ram_fake.h - host memory standing in for physical RAM in unit tests.
 *
 * Host tests identify hpa with host pointers, so a 2 MiB-aligned host
 * buffer described as one usable range lets the real frame allocator,
 * kalloc and gmem run unchanged.
 *
 * Context: host tests only.
 */
#ifndef PAGODA_RAM_FAKE_H
#define PAGODA_RAM_FAKE_H

#include "types.h"

/* fake_ram_alloc: a 2 MiB-aligned buffer of size bytes, or NULL. */
void *fake_ram_alloc(uint64_t size);
/* fake_ram_reset: frame_init over the whole buffer and an empty kalloc;
 * returns frame_init's result. */
int fake_ram_reset(void *pool, uint64_t size);

/*
 * FAKE_RAM_GROUP(pool, size): the cmocka group set-up and tear-down of a
 * test file whose tests share one pool (a `uint8_t *` it declares): one
 * allocation for the group, each test's set-up then fake_ram_reset()s it.
 */
#define FAKE_RAM_GROUP(pool, size)                   \
	static int group_setup(void **state)         \
	{                                            \
		(pool) = fake_ram_alloc(size);       \
		return (pool) ? 0 : -1;              \
	}                                            \
	static int group_teardown(void **state)      \
	{                                            \
		free(pool);                          \
		return 0;                            \
	}

#endif
