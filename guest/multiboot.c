/*
 * multiboot.c - load a Multiboot (v1) kernel as a guest, as GRUB legacy
 * or QEMU's -kernel would: find its header, load its ELF32 segments (or
 * the a.out-kludge addresses), build the multiboot information (memory
 * sizes, memory map, command line, loader name) in low guest memory, and
 * enter it in 32-bit protected mode, paging off, EAX = 0x2BADB002,
 * EBX = the information's address.
 *
 * Every field of the kernel image is untrusted: offsets and sizes are
 * checked against the module, addresses against guest RAM and against the
 * low area where the information goes.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "multiboot: " fmt
#include "errcode.h"
#include "guest.h"
#include "lib.h"
#include "log.h"
#include "multiboot1.h"

/* Where the loader's own data goes in guest memory: below 1 MiB. */
#define MBI_GPA 0x9000ULL
#define MBI_MMAP_GPA 0x9100ULL
#define MBI_CMDLINE_GPA 0x9400ULL
#define MBI_NAME_GPA 0x9c00ULL
#define MBI_CMDLINE_MAX 2048
#define LOW_LIMIT 0x100000ULL /* kernels must load at or above 1 MiB */
/*
 * Flags bits 0-15 are requirements, which a loader that cannot meet one
 * must refuse ("The magic fields of Multiboot header"). Pagoda meets page
 * alignment (it loads no modules) and the memory information. A video
 * mode (bit 2) it cannot give, but QEMU's -kernel loader, whose kernels
 * Pagoda means to run, boots them anyway with a warning and no video
 * information in the mbi (flags bit 11 clear), so Pagoda does the same.
 * Bits 3-15 mean nothing yet: refused.
 */
#define MB_FLAGS_REQUIRED 0xffffu
#define MB_FLAGS_SUPPORTED (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE)

/* find_header: the multiboot header in the first 8 KiB, 4-byte aligned. */
static const struct multiboot_header *find_header(const struct guest_image *img)
{
	size_t end = MIN(img->image_len, (size_t)MULTIBOOT_SEARCH);

	for (size_t off = 0; off + sizeof(struct multiboot_header) <= end; off += 4) {
		const struct multiboot_header *h = (const void *)(img->image + off);
		if (h->magic == MULTIBOOT_HEADER_MAGIC &&
		    (uint32_t)(h->magic + h->flags + h->checksum) == 0)
			return h;
	}
	return NULL;
}

/* load_range: copy len bytes of the image at off to gpa, zero up to memsz. */
static int load_range(struct gmem *gm, const struct guest_image *img, uint64_t off,
		      uint64_t filesz, uint64_t gpa_start, uint64_t memsz)
{
	int err;

	if (filesz > memsz || off > img->image_len || filesz > img->image_len - off) {
		pr_err("module %u: segment runs past the end of the file\n", img->image_mod);
		return -EINVAL;
	}
	if (gpa_start < LOW_LIMIT || gpa_start >= gm->size || memsz > gm->size - gpa_start) {
		pr_err("module %u: segment at 0x%lx+0x%lx is outside guest RAM [1 MiB, %lu MiB)\n",
		       img->image_mod, gpa_start, memsz, gm->size >> 20);
		return -EINVAL;
	}
	err = gmem_write(gm, gpa(gpa_start), img->image + off, filesz);
	/* Only a real tail: gmem refuses gpa == RAM's end even for 0 bytes (-EFAULT). */
	if (!err && memsz > filesz)
		err = gmem_zero(gm, gpa(gpa_start + filesz), memsz - filesz);
	return err;
}

static int load_elf(struct gmem *gm, const struct guest_image *img, uint32_t *entry)
{
	const struct elf32_ehdr *eh = (const void *)img->image;
	unsigned int loaded = 0;

	if (img->image_len < sizeof(*eh) || *(const uint32_t *)eh->ident != ELF_MAGIC ||
	    eh->ident[4] != ELFCLASS32 || eh->ident[5] != ELFDATA2LSB || eh->machine != EM_386 ||
	    eh->type != ET_EXEC) { /* GRUB legacy's test too: no core files, objects, PIEs */
		pr_err("module %u: not an ELF32 i386 executable and no a.out kludge in its "
		       "multiboot header\n", img->image_mod);
		return -EINVAL;
	}
	if (eh->phentsize != sizeof(struct elf32_phdr) || eh->phoff > img->image_len ||
	    (uint64_t)eh->phnum * sizeof(struct elf32_phdr) > img->image_len - eh->phoff) {
		pr_err("module %u: ELF program headers are malformed\n", img->image_mod);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < eh->phnum; i++) {
		struct elf32_phdr ph;
		/* Copied: phoff need not be 4-aligned, and a misaligned struct access is UB. */
		memcpy(&ph, img->image + eh->phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		int err = load_range(gm, img, ph.offset, ph.filesz, ph.paddr, ph.memsz);
		if (err)
			return err;
		loaded++;
	}
	if (!loaded) {
		pr_err("module %u: ELF file has nothing to load\n", img->image_mod);
		return -EINVAL;
	}
	*entry = eh->entry;
	return 0;
}

/* load_aout: the header's own addresses (flags bit 16), checked against each other. */
static int load_aout(struct gmem *gm, const struct guest_image *img,
		     const struct multiboot_header *h, uint32_t *entry)
{
	uint64_t hdr_off = (const uint8_t *)h - img->image;
	uint64_t end, bss_end;

	if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > hdr_off) {
		pr_err("module %u: multiboot header addresses are inconsistent\n", img->image_mod);
		return -EINVAL;
	}
	uint64_t file_off = hdr_off - (h->header_addr - h->load_addr);
	end = h->load_end_addr ? h->load_end_addr : h->load_addr + (img->image_len - file_off);
	bss_end = h->bss_end_addr ? h->bss_end_addr : end;
	if (end < h->load_addr || bss_end < end) {
		pr_err("module %u: multiboot load/bss end before load address\n", img->image_mod);
		return -EINVAL;
	}
	*entry = h->entry_addr;
	return load_range(gm, img, file_off, end - h->load_addr, h->load_addr,
			  bss_end - h->load_addr);
}

static int write_mmap(struct gmem *gm, struct multiboot_info *mbi)
{
	const struct multiboot_mmap_entry map[] = {
		{ 20, 0, GUEST_LOW_RAM_END, MULTIBOOT_MEMORY_AVAILABLE },
		{ 20, GUEST_LOW_RAM_END, 0xa0000 - GUEST_LOW_RAM_END, MULTIBOOT_MEMORY_RESERVED },
		{ 20, GUEST_BIOS_START, GUEST_HIGH_START - GUEST_BIOS_START,
		  MULTIBOOT_MEMORY_RESERVED },
		{ 20, GUEST_HIGH_START, gm->size - GUEST_HIGH_START, MULTIBOOT_MEMORY_AVAILABLE },
	};

	mbi->mmap_addr = MBI_MMAP_GPA;
	mbi->mmap_length = sizeof(map);
	return gmem_write(gm, gpa(MBI_MMAP_GPA), map, sizeof(map));
}

static int write_info(struct gmem *gm, const struct guest_image *img)
{
	static const char name[] = "Pagoda";
	struct multiboot_info mbi = {
		.flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MEM_MAP |
			 MULTIBOOT_INFO_BOOT_LOADER_NAME,
		.mem_lower = GUEST_LOW_RAM_END >> 10,
		.mem_upper = (uint32_t)((gm->size - GUEST_HIGH_START) >> 10),
		.cmdline = MBI_CMDLINE_GPA,
		.boot_loader_name = MBI_NAME_GPA,
	};
	size_t n = strnlen(img->cmdline, MBI_CMDLINE_MAX - 1);
	int err = write_mmap(gm, &mbi);

	err = err ?: gmem_zero(gm, gpa(MBI_CMDLINE_GPA), MBI_CMDLINE_MAX);
	err = err ?: gmem_write(gm, gpa(MBI_CMDLINE_GPA), img->cmdline, n);
	err = err ?: gmem_write(gm, gpa(MBI_NAME_GPA), name, sizeof(name));
	return err ?: gmem_write(gm, gpa(MBI_GPA), &mbi, sizeof(mbi));
}

/* The state the Multiboot specification promises at entry ("Machine state"). */
static void entry_state(struct guest_boot_state *gs, uint32_t entry)
{
	const struct guest_seg code = { 0x08, 0, 0xffffffff, GUEST_AR_CODE32 };
	const struct guest_seg data = { 0x10, 0, 0xffffffff, GUEST_AR_DATA };

	*gs = (struct guest_boot_state){
		.mode = GUEST_MODE_PROT32,
		.rip = entry,
		.rflags = 0x2,
		.cr0 = 0x11, /* PE, ET */
		.cs = code, .ds = data, .es = data, .ss = data, .fs = data, .gs = data,
		.tr = { 0, 0, 0xffff, GUEST_AR_TSS },
		.ldtr = { 0, 0, 0xffff, GUEST_AR_LDT },
		.gdtr_limit = 0xffff,
		.idtr_limit = 0xffff,
	};
	gs->gpr[REG_RAX] = MULTIBOOT_BOOTLOADER_MAGIC;
	gs->gpr[REG_RBX] = MBI_GPA;
}

int multiboot_load(struct gmem *gm, const struct guest_image *img,
		   struct guest_boot_state *gs)
{
	const struct multiboot_header *h = find_header(img);
	uint32_t entry = 0;
	int err;

	if (!h) {
		pr_err("module %u: no multiboot header in its first 8 KiB\n", img->image_mod);
		return -EINVAL;
	}
	if (h->flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_SUPPORTED) {
		pr_err("module %u: multiboot header requires features Pagoda lacks (flags 0x%x: "
		       "bits 3-15 are undefined)\n", img->image_mod, h->flags);
		return -EINVAL;
	}
	if (h->flags & MULTIBOOT_VIDEO_MODE)
		pr_warn("module %u: the kernel asks for a video mode; Pagoda has no display, "
			"so it gets none (as under QEMU)\n", img->image_mod);
	if (h->flags & MULTIBOOT_AOUT_KLUDGE)
		err = load_aout(gm, img, h, &entry);
	else
		err = load_elf(gm, img, &entry);
	if (err)
		return err;
	if (entry < LOW_LIMIT || entry >= gm->size) {
		pr_err("module %u: entry point 0x%x is outside the loaded kernel\n",
		       img->image_mod, entry);
		return -EINVAL;
	}
	err = write_info(gm, img);
	if (err)
		return err;
	entry_state(gs, entry);
	return 0;
}
