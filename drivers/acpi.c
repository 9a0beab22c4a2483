/*
 * acpi.c - finding and checking the firmware's ACPI tables, and decoding
 * the MADT, the FADT and the \_S5 sleep object.
 *
 * Firmware tables are input Pagoda does not control: every length and
 * address read from them is checked before use (a table must have at least
 * a header, at most ACPI_TABLE_MAX_LEN bytes, a sum of zero, and an
 * address inside the physical address space) and each rejection is one
 * warning line. A broken table is skipped, never fatal.
 *
 * Context: pure, host-testable; boot, single CPU.
 */
#define pr_fmt(fmt) "acpi: " fmt
#include "acpi.h"
#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "shell.h"

#define ACPI_MAX_TABLES 64
/* No physical address reaches 2^52 (the architectural MAXPHYADDR limit). */
#define ACPI_HPA_LIMIT BIT(52)

/* Where the BIOS may keep the RSDP: the ACPI spec's "Finding the RSDP". */
#define BDA_EBDA_SEGMENT 0x40e
#define EBDA_SCAN_LEN KiB(1)
#define EBDA_LOWEST 0x400
#define EBDA_LIMIT 0xa0000
#define BIOS_ROM_START 0xe0000
#define BIOS_ROM_LEN 0x20000

/* AML opcodes the \_S5 scan understands (ACPI spec, "AML Grammar"). */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_PACKAGE_OP 0x12
#define AML_ROOT_CHAR '\\'
#define SLP_TYP_MAX 7

static struct {
	hpa_t rsdp;
	uint8_t rsdp_revision;
	bool rsdp_from_loader;
	const struct acpi_sdt_header *root; /* the XSDT or the RSDT */
	unsigned int nr_tables;
	const struct acpi_sdt_header *tables[ACPI_MAX_TABLES];
	bool has_madt, has_fadt;
	struct acpi_madt_info madt;
	struct acpi_fadt_info fadt;
} acpi;

static uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static bool hpa_range_ok(uint64_t a, uint64_t len)
{
	return a != 0 && a < ACPI_HPA_LIMIT && len <= ACPI_HPA_LIMIT - a;
}

/* printable: copy n firmware characters into out (n + 1 bytes), '?' for junk. */
static const char *printable(char *out, const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[n] = '\0';
	return out;
}

/*
 * acpi_map_table: the table at a, checked (signature sig unless NULL,
 * length, checksum). Returns NULL after one warning line when it is unusable.
 */
static const struct acpi_sdt_header *acpi_map_table(uint64_t a, const char *sig)
{
	const struct acpi_sdt_header *h = hpa_to_ptr(hpa(a));
	char name[5];

	if (!hpa_range_ok(a, sizeof(*h))) {
		pr_warn("table address 0x%lx is not in the physical address space\n", a);
		return NULL;
	}
	printable(name, h->signature, 4);
	if (sig && memcmp(h->signature, sig, 4) != 0) {
		pr_warn("0x%lx: expected %.4s, found '%s'\n", a, sig, name);
		return NULL;
	}
	if (h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX_LEN ||
	    !hpa_range_ok(a, h->length)) {
		pr_warn("%s at 0x%lx: length %u rejected\n", name, a, h->length);
		return NULL;
	}
	if (acpi_sum(h, h->length) != 0) {
		pr_warn("%s at 0x%lx: bad checksum\n", name, a);
		return NULL;
	}
	return h;
}

/* RSDP checks: the 1.0 part, then the 2.0+ part when it is there to read. */
enum rsdp_kind { RSDP_INVALID, RSDP_V1, RSDP_V2 };

static enum rsdp_kind rsdp_check(const struct acpi_rsdp *r, uint64_t avail)
{
	if (avail < ACPI_RSDP_V1_SIZE || memcmp(r->signature, "RSD PTR ", 8) != 0 ||
	    acpi_sum(r, ACPI_RSDP_V1_SIZE) != 0)
		return RSDP_INVALID;
	/* ACPICA too sums a fixed 36 bytes, not the firmware's length field. */
	if (r->revision < 2 || avail < sizeof(*r) || r->length < sizeof(*r) ||
	    acpi_sum(r, sizeof(*r)) != 0)
		return RSDP_V1;
	return RSDP_V2;
}

hpa_t acpi_scan_rsdp(hpa_t start, uint64_t len)
{
	for (uint64_t off = 0; off + ACPI_RSDP_V1_SIZE <= len; off += 16) {
		const struct acpi_rsdp *r = hpa_to_ptr(hpa(start.v + off));

		if (rsdp_check(r, len - off) != RSDP_INVALID)
			return hpa(start.v + off);
	}
	return hpa(0);
}

/* Not const: the compiler must not treat the low BIOS addresses as NULL + n. */
static uint64_t bios_ebda_pointer = BDA_EBDA_SEGMENT;

/* acpi_scan_bios: the RSDP in the EBDA's first KiB or the BIOS ROM, or hpa(0). */
static hpa_t acpi_scan_bios(void)
{
	uint16_t seg;
	uint64_t ebda;
	hpa_t r = hpa(0);

	memcpy(&seg, hpa_to_ptr(hpa(bios_ebda_pointer)), sizeof(seg));
	ebda = (uint64_t)seg << 4;
	if (ebda >= EBDA_LOWEST && ebda + EBDA_SCAN_LEN <= EBDA_LIMIT)
		r = acpi_scan_rsdp(hpa(ebda), EBDA_SCAN_LEN);
	if (!r.v)
		r = acpi_scan_rsdp(hpa(BIOS_ROM_START), BIOS_ROM_LEN);
	return r;
}

static void acpi_add_table(const struct acpi_sdt_header *h)
{
	if (acpi.nr_tables == ACPI_MAX_TABLES) {
		pr_warn("more than %u tables; ignoring %.4s\n", ACPI_MAX_TABLES, h->signature);
		return;
	}
	acpi.tables[acpi.nr_tables++] = h;
}

/* acpi_pick_root: the XSDT when the RSDP is 2.0+ and the XSDT is valid, else the RSDT. */
static int acpi_pick_root(const struct acpi_rsdp *r, enum rsdp_kind kind)
{
	acpi.root = NULL;
	if (kind == RSDP_V2 && r->xsdt_address) {
		acpi.root = acpi_map_table(r->xsdt_address, "XSDT");
		if (!acpi.root)
			pr_warn("XSDT unusable; falling back to the RSDT\n");
	}
	if (!acpi.root && r->rsdt_address)
		acpi.root = acpi_map_table(r->rsdt_address, "RSDT");
	if (!acpi.root) {
		pr_err("no valid RSDT or XSDT\n");
		return -EINVAL;
	}
	return 0;
}

/* acpi_walk_root: add every valid table the root lists (32- or 64-bit entries). */
static void acpi_walk_root(void)
{
	size_t esize = memcmp(acpi.root->signature, "XSDT", 4) == 0 ? 8 : 4;
	size_t n = (acpi.root->length - sizeof(*acpi.root)) / esize;
	const uint8_t *entries = (const uint8_t *)(acpi.root + 1);

	for (size_t i = 0; i < n; i++) {
		uint64_t a = 0; /* little-endian: a 4-byte copy fills the low half */
		const struct acpi_sdt_header *h;

		memcpy(&a, entries + i * esize, esize);
		h = acpi_map_table(a, NULL);
		if (h)
			acpi_add_table(h);
	}
}

const struct acpi_sdt_header *acpi_find_table(const char sig[4], unsigned int instance)
{
	for (unsigned int i = 0; i < acpi.nr_tables; i++)
		if (memcmp(acpi.tables[i]->signature, sig, 4) == 0 && instance-- == 0)
			return acpi.tables[i];
	return NULL;
}

const struct acpi_madt_info *acpi_madt(void)
{
	return acpi.has_madt ? &acpi.madt : NULL;
}

const struct acpi_fadt_info *acpi_fadt(void)
{
	return acpi.has_fadt ? &acpi.fadt : NULL;
}

/* ---- MADT ---- */

static void madt_add_cpu(uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2)
{
	struct acpi_madt_info *m = &acpi.madt;

	if (m->nr_cpus == ACPI_MAX_CPUS) {
		m->nr_dropped++;
		return;
	}
	m->cpus[m->nr_cpus++] = (struct acpi_cpu){ apic_id, uid, flags, x2 };
}

static void madt_lapic(const void *p)
{
	const struct acpi_madt_lapic *e = p;
	madt_add_cpu(e->apic_id, e->uid, e->flags, false);
}

static void madt_x2apic(const void *p)
{
	const struct acpi_madt_x2apic *e = p;
	madt_add_cpu(e->x2apic_id, e->uid, e->flags, true);
}

static void madt_ioapic(const void *p)
{
	const struct acpi_madt_ioapic *e = p;
	struct acpi_madt_info *m = &acpi.madt;

	if (m->nr_ioapics == ACPI_MAX_IOAPICS) {
		m->nr_dropped++;
		return;
	}
	m->ioapics[m->nr_ioapics++] =
		(struct acpi_ioapic){ e->id, hpa(e->address), e->gsi_base };
}

static void madt_iso(const void *p)
{
	const struct acpi_madt_iso *e = p;
	struct acpi_madt_info *m = &acpi.madt;

	if (m->nr_isos == ACPI_MAX_ISOS) {
		m->nr_dropped++;
		return;
	}
	m->isos[m->nr_isos++] = (struct acpi_iso){ e->bus, e->source, e->gsi, e->flags };
}

static void madt_nmi_lint(uint8_t lint)
{
	if (lint > 1) {
		pr_warn("MADT: NMI on LINT%u does not exist; ignored\n", lint);
		return;
	}
	acpi.madt.nmi_lint = lint;
}

static void madt_lapic_nmi(const void *p)
{
	madt_nmi_lint(((const struct acpi_madt_lapic_nmi *)p)->lint);
}

static void madt_x2apic_nmi(const void *p)
{
	madt_nmi_lint(((const struct acpi_madt_x2apic_nmi *)p)->lint);
}

static void madt_override(const void *p)
{
	acpi.madt.lapic_address = hpa(((const struct acpi_madt_lapic_override *)p)->address);
}

/* The MADT entry types Pagoda decodes, by type, with their minimum length. */
static const struct {
	uint8_t min_len;
	void (*parse)(const void *entry);
} madt_handlers[] = {
	[ACPI_MADT_LAPIC] = { sizeof(struct acpi_madt_lapic), madt_lapic },
	[ACPI_MADT_IOAPIC] = { sizeof(struct acpi_madt_ioapic), madt_ioapic },
	[ACPI_MADT_ISO] = { sizeof(struct acpi_madt_iso), madt_iso },
	[ACPI_MADT_LAPIC_NMI] = { sizeof(struct acpi_madt_lapic_nmi), madt_lapic_nmi },
	[ACPI_MADT_LAPIC_OVERRIDE] = { sizeof(struct acpi_madt_lapic_override),
				       madt_override },
	[ACPI_MADT_X2APIC] = { sizeof(struct acpi_madt_x2apic), madt_x2apic },
	[ACPI_MADT_X2APIC_NMI] = { sizeof(struct acpi_madt_x2apic_nmi), madt_x2apic_nmi },
};

/* madt_entry: decode one entry; false when its length makes the rest unreadable. */
static bool madt_entry(const uint8_t *base, uint32_t off, uint32_t len)
{
	const struct acpi_madt_entry *e = (const void *)(base + off);

	if (len - off < sizeof(*e) || e->length < sizeof(*e) || e->length > len - off) {
		pr_warn("MADT: entry at +%u runs past the table end; rest ignored\n", off);
		return false;
	}
	if (e->type >= ARRAY_SIZE(madt_handlers) || !madt_handlers[e->type].parse)
		return true;
	if (e->length < madt_handlers[e->type].min_len) {
		pr_warn("MADT: type %u entry at +%u too short (%u bytes)\n", e->type, off,
			e->length);
		return true;
	}
	madt_handlers[e->type].parse(e);
	return true;
}

static void acpi_parse_madt(const struct acpi_sdt_header *h)
{
	const struct acpi_madt *madt = (const void *)h;
	const uint8_t *base = (const uint8_t *)h;

	if (h->length < sizeof(*madt)) {
		pr_warn("MADT: %u bytes, shorter than its header\n", h->length);
		return;
	}
	acpi.madt = (struct acpi_madt_info){ .lapic_address = hpa(madt->lapic_address),
					     .flags = madt->flags,
					     .nmi_lint = -1 };
	for (uint32_t off = sizeof(*madt); off < h->length;
	     off += ((const struct acpi_madt_entry *)(base + off))->length)
		if (!madt_entry(base, off, h->length))
			break;
	if (acpi.madt.nr_dropped)
		pr_warn("MADT: %u entries beyond Pagoda's limits ignored\n",
			acpi.madt.nr_dropped);
	acpi.has_madt = true;
}

/* ---- FADT and \_S5 ---- */

/* FADT_HAS: whether a FADT of length len contains the whole field. */
#define FADT_HAS(len, field)                                                   \
	((len) >= offsetof(struct acpi_fadt, field) +                          \
			  sizeof(((struct acpi_fadt *)0)->field))
#define FADT_V1_LEN 116 /* ACPI 1.0: up to and including flags */

/* io_port: addr as an I/O port, or 0 (with a warning) if it is none. */
static uint16_t io_port(uint64_t addr, const char *what)
{
	if (addr > 0xffff) {
		pr_warn("FADT: %s 0x%lx is not an I/O port; ignored\n", what, addr);
		return 0;
	}
	return (uint16_t)addr;
}

/* fadt_pm1_port: the extended GAS when present and in I/O space, else the 1.0 field. */
static uint16_t fadt_pm1_port(const struct acpi_gas *x, bool x_present, uint32_t legacy,
			      const char *what)
{
	if (x_present && x->address) {
		if (x->space_id == ACPI_GAS_IO)
			return io_port(x->address, what);
		pr_warn("FADT: %s in address space %u unsupported; using the 1.0 field\n",
			what, x->space_id);
	}
	return io_port(legacy, what);
}

static void fadt_reset(const struct acpi_fadt *f, struct acpi_fadt_info *fi)
{
	if (!FADT_HAS(f->hdr.length, reset_value) || !(fi->flags & ACPI_FADT_RESET_REG_SUP) ||
	    !f->reset_reg.address)
		return;
	fi->has_reset = true;
	fi->reset_reg = f->reset_reg;
	fi->reset_value = f->reset_value;
}

/* fadt_dsdt: validate the DSDT, list it among the tables, decode \_S5. */
static void fadt_dsdt(const struct acpi_fadt *f, struct acpi_fadt_info *fi)
{
	uint64_t a = f->dsdt;
	const struct acpi_sdt_header *dsdt;

	if (FADT_HAS(f->hdr.length, x_dsdt) && f->x_dsdt)
		a = f->x_dsdt;
	if (!a) {
		pr_warn("FADT: no DSDT\n");
		return;
	}
	dsdt = acpi_map_table(a, "DSDT");
	if (!dsdt)
		return;
	fi->dsdt = hpa(a);
	acpi_add_table(dsdt);
	fi->has_s5 = acpi_find_s5(dsdt, &fi->slp_typa, &fi->slp_typb) == 0;
	if (!fi->has_s5)
		pr_warn("DSDT: no \\_S5 package; ACPI power-off unavailable\n");
}

static void acpi_parse_fadt(const struct acpi_sdt_header *h)
{
	const struct acpi_fadt *f = (const void *)h;
	struct acpi_fadt_info *fi = &acpi.fadt;
	uint32_t len = h->length;

	if (len < FADT_V1_LEN) {
		pr_warn("FADT: %u bytes, shorter than ACPI 1.0's %u; ignored\n", len,
			FADT_V1_LEN);
		return;
	}
	*fi = (struct acpi_fadt_info){ .revision = h->revision, .flags = f->flags };
	fi->smi_cmd = io_port(f->smi_cmd, "SMI_CMD");
	fi->acpi_enable = f->acpi_enable;
	fi->pm1a_cnt = fadt_pm1_port(&f->x_pm1a_cnt_blk, FADT_HAS(len, x_pm1a_cnt_blk),
				     f->pm1a_cnt_blk, "PM1a_CNT");
	fi->pm1b_cnt = fadt_pm1_port(&f->x_pm1b_cnt_blk, FADT_HAS(len, x_pm1b_cnt_blk),
				     f->pm1b_cnt_blk, "PM1b_CNT");
	fadt_reset(f, fi);
	fadt_dsdt(f, fi);
	acpi.has_fadt = true;
}

/* aml_small_int: a Zero, One or BytePrefix constant at aml[*i] (< end). */
static int aml_small_int(const uint8_t *aml, size_t end, size_t *i, uint8_t *out)
{
	if (*i >= end)
		return -ENOENT;
	if (aml[*i] == AML_ZERO_OP || aml[*i] == AML_ONE_OP) {
		*out = aml[(*i)++];
		return 0;
	}
	if (aml[*i] != AML_BYTE_PREFIX || *i + 1 >= end)
		return -ENOENT;
	*out = aml[*i + 1];
	*i += 2;
	return 0;
}

/* aml_pkg_end: where the package whose PkgLength starts at aml[*i] ends;
 * moves *i past the PkgLength. 0 when it is malformed, empty or runs past len. */
static size_t aml_pkg_end(const uint8_t *aml, size_t len, size_t *i)
{
	size_t start = *i, nbytes, pkglen;

	if (start >= len)
		return 0;
	nbytes = aml[start] >> 6; /* bits 7:6: how many bytes follow the lead byte */
	if (start + nbytes >= len)
		return 0;
	pkglen = nbytes ? aml[start] & 0x0f : aml[start] & 0x3f;
	for (size_t k = 1; k <= nbytes; k++)
		pkglen |= (size_t)aml[start + k] << (4 + 8 * (k - 1));
	*i = start + 1 + nbytes;
	if (pkglen > len - start || start + pkglen <= *i)
		return 0;
	return start + pkglen;
}

/* s5_decode: at aml[at] a "_S5_" name; decode Name(_S5, Package{a, b, ...}). */
static int s5_decode(const uint8_t *aml, size_t len, size_t at, uint8_t *a, uint8_t *b)
{
	size_t hdr = sizeof(struct acpi_sdt_header), i = at + 4, end;
	bool named = (at >= hdr + 1 && aml[at - 1] == AML_NAME_OP) ||
		     (at >= hdr + 2 && aml[at - 1] == AML_ROOT_CHAR &&
		      aml[at - 2] == AML_NAME_OP);
	uint8_t count;

	if (!named || i >= len || aml[i] != AML_PACKAGE_OP)
		return -ENOENT;
	i++;
	end = aml_pkg_end(aml, len, &i);
	if (!end)
		return -ENOENT;
	count = aml[i++];
	if (count < 1 || aml_small_int(aml, end, &i, a))
		return -ENOENT;
	*b = *a; /* a one-element package gives both registers the same type */
	if (count >= 2 && aml_small_int(aml, end, &i, b))
		return -ENOENT;
	return *a <= SLP_TYP_MAX && *b <= SLP_TYP_MAX ? 0 : -ENOENT;
}

int acpi_find_s5(const struct acpi_sdt_header *dsdt, uint8_t *typa, uint8_t *typb)
{
	const uint8_t *aml = (const uint8_t *)dsdt;
	size_t len = dsdt->length;

	for (size_t i = sizeof(*dsdt); i + 4 <= len; i++)
		if (memcmp(aml + i, "_S5_", 4) == 0 && s5_decode(aml, len, i, typa, typb) == 0)
			return 0;
	return -ENOENT;
}

/* ---- initialization ---- */

/* acpi_locate_rsdp: validate the loader's RSDP or find one; 0 or -ENODEV/-EINVAL. */
static int acpi_locate_rsdp(hpa_t from_loader, enum rsdp_kind *kind)
{
	const struct acpi_rsdp *r;

	acpi.rsdp_from_loader = from_loader.v != 0;
	acpi.rsdp = from_loader.v ? from_loader : acpi_scan_bios();
	if (!acpi.rsdp.v) {
		pr_warn("no RSDP found\n");
		return -ENODEV;
	}
	r = hpa_to_ptr(acpi.rsdp);
	*kind = rsdp_check(r, sizeof(*r));
	if (*kind == RSDP_INVALID) {
		pr_err("RSDP at 0x%lx invalid (signature or checksum)\n", acpi.rsdp.v);
		return -EINVAL;
	}
	acpi.rsdp_revision = r->revision;
	if (r->revision >= 2 && *kind == RSDP_V1)
		pr_warn("RSDP revision %u but bad 2.0 part; using the RSDT\n", r->revision);
	return 0;
}

int acpi_init(hpa_t rsdp)
{
	const struct acpi_sdt_header *h;
	enum rsdp_kind kind;
	int err;

	memset(&acpi, 0, sizeof(acpi));
	err = acpi_locate_rsdp(rsdp, &kind);
	if (!err)
		err = acpi_pick_root(hpa_to_ptr(acpi.rsdp), kind);
	if (err)
		return err;
	acpi_walk_root();
	h = acpi_find_table("FACP", 0);
	if (h)
		acpi_parse_fadt(h);
	h = acpi_find_table("APIC", 0);
	if (h)
		acpi_parse_madt(h);
	pr_info("%u tables via the %.4s; MADT %s, FADT %s\n", acpi.nr_tables,
		acpi.root->signature, acpi.has_madt ? "yes" : "no",
		acpi.has_fadt ? "yes" : "no");
	return 0;
}

/* ---- shell ---- */

static void acpi_print_tables(void)
{
	char sig[5], oem[7];

	printk("RSDP 0x%lx revision %u (%s), root %.4s at 0x%lx\n", acpi.rsdp.v,
	       acpi.rsdp_revision, acpi.rsdp_from_loader ? "from the loader" : "BIOS scan",
	       acpi.root->signature, ptr_to_hpa(acpi.root).v);
	printk("sig  address            length rev oem\n");
	for (unsigned int i = 0; i < acpi.nr_tables; i++) {
		const struct acpi_sdt_header *h = acpi.tables[i];

		printk("%s 0x%016lx %7u %3u %s\n", printable(sig, h->signature, 4),
		       ptr_to_hpa(h).v, h->length, h->revision,
		       printable(oem, h->oem_id, 6));
	}
}

static void acpi_print_madt(void)
{
	static const char *const nmi_pin[] = { "none", "LINT0", "LINT1" };
	const struct acpi_madt_info *m = &acpi.madt;

	printk("MADT: local APIC 0x%lx, %s, %u CPUs, %u IOAPICs, NMI pin %s\n",
	       m->lapic_address.v, m->flags & ACPI_MADT_PCAT_COMPAT ? "8259s present" : "no 8259s",
	       m->nr_cpus, m->nr_ioapics, nmi_pin[m->nmi_lint + 1]);
	for (unsigned int i = 0; i < m->nr_cpus; i++)
		printk("  cpu uid %u: %sAPIC id %u%s%s\n", m->cpus[i].uid,
		       m->cpus[i].x2apic_entry ? "x2" : "", m->cpus[i].apic_id,
		       m->cpus[i].flags & ACPI_MADT_ENABLED ? " enabled" : "",
		       m->cpus[i].flags & ACPI_MADT_ONLINE_CAPABLE ? " online-capable" : "");
	for (unsigned int i = 0; i < m->nr_ioapics; i++)
		printk("  ioapic id %u at 0x%lx, GSI base %u\n", m->ioapics[i].id,
		       m->ioapics[i].address.v, m->ioapics[i].gsi_base);
	for (unsigned int i = 0; i < m->nr_isos; i++)
		printk("  override: bus %u irq %u -> GSI %u flags 0x%x\n", m->isos[i].bus,
		       m->isos[i].source, m->isos[i].gsi, m->isos[i].flags);
}

static void acpi_print_fadt(void)
{
	const struct acpi_fadt_info *f = &acpi.fadt;

	printk("FADT: revision %u, flags 0x%x, PM1a_CNT 0x%x, PM1b_CNT 0x%x, "
	       "SMI_CMD 0x%x, ACPI_ENABLE 0x%x\n",
	       f->revision, f->flags, f->pm1a_cnt, f->pm1b_cnt, f->smi_cmd, f->acpi_enable);
	if (f->has_reset)
		printk("  reset register: space %u address 0x%lx value 0x%x\n",
		       f->reset_reg.space_id, f->reset_reg.address, f->reset_value);
	else
		printk("  reset register: none\n");
	printk("  DSDT at 0x%lx, \\_S5 %s (SLP_TYPa %u, SLP_TYPb %u)\n", f->dsdt.v,
	       f->has_s5 ? "found" : "missing", f->slp_typa, f->slp_typb);
}

/* acpi: the tables found and what Pagoda decoded from them. */
static int cmd_acpi(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	if (!acpi.root) {
		printk("ACPI: no usable tables\n");
		return 0;
	}
	acpi_print_tables();
	if (acpi.has_madt)
		acpi_print_madt();
	if (acpi.has_fadt)
		acpi_print_fadt();
	return 0;
}
SHELL_COMMAND(acpi, "acpi", "ACPI tables, MADT and FADT facts", cmd_acpi);
