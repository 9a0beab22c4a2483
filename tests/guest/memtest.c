/*
 * memtest: fill N MiB of anonymous memory with an address-derived pattern,
 * then read it all back and verify it.
 *
 * Runs inside the Pagoda test guest (static, no dependencies). Every word
 * holds a value computed from its offset, so a page that the hypervisor
 * maps to the wrong frame, loses while swapping, or zero-fills by mistake
 * is caught, and the reported checksum is the same on every run, in every
 * guest and on the host (compare it with `memtest N` run on the host).
 * All pages are written before any is read back, so under memory pressure
 * the early pages have had time to be evicted.
 *
 * Usage: memtest [MiB]   (default 64, 1..65536)
 * Prints "memtest: N MiB ok checksum=0x..." and exits 0, or
 * "memtest: FAIL at offset 0x... ..." and exits 1; bad usage exits 2.
 * Context: guest user space, static binary.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MIB (1024UL * 1024UL)
#define DEFAULT_MIB 64UL
#define MAX_MIB 65536UL

/* Pattern word at byte offset @off: a mix of the offset, so neighbouring
 * words, pages and MiB all differ and no word is zero. */
static uint64_t pattern(uint64_t off)
{
	uint64_t x = off * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return x | 1;
}

/* Parses the size argument; returns MiB, or 0 when it is not a number in
 * 1..MAX_MIB. */
static unsigned long parse_mib(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v > MAX_MIB)
		return 0;
	return v;
}

static void fill(uint64_t *buf, size_t words)
{
	for (size_t i = 0; i < words; i++)
		buf[i] = pattern(i * sizeof(uint64_t));
}

/* Verifies every word and folds it into *sum; returns the index of the
 * first bad word, or @words when all are good. */
static size_t verify(const volatile uint64_t *buf, size_t words, uint64_t *sum)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < words; i++) {
		uint64_t v = buf[i];

		if (v != pattern(i * sizeof(uint64_t)))
			return i;
		h = (h ^ v) * 0x100000001b3ULL;
		h ^= h >> 31;
	}
	*sum = h;
	return words;
}

int main(int argc, char **argv)
{
	unsigned long mib = DEFAULT_MIB;
	size_t bytes, words, bad;
	uint64_t *buf, sum = 0;

	if (argc > 2 || (argc == 2 && !(mib = parse_mib(argv[1])))) {
		fprintf(stderr, "usage: memtest [MiB 1..%lu]\n", MAX_MIB);
		return 2;
	}
	bytes = mib * MIB;
	words = bytes / sizeof(uint64_t);
	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		printf("memtest: FAIL cannot map %lu MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	fill(buf, words);
	bad = verify(buf, words, &sum);
	if (bad != words) {
		printf("memtest: FAIL at offset 0x%zx: expected 0x%016llx got 0x%016llx\n",
		       bad * sizeof(uint64_t),
		       (unsigned long long)pattern(bad * sizeof(uint64_t)),
		       (unsigned long long)buf[bad]);
		return 1;
	}
	printf("memtest: %lu MiB ok checksum=0x%016llx\n", mib, (unsigned long long)sum);
	munmap(buf, bytes);
	return 0;
}
