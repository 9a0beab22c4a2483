/*
 * guest_acpi.h - the minimal ACPI tables Pagoda gives its guest, and where
 * they live in guest memory.
 *
 * Linux switches its APIC driver to x2APIC only after parsing a MADT, and
 * Pagoda's local APIC exists only as x2APIC MSRs, so a guest needs ACPI
 * even on this ISA-only platform. The tables describe exactly what
 * guest/platform.c attaches: one CPU with a local APIC, the 8259s, the
 * I/O APIC of guest/vioapic.c with its ISA overrides, the PM register
 * block of guest/vpm.c, the 0xcf9 reset register of guest/vmisc.c and the
 * CMOS century byte of guest/vcmos.c.
 *
 * All of it sits in the first page of the reserved BIOS area, the RSDP at
 * its start so that the OS's scan of [0xe0000, 1 MiB) finds it too:
 *
 *   0xf0000  RSDP (36)     0xf0040  FACS (64, 64-byte aligned)
 *   0xf0080  RSDT (44)     0xf00c0  XSDT (52)
 *   0xf0100  FADT (276)    0xf0220  MADT (90)
 *   0xf0280  DSDT (50)
 *
 * Layouts are include/acpi.h's, plus the FACS, which Pagoda never reads
 * from a host.
 *
 * Context: pure, host-testable (guest memory through gmem).
 */
#ifndef PAGODA_GUEST_ACPI_H
#define PAGODA_GUEST_ACPI_H

#include "acpi.h"
#include "gmem.h"
#include "guest.h"

#define GUEST_ACPI_RSDP_GPA (GUEST_BIOS_START + 0x000)
#define GUEST_ACPI_FACS_GPA (GUEST_BIOS_START + 0x040)
#define GUEST_ACPI_RSDT_GPA (GUEST_BIOS_START + 0x080)
#define GUEST_ACPI_XSDT_GPA (GUEST_BIOS_START + 0x0c0)
#define GUEST_ACPI_FADT_GPA (GUEST_BIOS_START + 0x100)
#define GUEST_ACPI_MADT_GPA (GUEST_BIOS_START + 0x220)
#define GUEST_ACPI_DSDT_GPA (GUEST_BIOS_START + 0x280)
#define GUEST_ACPI_END (GUEST_BIOS_START + 0x300)

#define GUEST_ACPI_OEM_ID "PAGODA"
#define GUEST_ACPI_OEM_TABLE_ID "PAGODAVM"
#define GUEST_ACPI_CREATOR_ID "PGDA"
#define GUEST_ACPI_SCI_IRQ 9
#define GUEST_ACPI_FADT_REVISION 6 /* ACPI 6.0: the 276-byte FADT */

/* Firmware ACPI Control Structure: no checksum, not listed in the XSDT. */
struct acpi_facs {
	char signature[4]; /* "FACS" */
	uint32_t length; /* 64 */
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version; /* 2 since ACPI 4.0 */
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __packed;
static_assert(sizeof(struct acpi_facs) == 64, "ACPI FACS is 64 bytes");
#define ACPI_FACS_VERSION 2

/* FADT flags (ACPI spec, "Fixed ACPI Description Table Fixed Feature Flags"). */
#define ACPI_FADT_WBINVD BIT(0)
#define ACPI_FADT_PROC_C1 BIT(2)
#define ACPI_FADT_PWR_BUTTON BIT(4) /* 1: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON BIT(5) /* 1: no fixed-feature sleep button */
#define ACPI_FADT_FIX_RTC BIT(6) /* 1: no RTC wake status in PM1_STS */
#define ACPI_FADT_TMR_VAL_EXT BIT(8) /* 1: 32-bit PM timer */

/* FADT IA-PC boot architecture flags. */
#define ACPI_FADT_LEGACY_DEVICES BIT(0)
#define ACPI_FADT_8042 BIT(1)
#define ACPI_FADT_NO_VGA BIT(2)
#define ACPI_FADT_NO_MSI BIT(3)

/* GAS access sizes (ACPI 3.0+): 1 byte, 2 word, 3 dword. */
#define ACPI_GAS_ACCESS_BYTE 1
#define ACPI_GAS_ACCESS_WORD 2
#define ACPI_GAS_ACCESS_DWORD 3

/*
 * guest_acpi_build: write the RSDP, FACS, RSDT, XSDT, FADT, MADT and DSDT
 * into [GUEST_ACPI_RSDP_GPA, GUEST_ACPI_END) and return the RSDP's gpa in
 * *rsdp_gpa. Returns 0, or the -E* of the failed guest-memory write
 * (-EFAULT when guest RAM does not reach the BIOS area, -ENOMEM).
 */
int guest_acpi_build(struct gmem *gm, uint64_t *rsdp_gpa);

#endif
