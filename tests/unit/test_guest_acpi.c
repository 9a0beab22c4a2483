/*
 * test_guest_acpi.c - the guest's ACPI tables (guest/acpi_tables.c) read
 * back from guest memory: every signature, length, revision, checksum and
 * pointer; the FADT's fields; the MADT's entries; the DSDT's AML, decoded
 * byte by byte and by Pagoda's own \_S5 finder; and the whole set parsed
 * by Pagoda's host ACPI driver (drivers/acpi.c) from a copy placed at the
 * same host address as its guest-physical one.
 *
 * Guest RAM is a real gmem whose frames come from the frame allocator over
 * a host buffer, as in test_linux.c.
 *
 * Context: host unit test (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "acpi.h"
#include "console_fake.h"
#include "ram_fake.h"
#include "errcode.h"
#include "frame.h"
#include "gmem.h"
#include "guest_acpi.h"
#include "kalloc.h"
#include "vioapic.h"
#include "vcmos.h"
#include "vmisc.h"
#include "vpm.h"

#define HOST_POOL MiB(32)
#define GUEST_RAM MiB(16)
#define TABLE_MAX 512 /* larger than any table built */
#define BIOS_AREA_LEN (GUEST_HIGH_START - GUEST_BIOS_START)

static uint8_t *pool;
static struct gmem gm;
static uint64_t rsdp_gpa;

FAKE_RAM_GROUP(pool, HOST_POOL)

static int setup(void **state)
{
	assert_int_equal(fake_ram_reset(pool, HOST_POOL), 0);
	assert_int_equal(gmem_init(&gm, GUEST_RAM), 0);
	fake_console_reset();
	rsdp_gpa = 0;
	return 0;
}

static int teardown(void **state)
{
	gmem_destroy(&gm);
	return 0;
}

static void build(void)
{
	assert_int_equal(guest_acpi_build(&gm, &rsdp_gpa), 0);
}

static uint8_t sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

/*
 * read_table: the table at a into buf, after checking its signature, its
 * length (exactly len, checked before more than the header is read),
 * revision, checksum and the OEM and creator fields.
 */
static struct acpi_sdt_header *read_table(uint64_t a, const char *sig, uint32_t len,
					  uint8_t revision, uint8_t *buf)
{
	struct acpi_sdt_header *h = (void *)buf;

	assert_int_equal(gmem_read(&gm, gpa(a), buf, sizeof(*h)), 0);
	assert_memory_equal(h->signature, sig, 4);
	assert_int_equal(h->length, len);
	assert_true(h->length <= TABLE_MAX);
	assert_int_equal(gmem_read(&gm, gpa(a), buf, h->length), 0);
	assert_int_equal(sum(buf, h->length), 0);
	assert_int_equal(h->revision, revision);
	assert_memory_equal(h->oem_id, "PAGODA", 6);
	assert_memory_equal(h->oem_table_id, "PAGODAVM", 8);
	assert_memory_equal(&h->creator_id, "PGDA", 4);
	assert_int_not_equal(h->oem_revision, 0);
	return h;
}

static void check_rsdp(struct acpi_rsdp *r)
{
	assert_int_equal(rsdp_gpa, 0xf0000);
	assert_int_equal(gmem_read(&gm, gpa(rsdp_gpa), r, sizeof(*r)), 0);
	assert_memory_equal(r->signature, "RSD PTR ", 8);
	assert_memory_equal(r->oem_id, "PAGODA", 6);
	assert_int_equal(r->revision, 2);
	assert_int_equal(r->length, 36);
	assert_int_equal(sum(r, ACPI_RSDP_V1_SIZE), 0);
	assert_int_equal(sum(r, sizeof(*r)), 0);
	/* Each checksum on its own: the first alone must already sum to zero. */
	assert_int_not_equal(r->checksum, 0);
	assert_int_equal(r->rsdt_address, GUEST_ACPI_RSDT_GPA);
	assert_int_equal(r->xsdt_address, GUEST_ACPI_XSDT_GPA);
}

/* check_roots: the RSDT and XSDT both list exactly the FADT and the MADT. */
static void check_roots(const struct acpi_rsdp *r)
{
	uint8_t buf[TABLE_MAX], tbuf[TABLE_MAX];
	static const char *const sigs[] = { "FACP", "APIC" };
	struct acpi_sdt_header *h;
	uint32_t e32[2];
	uint64_t e64[2];

	h = read_table(r->rsdt_address, "RSDT", 36 + 2 * 4, 1, buf);
	memcpy(e32, h + 1, sizeof(e32));
	h = read_table(r->xsdt_address, "XSDT", 36 + 2 * 8, 1, buf);
	memcpy(e64, h + 1, sizeof(e64));
	for (unsigned int i = 0; i < 2; i++) {
		struct acpi_sdt_header *t = (void *)tbuf;

		assert_int_equal(e32[i], e64[i]);
		assert_int_equal(gmem_read(&gm, gpa(e64[i]), t, sizeof(*t)), 0);
		assert_memory_equal(t->signature, sigs[i], 4);
	}
	assert_int_equal(e64[0], GUEST_ACPI_FADT_GPA);
	assert_int_equal(e64[1], GUEST_ACPI_MADT_GPA);
}

static void check_io_gas(const struct acpi_gas *g, uint16_t port, uint8_t bits, uint8_t access)
{
	assert_int_equal(g->space_id, ACPI_GAS_IO);
	assert_int_equal(g->address, port);
	assert_int_equal(g->bit_width, bits);
	assert_int_equal(g->bit_offset, 0);
	assert_int_equal(g->access_size, access);
}

static void check_fadt_pm(const struct acpi_fadt *f)
{
	assert_int_equal(f->pm1a_evt_blk, 0x600);
	assert_int_equal(f->pm1_evt_len, 4);
	assert_int_equal(f->pm1a_cnt_blk, 0x604);
	assert_int_equal(f->pm1_cnt_len, 2);
	assert_int_equal(f->pm_tmr_blk, 0x608);
	assert_int_equal(f->pm_tmr_len, 4);
	check_io_gas(&f->x_pm1a_evt_blk, 0x600, 32, ACPI_GAS_ACCESS_WORD);
	check_io_gas(&f->x_pm1a_cnt_blk, 0x604, 16, ACPI_GAS_ACCESS_WORD);
	check_io_gas(&f->x_pm_tmr_blk, 0x608, 32, ACPI_GAS_ACCESS_DWORD);
	/* No PM1b, PM2 or GPE blocks. */
	assert_int_equal(f->pm1b_evt_blk | f->pm1b_cnt_blk | f->pm2_cnt_blk, 0);
	assert_int_equal(f->gpe0_blk | f->gpe1_blk | f->pm2_cnt_len, 0);
	assert_int_equal(f->gpe0_blk_len | f->gpe1_blk_len, 0);
	assert_int_equal(f->x_pm1b_evt_blk.address | f->x_gpe0_blk.address, 0);
	/* The block the FADT describes is the one vpm.c claims. */
	assert_int_equal(f->pm1a_evt_blk, VPM_PM1A_STS);
	assert_int_equal(f->pm1a_cnt_blk, VPM_PM1A_CNT);
	assert_int_equal(f->pm_tmr_blk, VPM_PM_TMR);
}

static void check_fadt(struct acpi_fadt *f)
{
	read_table(GUEST_ACPI_FADT_GPA, "FACP", 276, 6, (uint8_t *)f);
	assert_int_equal(f->dsdt, GUEST_ACPI_DSDT_GPA);
	assert_int_equal(f->x_dsdt, GUEST_ACPI_DSDT_GPA);
	assert_int_equal(f->firmware_ctrl, GUEST_ACPI_FACS_GPA);
	assert_int_equal(f->x_firmware_ctrl, GUEST_ACPI_FACS_GPA);
	assert_int_equal(f->sci_int, 9);
	assert_int_equal(f->smi_cmd, 0);
	assert_int_equal(f->acpi_enable | f->acpi_disable, 0);
	check_fadt_pm(f);
	assert_true(f->flags & ACPI_FADT_WBINVD);
	assert_true(f->flags & ACPI_FADT_RESET_REG_SUP);
	assert_false(f->flags & ACPI_FADT_TMR_VAL_EXT);
	assert_false(f->flags & ACPI_FADT_HW_REDUCED);
	check_io_gas(&f->reset_reg, 0xcf9, 8, ACPI_GAS_ACCESS_BYTE);
	assert_int_equal(f->reset_value, 0x06);
	assert_int_equal(f->iapc_boot_arch & (ACPI_FADT_LEGACY_DEVICES | ACPI_FADT_8042),
			 ACPI_FADT_LEGACY_DEVICES | ACPI_FADT_8042);
	assert_int_equal(f->iapc_boot_arch & BIT(5), 0); /* "CMOS RTC not present": it is */
	assert_int_equal(f->century, RTC_CENTURY);
	assert_true(f->p_lvl2_lat > 100 && f->p_lvl3_lat > 1000); /* no C2, no C3 */
}

static void check_facs(void)
{
	struct acpi_facs facs;

	assert_true(IS_ALIGNED(GUEST_ACPI_FACS_GPA, 64));
	assert_int_equal(gmem_read(&gm, gpa(GUEST_ACPI_FACS_GPA), &facs, sizeof(facs)), 0);
	assert_memory_equal(facs.signature, "FACS", 4);
	assert_int_equal(facs.length, 64);
	assert_int_equal(facs.version, 2);
	assert_int_equal(facs.global_lock | facs.flags | facs.firmware_waking_vector, 0);
}

/* The AML decoded by hand, then by drivers/acpi.c's scanner. */
static void check_dsdt(void)
{
	static const uint8_t want[] = { 0x08, '_',  'S',  '5',	'_',  0x12, 0x08,
					0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	uint8_t buf[TABLE_MAX];
	struct acpi_sdt_header *h = read_table(GUEST_ACPI_DSDT_GPA, "DSDT", 36 + 14, 2, buf);
	const uint8_t *aml = (const uint8_t *)(h + 1);
	uint8_t a = 0xee, b = 0xee;

	assert_memory_equal(aml, want, sizeof(want));
	/* PkgLength (one byte) counts from itself to the end of the table. */
	assert_int_equal(aml[6] >> 6, 0);
	assert_int_equal((size_t)6 + aml[6], h->length - sizeof(*h));
	assert_int_equal(acpi_find_s5(h, &a, &b), 0);
	assert_int_equal(a, VPM_SLP_TYP_S5);
	assert_int_equal(b, VPM_SLP_TYP_S5);
}

/* An Interrupt Source Override for ISA (bus 0). */
static void check_iso(const struct acpi_madt_iso *o, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	assert_int_equal(o->h.type, ACPI_MADT_ISO);
	assert_int_equal(o->h.length, 10);
	assert_int_equal(o->bus, 0);
	assert_int_equal(o->source, irq);
	assert_int_equal(o->gsi, gsi);
	assert_int_equal(o->flags, flags);
}

/* The I/O APIC entry: the ID and address guest/vioapic.c answers to, GSIs from 0. */
static void check_madt_ioapic(const uint8_t *e)
{
	const struct acpi_madt_ioapic *io = (const void *)e;
	static const uint8_t want[12] = { 1, 12, 1, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0 };

	assert_memory_equal(e, want, sizeof(want));
	assert_int_equal(io->id, VIOAPIC_ID);
	assert_int_equal(io->address, VIOAPIC_BASE_GPA);
	assert_int_equal(io->gsi_base, 0);
}

/*
 * LAPIC, IOAPIC, the IRQ 0 -> GSI 2 override (conforming: ISA edge,
 * active-high), the SCI's (IRQ 9, level, active-high: flags 0x000d, as
 * QEMU), the LINT1 NMI.
 */
static void check_madt(void)
{
	uint8_t buf[TABLE_MAX];
	struct acpi_sdt_header *h = read_table(GUEST_ACPI_MADT_GPA, "APIC",
					       44 + 8 + 12 + 10 + 10 + 6, 3, buf);
	const struct acpi_madt *m = (const void *)h;
	const struct acpi_madt_lapic *l = (const void *)(buf + 44);
	const struct acpi_madt_lapic_nmi *n = (const void *)(buf + 44 + 8 + 12 + 10 + 10);

	assert_int_equal(m->lapic_address, 0xfee00000);
	assert_int_equal(m->flags, ACPI_MADT_PCAT_COMPAT);
	assert_int_equal(l->h.type, ACPI_MADT_LAPIC);
	assert_int_equal(l->h.length, 8);
	assert_int_equal(l->uid, 0);
	assert_int_equal(l->apic_id, 0);
	assert_int_equal(l->flags, ACPI_MADT_ENABLED);
	check_madt_ioapic(buf + 44 + 8);
	check_iso((const void *)(buf + 44 + 8 + 12), 0, 2, 0x0000);
	check_iso((const void *)(buf + 44 + 8 + 12 + 10), 9, 9, 0x000d);
	assert_int_equal(n->h.type, ACPI_MADT_LAPIC_NMI);
	assert_int_equal(n->h.length, 6);
	assert_int_equal(n->uid, 0xff);
	assert_int_equal(n->lint, 1);
	assert_int_equal(n->flags, 0);
	/* The entries fill the table exactly. */
	assert_int_equal(44 + 8 + 12 + 10 + 10 + n->h.length, h->length);
}

static void check_all(void)
{
	struct acpi_rsdp r;
	struct acpi_fadt f;

	check_rsdp(&r);
	check_roots(&r);
	check_fadt(&f);
	check_facs();
	check_dsdt();
	check_madt();
}

static void test_rsdp(void **state)
{
	struct acpi_rsdp r;

	build();
	check_rsdp(&r);
	assert_true(IS_ALIGNED(rsdp_gpa, 16));
	assert_true(rsdp_gpa >= GUEST_BIOS_START && rsdp_gpa + 36 <= GUEST_HIGH_START);
}

static void test_roots(void **state)
{
	struct acpi_rsdp r;

	build();
	check_rsdp(&r);
	check_roots(&r);
}

static void test_fadt(void **state)
{
	struct acpi_fadt f;

	build();
	check_fadt(&f);
	check_facs();
}

static void test_dsdt_s5(void **state)
{
	build();
	check_dsdt();
}

static void test_madt(void **state)
{
	build();
	check_madt();
}

/* Only the BIOS-area page is touched, and nothing in it past the tables. */
static void test_stays_in_its_page(void **state)
{
	uint8_t tail[PAGE_SIZE - (GUEST_ACPI_END - GUEST_BIOS_START)];
	uint8_t zero[sizeof(tail)] = { 0 };
	hfn_t hfn;

	assert_int_equal(gm.nr_backed, 0);
	build();
	assert_int_equal(gm.nr_backed, 1);
	assert_int_equal(gmem_backing(&gm, gpa_to_gfn(gpa(GUEST_BIOS_START)), false, &hfn, NULL),
			 0);
	assert_int_equal(gmem_read(&gm, gpa(GUEST_ACPI_END), tail, sizeof(tail)), 0);
	assert_memory_equal(tail, zero, sizeof(tail));
}

/* Stale bytes where the tables go (a rebuilt guest) leave no trace, gaps included. */
static void test_overwrites_junk(void **state)
{
	uint8_t clean[GUEST_ACPI_END - GUEST_BIOS_START], again[sizeof(clean)];

	build();
	assert_int_equal(gmem_read(&gm, gpa(GUEST_BIOS_START), clean, sizeof(clean)), 0);
	memset(again, 0xa5, sizeof(again));
	assert_int_equal(gmem_write(&gm, gpa(GUEST_BIOS_START), again, sizeof(again)), 0);
	build();
	check_all();
	assert_int_equal(gmem_read(&gm, gpa(GUEST_BIOS_START), again, sizeof(again)), 0);
	assert_memory_equal(again, clean, sizeof(clean));
}

/* Guest RAM that does not reach the BIOS area: an error, logged, no RSDP. */
static void test_write_failure(void **state)
{
	struct gmem small = gm;

	small.size = GUEST_BIOS_START;
	rsdp_gpa = 0x1234;
	assert_int_equal(guest_acpi_build(&small, &rsdp_gpa), -EFAULT);
	assert_int_equal(rsdp_gpa, 0x1234);
	assert_non_null(strstr(fake_console_text(), "ACPI tables"));
	/* Guest RAM that ends inside the tables. */
	small.size = GUEST_ACPI_DSDT_GPA + 8;
	assert_int_equal(guest_acpi_build(&small, &rsdp_gpa), -EFAULT);
	assert_int_equal(rsdp_gpa, 0x1234);
}

/*
 * Pagoda's own ACPI driver on the guest's tables: they hold guest-physical
 * addresses, which drivers/acpi.c dereferences as host pointers, so the BIOS
 * area is copied to the same host address. Skipped if that cannot be mapped.
 */
static void test_host_parser(void **state)
{
	uint8_t *area = mmap((void *)GUEST_BIOS_START, BIOS_AREA_LEN, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	const struct acpi_madt_info *m;
	const struct acpi_fadt_info *f;

	if (area != (void *)GUEST_BIOS_START) {
		if (area != MAP_FAILED)
			munmap(area, BIOS_AREA_LEN);
		skip();
	}
	build();
	assert_int_equal(gmem_read(&gm, gpa(GUEST_BIOS_START), area, BIOS_AREA_LEN), 0);
	/* Without boot_params.acpi_rsdp_addr the OS scans the BIOS area for it. */
	assert_int_equal(acpi_scan_rsdp(hpa(GUEST_BIOS_START), BIOS_AREA_LEN).v, rsdp_gpa);
	assert_int_equal(acpi_init(hpa(rsdp_gpa)), 0);
	/* FACP, APIC and the DSDT: none rejected. */
	assert_non_null(strstr(fake_console_text(), "3 tables via the XSDT; MADT yes, FADT yes"));
	assert_non_null(acpi_find_table("DSDT", 0));
	m = acpi_madt();
	f = acpi_fadt();
	assert_non_null(m);
	assert_non_null(f);
	assert_int_equal(m->lapic_address.v, 0xfee00000);
	assert_int_equal(m->nr_cpus, 1);
	assert_int_equal(m->cpus[0].apic_id, 0);
	assert_false(m->cpus[0].x2apic_entry);
	assert_int_equal(m->nr_ioapics, 1);
	assert_int_equal(m->ioapics[0].id, VIOAPIC_ID);
	assert_int_equal(m->ioapics[0].address.v, 0xfec00000);
	assert_int_equal(m->ioapics[0].gsi_base, 0);
	assert_int_equal(m->nr_isos, 2);
	assert_int_equal(m->isos[0].source, 0);
	assert_int_equal(m->isos[0].gsi, 2);
	assert_int_equal(m->isos[1].source, 9);
	assert_int_equal(m->isos[1].gsi, 9);
	assert_int_equal(m->isos[1].flags, 0x000d);
	assert_int_equal(m->nmi_lint, 1);
	assert_int_equal(f->revision, 6);
	assert_int_equal(f->pm1a_cnt, 0x604);
	assert_int_equal(f->smi_cmd, 0);
	assert_true(f->has_reset);
	assert_int_equal(f->reset_reg.address, VMISC_PORT_PCI_RESET);
	assert_int_equal(f->reset_value, PCI_RESET_SYS | PCI_RESET_CPU);
	assert_true(f->has_s5);
	assert_int_equal(f->slp_typa, VPM_SLP_TYP_S5);
	munmap(area, BIOS_AREA_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rsdp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dsdt_s5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stays_in_its_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overwrites_junk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_parser, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
