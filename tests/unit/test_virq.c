/*
 * test_virq.c - the ISA interrupt router (guest/virq.c): each ISA IRQ
 * reaches 8259 input n and I/O APIC pin GSI(n), IRQ 0 on pin 2; the lines
 * no device may drive; and the whole path Linux uses in symmetric I/O
 * mode: PIT and UART through the router and the I/O APIC into the
 * x2APIC, picked by vintr.c, with the 8259 masked and LINT0 off.
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
#include "platform.h"
#include "shell.h"
#include "vintr.h"
#include "vioapic.h"
#include "virq.h"
#include "vlapic.h"
#include "vm.h"
#include "vpic.h"
#include "vpit.h"
#include "vuart.h"

#define ISA_VECTOR(irq) (0x30 + (irq)) /* Linux's ISA_IRQ_VECTOR() */
#define COM1 0x3f8

static struct vm vm; /* static: struct vm is large */
static struct vpic pic;
static struct vlapic lapic;
static struct vioapic io;
static struct virq router;
static struct vpit pit;
static struct vuart uart;
static uint64_t now;

static uint64_t fake_now(void *ctx)
{
	return now;
}

static void outb(uint16_t port, uint8_t val)
{
	pio_dispatch_out(&vm.vdev, port, 1, val);
}

static uint8_t inb(uint16_t port)
{
	return (uint8_t)pio_dispatch_in(&vm.vdev, port, 1);
}

static void tx_drop(void *ctx, uint8_t byte)
{
}

/* init_8259A(): vectors 0x30 and 0x38, everything unmasked (so both paths show). */
static void pic_linux_init(void)
{
	static const uint8_t seq[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0x00 }, { 0xa1, 0x00 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(seq); i++)
		outb(seq[i][0], seq[i][1]);
}

static int setup(void **state)
{
	const struct vlapic_clock clk = { fake_now, fake_now, NULL, 1000000 };

	memset(&vm, 0, sizeof(vm));
	now = 1000;
	fake_console_reset();
	assert_int_equal(vpic_attach(&vm.vdev, &pic), 0);
	assert_int_equal(vlapic_attach(&lapic, &vm.vdev, &clk), 0);
	assert_int_equal(vioapic_attach(&vm.vdev, &io, &lapic), 0);
	virq_init(&router, &pic, &io);
	assert_int_equal(vpit_attach(&vm.vdev, &pit, &router, fake_now, NULL), 0);
	assert_int_equal(vuart_attach(&vm.vdev, &uart, COM1, &router, 4, tx_drop, NULL), 0);
	vm.pic = &pic;
	vm.lapic = &lapic;
	vm.ioapic = &io;
	vm.virq = &router;
	vm.pit = &pit;
	vm.uart = &uart;
	pic_linux_init();
	return 0;
}

/* The wiring table: identity but for IRQ 0 -> GSI 2; no GSI for IRQ 2 or beyond 15. */
static void test_gsi_table(void **state)
{
	assert_int_equal(virq_isa_to_gsi(0), 2);
	assert_int_equal(virq_isa_to_gsi(1), 1);
	assert_int_equal(virq_isa_to_gsi(2), VIRQ_NO_GSI);
	for (unsigned int irq = 3; irq < 16; irq++)
		assert_int_equal(virq_isa_to_gsi(irq), irq);
	assert_int_equal(virq_isa_to_gsi(16), VIRQ_NO_GSI);
	assert_int_equal(virq_isa_to_gsi(0xffffffff), VIRQ_NO_GSI);
}

/* Each ISA IRQ raises 8259 input n and I/O APIC pin GSI(n), and nothing else. */
static void test_each_isa_irq(void **state)
{
	for (unsigned int irq = 0; irq < 16; irq++) {
		unsigned int gsi;

		if (irq == 2)
			continue;
		gsi = (unsigned int)virq_isa_to_gsi(irq);
		virq_set_isa(&router, irq, true);
		virq_set_isa(&router, irq, true); /* still high: not a new rise */
		assert_int_equal(io.line, 1u << gsi);
		assert_int_equal(pic.chip[irq >> 3].line, 1u << (irq & 7));
		/* The master's IR2 follows the slave's INTR: that is the cascade, not us. */
		assert_int_equal(pic.chip[(irq >> 3) ^ 1].line & ~(1u << 2), 0);
		assert_int_equal(router.level, 1u << irq);
		virq_set_isa(&router, irq, false);
		assert_int_equal(io.line, 0);
		assert_int_equal(pic.chip[irq >> 3].line, 0);
		assert_int_equal(router.stats.raised[irq], 1);
	}
	assert_int_equal(router.stats.refused, 0);
}

/* IRQ 2 is the cascade and 16+ do not exist: logged, refused, nothing driven. */
static void test_undrivable_lines(void **state)
{
	virq_set_isa(&router, 2, true);
	virq_set_isa(&router, 16, true);
	virq_set_isa(&router, 0xffffffff, true);
	assert_int_equal(router.stats.refused, 3);
	assert_int_equal(router.level, 0);
	assert_int_equal(io.line, 0);
	assert_int_equal(pic.chip[0].line | pic.chip[1].line, 0);
	assert_non_null(strstr(fake_console_text(), "ISA IRQ 2 cannot be driven"));
}

/* A router with either controller missing still drives the other. */
static void test_one_controller(void **state)
{
	struct virq pic_only, ioapic_only;

	virq_init(&pic_only, &pic, NULL);
	virq_init(&ioapic_only, NULL, &io);
	virq_set_isa(&pic_only, 4, true);
	assert_int_equal(pic.chip[0].line, 1u << 4);
	assert_int_equal(io.line, 0);
	virq_set_isa(&ioapic_only, 8, true);
	assert_int_equal(io.line, 1u << 8);
	assert_int_equal(pic.chip[1].line, 0);
}

/*
 * Symmetric I/O mode as Linux sets it up: the x2APIC enabled with LINT0
 * masked, the 8259 masked, ISA IRQs on the I/O APIC, edge, active-high,
 * to APIC ID 0 (x2APIC physical: no interrupt remapping).
 */
static void symmetric_io(void)
{
	assert_int_equal(msr_dispatch_write(&vm.vdev, X2APIC_MSR(APIC_SPIV),
					    APIC_SPIV_APIC_ENABLED | 0xff), 0);
	assert_int_equal(msr_dispatch_write(&vm.vdev, X2APIC_MSR(APIC_LVT0),
					    APIC_LVT_MASKED | APIC_DM_EXTINT), 0);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	for (unsigned int irq = 0; irq < 16; irq++)
		if (irq != 2)
			io.rte[virq_isa_to_gsi(irq)] = ISA_VECTOR(irq);
}

/* check_timer()'s first try: PIT IRQ0 through pin 2 of the I/O APIC. */
static void test_pit_through_pin2(void **state)
{
	symmetric_io();
	outb(0x43, 0x34); /* channel 0, mode 2, LSB then MSB */
	outb(0x40, 0xa9);
	outb(0x40, 0x04); /* 1193: 1 ms */
	assert_int_equal(vintr_pending(&vm), -1);
	now += 1000000;
	vpit_tick(&pit, now);
	assert_int_equal(vintr_pending(&vm), ISA_VECTOR(0));
	vintr_ack(&vm, ISA_VECTOR(0));
	assert_int_equal(io.stats.delivered[2], 1);
	assert_int_equal(io.stats.delivered[0], 0);
	/* The 8259 saw the edge too, but IRQ0 is masked there and LINT0 is off. */
	assert_int_equal(pic.chip[0].irr & 1, 1);
	assert_false(vlapic_lint0_extint(&lapic));
	assert_int_equal(msr_dispatch_write(&vm.vdev, X2APIC_MSR(APIC_EOI), 0), 0);
	now += 1000000;
	vpit_tick(&pit, now);
	assert_int_equal(vintr_pending(&vm), ISA_VECTOR(0));
	assert_int_equal(io.stats.delivered[2], 2);
}

/*
 * Reinjection through the I/O APIC: a PIT edge waits in the x2APIC's IRR
 * until the CPU takes it; only then does the next owed period go out, so
 * three periods that ended during one long exit make three interrupts.
 */
static void test_pit_reinjection_through_ioapic(void **state)
{
	symmetric_io();
	outb(0x43, 0x34);
	outb(0x40, 0xa9);
	outb(0x40, 0x04); /* 1193: 1 ms */
	now += 3000000;
	vpit_tick(&pit, now);
	assert_true(virq_isa_waiting(&router, 0));
	assert_true(vioapic_pin_waiting(&io, 2));
	assert_false(vpic_irq_waiting(&pic, 0)); /* in the 8259's IRR, but masked */
	vpit_tick(&pit, now);
	assert_int_equal(io.stats.delivered[2], 1);
	for (int taken = 1; taken <= 3; taken++) {
		assert_int_equal(vintr_pending(&vm), ISA_VECTOR(0));
		vintr_ack(&vm, ISA_VECTOR(0));
		assert_false(virq_isa_waiting(&router, 0));
		assert_int_equal(msr_dispatch_write(&vm.vdev, X2APIC_MSR(APIC_EOI), 0), 0);
		vpit_tick(&pit, now);
		assert_int_equal(io.stats.delivered[2], taken == 3 ? 3 : taken + 1);
	}
	assert_int_equal(vintr_pending(&vm), -1);
	assert_int_equal(pit.stats.irqs, 3);
	assert_int_equal(pit.stats.late, 3); /* each stood for a period already over */
	/* A masked pin never waits: its vector is not in IRR on its behalf. */
	io.rte[2] |= IOAPIC_MASKED;
	assert_false(vioapic_pin_waiting(&io, 2));
}

/* The console: THRE on the UART reaches the CPU as IRQ4's vector, one per edge. */
static void test_uart_irq4(void **state)
{
	symmetric_io();
	outb(COM1 + 4, 0x08); /* MCR.OUT2: the PC's IRQ gate */
	outb(COM1 + 1, 0x02); /* IER.THRI */
	assert_int_equal(vintr_pending(&vm), ISA_VECTOR(4));
	vintr_ack(&vm, ISA_VECTOR(4));
	/* serial8250_handle_irq(): IIR says THRE, which ends it; the line drops. */
	assert_int_equal(inb(COM1 + 2) & 0x0f, 0x02);
	assert_int_equal(router.level & (1u << 4), 0);
	assert_int_equal(msr_dispatch_write(&vm.vdev, X2APIC_MSR(APIC_EOI), 0), 0);
	assert_int_equal(vintr_pending(&vm), -1);
	/* A byte sent: THR empties again, a new edge, a new interrupt. */
	outb(COM1, 'x');
	assert_int_equal(vintr_pending(&vm), ISA_VECTOR(4));
	assert_int_equal(io.stats.delivered[4], 2);
	assert_int_equal(router.stats.raised[4], 2);
}

/* The dump for `devices`. */
static void test_dump(void **state)
{
	virq_set_isa(&router, 4, true);
	virq_set_isa(&router, 8, true);
	virq_set_isa(&router, 8, false);
	fake_console_reset();
	virq_dump(&router);
	assert_string_equal(fake_console_text(),
			    "isa irq: lines high 0010; raised per IRQ: 4:1 8:1; refused 0\n");
}

/* `devices` lives in guest/platform.c: this reference links it into the test. */
static int (*const platform_init)(struct vm *) __used = vm_platform_init;

/* The `devices` shell command shows the I/O APIC's pins and the ISA lines. */
static void test_devices_command(void **state)
{
	char line[] = "devices";
	const char *out;

	symmetric_io();
	virq_set_isa(&router, 4, true);
	the_vm = vm;
	fake_console_reset();
	assert_int_equal(shell_exec(line), 0);
	out = fake_console_text();
	assert_non_null(strstr(out, "ioapic at 0xfec00000: id 1 version 0x11, 24 pins"));
	assert_non_null(strstr(out, "pin  4: 0000000000000034 vector 0x34 fixed    physical "
				    "dest 0x00 edge  high line 1 (asserted), delivered 1"));
	assert_non_null(strstr(out, "pin  2: 0000000000000030"));
	assert_null(strstr(out, "pin  0:"));
	assert_non_null(strstr(out, "isa irq: lines high 0010; raised per IRQ: 4:1; refused 0"));
	memset(&the_vm, 0, sizeof(the_vm));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_gsi_table, setup),
		cmocka_unit_test_setup(test_each_isa_irq, setup),
		cmocka_unit_test_setup(test_undrivable_lines, setup),
		cmocka_unit_test_setup(test_one_controller, setup),
		cmocka_unit_test_setup(test_pit_through_pin2, setup),
		cmocka_unit_test_setup(test_pit_reinjection_through_ioapic, setup),
		cmocka_unit_test_setup(test_uart_irq4, setup),
		cmocka_unit_test_setup(test_dump, setup),
		cmocka_unit_test_setup(test_devices_command, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
