/*
 * linux_boot.h - the Linux/x86 boot protocol ABI: the bzImage setup header
 * and struct boot_params (the "zero page") with its e820 table.
 *
 * Names, offsets and values are upstream's: Documentation/arch/x86/boot.rst
 * (x86/boot.txt in older trees), arch/x86/include/uapi/asm/bootparam.h and
 * arch/x86/include/asm/e820/types.h. Sub-structures Pagoda never fills
 * (screen_info, edid_info, eddbuf...) are kept as byte arrays of their
 * upstream size so every later offset stays right; the static_asserts
 * below pin the offsets boot.rst and bootparam.h document.
 *
 * Context: pure definitions.
 */
#ifndef PAGODA_LINUX_BOOT_H
#define PAGODA_LINUX_BOOT_H

#include "types.h"

/* Offsets in the bzImage file (and in boot_params: the header sits at the same place). */
#define LINUX_SETUP_HEADER_OFFSET 0x1f1
#define LINUX_JUMP_LEN_OFFSET 0x201 /* byte: the header ends at 0x202 + this */
#define LINUX_HEADER_END_BASE 0x202
#define LINUX_SECTOR_SIZE 512
#define LINUX_SETUP_SECTS_DEFAULT 4 /* setup_sects == 0 means 4 */
#define LINUX_ENTRY64_OFFSET 0x200 /* startup_64 from the protected-mode kernel start */

#define LINUX_HDRS_MAGIC 0x53726448 /* "HdrS" at 0x202 */
#define LINUX_BOOT_PROTO(major, minor) (((major) << 8) | (minor))
#define LINUX_LOADER_UNDEFINED 0xff /* type_of_loader: no assigned id */

/* loadflags */
#define LOADED_HIGH BIT(0)
#define KASLR_FLAG BIT(1)
#define QUIET_FLAG BIT(5)
#define KEEP_SEGMENTS BIT(6) /* obsolete */
#define CAN_USE_HEAP BIT(7)

/* xloadflags (protocol 2.12+) */
#define XLF_KERNEL_64 BIT(0)
#define XLF_CAN_BE_LOADED_ABOVE_4G BIT(1)
#define XLF_EFI_HANDOVER_32 BIT(2)
#define XLF_EFI_HANDOVER_64 BIT(3)
#define XLF_EFI_KEXEC BIT(4)
#define XLF_5LEVEL BIT(5)
#define XLF_5LEVEL_ENABLED BIT(6)

/* The boot GDT selectors the 32- and 64-bit boot protocols require. */
#define __BOOT_CS 0x10
#define __BOOT_DS 0x18

/* The setup header: bzImage offset 0x1f1, boot_params offset 0x1f1. */
struct setup_header {
	uint8_t setup_sects; /* 0x1f1 */
	uint16_t root_flags; /* 0x1f2 */
	uint32_t syssize; /* 0x1f4 */
	uint16_t ram_size; /* 0x1f8 */
	uint16_t vid_mode; /* 0x1fa */
	uint16_t root_dev; /* 0x1fc */
	uint16_t boot_flag; /* 0x1fe: 0xaa55 */
	uint16_t jump; /* 0x200 */
	uint32_t header; /* 0x202: "HdrS" */
	uint16_t version; /* 0x206: (major << 8) | minor */
	uint32_t realmode_swtch; /* 0x208 */
	uint16_t start_sys_seg; /* 0x20c */
	uint16_t kernel_version; /* 0x20e */
	uint8_t type_of_loader; /* 0x210 */
	uint8_t loadflags; /* 0x211 */
	uint16_t setup_move_size; /* 0x212 */
	uint32_t code32_start; /* 0x214 */
	uint32_t ramdisk_image; /* 0x218 */
	uint32_t ramdisk_size; /* 0x21c */
	uint32_t bootsect_kludge; /* 0x220 */
	uint16_t heap_end_ptr; /* 0x224 */
	uint8_t ext_loader_ver; /* 0x226 */
	uint8_t ext_loader_type; /* 0x227 */
	uint32_t cmd_line_ptr; /* 0x228 */
	uint32_t initrd_addr_max; /* 0x22c: highest byte an initrd may occupy */
	uint32_t kernel_alignment; /* 0x230 */
	uint8_t relocatable_kernel; /* 0x234 */
	uint8_t min_alignment; /* 0x235 */
	uint16_t xloadflags; /* 0x236 */
	uint32_t cmdline_size; /* 0x238: longest command line, NUL excluded */
	uint32_t hardware_subarch; /* 0x23c */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset; /* 0x248 */
	uint32_t payload_length; /* 0x24c */
	uint64_t setup_data; /* 0x250 */
	uint64_t pref_address; /* 0x258 */
	uint32_t init_size; /* 0x260 */
	uint32_t handover_offset; /* 0x264 */
	uint32_t kernel_info_offset; /* 0x268 */
} __packed;
static_assert(sizeof(struct setup_header) == 0x26c - LINUX_SETUP_HEADER_OFFSET,
	      "setup_header spans 0x1f1..0x26c");
static_assert(offsetof(struct setup_header, header) == 0x202 - LINUX_SETUP_HEADER_OFFSET,
	      "HdrS at 0x202");
static_assert(offsetof(struct setup_header, cmd_line_ptr) == 0x228 - LINUX_SETUP_HEADER_OFFSET,
	      "cmd_line_ptr at 0x228");
static_assert(offsetof(struct setup_header, xloadflags) == 0x236 - LINUX_SETUP_HEADER_OFFSET,
	      "xloadflags at 0x236");
static_assert(offsetof(struct setup_header, pref_address) == 0x258 - LINUX_SETUP_HEADER_OFFSET,
	      "pref_address at 0x258");

/* E820 memory types (asm/e820/types.h). */
#define E820_TYPE_RAM 1
#define E820_TYPE_RESERVED 2
#define E820_TYPE_ACPI 3
#define E820_TYPE_NVS 4
#define E820_TYPE_UNUSABLE 5
#define E820_TYPE_PMEM 7
#define E820_TYPE_PRAM 12

#define E820_MAX_ENTRIES_ZEROPAGE 128
#define ISA_START_ADDRESS 0xa0000 /* legacy VGA/ROM hole: [0xa0000, 1 MiB) */

struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820_TYPE_* */
} __packed;
static_assert(sizeof(struct boot_e820_entry) == 20, "boot_e820_entry is 20 bytes");

#define EDD_MBR_SIG_MAX 16
#define EDDMAXNR 6
#define EDD_INFO_SIZE 82 /* sizeof(struct edd_info) */

/* The zero page. */
struct boot_params {
	uint8_t screen_info[0x40]; /* 0x000; orig_video_isVGA is byte 0x0f */
	uint8_t apm_bios_info[0x14]; /* 0x040 */
	uint8_t _pad2[4]; /* 0x054 */
	uint64_t tboot_addr; /* 0x058 */
	uint8_t ist_info[0x10]; /* 0x060 */
	uint64_t acpi_rsdp_addr; /* 0x070 */
	uint8_t _pad3[8]; /* 0x078 */
	uint8_t hd0_info[16]; /* 0x080 */
	uint8_t hd1_info[16]; /* 0x090 */
	uint8_t sys_desc_table[16]; /* 0x0a0 */
	uint8_t olpc_ofw_header[16]; /* 0x0b0 */
	uint32_t ext_ramdisk_image; /* 0x0c0 */
	uint32_t ext_ramdisk_size; /* 0x0c4 */
	uint32_t ext_cmd_line_ptr; /* 0x0c8 */
	uint8_t _pad4[116]; /* 0x0cc */
	uint8_t edid_info[0x80]; /* 0x140 */
	uint8_t efi_info[0x20]; /* 0x1c0 */
	uint32_t alt_mem_k; /* 0x1e0 */
	uint32_t scratch; /* 0x1e4 */
	uint8_t e820_entries; /* 0x1e8 */
	uint8_t eddbuf_entries; /* 0x1e9 */
	uint8_t edd_mbr_sig_buf_entries; /* 0x1ea */
	uint8_t kbd_status; /* 0x1eb */
	uint8_t secure_boot; /* 0x1ec */
	uint8_t _pad5[2]; /* 0x1ed */
	uint8_t sentinel; /* 0x1ef: a careful loader leaves it 0 */
	uint8_t _pad6[1]; /* 0x1f0 */
	struct setup_header hdr; /* 0x1f1 */
	uint8_t _pad7[0x290 - 0x1f1 - sizeof(struct setup_header)];
	uint32_t edd_mbr_sig_buffer[EDD_MBR_SIG_MAX]; /* 0x290 */
	struct boot_e820_entry e820_table[E820_MAX_ENTRIES_ZEROPAGE]; /* 0x2d0 */
	uint8_t _pad8[48]; /* 0xcd0 */
	uint8_t eddbuf[EDDMAXNR * EDD_INFO_SIZE]; /* 0xd00 */
	uint8_t _pad9[276]; /* 0xeec */
} __packed;
static_assert(sizeof(struct boot_params) == 4096, "boot_params is one page");
static_assert(offsetof(struct boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr at 0x070");
static_assert(offsetof(struct boot_params, ext_ramdisk_image) == 0x0c0, "ext_ramdisk_image");
static_assert(offsetof(struct boot_params, edid_info) == 0x140, "edid_info at 0x140");
static_assert(offsetof(struct boot_params, e820_entries) == 0x1e8, "e820_entries at 0x1e8");
static_assert(offsetof(struct boot_params, sentinel) == 0x1ef, "sentinel at 0x1ef");
static_assert(offsetof(struct boot_params, hdr) == LINUX_SETUP_HEADER_OFFSET, "hdr at 0x1f1");
static_assert(offsetof(struct boot_params, edd_mbr_sig_buffer) == 0x290, "edd_mbr_sig_buffer");
static_assert(offsetof(struct boot_params, e820_table) == 0x2d0, "e820_table at 0x2d0");
static_assert(offsetof(struct boot_params, eddbuf) == 0xd00, "eddbuf at 0xd00");

#endif
