/*
 * power.h - rebooting and powering off the machine, and leaving an
 * emulator with a status (the test mode's way to report a result).
 *
 * Each action tries its methods best first (ACPI, then the chipset, then
 * the emulators' private ports) and drains the console before each one,
 * so the last line printed reaches the serial line.
 *
 * Context: pure, host-testable (ports through hw.h); any Pagoda context.
 */
#ifndef PAGODA_POWER_H
#define PAGODA_POWER_H

#include "types.h"

/* Chipset and emulator ports. */
#define PORT_RESET_CONTROL 0xcf9 /* Intel chipsets: Reset Control Register */
#define RST_CNT_SYS_RST 0x02 /* full (not CPU-only) reset on the next RST_CPU */
#define RST_CNT_RST_CPU 0x04
#define PORT_KBC_STATUS 0x64
#define PORT_KBC_CMD 0x64
#define KBC_STATUS_IBF BIT(1) /* input buffer full: controller busy */
#define KBC_CMD_PULSE_RESET 0xfe
#define PORT_BOCHS_SHUTDOWN 0x8900 /* takes the string "Shutdown" */
#define PORT_QEMU_PM1A_CNT 0x604 /* QEMU's PIIX4/ICH9 PM1a control */
#define QEMU_PM1A_SLP_EN_S5 0x2000 /* SLP_EN with SLP_TYP 0: soft-off in QEMU */
#define PORT_ISA_DEBUG_EXIT 0xf4 /* -device isa-debug-exit,iobase=0xf4 */

/* PM1 control register bits (ACPI spec, "PM1 Control Registers"). */
#define ACPI_PM1_SCI_EN BIT(0)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK (7u << ACPI_PM1_SLP_TYP_SHIFT)
#define ACPI_PM1_SLP_EN BIT(13)

/* power_reboot: reset the machine; ends in a triple fault if all else fails. */
void __noreturn power_reboot(void);
/* power_off: turn the machine off; returns (after saying so) if nothing worked. */
void power_off(void);
/*
 * power_exit_emulator: leave QEMU with exit code (status << 1) | 1 through
 * isa-debug-exit, or Bochs through its shutdown port. Returns on hardware.
 */
void power_exit_emulator(int status);

/* Implemented in drivers/hw_x86.c: load an empty IDT and fault. */
void __noreturn hw_triple_fault(void);

#endif
