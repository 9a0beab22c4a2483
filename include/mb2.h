/*
 * mb2.h - the multiboot2 boot information format, and its parser.
 *
 * Constants and tag layouts follow the Multiboot2 Specification (version
 * 2.0, "Boot information format") and GRUB's include/multiboot2.h where
 * the two differ (noted below). Every tag starts with a u32 type and a
 * u32 size; size counts the header but not the padding that brings the
 * next tag to an 8-byte boundary. The list ends with a tag of type 0,
 * size 8.
 *
 *   mbi +0  total_size (includes this header and the end tag)
 *       +4  reserved
 *       +8  tag, tag, ..., end tag     (each 8-byte aligned)
 *
 * boot/mb2.c turns all this into the neutral struct boot_info at once;
 * nothing else in Pagoda reads these structs.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_MB2_H
#define PAGODA_MB2_H

#include "boot_info.h"
#include "types.h"

/* EAX at entry from a multiboot2 loader. */
#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289u

#define MB2_TAG_ALIGN 8

enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_BOOT_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_BOOTDEV = 5,
	MB2_TAG_MMAP = 6,
	MB2_TAG_VBE = 7,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ELF_SECTIONS = 9,
	MB2_TAG_APM = 10,
	MB2_TAG_EFI32 = 11,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_SMBIOS = 13,
	MB2_TAG_ACPI_OLD = 14, /* copy of the ACPI 1.0 RSDP */
	MB2_TAG_ACPI_NEW = 15, /* copy of the ACPI 2.0+ XSDP */
	MB2_TAG_NETWORK = 16,
	MB2_TAG_EFI_MMAP = 17,
	MB2_TAG_EFI_BS = 18,
	MB2_TAG_EFI32_IH = 19,
	MB2_TAG_EFI64_IH = 20,
	MB2_TAG_LOAD_BASE_ADDR = 21,
};

/* Memory map entry types: the same numbering as enum mem_type. */
#define MB2_MEMORY_AVAILABLE 1
#define MB2_MEMORY_RESERVED 2
#define MB2_MEMORY_ACPI_RECLAIMABLE 3
#define MB2_MEMORY_NVS 4
#define MB2_MEMORY_BADRAM 5

#define MB2_FRAMEBUFFER_TYPE_INDEXED 0
#define MB2_FRAMEBUFFER_TYPE_RGB 1
#define MB2_FRAMEBUFFER_TYPE_EGA_TEXT 2

struct mb2_info_header {
	uint32_t total_size;
	uint32_t reserved;
};
static_assert(sizeof(struct mb2_info_header) == 8, "mb2 info header");

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};
static_assert(sizeof(struct mb2_tag) == 8, "mb2 tag header");

/* MB2_TAG_CMDLINE, MB2_TAG_BOOT_LOADER_NAME: a NUL-terminated string. */
struct mb2_tag_string {
	uint32_t type;
	uint32_t size;
	char string[];
};
static_assert(sizeof(struct mb2_tag_string) == 8, "mb2 string tag");

/* mod_end is exclusive: GRUB stores mod_start + module size. */
struct mb2_tag_module {
	uint32_t type;
	uint32_t size;
	uint32_t mod_start;
	uint32_t mod_end;
	char string[];
};
static_assert(sizeof(struct mb2_tag_module) == 16, "mb2 module tag");

/* KiB of memory from 0 (at most 640) and from 1 MiB to the first hole. */
struct mb2_tag_basic_meminfo {
	uint32_t type;
	uint32_t size;
	uint32_t mem_lower;
	uint32_t mem_upper;
};
static_assert(sizeof(struct mb2_tag_basic_meminfo) == 16, "mb2 meminfo tag");

struct mb2_tag_bootdev {
	uint32_t type;
	uint32_t size;
	uint32_t biosdev;
	uint32_t slice;
	uint32_t part;
};
static_assert(sizeof(struct mb2_tag_bootdev) == 20, "mb2 bootdev tag");

/* entry_size is a multiple of 8 and may grow in later entry_versions. */
struct mb2_mmap_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
	uint32_t zero;
};
static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry");

struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size;
	uint32_t entry_version;
	/* entries follow, entry_size bytes apart */
};
static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag");

/*
 * The fixed part of the framebuffer tag; colour information follows.
 * The spec's text shows a u8 reserved, GRUB writes a u16: only the
 * fields up to framebuffer_type are relied upon.
 */
struct mb2_tag_framebuffer_common {
	uint32_t type;
	uint32_t size;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch;
	uint32_t framebuffer_width;
	uint32_t framebuffer_height;
	uint8_t framebuffer_bpp;
	uint8_t framebuffer_type;
	uint16_t reserved;
};
static_assert(sizeof(struct mb2_tag_framebuffer_common) == 32, "mb2 fb tag");

/* The spec's text shows u16 fields here; GRUB writes u32s (used here). */
struct mb2_tag_elf_sections {
	uint32_t type;
	uint32_t size;
	uint32_t num;
	uint32_t entsize;
	uint32_t shndx;
	char sections[];
};
static_assert(sizeof(struct mb2_tag_elf_sections) == 20, "mb2 elf tag");

struct mb2_tag_apm {
	uint32_t type;
	uint32_t size;
	uint16_t version;
	uint16_t cseg;
	uint32_t offset;
	uint16_t cseg_16;
	uint16_t dseg;
	uint16_t flags;
	uint16_t cseg_len;
	uint16_t cseg_16_len;
	uint16_t dseg_len;
};
static_assert(sizeof(struct mb2_tag_apm) == 28, "mb2 apm tag");

struct mb2_tag_efi32 {
	uint32_t type;
	uint32_t size;
	uint32_t pointer;
};
static_assert(sizeof(struct mb2_tag_efi32) == 12, "mb2 efi32 tag");

struct mb2_tag_efi64 {
	uint32_t type;
	uint32_t size;
	uint64_t pointer;
};
static_assert(sizeof(struct mb2_tag_efi64) == 16, "mb2 efi64 tag");

/* MB2_TAG_ACPI_OLD / _NEW: a byte copy of the RSDP (20 bytes) / XSDP. */
struct mb2_tag_acpi {
	uint32_t type;
	uint32_t size;
	uint8_t rsdp[];
};
static_assert(sizeof(struct mb2_tag_acpi) == 8, "mb2 acpi tag");

struct mb2_tag_load_base_addr {
	uint32_t type;
	uint32_t size;
	uint32_t load_base_addr;
};
static_assert(sizeof(struct mb2_tag_load_base_addr) == 12, "mb2 load base tag");

/* Larger than any real boot information; a bigger total_size is capped. */
#define MB2_MAX_TOTAL_SIZE (1u << 20)

/* What the boot loader gave us, filled once by mb2_parse(). */
extern struct boot_info boot_info;

/*
 * mb2_parse: fill *bi from the multiboot2 information at mbi. The image
 * range [image_start, image_end) is where Pagoda itself lies: a module
 * overlapping it is dropped. Problems become warnings in bi->warnings and
 * parsing goes on with what can be trusted. Returns 0, or -EINVAL when
 * the magic is wrong, mbi is NULL or no memory information was found.
 */
int mb2_parse(uint32_t magic, const void *mbi, hpa_t image_start,
	      hpa_t image_end, struct boot_info *bi);

/* boot_info_print_warnings: one line "mb2: <warning>" per warning. */
void boot_info_print_warnings(const struct boot_info *bi);

#endif
