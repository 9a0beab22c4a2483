/*
 * multiboot.h - the multiboot v1 ABI as the test kernels see it.
 *
 * Names and values are those of the Multiboot Specification 0.6.96 and
 * its multiboot.h (GNU GRUB legacy); only what the kernels use is here.
 * The loader (QEMU -kernel, GRUB, or Pagoda) enters the kernel in 32-bit
 * protected mode, paging off, with EAX = MULTIBOOT_BOOTLOADER_MAGIC and
 * EBX = the physical address of a struct multiboot_info.
 *
 * Context: pure; included by the 32-bit kernels and by the host test.
 */
#ifndef MB_MULTIBOOT_H
#define MB_MULTIBOOT_H

#define MULTIBOOT_HEADER_MAGIC 0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define MULTIBOOT_SEARCH 8192 /* the header lies in the file's first 8 KiB */
#define MULTIBOOT_HEADER_ALIGN 4

/* multiboot_header.flags: what the kernel asks of the loader. */
#define MULTIBOOT_PAGE_ALIGN 0x00000001 /* modules on 4 KiB boundaries */
#define MULTIBOOT_MEMORY_INFO 0x00000002 /* fill mem_* and mmap_* */

/* multiboot_info.flags: which fields the loader filled. */
#define MULTIBOOT_INFO_MEMORY 0x00000001
#define MULTIBOOT_INFO_CMDLINE 0x00000004
#define MULTIBOOT_INFO_MEM_MAP 0x00000040
#define MULTIBOOT_INFO_BOOT_LOADER_NAME 0x00000200

#define MULTIBOOT_MEMORY_AVAILABLE 1

#ifndef __ASSEMBLER__
#include <stdint.h>

#ifndef static_assert
#define static_assert _Static_assert
#endif

/*
 * The first 72 bytes of the boot information; the VBE and framebuffer
 * fields that follow are never read, so a loader may omit them.
 */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB below 1 MiB */
	uint32_t mem_upper; /* KiB from 1 MiB up to the first hole */
	uint32_t boot_device;
	uint32_t cmdline; /* physical address of a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length; /* bytes */
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
};
static_assert(sizeof(struct multiboot_info) == 72, "multiboot_info prefix is 72 bytes");

/*
 * One memory-map entry. `size` counts the bytes after itself (20 in
 * practice, possibly more); the next entry is at entry + size + 4.
 */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));
static_assert(sizeof(struct multiboot_mmap_entry) == 24, "mmap entry is 24 bytes");

#define MULTIBOOT_MMAP_ENTRY_MIN 20 /* smallest legal `size` field */

#endif /* __ASSEMBLER__ */
#endif
