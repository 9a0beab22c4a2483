/*
 * touch: write one byte to each of N fresh anonymous pages and time it.
 *
 * Runs inside the Pagoda test guest. Each first write is a guest page
 * fault, and on a fresh guest frame usually an EPT violation too, so
 * the time per page is the cost of that whole fault path; compare the
 * figure bare, under Pagoda with EPT, and with shadow paging.
 * Not busybox's touch: the initramfs installs it as /tests/touch.
 *
 * Usage: touch [pages]   (default 16384 = 64 MiB, 1..16777216)
 * Prints "touch: N pages in T ms (U us/page)" and exits 0; exits 1 when
 * the memory cannot be mapped, 2 on bad usage.
 * Context: guest user space, static binary.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PAGES 16384UL
#define MAX_PAGES (16UL * 1024 * 1024)

/* Returns pages, or 0 when @s is not a number in 1..MAX_PAGES. */
static unsigned long parse_pages(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v > MAX_PAGES)
		return 0;
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long pages = DEFAULT_PAGES;
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	volatile unsigned char *buf;
	uint64_t t0, ns;

	if (argc > 2 || (argc == 2 && !(pages = parse_pages(argv[1])))) {
		fprintf(stderr, "usage: touch [pages 1..%lu]\n", MAX_PAGES);
		return 2;
	}
	buf = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		printf("touch: FAIL cannot map %lu pages: %s\n", pages, strerror(errno));
		return 1;
	}
	t0 = now_ns();
	for (unsigned long i = 0; i < pages; i++)
		buf[i * psz] = (unsigned char)(i | 1);
	ns = now_ns() - t0;
	printf("touch: %lu pages in %llu.%03llu ms (%llu.%03llu us/page)\n", pages,
	       (unsigned long long)(ns / 1000000), (unsigned long long)(ns / 1000 % 1000),
	       (unsigned long long)(ns / pages / 1000),
	       (unsigned long long)(ns / pages % 1000));
	munmap((void *)buf, pages * psz);
	return 0;
}
