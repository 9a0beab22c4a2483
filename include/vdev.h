/*
 * vdev.h - how the guest's virtual devices plug into the exit handlers.
 *
 * A device registers port ranges (I/O-instruction exits) and MSR ranges
 * (RDMSR/WRMSR exits) in tables; the exit handler looks the port or MSR
 * up and calls the device. Devices raise interrupts through the guest's
 * interrupt controllers (virq_set_isa for ISA IRQs, routed to both the
 * PIC and the I/O APIC; the vLAPIC for its own timer and self-IPIs); the
 * run loop asks vintr_pending() before each VM entry what to inject.
 *
 * Devices are pure: they never touch hardware and keep time through the
 * vm_clock (nanoseconds) the run loop passes in, so each is tested on
 * the host.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VDEV_H
#define PAGODA_VDEV_H

#include "types.h"

struct vm;

/*
 * Port I/O: size is 1, 2 or 4. read fills *val (only the low `size` bytes
 * matter). Both return 0, or -EINVAL / another -E* to make the exit
 * handler log the access (rate-limited) and treat it as an empty port.
 */
struct pio_handler {
	const char *name;
	uint16_t base, count;
	int (*read)(void *dev, uint16_t port, unsigned int size, uint32_t *val);
	int (*write)(void *dev, uint16_t port, unsigned int size, uint32_t val);
	void *dev;
};

/*
 * MSRs: return 0 on success; -EINVAL makes the exit handler inject #GP
 * into the guest, as real hardware does for a bad value or a missing MSR.
 */
struct msr_handler {
	const char *name;
	uint32_t base, count;
	int (*read)(void *dev, uint32_t msr, uint64_t *val);
	int (*write)(void *dev, uint32_t msr, uint64_t val);
	void *dev;
};

/*
 * MMIO: a guest-physical range outside guest RAM that a device decodes
 * (the I/O APIC's page). The range stays unmapped in the EPT, so every
 * access exits as an EPT violation; the instruction is decoded and the
 * device sees one access of 1, 2, 4 or 8 bytes at `offset` from base.
 * Return 0, or -E* to have the access logged (rate-limited) and treated
 * as unclaimed (reads all ones, writes dropped).
 */
struct mmio_handler {
	const char *name;
	gpa_t base;
	uint64_t size;
	int (*read)(void *dev, uint64_t offset, unsigned int size, uint64_t *val);
	int (*write)(void *dev, uint64_t offset, unsigned int size, uint64_t val);
	void *dev;
};

#define VDEV_MAX_PIO 32
#define VDEV_MAX_MSR 16
#define VDEV_MAX_MMIO 4

/*
 * Accesses per registered range, in registration order, and to nothing:
 * what `vm` shows so that "35 000 I/O exits" can be read as which device
 * the guest keeps poking. One count per dispatched access, so a REP
 * INS/OUTS batch counts each element, and an MSR that vmx/msr.c answers
 * itself is not counted here.
 */
struct vdev_hits {
	uint64_t pio[VDEV_MAX_PIO], pio_unclaimed;
	uint64_t msr[VDEV_MAX_MSR], msr_unclaimed;
	uint64_t mmio[VDEV_MAX_MMIO], mmio_unclaimed;
};

struct vdev_table {
	struct pio_handler pio[VDEV_MAX_PIO];
	unsigned int nr_pio;
	struct msr_handler msr[VDEV_MAX_MSR];
	unsigned int nr_msr;
	struct mmio_handler mmio[VDEV_MAX_MMIO];
	unsigned int nr_mmio;
	struct vdev_hits hits;
};

/* Registration: -ENOSPC when the table is full, -EEXIST on overlap. */
int vdev_register_pio(struct vdev_table *t, const struct pio_handler *h);
int vdev_register_msr(struct vdev_table *t, const struct msr_handler *h);
const struct pio_handler *vdev_find_pio(const struct vdev_table *t, uint16_t port);
const struct msr_handler *vdev_find_msr(const struct vdev_table *t, uint32_t msr);
/* vdev_register_mmio: also -EINVAL for an empty or wrapping range. */
int vdev_register_mmio(struct vdev_table *t, const struct mmio_handler *h);
/* vdev_find_mmio: the handler whose range holds a, or NULL. */
const struct mmio_handler *vdev_find_mmio(const struct vdev_table *t, gpa_t a);
/* vdev_count_mmio: count one access to h (a vdev_find_mmio result) or, for NULL, to nothing. */
void vdev_count_mmio(struct vdev_table *t, const struct mmio_handler *h);
/* vdev_dump_hits: one line per kind (ports, MSRs, MMIO) of "name count", busiest first. */
void vdev_dump_hits(const struct vdev_table *t);

/*
 * pio_dispatch / msr_dispatch: what the exit handlers call. An unclaimed
 * port reads as all ones and ignores writes (an empty ISA bus); an
 * unclaimed MSR returns -EINVAL (the caller injects #GP). Both log
 * unclaimed accesses rate-limited.
 */
uint32_t pio_dispatch_in(struct vdev_table *t, uint16_t port, unsigned int size);
void pio_dispatch_out(struct vdev_table *t, uint16_t port, unsigned int size, uint32_t val);
int msr_dispatch_read(struct vdev_table *t, uint32_t msr, uint64_t *val);
int msr_dispatch_write(struct vdev_table *t, uint32_t msr, uint64_t val);

/*
 * Byte-wide devices (8259, 8254, 16550, CMOS, i8042): the ISA bus splits
 * a 16- or 32-bit access to an 8-bit device into byte accesses to
 * consecutive ports, lowest first. A device's read/write handler can hand
 * its whole access to these with a one-byte function; bytes that fall on
 * ports the device does not decode are its one-byte function's business
 * (read as 0xff, writes dropped). Both return 0, or -EINVAL for a size
 * other than 1, 2 or 4 (*val is then all ones).
 */
typedef uint8_t (*pio_read8_fn)(void *dev, uint16_t port);
typedef void (*pio_write8_fn)(void *dev, uint16_t port, uint8_t val);
int pio_read_bytes(void *dev, uint16_t port, unsigned int size, uint32_t *val,
		   pio_read8_fn read8);
int pio_write_bytes(void *dev, uint16_t port, unsigned int size, uint32_t val,
		    pio_write8_fn write8);

/*
 * The guest clock a timekeeping device (PIT, RTC) reads when the guest
 * touches its ports: guest nanoseconds, non-decreasing. vm_clock_ns() in
 * the image, a plain variable in host tests.
 */
typedef uint64_t (*vdev_clock_fn)(void *ctx);

#endif
