/*
 * boot_info.h - the neutral description of what the boot loader gave us.
 *
 * The multiboot2 information is turned at once into this struct (ACRN's
 * habit) by boot/mb2.c; nothing after early boot looks at multiboot2 tags.
 * Problems found while parsing are counted and described in `warnings`
 * rather than fatal: boot goes on with what could be understood.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_BOOT_INFO_H
#define PAGODA_BOOT_INFO_H

#include "types.h"

#define BOOT_MAX_MMAP 128
#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_MAX 512
#define BOOT_MODNAME_MAX 256
#define BOOT_MAX_WARNINGS 8

/* Memory types: the ACPI/e820 numbering, which multiboot2 also uses. */
enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIM = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
};

struct mem_range {
	hpa_t base;
	uint64_t len;
	uint32_t type; /* enum mem_type; other values kept as given */
};

struct boot_module {
	hpa_t start;
	hpa_t end; /* exclusive */
	char name[BOOT_MODNAME_MAX]; /* the module string, e.g. "linux console=ttyS0" */
};

struct boot_fb {
	hpa_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;
};

struct boot_info {
	struct mem_range mmap[BOOT_MAX_MMAP];
	unsigned int nr_mmap;
	struct boot_module mods[BOOT_MAX_MODULES];
	unsigned int nr_mods;
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	hpa_t rsdp; /* 0 when the loader gave none */
	uint8_t rsdp_rev; /* 0 = ACPI 1.0 RSDP, 2 = ACPI 2.0+ XSDP */
	bool has_fb;
	struct boot_fb fb;
	hpa_t mbi_start, mbi_end; /* the multiboot2 information itself */
	hpa_t image_start, image_end; /* Pagoda's own image, as told to the parser */
	bool mmap_from_meminfo; /* no usable memory map: built from basic meminfo */
	unsigned int nr_warnings;
	char warnings[BOOT_MAX_WARNINGS][96];
};

#endif
