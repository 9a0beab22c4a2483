/*
 * test_acpi.c - ACPI table discovery and decoding against tables built in
 * host memory.
 *
 * Tables live in a MAP_32BIT arena (RSDT entries and the FADT's DSDT field
 * are 32-bit addresses), each placed so that it ends exactly where a
 * PROT_NONE guard page begins: any read past a table's end crashes the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "acpi.h"
#include "console_fake.h"
#include "errcode.h"
#include "shell.h"

#define ARENA_PAGES 256
#define PG 4096

static uint8_t *arena;
static size_t arena_next; /* in pages */

/* tail_alloc: len zeroed bytes that end right before a guard page. */
static void *tail_alloc(size_t len)
{
	size_t pages = (len + PG - 1) / PG;
	uint8_t *start;

	assert_true(pages >= 1 && arena_next + pages + 1 <= ARENA_PAGES);
	start = arena + arena_next * PG;
	assert_int_equal(mprotect(start + pages * PG, PG, PROT_NONE), 0);
	arena_next += pages + 1;
	return start + pages * PG - len;
}

static uint32_t addr32(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	assert_true(a < (1ULL << 32));
	return (uint32_t)a;
}

static void fix_sum(void *p, size_t len, uint8_t *field)
{
	uint8_t sum = 0;
	*field = 0;
	for (size_t i = 0; i < len; i++)
		sum += ((uint8_t *)p)[i];
	*field = (uint8_t)-sum;
}

static void fix_table(struct acpi_sdt_header *h)
{
	fix_sum(h, h->length, &h->checksum);
}

/* mk_table: a valid table of sig whose body is the given bytes. */
static struct acpi_sdt_header *mk_table(const char *sig, const void *body, size_t n)
{
	struct acpi_sdt_header *h = tail_alloc(sizeof(*h) + n);

	memcpy(h->signature, sig, 4);
	h->length = (uint32_t)(sizeof(*h) + n);
	h->revision = 1;
	memcpy(h->oem_id, "PAGODA", 6);
	if (n)
		memcpy(h + 1, body, n);
	fix_table(h);
	return h;
}

static struct acpi_sdt_header *mk_rsdt(struct acpi_sdt_header **t, unsigned int n)
{
	uint32_t e[16];
	for (unsigned int i = 0; i < n; i++)
		e[i] = addr32(t[i]);
	return mk_table("RSDT", e, n * 4);
}

static struct acpi_sdt_header *mk_xsdt(struct acpi_sdt_header **t, unsigned int n)
{
	uint64_t e[16];
	for (unsigned int i = 0; i < n; i++)
		e[i] = (uintptr_t)t[i];
	return mk_table("XSDT", e, n * 8);
}

/* mk_rsdp: revision 0 gets only its 20 bytes before the guard page. */
static struct acpi_rsdp *mk_rsdp(uint8_t rev, struct acpi_sdt_header *rsdt,
				 struct acpi_sdt_header *xsdt)
{
	struct acpi_rsdp *r = tail_alloc(rev >= 2 ? sizeof(*r) : ACPI_RSDP_V1_SIZE);

	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "PAGODA", 6);
	r->revision = rev;
	r->rsdt_address = rsdt ? addr32(rsdt) : 0;
	if (rev >= 2) {
		r->length = sizeof(*r);
		r->xsdt_address = (uintptr_t)xsdt;
	}
	fix_sum(r, ACPI_RSDP_V1_SIZE, &r->checksum);
	if (rev >= 2) /* after the 1.0 checksum, which the 36 bytes include */
		fix_sum(r, sizeof(*r), &r->extended_checksum);
	return r;
}

static int init_at(const void *rsdp)
{
	return acpi_init(ptr_to_hpa(rsdp));
}

/* count: occurrences of needle in the console text. */
static unsigned int count(const char *needle)
{
	unsigned int n = 0;
	for (const char *p = fake_console_text(); (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static unsigned int lines(void)
{
	return count("\n");
}

static int setup(void **state)
{
	arena = mmap(NULL, ARENA_PAGES * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	assert_true(arena != MAP_FAILED);
	arena_next = 0;
	fake_console_reset();
	return 0;
}

static int teardown(void **state)
{
	munmap(arena, ARENA_PAGES * PG);
	return 0;
}

/* ---- discovery ---- */

static void test_rsdp_v1_uses_rsdt(void **state)
{
	struct acpi_sdt_header *t[3] = { mk_table("SSDT", "x", 1), mk_table("HPET", NULL, 0),
					 mk_table("SSDT", "yy", 2) };
	struct acpi_rsdp *r = mk_rsdp(0, mk_rsdt(t, 3), NULL);

	assert_int_equal(init_at(r), 0);
	assert_ptr_equal(acpi_find_table("SSDT", 0), t[0]);
	assert_ptr_equal(acpi_find_table("SSDT", 1), t[2]);
	assert_null(acpi_find_table("SSDT", 2));
	assert_ptr_equal(acpi_find_table("HPET", 0), t[1]);
	assert_null(acpi_find_table("APIC", 0));
	assert_null(acpi_madt());
	assert_null(acpi_fadt());
}

static void test_rsdp_v2_prefers_xsdt(void **state)
{
	struct acpi_sdt_header *a = mk_table("AAAA", NULL, 0), *b = mk_table("BBBB", NULL, 0);
	struct acpi_rsdp *r = mk_rsdp(2, mk_rsdt(&a, 1), mk_xsdt(&b, 1));

	assert_int_equal(init_at(r), 0);
	assert_ptr_equal(acpi_find_table("BBBB", 0), b);
	assert_null(acpi_find_table("AAAA", 0));
}

static void test_bad_xsdt_falls_back_to_rsdt(void **state)
{
	struct acpi_sdt_header *a = mk_table("AAAA", NULL, 0), *b = mk_table("BBBB", NULL, 0);
	struct acpi_sdt_header *x = mk_xsdt(&b, 1);
	struct acpi_rsdp *r = mk_rsdp(2, mk_rsdt(&a, 1), x);

	x->checksum ^= 1;
	assert_int_equal(init_at(r), 0);
	assert_ptr_equal(acpi_find_table("AAAA", 0), a);
	assert_null(acpi_find_table("BBBB", 0));
	assert_int_equal(count("XSDT"), 2); /* "bad checksum", then "falling back" */
}

static void test_bad_extended_checksum_uses_rsdt(void **state)
{
	struct acpi_sdt_header *a = mk_table("AAAA", NULL, 0), *b = mk_table("BBBB", NULL, 0);
	struct acpi_rsdp *r = mk_rsdp(2, mk_rsdt(&a, 1), mk_xsdt(&b, 1));

	r->extended_checksum ^= 0x55;
	assert_int_equal(init_at(r), 0);
	assert_ptr_equal(acpi_find_table("AAAA", 0), a);
	assert_null(acpi_find_table("BBBB", 0));
}

static void test_bad_rsdp_rejected(void **state)
{
	struct acpi_sdt_header *a = mk_table("AAAA", NULL, 0);
	struct acpi_rsdp *r = mk_rsdp(0, mk_rsdt(&a, 1), NULL);

	r->checksum ^= 1;
	assert_int_equal(init_at(r), -EINVAL);
	assert_null(acpi_find_table("AAAA", 0));
	r = mk_rsdp(0, mk_rsdt(&a, 1), NULL);
	r->signature[0] = 'X';
	fix_sum(r, ACPI_RSDP_V1_SIZE, &r->checksum);
	assert_int_equal(init_at(r), -EINVAL);
}

static void test_no_valid_root(void **state)
{
	struct acpi_sdt_header *a = mk_table("AAAA", NULL, 0);
	struct acpi_sdt_header *rsdt = mk_rsdt(&a, 1);
	struct acpi_rsdp *r = mk_rsdp(0, rsdt, NULL);

	memcpy(rsdt->signature, "XSDT", 4); /* right sum, wrong name */
	fix_table(rsdt);
	assert_int_equal(init_at(r), -EINVAL);
	assert_int_equal(init_at(mk_rsdp(0, NULL, NULL)), -EINVAL);
}

/* Bad tables are skipped with exactly one line each; the good one stays. */
static void test_bad_tables_skipped(void **state)
{
	struct acpi_sdt_header *t[4];
	struct acpi_rsdp *r;

	t[0] = mk_table("BADS", "abc", 3);
	t[0]->checksum ^= 0x10;
	t[1] = tail_alloc(sizeof(struct acpi_sdt_header)); /* only a header exists */
	memcpy(t[1]->signature, "HUGE", 4);
	t[1]->length = (uint32_t)MiB(2);
	t[2] = tail_alloc(sizeof(struct acpi_sdt_header));
	memcpy(t[2]->signature, "TINY", 4);
	t[2]->length = 35;
	fix_sum(t[2], 35, &t[2]->checksum); /* so only the length can reject it */
	t[3] = mk_table("GOOD", NULL, 0);
	r = mk_rsdp(0, mk_rsdt(t, 4), NULL);

	assert_int_equal(init_at(r), 0);
	assert_null(acpi_find_table("BADS", 0));
	assert_null(acpi_find_table("HUGE", 0));
	assert_null(acpi_find_table("TINY", 0));
	assert_ptr_equal(acpi_find_table("GOOD", 0), t[3]);
	assert_int_equal(count("BADS"), 1);
	assert_int_equal(count("HUGE"), 1);
	assert_int_equal(count("TINY"), 1);
	assert_int_equal(lines(), 4); /* three warnings and the summary */
}

/* Entries of 0 and beyond 2^52 are refused without being dereferenced. */
static void test_wild_root_entries(void **state)
{
	struct acpi_sdt_header *good = mk_table("GOOD", NULL, 0);
	uint64_t e[3] = { 0, 1ULL << 60, (uintptr_t)good };
	struct acpi_sdt_header *x = mk_table("XSDT", e, sizeof(e));
	struct acpi_rsdp *r = mk_rsdp(2, NULL, x);

	assert_int_equal(init_at(r), 0);
	assert_ptr_equal(acpi_find_table("GOOD", 0), good);
	assert_int_equal(count("not in the physical address space"), 2);
}

/* An RSDT whose length leaves 2 stray bytes: one entry, no read past the end. */
static void test_root_partial_entry(void **state)
{
	struct acpi_sdt_header *good = mk_table("GOOD", NULL, 0);
	uint8_t body[6] = { 0 };
	uint32_t a = addr32(good);
	struct acpi_sdt_header *rsdt;

	memcpy(body, &a, 4);
	rsdt = mk_table("RSDT", body, sizeof(body));
	assert_int_equal(init_at(mk_rsdp(0, rsdt, NULL)), 0);
	assert_ptr_equal(acpi_find_table("GOOD", 0), good);
}

/* More tables than Pagoda keeps: the first 64 are listed, the rest named and dropped. */
static void test_too_many_tables(void **state)
{
	struct acpi_sdt_header *t = mk_table("SSDT", NULL, 0);
	uint64_t e[70];
	struct acpi_sdt_header *x;

	for (unsigned int i = 0; i < 70; i++)
		e[i] = (uintptr_t)t;
	x = mk_table("XSDT", e, sizeof(e));
	assert_int_equal(init_at(mk_rsdp(2, NULL, x)), 0);
	assert_ptr_equal(acpi_find_table("SSDT", 63), t);
	assert_null(acpi_find_table("SSDT", 64));
	assert_int_equal(count("ignoring SSDT"), 6);
}

static void test_scan_rsdp(void **state)
{
	struct acpi_sdt_header *a = mk_table("AAAA", NULL, 0);
	uint8_t *area = tail_alloc(PG);
	struct acpi_rsdp *good = mk_rsdp(0, mk_rsdt(&a, 1), NULL);

	memcpy(area + 0x20, good, ACPI_RSDP_V1_SIZE); /* signature, bad sum */
	area[0x20 + 8] ^= 1;
	memcpy(area + 0x48, good, ACPI_RSDP_V1_SIZE); /* not on 16 bytes */
	memcpy(area + 0x80, good, ACPI_RSDP_V1_SIZE);
	assert_int_equal(acpi_scan_rsdp(ptr_to_hpa(area), PG).v, (uintptr_t)(area + 0x80));
	assert_int_equal(acpi_scan_rsdp(ptr_to_hpa(area), 0x80).v, 0);
}

/* A revision-2 RSDP in the last 32 bytes of the area: found as 1.0, not over-read. */
static void test_scan_rsdp_at_area_end(void **state)
{
	struct acpi_sdt_header *a = mk_table("AAAA", NULL, 0);
	struct acpi_rsdp *v2 = mk_rsdp(2, mk_rsdt(&a, 1), NULL);
	uint8_t *area = tail_alloc(PG);

	memcpy(area + PG - 32, v2, 32);
	assert_int_equal(acpi_scan_rsdp(ptr_to_hpa(area), PG).v, (uintptr_t)(area + PG - 32));
}

/* ---- MADT ---- */

static size_t put(uint8_t *body, size_t at, const void *e, size_t n)
{
	memcpy(body + at, e, n);
	return at + n;
}

static struct acpi_sdt_header *mk_madt(const uint8_t *entries, size_t n)
{
	uint8_t body[1024];
	struct { uint32_t lapic, flags; } __packed fixed = { 0xfee00000, ACPI_MADT_PCAT_COMPAT };

	memcpy(body, &fixed, 8);
	memcpy(body + 8, entries, n);
	return mk_table("APIC", body, 8 + n);
}

static void init_with(struct acpi_sdt_header *t)
{
	assert_int_equal(init_at(mk_rsdp(0, mk_rsdt(&t, 1), NULL)), 0);
}

static void test_madt_entries(void **state)
{
	uint8_t e[256];
	size_t n = 0;
	struct acpi_madt_lapic cpu0 = { { 0, 8 }, 0, 0, ACPI_MADT_ENABLED };
	struct acpi_madt_lapic cpu1 = { { 0, 8 }, 1, 2, ACPI_MADT_ONLINE_CAPABLE };
	struct acpi_madt_ioapic io = { { 1, 12 }, 7, 0, 0xfec00000, 0 };
	struct acpi_madt_iso iso0 = { { 2, 10 }, 0, 0, 2, 0 };
	struct acpi_madt_iso iso9 = { { 2, 10 }, 0, 9, 9, 0xd };
	struct acpi_madt_lapic_nmi nmi = { { 4, 6 }, 0xff, 5, 1 };
	struct acpi_madt_lapic_override ov = { { 5, 12 }, 0, 0xfee10000 };
	struct acpi_madt_x2apic x2 = { { 9, 16 }, 0, 300, ACPI_MADT_ENABLED, 300 };
	uint8_t unknown[5] = { 0x7f, 5, 1, 2, 3 };
	const struct acpi_madt_info *m;

	n = put(e, n, &cpu0, sizeof(cpu0));
	n = put(e, n, &io, sizeof(io));
	n = put(e, n, unknown, sizeof(unknown));
	n = put(e, n, &cpu1, sizeof(cpu1));
	n = put(e, n, &iso0, sizeof(iso0));
	n = put(e, n, &iso9, sizeof(iso9));
	n = put(e, n, &nmi, sizeof(nmi));
	n = put(e, n, &ov, sizeof(ov));
	n = put(e, n, &x2, sizeof(x2));
	init_with(mk_madt(e, n));

	m = acpi_madt();
	assert_non_null(m);
	assert_int_equal(m->lapic_address.v, 0xfee10000);
	assert_int_equal(m->flags, ACPI_MADT_PCAT_COMPAT);
	assert_int_equal(m->nr_cpus, 3);
	assert_int_equal(m->cpus[1].apic_id, 2);
	assert_int_equal(m->cpus[1].flags, ACPI_MADT_ONLINE_CAPABLE);
	assert_int_equal(m->cpus[2].apic_id, 300);
	assert_true(m->cpus[2].x2apic_entry);
	assert_int_equal(m->nr_ioapics, 1);
	assert_int_equal(m->ioapics[0].id, 7);
	assert_int_equal(m->ioapics[0].address.v, 0xfec00000);
	assert_int_equal(m->nr_isos, 2);
	assert_int_equal(m->isos[1].source, 9);
	assert_int_equal(m->isos[1].flags, 0xd);
	assert_int_equal(m->isos[0].gsi, 2);
	assert_int_equal(m->nmi_lint, 1);
	assert_int_equal(m->nr_dropped, 0);
}

/* The last entry's length runs past the table: earlier entries are kept. */
static void test_madt_entry_past_end(void **state)
{
	uint8_t e[64];
	struct acpi_madt_lapic cpu0 = { { 0, 8 }, 0, 0, ACPI_MADT_ENABLED };
	size_t n = put(e, 0, &cpu0, sizeof(cpu0));

	n = put(e, n, &cpu0, sizeof(cpu0));
	e[n - 8 + 1] = 40; /* second entry claims 40 bytes; 8 remain */
	init_with(mk_madt(e, n));
	assert_int_equal(acpi_madt()->nr_cpus, 1);
	assert_int_equal(count("runs past the table end"), 1);
}

/* A zero-length entry would loop forever; a lone trailing byte is no entry. */
static void test_madt_zero_length_and_odd_tail(void **state)
{
	uint8_t e[16] = { 0 };
	struct acpi_madt_lapic cpu0 = { { 0, 8 }, 0, 0, ACPI_MADT_ENABLED };
	size_t n = put(e, 0, &cpu0, sizeof(cpu0));

	e[n] = 1; /* type 1, length 0 */
	e[n + 1] = 0;
	init_with(mk_madt(e, n + 2));
	assert_int_equal(acpi_madt()->nr_cpus, 1);

	fake_console_reset();
	init_with(mk_madt(e, n + 1)); /* one byte: no room for a length */
	assert_int_equal(acpi_madt()->nr_cpus, 1);
	assert_int_equal(count("runs past the table end"), 1);
}

/* An entry too short for its type is skipped, and parsing goes on. */
static void test_madt_short_entry_skipped(void **state)
{
	uint8_t e[64];
	struct acpi_madt_ioapic io = { { 1, 12 }, 7, 0, 0xfec00000, 0 };
	struct acpi_madt_lapic cpu0 = { { 0, 8 }, 0, 4, ACPI_MADT_ENABLED };
	size_t n;

	io.h.length = 6;
	n = put(e, 0, &io, 6);
	n = put(e, n, &cpu0, sizeof(cpu0));
	init_with(mk_madt(e, n));
	assert_int_equal(acpi_madt()->nr_ioapics, 0);
	assert_int_equal(acpi_madt()->nr_cpus, 1);
	assert_int_equal(acpi_madt()->cpus[0].apic_id, 4);
	assert_int_equal(count("too short"), 1);
}

static void test_madt_too_many_cpus(void **state)
{
	uint8_t e[8 * (ACPI_MAX_CPUS + 3)];
	size_t n = 0;

	for (unsigned int i = 0; i < ACPI_MAX_CPUS + 3; i++) {
		struct acpi_madt_lapic c = { { 0, 8 }, (uint8_t)i, (uint8_t)i, 1 };
		n = put(e, n, &c, sizeof(c));
	}
	init_with(mk_madt(e, n));
	assert_int_equal(acpi_madt()->nr_cpus, ACPI_MAX_CPUS);
	assert_int_equal(acpi_madt()->nr_dropped, 3);
}

/* An NMI on a LINT pin that does not exist is refused; a real one is kept. */
static void test_madt_x2apic_nmi(void **state)
{
	struct acpi_madt_x2apic_nmi bad = { { 10, 12 }, 0, 0xffffffff, 3, { 0 } };
	struct acpi_madt_x2apic_nmi lint0 = { { 10, 12 }, 0, 0xffffffff, 0, { 0 } };
	uint8_t e[32];

	init_with(mk_madt((uint8_t *)&bad, sizeof(bad)));
	assert_int_equal(acpi_madt()->nmi_lint, -1);
	assert_int_equal(count("LINT3"), 1);
	put(e, put(e, 0, &lint0, sizeof(lint0)), &bad, sizeof(bad));
	init_with(mk_madt(e, 2 * sizeof(bad)));
	assert_int_equal(acpi_madt()->nmi_lint, 0);
}

static void test_madt_shorter_than_header(void **state)
{
	init_with(mk_table("APIC", "abcd", 4));
	assert_null(acpi_madt());
}

/* ---- FADT and \_S5 ---- */

/* Name(\_S5, Package(4){0x05, 0x07, 0, 0}) with BytePrefix constants. */
static const uint8_t s5_bytes[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				    0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00 };
/* Name(_S5, Package(2){Zero, One}) */
static const uint8_t s5_consts[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x01 };

static struct acpi_sdt_header *mk_dsdt(const uint8_t *aml, size_t n)
{
	return mk_table("DSDT", aml, n);
}

static struct acpi_fadt *mk_fadt(uint32_t len, struct acpi_sdt_header *dsdt)
{
	struct acpi_fadt f = { 0 };
	struct acpi_fadt *p;

	f.dsdt = dsdt ? addr32(dsdt) : 0;
	f.smi_cmd = 0xb2;
	f.acpi_enable = 0xf1;
	f.pm1a_cnt_blk = 0x604;
	f.flags = ACPI_FADT_RESET_REG_SUP;
	f.reset_reg = (struct acpi_gas){ ACPI_GAS_IO, 8, 0, 1, 0xcf9 };
	f.reset_value = 6;
	p = (struct acpi_fadt *)mk_table("FACP", (uint8_t *)&f + 36, len - 36);
	return p;
}

static void init_fadt(struct acpi_fadt *f)
{
	init_with(&f->hdr);
}

static void test_fadt_v1(void **state)
{
	struct acpi_sdt_header *dsdt = mk_dsdt(s5_bytes, sizeof(s5_bytes));
	const struct acpi_fadt_info *fi;

	init_fadt(mk_fadt(116, dsdt));
	fi = acpi_fadt();
	assert_non_null(fi);
	assert_int_equal(fi->pm1a_cnt, 0x604);
	assert_int_equal(fi->pm1b_cnt, 0);
	assert_int_equal(fi->smi_cmd, 0xb2);
	assert_int_equal(fi->acpi_enable, 0xf1);
	assert_false(fi->has_reset); /* the field lies beyond a 1.0 FADT */
	assert_int_equal(fi->dsdt.v, (uintptr_t)dsdt);
	assert_ptr_equal(acpi_find_table("DSDT", 0), dsdt);
	assert_true(fi->has_s5);
	assert_int_equal(fi->slp_typa, 5);
	assert_int_equal(fi->slp_typb, 7);
}

static void test_fadt_v6_extended_fields(void **state)
{
	struct acpi_sdt_header *old = mk_dsdt(s5_bytes, sizeof(s5_bytes));
	struct acpi_sdt_header *dsdt = mk_dsdt(s5_consts, sizeof(s5_consts));
	struct acpi_fadt *f = mk_fadt(sizeof(struct acpi_fadt), old);
	const struct acpi_fadt_info *fi;

	f->x_dsdt = (uintptr_t)dsdt;
	f->x_pm1a_cnt_blk = (struct acpi_gas){ ACPI_GAS_IO, 16, 0, 2, 0xb004 };
	f->pm1b_cnt_blk = 0x1234;
	f->x_pm1b_cnt_blk = (struct acpi_gas){ ACPI_GAS_MEMORY, 16, 0, 2, 0xfed00000 };
	f->hdr.revision = 6;
	fix_table(&f->hdr);
	init_fadt(f);
	fi = acpi_fadt();
	assert_int_equal(fi->revision, 6);
	assert_int_equal(fi->dsdt.v, (uintptr_t)dsdt);
	assert_int_equal(fi->pm1a_cnt, 0xb004);
	assert_int_equal(fi->pm1b_cnt, 0x1234); /* memory-space X block: 1.0 field */
	assert_true(fi->has_reset);
	assert_int_equal(fi->reset_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(fi->reset_reg.address, 0xcf9);
	assert_int_equal(fi->reset_value, 6);
	assert_true(fi->has_s5);
	assert_int_equal(fi->slp_typa, 0);
	assert_int_equal(fi->slp_typb, 1);
}

static void test_fadt_reset_needs_flag(void **state)
{
	struct acpi_fadt *f = mk_fadt(sizeof(struct acpi_fadt), NULL);

	f->flags = 0;
	fix_table(&f->hdr);
	init_fadt(f);
	assert_false(acpi_fadt()->has_reset);
	assert_false(acpi_fadt()->has_s5);
	assert_int_equal(count("no DSDT"), 1);
}

static void test_fadt_too_short(void **state)
{
	init_fadt(mk_fadt(100, NULL));
	assert_null(acpi_fadt());
	assert_int_equal(count("shorter than ACPI 1.0"), 1);
}

static void test_fadt_port_out_of_range(void **state)
{
	struct acpi_fadt *f = mk_fadt(116, NULL);

	f->smi_cmd = 0x12345;
	fix_table(&f->hdr);
	init_fadt(f);
	assert_int_equal(acpi_fadt()->smi_cmd, 0);
}

static void test_dsdt_bad_checksum(void **state)
{
	struct acpi_sdt_header *dsdt = mk_dsdt(s5_bytes, sizeof(s5_bytes));

	dsdt->checksum++;
	init_fadt(mk_fadt(116, dsdt));
	assert_non_null(acpi_fadt());
	assert_false(acpi_fadt()->has_s5);
	assert_null(acpi_find_table("DSDT", 0));
}

static int s5_of(const uint8_t *aml, size_t n, uint8_t *a, uint8_t *b)
{
	return acpi_find_s5(mk_dsdt(aml, n), a, b);
}

static void test_s5_encodings(void **state)
{
	uint8_t a = 99, b = 99;

	assert_int_equal(s5_of(s5_bytes, sizeof(s5_bytes), &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 7);
	assert_int_equal(s5_of(s5_consts, sizeof(s5_consts), &a, &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
}

static void test_s5_absent(void **state)
{
	static const uint8_t none[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x00, 0x01 };
	uint8_t a, b;

	assert_int_equal(s5_of(none, sizeof(none), &a, &b), -ENOENT);
	assert_int_equal(s5_of(NULL, 0, &a, &b), -ENOENT);
}

/* A reference to _S5_ that is not Name(...) is passed over for the real one. */
static void test_s5_skips_non_name(void **state)
{
	static const uint8_t aml[] = { 0x70, '_', 'S', '5', '_', 0x60, /* Store(_S5_, Local0) */
				       0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02,
				       0x0a, 0x03, 0x0a, 0x04 };
	uint8_t a, b;

	assert_int_equal(s5_of(aml, sizeof(aml), &a, &b), 0);
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
}

/* Two-byte PkgLength, and a one-element package. */
static void test_s5_pkglength_forms(void **state)
{
	static const uint8_t two[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x45, 0x00, 0x01,
				       0x0a, 0x02 };
	static const uint8_t big[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x45, 0x01, 0x01,
				       0x0a, 0x02 }; /* 0x15 bytes: runs past the end */
	uint8_t a, b;

	assert_int_equal(s5_of(two, sizeof(two), &a, &b), 0);
	assert_int_equal(a, 2);
	assert_int_equal(b, 2);
	assert_int_equal(s5_of(big, sizeof(big), &a, &b), -ENOENT);
}

/* Each truncation of a valid \_S5 at the table end: no match, no over-read. */
static void test_s5_truncated(void **state)
{
	uint8_t a, b;

	for (size_t n = 1; n < sizeof(s5_bytes); n++)
		assert_int_equal(s5_of(s5_bytes, n, &a, &b), -ENOENT);
}

/* PkgLengths that end at the table's last byte or claim nothing: no over-read. */
static void test_s5_pkglength_at_table_end(void **state)
{
	static const uint8_t zero[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x00 };
	static const uint8_t one[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x01 };
	static const uint8_t lead2[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x45 };
	static const uint8_t lead4[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xc5, 0x00, 0x00 };
	uint8_t a, b;

	assert_int_equal(s5_of(zero, sizeof(zero), &a, &b), -ENOENT);
	assert_int_equal(s5_of(one, sizeof(one), &a, &b), -ENOENT);
	assert_int_equal(s5_of(lead2, sizeof(lead2), &a, &b), -ENOENT);
	assert_int_equal(s5_of(lead4, sizeof(lead4), &a, &b), -ENOENT);
}

static void test_s5_bad_values(void **state)
{
	static const uint8_t eight[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02,
					 0x0a, 0x08, 0x0a, 0x00 };
	static const uint8_t word[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02,
					0x0b, 0x05, 0x00, 0x00, 0x00 };
	static const uint8_t empty[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x00,
					 0x0a, 0x05 }; /* NumElements 0 */
	static const uint8_t cut[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01,
				       0x0a, 0x05 }; /* the package ends after BytePrefix */
	static const uint8_t no_pkg[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x04, 0x01,
					  0x0a, 0x03, 0x00 }; /* Name(_S5, 4) */
	uint8_t a, b;

	assert_int_equal(s5_of(eight, sizeof(eight), &a, &b), -ENOENT);
	assert_int_equal(s5_of(word, sizeof(word), &a, &b), -ENOENT);
	assert_int_equal(s5_of(empty, sizeof(empty), &a, &b), -ENOENT);
	assert_int_equal(s5_of(cut, sizeof(cut), &a, &b), -ENOENT);
	assert_int_equal(s5_of(no_pkg, sizeof(no_pkg), &a, &b), -ENOENT);
}

/* A NameOp inside the header does not count: the scan stays in the body. */
static void test_s5_not_from_header(void **state)
{
	static const uint8_t aml[] = { '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x01 };
	struct acpi_sdt_header *d = mk_dsdt(aml, sizeof(aml));
	uint8_t a, b;

	((uint8_t *)d)[35] = 0x08; /* creator_revision's top byte */
	fix_table(d);
	assert_int_equal(acpi_find_s5(d, &a, &b), -ENOENT);
}

/* ---- shell ---- */

static void test_acpi_command(void **state)
{
	struct acpi_madt_lapic cpu0 = { { 0, 8 }, 0, 0, ACPI_MADT_ENABLED };
	struct acpi_sdt_header *t[2] = {
		mk_madt((uint8_t *)&cpu0, sizeof(cpu0)),
		&mk_fadt(sizeof(struct acpi_fadt), mk_dsdt(s5_bytes, sizeof(s5_bytes)))->hdr
	};
	char line[] = "acpi";
	char bad[] = "acpi extra";

	assert_int_equal(init_at(mk_rsdp(0, mk_rsdt(t, 2), NULL)), 0);
	fake_console_reset();
	assert_int_equal(shell_exec(line), 0);
	assert_int_equal(count("\nAPIC 0x"), 1);
	assert_int_equal(count("\nFACP 0x"), 1);
	assert_int_equal(count("\nDSDT 0x"), 1);
	assert_int_equal(count("PAGODA"), 3);
	assert_int_equal(count("MADT: local APIC 0xfee00000"), 1);
	assert_int_equal(count("PM1a_CNT 0x604"), 1);
	assert_int_equal(count("\\_S5 found (SLP_TYPa 5, SLP_TYPb 7)"), 1);
	assert_int_equal(count("space 1 address 0xcf9 value 0x6"), 1);
	assert_int_not_equal(shell_exec(bad), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rsdp_v1_uses_rsdt),
		T(test_rsdp_v2_prefers_xsdt),
		T(test_bad_xsdt_falls_back_to_rsdt),
		T(test_bad_extended_checksum_uses_rsdt),
		T(test_bad_rsdp_rejected),
		T(test_no_valid_root),
		T(test_bad_tables_skipped),
		T(test_wild_root_entries),
		T(test_root_partial_entry),
		T(test_too_many_tables),
		T(test_scan_rsdp),
		T(test_scan_rsdp_at_area_end),
		T(test_madt_entries),
		T(test_madt_entry_past_end),
		T(test_madt_zero_length_and_odd_tail),
		T(test_madt_short_entry_skipped),
		T(test_madt_too_many_cpus),
		T(test_madt_x2apic_nmi),
		T(test_madt_shorter_than_header),
		T(test_fadt_v1),
		T(test_fadt_v6_extended_fields),
		T(test_fadt_reset_needs_flag),
		T(test_fadt_too_short),
		T(test_fadt_port_out_of_range),
		T(test_dsdt_bad_checksum),
		T(test_s5_encodings),
		T(test_s5_absent),
		T(test_s5_skips_non_name),
		T(test_s5_pkglength_forms),
		T(test_s5_truncated),
		T(test_s5_pkglength_at_table_end),
		T(test_s5_bad_values),
		T(test_s5_not_from_header),
		T(test_acpi_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
