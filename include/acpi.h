/*
 * acpi.h - the ACPI tables Pagoda reads: where they are, and the few facts
 * it takes from them (local APIC and IOAPICs from the MADT; power control
 * from the FADT and the \_S5 object of the DSDT).
 *
 * Layouts follow the ACPI specification, section "ACPI Software
 * Programming Model" (RSDP, SDT header, XSDT, FADT, MADT). Pagoda never
 * runs AML: \_S5 is found by the usual byte scan.
 *
 * Context: pure, host-testable (tables reached through hpa_to_ptr).
 */
#ifndef PAGODA_ACPI_H
#define PAGODA_ACPI_H

#include "types.h"

/* Root System Description Pointer; the 2.0+ fields follow the first 20 bytes. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum; /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision; /* 0: ACPI 1.0; 2: 2.0 and later */
	uint32_t rsdt_address;
	uint32_t length; /* of the whole structure, revision >= 2 */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over `length` bytes */
	uint8_t reserved[3];
} __packed;
static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI RSDP is 36 bytes");
#define ACPI_RSDP_V1_SIZE 20

struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* all `length` bytes sum to zero */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;
static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI SDT header is 36 bytes");

/* Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id; /* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __packed;
static_assert(sizeof(struct acpi_gas) == 12, "ACPI GAS is 12 bytes");
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1
#define ACPI_GAS_PCI_CONFIG 2

/* Fixed ACPI Description Table ("FACP"), ACPI 6 layout. Older, shorter
 * FADTs stop early: a field is only read when `length` covers it. */
struct acpi_fadt {
	struct acpi_sdt_header hdr;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk;
	uint32_t pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk;
	uint32_t gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat;
	uint16_t flush_size, flush_stride;
	uint8_t duty_offset, duty_width;
	uint8_t day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags; /* ACPI_FADT_* */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __packed;
static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 6 FADT is 276 bytes");
#define ACPI_FADT_RESET_REG_SUP BIT(10)
#define ACPI_FADT_HW_REDUCED BIT(20)

/* Multiple APIC Description Table ("APIC"): this header, then entries. */
struct acpi_madt {
	struct acpi_sdt_header hdr;
	uint32_t lapic_address;
	uint32_t flags; /* ACPI_MADT_PCAT_COMPAT */
} __packed;
static_assert(sizeof(struct acpi_madt) == 44, "ACPI MADT header is 44 bytes");
#define ACPI_MADT_PCAT_COMPAT BIT(0) /* dual 8259s present */

struct acpi_madt_entry {
	uint8_t type; /* ACPI_MADT_* below */
	uint8_t length;
} __packed;
static_assert(sizeof(struct acpi_madt_entry) == 2, "MADT entry header is 2 bytes");

#define ACPI_MADT_LAPIC 0
#define ACPI_MADT_IOAPIC 1
#define ACPI_MADT_ISO 2
#define ACPI_MADT_LAPIC_NMI 4
#define ACPI_MADT_LAPIC_OVERRIDE 5
#define ACPI_MADT_X2APIC 9
#define ACPI_MADT_X2APIC_NMI 10

struct acpi_madt_lapic {
	struct acpi_madt_entry h;
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags; /* ACPI_MADT_ENABLED, ACPI_MADT_ONLINE_CAPABLE */
} __packed;
static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT local APIC is 8 bytes");
#define ACPI_MADT_ENABLED BIT(0)
#define ACPI_MADT_ONLINE_CAPABLE BIT(1)

struct acpi_madt_ioapic {
	struct acpi_madt_entry h;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __packed;
static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC is 12 bytes");

struct acpi_madt_iso {
	struct acpi_madt_entry h;
	uint8_t bus; /* 0: ISA */
	uint8_t source; /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags; /* polarity and trigger mode (MPS INTI flags) */
} __packed;
static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT ISO is 10 bytes");

struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry h;
	uint8_t uid; /* 0xff: every processor */
	uint16_t flags;
	uint8_t lint; /* 0 or 1 */
} __packed;
static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI is 6 bytes");

struct acpi_madt_lapic_override {
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint64_t address;
} __packed;
static_assert(sizeof(struct acpi_madt_lapic_override) == 12,
	      "MADT LAPIC address override is 12 bytes");

struct acpi_madt_x2apic {
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t uid;
} __packed;
static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC is 16 bytes");

struct acpi_madt_x2apic_nmi {
	struct acpi_madt_entry h;
	uint16_t flags;
	uint32_t uid; /* 0xffffffff: every processor */
	uint8_t lint;
	uint8_t reserved[3];
} __packed;
static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "MADT x2APIC NMI is 12 bytes");

/* What Pagoda keeps from the MADT. */
#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS 16

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;
	uint32_t flags; /* ACPI_MADT_ENABLED, ACPI_MADT_ONLINE_CAPABLE */
	bool x2apic_entry;
};

struct acpi_ioapic {
	uint8_t id;
	hpa_t address;
	uint32_t gsi_base;
};

struct acpi_iso {
	uint8_t bus, source;
	uint32_t gsi;
	uint16_t flags;
};

struct acpi_madt_info {
	hpa_t lapic_address; /* after any type-5 override */
	uint32_t flags;
	int nmi_lint; /* LINT pin wired to NMI for all CPUs, or -1 if none listed */
	unsigned int nr_cpus, nr_ioapics, nr_isos;
	unsigned int nr_dropped; /* entries beyond the arrays' room */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	struct acpi_iso isos[ACPI_MAX_ISOS];
};

/* What Pagoda keeps from the FADT and the DSDT. A port of 0 means "none". */
struct acpi_fadt_info {
	uint8_t revision;
	uint32_t flags;
	uint16_t pm1a_cnt, pm1b_cnt;
	uint16_t smi_cmd;
	uint8_t acpi_enable;
	bool has_reset;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	hpa_t dsdt;
	bool has_s5;
	uint8_t slp_typa, slp_typb;
};

/* Tables are rejected when their length is below the header or above this. */
#define ACPI_TABLE_MAX_LEN MiB(1)

/*
 * acpi_init: find the RSDP (the loader's copy when rsdp is nonzero, else
 * the BIOS areas), validate the root table and every table it lists, and
 * decode the MADT, FADT and \_S5. Returns 0, -ENODEV when there is no
 * RSDP, or -EINVAL when the RSDP or both root tables are invalid.
 */
int acpi_init(hpa_t rsdp);

/* acpi_find_table: the instance-th valid table with signature sig, or NULL. */
const struct acpi_sdt_header *acpi_find_table(const char sig[4], unsigned int instance);

/* acpi_madt/acpi_fadt: the decoded facts, or NULL when the table is missing. */
const struct acpi_madt_info *acpi_madt(void);
const struct acpi_fadt_info *acpi_fadt(void);

/*
 * acpi_scan_rsdp: the first valid RSDP on a 16-byte boundary in
 * [start, start + len), or hpa(0). Used for the EBDA and the BIOS area.
 */
hpa_t acpi_scan_rsdp(hpa_t start, uint64_t len);

/*
 * acpi_find_s5: decode SLP_TYPa/b from the \_S5 package of a DSDT/SSDT
 * (whose header is already validated). Returns 0, or -ENOENT when no
 * decodable \_S5 package is found.
 */
int acpi_find_s5(const struct acpi_sdt_header *dsdt, uint8_t *typa, uint8_t *typb);

#endif
