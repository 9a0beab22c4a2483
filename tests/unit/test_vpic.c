/*
 * test_vpic.c - the guest's 8259A pair, driven through the port table as
 * Linux's init_8259A() and its IRQ handlers drive it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vdev.h"
#include "vpic.h"

static struct vdev_table t;
static struct vpic pic;

static void outb(uint16_t port, uint8_t val)
{
	pio_dispatch_out(&t, port, 1, val);
}

static uint8_t inb(uint16_t port)
{
	return (uint8_t)pio_dispatch_in(&t, port, 1);
}

/* Linux's init_8259A(): all masked, then ICW1-4 on each chip. */
static void linux_init(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
	outb(0x21, 0x20); /* ICW2: IRQ0-7 -> vectors 0x20-0x27 */
	outb(0x21, 0x04); /* ICW3: slave on IR2 */
	outb(0x21, 0x01); /* ICW4: 8086, normal EOI */
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0x00); /* unmask all (Linux then masks per IRQ) */
	outb(0xa1, 0x00);
}

static uint8_t read_isr(uint16_t cmd)
{
	uint8_t v;
	outb(cmd, 0x0b); /* OCW3: read ISR */
	v = inb(cmd);
	outb(cmd, 0x0a); /* back to IRR */
	return v;
}

static int setup(void **state)
{
	t = (struct vdev_table){ 0 };
	assert_int_equal(vpic_attach(&t, &pic), 0);
	linux_init();
	return 0;
}

static void test_linux_init(void **state)
{
	assert_int_equal(pic.stats.bad_init, 0);
	assert_int_equal(pic.chip[0].vector_base, 0x20);
	assert_int_equal(pic.chip[1].vector_base, 0x28);
	assert_int_equal(pic.chip[0].init_step, 0);
	assert_int_equal(pic.chip[1].init_step, 0);
	outb(0x21, 0xfb);
	outb(0xa1, 0xff);
	assert_int_equal(inb(0x21), 0xfb);
	assert_int_equal(inb(0xa1), 0xff);
	assert_false(vpic_has_intr(&pic));
}

static void test_edge_ack_eoi(void **state)
{
	vpic_set_irq(&pic, 0, true);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(inb(0x20), 0x01); /* IRR */
	assert_int_equal(vpic_ack(&pic), 0x20);
	assert_int_equal(read_isr(0x20), 0x01);
	assert_int_equal(inb(0x20), 0x00); /* the edge request was consumed */
	assert_false(vpic_has_intr(&pic));

	/* Still high: no new edge, no new request. */
	vpic_set_irq(&pic, 0, true);
	assert_int_equal(inb(0x20), 0x00);
	vpic_set_irq(&pic, 0, false);
	vpic_set_irq(&pic, 0, true); /* a new edge while in service: latched */
	assert_false(vpic_has_intr(&pic));
	outb(0x20, 0x20); /* non-specific EOI */
	assert_int_equal(read_isr(0x20), 0x00);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x20);
	assert_int_equal(pic.stats.acks[0], 2);
}

static void test_mask(void **state)
{
	outb(0x21, 0x02); /* mask IRQ1 */
	vpic_set_irq(&pic, 1, true);
	assert_false(vpic_has_intr(&pic));
	assert_int_equal(inb(0x20), 0x02); /* requested, but masked */
	outb(0x21, 0x00);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x21);
}

static void test_priority_and_nesting(void **state)
{
	vpic_set_irq(&pic, 3, true);
	vpic_set_irq(&pic, 1, true);
	assert_int_equal(vpic_ack(&pic), 0x21); /* IR1 beats IR3 */
	assert_false(vpic_has_intr(&pic)); /* IR3 waits behind IR1 */
	vpic_set_irq(&pic, 0, true);
	assert_int_equal(vpic_ack(&pic), 0x20); /* IR0 nests over IR1 */
	assert_int_equal(read_isr(0x20), 0x03);
	outb(0x20, 0x20); /* ends IR0, the highest in service */
	assert_int_equal(read_isr(0x20), 0x02);
	assert_false(vpic_has_intr(&pic));
	outb(0x20, 0x61); /* specific EOI for IR1 */
	assert_int_equal(vpic_ack(&pic), 0x23);
}

static void test_cascade(void **state)
{
	vpic_set_irq(&pic, 12, true);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(inb(0x20), 0x04); /* the master sees its IR2 */
	assert_int_equal(vpic_ack(&pic), 0x2c);
	assert_int_equal(read_isr(0xa0), 0x10);
	assert_int_equal(read_isr(0x20), 0x04);
	assert_false(vpic_has_intr(&pic));
	/* Linux's EOI for a slave IRQ: slave first, then the master. */
	outb(0xa0, 0x60 | 4);
	outb(0x20, 0x60 | 2);
	assert_int_equal(read_isr(0xa0), 0);
	assert_int_equal(read_isr(0x20), 0);
	assert_int_equal(pic.stats.acks[12], 1);

	/* A masked slave line does not reach the master. */
	outb(0xa1, 0x01);
	vpic_set_irq(&pic, 8, true);
	assert_false(vpic_has_intr(&pic));
	outb(0xa1, 0x00);
	assert_int_equal(vpic_ack(&pic), 0x28);
}

static void test_level_elcr(void **state)
{
	outb(0x4d1, 0xff); /* only the PIIX's settable bits stick */
	assert_int_equal(inb(0x4d1), 0xde);
	outb(0x4d1, 0x08); /* IRQ11 level */
	outb(0x4d0, 0x07); /* IRQ0-2 can never be level */
	assert_int_equal(inb(0x4d0), 0x00);

	vpic_set_irq(&pic, 11, true);
	assert_int_equal(vpic_ack(&pic), 0x2b);
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	/* The line is still high: it asks again. */
	assert_true(vpic_has_intr(&pic));
	vpic_set_irq(&pic, 11, false);
	assert_false(vpic_has_intr(&pic));
	assert_int_equal(inb(0xa0), 0x00);
}

static void test_spurious(void **state)
{
	outb(0x4d0, 0x20); /* IRQ5 level */
	vpic_set_irq(&pic, 5, true);
	vpic_set_irq(&pic, 5, false); /* gone before INTA */
	assert_int_equal(vpic_ack(&pic), 0x27);
	assert_int_equal(read_isr(0x20), 0x00);

	/* Slave: the request went away before INTA; the master's IR2 went too. */
	outb(0x4d1, 0x08);
	vpic_set_irq(&pic, 11, true);
	assert_true(vpic_has_intr(&pic));
	vpic_set_irq(&pic, 11, false);
	assert_false(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x27);
	assert_int_equal(read_isr(0xa0), 0x00);
	assert_int_equal(read_isr(0x20), 0x00);
	assert_int_equal(pic.stats.spurious, 2);

	/* An edge IRQ stays latched after a pulse (devices pulse their lines). */
	vpic_set_irq(&pic, 7, true);
	vpic_set_irq(&pic, 7, false);
	assert_int_equal(vpic_ack(&pic), 0x27);
	assert_int_equal(read_isr(0x20), 0x80); /* a real IRQ7 is in service */
	assert_int_equal(pic.stats.spurious, 2);
}

static void test_auto_eoi_and_rotation(void **state)
{
	outb(0x20, 0x11);
	outb(0x21, 0x30);
	outb(0x21, 0x04);
	outb(0x21, 0x03); /* 8086, auto-EOI */
	vpic_set_irq(&pic, 4, true);
	assert_int_equal(vpic_ack(&pic), 0x34);
	assert_int_equal(read_isr(0x20), 0x00);

	/* Rotate on non-specific EOI: the IR just served becomes the lowest. */
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	vpic_set_irq(&pic, 1, true);
	assert_int_equal(vpic_ack(&pic), 0x21);
	outb(0x20, 0xa0);
	vpic_set_irq(&pic, 1, false);
	vpic_set_irq(&pic, 1, true);
	vpic_set_irq(&pic, 5, true);
	assert_int_equal(vpic_ack(&pic), 0x25); /* IR5 now outranks IR1 */
	/* Set priority: IR7 lowest, so IR0 highest again. */
	outb(0x20, 0xc7);
	outb(0x20, 0x20);
	vpic_set_irq(&pic, 0, true);
	assert_int_equal(vpic_ack(&pic), 0x20);
}

static void test_poll(void **state)
{
	outb(0x20, 0x0c); /* OCW3: poll */
	assert_int_equal(inb(0x20), 0x00); /* nothing pending */
	vpic_set_irq(&pic, 6, true);
	outb(0x20, 0x0c);
	assert_int_equal(inb(0x20), 0x86);
	assert_int_equal(read_isr(0x20), 0x40);
	assert_false(vpic_has_intr(&pic));
}

static void test_hostile(void **state)
{
	static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
	uint32_t x = 12345;

	/* Wide accesses split into bytes: outw 0x20 = ICW1 on 0x20, ICW2 on 0x21. */
	pio_dispatch_out(&t, 0x20, 2, 0x4011);
	assert_int_equal(pic.chip[0].init_step, 3);
	assert_int_equal(pic.chip[0].vector_base, 0x40);
	assert_int_equal(pio_dispatch_in(&t, 0x20, 3), 0xffffffff);
	/* ICW1 followed by OCWs and an MCS-80 ICW4: no crash, counted. */
	outb(0x21, 0x00);
	outb(0x21, 0x00);
	assert_true(pic.stats.bad_init > 0);
	vpic_set_irq(&pic, 2, true);
	vpic_set_irq(&pic, 16, true);
	vpic_set_irq(&pic, ~0u, true);
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		uint16_t port = ports[(x >> 8) % ARRAY_SIZE(ports)];
		unsigned int size = 1u << ((x >> 4) % 3);
		if (x & 1)
			pio_dispatch_out(&t, port, size, x >> 16);
		else
			(void)pio_dispatch_in(&t, port, size);
		vpic_set_irq(&pic, (x >> 12) % 16, (x >> 20) & 1);
		if (vpic_has_intr(&pic)) {
			int v = vpic_ack(&pic);
			assert_true(v >= 0 && v < 256);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_linux_init, setup),
		cmocka_unit_test_setup(test_edge_ack_eoi, setup),
		cmocka_unit_test_setup(test_mask, setup),
		cmocka_unit_test_setup(test_priority_and_nesting, setup),
		cmocka_unit_test_setup(test_cascade, setup),
		cmocka_unit_test_setup(test_level_elcr, setup),
		cmocka_unit_test_setup(test_spurious, setup),
		cmocka_unit_test_setup(test_auto_eoi_and_rotation, setup),
		cmocka_unit_test_setup(test_poll, setup),
		cmocka_unit_test_setup(test_hostile, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
