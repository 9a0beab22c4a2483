/*
 * launch.c - building a guest's VMCS and starting it.
 *
 * Context: VMX root, interrupts off.
 */
#define pr_fmt(fmt) "vm: " fmt
#include "errcode.h"
#include "frame.h"
#include "hw.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "vmexit.h"
#include "vmx.h"
#include "vmx_defs.h"
#include "vmx_hw.h"

/* MSRs the guest owns outright: their values are the guest's alone
 * (Pagoda never uses SYSCALL or swapgs) or the VMCS switches them. */
static const uint32_t passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR,
	MSR_CSTAR, MSR_SYSCALL_MASK, MSR_TSC_AUX,
};

/* ept_pt_alloc / ept_pt_free: EPT table pages come from the frame allocator. */
static int ept_pt_alloc(void *ctx, hpa_t *out)
{
	return frame_alloc_zeroed(FRAME_EPT, out);
}

static void ept_pt_free(void *ctx, hpa_t page)
{
	frame_free(page);
}

static const struct pt_ops ept_pt_ops = { ept_pt_alloc, ept_pt_free };

/* ept_caps_setup: what EPT entries this CPU accepts (MAXPHYADDR, 1G, X-only). */
static void ept_caps_setup(void)
{
	struct cpuid_regs r;
	unsigned int maxphyaddr = 36;

	hw_cpuid(0x80000000, 0, &r);
	if (r.eax >= 0x80000008) {
		hw_cpuid(0x80000008, 0, &r);
		maxphyaddr = r.eax & 0xff;
	}
	ept_set_caps(maxphyaddr, vmx_ept_vpid_cap(&vmx_caps, VMX_EPT_EXECUTE_ONLY_BIT),
		     vmx_ept_vpid_cap(&vmx_caps, VMX_EPT_1GB_PAGE_BIT));
}

/* vm_create: an empty guest with ram bytes of (not yet backed) RAM. */
int vm_create(struct vm *vm, const char *name, uint64_t ram, bool use_ept)
{
	int err;

	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->exit_status = -1;
	vm->use_ept = use_ept;
	err = gmem_init(&vm->mem, ram);
	if (err)
		return err;
	if (!use_ept)
		return 0;
	ept_caps_setup();
	err = ept_init(&vm->ept, &ept_pt_ops, NULL);
	if (!err)
		ept_shell_set(&vm->ept);
	return err;
}

/* alloc_bitmaps: I/O bitmaps A and B (every port exits), and the MSR bitmap. */
static int alloc_bitmaps(hpa_t *io, hpa_t *msr)
{
	int err = frame_alloc_contig(FRAME_PAGODA, 2, 1, io);

	err = err ?: frame_alloc(FRAME_PAGODA, msr);
	if (err)
		return err;
	memset(hpa_to_ptr(*io), 0xff, 2 * PAGE_SIZE);
	memset(hpa_to_ptr(*msr), 0xff, PAGE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
		msr_bitmap_passthrough(hpa_to_ptr(*msr), passthrough_msrs[i]);
	return 0;
}

/* load_vmcs: a fresh VMCS, cleared and made current. */
static int load_vmcs(struct vcpu *v)
{
	int err = vmx_region_alloc(&vmx_caps, &v->vmcs);

	err = err ?: hw_vmclear(v->vmcs);
	err = err ?: hw_vmptrld(v->vmcs);
	if (err)
		pr_err("cannot make the VMCS current: %s\n", err_name(err));
	return err;
}

int vm_launch(struct vm *vm, const struct guest_boot_state *gs)
{
	hpa_t io, msr;
	int err = vmx_enable(&vmx_caps);

	err = err ?: load_vmcs(&vm->vcpu);
	err = err ?: vmx_choose_controls(&vmx_caps, vm);
	err = err ?: alloc_bitmaps(&io, &msr);
	if (err)
		return err;
	vm->vcpu.vpid = 1;
	err = vmcs_write_controls(&vmx_caps, vm, io, msr);
	err = err ?: vmcs_write_host_state();
	err = err ?: vmcs_write_guest_state(&vmx_caps, vm, gs);
	if (err) {
		pr_err("VMCS setup failed: %s\n", err_name(err));
		return err;
	}
	vm->start_tsc = hw_rdtsc();
	vm->state = VM_RUNNING;
	pr_info("guest '%s' launched: %lu MiB RAM, %s\n", vm->name, vm->mem.size >> 20,
		vm->use_ept ? "EPT" : "shadow paging");
	return 0;
}
