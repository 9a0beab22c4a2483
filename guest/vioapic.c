/*
 * vioapic.c - the guest's I/O APIC: the IOREGSEL/IOWIN window, the
 * redirection table, pin edge/level logic, Remote IRR and the EOI
 * broadcast, and delivery to the local APIC.
 *
 * The indirect registers are one table (first, last, read, write); a
 * missing write function is a read-only register. Every change that can
 * make a pin deliver (its input, its redirection entry, an EOI) ends in
 * pin_update() or pin_edge(), which are the only callers of deliver().
 * See include/vioapic.h for the model and its limits.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vioapic: " fmt
#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "vioapic.h"
#include "vlapic.h"

#define ACCESS_SIZE 4 /* IOREGSEL and IOWIN are dwords */
#define RTE_LOW_MASK GENMASK(31, 0)
#define RTE_HIGH_SHIFT 32

static const char *const dm_names[8] = {
	"fixed", "lowest", "SMI", "reserved", "NMI", "INIT", "reserved", "ExtINT",
};

/* ---- pins ---- */

static uint64_t rte_dm(uint64_t rte)
{
	return rte & IOAPIC_DM_MASK;
}

static bool rte_level(uint64_t rte)
{
	return rte & IOAPIC_LEVEL_TRIGGER;
}

bool vioapic_asserted(const struct vioapic *io, unsigned int pin)
{
	bool high = io->line & BIT(pin);

	return high != !!(io->rte[pin] & IOAPIC_POLARITY_LOW);
}

bool vioapic_pin_waiting(const struct vioapic *io, unsigned int pin)
{
	uint64_t rte;

	if (pin >= VIOAPIC_NR_PINS || !io->lapic)
		return false;
	rte = io->rte[pin];
	return !(rte & IOAPIC_MASKED) && vlapic_irr_test(io->lapic, rte & IOAPIC_VECTOR_MASK);
}

/*
 * deliver: send pin's interrupt to the local APIC. Returns whether it
 * was accepted; a level pin then waits for the EOI (Remote IRR).
 */
static bool deliver(struct vioapic *io, unsigned int pin)
{
	uint64_t rte = io->rte[pin];
	uint8_t dest = (uint8_t)(rte >> IOAPIC_DEST_SHIFT);

	if (rte_dm(rte) != IOAPIC_DM_FIXED && rte_dm(rte) != IOAPIC_DM_LOWEST) {
		io->stats.bad_mode++;
		pr_warn_ratelimited("pin %u: %s delivery is not emulated, interrupt dropped\n", pin,
				    dm_names[rte_dm(rte) >> IOAPIC_DM_SHIFT]);
		return false;
	}
	if (!io->lapic || !vlapic_match_dest(io->lapic, dest, rte & IOAPIC_DEST_LOGICAL) ||
	    !vlapic_accept_irq(io->lapic, rte & IOAPIC_VECTOR_MASK, rte_level(rte))) {
		io->stats.dropped++;
		return false;
	}
	if (rte_level(rte))
		io->rte[pin] |= IOAPIC_REMOTE_IRR;
	io->stats.delivered[pin]++;
	return true;
}

/* pin_update: a level pin delivers while asserted, unmasked and not awaiting EOI. */
static void pin_update(struct vioapic *io, unsigned int pin)
{
	uint64_t rte = io->rte[pin];

	if (rte_level(rte) && !(rte & (IOAPIC_MASKED | IOAPIC_REMOTE_IRR)) &&
	    vioapic_asserted(io, pin))
		deliver(io, pin);
}

void vioapic_set_pin(struct vioapic *io, unsigned int pin, bool level)
{
	bool was;

	if (pin >= VIOAPIC_NR_PINS) {
		pr_ratelimited(LOG_ERR, "pin %u does not exist: wiring bug\n", pin);
		return;
	}
	was = vioapic_asserted(io, pin);
	if (level)
		io->line |= (uint32_t)BIT(pin);
	else
		io->line &= ~(uint32_t)BIT(pin);
	/* An edge on a masked pin is lost (82093AA: "not delivered or held pending"). */
	if (!rte_level(io->rte[pin])) {
		if (!was && vioapic_asserted(io, pin) && !(io->rte[pin] & IOAPIC_MASKED))
			deliver(io, pin);
		return;
	}
	pin_update(io, pin);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned int pin = 0; pin < VIOAPIC_NR_PINS; pin++) {
		uint64_t rte = io->rte[pin];

		if ((rte & IOAPIC_VECTOR_MASK) != vector || !(rte & IOAPIC_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~IOAPIC_REMOTE_IRR;
		io->stats.eois++;
		pin_update(io, pin);
	}
}

static void eoi_broadcast(void *ctx, uint8_t vector)
{
	vioapic_eoi(ctx, vector);
}

/* ---- indirect registers ---- */

static uint32_t rd_id(const struct vioapic *io, unsigned int reg)
{
	return (uint32_t)io->id << IOAPIC_ID_SHIFT;
}

static void wr_id(struct vioapic *io, unsigned int reg, uint32_t val)
{
	io->id = (uint8_t)((val & IOAPIC_ID_MASK) >> IOAPIC_ID_SHIFT);
}

static uint32_t rd_version(const struct vioapic *io, unsigned int reg)
{
	return VIOAPIC_VERSION | ((VIOAPIC_NR_PINS - 1) << IOAPIC_VER_MAX_REDIR_SHIFT);
}

/* The arbitration ID is loaded from the ID whenever the ID is written. */
static uint32_t rd_arb(const struct vioapic *io, unsigned int reg)
{
	return rd_id(io, IOAPIC_REG_ID);
}

/* Register 0x10 + 2n is pin n's low dword, 0x11 + 2n its high dword. */
static unsigned int rte_pin(unsigned int reg)
{
	return (reg - IOAPIC_REG_TABLE) / 2;
}

static unsigned int rte_shift(unsigned int reg)
{
	return (reg - IOAPIC_REG_TABLE) % 2 ? RTE_HIGH_SHIFT : 0;
}

static uint32_t rd_rte(const struct vioapic *io, unsigned int reg)
{
	return (uint32_t)(io->rte[rte_pin(reg)] >> rte_shift(reg));
}

/*
 * wr_rte: half an entry; the read-only bits keep their value. Switching a
 * pin to edge clears Remote IRR: Linux's EOI for an I/O APIC without an
 * EOI register (version 0x11) is "mask, set edge, restore".
 */
static void wr_rte(struct vioapic *io, unsigned int reg, uint32_t val)
{
	unsigned int pin = rte_pin(reg), shift = rte_shift(reg);
	uint64_t field = RTE_LOW_MASK << shift;
	uint64_t rte = (io->rte[pin] & ~(field & IOAPIC_RTE_WRITABLE)) |
		       (((uint64_t)val << shift) & field & IOAPIC_RTE_WRITABLE);

	if (!rte_level(rte))
		rte &= ~IOAPIC_REMOTE_IRR;
	io->rte[pin] = rte;
	pin_update(io, pin);
}

struct ioapic_reg {
	uint8_t first, last;
	uint32_t (*read)(const struct vioapic *io, unsigned int reg);
	void (*write)(struct vioapic *io, unsigned int reg, uint32_t val);
};

static const struct ioapic_reg ioapic_regs[] = {
	{ IOAPIC_REG_ID, IOAPIC_REG_ID, rd_id, wr_id },
	{ IOAPIC_REG_VERSION, IOAPIC_REG_VERSION, rd_version, NULL },
	{ IOAPIC_REG_ARB, IOAPIC_REG_ARB, rd_arb, NULL },
	{ IOAPIC_REG_TABLE, IOAPIC_REG_TABLE_END, rd_rte, wr_rte },
};

static const struct ioapic_reg *find_reg(uint32_t reg)
{
	for (size_t i = 0; i < ARRAY_SIZE(ioapic_regs); i++)
		if (reg >= ioapic_regs[i].first && reg <= ioapic_regs[i].last)
			return &ioapic_regs[i];
	return NULL;
}

/* ---- the MMIO window ---- */

/* bad_access: count and log what the model does not decode; it reads 0. */
static void bad_access(struct vioapic *io, const char *what, uint64_t offset, unsigned int size)
{
	io->stats.bad_access++;
	pr_info_ratelimited("%s at offset 0x%lx, size %u (IOREGSEL 0x%x): ignored\n", what,
			    offset, size, io->regsel);
}

static int ioapic_mmio_read(void *dev, uint64_t offset, unsigned int size, uint64_t *val)
{
	struct vioapic *io = dev;
	const struct ioapic_reg *r;

	*val = 0;
	if (size != ACCESS_SIZE || (offset != IOAPIC_REGSEL && offset != IOAPIC_WINDOW)) {
		bad_access(io, "read", offset, size);
		return 0;
	}
	if (offset == IOAPIC_REGSEL) {
		*val = io->regsel;
		return 0;
	}
	r = find_reg(io->regsel);
	if (!r) {
		bad_access(io, "read of no register", offset, size);
		return 0;
	}
	*val = r->read(io, io->regsel);
	return 0;
}

static int ioapic_mmio_write(void *dev, uint64_t offset, unsigned int size, uint64_t val)
{
	struct vioapic *io = dev;
	const struct ioapic_reg *r;

	if (size != ACCESS_SIZE || (offset != IOAPIC_REGSEL && offset != IOAPIC_WINDOW)) {
		bad_access(io, "write", offset, size);
		return 0;
	}
	if (offset == IOAPIC_REGSEL) {
		io->regsel = (uint32_t)val & IOAPIC_REGSEL_MASK;
		return 0;
	}
	r = find_reg(io->regsel);
	if (!r || !r->write) {
		bad_access(io, r ? "write of a read-only register" : "write of no register",
			   offset, size);
		return 0;
	}
	r->write(io, io->regsel, (uint32_t)val);
	return 0;
}

void vioapic_reset(struct vioapic *io)
{
	io->regsel = 0;
	io->id = VIOAPIC_ID;
	for (unsigned int pin = 0; pin < VIOAPIC_NR_PINS; pin++)
		io->rte[pin] = IOAPIC_MASKED;
}

int vioapic_attach(struct vdev_table *t, struct vioapic *io, struct vlapic *lapic)
{
	const struct mmio_handler h = {
		"ioapic", gpa(VIOAPIC_BASE_GPA), VIOAPIC_MMIO_SIZE,
		ioapic_mmio_read, ioapic_mmio_write, io,
	};

	memset(io, 0, sizeof(*io));
	vioapic_reset(io);
	io->lapic = lapic;
	if (lapic)
		vlapic_set_eoi_listener(lapic, eoi_broadcast, io);
	return vdev_register_mmio(t, &h);
}

/* ---- shell ---- */

/* print_pin: one redirection entry, decoded, with the pin's input. */
static void print_pin(const struct vioapic *io, unsigned int pin)
{
	uint64_t rte = io->rte[pin];

	printk("  pin %2u: %016lx vector 0x%02x %-8s %s dest 0x%02x %s %s%s%s line %u%s, "
	       "delivered %lu\n",
	       pin, rte, (uint32_t)(rte & IOAPIC_VECTOR_MASK),
	       dm_names[rte_dm(rte) >> IOAPIC_DM_SHIFT],
	       rte & IOAPIC_DEST_LOGICAL ? "logical " : "physical",
	       (uint32_t)(rte >> IOAPIC_DEST_SHIFT), rte_level(rte) ? "level" : "edge ",
	       rte & IOAPIC_POLARITY_LOW ? "low " : "high", rte & IOAPIC_MASKED ? " masked" : "",
	       rte & IOAPIC_REMOTE_IRR ? " remote-IRR" : "", (io->line >> pin) & 1,
	       vioapic_asserted(io, pin) ? " (asserted)" : "", io->stats.delivered[pin]);
}

/* Pins still as reset, idle and never used are summed up, not listed. */
static bool pin_untouched(const struct vioapic *io, unsigned int pin)
{
	return io->rte[pin] == IOAPIC_MASKED && !(io->line & BIT(pin)) &&
	       !io->stats.delivered[pin];
}

void vioapic_dump(const struct vioapic *io)
{
	const struct vioapic_stats *s = &io->stats;
	unsigned int untouched = 0;

	printk("ioapic at 0x%llx: id %u version 0x%02x, %u pins, IOREGSEL 0x%02x\n",
	       VIOAPIC_BASE_GPA, io->id, VIOAPIC_VERSION, VIOAPIC_NR_PINS, io->regsel);
	for (unsigned int pin = 0; pin < VIOAPIC_NR_PINS; pin++) {
		if (pin_untouched(io, pin))
			untouched++;
		else
			print_pin(io, pin);
	}
	printk("  %u pins masked, idle and never delivered; dropped %lu, unemulated modes %lu, "
	       "EOIs %lu, bad accesses %lu\n",
	       untouched, s->dropped, s->bad_mode, s->eois, s->bad_access);
}
