/*
 * gmem.c - guest RAM backing: the gfn -> hfn map, on-demand allocation,
 * and copies in and out of guest memory for loaders and emulation.
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
	gm->map = kzalloc(gm->nr_gfns * sizeof(hfn_t));
	if (!gm->map) {
		pr_err("no memory for the map of %lu guest frames\n", gm->nr_gfns);
		return -ENOMEM;
	}
	return 0;
}

void gmem_destroy(struct gmem *gm)
{
	if (!gm->map)
		return;
	for (uint64_t i = 0; i < gm->nr_gfns; i++)
		if (gm->map[i].v)
			frame_free(hfn_to_hpa(gm->map[i]));
	kfree(gm->map);
	*gm = (struct gmem){ 0 };
}

/* gmem_back: give gfn a zeroed host frame owned by the guest. */
static int gmem_back(struct gmem *gm, gfn_t gfn)
{
	hpa_t a;
	struct frame_meta *m;
	int err = frame_alloc_zeroed(FRAME_GUEST, &a);

	if (err)
		return err;
	m = frame_meta(hpa_to_hfn(a));
	if (m)
		m->gfn = gfn;
	gm->map[gfn.v] = hpa_to_hfn(a);
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
