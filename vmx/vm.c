/*
 * vm.c - the guest seen from the shell: state, counters, registers, and
 * address translations (EPT walk, gpa -> hpa, gva -> gpa through the
 * guest's own page tables); pause, resume, step.
 *
 * Context: pure, host-testable (VMCS through vmx_hw.h); the commands run
 * in Pagoda's main loop between VM exits.
 */
#define pr_fmt(fmt) "vm: " fmt
#include "errcode.h"
#include "guest_mem.h"
#include "hw.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "pt.h"
#include "shell.h"
#include "tsc.h"
#include "vintr.h"
#include "vmexit.h"
#include "vmx.h"
#include "vmx_defs.h"

struct vm the_vm;
struct vmx_caps vmx_caps; /* read once at boot by vmx_caps_probe() */

static const char *const state_names[] = {
	[VM_EMPTY] = "no guest", [VM_RUNNING] = "running",
	[VM_PAUSED] = "paused", [VM_STOPPED] = "stopped",
};

void vm_stop(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
	va_end(ap);
	vm->stop_ns = vm_clock_ns(vm);
	vm->state = VM_STOPPED;
	pr_err("guest '%s' stopped: %s\n", vm->name, vm->stop_reason);
}

uint64_t vm_clock_ns(const struct vm *vm)
{
	return tsc_khz ? tsc_cycles_to_ns(hw_rdtsc() - vm->start_tsc) : 0;
}

void vcpu_dump(struct vm *vm)
{
	const uint64_t *r = vm->vcpu.regs.gpr;

	printk("RIP %016lx RSP %016lx RFLAGS %016lx\n", vmcs_get(GUEST_RIP),
	       vmcs_get(GUEST_RSP), vmcs_get(GUEST_RFLAGS));
	printk("RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", r[REG_RAX], r[REG_RBX],
	       r[REG_RCX], r[REG_RDX]);
	printk("RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n", r[REG_RSI], r[REG_RDI],
	       r[REG_RBP], r[REG_R8]);
	printk("R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n", r[REG_R9], r[REG_R10],
	       r[REG_R11], r[REG_R12]);
	printk("R13 %016lx R14 %016lx R15 %016lx CR2 %016lx\n", r[REG_R13], r[REG_R14],
	       r[REG_R15], vm->vcpu.regs.cr2);
	printk("CR0 %016lx (shadow %lx) CR3 %016lx CR4 %016lx (shadow %lx)\n",
	       vmcs_get(GUEST_CR0), vm->vcpu.cr0_shadow, vmcs_get(GUEST_CR3),
	       vmcs_get(GUEST_CR4), vm->vcpu.cr4_shadow);
	printk("EFER %016lx CS %04lx base %lx ar %lx  SS %04lx ar %lx  TR %04lx ar %lx\n",
	       vmcs_get(GUEST_IA32_EFER), vmcs_get(GUEST_CS_SELECTOR), vmcs_get(GUEST_CS_BASE),
	       vmcs_get(GUEST_CS_AR_BYTES), vmcs_get(GUEST_SS_SELECTOR),
	       vmcs_get(GUEST_SS_AR_BYTES), vmcs_get(GUEST_TR_SELECTOR),
	       vmcs_get(GUEST_TR_AR_BYTES));
	printk("GDTR %lx/%lx IDTR %lx/%lx interruptibility %lx activity %lx\n",
	       vmcs_get(GUEST_GDTR_BASE), vmcs_get(GUEST_GDTR_LIMIT), vmcs_get(GUEST_IDTR_BASE),
	       vmcs_get(GUEST_IDTR_LIMIT), vmcs_get(GUEST_INTERRUPTIBILITY_INFO),
	       vmcs_get(GUEST_ACTIVITY_STATE));
	printk("exit reason %lu (%s) qualification %lx intr-info %lx idt-vectoring %lx\n",
	       vmcs_get(VM_EXIT_REASON) & 0xffff, exit_reason_name((uint32_t)vmcs_get(VM_EXIT_REASON)),
	       vmcs_get(EXIT_QUALIFICATION), vmcs_get(VM_EXIT_INTR_INFO),
	       vmcs_get(IDT_VECTORING_INFO_FIELD));
	printk("controls: pin %x proc %x proc2 %x exit %x entry %x\n", vm->vcpu.pin_ctls,
	       vm->vcpu.proc_ctls, vm->vcpu.proc2_ctls, vm->vcpu.exit_ctls,
	       vm->vcpu.entry_ctls);
}

/*
 * vm_preemption_timer_value: what to load into the VMX-preemption timer so
 * that the guest exits when its next timer event (PIT period, local APIC
 * timer, an owed PIT tick) is due, now_ns being the vm clock's time. The
 * timer counts down once every 2^rate TSC cycles (IA32_VMX_MISC bits 4:0);
 * rounding up exits a little late rather than early, where an early exit
 * would find nothing due and cost a second one. 0 when already due (the
 * CPU exits before the guest's first instruction); saturates at 2^32-1
 * (minutes), and Pagoda's 1 kHz tick forces exits meanwhile anyway.
 */
uint32_t vm_preemption_timer_value(struct vm *vm, uint64_t now_ns)
{
	uint64_t next = vintr_next_event_ns(vm), cycles;
	unsigned int rate = vmx_misc_preemption_timer_rate(vmx_caps.misc);

	if (next == VINTR_NO_EVENT)
		return UINT32_MAX;
	if (next <= now_ns)
		return 0;
	cycles = tsc_ns_to_cycles(next - now_ns);
	cycles = (cycles >> rate) + !!(cycles & ((1ULL << rate) - 1));
	return cycles > UINT32_MAX ? UINT32_MAX : (uint32_t)cycles;
}

/*
 * Halt polling, as KVM's halt_poll_ns, for the reason the preemption
 * timer exists: a halted vCPU sleeps in Pagoda's idle loop until the next
 * 1 kHz host tick, so an event due sooner would fire up to a tick late.
 * Only then is the wait polled; longer ones sleep (and leave the CPU to
 * Bochs' idle skipping, or to the host's power management).
 */
uint64_t vm_idle_poll_ns(struct vm *vm, uint64_t now_ns, uint64_t tick_ns)
{
	uint64_t next = vintr_next_event_ns(vm);

	if (next == VINTR_NO_EVENT || next <= now_ns || next - now_ns >= tick_ns)
		return 0;
	return next - now_ns;
}

static bool have_guest(void)
{
	if (the_vm.state != VM_EMPTY)
		return true;
	printk("vm: no guest (boot with a guest module: see README)\n");
	return false;
}

static int cmd_vm(int argc, char **argv)
{
	struct vm *vm = &the_vm;
	const struct vm_stats *s = &vm->stats;

	if (!have_guest())
		return 0;
	printk("guest '%s': %s%s%s\n", vm->name, state_names[vm->state],
	       vm->state == VM_STOPPED ? ": " : "", vm->state == VM_STOPPED ? vm->stop_reason : "");
	if (vm->exit_status >= 0)
		printk("exit status %d\n", vm->exit_status);
	printk("uptime %lu ms, RAM %lu MiB, %lu frames backed (%lu KiB), %s\n",
	       (vm->state == VM_STOPPED ? vm->stop_ns : vm_clock_ns(vm)) / 1000000, vm->mem.size >> 20, vm->mem.nr_backed,
	       vm->mem.nr_backed * 4, vm->use_ept ? "EPT" : "shadow paging");
	printk("exits: %lu total, %lu injections, %lu HLT sleeps (%lu polled)\n", s->exits,
	       s->injections, s->hlt_sleeps, s->hlt_polls);
	printk("MMIO accesses emulated: %lu\n", s->mmio_exits);
	for (unsigned int i = 0; i < EXIT_REASON_MAX; i++)
		if (s->exits_by_reason[i])
			printk("  %-28s %lu\n", exit_reason_name(i), s->exits_by_reason[i]);
	printk("device accesses, busiest first:\n");
	vdev_dump_hits(&vm->vdev);
	printk("EPT violations:\n");
	for (unsigned int i = 0; i < EPT_V_NR_KINDS; i++)
		printk("  %-28s %lu\n", ept_violation_kind_name[i], s->ept_violations[i]);
	printk("  %-28s %lu\n", "misconfigurations", s->ept_misconfigs);
	printk("2M maps %lu (%lu collapsed from 4K), INVEPTs %lu; reservations %lu, "
	       "%lu frames reserved not backed, %lu fallbacks to 4K\n", s->large_maps,
	       s->promotions, s->ept_flushes, vm->mem.stats.reservations, vm->mem.stats.reserved,
	       vm->mem.stats.fallbacks);
	return 0;
}
SHELL_COMMAND(vm, "vm", "guest state, uptime, exits by reason, EPT violations", cmd_vm);

static int cmd_regs(int argc, char **argv)
{
	if (!have_guest())
		return 0;
	if (the_vm.state == VM_RUNNING)
		printk("(registers as of the last VM exit)\n");
	vcpu_dump(&the_vm);
	return 0;
}
SHELL_COMMAND(regs, "regs", "guest registers and key VMCS fields", cmd_regs);

static int parse_addr(int argc, char **argv, uint64_t *a)
{
	if (argc != 2)
		return -EINVAL;
	return shell_arg_u64(argv[1], a) ? -EINVAL : 0;
}

static int cmd_gpa2hpa(int argc, char **argv)
{
	uint64_t a;
	hfn_t f;
	int err;

	if (parse_addr(argc, argv, &a))
		return -EINVAL;
	if (!have_guest())
		return 0;
	err = gmem_backing(&the_vm.mem, gpa_to_gfn(gpa(a)), false, &f, NULL);
	if (err == -EFAULT)
		printk("gpa 0x%lx: outside guest RAM\n", a);
	else if (err)
		printk("gpa 0x%lx: not backed yet (never touched)\n", a);
	else
		printk("gpa 0x%lx -> hpa 0x%lx\n", a, hfn_to_hpa(f).v + gpa_offset(gpa(a)));
	return 0;
}
SHELL_COMMAND(gpa2hpa, "gpa2hpa <gpa>", "the host-physical address backing gpa", cmd_gpa2hpa);

/*
 * gva2gpa: the guest's own translation, in whatever paging mode it is in
 * (vmx/guest_mem.c); an inspection: no rights checked, no A/D flags set.
 */
static int cmd_gva2gpa(int argc, char **argv)
{
	struct guest_mmu mmu;
	struct gva_walk w;
	uint64_t a;
	gpa_t out;
	int err;

	if (parse_addr(argc, argv, &a))
		return -EINVAL;
	if (!have_guest())
		return 0;
	if (guest_mmu_load(&mmu, &the_vm)) {
		printk("gva2gpa: guest %s is not walked\n", guest_paging_name(mmu.mode));
		return 0;
	}
	err = gva_to_gpa(&mmu, gva(a), GACC_INSPECT, &out, &w);
	printk("guest %s, CR3 0x%lx\n", guest_paging_name(mmu.mode), mmu.cr3);
	gva_walk_dump(&mmu, &w);
	if (err == -EFAULT)
		printk("gva 0x%lx: no translation (page fault, error code 0x%x)\n", a, w.pf_error);
	else if (err)
		printk("gva 0x%lx: no translation (%s)\n", a, err_name(err));
	else
		printk("gva 0x%lx -> gpa 0x%lx\n", a, out.v);
	return 0;
}
SHELL_COMMAND(gva2gpa, "gva2gpa <gva>", "walk the guest's own page tables for gva", cmd_gva2gpa);

static int cmd_pause(int argc, char **argv)
{
	if (!have_guest())
		return 0;
	if (the_vm.state != VM_RUNNING) {
		printk("pause: guest is %s\n", state_names[the_vm.state]);
		return 0;
	}
	the_vm.state = VM_PAUSED;
	printk("guest paused\n");
	return 0;
}
SHELL_COMMAND(pause, "pause", "stop running the guest (resume continues)", cmd_pause);

static int cmd_resume(int argc, char **argv)
{
	if (!have_guest())
		return 0;
	if (the_vm.state != VM_PAUSED) {
		printk("resume: guest is %s\n", state_names[the_vm.state]);
		return 0;
	}
	the_vm.state = VM_RUNNING;
	printk("guest resumed\n");
	return 0;
}
SHELL_COMMAND(resume, "resume", "continue a paused guest", cmd_resume);

static int cmd_step(int argc, char **argv)
{
	if (!have_guest())
		return 0;
	if (the_vm.state != VM_PAUSED) {
		printk("step: pause the guest first (it is %s)\n", state_names[the_vm.state]);
		return 0;
	}
	the_vm.step = true;
	the_vm.state = VM_RUNNING;
	return 0;
}
SHELL_COMMAND(step, "step", "run the paused guest until its next VM exit", cmd_step);
