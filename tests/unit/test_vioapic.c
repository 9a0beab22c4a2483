/*
 * test_vioapic.c - the guest's I/O APIC (guest/vioapic.c) through its
 * MMIO window, as Linux's io_apic.c drives it, delivering into the real
 * x2APIC of guest/vlapic.c: registers, redirection entries and their
 * read-only bits, edge and level pins, masks, Remote IRR and the EOI
 * broadcast, polarity, destinations, delivery modes, and the accesses
 * the model does not decode.
 *
 * Context: host unit test (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "console_fake.h"
#include "errcode.h"
#include "vdev.h"
#include "vioapic.h"
#include "vlapic.h"

#define VEC_TIMER 0x30 /* Linux's ISA_IRQ_VECTOR(0) */
#define VEC_SCI 0x39
#define MSR_SVR X2APIC_MSR(APIC_SPIV)
#define MSR_EOI X2APIC_MSR(APIC_EOI)

static struct vdev_table t;
static struct vlapic lapic;
static struct vioapic io;
static uint64_t now;

static uint64_t fake_clock(void *ctx)
{
	return now;
}

static const struct mmio_handler *window(void)
{
	const struct mmio_handler *h = vdev_find_mmio(&t, gpa(0xfec00000));

	assert_non_null(h);
	return h;
}

static uint64_t mmio_rd(uint64_t off, unsigned int size)
{
	uint64_t v = 0xdeadbeefdeadbeefULL;

	assert_int_equal(window()->read(window()->dev, off, size, &v), 0);
	return v;
}

static void mmio_wr(uint64_t off, unsigned int size, uint64_t v)
{
	assert_int_equal(window()->write(window()->dev, off, size, v), 0);
}

/* io_apic_read()/io_apic_write(): select, then the window. */
static uint32_t reg_rd(uint32_t reg)
{
	mmio_wr(IOAPIC_REGSEL, 4, reg);
	return (uint32_t)mmio_rd(IOAPIC_WINDOW, 4);
}

static void reg_wr(uint32_t reg, uint32_t v)
{
	mmio_wr(IOAPIC_REGSEL, 4, reg);
	mmio_wr(IOAPIC_WINDOW, 4, v);
}

static uint64_t rte_rd(unsigned int pin)
{
	uint64_t lo = reg_rd(0x10 + 2 * pin), hi = reg_rd(0x11 + 2 * pin);

	return lo | hi << 32;
}

/* __ioapic_write_entry(): the high dword first, the low one (with the mask) last. */
static void rte_wr(unsigned int pin, uint64_t rte)
{
	reg_wr(0x11 + 2 * pin, (uint32_t)(rte >> 32));
	reg_wr(0x10 + 2 * pin, (uint32_t)rte);
}

static bool irr_has(uint8_t v)
{
	return lapic.irr[v / 32] & (1u << (v % 32));
}

static bool tmr_has(uint8_t v)
{
	return lapic.tmr[v / 32] & (1u << (v % 32));
}

/* The CPU takes the pending vector and its handler EOIs it. */
static void take_and_eoi(uint8_t v)
{
	assert_int_equal(vlapic_pending(&lapic), v);
	vlapic_ack(&lapic, v);
	assert_int_equal(msr_dispatch_write(&t, MSR_EOI, 0), 0);
}

static int setup(void **state)
{
	const struct vlapic_clock clk = { fake_clock, fake_clock, NULL, 1000000 };

	t = (struct vdev_table){ 0 };
	now = 1000;
	fake_console_reset();
	assert_int_equal(vlapic_attach(&lapic, &t, &clk), 0);
	assert_int_equal(vioapic_attach(&t, &io, &lapic), 0);
	/* setup_local_APIC(): software-enabled. */
	assert_int_equal(msr_dispatch_write(&t, MSR_SVR, APIC_SPIV_APIC_ENABLED | 0xff), 0);
	return 0;
}

/* ID, version (0x11, 24 entries), arbitration; every pin masked after reset. */
static void test_reset_registers(void **state)
{
	assert_int_equal(reg_rd(IOAPIC_REG_ID), VIOAPIC_ID << 24);
	assert_int_equal(reg_rd(IOAPIC_REG_VERSION), 0x00170011);
	assert_int_equal(reg_rd(IOAPIC_REG_ARB), VIOAPIC_ID << 24);
	for (unsigned int pin = 0; pin < VIOAPIC_NR_PINS; pin++)
		assert_int_equal(rte_rd(pin), IOAPIC_MASKED);
	/* IOREGSEL reads back; only bits 7:0 exist. */
	mmio_wr(IOAPIC_REGSEL, 4, 0xabcdef12);
	assert_int_equal(mmio_rd(IOAPIC_REGSEL, 4), 0x12);
	assert_int_equal(io.stats.bad_access, 0);
}

/* The ID is bits 27:24 (io_apic_unique_id() may write it); ARB follows; VER is read-only. */
static void test_id_and_readonly(void **state)
{
	reg_wr(IOAPIC_REG_ID, 0xf5ffffff);
	assert_int_equal(reg_rd(IOAPIC_REG_ID), 0x05000000);
	assert_int_equal(reg_rd(IOAPIC_REG_ARB), 0x05000000);
	reg_wr(IOAPIC_REG_VERSION, 0);
	reg_wr(IOAPIC_REG_ARB, 0);
	assert_int_equal(reg_rd(IOAPIC_REG_VERSION), 0x00170011);
	assert_int_equal(reg_rd(IOAPIC_REG_ARB), 0x05000000);
	assert_int_equal(io.stats.bad_access, 2);
	assert_non_null(strstr(fake_console_text(), "read-only"));
}

/* Writable bits stick; Delivery Status, Remote IRR and reserved bits 55:17 do not. */
static void test_rte_bits(void **state)
{
	rte_wr(5, ~0ULL);
	assert_int_equal(rte_rd(5), 0xff0000000001afffULL);
	rte_wr(5, 0);
	assert_int_equal(rte_rd(5), 0);
	/* Each half on its own: the low dword leaves the destination alone. */
	reg_wr(0x11 + 2 * 5, 0x12000000);
	reg_wr(0x10 + 2 * 5, 0x0000a041);
	assert_int_equal(rte_rd(5), 0x120000000000a041ULL);
	reg_wr(0x10 + 2 * 5, 0x00010041);
	assert_int_equal(rte_rd(5), 0x1200000000010041ULL);
	/* The last pin's high dword is register 0x3f; nothing is beyond. */
	reg_wr(0x3f, 0x34000000);
	assert_int_equal(rte_rd(23), 0x3400000000010000ULL);
	assert_int_equal(reg_rd(0x40), 0);
	assert_int_equal(io.stats.bad_access, 1);
}

/* Other offsets and sizes read 0, change nothing, and are counted and logged. */
static void test_bad_accesses(void **state)
{
	static const struct {
		uint64_t off;
		unsigned int size;
	} bad[] = {
		{ 0x00, 1 }, { 0x00, 2 }, { 0x00, 8 }, { 0x10, 1 }, { 0x10, 8 }, { 0x04, 4 },
		{ 0x14, 4 }, { 0x20, 4 }, { 0x40, 4 }, { 0xffc, 4 }, { 0x11, 4 }, { 0x01, 1 },
	};
	uint64_t before = 0;

	reg_wr(0x10, 0x00010030);
	mmio_wr(IOAPIC_REGSEL, 4, 0x10);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(mmio_rd(bad[i].off, bad[i].size), 0);
		mmio_wr(bad[i].off, bad[i].size, ~0ULL);
	}
	assert_int_equal(io.stats.bad_access, 2 * ARRAY_SIZE(bad));
	assert_int_equal(mmio_rd(IOAPIC_REGSEL, 4), 0x10);
	assert_int_equal(mmio_rd(IOAPIC_WINDOW, 4), 0x00010030);
	/* Registers that do not exist: 0x03-0x0f and 0x40-0xff. */
	before = io.stats.bad_access;
	for (uint32_t reg = 0x03; reg <= 0xff; reg = reg == 0x0f ? 0x40 : reg + 1) {
		reg_wr(reg, 0xffffffff);
		assert_int_equal(reg_rd(reg), 0);
	}
	assert_int_equal(io.stats.bad_access - before, 2 * (13 + 192));
	assert_non_null(strstr(fake_console_text(), "ignored"));
	for (unsigned int pin = 1; pin < VIOAPIC_NR_PINS; pin++)
		assert_int_equal(io.rte[pin], IOAPIC_MASKED);
}

/* Edge, active-high (every ISA IRQ): one interrupt per rising edge, none while masked. */
static void test_edge(void **state)
{
	rte_wr(2, VEC_TIMER);
	vioapic_set_pin(&io, 2, true);
	assert_true(irr_has(VEC_TIMER));
	assert_false(tmr_has(VEC_TIMER));
	assert_int_equal(io.stats.delivered[2], 1);
	/* Still high: no new edge. */
	vioapic_set_pin(&io, 2, true);
	assert_int_equal(io.stats.delivered[2], 1);
	take_and_eoi(VEC_TIMER);
	vioapic_set_pin(&io, 2, false);
	assert_false(irr_has(VEC_TIMER));
	vioapic_set_pin(&io, 2, true);
	assert_int_equal(io.stats.delivered[2], 2);
	take_and_eoi(VEC_TIMER);
	vioapic_set_pin(&io, 2, false);
	/* Masked: the edge is lost, and unmasking later does not bring it back. */
	rte_wr(2, VEC_TIMER | IOAPIC_MASKED);
	vioapic_set_pin(&io, 2, true);
	rte_wr(2, VEC_TIMER);
	assert_int_equal(io.stats.delivered[2], 2);
	assert_int_equal(vlapic_pending(&lapic), -1);
	/* An edge pin never holds Remote IRR. */
	assert_false(rte_rd(2) & IOAPIC_REMOTE_IRR);
}

/* Level: Remote IRR until the EOI; delivered again while the line stays high. */
static void test_level_remote_irr(void **state)
{
	rte_wr(9, VEC_SCI | IOAPIC_LEVEL_TRIGGER);
	vioapic_set_pin(&io, 9, true);
	assert_true(irr_has(VEC_SCI));
	assert_true(tmr_has(VEC_SCI));
	assert_true(rte_rd(9) & IOAPIC_REMOTE_IRR);
	/* Remote IRR holds the pin: lowering and raising the line does nothing. */
	vioapic_set_pin(&io, 9, false);
	vioapic_set_pin(&io, 9, true);
	assert_int_equal(io.stats.delivered[9], 1);
	/* The handler did not quiet the device: the EOI brings it back. */
	take_and_eoi(VEC_SCI);
	assert_int_equal(io.stats.eois, 1);
	assert_int_equal(io.stats.delivered[9], 2);
	assert_true(irr_has(VEC_SCI));
	assert_true(rte_rd(9) & IOAPIC_REMOTE_IRR);
	/* This time it did: the EOI clears Remote IRR and nothing follows. */
	vlapic_ack(&lapic, VEC_SCI);
	vioapic_set_pin(&io, 9, false);
	assert_int_equal(msr_dispatch_write(&t, MSR_EOI, 0), 0);
	assert_false(rte_rd(9) & IOAPIC_REMOTE_IRR);
	assert_int_equal(io.stats.delivered[9], 2);
	assert_int_equal(vlapic_pending(&lapic), -1);
}

/* An EOI of another vector, or of an edge vector, leaves Remote IRR alone. */
static void test_eoi_other_vector(void **state)
{
	rte_wr(9, VEC_SCI | IOAPIC_LEVEL_TRIGGER);
	rte_wr(4, 0x44);
	vioapic_set_pin(&io, 9, true);
	vioapic_set_pin(&io, 4, true);
	vioapic_eoi(&io, 0x44);
	vioapic_eoi(&io, 0x38);
	assert_true(rte_rd(9) & IOAPIC_REMOTE_IRR);
	/* Both in service; the first EOI ends 0x44, an edge vector: not broadcast. */
	vlapic_ack(&lapic, VEC_SCI);
	vlapic_ack(&lapic, 0x44);
	assert_int_equal(msr_dispatch_write(&t, MSR_EOI, 0), 0);
	assert_int_equal(lapic.stats.level_eois, 0);
	assert_true(rte_rd(9) & IOAPIC_REMOTE_IRR);
	vioapic_set_pin(&io, 9, false);
	assert_int_equal(msr_dispatch_write(&t, MSR_EOI, 0), 0);
	assert_int_equal(lapic.stats.level_eois, 1);
	assert_false(rte_rd(9) & IOAPIC_REMOTE_IRR);
	assert_int_equal(io.stats.delivered[9], 1);
}

/* A level pin asserted while masked delivers when unmasked (the line is sampled). */
static void test_level_unmask(void **state)
{
	rte_wr(10, 0x3a | IOAPIC_LEVEL_TRIGGER | IOAPIC_MASKED);
	vioapic_set_pin(&io, 10, true);
	assert_int_equal(io.stats.delivered[10], 0);
	rte_wr(10, 0x3a | IOAPIC_LEVEL_TRIGGER);
	assert_int_equal(io.stats.delivered[10], 1);
	assert_true(irr_has(0x3a));
	/* Asserted and deasserted while masked: nothing happens at all. */
	rte_wr(11, 0x3b | IOAPIC_LEVEL_TRIGGER | IOAPIC_MASKED);
	vioapic_set_pin(&io, 11, true);
	vioapic_set_pin(&io, 11, false);
	rte_wr(11, 0x3b | IOAPIC_LEVEL_TRIGGER);
	assert_int_equal(io.stats.delivered[11], 0);
	assert_false(rte_rd(11) & IOAPIC_REMOTE_IRR);
}

/*
 * __eoi_ioapic_pin() for a version 0x11 I/O APIC: masked + edge clears
 * Remote IRR; restoring the level entry delivers again if still asserted.
 */
static void test_edge_switch_clears_remote_irr(void **state)
{
	uint64_t level = VEC_SCI | IOAPIC_LEVEL_TRIGGER;

	rte_wr(9, level);
	vioapic_set_pin(&io, 9, true);
	vlapic_ack(&lapic, VEC_SCI);
	assert_true(rte_rd(9) & IOAPIC_REMOTE_IRR);
	rte_wr(9, VEC_SCI | IOAPIC_MASKED);
	assert_false(rte_rd(9) & IOAPIC_REMOTE_IRR);
	rte_wr(9, level);
	assert_int_equal(io.stats.delivered[9], 2);
	assert_true(rte_rd(9) & IOAPIC_REMOTE_IRR);
	/* Masking alone keeps Remote IRR (datasheet: no effect on an accepted interrupt). */
	rte_wr(9, level | IOAPIC_MASKED);
	assert_true(rte_rd(9) & IOAPIC_REMOTE_IRR);
}

/* Active-low: asserted while the input is low; an edge pin fires on the falling input. */
static void test_polarity(void **state)
{
	rte_wr(9, VEC_SCI | IOAPIC_LEVEL_TRIGGER | IOAPIC_POLARITY_LOW);
	assert_true(vioapic_asserted(&io, 9)); /* the line is idle low */
	assert_int_equal(io.stats.delivered[9], 1);
	vlapic_ack(&lapic, VEC_SCI);
	vioapic_set_pin(&io, 9, true); /* the device lets go of the line */
	assert_false(vioapic_asserted(&io, 9));
	assert_int_equal(msr_dispatch_write(&t, MSR_EOI, 0), 0);
	assert_int_equal(io.stats.delivered[9], 1);
	/* Edge, active-low: high -> low is the edge; low -> high is not. */
	vioapic_set_pin(&io, 3, true);
	rte_wr(3, 0x33 | IOAPIC_POLARITY_LOW);
	vioapic_set_pin(&io, 3, false);
	assert_int_equal(io.stats.delivered[3], 1);
	vioapic_set_pin(&io, 3, true);
	assert_int_equal(io.stats.delivered[3], 1);
}

/* Physical ID 0 or 0xff, or a logical set holding LDR bit 0; everything else reaches nobody. */
static void test_destinations(void **state)
{
	static const struct {
		uint64_t rte;
		bool delivered;
	} cases[] = {
		{ 0x00ULL << 56, true },
		{ 0x01ULL << 56, false },
		{ 0x0fULL << 56, false },
		{ 0xffULL << 56, true },
		{ (0x01ULL << 56) | IOAPIC_DEST_LOGICAL, true },
		{ (0x03ULL << 56) | IOAPIC_DEST_LOGICAL, true },
		{ (0x02ULL << 56) | IOAPIC_DEST_LOGICAL, false },
		{ (0x00ULL << 56) | IOAPIC_DEST_LOGICAL, false },
		{ (0xffULL << 56) | IOAPIC_DEST_LOGICAL, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t dropped = io.stats.dropped;

		rte_wr(4, 0x34 | cases[i].rte);
		vioapic_set_pin(&io, 4, true);
		vioapic_set_pin(&io, 4, false);
		assert_int_equal(irr_has(0x34), cases[i].delivered);
		assert_int_equal(io.stats.dropped - dropped, !cases[i].delivered);
		lapic.irr[1] = 0;
	}
}

/* A software-disabled local APIC refuses: dropped, and no Remote IRR waits for an EOI. */
static void test_lapic_refuses(void **state)
{
	assert_int_equal(msr_dispatch_write(&t, MSR_SVR, 0xff), 0);
	rte_wr(9, VEC_SCI | IOAPIC_LEVEL_TRIGGER);
	vioapic_set_pin(&io, 9, true);
	assert_int_equal(io.stats.dropped, 1);
	assert_false(rte_rd(9) & IOAPIC_REMOTE_IRR);
	assert_int_equal(io.stats.delivered[9], 0);
	/* A vector below 16 reaches the APIC, which refuses it as illegal. */
	assert_int_equal(msr_dispatch_write(&t, MSR_SVR, APIC_SPIV_APIC_ENABLED | 0xff), 0);
	rte_wr(4, 0x0f);
	vioapic_set_pin(&io, 4, true);
	assert_int_equal(io.stats.dropped, 2);
	assert_int_equal(vlapic_pending(&lapic), -1);
}

/* Fixed and lowest-priority are delivered; SMI, NMI, INIT, ExtINT and reserved are refused. */
static void test_delivery_modes(void **state)
{
	static const uint64_t refused[] = { 2, 3, 4, 5, 6, 7 };

	rte_wr(4, 0x34 | IOAPIC_DM_LOWEST);
	vioapic_set_pin(&io, 4, true);
	vioapic_set_pin(&io, 4, false);
	assert_true(irr_has(0x34));
	lapic.irr[1] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		rte_wr(4, 0x34 | refused[i] << IOAPIC_DM_SHIFT);
		vioapic_set_pin(&io, 4, true);
		vioapic_set_pin(&io, 4, false);
	}
	assert_int_equal(io.stats.bad_mode, ARRAY_SIZE(refused));
	assert_int_equal(io.stats.delivered[4], 1);
	assert_int_equal(vlapic_pending(&lapic), -1);
	assert_non_null(strstr(fake_console_text(), "ExtINT delivery is not emulated"));
	assert_non_null(strstr(fake_console_text(), "NMI delivery is not emulated"));
	/* A refused level interrupt leaves no Remote IRR behind. */
	rte_wr(9, VEC_SCI | IOAPIC_LEVEL_TRIGGER | IOAPIC_DM_NMI);
	vioapic_set_pin(&io, 9, true);
	assert_false(rte_rd(9) & IOAPIC_REMOTE_IRR);
}

/* Pins beyond 23 are a wiring bug: logged, no state touched. */
static void test_bad_pin(void **state)
{
	struct vioapic copy = io;

	vioapic_set_pin(&io, 24, true);
	vioapic_set_pin(&io, 0xffffffff, true);
	assert_memory_equal(&copy, &io, sizeof(io));
	assert_non_null(strstr(fake_console_text(), "pin 24 does not exist"));
}

/* No local APIC: every delivery is dropped. */
static void test_no_lapic(void **state)
{
	struct vdev_table t2 = { 0 };
	struct vioapic lone;

	assert_int_equal(vioapic_attach(&t2, &lone, NULL), 0);
	lone.rte[4] = 0x34;
	vioapic_set_pin(&lone, 4, true);
	assert_int_equal(lone.stats.dropped, 1);
	/* The page is claimed once: a second I/O APIC there overlaps. */
	assert_int_equal(vioapic_attach(&t2, &lone, NULL), -EEXIST);
}

/* The `devices` dump decodes the used pins and sums up the rest. */
static void test_dump(void **state)
{
	const char *out;

	rte_wr(2, VEC_TIMER);
	rte_wr(9, VEC_SCI | IOAPIC_LEVEL_TRIGGER | (0x01ULL << 56) | IOAPIC_DEST_LOGICAL);
	vioapic_set_pin(&io, 9, true);
	fake_console_reset();
	vioapic_dump(&io);
	out = fake_console_text();
	assert_non_null(strstr(out, "ioapic at 0xfec00000: id 1 version 0x11, 24 pins"));
	assert_non_null(strstr(out, "pin  2: 0000000000000030 vector 0x30 fixed    physical "
				    "dest 0x00 edge  high line 0, delivered 0"));
	assert_non_null(strstr(out, "pin  9: 010000000000c839 vector 0x39 fixed    logical  "
				    "dest 0x01 level high remote-IRR line 1 (asserted), delivered 1"));
	assert_non_null(strstr(out, "22 pins masked, idle and never delivered"));
	assert_null(strstr(out, "pin  3:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_registers, setup),
		cmocka_unit_test_setup(test_id_and_readonly, setup),
		cmocka_unit_test_setup(test_rte_bits, setup),
		cmocka_unit_test_setup(test_bad_accesses, setup),
		cmocka_unit_test_setup(test_edge, setup),
		cmocka_unit_test_setup(test_level_remote_irr, setup),
		cmocka_unit_test_setup(test_eoi_other_vector, setup),
		cmocka_unit_test_setup(test_level_unmask, setup),
		cmocka_unit_test_setup(test_edge_switch_clears_remote_irr, setup),
		cmocka_unit_test_setup(test_polarity, setup),
		cmocka_unit_test_setup(test_destinations, setup),
		cmocka_unit_test_setup(test_lapic_refuses, setup),
		cmocka_unit_test_setup(test_delivery_modes, setup),
		cmocka_unit_test_setup(test_bad_pin, setup),
		cmocka_unit_test_setup(test_no_lapic, setup),
		cmocka_unit_test_setup(test_dump, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
