/*
 * guest.h - loading a guest from Pagoda's boot modules.
 *
 * The module string says what a module is: its first word is the type
 * ("linux", "initrd" or "multiboot"), the rest is the guest's command
 * line. A module that is not what it claims is refused with one line
 * naming the module and the reason; Pagoda then stays in its shell.
 *
 * Context: pure, host-testable (guest memory through gmem).
 */
#ifndef PAGODA_GUEST_H
#define PAGODA_GUEST_H

#include "boot_info.h"
#include "guest_boot.h"
#include "vm.h"

enum guest_kind { GUEST_NONE, GUEST_LINUX, GUEST_MULTIBOOT };

struct guest_image {
	enum guest_kind kind;
	const uint8_t *image; /* host pointer to the module's bytes */
	size_t image_len;
	const uint8_t *initrd;
	size_t initrd_len;
	const char *cmdline; /* after the type word; may be "" */
	unsigned int image_mod, initrd_mod; /* module indices, for messages */
	uint64_t acpi_rsdp; /* gpa of the guest's ACPI RSDP, 0 if none */
};

/*
 * guest_select: find the guest among the modules. 0 with img->kind set,
 * 0 with GUEST_NONE when there is no guest module, or -EINVAL for
 * unknown types, two kernels, two initrds, or an initrd without a Linux
 * kernel.
 */
int guest_select(const struct boot_info *bi, struct guest_image *img);

/* Multiboot (v1): load the kernel into guest RAM and fill the boot state. */
int multiboot_load(struct gmem *gm, const struct guest_image *img,
		   struct guest_boot_state *gs);
int linux_load(struct gmem *gm, const struct guest_image *img, struct guest_boot_state *gs);

/* Guest memory layout shared by the loaders. */
#define GUEST_LOW_RAM_END 0x9fc00ULL /* e820/mmap: usable below this */
#define GUEST_BIOS_START 0xf0000ULL /* reserved [0xf0000, 1 MiB) */
#define GUEST_HIGH_START 0x100000ULL

#endif
