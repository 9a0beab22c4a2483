/*
 * power.c - reboot, power-off and emulator exit, each a table of methods
 * tried best first.
 *
 * Reboot: the FADT's reset register, the chipset's Reset Control Register
 * (0xcf9), the keyboard controller's reset line, and at last a triple
 * fault, which resets every x86. Power-off: ACPI S5 through PM1a/PM1b
 * control (SLP_TYP from \_S5), then the emulators' private ports. Every
 * method gets a moment to act before the next is tried, and the console
 * is drained first so the line naming the method is not lost.
 *
 * Context: pure, host-testable; any Pagoda context (shell, panic).
 */
#define pr_fmt(fmt) "power: " fmt
#include "acpi.h"
#include "console.h"
#include "errcode.h"
#include "hw.h"
#include "log.h"
#include "power.h"
#include "shell.h"
#include "tsc.h"

/* How long a method gets to take effect; resets and S5 act within microseconds. */
#define POWER_WAIT_US 100000
#define CF9_STEP_US 50 /* between SYS_RST and SYS_RST|RST_CPU, as Linux waits */
#define KBC_WAIT_POLLS 10000
#define KBC_POLL_US 10
#define ACPI_ENABLE_POLLS 100 /* of 10 ms each: ACPICA too waits up to seconds */
#define ACPI_ENABLE_POLL_US 10000

/* PCI configuration mechanism #1. */
#define PORT_PCI_CONFIG_ADDRESS 0xcf8
#define PORT_PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE BIT(31)

struct power_method {
	const char *name;
	bool (*usable)(void); /* NULL: always worth a try */
	void (*act)(void);
};

/* ---- reboot ---- */

static void reset_reg_io(uint64_t addr, uint8_t val)
{
	hw_outb((uint16_t)addr, val);
}

/* A PCI-space GAS address: device 47:32, function 31:16, offset 15:0, on bus 0. */
static void reset_reg_pci(uint64_t addr, uint8_t val)
{
	uint32_t dev = (addr >> 32) & 0x1f, fn = (addr >> 16) & 0x7, off = addr & 0xff;

	hw_outl(PORT_PCI_CONFIG_ADDRESS,
		(uint32_t)PCI_CONFIG_ENABLE | dev << 11 | fn << 8 | (off & 0xfc));
	hw_outb(PORT_PCI_CONFIG_DATA + (off & 3), val);
}

/* Reset register writers by GAS address space; memory space would need byte MMIO. */
static void (*const reset_reg_writers[])(uint64_t addr, uint8_t val) = {
	[ACPI_GAS_IO] = reset_reg_io,
	[ACPI_GAS_PCI_CONFIG] = reset_reg_pci,
};

/* reboot_acpi_usable: the FADT has a reset register in a space we can write. */
static bool reboot_acpi_usable(void)
{
	const struct acpi_fadt_info *f = acpi_fadt();
	uint8_t space;

	if (!f || !f->has_reset)
		return false;
	space = f->reset_reg.space_id;
	if (space >= ARRAY_SIZE(reset_reg_writers) || !reset_reg_writers[space] ||
	    (space == ACPI_GAS_IO && f->reset_reg.address > 0xffff)) {
		pr_warn("reset register in address space %u not supported\n", space);
		return false;
	}
	return true;
}

static void reboot_acpi(void)
{
	const struct acpi_fadt_info *f = acpi_fadt();

	reset_reg_writers[f->reset_reg.space_id](f->reset_reg.address, f->reset_value);
}

static void reboot_cf9(void)
{
	hw_outb(PORT_RESET_CONTROL, RST_CNT_SYS_RST);
	tsc_delay_us(CF9_STEP_US);
	hw_outb(PORT_RESET_CONTROL, RST_CNT_SYS_RST | RST_CNT_RST_CPU);
}

/* The 8042 takes a command only with its input buffer empty; a bounded wait. */
static void reboot_kbc(void)
{
	for (unsigned int i = 0; i < KBC_WAIT_POLLS; i++) {
		if (!(hw_inb(PORT_KBC_STATUS) & KBC_STATUS_IBF)) {
			hw_outb(PORT_KBC_CMD, KBC_CMD_PULSE_RESET);
			return;
		}
		tsc_delay_us(KBC_POLL_US);
	}
	pr_warn("keyboard controller stays busy\n");
}

static const struct power_method reboot_methods[] = {
	{ "ACPI reset register", reboot_acpi_usable, reboot_acpi },
	{ "reset control port 0xcf9", NULL, reboot_cf9 },
	{ "keyboard controller", NULL, reboot_kbc },
};

/* ---- power-off ---- */

/* acpi_enable_mode: hand the PM registers from SMM to us if firmware still owns them. */
static void acpi_enable_mode(const struct acpi_fadt_info *f)
{
	if (hw_inw(f->pm1a_cnt) & ACPI_PM1_SCI_EN)
		return;
	if (!f->smi_cmd || !f->acpi_enable)
		return; /* no SMI_CMD: the platform is always in ACPI mode */
	hw_outb(f->smi_cmd, f->acpi_enable);
	for (unsigned int i = 0; i < ACPI_ENABLE_POLLS; i++) {
		if (hw_inw(f->pm1a_cnt) & ACPI_PM1_SCI_EN)
			return;
		tsc_delay_us(ACPI_ENABLE_POLL_US);
	}
	pr_warn("firmware did not enter ACPI mode; trying S5 anyway\n");
}

/* As ACPICA does: SLP_TYP first, then SLP_TYP with SLP_EN. */
static void pm1_sleep(uint16_t port, uint8_t slp_typ)
{
	uint16_t v = hw_inw(port) & ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN);

	v |= (uint16_t)(slp_typ << ACPI_PM1_SLP_TYP_SHIFT) & ACPI_PM1_SLP_TYP_MASK;
	hw_outw(port, v);
	hw_outw(port, v | ACPI_PM1_SLP_EN);
}

static bool off_acpi_usable(void)
{
	const struct acpi_fadt_info *f = acpi_fadt();

	return f && f->has_s5 && f->pm1a_cnt;
}

static void off_acpi(void)
{
	const struct acpi_fadt_info *f = acpi_fadt();

	acpi_enable_mode(f);
	pm1_sleep(f->pm1a_cnt, f->slp_typa);
	if (f->pm1b_cnt)
		pm1_sleep(f->pm1b_cnt, f->slp_typb);
}

static void off_bochs(void)
{
	for (const char *s = "Shutdown"; *s; s++)
		hw_outb(PORT_BOCHS_SHUTDOWN, (uint8_t)*s);
}

static void off_qemu_pm(void)
{
	hw_outw(PORT_QEMU_PM1A_CNT, QEMU_PM1A_SLP_EN_S5);
}

/* isa-debug-exit with 0: QEMU exits with status 1. */
static void off_isa_debug_exit(void)
{
	hw_outb(PORT_ISA_DEBUG_EXIT, 0);
}

static const struct power_method off_methods[] = {
	{ "ACPI S5", off_acpi_usable, off_acpi },
	{ "Bochs shutdown port", NULL, off_bochs },
	{ "QEMU PM1a control", NULL, off_qemu_pm },
	{ "isa-debug-exit", NULL, off_isa_debug_exit },
};

/* ---- common ---- */

/* power_try: each method in turn, each with time to act. */
static void power_try(const char *action, const struct power_method *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].usable && !m[i].usable())
			continue;
		pr_info("%s via %s\n", action, m[i].name);
		console_flush();
		m[i].act();
		tsc_delay_us(POWER_WAIT_US);
	}
}

void power_reboot(void)
{
	power_try("reboot", reboot_methods, ARRAY_SIZE(reboot_methods));
	pr_info("reboot via a triple fault, the last resort\n");
	console_flush();
	hw_triple_fault();
}

void power_off(void)
{
	power_try("poweroff", off_methods, ARRAY_SIZE(off_methods));
	printk("poweroff: no method worked\n");
}

void power_exit_emulator(int status)
{
	console_flush();
	hw_outb(PORT_ISA_DEBUG_EXIT, (uint8_t)status);
	off_bochs();
}

static int cmd_reboot(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	power_reboot();
}
SHELL_COMMAND(reboot, "reboot", "reset the machine", cmd_reboot);

static int cmd_poweroff(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	power_off();
	return 0;
}
SHELL_COMMAND(poweroff, "poweroff", "turn the machine off (ACPI S5, emulator ports)", cmd_poweroff);
