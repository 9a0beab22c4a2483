/*
 * vdev.c - the guest's port-I/O and MSR device tables and their dispatch.
 *
 * Devices register ranges of ports or MSRs with a read and a write
 * function; the I/O and RDMSR/WRMSR exit handlers call pio_dispatch_* and
 * msr_dispatch_*, which find the device and call it. What no device
 * claims behaves like an empty ISA bus (reads all ones, writes vanish) or,
 * for MSRs, like a missing MSR (-EINVAL, the caller injects #GP). Both are
 * logged rate-limited: the guest decides how often they happen.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vdev: " fmt

#include "errcode.h"
#include "log.h"
#include "vdev.h"

#define PIO_PORTS 0x10000u
#define MSR_SPACE 0x100000000ull

static_assert(VDEV_MAX_PIO >= VDEV_MAX_MSR && VDEV_MAX_PIO >= VDEV_MAX_MMIO,
	      "dump_hits sizes its arrays by the largest table");

/* Mask of the bytes an access of `size` carries; 0 for a size the bus has not. */
static uint32_t pio_size_mask(unsigned int size)
{
	static const uint32_t masks[5] = { 0, 0xff, 0xffff, 0, 0xffffffff };

	return size < ARRAY_SIZE(masks) ? masks[size] : 0;
}

static bool ranges_overlap(uint64_t b1, uint64_t n1, uint64_t b2, uint64_t n2)
{
	return b1 < b2 + n2 && b2 < b1 + n1;
}

/*
 * vdev_register_pio: copy *h into the table. Returns 0, -EINVAL for an
 * empty range or one past port 0xffff, -EEXIST when a port is already
 * claimed, -ENOSPC when the table is full.
 */
int vdev_register_pio(struct vdev_table *t, const struct pio_handler *h)
{
	if (!h || h->count == 0 || (uint32_t)h->base + h->count > PIO_PORTS) {
		pr_err("bad port range for %s\n", h && h->name ? h->name : "?");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < t->nr_pio; i++) {
		const struct pio_handler *o = &t->pio[i];
		if (ranges_overlap(h->base, h->count, o->base, o->count)) {
			pr_err("%s ports 0x%x+%u overlap %s\n", h->name, h->base, h->count,
			       o->name);
			return -EEXIST;
		}
	}
	if (t->nr_pio == VDEV_MAX_PIO) {
		pr_err("no room for %s: %u port ranges\n", h->name, VDEV_MAX_PIO);
		return -ENOSPC;
	}
	t->pio[t->nr_pio++] = *h;
	return 0;
}

/* vdev_register_msr: as vdev_register_pio, for MSR ranges. */
int vdev_register_msr(struct vdev_table *t, const struct msr_handler *h)
{
	if (!h || h->count == 0 || (uint64_t)h->base + h->count > MSR_SPACE) {
		pr_err("bad MSR range for %s\n", h && h->name ? h->name : "?");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < t->nr_msr; i++) {
		const struct msr_handler *o = &t->msr[i];
		if (ranges_overlap(h->base, h->count, o->base, o->count)) {
			pr_err("%s MSRs 0x%x+%u overlap %s\n", h->name, h->base, h->count,
			       o->name);
			return -EEXIST;
		}
	}
	if (t->nr_msr == VDEV_MAX_MSR) {
		pr_err("no room for %s: %u MSR ranges\n", h->name, VDEV_MAX_MSR);
		return -ENOSPC;
	}
	t->msr[t->nr_msr++] = *h;
	return 0;
}

/*
 * vdev_register_mmio: as vdev_register_pio, for guest-physical ranges;
 * -EINVAL for an empty range, one that wraps, or a missing handler.
 */
int vdev_register_mmio(struct vdev_table *t, const struct mmio_handler *h)
{
	if (!h || h->size == 0 || h->base.v + h->size < h->base.v || !h->read || !h->write) {
		pr_err("bad MMIO range for %s\n", h && h->name ? h->name : "?");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < t->nr_mmio; i++) {
		const struct mmio_handler *o = &t->mmio[i];
		if (ranges_overlap(h->base.v, h->size, o->base.v, o->size)) {
			pr_err("%s MMIO 0x%lx+0x%lx overlaps %s\n", h->name, h->base.v, h->size,
			       o->name);
			return -EEXIST;
		}
	}
	if (t->nr_mmio == VDEV_MAX_MMIO) {
		pr_err("no room for %s: %u MMIO ranges\n", h->name, VDEV_MAX_MMIO);
		return -ENOSPC;
	}
	t->mmio[t->nr_mmio++] = *h;
	return 0;
}

/* vdev_find_mmio: the handler whose range holds gpa a, or NULL. */
const struct mmio_handler *vdev_find_mmio(const struct vdev_table *t, gpa_t a)
{
	for (unsigned int i = 0; i < t->nr_mmio; i++) {
		const struct mmio_handler *h = &t->mmio[i];
		if (a.v >= h->base.v && a.v - h->base.v < h->size)
			return h;
	}
	return NULL;
}

/* vdev_find_pio: the handler whose range holds `port`, or NULL. */
const struct pio_handler *vdev_find_pio(const struct vdev_table *t, uint16_t port)
{
	for (unsigned int i = 0; i < t->nr_pio; i++) {
		const struct pio_handler *h = &t->pio[i];
		if (port >= h->base && port - h->base < h->count)
			return h;
	}
	return NULL;
}

/* vdev_find_msr: the handler whose range holds `msr`, or NULL. */
const struct msr_handler *vdev_find_msr(const struct vdev_table *t, uint32_t msr)
{
	for (unsigned int i = 0; i < t->nr_msr; i++) {
		const struct msr_handler *h = &t->msr[i];
		if (msr >= h->base && msr - h->base < h->count)
			return h;
	}
	return NULL;
}

/* count_pio / count_msr: one access to h, or to nothing; returns h. */
static const struct pio_handler *count_pio(struct vdev_table *t, const struct pio_handler *h)
{
	if (h)
		t->hits.pio[h - t->pio]++;
	else
		t->hits.pio_unclaimed++;
	return h;
}

static const struct msr_handler *count_msr(struct vdev_table *t, const struct msr_handler *h)
{
	if (h)
		t->hits.msr[h - t->msr]++;
	else
		t->hits.msr_unclaimed++;
	return h;
}

void vdev_count_mmio(struct vdev_table *t, const struct mmio_handler *h)
{
	if (h)
		t->hits.mmio[h - t->mmio]++;
	else
		t->hits.mmio_unclaimed++;
}

/*
 * dump_hits: "kind: name count, ..., unclaimed N", busiest first. A
 * selection by repeated maximum: at most VDEV_MAX_PIO entries, and a
 * shell command has time to spare.
 */
static void dump_hits(const char *kind, const char *const *names, const uint64_t *hits,
		      unsigned int n, uint64_t unclaimed)
{
	bool shown[VDEV_MAX_PIO] = { false };

	printk("  %s", kind);
	for (unsigned int k = 0; k < n; k++) {
		unsigned int best = n;
		for (unsigned int i = 0; i < n; i++)
			if (!shown[i] && hits[i] && (best == n || hits[i] > hits[best]))
				best = i;
		if (best == n)
			break;
		shown[best] = true;
		printk(" %s %lu,", names[best], (unsigned long)hits[best]);
	}
	printk(" unclaimed %lu\n", (unsigned long)unclaimed);
}

void vdev_dump_hits(const struct vdev_table *t)
{
	const char *names[VDEV_MAX_PIO];
	uint64_t hits[VDEV_MAX_PIO];

	for (unsigned int i = 0; i < t->nr_pio; i++)
		names[i] = t->pio[i].name, hits[i] = t->hits.pio[i];
	dump_hits("ports:", names, hits, t->nr_pio, t->hits.pio_unclaimed);
	for (unsigned int i = 0; i < t->nr_msr; i++)
		names[i] = t->msr[i].name, hits[i] = t->hits.msr[i];
	dump_hits("MSRs:", names, hits, t->nr_msr, t->hits.msr_unclaimed);
	for (unsigned int i = 0; i < t->nr_mmio; i++)
		names[i] = t->mmio[i].name, hits[i] = t->hits.mmio[i];
	dump_hits("MMIO:", names, hits, t->nr_mmio, t->hits.mmio_unclaimed);
}

/*
 * pio_dispatch_in: the value an IN of `size` bytes from `port` reads, in
 * the low `size` bytes (the rest zero). Unclaimed ports and device errors
 * read all ones; so does a size other than 1/2/4 (all 32 bits).
 */
uint32_t pio_dispatch_in(struct vdev_table *t, uint16_t port, unsigned int size)
{
	const struct pio_handler *h = count_pio(t, vdev_find_pio(t, port));
	uint32_t mask = pio_size_mask(size), val = 0xffffffff;

	if (!mask) {
		pr_info_ratelimited("bad read size %u at port 0x%x\n", size, port);
		return 0xffffffff;
	}
	if (!h) {
		pr_info_ratelimited("unclaimed port 0x%x read, size %u\n", port, size);
		return mask;
	}
	if (h->read && h->read(h->dev, port, size, &val)) {
		pr_info_ratelimited("%s: refused read of port 0x%x, size %u\n", h->name, port,
				    size);
		return mask;
	}
	return val & mask;
}

/* pio_dispatch_out: an OUT of `size` bytes to `port`; unclaimed ones vanish. */
void pio_dispatch_out(struct vdev_table *t, uint16_t port, unsigned int size, uint32_t val)
{
	const struct pio_handler *h = count_pio(t, vdev_find_pio(t, port));
	uint32_t mask = pio_size_mask(size);

	if (!h || !mask) {
		pr_info_ratelimited("unclaimed port 0x%x write 0x%x, size %u\n", port, val,
				    size);
		return;
	}
	if (h->write && h->write(h->dev, port, size, val & mask))
		pr_info_ratelimited("%s: refused write 0x%x to port 0x%x, size %u\n", h->name,
				    val & mask, port, size);
}

/*
 * msr_dispatch_read: a device's MSR value in *val. Returns 0, or -EINVAL
 * (the caller injects #GP) when no device claims the MSR or it refuses.
 */
int msr_dispatch_read(struct vdev_table *t, uint32_t msr, uint64_t *val)
{
	const struct msr_handler *h = count_msr(t, vdev_find_msr(t, msr));
	int err;

	if (!h || !h->read) {
		pr_info_ratelimited("unclaimed MSR 0x%x read\n", msr);
		return -EINVAL;
	}
	err = h->read(h->dev, msr, val);
	return err ? -EINVAL : 0;
}

/* msr_dispatch_write: as msr_dispatch_read, for WRMSR. */
int msr_dispatch_write(struct vdev_table *t, uint32_t msr, uint64_t val)
{
	const struct msr_handler *h = count_msr(t, vdev_find_msr(t, msr));
	int err;

	if (!h || !h->write) {
		pr_info_ratelimited("unclaimed MSR 0x%x write 0x%llx\n", msr,
				    (unsigned long long)val);
		return -EINVAL;
	}
	err = h->write(h->dev, msr, val);
	return err ? -EINVAL : 0;
}

/* pio_read_bytes: a 1/2/4-byte read made of byte reads of port, port+1... */
int pio_read_bytes(void *dev, uint16_t port, unsigned int size, uint32_t *val,
		   pio_read8_fn read8)
{
	uint32_t v = 0;

	*val = 0xffffffff;
	if (!pio_size_mask(size))
		return -EINVAL;
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)read8(dev, (uint16_t)(port + i)) << (8 * i);
	*val = v;
	return 0;
}

/* pio_write_bytes: a 1/2/4-byte write made of byte writes, lowest byte first. */
int pio_write_bytes(void *dev, uint16_t port, unsigned int size, uint32_t val,
		    pio_write8_fn write8)
{
	if (!pio_size_mask(size))
		return -EINVAL;
	for (unsigned int i = 0; i < size; i++)
		write8(dev, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)));
	return 0;
}
