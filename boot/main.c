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
#include "guest.h"
#include "guest_acpi.h"
#include "guest_console.h"
#include "hw.h"
#include "lapic.h"
#include "lib.h"
#include "log.h"
#include "mb2.h"
#include "options.h"
#include "pic.h"
#include "paging.h"
#include "platform.h"
#include "power.h"
#include "shell.h"
#include "trap.h"
#include "tsc.h"
#include "vmx.h"
#include "vmx_caps.h"

extern char __image_start[], __image_end[];


/* 1 kHz: guest timers and serial input are serviced within a millisecond. */
#define PAGODA_TICK_HZ 1000

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
		err = lapic_timer_start(PAGODA_TICK_HZ);
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

static int guest_load(struct vm *vm, const struct guest_image *img,
		      struct guest_boot_state *gs)
{
	if (img->kind == GUEST_LINUX)
		return linux_load(&vm->mem, img, gs);
	return multiboot_load(&vm->mem, img, gs);
}

/*
 * guest_setup: start the guest the boot modules carry, if any. Every
 * failure is reported in one line and leaves Pagoda in its shell.
 */
static void guest_setup(void)
{
	struct guest_image img;
	struct guest_boot_state gs;
	bool use_ept = options.ept && vmx_has_ept(&vmx_caps);
	int err = guest_select(&boot_info, &img);

	if (err || img.kind == GUEST_NONE)
		return;
	if (vmx_unavailable_reason(&vmx_caps)) {
		pr_err("guest not started: VMX unavailable\n");
		return;
	}
	if (!use_ept) {
		pr_err("guest not started: %s; shadow paging is not built yet\n",
		       options.ept ? "this CPU has no usable EPT" : "ept=off");
		return;
	}
	err = vm_create(&the_vm, img.kind == GUEST_LINUX ? "linux" : "multiboot",
			options.guest_mem, use_ept);
	err = err ?: vm_platform_init(&the_vm);
	err = err ?: guest_acpi_build(&the_vm.mem, &img.acpi_rsdp);
	err = err ?: guest_load(&the_vm, &img, &gs);
	err = err ?: vm_launch(&the_vm, &gs);
	if (err) {
		pr_err("guest not started: %s\n", err_name(err));
		the_vm.state = the_vm.state == VM_EMPTY ? VM_EMPTY : VM_STOPPED;
	}
}

/* guest_ended: in test mode the guest's exit status ends the emulator run. */
static void guest_ended(void)
{
	static bool reported;

	if (reported || the_vm.state != VM_STOPPED)
		return;
	reported = true;
	if (the_vm.exit_status >= 0)
		printk("pagoda: guest exit status %d\n", the_vm.exit_status);
	if (options.test)
		power_exit_emulator(the_vm.exit_status >= 0 ? the_vm.exit_status : 255);
	shell_prompt();
}

static void idle(void)
{
	if (timer_running)
		hw_halt();
	else
		hw_pause();
}

/*
 * guest_idle: the vCPU halted. Sleep to the next host tick, or poll the
 * clock when the guest's next timer event comes sooner (vm_idle_poll_ns).
 */
static void guest_idle(void)
{
	uint64_t now = vm_clock_ns(&the_vm);
	uint64_t poll = timer_running ? vm_idle_poll_ns(&the_vm, now,
							1000000000ULL / PAGODA_TICK_HZ) : 0;

	if (!poll) {
		idle();
		return;
	}
	the_vm.stats.hlt_polls++;
	while (vm_clock_ns(&the_vm) - now < poll)
		hw_pause();
}

/*
 * main_loop: serial input first (it decides between guest and shell),
 * then one guest exit; sleep when there is nothing to run.
 */
static void __noreturn main_loop(void)
{
	int c;

	if (the_vm.state != VM_RUNNING || !gconsole_to_guest())
		shell_prompt();
	for (;;) {
		while ((c = console_getc()) >= 0)
			gconsole_input(&the_vm, (char)c);
		gconsole_pump(&the_vm);
		if (the_vm.state == VM_RUNNING) {
			vm_run_once(&the_vm);
			if (the_vm.vcpu.halted)
				guest_idle();
			if (the_vm.state == VM_PAUSED && !the_vm.step)
				printk("[pagoda: guest paused after exit '%s' at RIP 0x%lx]\n",
				       exit_reason_name((uint32_t)vmcs_get(VM_EXIT_REASON)),
				       vmcs_get(GUEST_RIP));
			continue;
		}
		guest_ended();
		idle();
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
	guest_setup();
	/* console=guest only means something when there is a guest to talk to. */
	gconsole_init(options.console == CONSOLE_GUEST && the_vm.state == VM_RUNNING);
	if (the_vm.state == VM_RUNNING && gconsole_to_guest())
		printk("Serial input goes to the guest; %s switches to the Pagoda shell.\n",
		       CONSOLE_ESCAPE_NAME);
	else
		printk("Serial shell ready: type 'help'. %s switches to the guest console.\n",
		       CONSOLE_ESCAPE_NAME);
	main_loop();
}
