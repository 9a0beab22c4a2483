/*
 * main.c - Pagoda's boot sequence, from kmain() to the shell.
 *
 * The order matters: the console first (so every later failure can be
 * reported), our own descriptor tables (so faults are caught), then the
 * boot information, options, memory, platform drivers, and the VMX probe.
 * Each step that fails says why and boot goes on with what works: Pagoda
 * always reaches its shell.
 *
 * Context: boot, single CPU, interrupts off until the timer starts.
 */
#define pr_fmt(fmt) "pagoda: " fmt
#include "acpi.h"
#include "boot_info.h"
#include "console.h"
#include "desc.h"
#include "errcode.h"
#include "frame.h"
#include "hw.h"
#include "lapic.h"
#include "lib.h"
#include "log.h"
#include "mb2.h"
#include "options.h"
#include "pic.h"
#include "paging.h"
#include "shell.h"
#include "trap.h"
#include "tsc.h"
#include "vmx_caps.h"

extern char __image_start[], __image_end[];

struct vmx_caps vmx_caps;
static bool timer_running;

/* reserve_boot_ranges: what the frame allocator must never hand out; the
 * type field names the frame owner the `mem` command shows. */
static unsigned int reserve_boot_ranges(struct mem_range *r, unsigned int max)
{
	unsigned int n = 0;

	r[n++] = (struct mem_range){ ptr_to_hpa(__image_start),
				     (uint64_t)(__image_end - __image_start),
				     FRAME_IMAGE };
	r[n++] = (struct mem_range){ boot_info.mbi_start,
				     boot_info.mbi_end.v - boot_info.mbi_start.v,
				     FRAME_BOOT };
	for (unsigned int i = 0; i < boot_info.nr_mods && n < max; i++)
		r[n++] = (struct mem_range){ boot_info.mods[i].start,
					     boot_info.mods[i].end.v -
						     boot_info.mods[i].start.v,
					     FRAME_BOOT };
	return n;
}

static void mm_setup(void)
{
	struct mem_range reserved[BOOT_MAX_MODULES + 2];
	unsigned int n = reserve_boot_ranges(reserved, ARRAY_SIZE(reserved));
	int err = frame_init(&boot_info, reserved, n, options.mem);

	if (err) {
		pr_err("frame allocator: %s; no memory to manage\n", err_name(err));
		return;
	}
	err = paging_init();
	if (err)
		pr_err("page tables: %s; staying on the boot tables\n", err_name(err));
}

static void platform_setup(void)
{
	int err = acpi_init(boot_info.rsdp);

	if (err)
		pr_warn("ACPI: %s; power-off falls back to emulator ports\n",
			err_name(err));
	err = tsc_init();
	if (err)
		pr_warn("TSC calibration: %s\n", err_name(err));
	err = lapic_init();
	if (!err)
		err = lapic_timer_start(100);
	if (err)
		pr_warn("local APIC timer: %s; the shell polls instead\n", err_name(err));
	timer_running = !err;
}

static void vmx_setup(void)
{
	const char *why;

	vmx_caps_probe(&vmx_caps);
	why = vmx_unavailable_reason(&vmx_caps);
	if (why)
		pr_err("VMX unavailable: %s. Staying in the shell.\n", why);
	else
		pr_info("VMX available (EPT %s, VPID %s)\n",
			vmx_has_ept(&vmx_caps) ? "yes" : "no",
			vmx_has_vpid(&vmx_caps) ? "yes" : "no");
}

/* shell_loop: poll the serial line; sleep until the next tick in between. */
static void __noreturn shell_loop(void)
{
	int c;

	shell_prompt();
	for (;;) {
		while ((c = console_getc()) >= 0)
			shell_input((char)c);
		if (timer_running)
			hw_halt();
		else
			hw_pause();
	}
}

void __noreturn kmain(uint32_t magic, uint64_t mbi);
void __noreturn kmain(uint32_t magic, uint64_t mbi)
{
	int err;

	console_init();
	printk("\nPagoda %s: a micro-hypervisor for studying guest page faults\n",
	       PAGODA_VERSION);
	gdt_init();
	idt_init();
	pic_disable();
	err = mb2_parse(magic, hpa_to_ptr(hpa(mbi)), ptr_to_hpa(__image_start),
			ptr_to_hpa(__image_end), &boot_info);
	boot_info_print_warnings(&boot_info);
	if (err)
		pr_err("multiboot2 information unusable: %s\n", err_name(err));
	options_parse(boot_info.cmdline, &options);
	options_apply(&options);
	mm_setup();
	platform_setup();
	vmx_setup();
	shell_init("pagoda> ");
	printk("Serial shell ready: type 'help'.\n");
	shell_loop();
}
