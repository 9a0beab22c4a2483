/*
 * vpit.c - the guest's 8254 PIT and Port B's timer bits, computed from
 * guest time.
 *
 * Each channel holds base_ns/base_ticks: the number of 1.193182 MHz input
 * clocks it had counted at guest time base_ns. Counted clocks at any later
 * time are base_ticks plus the clocks since base_ns while the gate lets
 * the counter run; the count read back, OUT and the next rising edge of
 * OUT all follow from that number and the mode (8254 datasheet, "Modes of
 * Operation"):
 *
 *   mode 0  OUT low from the control word, high once N clocks have passed
 *   mode 1  as mode 0, started by a rising gate (one-shot)
 *   mode 2  OUT low for the last of every N clocks (rate generator)
 *   mode 3  OUT high for the first ceil(N/2) of every N clocks (square wave)
 *   mode 4  OUT low for one clock when N clocks have passed (strobe)
 *   mode 5  as mode 4, started by a rising gate
 *
 * As in QEMU and KVM the counter starts at the count write, not at the next
 * input clock edge, and a new count takes effect at once in every mode.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vpit: " fmt

#include "errcode.h"
#include "log.h"
#include "virq.h"
#include "vpit.h"

#define NSEC_PER_SEC 1000000000ull
#define NO_RISE UINT64_MAX
#define REFRESH_PERIOD_NS 15085 /* Port B bit 4: DRAM refresh request toggle */

/* floor(ns * PIT_HZ / 1e9), without overflowing 64 bits for any ns. */
static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns / NSEC_PER_SEC * PIT_HZ + ns % NSEC_PER_SEC * PIT_HZ / NSEC_PER_SEC;
}

/* The fewest nanoseconds in which `ticks` input clocks have all passed. */
static uint64_t ticks_to_ns_ceil(uint64_t ticks)
{
	uint64_t rem = ticks % PIT_HZ * NSEC_PER_SEC;

	return ticks / PIT_HZ * NSEC_PER_SEC + (rem + PIT_HZ - 1) / PIT_HZ;
}

/* Modes 6 and 7 are modes 2 and 3 (the datasheet's "X" bit). */
static unsigned int ch_mode(const struct vpit_channel *c)
{
	return c->mode > 5 ? c->mode - 4 : c->mode;
}

/* Modes 1 and 5 are started by the gate and then ignore it. */
static bool gate_triggers(const struct vpit_channel *c)
{
	return ch_mode(c) == 1 || ch_mode(c) == 5;
}

static bool ch_running(const struct vpit_channel *c)
{
	return c->counting && (c->gate || gate_triggers(c));
}

/* Input clocks the channel has counted since its count was loaded. */
static uint64_t ch_elapsed(const struct vpit_channel *c, uint64_t now)
{
	if (!ch_running(c) || now <= c->base_ns)
		return c->base_ticks;
	return c->base_ticks + ns_to_ticks(now - c->base_ns);
}

/* OUT after d counted clocks; see the table in the file header. */
static bool ch_out_at(const struct vpit_channel *c, uint64_t d)
{
	uint64_t n = c->count;

	switch (ch_mode(c)) {
	case 0:
		return c->counting && d >= n;
	case 1:
		return !c->counting || d >= n;
	case 2:
		return !ch_running(c) || d % n != n - 1;
	case 3:
		return !ch_running(c) || d % n < (n + 1) / 2;
	default: /* 4, 5 */
		return !c->counting || d != n;
	}
}

/* The first count of clocks after d at which OUT rises, or NO_RISE. */
static uint64_t ch_next_rise(const struct vpit_channel *c, uint64_t d)
{
	uint64_t n = c->count;

	if (!ch_running(c))
		return NO_RISE;
	switch (ch_mode(c)) {
	case 0:
	case 1:
		return d < n ? n : NO_RISE;
	case 2:
	case 3:
		return (d / n + 1) * n;
	default: /* 4, 5: low for clock n, high again at n + 1 */
		return d <= n ? n + 1 : NO_RISE;
	}
}

static uint16_t bin_to_bcd16(unsigned int v)
{
	return (uint16_t)(v % 10 | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

/* BCD digits to binary; nibbles above 9 count as their value (garbage in, no crash). */
static unsigned int bcd16_to_bin(uint16_t v)
{
	return (v & 0xf) + (v >> 4 & 0xf) * 10 + (v >> 8 & 0xf) * 100 + (v >> 12 & 0xf) * 1000;
}

/* The counting element after d clocks, as the guest reads it. */
static uint16_t ch_counter_at(const struct vpit_channel *c, uint64_t d)
{
	uint64_t n = c->count, modulus = c->bcd ? 10000 : 0x10000, v;

	if (ch_mode(c) == 2)
		v = n - d % n;
	else if (ch_mode(c) == 3)
		v = (n - 2 * d % n) & ~1ull; /* counts down by two, twice a period */
	else
		v = (n + modulus - d % modulus) % modulus; /* wraps past zero */
	v %= modulus;
	return c->bcd ? bin_to_bcd16((unsigned int)v) : (uint16_t)v;
}

bool vpit_out(const struct vpit *pit, unsigned int n, uint64_t now_ns)
{
	const struct vpit_channel *c = &pit->ch[n % VPIT_NR_CHANNELS];

	return ch_out_at(c, ch_elapsed(c, now_ns));
}

uint16_t vpit_read_counter(const struct vpit *pit, unsigned int n, uint64_t now_ns)
{
	const struct vpit_channel *c = &pit->ch[n % VPIT_NR_CHANNELS];

	return ch_counter_at(c, ch_elapsed(c, now_ns));
}

static uint64_t pit_now(const struct vpit *pit)
{
	return pit->clock(pit->clock_ctx);
}

/* Start counting from zero clocks at `now` (a load, a reload, a trigger). */
static void ch_restart(struct vpit *pit, struct vpit_channel *c, uint64_t now)
{
	c->counting = true;
	c->base_ns = now;
	c->base_ticks = 0;
	if (c == &pit->ch[0])
		pit->irq_ticks = pit->owed = 0; /* a new count cancels the old backlog */
}

/* The count is complete: load it (modes 1 and 5 wait for a gate edge). */
static void ch_load(struct vpit *pit, struct vpit_channel *c, uint64_t now)
{
	unsigned int n = c->bcd ? bcd16_to_bin(c->new_count) % 10000 : c->new_count;

	c->count = n ? n : (c->bcd ? 10000 : 0x10000);
	c->null_count = false;
	if (gate_triggers(c)) {
		c->counting = false;
		return;
	}
	ch_restart(pit, c, now);
}

static void write_count(struct vpit *pit, struct vpit_channel *c, uint8_t val, uint64_t now)
{
	if (c->access == PIT_ACCESS_LSB) {
		c->new_count = val;
	} else if (c->access == PIT_ACCESS_MSB) {
		c->new_count = (uint16_t)(val << 8);
	} else if (!c->write_msb_next) {
		c->new_count = (c->new_count & 0xff00) | val;
		c->write_msb_next = true;
		if (ch_mode(c) == 0)
			c->counting = false; /* mode 0: the first byte stops the count */
		return;
	} else {
		c->new_count = (uint16_t)((c->new_count & 0x00ff) | val << 8);
		c->write_msb_next = false;
	}
	ch_load(pit, c, now);
}

/* One byte of a counter read: status first, then a latched count, else live. */
static uint8_t read_count(struct vpit_channel *c, uint64_t now)
{
	uint16_t v;
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = c->latched_bytes ? c->latch : ch_counter_at(c, ch_elapsed(c, now));
	msb = c->access == PIT_ACCESS_MSB ||
	      (c->access == PIT_ACCESS_WORD && c->read_msb_next);
	if (c->access == PIT_ACCESS_WORD)
		c->read_msb_next = !c->read_msb_next;
	if (c->latched_bytes)
		c->latched_bytes--;
	return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

/* Counter latch: a second latch before the first is read is ignored. */
static void latch_count(struct vpit_channel *c, uint64_t now)
{
	if (c->latched_bytes)
		return;
	c->latch = ch_counter_at(c, ch_elapsed(c, now));
	c->latched_bytes = c->access == PIT_ACCESS_WORD ? 2 : 1;
}

static void latch_status(struct vpit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((ch_out_at(c, ch_elapsed(c, now)) ? PIT_STATUS_OUT : 0) |
			      (c->null_count ? PIT_STATUS_NULL_COUNT : 0) |
			      c->access << PIT_CW_ACCESS_SHIFT | c->mode << PIT_CW_MODE_SHIFT |
			      (c->bcd ? PIT_CW_BCD : 0));
	c->status_latched = true;
}

static void read_back(struct vpit *pit, uint8_t cmd, uint64_t now)
{
	for (unsigned int n = 0; n < VPIT_NR_CHANNELS; n++) {
		if (!(cmd & PIT_RB_CH(n)))
			continue;
		if (!(cmd & PIT_RB_NO_COUNT))
			latch_count(&pit->ch[n], now);
		if (!(cmd & PIT_RB_NO_STATUS))
			latch_status(&pit->ch[n], now);
	}
}

/* Port 0x43: a mode word, a counter latch or a read-back command. */
static void write_control(struct vpit *pit, uint8_t val, uint64_t now)
{
	unsigned int sel = val >> PIT_CW_SEL_SHIFT;
	unsigned int access = (val & PIT_CW_ACCESS_MASK) >> PIT_CW_ACCESS_SHIFT;
	struct vpit_channel *c;

	if (sel == PIT_CW_SEL_READBACK) {
		read_back(pit, val, now);
		return;
	}
	c = &pit->ch[sel];
	if (access == PIT_ACCESS_LATCH) {
		latch_count(c, now);
		return;
	}
	c->mode = (val & PIT_CW_MODE_MASK) >> PIT_CW_MODE_SHIFT;
	c->access = (uint8_t)access;
	c->bcd = val & PIT_CW_BCD;
	c->write_msb_next = c->read_msb_next = false;
	c->latched_bytes = 0;
	c->status_latched = false;
	c->counting = false; /* until a count is written; OUT takes the mode's idle level */
	c->null_count = true;
	c->base_ticks = 0;
	if (c == &pit->ch[0])
		pit->irq_ticks = pit->owed = 0;
}

/* Channel 2's gate: pauses modes 0/4, restarts 2/3, triggers 1/5. */
static void set_gate(struct vpit *pit, struct vpit_channel *c, bool gate, uint64_t now)
{
	unsigned int mode = ch_mode(c);

	if (gate == c->gate)
		return;
	c->base_ticks = ch_elapsed(c, now);
	c->base_ns = now;
	c->gate = gate;
	if (!gate || mode == 0 || mode == 4)
		return; /* a paused count resumes from where it stopped */
	if (!c->null_count && (c->counting || gate_triggers(c)))
		ch_restart(pit, c, now);
}

static uint8_t port_b_read(struct vpit *pit, uint64_t now)
{
	uint8_t v = pit->port_b & SYS_CTRL_B_WRITABLE;

	if (vpit_out(pit, 2, now))
		v |= SYS_CTRL_B_OUT2;
	if ((now / REFRESH_PERIOD_NS) & 1)
		v |= SYS_CTRL_B_REFRESH;
	return v;
}

static uint8_t vpit_read8(void *dev, uint16_t port)
{
	struct vpit *pit = dev;

	if (port >= VPIT_PORT_CH0 && port < VPIT_PORT_CH0 + VPIT_NR_CHANNELS)
		return read_count(&pit->ch[port - VPIT_PORT_CH0], pit_now(pit));
	if (port == PORT_SYS_CTRL_B)
		return port_b_read(pit, pit_now(pit));
	return 0xff; /* the mode register cannot be read */
}

static void vpit_write8(void *dev, uint16_t port, uint8_t val)
{
	struct vpit *pit = dev;
	uint64_t now = pit_now(pit);

	if (port >= VPIT_PORT_CH0 && port < VPIT_PORT_CH0 + VPIT_NR_CHANNELS) {
		write_count(pit, &pit->ch[port - VPIT_PORT_CH0], val, now);
	} else if (port == VPIT_PORT_MODE) {
		write_control(pit, val, now);
	} else if (port == PORT_SYS_CTRL_B) {
		pit->port_b = val & SYS_CTRL_B_WRITABLE;
		set_gate(pit, &pit->ch[2], val & SYS_CTRL_B_GATE2, now);
	}
}

static int vpit_pio_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	return pio_read_bytes(dev, port, size, val, vpit_read8);
}

static int vpit_pio_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	return pio_write_bytes(dev, port, size, val, vpit_write8);
}

/* rises_between: OUT's rising edges (IRQ0 edges) in (from, to] input clocks. */
static uint64_t rises_between(const struct vpit_channel *c, uint64_t from, uint64_t to)
{
	uint64_t rise = ch_next_rise(c, from);

	if (rise == NO_RISE || rise > to)
		return 0;
	if (ch_mode(c) == 2 || ch_mode(c) == 3)
		return to / c->count - from / c->count; /* one per period boundary */
	return 1;
}

/*
 * owe: add n periods to the backlog, keeping at most a second's worth (at
 * least one, at most VPIT_MAX_OWED). KVM's in-kernel PIT reinjects without
 * a bound; here a guest paused from the shell for a minute would come back
 * to thousands of back-to-back ticks. The rest are dropped and counted.
 */
static void owe(struct vpit *pit, const struct vpit_channel *c, uint64_t n)
{
	uint64_t cap = MIN(MAX(PIT_HZ / c->count, 1), VPIT_MAX_OWED);

	pit->owed += n;
	if (pit->owed > cap) {
		pit->stats.missed += pit->owed - cap;
		pit->owed = cap;
	}
}

/* irq_waiting: the last IRQ0 still waits for the CPU in a controller. */
static bool irq_waiting(const struct vpit *pit)
{
	return pit->router && virq_isa_waiting(pit->router, VPIT_IRQ);
}

/*
 * deliver_owed: one edge for the oldest owed period, unless the previous
 * one has not been taken yet (another edge would merge with it and be
 * lost). `fresh`: a period ended during this tick; otherwise, or when
 * more are owed, the edge is late (reinjected).
 */
static void deliver_owed(struct vpit *pit, bool fresh)
{
	if (!pit->owed || irq_waiting(pit))
		return;
	if (!fresh || pit->owed > 1)
		pit->stats.late++;
	pit->owed--;
	pit->stats.irqs++;
	if (pit->router) {
		virq_set_isa(pit->router, VPIT_IRQ, true);
		virq_set_isa(pit->router, VPIT_IRQ, false);
	}
}

void vpit_tick(struct vpit *pit, uint64_t now_ns)
{
	struct vpit_channel *c = &pit->ch[0];
	uint64_t d = ch_elapsed(c, now_ns), n;

	if (d < pit->irq_ticks)
		return; /* time did not move forward */
	n = rises_between(c, pit->irq_ticks, d);
	pit->irq_ticks = d;
	owe(pit, c, n);
	deliver_owed(pit, n > 0);
}

/* ticks_time: guest time at which channel c had counted `ticks` clocks. */
static uint64_t ticks_time(const struct vpit_channel *c, uint64_t ticks)
{
	if (ticks <= c->base_ticks)
		return c->base_ns;
	return c->base_ns + ticks_to_ns_ceil(ticks - c->base_ticks);
}

uint64_t vpit_next_event_ns(const struct vpit *pit)
{
	const struct vpit_channel *c = &pit->ch[0];
	uint64_t rise = ch_next_rise(c, pit->irq_ticks);

	/* An owed edge that can go out now: the last tick's time, already past. */
	if (pit->owed && !irq_waiting(pit))
		return ticks_time(c, pit->irq_ticks);
	if (rise == NO_RISE)
		return VPIT_NO_EVENT;
	return ticks_time(c, rise);
}

void vpit_reset(struct vpit *pit)
{
	for (unsigned int n = 0; n < VPIT_NR_CHANNELS; n++) {
		pit->ch[n] = (struct vpit_channel){ .count = 0x10000, .null_count = true };
		pit->ch[n].gate = n != 2; /* channels 0 and 1 are wired high */
	}
	pit->port_b = 0;
	pit->irq_ticks = pit->owed = 0;
	pit->stats = (struct vpit_stats){ 0 };
}

int vpit_attach(struct vdev_table *t, struct vpit *pit, struct virq *router, vdev_clock_fn clock,
		void *clock_ctx)
{
	const struct pio_handler h[] = {
		{ "pit", VPIT_PORT_CH0, 4, vpit_pio_read, vpit_pio_write, pit },
		{ "port-b", PORT_SYS_CTRL_B, 1, vpit_pio_read, vpit_pio_write, pit },
	};
	int err;

	pit->router = router;
	pit->clock = clock;
	pit->clock_ctx = clock_ctx;
	vpit_reset(pit);
	for (unsigned int i = 0; i < ARRAY_SIZE(h); i++) {
		err = vdev_register_pio(t, &h[i]);
		if (err)
			return err;
	}
	return 0;
}
