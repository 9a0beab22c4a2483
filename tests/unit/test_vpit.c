/*
 * test_vpit.c - the guest's 8254 against the sequences Linux runs on it:
 * the TSC calibration loops of arch/x86/kernel/tsc.c on channel 2, and
 * the i8253 clockevent's periodic (mode 2) and one-shot (mode 4) IRQ0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vdev.h"
#include "virq.h"
#include "vpic.h"
#include "vpit.h"

static struct vdev_table t;
static struct vpit pit;
static struct vpic pic;
static struct virq router; /* to the PIC only: test_virq.c covers the I/O APIC */
static uint64_t now; /* guest ns; the test's TSC runs at 1 GHz, so tsc == now */
static uint64_t io_cost; /* guest ns each port access takes */

static uint64_t fake_clock(void *ctx)
{
	return *(uint64_t *)ctx;
}

static void outb(uint16_t port, uint8_t val)
{
	pio_dispatch_out(&t, port, 1, val);
	now += io_cost;
}

static uint8_t inb(uint16_t port)
{
	uint8_t v = (uint8_t)pio_dispatch_in(&t, port, 1);
	now += io_cost;
	return v;
}

/* ns at which `ticks` PIT clocks have passed since 0 (ceil). */
static uint64_t ticks_ns(uint64_t ticks)
{
	return (ticks * 1000000000ull + PIT_HZ - 1) / PIT_HZ;
}

static int setup(void **state)
{
	t = (struct vdev_table){ 0 };
	now = 1000000; /* not zero: catch code that forgets the base */
	io_cost = 0;
	assert_int_equal(vpic_attach(&t, &pic), 0);
	virq_init(&router, &pic, NULL);
	assert_int_equal(vpit_attach(&t, &pit, &router, fake_clock, &now), 0);
	/* The PIC as Linux leaves it, IRQ0 unmasked. */
	static const uint8_t init[][2] = { { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 4 },
					   { 0x21, 1 },	   { 0xa0, 0x11 }, { 0xa1, 0x28 },
					   { 0xa1, 2 },	   { 0xa1, 1 },	   { 0x21, 0 } };
	for (unsigned int i = 0; i < ARRAY_SIZE(init); i++)
		outb(init[i][0], init[i][1]);
	return 0;
}

/* pit_calibrate_tsc(): channel 2, mode 0, count 10 ms, poll OUT2 in Port B. */
static void test_calibrate_mode0(void **state)
{
	const uint32_t latch = PIT_HZ / (1000 / 10);
	uint64_t t1;
	unsigned int pitcnt = 0;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, latch & 0xff);
	outb(0x42, latch >> 8);
	t1 = now;
	while ((inb(0x61) & 0x20) == 0) {
		now += 1000; /* one loop iteration: 1 us */
		pitcnt++;
		assert_true(pitcnt < 20000);
	}
	/* OUT2 rose exactly when `latch` clocks had passed, not a poll early. */
	assert_int_equal(pitcnt, (ticks_ns(latch) + 999) / 1000);
	assert_true(now - t1 >= ticks_ns(latch));
	assert_true(now - t1 - 1000 < ticks_ns(latch));
	/* Mode 0 stays high, and the counter wraps on past zero. */
	now = t1 + ticks_ns(latch + 5966);
	assert_true(inb(0x61) & 0x20);
	assert_int_equal(vpit_read_counter(&pit, 2, now), (uint16_t)-5966);
	/* No IRQ: channel 2 is not wired to the PIC. */
	assert_false(vpic_has_intr(&pic));
}

/* pit_verify_msb(): ignore the LSB, compare the MSB. */
static bool verify_msb(uint8_t val)
{
	inb(0x42);
	return inb(0x42) == val;
}

/* pit_expect_msb(): loop while the MSB holds; returns loop count, *tsc, *delta. */
static int expect_msb(uint8_t val, uint64_t *tsc, uint64_t *delta)
{
	uint64_t cur = 0, prev = 0;
	int count;

	for (count = 0; count < 50000; count++) {
		if (!verify_msb(val))
			break;
		prev = cur;
		cur = now;
	}
	*delta = now - prev;
	*tsc = cur;
	return count;
}

/* quick_pit_calibrate(): watch the MSB of a 0xffff count fall. */
static void test_quick_calibrate(void **state)
{
	uint64_t tsc, delta, d1, d2, khz = 0;
	const int max_iter = 50 * PIT_HZ / 1000 / 256;

	io_cost = 700; /* each IN/OUT is a VM exit: slow */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	verify_msb(0);
	assert_true(expect_msb(0xff, &tsc, &d1) > 5);
	for (int i = 1; i <= max_iter; i++) {
		assert_true(expect_msb((uint8_t)(0xff - i), &delta, &d2) > 5);
		delta -= tsc;
		if (d1 + d2 >= delta >> 11)
			continue;
		assert_true(verify_msb((uint8_t)(0xfe - i)));
		khz = delta * PIT_HZ / ((uint64_t)i * 256 * 1000);
		break;
	}
	/* The TSC here is the guest ns clock: 1 GHz = 1000000 kHz, within 500 ppm. */
	assert_true(khz > 999500 && khz < 1000500);
}

/* The i8253 clockevent, periodic: mode 2 on channel 0 at HZ=100. */
static void test_mode2_periodic_irq0(void **state)
{
	const uint32_t latch = (PIT_HZ + 50) / 100;
	uint64_t t0;

	outb(0x43, 0x34);
	outb(0x40, latch & 0xff);
	outb(0x40, latch >> 8);
	t0 = now;
	assert_int_equal(vpit_next_event_ns(&pit), t0 + ticks_ns(latch));
	vpit_tick(&pit, t0 + ticks_ns(latch) - 1);
	assert_false(vpic_has_intr(&pic));
	vpit_tick(&pit, t0 + ticks_ns(latch));
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x20);
	outb(0x20, 0x20);
	assert_int_equal(vpit_next_event_ns(&pit), t0 + ticks_ns(2 * latch));

	/*
	 * Five periods end unseen (exits ate the guest's time): each still
	 * gets its own IRQ0, one per acknowledgement (KVM's reinjection),
	 * never a second edge merged into a request still in IRR.
	 */
	vpit_tick(&pit, t0 + ticks_ns(6 * latch));
	for (int i = 0; i < 5; i++) {
		assert_true(vpic_has_intr(&pic));
		vpit_tick(&pit, t0 + ticks_ns(6 * latch)); /* still in IRR: nothing more */
		assert_int_equal(pit.stats.irqs, 2 + i);
		assert_int_equal(vpic_ack(&pic), 0x20);
		outb(0x20, 0x20);
		/* Taken: the next owed edge is due now, not a period later. */
		if (i < 4)
			assert_true(vpit_next_event_ns(&pit) <= t0 + ticks_ns(6 * latch));
		vpit_tick(&pit, t0 + ticks_ns(6 * latch));
	}
	assert_false(vpic_has_intr(&pic));
	assert_int_equal(pit.stats.irqs, 6);
	assert_int_equal(pit.stats.late, 5);
	assert_int_equal(pit.stats.missed, 0);
	assert_int_equal(pit.owed, 0);
	assert_int_equal(vpit_next_event_ns(&pit), t0 + ticks_ns(7 * latch));

	/* The count runs N..1 each period; OUT is low only on 1. */
	now = t0 + ticks_ns(latch / 2);
	outb(0x43, 0x00); /* latch channel 0 */
	now += 1000000;
	uint16_t v = inb(0x40);
	v |= inb(0x40) << 8;
	assert_int_equal(v, latch - latch / 2);
	now = t0 + ticks_ns(latch - 1);
	assert_false(vpit_out(&pit, 0, now));
	now = t0 + ticks_ns(latch);
	assert_true(vpit_out(&pit, 0, now));
	assert_int_equal(vpit_read_counter(&pit, 0, now), latch);
}

/* The i8253 clockevent, one-shot: mode 4, then pit_shutdown's mode 0 count 0. */
static void test_mode4_oneshot(void **state)
{
	uint64_t t0;

	outb(0x43, 0x38);
	outb(0x40, 100);
	outb(0x40, 0);
	t0 = now;
	/* OUT strobes low on clock 100 and rises at 101: that edge is IRQ0. */
	assert_int_equal(vpit_next_event_ns(&pit), t0 + ticks_ns(101));
	vpit_tick(&pit, t0 + ticks_ns(100));
	assert_false(vpic_has_intr(&pic));
	vpit_tick(&pit, t0 + ticks_ns(101));
	assert_int_equal(vpic_ack(&pic), 0x20);
	outb(0x20, 0x20);
	assert_int_equal(vpit_next_event_ns(&pit), VPIT_NO_EVENT);
	vpit_tick(&pit, t0 + ticks_ns(100000));
	assert_false(vpic_has_intr(&pic));

	/* Shutdown: mode 0 with count 0 means 65536 clocks, then one IRQ. */
	outb(0x43, 0x30);
	assert_int_equal(vpit_next_event_ns(&pit), VPIT_NO_EVENT); /* no count yet */
	outb(0x40, 0);
	outb(0x40, 0);
	assert_int_equal(vpit_next_event_ns(&pit), now + ticks_ns(65536));
	vpit_tick(&pit, now + ticks_ns(65536));
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(pit.stats.irqs, 2);
}

/*
 * The backlog is bounded: a guest left unscheduled for a minute (paused
 * from the shell) gets a second's worth of ticks, the rest dropped and
 * counted; masked at the 8259, edges are not held back; a new count
 * cancels what was owed.
 */
static void test_reinject_bounds(void **state)
{
	const uint32_t latch = (PIT_HZ + 50) / 100; /* HZ=100 */
	const uint64_t cap = PIT_HZ / latch, periods = 60ull * PIT_HZ / latch;
	uint64_t t0;

	outb(0x43, 0x34);
	outb(0x40, latch & 0xff);
	outb(0x40, latch >> 8);
	t0 = now;
	vpit_tick(&pit, t0 + 60 * 1000000000ull);
	assert_int_equal(cap, 99); /* a second of 10.0001 ms periods */
	assert_int_equal(pit.stats.irqs, 1);
	assert_int_equal(pit.owed, cap - 1); /* a second's worth kept, one delivered */
	assert_int_equal(pit.stats.missed, periods - cap);

	/* IRQ0 masked (as Linux does in symmetric I/O mode): IRR stays set but
	 * cannot reach the CPU, so it does not hold the next edge back. */
	outb(0x21, 0x01);
	vpit_tick(&pit, t0 + 60 * 1000000000ull);
	assert_int_equal(pit.stats.irqs, 2);
	assert_int_equal(pit.owed, cap - 2);

	/* A new count for channel 0 starts afresh: nothing is owed. */
	outb(0x40, latch & 0xff);
	outb(0x40, latch >> 8);
	assert_int_equal(pit.owed, 0);
	assert_int_equal(vpit_next_event_ns(&pit), now + ticks_ns(latch));

	/* A count of 2 (600 kHz): at most VPIT_MAX_OWED owed. */
	outb(0x40, 2);
	outb(0x40, 0);
	vpit_tick(&pit, now + 1000000000ull);
	assert_int_equal(pit.owed, VPIT_MAX_OWED - 1);
}

static void test_latch_and_readback(void **state)
{
	outb(0x61, 0x01);
	outb(0x43, 0xb0); /* ch2, lo/hi, mode 0 */
	/* Read-back status before a count: OUT low, null count, access 3, mode 0. */
	outb(0x43, 0xe8); /* read-back, status only, channel 2 */
	assert_int_equal(inb(0x42), 0x70);
	outb(0x42, 0x00);
	outb(0x42, 0x10); /* 4096 */
	uint64_t t0 = now;
	now = t0 + ticks_ns(96);
	outb(0x43, 0x80); /* latch channel 2 */
	now = t0 + ticks_ns(1096);
	outb(0x43, 0x80); /* ignored: the first latch is unread */
	assert_int_equal(inb(0x42), 0xa0); /* 4096 - 96 = 0x0fa0 */
	now = t0 + ticks_ns(2096);
	assert_int_equal(inb(0x42), 0x0f);
	/* Read-back of count and status: status comes first. */
	now = t0 + ticks_ns(7096);
	outb(0x43, 0xc8);
	assert_int_equal(inb(0x42), 0xb0); /* OUT high, count loaded, lo/hi, mode 0 */
	uint16_t v = inb(0x42);
	v |= inb(0x42) << 8;
	assert_int_equal(v, (uint16_t)(4096 - (96 + 1000 + 1000 + 5000)));
	/* Live reads go on alternating LSB and MSB. */
	assert_int_equal(pit.ch[2].read_msb_next, false);
}

static void test_mode3_and_access_modes(void **state)
{
	outb(0x43, 0x76); /* ch1, lo/hi, mode 3 */
	outb(0x41, 100);
	outb(0x41, 0);
	assert_true(vpit_out(&pit, 1, now));
	assert_int_equal(vpit_read_counter(&pit, 1, now + ticks_ns(10)), 80);
	assert_true(vpit_out(&pit, 1, now + ticks_ns(49)));
	assert_false(vpit_out(&pit, 1, now + ticks_ns(50)));
	assert_true(vpit_out(&pit, 1, now + ticks_ns(100)));

	/* LSB-only and MSB-only access, and BCD. */
	outb(0x43, 0x54); /* ch1, LSB only, mode 2 */
	outb(0x41, 0x20);
	assert_int_equal(pit.ch[1].count, 0x20);
	assert_int_equal(inb(0x41), 0x20);
	outb(0x43, 0x64); /* ch1, MSB only, mode 2 */
	outb(0x41, 0x02);
	assert_int_equal(pit.ch[1].count, 0x200);
	assert_int_equal(inb(0x41), 0x02);
	outb(0x43, 0x75); /* ch1, lo/hi, mode 2, BCD */
	outb(0x41, 0x34);
	outb(0x41, 0x12);
	assert_int_equal(pit.ch[1].count, 1234);
	assert_int_equal(vpit_read_counter(&pit, 1, now + ticks_ns(34)), 0x1200);
	outb(0x41, 0x00);
	outb(0x41, 0x00);
	assert_int_equal(pit.ch[1].count, 10000);
}

static void test_gate(void **state)
{
	/* Mode 0 on channel 2 with the gate low does not count. */
	outb(0x61, 0x00);
	outb(0x43, 0xb0);
	outb(0x42, 10);
	outb(0x42, 0);
	now += ticks_ns(50);
	assert_false(inb(0x61) & 0x20);
	outb(0x61, 0x01);
	now += ticks_ns(5);
	outb(0x61, 0x00); /* paused after 5 */
	now += ticks_ns(50);
	assert_int_equal(vpit_read_counter(&pit, 2, now), 5);
	outb(0x61, 0x01);
	now += ticks_ns(5);
	assert_true(inb(0x61) & 0x20);
	assert_int_equal(inb(0x61) & 0x0f, 0x01);

	/* Mode 2: a low gate forces OUT high; a rising gate reloads. */
	outb(0x43, 0xb4);
	outb(0x42, 10);
	outb(0x42, 0);
	now += ticks_ns(4);
	outb(0x61, 0x00);
	outb(0x61, 0x01);
	assert_int_equal(vpit_read_counter(&pit, 2, now), 10);

	/* Mode 1: waits for a gate edge, then a one-shot. */
	outb(0x61, 0x00);
	outb(0x43, 0xb2);
	outb(0x42, 10);
	outb(0x42, 0);
	now += ticks_ns(100);
	assert_true(vpit_out(&pit, 2, now));
	outb(0x61, 0x01);
	assert_false(vpit_out(&pit, 2, now));
	assert_true(vpit_out(&pit, 2, now + ticks_ns(10)));
}

static void test_hostile(void **state)
{
	static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
	uint32_t x = 777;

	/* Odd sizes read all ones, wide writes split into bytes. */
	assert_int_equal(pio_dispatch_in(&t, 0x40, 3), 0xffffffff);
	assert_int_equal(pio_dispatch_in(&t, 0x43, 1), 0xff);
	pio_dispatch_out(&t, 0x42, 2, 0x0034); /* two byte writes to ch2 */
	/* Count 1 in mode 2/3 is illegal on a real 8254: no crash, bounded. */
	outb(0x43, 0x34);
	outb(0x40, 1);
	outb(0x40, 0);
	vpit_tick(&pit, now + 1000000000ull);
	outb(0x20, 0x20);
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		uint16_t port = ports[(x >> 8) % ARRAY_SIZE(ports)];
		unsigned int size = 1u << ((x >> 4) % 3);
		if (x & 1)
			pio_dispatch_out(&t, port, size, x >> 16);
		else
			(void)pio_dispatch_in(&t, port, size);
		now += (x >> 20) % 3 ? (x >> 24) : (uint64_t)(x >> 8) * 1000;
		vpit_tick(&pit, now);
		uint64_t ev = vpit_next_event_ns(&pit);
		assert_true(ev == VPIT_NO_EVENT || ev + 100000000000ull > now);
		if (vpic_has_intr(&pic)) {
			vpic_ack(&pic);
			outb(0x20, 0x20);
		}
	}
	/* A clock far in the future does not overflow the arithmetic. */
	outb(0x43, 0x34);
	outb(0x40, 0);
	outb(0x40, 0);
	now = UINT64_MAX / 2;
	vpit_tick(&pit, now);
	assert_true(vpit_next_event_ns(&pit) > now);
	assert_true(vpit_next_event_ns(&pit) - now <= ticks_ns(65536));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_calibrate_mode0, setup),
		cmocka_unit_test_setup(test_quick_calibrate, setup),
		cmocka_unit_test_setup(test_mode2_periodic_irq0, setup),
		cmocka_unit_test_setup(test_mode4_oneshot, setup),
		cmocka_unit_test_setup(test_reinject_bounds, setup),
		cmocka_unit_test_setup(test_latch_and_readback, setup),
		cmocka_unit_test_setup(test_mode3_and_access_modes, setup),
		cmocka_unit_test_setup(test_gate, setup),
		cmocka_unit_test_setup(test_hostile, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
