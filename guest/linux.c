/*
 * linux.c - load an unmodified Linux bzImage (and an optional initrd) as a
 * guest and enter it through the 64-bit boot protocol, as QEMU, kexec or
 * Firecracker do: the protected-mode kernel goes at its preferred address,
 * the setup header is copied into a zeroed boot_params ("zero page") and
 * completed (loader id, command line, initrd, e820 map), and the vCPU
 * starts in long mode at startup_64 with identity-mapped paging, a boot
 * GDT holding __BOOT_CS/__BOOT_DS, and RSI = the zero page.
 *
 * The rules are Documentation/arch/x86/boot.rst ("64-bit Boot Protocol",
 * "Details of Header Fields"); the ABI is in include/linux_boot.h. Every
 * header field is untrusted: sizes are checked against the module, and
 * addresses against guest RAM and against the low area the loader uses.
 *
 * Low guest memory used by the loader (all below GUEST_LOW_RAM_END, clear
 * of multiboot.c's page at 0x9000; the kernel copies what it keeps out of
 * it before reusing low memory):
 *
 *   0x06000  boot GDT: null, null, __BOOT_CS (64-bit code), __BOOT_DS
 *   0x07000  boot_params (4 KiB)
 *   0x08000  a one-page stack, RSP = 0x8ff0 (the protocol needs none)
 *   0x0a000  PML4, 0x0b000 PDPT, 0x0c000-0x0ffff four PDs: 2 MiB pages
 *            identity-mapping [0, 4 GiB), which holds all guest RAM
 *   0x20000  the command line (at most 64 KiB, NUL included)
 *
 * Context: pure, host-testable (guest memory through gmem).
 */
#define pr_fmt(fmt) "linux: " fmt
#include "errcode.h"
#include "gmem.h"
#include "guest.h"
#include "lib.h"
#include "linux_boot.h"
#include "log.h"
#include "msr.h"
#include "pt.h"

#define LINUX_GDT_GPA 0x6000ULL
#define LINUX_ZERO_PAGE_GPA 0x7000ULL
#define LINUX_STACK_TOP 0x8ff0ULL
#define LINUX_PML4_GPA 0xa000ULL
#define LINUX_PDPT_GPA 0xb000ULL
#define LINUX_PD_GPA 0xc000ULL
#define LINUX_NR_PDS 4 /* one per GiB of the identity map */
#define LINUX_PT_END (LINUX_PD_GPA + LINUX_NR_PDS * PAGE_SIZE)
#define LINUX_CMDLINE_GPA 0x20000ULL
#define LINUX_CMDLINE_MAX KiB(64)
static_assert(LINUX_PT_END <= LINUX_CMDLINE_GPA, "page tables below the command line");
static_assert(LINUX_CMDLINE_GPA + LINUX_CMDLINE_MAX <= GUEST_LOW_RAM_END, "low area fits");

/* Where a relocatable kernel goes when its pref_address does not fit. */
#define LINUX_LOAD_DEFAULT MiB(16)
/* heap_end_ptr: boot.rst's sample layout; only real-mode setup code (not run here) reads it. */
#define LINUX_HEAP_END 0xe000
/* The header can be no longer than its hole in boot_params. */
#define LINUX_SETUP_HEADER_MAX \
	(offsetof(struct boot_params, edd_mbr_sig_buffer) - LINUX_SETUP_HEADER_OFFSET)

/* Control-register bits of the entry state (Linux's names). */
#define X86_CR0_PE BIT(0)
#define X86_CR0_ET BIT(4)
#define X86_CR0_NE BIT(5)
#define X86_CR0_PG BIT(31)
#define X86_CR4_PAE BIT(5)

/* What the loader learned about the image and decided for it. */
struct bzimage {
	struct setup_header hdr; /* the image's header (past hdr_len: setup code), edited */
	size_t hdr_len; /* header bytes the image declares, bounded */
	uint64_t kernel_off, kernel_len; /* protected-mode kernel in the file */
	uint64_t load, footprint; /* it runs in [load, load + footprint) */
	uint64_t initrd; /* gpa; 0 when there is none */
};

/*
 * check_header: copy and check the setup header. -EINVAL when the file is
 * too short, has no "HdrS", or cannot be entered in 64-bit mode.
 */
static int check_header(const struct guest_image *img, struct bzimage *bz)
{
	const struct setup_header *h = &bz->hdr;
	unsigned int mod = img->image_mod;

	if (!img->image || img->image_len < LINUX_SETUP_HEADER_OFFSET + sizeof(*h)) {
		pr_err("module %u: not a bzImage (%zu bytes: too short for a setup header)\n",
		       mod, img->image_len);
		return -EINVAL;
	}
	memcpy(&bz->hdr, img->image + LINUX_SETUP_HEADER_OFFSET, sizeof(bz->hdr));
	if (h->header != LINUX_HDRS_MAGIC) {
		pr_err("module %u: not a bzImage (no HdrS magic)\n", mod);
		return -EINVAL;
	}
	if (h->version < LINUX_BOOT_PROTO(2, 12)) {
		pr_err("module %u: boot protocol %u.%02u too old for 64-bit entry (needs 2.12)\n",
		       mod, h->version >> 8, h->version & 0xff);
		return -EINVAL;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		pr_err("module %u: not a bzImage (a zImage: LOADED_HIGH clear)\n", mod);
		return -EINVAL;
	}
	if (!(h->xloadflags & XLF_KERNEL_64)) {
		pr_err("module %u: kernel has no 64-bit entry point (XLF_KERNEL_64 clear)\n", mod);
		return -EINVAL;
	}
	return 0;
}

/*
 * check_layout: the header's length and where the protected-mode kernel
 * starts. -EINVAL when the header stops before init_size or the setup
 * sectors leave no kernel (with its 64-bit entry) in the file.
 */
static int check_layout(const struct guest_image *img, struct bzimage *bz)
{
	unsigned int sects = bz->hdr.setup_sects ?: LINUX_SETUP_SECTS_DEFAULT;
	size_t declared = LINUX_HEADER_END_BASE + img->image[LINUX_JUMP_LEN_OFFSET] -
			  LINUX_SETUP_HEADER_OFFSET;

	if (declared < offsetof(struct setup_header, handover_offset)) {
		pr_err("module %u: setup header ends at 0x%zx, before init_size\n", img->image_mod,
		       declared + LINUX_SETUP_HEADER_OFFSET);
		return -EINVAL;
	}
	bz->hdr_len = MIN(declared, LINUX_SETUP_HEADER_MAX);
	bz->kernel_off = (uint64_t)(sects + 1) * LINUX_SECTOR_SIZE;
	if (bz->kernel_off + LINUX_ENTRY64_OFFSET >= img->image_len) {
		pr_err("module %u: %u setup sectors leave no kernel in the %zu-byte file\n",
		       img->image_mod, sects, img->image_len);
		return -EINVAL;
	}
	bz->kernel_len = img->image_len - bz->kernel_off;
	return 0;
}

/* fits: is [a, a + len) guest RAM at or above 1 MiB? */
static bool fits(const struct gmem *gm, uint64_t a, uint64_t len)
{
	return a >= GUEST_HIGH_START && a < gm->size && len <= gm->size - a;
}

/* check_fit: 0 when the chosen load address can hold the kernel's footprint, else -EINVAL. */
static int check_fit(const struct gmem *gm, const struct guest_image *img,
		     const struct bzimage *bz)
{
	if (bz->load < GUEST_HIGH_START || bz->load >= GiB(4)) {
		pr_err("module %u: kernel must run at 0x%lx, outside [1 MiB, 4 GiB)\n",
		       img->image_mod, bz->load);
		return -EINVAL;
	}
	if (!fits(gm, bz->load, bz->footprint)) {
		pr_err("module %u: kernel needs %lu MiB, guest has %lu MiB\n", img->image_mod,
		       ALIGN_UP(bz->load + bz->footprint, MiB(1)) >> 20, gm->size >> 20);
		return -EINVAL;
	}
	return 0;
}

/*
 * place_kernel: choose the load address. A relocatable kernel goes at
 * pref_address when that is aligned and fits, else at 16 MiB aligned up;
 * a fixed one at pref_address (where it would move itself anyway). It
 * needs init_size bytes from there. -EINVAL when that does not fit.
 */
static int place_kernel(const struct gmem *gm, const struct guest_image *img,
			struct bzimage *bz)
{
	const struct setup_header *h = &bz->hdr;
	uint64_t align = h->kernel_alignment;

	bz->footprint = ALIGN_UP(MAX((uint64_t)h->init_size, bz->kernel_len), PAGE_SIZE);
	if (!h->relocatable_kernel) {
		bz->load = h->pref_address ?: GUEST_HIGH_START;
		return check_fit(gm, img, bz);
	}
	if (align < PAGE_SIZE || align > GiB(1) || (align & (align - 1))) {
		pr_err("module %u: kernel_alignment 0x%lx is not a power of two in [4 KiB, 1 GiB]\n",
		       img->image_mod, align);
		return -EINVAL;
	}
	bz->load = h->pref_address;
	if (IS_ALIGNED(bz->load, align) && fits(gm, bz->load, bz->footprint))
		return 0;
	bz->load = ALIGN_UP(LINUX_LOAD_DEFAULT, align);
	return check_fit(gm, img, bz);
}

/* highest_fit: the highest page-aligned gpa >= 1 MiB with [gpa, gpa + len) below top; 0 if none. */
static uint64_t highest_fit(uint64_t top, uint64_t len)
{
	uint64_t a;

	if (len > top)
		return 0;
	a = ALIGN_DOWN(top - len, PAGE_SIZE);
	return a >= GUEST_HIGH_START ? a : 0;
}

/*
 * place_initrd: as high as guest RAM and initrd_addr_max allow, below the
 * kernel's footprint if it would overlap it. 0 (bz->initrd = 0 without an
 * initrd) or -EINVAL when it fits nowhere.
 */
static int place_initrd(const struct gmem *gm, const struct guest_image *img,
			struct bzimage *bz)
{
	uint64_t len = img->initrd_len, kend = bz->load + bz->footprint;
	uint64_t top = MIN(gm->size, (uint64_t)bz->hdr.initrd_addr_max + 1);
	uint64_t a;

	if (!img->initrd || !len)
		return 0;
	a = highest_fit(top, len);
	if (a && a < kend && a + len > bz->load)
		a = highest_fit(MIN(top, bz->load), len);
	if (!a || len > UINT32_MAX) {
		pr_err("module %u: initrd of %lu KiB does not fit in guest RAM below 0x%lx "
		       "outside the kernel [0x%lx, 0x%lx)\n", img->initrd_mod, len >> 10, top,
		       bz->load, kend);
		return -EINVAL;
	}
	bz->initrd = a;
	bz->hdr.ramdisk_image = (uint32_t)a;
	bz->hdr.ramdisk_size = (uint32_t)len;
	return 0;
}

/*
 * write_cmdline: the module's command line, NUL-terminated, truncated
 * (with a warning) to what the kernel accepts. Returns gmem's error.
 */
static int write_cmdline(struct gmem *gm, const struct guest_image *img, struct bzimage *bz)
{
	const char *s = img->cmdline ? img->cmdline : "";
	size_t max = MIN((uint64_t)bz->hdr.cmdline_size, LINUX_CMDLINE_MAX - 1);
	size_t n = strlen(s);
	int err;

	if (n > max) {
		pr_warn("module %u: command line of %zu bytes truncated to %zu\n", img->image_mod,
			n, max);
		n = max;
	}
	err = gmem_write(gm, gpa(LINUX_CMDLINE_GPA), s, n);
	err = err ?: gmem_zero(gm, gpa(LINUX_CMDLINE_GPA + n), 1);
	bz->hdr.cmd_line_ptr = LINUX_CMDLINE_GPA;
	return err;
}

/* The e820 map: the same layout multiboot.c reports (guest.h), no ACPI. */
static int write_e820(struct gmem *gm)
{
	const struct boot_e820_entry map[] = {
		{ 0, GUEST_LOW_RAM_END, E820_TYPE_RAM },
		{ GUEST_LOW_RAM_END, ISA_START_ADDRESS - GUEST_LOW_RAM_END, E820_TYPE_RESERVED },
		{ GUEST_BIOS_START, GUEST_HIGH_START - GUEST_BIOS_START, E820_TYPE_RESERVED },
		{ GUEST_HIGH_START, gm->size - GUEST_HIGH_START, E820_TYPE_RAM },
	};
	uint8_t nr = ARRAY_SIZE(map);
	int err = gmem_write(gm, gpa(LINUX_ZERO_PAGE_GPA + offsetof(struct boot_params, e820_table)),
			     map, sizeof(map));

	return err ?: gmem_write(gm, gpa(LINUX_ZERO_PAGE_GPA +
					 offsetof(struct boot_params, e820_entries)), &nr, 1);
}

static int write_u64(struct gmem *gm, uint64_t a, uint64_t v);

/*
 * write_zero_page: boot_params from zeroed memory: the image's header as
 * it declares it (so fields newer than struct setup_header survive), then
 * our edited copy over it, then the e820 map. Returns gmem's error.
 */
static int write_zero_page(struct gmem *gm, const struct guest_image *img, struct bzimage *bz)
{
	struct setup_header *h = &bz->hdr;
	gpa_t hdr_gpa = gpa(LINUX_ZERO_PAGE_GPA + LINUX_SETUP_HEADER_OFFSET);
	int err;

	h->type_of_loader = LINUX_LOADER_UNDEFINED;
	h->loadflags |= CAN_USE_HEAP;
	h->heap_end_ptr = LINUX_HEAP_END - 0x200;
	h->code32_start = (uint32_t)bz->load; /* boot.rst: a loader relocating the kernel sets it */
	err = gmem_zero(gm, gpa(LINUX_ZERO_PAGE_GPA), sizeof(struct boot_params));
	err = err ?: gmem_write(gm, hdr_gpa, img->image + LINUX_SETUP_HEADER_OFFSET, bz->hdr_len);
	err = err ?: gmem_write(gm, hdr_gpa, h, MIN(bz->hdr_len, sizeof(*h)));
	/* Protocol 2.14+: where the ACPI tables are, so Linux need not scan for them. */
	err = err ?: write_u64(gm, LINUX_ZERO_PAGE_GPA + offsetof(struct boot_params, acpi_rsdp_addr),
			       img->acpi_rsdp);
	return err ?: write_e820(gm);
}

static int write_u64(struct gmem *gm, uint64_t a, uint64_t v)
{
	return gmem_write(gm, gpa(a), &v, sizeof(v));
}

/*
 * write_page_tables: identity-map [0, 4 GiB) with 2 MiB pages: the kernel's
 * init_size range, the zero page and the command line must be mapped
 * ("64-bit Boot Protocol"); all of guest RAM is simplest. Returns gmem's error.
 */
static int write_page_tables(struct gmem *gm)
{
	const uint64_t table = PTE_P | PTE_RW, leaf = PTE_P | PTE_RW | PTE_PS;
	int err = gmem_zero(gm, gpa(LINUX_PML4_GPA), LINUX_PT_END - LINUX_PML4_GPA);

	err = err ?: write_u64(gm, LINUX_PML4_GPA, LINUX_PDPT_GPA | table);
	for (unsigned int i = 0; i < LINUX_NR_PDS && !err; i++) {
		uint64_t pd = LINUX_PD_GPA + i * PAGE_SIZE;
		err = write_u64(gm, LINUX_PDPT_GPA + i * sizeof(uint64_t), pd | table);
		for (unsigned int j = 0; j < PT_ENTRIES && !err; j++)
			err = write_u64(gm, pd + j * sizeof(uint64_t),
					(i * HUGE_1G_SIZE + j * HUGE_2M_SIZE) | leaf);
	}
	return err;
}

/*
 * flat_desc: a GDT descriptor, base 0 and limit 0xfffff, whose access
 * byte and flags are those of a VMCS access-rights value, so the GDT and
 * the entry segment state cannot disagree:
 *
 *   63    56 55  52 51   48 47      40 39       16 15        0
 *  +--------+------+-------+----------+-----------+-----------+
 *  | base   | G DB | limit | P DPL S  |  base     |  limit    |
 *  | 31:24  | L AVL| 19:16 |   type   |  23:0     |  15:0     |
 *  +--------+------+-------+----------+-----------+-----------+
 *    AR bits 15:12 ^          ^ AR bits 7:0
 */
static uint64_t flat_desc(uint32_t ar)
{
	return 0xffffULL | (0xfULL << 48) | ((uint64_t)(ar & 0xff) << 40) |
	       ((uint64_t)((ar >> 12) & 0xf) << 52);
}

static const uint32_t gdt_ar[] = {
	[__BOOT_CS / 8] = GUEST_AR_CODE64,
	[__BOOT_DS / 8] = GUEST_AR_DATA,
};

/* write_gdt: null descriptors except __BOOT_CS and __BOOT_DS. Returns gmem's error. */
static int write_gdt(struct gmem *gm)
{
	int err = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(gdt_ar) && !err; i++)
		err = write_u64(gm, LINUX_GDT_GPA + i * sizeof(uint64_t),
				gdt_ar[i] ? flat_desc(gdt_ar[i]) : 0);
	return err;
}

/* The state "64-bit Boot Protocol" asks for at startup_64. */
static void entry_state(struct guest_boot_state *gs, const struct bzimage *bz)
{
	const struct guest_seg code = { __BOOT_CS, 0, 0xffffffff, GUEST_AR_CODE64 };
	const struct guest_seg data = { __BOOT_DS, 0, 0xffffffff, GUEST_AR_DATA };

	*gs = (struct guest_boot_state){
		.mode = GUEST_MODE_LONG64,
		.rip = bz->load + LINUX_ENTRY64_OFFSET,
		.rflags = 0x2, /* interrupts off */
		.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG,
		.cr3 = LINUX_PML4_GPA,
		.cr4 = X86_CR4_PAE,
		.efer = EFER_LME | EFER_LMA,
		.cs = code, .ds = data, .es = data, .ss = data, .fs = data, .gs = data,
		.tr = { 0, 0, 0xffff, GUEST_AR_TSS }, /* VM entry wants a usable busy TSS */
		.ldtr = { 0, 0, 0, VMX_AR_UNUSABLE },
		.gdtr_base = LINUX_GDT_GPA,
		.gdtr_limit = ARRAY_SIZE(gdt_ar) * sizeof(uint64_t) - 1,
	};
	gs->gpr[REG_RSI] = LINUX_ZERO_PAGE_GPA;
	gs->gpr[REG_RSP] = LINUX_STACK_TOP;
}

/* write_guest: everything into guest memory, once every check has passed. */
static int write_guest(struct gmem *gm, const struct guest_image *img, struct bzimage *bz)
{
	int err = gmem_write(gm, gpa(bz->load), img->image + bz->kernel_off, bz->kernel_len);

	if (!err && bz->initrd)
		err = gmem_write(gm, gpa(bz->initrd), img->initrd, img->initrd_len);
	err = err ?: write_cmdline(gm, img, bz);
	err = err ?: write_zero_page(gm, img, bz);
	err = err ?: write_page_tables(gm);
	err = err ?: write_gdt(gm);
	if (err)
		pr_err("module %u: writing guest memory failed: %s\n", img->image_mod,
		       err_name(err));
	return err;
}

int linux_load(struct gmem *gm, const struct guest_image *img, struct guest_boot_state *gs)
{
	struct bzimage bz = { 0 };
	int err = check_header(img, &bz);

	err = err ?: check_layout(img, &bz);
	err = err ?: place_kernel(gm, img, &bz);
	err = err ?: place_initrd(gm, img, &bz);
	err = err ?: write_guest(gm, img, &bz);
	if (err)
		return err;
	entry_state(gs, &bz);
	pr_info("module %u: boot protocol %u.%02u, kernel at 0x%lx (needs %lu KiB), "
		"initrd at 0x%lx (%zu KiB)\n", img->image_mod, bz.hdr.version >> 8,
		bz.hdr.version & 0xff, bz.load, bz.footprint >> 10, bz.initrd,
		bz.initrd ? img->initrd_len >> 10 : 0);
	return 0;
}
