/*
 * mmio.c - emulating the guest's accesses to device memory, and the memory
 * side of its string port I/O.
 *
 * MMIO (KVM: handle_ept_violation -> kvm_mmu_page_fault -> the emulator).
 * A device claims a guest-physical range with vdev_register_mmio(). The
 * range is never mapped in the EPT, so every access to it exits as an EPT
 * violation, which ept_handle_violation() passes here (any gpa outside
 * guest RAM). The exit says where, not what, and the VM-exit instruction
 * length is undefined for EPT violations: the instruction is fetched at
 * CS:RIP through the guest's own paging (guest_mem.c) and decoded
 * (insn.c). Then
 *   1. checks: a device decodes the gpa; the exit is a data access by the
 *      instruction itself (not a fetch, not the guest's page walk, not
 *      event delivery); the operand's linear address has the gpa's page
 *      offset (else the access began on another page and runs into this
 *      one); the access ends inside the device;
 *   2. the access: the device's read and/or write of 1, 2, 4 or 8 bytes
 *      at its offset, the register or RFLAGS updated with x86 semantics;
 *   3. RIP advanced by the decoded length, the STI/MOV-SS shadow ended.
 * What fails a check, or an instruction insn.h does not list, stops the
 * guest with the gpa, RIP and the instruction bytes. The device handler
 * is trusted with 1/2/4/8-byte accesses inside its range; one that
 * refuses reads all ones and drops writes (logged).
 *
 * String I/O (INS/OUTS). The I/O exit gives port, size, direction and
 * REP; the memory operand is ES:rDI (INS) or seg:rSI (OUTS). Pagoda does
 * a batch per exit: the elements up to the end of the current guest page
 * (one translation, at most 4 KiB of data), then advances rSI/rDI and rCX
 * and leaves RIP on the instruction while rCX is not zero, so the guest
 * re-executes it and takes pending interrupts between batches (as a REP
 * string instruction is interruptible between iterations). An element
 * straddling two pages is done alone, after both pages are checked.
 * Faults on the memory side are injected (#PF, #GP) as the CPU would
 * raise them; memory outside guest RAM stops the guest.
 *
 * Context: VMX root, interrupts off; pure (host-testable with the fake VMCS).
 */
#define pr_fmt(fmt) "mmio: " fmt
#include "ept.h"
#include "errcode.h"
#include "guest_mem.h"
#include "insn.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "vdev.h"
#include "vmexit.h"
#include "vmx.h"
#include "vmx_defs.h"

#define X86_EFLAGS_CF BIT(0)
#define X86_EFLAGS_PF BIT(2)
#define X86_EFLAGS_AF BIT(4)
#define X86_EFLAGS_ZF BIT(6)
#define X86_EFLAGS_SF BIT(7)
#define X86_EFLAGS_DF BIT(10)
#define X86_EFLAGS_OF BIT(11)
#define LOGIC_FLAGS (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
		     X86_EFLAGS_SF | X86_EFLAGS_OF)

/* I/O exit qualification (SDM "Exit Qualification for I/O Instructions"). */
#define IO_SIZE_MASK 0x7
#define IO_IN BIT(3)
#define IO_REP BIT(5)
#define IO_PORT_SHIFT 16
/* VM-exit instruction information for INS/OUTS, when IA32_VMX_BASIC[54] is set. */
#define IO_INFO_ASIZE_SHIFT 7
#define IO_INFO_SEG_SHIFT 15
#define IO_INFO_FIELD_MASK 0x7

/* A string I/O batch that ended in an injected exception (not a stop). */
#define STRING_FAULTED 1

static const enum vmcs_field seg_base_field[INSN_NR_SEGS] = {
	GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE, GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE,
};
static const enum vmcs_field seg_ar_field[INSN_NR_SEGS] = {
	GUEST_ES_AR_BYTES, GUEST_CS_AR_BYTES, GUEST_SS_AR_BYTES,
	GUEST_DS_AR_BYTES, GUEST_FS_AR_BYTES, GUEST_GS_AR_BYTES,
};

/* linear: seg:off; 64-bit mode ignores all bases but FS's and GS's, other modes wrap at 4 GiB. */
static uint64_t linear(enum insn_mode mode, unsigned int seg, uint64_t off)
{
	if (mode == INSN_MODE_64 && seg != INSN_SEG_FS && seg != INSN_SEG_GS)
		return off;
	if (mode == INSN_MODE_64)
		return vmcs_get(seg_base_field[seg]) + off;
	return (vmcs_get(seg_base_field[seg]) + off) & 0xffffffffULL;
}

static enum insn_mode guest_code_mode(void)
{
	return insn_mode_of((uint32_t)vmcs_get(GUEST_CS_AR_BYTES), vmcs_get(GUEST_IA32_EFER));
}

/* RSP lives in the VMCS, the other registers in the saved ones. */
static uint64_t gpr_get(struct vm *vm, unsigned int n)
{
	return n == REG_RSP ? vmcs_get(GUEST_RSP) : vm->vcpu.regs.gpr[n];
}

static int gpr_put(struct vm *vm, unsigned int n, uint64_t v)
{
	if (n == REG_RSP)
		return vmcs_write64(GUEST_RSP, v) ? -EIO : 0;
	vm->vcpu.regs.gpr[n] = v;
	return 0;
}

/* reg_read: the instruction's register operand, reg_size bytes. */
static uint64_t reg_read(struct vm *vm, const struct insn *in)
{
	uint64_t v = gpr_get(vm, in->reg);

	return (in->reg_high8 ? v >> 8 : v) & insn_size_mask(in->reg_size);
}

/*
 * reg_write: x86 register-write semantics: a 32-bit result zero-extends
 * to 64 bits (the upper half is undefined outside 64-bit mode, so this is
 * right there too, as in KVM); 8- and 16-bit results merge.
 */
static int reg_write(struct vm *vm, const struct insn *in, uint64_t val)
{
	uint64_t old = gpr_get(vm, in->reg), m = insn_size_mask(in->reg_size), v;

	if (in->reg_high8)
		v = (old & ~0xff00ULL) | ((val & 0xff) << 8);
	else if (in->reg_size >= 4)
		v = val & m;
	else
		v = (old & ~m) | (val & m);
	return gpr_put(vm, in->reg, v);
}

/* ---- MMIO ---- */

/* One MMIO exit being emulated. */
struct mmio_ctx {
	struct vm *vm;
	const struct vmexit *e;
	const struct mmio_handler *dev;
	struct guest_mmu mmu;
	enum insn_mode mode;
	uint64_t rip;
	uint8_t bytes[INSN_MAX_LEN];
	size_t nbytes; /* bytes fetched at CS:RIP */
	int fetch_err; /* why not all 15 */
	struct insn insn;
	uint64_t offset; /* of the access in the device */
};

/*
 * fetch: up to 15 bytes at CS:RIP. Fewer when a following page cannot be
 * read (the instruction may well end before it): fetch_err says why.
 */
static void fetch(struct mmio_ctx *c)
{
	c->mode = guest_code_mode();
	c->rip = vmcs_get(GUEST_RIP);
	c->fetch_err = guest_mmu_load(&c->mmu, c->vm);
	if (c->fetch_err)
		return;
	c->fetch_err = guest_read_gva(&c->mmu, gva(linear(c->mode, INSN_SEG_CS, c->rip)), c->bytes,
				      sizeof(c->bytes), PFERR_FETCH_MASK, &c->nbytes, NULL);
}

/* hex_bytes: "8b 02 ..." for a diagnostic; the decoded length when known. */
static const char *hex_bytes(const struct mmio_ctx *c, char *buf, size_t size)
{
	size_t n = c->insn.len ? c->insn.len : c->nbytes, len = 0;

	if (!n)
		return "unreadable";
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%02x", i ? " " : "", c->bytes[i]);
	return buf;
}

/* refuse: stop the guest, saying why, where, and with what instruction. */
static int __printf(2, 3) refuse(struct mmio_ctx *c, const char *fmt, ...)
{
	char why[112], hex[3 * INSN_MAX_LEN + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vm_stop(c->vm, "%s: gpa 0x%lx, RIP 0x%lx, insn %s", why, c->e->gpa.v, c->rip,
		hex_bytes(c, hex, sizeof(hex)));
	return -EOPNOTSUPP;
}

/* exit_problem: why this EPT violation is not a data access Pagoda can replay, or NULL. */
static const char *exit_problem(const struct vmexit *e)
{
	if (e->qual & EPT_VIOLATION_ACC_INSTR)
		return "instruction fetch from device memory";
	if ((e->qual & EPT_VIOLATION_GVA_IS_VALID) && !(e->qual & EPT_VIOLATION_GVA_TRANSLATED))
		return "guest page-table walk through device memory";
	if (vmcs_get(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID_MASK)
		return "device memory touched while delivering an event";
	return NULL;
}

/* operand_problem: does the decoded operand match the exit and fit the device? */
static const char *operand_problem(struct mmio_ctx *c)
{
	const struct insn *in = &c->insn;
	uint64_t gpr[NR_GPRS], lin;

	memcpy(gpr, c->vm->vcpu.regs.gpr, sizeof(gpr));
	gpr[REG_RSP] = vmcs_get(GUEST_RSP);
	lin = linear(c->mode, in->seg, insn_mem_offset(in, gpr, c->rip));
	/* An access that faulted on its second page reports that page's gpa. */
	if ((lin ^ c->e->gpa.v) & ~PAGE_MASK)
		return "access begins outside the device page";
	c->offset = c->e->gpa.v - c->dev->base.v;
	if (in->mem_size > c->dev->size - c->offset)
		return "access runs past the end of the device";
	return NULL;
}

static uint64_t dev_read(struct mmio_ctx *c)
{
	const struct mmio_handler *h = c->dev;
	unsigned int size = c->insn.mem_size;
	uint64_t v = 0;

	if (h->read(h->dev, c->offset, size, &v)) {
		pr_info_ratelimited("%s: refused %u-byte read at +0x%lx\n", h->name, size,
				    c->offset);
		return insn_size_mask(size);
	}
	return v & insn_size_mask(size);
}

static void dev_write(struct mmio_ctx *c, uint64_t v)
{
	const struct mmio_handler *h = c->dev;
	unsigned int size = c->insn.mem_size;

	if (h->write(h->dev, c->offset, size, v & insn_size_mask(size)))
		pr_info_ratelimited("%s: refused %u-byte write 0x%lx at +0x%lx\n", h->name, size,
				    v & insn_size_mask(size), c->offset);
}

/* set_logic_flags: OR/AND/XOR/TEST: CF = OF = 0, SF/ZF/PF from the result, AF cleared. */
static int set_logic_flags(uint64_t r, unsigned int size)
{
	uint64_t f = vmcs_get(GUEST_RFLAGS) & ~LOGIC_FLAGS;
	uint8_t p = (uint8_t)r;

	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1)) /* PF: an even number of ones in the low byte */
		f |= X86_EFLAGS_PF;
	if (!(r & insn_size_mask(size)))
		f |= X86_EFLAGS_ZF;
	if ((r >> (8 * size - 1)) & 1)
		f |= X86_EFLAGS_SF;
	return vmcs_write64(GUEST_RFLAGS, f) ? -EIO : 0;
}

static int emulate_mov(struct mmio_ctx *c)
{
	const struct insn *in = &c->insn;

	if (in->dir == INSN_READ)
		return reg_write(c->vm, in, dev_read(c));
	dev_write(c, in->has_imm ? in->imm : reg_read(c->vm, in));
	return 0;
}

/* MOVZX, MOVSX, MOVSXD: a narrower load extended into the register. */
static int emulate_movx(struct mmio_ctx *c)
{
	const struct insn *in = &c->insn;
	uint64_t v = dev_read(c);

	return reg_write(c->vm, in, in->sign_extend ? insn_sign_extend(v, in->mem_size) : v);
}

/* OR, AND, XOR (to memory or to the register) and TEST (flags only). */
static int emulate_logic(struct mmio_ctx *c)
{
	const struct insn *in = &c->insn;
	uint64_t a = dev_read(c), b = in->has_imm ? in->imm : reg_read(c->vm, in), r;
	int err;

	r = in->op == INSN_OR ? a | b : in->op == INSN_XOR ? a ^ b : a & b;
	r &= insn_size_mask(in->mem_size);
	err = set_logic_flags(r, in->mem_size);
	if (in->op == INSN_TEST)
		return err;
	if (in->dir == INSN_RMW) {
		dev_write(c, r);
		return err;
	}
	return err ? err : reg_write(c->vm, in, r);
}

static int emulate_xchg(struct mmio_ctx *c)
{
	uint64_t old = dev_read(c);

	dev_write(c, reg_read(c->vm, &c->insn));
	return reg_write(c->vm, &c->insn, old);
}

typedef int (*emulate_fn)(struct mmio_ctx *c);

/* What Pagoda emulates on device memory; INS/OUTS there (no I/O exit) are not. */
static const emulate_fn emulators[INSN_NR_OPS] = {
	[INSN_MOV] = emulate_mov,     [INSN_MOVZX] = emulate_movx, [INSN_MOVSX] = emulate_movx,
	[INSN_OR] = emulate_logic,    [INSN_AND] = emulate_logic,  [INSN_XOR] = emulate_logic,
	[INSN_TEST] = emulate_logic, [INSN_XCHG] = emulate_xchg,
};

/* decode: the instruction at RIP, or a stop saying why not. */
static int decode(struct mmio_ctx *c)
{
	int err = insn_decode(c->bytes, c->nbytes, c->mode, &c->insn);

	if (err == -ENODATA)
		return refuse(c, "%s: instruction not readable (%s)", c->dev->name,
			      err_name(c->fetch_err));
	if (err || !emulators[c->insn.op]) {
		c->insn.len = 0; /* show every byte fetched */
		return refuse(c, "%s: instruction not emulated", c->dev->name);
	}
	return 0;
}

int mmio_handle_violation(struct vm *vm, struct vmexit *e)
{
	struct mmio_ctx c = { .vm = vm, .e = e };
	struct vmexit done;
	const char *why;
	int err;

	c.dev = vdev_find_mmio(&vm->vdev, e->gpa);
	vdev_count_mmio(&vm->vdev, c.dev);
	fetch(&c);
	if (!c.dev) {
		insn_decode(c.bytes, c.nbytes, c.mode, &c.insn); /* its length, for the message */
		return refuse(&c, "access outside the guest's %lu MiB of RAM, no device there",
			      vm->mem.size >> 20);
	}
	why = exit_problem(e);
	if (why)
		return refuse(&c, "%s: %s", c.dev->name, why);
	err = decode(&c);
	if (err)
		return err;
	why = operand_problem(&c);
	if (why)
		return refuse(&c, "%s: %u-byte %s %s", c.dev->name, c.insn.mem_size,
			      insn_op_name(c.insn.op), why);
	err = emulators[c.insn.op](&c);
	vm->stats.mmio_exits++;
	done = *e;
	done.insn_len = c.insn.len;
	return err ? err : skip_instruction(vm, &done);
}

/* ---- string I/O ---- */

struct string_io {
	struct vm *vm;
	struct vmexit *e;
	struct guest_mmu mmu;
	enum insn_mode mode;
	bool in, rep;
	unsigned int size; /* bytes per element: 1, 2 or 4 */
	uint16_t port;
	unsigned int addr_size; /* 2, 4 or 8 */
	unsigned int seg; /* of the memory operand */
	unsigned int reg; /* REG_RDI (INS) or REG_RSI (OUTS) */
	uint64_t off; /* that register, to the address size */
	uint64_t lin; /* linear address of the first element */
	uint64_t count; /* elements asked for: rCX with REP, else 1 */
	int64_t step; /* +size, or -size with RFLAGS.DF */
	uint64_t done; /* elements done in this exit */
};

static const char *string_name(const struct string_io *s)
{
	return s->in ? "INS" : "OUTS";
}

/* string_form_decoded: address size and segment from the instruction bytes. */
static int string_form_decoded(struct string_io *s)
{
	uint64_t rip = vmcs_get(GUEST_RIP);
	uint8_t bytes[INSN_MAX_LEN];
	struct insn in;
	size_t n = 0;
	int err;

	err = guest_read_gva(&s->mmu, gva(linear(s->mode, INSN_SEG_CS, rip)), bytes,
			     MIN(s->e->insn_len, (uint32_t)INSN_MAX_LEN), PFERR_FETCH_MASK, &n,
			     NULL);
	err = err ? err : insn_decode(bytes, n, s->mode, &in);
	if (!err && (in.op != (s->in ? INSN_INS : INSN_OUTS) || in.len != s->e->insn_len))
		err = -EINVAL;
	if (err) {
		vm_stop(s->vm, "%s on port 0x%x: no INS/OUTS decoded at RIP 0x%lx (%s)",
			string_name(s), s->port, rip, err_name(err));
		return -EOPNOTSUPP;
	}
	s->addr_size = in.addr_size;
	s->seg = in.seg;
	return 0;
}

/*
 * string_form: address size and segment, from the VM-exit instruction-
 * information field when IA32_VMX_BASIC bit 54 says the CPU fills it for
 * INS/OUTS, else by decoding the instruction (its length is defined for
 * I/O exits).
 */
static int string_form(struct string_io *s)
{
	uint32_t info, asz;

	if (!(vmx_caps.basic & VMX_BASIC_INOUT))
		return string_form_decoded(s);
	info = (uint32_t)vmcs_get(VMX_INSTRUCTION_INFO);
	asz = (info >> IO_INFO_ASIZE_SHIFT) & IO_INFO_FIELD_MASK;
	s->seg = s->in ? INSN_SEG_ES : (info >> IO_INFO_SEG_SHIFT) & IO_INFO_FIELD_MASK;
	if (asz > 2 || s->seg >= INSN_NR_SEGS) {
		vm_stop(s->vm, "%s on port 0x%x: bad instruction information 0x%x",
			string_name(s), s->port, info);
		return -EIO;
	}
	s->addr_size = 2u << asz;
	return 0;
}

/*
 * string_linear: the first element's linear address. The CPU stores it in
 * the guest-linear-address field when the segment is usable (SDM "Basic
 * VM-Exit Information"). An unusable one is normal for a null data
 * segment in 64-bit mode (base 0, or FS/GS's base); elsewhere the CPU
 * raises #GP(0).
 */
static int string_linear(struct string_io *s)
{
	if (!(vmcs_get(seg_ar_field[s->seg]) & VMX_AR_UNUSABLE)) {
		s->lin = vmcs_get(GUEST_LINEAR_ADDRESS);
		return 0;
	}
	if (s->mode != INSN_MODE_64) {
		inject_gp(s->vm);
		return STRING_FAULTED;
	}
	s->lin = linear(s->mode, s->seg, s->off);
	return 0;
}

/* string_setup: the exit decoded. Returns 0, STRING_FAULTED, or a stop. */
static int string_setup(struct string_io *s)
{
	uint64_t q = s->e->qual, amask;
	int err;

	s->in = q & IO_IN;
	s->rep = q & IO_REP;
	s->size = (unsigned int)(q & IO_SIZE_MASK) + 1;
	s->port = (uint16_t)(q >> IO_PORT_SHIFT);
	s->reg = s->in ? REG_RDI : REG_RSI;
	s->mode = guest_code_mode();
	if (s->size == 3) {
		vm_stop(s->vm, "%s: bad I/O qualification 0x%lx", string_name(s), q);
		return -EIO;
	}
	err = guest_mmu_load(&s->mmu, s->vm);
	if (err) {
		vm_stop(s->vm, "%s on port 0x%x: guest paging mode not supported", string_name(s),
			s->port);
		return err;
	}
	err = string_form(s);
	if (err)
		return err;
	amask = insn_size_mask(s->addr_size);
	s->off = s->vm->vcpu.regs.gpr[s->reg] & amask;
	s->count = s->rep ? s->vm->vcpu.regs.gpr[REG_RCX] & amask : 1;
	s->step = vmcs_get(GUEST_RFLAGS) & X86_EFLAGS_DF ? -(int64_t)s->size : (int64_t)s->size;
	return s->count ? string_linear(s) : 0;
}

/*
 * string_fault: a failed translation: #PF or #GP injected as the CPU
 * would (STRING_FAULTED), or the guest stopped.
 */
static int string_fault(struct string_io *s, int err, const struct gva_walk *w, uint64_t lin)
{
	if (err == -EFAULT) {
		guest_inject_pf(s->vm, w);
		return STRING_FAULTED;
	}
	if (err == -EINVAL) {
		inject_gp(s->vm);
		return STRING_FAULTED;
	}
	vm_stop(s->vm, "%s on port 0x%x: memory at linear 0x%lx %s", string_name(s), s->port, lin,
		err == -ENODEV ? "is not guest RAM (not emulated)" : "not reachable");
	return err ? err : -EIO;
}

/* string_gpa: translate lin for this instruction's access; guest RAM only. */
static int string_gpa(struct string_io *s, uint64_t lin, gpa_t *g, struct gva_walk *w)
{
	int err = gva_to_gpa(&s->mmu, gva(lin), s->in ? PFERR_WRITE_MASK : 0, g, w);

	if (!err && !gmem_contains(&s->vm->mem, *g))
		err = -ENODEV;
	return err ? string_fault(s, err, w, lin) : 0;
}

/* string_element: one port access and its memory side at gpa g. */
static int string_element(struct string_io *s, gpa_t g)
{
	uint32_t v = 0;
	int err = 0;

	if (s->in) {
		v = pio_dispatch_in(&s->vm->vdev, s->port, s->size);
		err = gmem_write(&s->vm->mem, g, &v, s->size);
	} else {
		err = gmem_read(&s->vm->mem, g, &v, s->size);
		if (!err)
			pio_dispatch_out(&s->vm->vdev, s->port, s->size, v);
	}
	if (err)
		vm_stop(s->vm, "%s on port 0x%x: guest memory at gpa 0x%lx: %s", string_name(s),
			s->port, g.v, err_name(err));
	return err;
}

/* string_straddling: one element across two pages, both checked before the port is touched. */
static int string_straddling(struct string_io *s)
{
	uint64_t wrap = s->mode == INSN_MODE_64 ? ~0ULL : 0xffffffffULL;
	uint64_t last = (s->lin + s->size - 1) & wrap;
	struct gva_walk w;
	uint32_t v = 0;
	gpa_t g;
	int err = string_gpa(s, s->lin, &g, &w);

	err = err ? err : string_gpa(s, last, &g, &w);
	if (err)
		return err;
	if (s->in) {
		v = pio_dispatch_in(&s->vm->vdev, s->port, s->size);
		err = guest_write_gva(&s->mmu, gva(s->lin), &v, s->size, 0, NULL, &w);
	} else {
		err = guest_read_gva(&s->mmu, gva(s->lin), &v, s->size, 0, NULL, &w);
		if (!err)
			pio_dispatch_out(&s->vm->vdev, s->port, s->size, v);
	}
	if (err)
		return string_fault(s, err, &w, s->lin);
	s->done = 1;
	return 0;
}

/*
 * batch_count: elements from lin to the end of its page in the direction
 * of DF, without the offset wrapping at the address size, at most count.
 * The first element lies in the page.
 */
static uint64_t batch_count(const struct string_io *s)
{
	uint64_t pg = s->lin & ~PAGE_MASK, amask = insn_size_mask(s->addr_size), more_page, more_seg;

	if (s->step > 0) {
		more_page = (PAGE_SIZE - pg) / s->size - 1;
		more_seg = (amask - s->off) / s->size;
	} else {
		more_page = pg / s->size;
		more_seg = s->off / s->size;
	}
	return 1 + MIN(s->count - 1, MIN(more_page, more_seg));
}

/* string_batch: do this exit's elements. Returns 0, STRING_FAULTED or a stop. */
static int string_batch(struct string_io *s)
{
	uint64_t n;
	struct gva_walk w;
	gpa_t g;
	int err;

	if ((s->lin & ~PAGE_MASK) + s->size > PAGE_SIZE)
		return string_straddling(s);
	n = batch_count(s);
	err = string_gpa(s, s->lin, &g, &w);
	if (err)
		return err;
	/* The exit port may stop the guest mid-batch. */
	for (s->done = 0; s->done < n && s->vm->state == VM_RUNNING; s->done++) {
		err = string_element(s, gpa(g.v + (uint64_t)((int64_t)s->done * s->step)));
		if (err)
			return err;
	}
	return 0;
}

/* put_areg: write a register as the address size does: 16 bits merge, 32 zero-extend. */
static void put_areg(struct string_io *s, unsigned int reg, uint64_t v)
{
	uint64_t *r = &s->vm->vcpu.regs.gpr[reg], m = insn_size_mask(s->addr_size);

	*r = s->addr_size == 2 ? (*r & ~m) | (v & m) : v & m;
}

/*
 * string_finish: registers advance by the elements done (even when a
 * later one faulted); RIP moves on only when the instruction is complete.
 * A partial REP batch still ends any STI/MOV-SS shadow, as KVM does: the
 * iterations done were an instruction boundary for interrupts.
 */
static int string_finish(struct string_io *s, int err)
{
	struct vmexit stay = *s->e;

	put_areg(s, s->reg, s->off + (uint64_t)((int64_t)s->done * s->step));
	if (s->rep)
		put_areg(s, REG_RCX, s->count - s->done);
	if (err || s->vm->state != VM_RUNNING)
		return err == STRING_FAULTED ? 0 : err;
	if (s->rep && s->done < s->count) {
		stay.insn_len = 0;
		return skip_instruction(s->vm, &stay);
	}
	return skip_instruction(s->vm, s->e);
}

int pio_string_exit(struct vm *vm, struct vmexit *e)
{
	struct string_io s = { .vm = vm, .e = e };
	int err = string_setup(&s);

	if (err)
		return err == STRING_FAULTED ? 0 : err;
	if (!s.count) /* REP with rCX = 0: nothing to do */
		return skip_instruction(vm, e);
	return string_finish(&s, string_batch(&s));
}
