/*
 * acpi_tables.c - build the guest's ACPI tables in its reserved BIOS area.
 *
 * Just enough ACPI for an unmodified Linux: a MADT (so it takes the
 * x2APIC driver and finds the I/O APIC of guest/vioapic.c, with ISA IRQ 0
 * on GSI 2 and the SCI level-triggered), a FADT describing the
 * PM block of guest/vpm.c, the 0xcf9 reset register and the legacy
 * devices, a FACS (required when the platform is not hardware-reduced)
 * and a DSDT whose only object is \_S5, so "poweroff" works. Each table is
 * built in a local struct, given its checksum and copied into guest
 * memory; guest_acpi.h shows the layout.
 *
 * Why no x2APIC (type 9) MADT entry: the ACPI spec wants APIC IDs below
 * 255 described by Processor Local APIC entries whatever mode the APIC is
 * in, and Linux registers a CPU once per entry, so listing the one CPU in
 * both forms would count it twice. Its NMI entry is the matching type 4.
 *
 * Why the SCI gets an override to itself: without one, Linux takes the
 * SCI as level, active-low (the ACPI default), and an idle line (low,
 * vpm.c never raises it) would be asserted for ever on the I/O APIC. The
 * override says level, active-high, as QEMU's tables do for IRQ 9.
 *
 * Context: pure, host-testable (guest memory through gmem).
 */
#define pr_fmt(fmt) "guest-acpi: " fmt

#include "errcode.h"
#include "guest_acpi.h"
#include "lib.h"
#include "log.h"
#include "vcmos.h"
#include "vioapic.h"
#include "virq.h"
#include "vmisc.h"
#include "vpm.h"

#define OEM_REVISION 1
#define CREATOR_REVISION 1
#define RSDT_REVISION 1
#define XSDT_REVISION 1
#define MADT_REVISION 3
#define DSDT_REVISION 2 /* 2: AML integers are 64-bit */
#define LAPIC_GPA 0xfee00000u
#define MADT_ALL_CPUS 0xff /* LAPIC NMI entry: applies to every processor */
#define MADT_LINT1 1
#define MADT_ISA_BUS 0
/* Interrupt Source Override flags (MPS INTI): polarity bits 1:0, trigger bits 3:2. */
#define MADT_INTI_CONFORMING 0x0 /* the bus's own: ISA is edge, active-high */
#define MADT_INTI_ACTIVE_HIGH 0x1
#define MADT_INTI_LEVEL (0x3 << 2)
/* Latencies above these say C2 and C3 do not exist (FADT P_LVL2_LAT, P_LVL3_LAT). */
#define FADT_NO_C2_LAT 101
#define FADT_NO_C3_LAT 1001

/* AML opcodes (ACPI spec, "AML Grammar"). */
#define AML_ZERO_OP 0x00
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_PACKAGE_OP 0x12

#define NR_TABLES 2 /* listed in the RSDT and XSDT: FADT, MADT */

struct guest_rsdt {
	struct acpi_sdt_header hdr;
	uint32_t entry[NR_TABLES];
} __packed;
static_assert(sizeof(struct guest_rsdt) == 44, "RSDT with 2 entries is 44 bytes");

struct guest_xsdt {
	struct acpi_sdt_header hdr;
	uint64_t entry[NR_TABLES];
} __packed;
static_assert(sizeof(struct guest_xsdt) == 52, "XSDT with 2 entries is 52 bytes");

struct guest_madt {
	struct acpi_madt madt;
	struct acpi_madt_lapic lapic;
	struct acpi_madt_ioapic ioapic;
	struct acpi_madt_iso iso_timer; /* ISA IRQ 0 -> GSI 2 */
	struct acpi_madt_iso iso_sci; /* ISA IRQ 9 -> GSI 9, level, active-high */
	struct acpi_madt_lapic_nmi nmi;
} __packed;
static_assert(sizeof(struct guest_madt) == 90, "MADT with 5 entries is 90 bytes");

/*
 * The DSDT's whole AML body: Name (_S5, Package () { 5, 5, 0, 0 })
 *
 *   08           NameOp
 *   5f 53 35 5f  NameSeg "_S5_" (a top-level name in the DSDT is \_S5)
 *   12           PackageOp
 *   08           PkgLength, one byte (bits 7:6 = 0): itself, NumElements
 *                and the 6 element bytes, 1 + 1 + 6
 *   04           NumElements
 *   0a 05        BytePrefix 5: SLP_TYPa, written to PM1a_CNT
 *   0a 05        BytePrefix 5: SLP_TYPb (there is no PM1b block)
 *   00 00        ZeroOp ZeroOp: reserved
 */
/* clang-format off */
static const uint8_t dsdt_aml[] = {
	AML_NAME_OP, '_', 'S', '5', '_',
	AML_PACKAGE_OP, 0x08, 0x04,
	AML_BYTE_PREFIX, VPM_SLP_TYP_S5,
	AML_BYTE_PREFIX, VPM_SLP_TYP_S5,
	AML_ZERO_OP, AML_ZERO_OP,
};
/* clang-format on */

struct guest_dsdt {
	struct acpi_sdt_header hdr;
	uint8_t aml[sizeof(dsdt_aml)];
} __packed;
static_assert(sizeof(struct guest_dsdt) == 50, "DSDT with the \\_S5 object is 50 bytes");

/* Each table must end before the next one starts, all in one page. */
static_assert(IS_ALIGNED(GUEST_ACPI_RSDP_GPA, 16), "RSDP on a 16-byte boundary");
static_assert(GUEST_ACPI_RSDP_GPA + sizeof(struct acpi_rsdp) <= GUEST_ACPI_FACS_GPA, "RSDP");
static_assert(IS_ALIGNED(GUEST_ACPI_FACS_GPA, 64), "FACS on a 64-byte boundary");
static_assert(GUEST_ACPI_FACS_GPA + sizeof(struct acpi_facs) <= GUEST_ACPI_RSDT_GPA, "FACS");
static_assert(GUEST_ACPI_RSDT_GPA + sizeof(struct guest_rsdt) <= GUEST_ACPI_XSDT_GPA, "RSDT");
static_assert(GUEST_ACPI_XSDT_GPA + sizeof(struct guest_xsdt) <= GUEST_ACPI_FADT_GPA, "XSDT");
static_assert(GUEST_ACPI_FADT_GPA + sizeof(struct acpi_fadt) <= GUEST_ACPI_MADT_GPA, "FADT");
static_assert(GUEST_ACPI_MADT_GPA + sizeof(struct guest_madt) <= GUEST_ACPI_DSDT_GPA, "MADT");
static_assert(GUEST_ACPI_DSDT_GPA + sizeof(struct guest_dsdt) <= GUEST_ACPI_END, "DSDT");
static_assert(GUEST_ACPI_END <= GUEST_BIOS_START + PAGE_SIZE, "one guest page");
static_assert(GUEST_ACPI_END <= GUEST_HIGH_START, "inside the reserved BIOS area");

/* acpi_checksum: the byte that makes len bytes sum to zero. */
static uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

static void sdt_header(struct acpi_sdt_header *h, const char sig[4], uint32_t len,
		       uint8_t revision)
{
	memcpy(h->signature, sig, sizeof(h->signature));
	h->length = len;
	h->revision = revision;
	memcpy(h->oem_id, GUEST_ACPI_OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, GUEST_ACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = OEM_REVISION;
	memcpy(&h->creator_id, GUEST_ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = CREATOR_REVISION;
}

/* write_sdt: checksum the table and copy it to a; 0 or gmem_write's -E*. */
static int write_sdt(struct gmem *gm, uint64_t a, struct acpi_sdt_header *h)
{
	h->checksum = 0;
	h->checksum = acpi_checksum(h, h->length);
	return gmem_write(gm, gpa(a), h, h->length);
}

static int write_facs(struct gmem *gm)
{
	struct acpi_facs facs = { .length = sizeof(facs), .version = ACPI_FACS_VERSION };

	memcpy(facs.signature, "FACS", sizeof(facs.signature));
	return gmem_write(gm, gpa(GUEST_ACPI_FACS_GPA), &facs, sizeof(facs));
}

static int write_dsdt(struct gmem *gm)
{
	struct guest_dsdt d = { 0 };

	sdt_header(&d.hdr, "DSDT", sizeof(d), DSDT_REVISION);
	memcpy(d.aml, dsdt_aml, sizeof(d.aml));
	return write_sdt(gm, GUEST_ACPI_DSDT_GPA, &d.hdr);
}

static struct acpi_gas io_gas(uint16_t port, uint8_t len, uint8_t access_size)
{
	return (struct acpi_gas){ .space_id = ACPI_GAS_IO, .bit_width = (uint8_t)(len * 8),
				  .access_size = access_size, .address = port };
}

/* The PM block of guest/vpm.c, in both the 1.0 fields and the GAS ones. */
static void fadt_pm_blocks(struct acpi_fadt *f)
{
	f->pm1a_evt_blk = VPM_PM1A_EVT;
	f->pm1_evt_len = VPM_PM1_EVT_LEN;
	f->x_pm1a_evt_blk = io_gas(VPM_PM1A_EVT, VPM_PM1_EVT_LEN, ACPI_GAS_ACCESS_WORD);
	f->pm1a_cnt_blk = VPM_PM1A_CNT;
	f->pm1_cnt_len = VPM_PM1_CNT_LEN;
	f->x_pm1a_cnt_blk = io_gas(VPM_PM1A_CNT, VPM_PM1_CNT_LEN, ACPI_GAS_ACCESS_WORD);
	f->pm_tmr_blk = VPM_PM_TMR;
	f->pm_tmr_len = VPM_PM_TMR_LEN;
	f->x_pm_tmr_blk = io_gas(VPM_PM_TMR, VPM_PM_TMR_LEN, ACPI_GAS_ACCESS_DWORD);
}

/*
 * SMI_CMD = 0 says the platform is always in ACPI mode (and PM1a_CNT's
 * SCI_EN reads 1); no GPE blocks; no fixed buttons and no RTC wake status,
 * which the PM block does not have; a 24-bit timer (TMR_VAL_EXT clear).
 */
static int write_fadt(struct gmem *gm)
{
	struct acpi_fadt f = { 0 };

	sdt_header(&f.hdr, "FACP", sizeof(f), GUEST_ACPI_FADT_REVISION);
	f.firmware_ctrl = GUEST_ACPI_FACS_GPA;
	f.x_firmware_ctrl = GUEST_ACPI_FACS_GPA;
	f.dsdt = GUEST_ACPI_DSDT_GPA;
	f.x_dsdt = GUEST_ACPI_DSDT_GPA;
	f.sci_int = GUEST_ACPI_SCI_IRQ;
	fadt_pm_blocks(&f);
	f.p_lvl2_lat = FADT_NO_C2_LAT;
	f.p_lvl3_lat = FADT_NO_C3_LAT;
	f.century = RTC_CENTURY;
	f.iapc_boot_arch = ACPI_FADT_LEGACY_DEVICES | ACPI_FADT_8042 | ACPI_FADT_NO_VGA;
	f.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
		  ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC | ACPI_FADT_RESET_REG_SUP;
	/* guest/vmisc.c resets on a 0 -> 1 of RST_CPU at 0xcf9: "full reset" 0x06. */
	f.reset_reg = io_gas(VMISC_PORT_PCI_RESET, 1, ACPI_GAS_ACCESS_BYTE);
	f.reset_value = PCI_RESET_SYS | PCI_RESET_CPU;
	return write_sdt(gm, GUEST_ACPI_FADT_GPA, &f.hdr);
}

static struct acpi_madt_iso madt_iso(uint8_t irq, uint16_t flags)
{
	return (struct acpi_madt_iso){ .h = { ACPI_MADT_ISO, sizeof(struct acpi_madt_iso) },
				       .bus = MADT_ISA_BUS,
				       .source = irq,
				       .gsi = (uint32_t)virq_isa_to_gsi(irq),
				       .flags = flags };
}

/*
 * PCAT_COMPAT: the 8259s exist too (Linux masks them and uses the I/O
 * APIC). The overrides say what guest/virq.c wires: IRQ 0 on GSI 2; every
 * other ISA IRQ is identity-mapped, edge, active-high, so needs none.
 */
static int write_madt(struct gmem *gm)
{
	struct guest_madt m = { 0 };

	sdt_header(&m.madt.hdr, "APIC", sizeof(m), MADT_REVISION);
	m.madt.lapic_address = LAPIC_GPA;
	m.madt.flags = ACPI_MADT_PCAT_COMPAT;
	m.lapic = (struct acpi_madt_lapic){ .h = { ACPI_MADT_LAPIC, sizeof(m.lapic) },
					    .uid = 0,
					    .apic_id = 0,
					    .flags = ACPI_MADT_ENABLED };
	m.ioapic = (struct acpi_madt_ioapic){ .h = { ACPI_MADT_IOAPIC, sizeof(m.ioapic) },
					      .id = VIOAPIC_ID,
					      .address = (uint32_t)VIOAPIC_BASE_GPA,
					      .gsi_base = 0 };
	m.iso_timer = madt_iso(0, MADT_INTI_CONFORMING);
	m.iso_sci = madt_iso(GUEST_ACPI_SCI_IRQ, MADT_INTI_LEVEL | MADT_INTI_ACTIVE_HIGH);
	m.nmi = (struct acpi_madt_lapic_nmi){ .h = { ACPI_MADT_LAPIC_NMI, sizeof(m.nmi) },
					      .uid = MADT_ALL_CPUS,
					      .flags = 0, /* bus-conforming polarity and trigger */
					      .lint = MADT_LINT1 };
	return write_sdt(gm, GUEST_ACPI_MADT_GPA, &m.madt.hdr);
}

static int write_rsdt(struct gmem *gm)
{
	struct guest_rsdt r = { .entry = { GUEST_ACPI_FADT_GPA, GUEST_ACPI_MADT_GPA } };

	sdt_header(&r.hdr, "RSDT", sizeof(r), RSDT_REVISION);
	return write_sdt(gm, GUEST_ACPI_RSDT_GPA, &r.hdr);
}

static int write_xsdt(struct gmem *gm)
{
	struct guest_xsdt x = { .entry = { GUEST_ACPI_FADT_GPA, GUEST_ACPI_MADT_GPA } };

	sdt_header(&x.hdr, "XSDT", sizeof(x), XSDT_REVISION);
	return write_sdt(gm, GUEST_ACPI_XSDT_GPA, &x.hdr);
}

/* ACPI 2.0+ RSDP: the first checksum covers 20 bytes, the extended one all 36. */
static int write_rsdp(struct gmem *gm)
{
	struct acpi_rsdp r = { .revision = 2,
			       .rsdt_address = GUEST_ACPI_RSDT_GPA,
			       .length = sizeof(r),
			       .xsdt_address = GUEST_ACPI_XSDT_GPA };

	memcpy(r.signature, "RSD PTR ", sizeof(r.signature));
	memcpy(r.oem_id, GUEST_ACPI_OEM_ID, sizeof(r.oem_id));
	r.checksum = acpi_checksum(&r, ACPI_RSDP_V1_SIZE);
	r.extended_checksum = acpi_checksum(&r, sizeof(r));
	return gmem_write(gm, gpa(GUEST_ACPI_RSDP_GPA), &r, sizeof(r));
}

/* The RSDP goes last: nothing points at a half-built set of tables. */
static int (*const table_writers[])(struct gmem *gm) = {
	write_facs, write_dsdt, write_fadt, write_madt, write_rsdt, write_xsdt, write_rsdp,
};

int guest_acpi_build(struct gmem *gm, uint64_t *rsdp_gpa)
{
	int err = gmem_zero(gm, gpa(GUEST_ACPI_RSDP_GPA), GUEST_ACPI_END - GUEST_ACPI_RSDP_GPA);

	for (unsigned int i = 0; !err && i < ARRAY_SIZE(table_writers); i++)
		err = table_writers[i](gm);
	if (err) {
		pr_err("writing the ACPI tables at 0x%llx failed: %s\n",
		       (unsigned long long)GUEST_ACPI_RSDP_GPA, err_name(err));
		return err;
	}
	*rsdp_gpa = GUEST_ACPI_RSDP_GPA;
	return 0;
}
