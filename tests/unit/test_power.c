/*
 * test_power.c - reboot, power-off and emulator exit: which ports are
 * written, in which order, with and without ACPI.
 *
 * The ACPI facts come from real tables (RSDP, XSDT, FADT, DSDT) built in
 * host memory and parsed by acpi_init(). A triple fault longjmps back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acpi.h"
#include "console_fake.h"
#include "errcode.h"
#include "hw_fake.h"
#include "power.h"
#include "power_fake.h"
#include "shell.h"
#include "tsc.h"

static void *blocks[8];
static unsigned int nr_blocks;

static void *zalloc(size_t n)
{
	void *p = calloc(1, n);
	assert_non_null(p);
	blocks[nr_blocks++] = p;
	return p;
}

static void fix_table(struct acpi_sdt_header *h)
{
	uint8_t sum = 0;
	h->checksum = 0;
	for (size_t i = 0; i < h->length; i++)
		sum += ((uint8_t *)h)[i];
	h->checksum = (uint8_t)-sum;
}

static struct acpi_sdt_header *table(const char *sig, size_t len)
{
	struct acpi_sdt_header *h = zalloc(len);
	memcpy(h->signature, sig, 4);
	h->length = (uint32_t)len;
	return h;
}

/* Name(_S5, Package(2){0x05, 0x07}) */
static const uint8_t s5_aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02,
				  0x0a, 0x05, 0x0a, 0x07 };

/* A FADT the test may edit before acpi_up() checksums and parses it. */
static struct acpi_fadt *fadt;
static struct acpi_sdt_header *dsdt;

static void acpi_tables(void)
{
	fadt = (struct acpi_fadt *)table("FACP", sizeof(*fadt));
	dsdt = table("DSDT", sizeof(*dsdt) + sizeof(s5_aml));
	memcpy(dsdt + 1, s5_aml, sizeof(s5_aml));
	fadt->x_dsdt = (uintptr_t)dsdt;
	fadt->pm1a_cnt_blk = 0x604;
	fadt->smi_cmd = 0xb2;
	fadt->acpi_enable = 0xf1;
}

static void acpi_up(void)
{
	struct acpi_sdt_header *xsdt = table("XSDT", sizeof(*xsdt) + 8);
	struct acpi_rsdp *r = zalloc(sizeof(*r));
	uint64_t a = (uintptr_t)fadt;
	uint8_t sum = 0;

	memcpy(xsdt + 1, &a, 8);
	fix_table(dsdt);
	fix_table(&fadt->hdr);
	fix_table(xsdt);
	memcpy(r->signature, "RSD PTR ", 8);
	r->revision = 2;
	r->length = sizeof(*r);
	r->xsdt_address = (uintptr_t)xsdt;
	for (size_t i = 0; i < ACPI_RSDP_V1_SIZE; i++)
		sum += ((uint8_t *)r)[i];
	r->checksum = (uint8_t)-sum;
	sum = 0;
	for (size_t i = 0; i < sizeof(*r); i++)
		sum += ((uint8_t *)r)[i];
	r->extended_checksum = (uint8_t)-sum;
	assert_int_equal(acpi_init(ptr_to_hpa(r)), 0);
	assert_non_null(acpi_fadt());
}

/* acpi_none: no usable ACPI (a zeroed RSDP is refused). */
static void acpi_none(void)
{
	assert_int_equal(acpi_init(ptr_to_hpa(zalloc(sizeof(struct acpi_rsdp)))), -EINVAL);
	assert_null(acpi_fadt());
}

static int setup(void **state)
{
	fake_hw_reset();
	fake_power_reset();
	fake_console_reset();
	tsc_khz = 1000; /* 1 MHz, the TSC stepping 1 ms per read: waits stay short */
	fake_tsc_set(0, 1000);
	nr_blocks = 0;
	return 0;
}

static int teardown(void **state)
{
	while (nr_blocks)
		free(blocks[--nr_blocks]);
	return 0;
}

/* ---- checking port writes ---- */

struct w {
	uint16_t port;
	uint8_t size;
	uint32_t val;
};

/* expect_writes: the fake's write log, from index *at, begins with want[]. */
static void expect_writes(unsigned int *at, const struct w *want, unsigned int n)
{
	const struct fake_port_write *log;
	unsigned int nr = fake_port_writes(&log);

	for (unsigned int i = 0; i < n; i++, (*at)++) {
		if (*at >= nr)
			fail_msg("write %u missing: port 0x%x <- 0x%x", i, want[i].port,
				 want[i].val);
		if (log[*at].port != want[i].port || log[*at].size != want[i].size ||
		    log[*at].val != want[i].val)
			fail_msg("write %u: port 0x%x size %u <- 0x%x, want 0x%x size %u <- 0x%x",
				 i, log[*at].port, log[*at].size, log[*at].val, want[i].port,
				 want[i].size, want[i].val);
	}
}

static unsigned int nr_writes(void)
{
	const struct fake_port_write *log;
	return fake_port_writes(&log);
}

static const struct w cf9_and_kbc[] = {
	{ 0xcf9, 1, 0x02 }, { 0xcf9, 1, 0x06 }, { 0x64, 1, 0xfe },
};
static const struct w shutdown_ports[] = {
	{ 0x8900, 1, 'S' }, { 0x8900, 1, 'h' }, { 0x8900, 1, 'u' }, { 0x8900, 1, 't' },
	{ 0x8900, 1, 'd' }, { 0x8900, 1, 'o' }, { 0x8900, 1, 'w' }, { 0x8900, 1, 'n' },
	{ 0x604, 2, 0x2000 }, { 0xf4, 1, 0 },
};

/* reboot: power_reboot() up to its triple fault. */
static void reboot(void)
{
	jmp_buf jb;

	fake_triple_fault_jmp = &jb;
	if (setjmp(jb) == 0)
		power_reboot();
	assert_int_equal(fake_triple_faults, 1);
}

/* ---- reboot ---- */

static void test_reboot_acpi_io(void **state)
{
	static const struct w first = { 0xcf9, 1, 0x0e };
	unsigned int at = 0;

	acpi_tables();
	fadt->flags = ACPI_FADT_RESET_REG_SUP;
	fadt->reset_reg = (struct acpi_gas){ ACPI_GAS_IO, 8, 0, 1, 0xcf9 };
	fadt->reset_value = 0x0e;
	acpi_up();
	fake_port_push(0x64, 0x00); /* keyboard controller ready */
	reboot();
	expect_writes(&at, &first, 1);
	expect_writes(&at, cf9_and_kbc, 3);
	assert_int_equal(nr_writes(), at);
	assert_true(fake_console_flushes >= 4); /* before each method and the fault */
	assert_non_null(strstr(fake_console_text(), "triple fault"));
}

static void test_reboot_without_acpi(void **state)
{
	unsigned int at = 0;

	acpi_none();
	fake_port_push(0x64, 0x00);
	reboot();
	expect_writes(&at, cf9_and_kbc, 3);
	assert_int_equal(nr_writes(), at);
}

/* PCI space: device 31, function 3, offset 0x45 -> CF8 address, CFC + 1. */
static void test_reboot_acpi_pci(void **state)
{
	static const struct w pci[] = { { 0xcf8, 4, 0x8000fb44 }, { 0xcfd, 1, 0x06 } };
	unsigned int at = 0;

	acpi_tables();
	fadt->flags = ACPI_FADT_RESET_REG_SUP;
	fadt->reset_reg = (struct acpi_gas){ ACPI_GAS_PCI_CONFIG, 8, 0, 1,
					     (31ULL << 32) | (3ULL << 16) | 0x45 };
	fadt->reset_value = 0x06;
	acpi_up();
	fake_port_push(0x64, 0x00);
	reboot();
	expect_writes(&at, pci, 2);
	expect_writes(&at, cf9_and_kbc, 3);
}

/* Memory space (no byte MMIO in hw.h) and an I/O address above 0xffff: skipped. */
static void test_reboot_unsupported_reset_reg(void **state)
{
	static const struct acpi_gas regs[] = {
		{ ACPI_GAS_MEMORY, 8, 0, 1, 0xfed00000 },
		{ ACPI_GAS_IO, 8, 0, 1, 0x10000 },
		{ 0x7f, 8, 0, 1, 0xcf9 },
	};

	for (unsigned int i = 0; i < 3; i++) {
		unsigned int at = 0;

		fake_hw_reset();
		fake_tsc_set(0, 1000);
		fake_power_reset();
		acpi_tables();
		fadt->flags = ACPI_FADT_RESET_REG_SUP;
		fadt->reset_reg = regs[i];
		acpi_up();
		fake_port_push(0x64, 0x00);
		reboot();
		expect_writes(&at, cf9_and_kbc, 3);
		teardown(state);
	}
	assert_non_null(strstr(fake_console_text(), "address space 0 not supported"));
}

/* A FADT without RESET_REG_SUP: the register is not looked at at all. */
static void test_reboot_fadt_without_reset(void **state)
{
	unsigned int at = 0;

	acpi_tables();
	acpi_up();
	fake_port_push(0x64, 0x00);
	reboot();
	expect_writes(&at, cf9_and_kbc, 3);
	assert_null(strstr(fake_console_text(), "not supported"));
}

static void test_reboot_kbc_busy(void **state)
{
	unsigned int at = 0;

	acpi_none();
	reboot(); /* port 0x64 reads 0xff: input buffer always full */
	expect_writes(&at, cf9_and_kbc, 2);
	assert_int_equal(nr_writes(), at);
	assert_non_null(strstr(fake_console_text(), "keyboard controller stays busy"));
}

static void test_reboot_command(void **state)
{
	char line[] = "reboot";
	char bad[] = "reboot now";
	jmp_buf jb;

	acpi_none();
	fake_port_push(0x64, 0x00);
	assert_int_equal(shell_exec(bad), -EINVAL);
	assert_int_equal(nr_writes(), 0);
	fake_triple_fault_jmp = &jb;
	if (setjmp(jb) == 0)
		shell_exec(line);
	assert_int_equal(fake_triple_faults, 1);
}

/* ---- power-off ---- */

/* SCI_EN already set: SLP_TYP, then SLP_TYP|SLP_EN, on PM1a then PM1b. */
static void test_poweroff_acpi(void **state)
{
	static const struct w s5[] = {
		{ 0x604, 2, 0x0001 | 5 << 10 }, { 0x604, 2, 0x2001 | 5 << 10 },
		{ 0x608, 2, 0x0001 | 7 << 10 }, { 0x608, 2, 0x2001 | 7 << 10 },
	};
	unsigned int at = 0;

	acpi_tables();
	fadt->pm1b_cnt_blk = 0x608;
	acpi_up();
	fake_port_push(0x604, 0x1c01); /* SCI_EN, and a stale SLP_TYP to clear */
	fake_port_push(0x608, 0x0001);
	power_off();
	expect_writes(&at, s5, 4);
	expect_writes(&at, shutdown_ports, ARRAY_SIZE(shutdown_ports));
	assert_int_equal(nr_writes(), at);
	assert_non_null(strstr(fake_console_text(), "poweroff: no method worked\n"));
	assert_true(fake_console_flushes >= 4);
}

/* SCI_EN clear: ACPI_ENABLE to SMI_CMD first, then S5 once SCI_EN shows. */
static void test_poweroff_enables_acpi_mode(void **state)
{
	static const struct w s5[] = {
		{ 0xb2, 1, 0xf1 }, { 0x604, 2, 0x0001 | 5 << 10 }, { 0x604, 2, 0x2001 | 5 << 10 },
	};
	unsigned int at = 0;

	acpi_tables();
	acpi_up();
	fake_port_push(0x604, 0x0000);
	fake_port_push(0x604, 0x0000);
	fake_port_push(0x604, 0x0001);
	power_off();
	expect_writes(&at, s5, 3);
}

/* Firmware never hands over: S5 is still tried, after a bounded wait. */
static void test_poweroff_acpi_mode_never_comes(void **state)
{
	static const struct w s5[] = {
		{ 0xb2, 1, 0xf1 }, { 0x604, 2, 5 << 10 }, { 0x604, 2, 0x2000 | 5 << 10 },
	};
	unsigned int at = 0;

	acpi_tables();
	acpi_up();
	fake_port_push(0x604, 0x0000);
	power_off();
	expect_writes(&at, s5, 3);
	assert_non_null(strstr(fake_console_text(), "did not enter ACPI mode"));
}

/* No SMI_CMD: the platform is in ACPI mode for good; no write to port 0. */
static void test_poweroff_without_smi_cmd(void **state)
{
	static const struct w s5[] = { { 0x604, 2, 5 << 10 }, { 0x604, 2, 0x2000 | 5 << 10 } };
	unsigned int at = 0;

	acpi_tables();
	fadt->smi_cmd = 0;
	acpi_up();
	fake_port_push(0x604, 0x0000);
	power_off();
	expect_writes(&at, s5, 2);
	assert_null(strstr(fake_console_text(), "did not enter ACPI mode"));
}

static void test_poweroff_without_s5(void **state)
{
	unsigned int at = 0;

	acpi_tables();
	memcpy(dsdt + 1, "\x08_S4_", 5); /* no \_S5 any more */
	acpi_up();
	power_off();
	expect_writes(&at, shutdown_ports, ARRAY_SIZE(shutdown_ports));
	assert_int_equal(nr_writes(), at);
}

static void test_poweroff_command(void **state)
{
	char line[] = "poweroff";
	char bad[] = "poweroff -f";
	unsigned int at = 0;

	acpi_none();
	assert_int_equal(shell_exec(bad), -EINVAL);
	assert_int_equal(nr_writes(), 0);
	assert_int_equal(shell_exec(line), 0);
	expect_writes(&at, shutdown_ports, ARRAY_SIZE(shutdown_ports));
}

static void test_exit_emulator(void **state)
{
	static const struct w code = { 0xf4, 1, 3 };
	unsigned int at = 0;

	power_exit_emulator(3);
	expect_writes(&at, &code, 1);
	expect_writes(&at, shutdown_ports, 8); /* then Bochs's port */
	assert_int_equal(nr_writes(), at);
	assert_int_equal(fake_console_flushes, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reboot_acpi_io),
		T(test_reboot_without_acpi),
		T(test_reboot_acpi_pci),
		T(test_reboot_unsupported_reset_reg),
		T(test_reboot_fadt_without_reset),
		T(test_reboot_kbc_busy),
		T(test_reboot_command),
		T(test_poweroff_acpi),
		T(test_poweroff_enables_acpi_mode),
		T(test_poweroff_acpi_mode_never_comes),
		T(test_poweroff_without_smi_cmd),
		T(test_poweroff_without_s5),
		T(test_poweroff_command),
		T(test_exit_emulator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
