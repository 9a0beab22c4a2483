/*
 * insn.c - decoding the memory-operand instructions MMIO emulation sees.
 *
 * Table-driven: one_byte[] and two_byte[] say, per opcode, what the
 * instruction does with memory and how its operands are encoded; the
 * decoder reads prefixes, the opcode, ModRM/SIB/displacement (16-bit or
 * 32/64-bit forms) and the immediate. Every byte is read through take(),
 * which stops at the bytes given and at the 15-byte limit, so a hostile
 * or truncated byte string can only produce an error code. The SDM
 * chapters are "Instruction Format" (vol. 2 ch. 2) and the opcode map
 * (vol. 2 appendix A).
 *
 * Context: pure, host-testable.
 */
#include "errcode.h"
#include "insn.h"
#include "msr.h"
#include "vcpu.h"
#include "vmcs.h"

/* Opcode flags: how the operands are encoded. */
#define OPF_MODRM BIT(0) /* a ModRM memory operand and a register (reg field) */
#define OPF_BYTE BIT(1) /* 8-bit operands; else the operand size */
#define OPF_IMM8 BIT(2) /* an 8-bit immediate, sign-extended */
#define OPF_IMMZ BIT(3) /* a 16/32-bit immediate; 32 bits sign-extended with REX.W */
#define OPF_MOFFS BIT(4) /* an absolute offset of the address size; register A */
#define OPF_GRP1 BIT(5) /* 80 81 83: ModRM.reg picks the operation */
#define OPF_GRP3 BIT(6) /* F6 F7: ModRM.reg picks the operation */
#define OPF_REG0 BIT(7) /* C6 C7: ModRM.reg must be 0 */
#define OPF_SRC8 BIT(8) /* MOVZX/MOVSX from a byte */
#define OPF_SRC16 BIT(9) /* ... from a word */
#define OPF_SRC32 BIT(10) /* MOVSXD: from at most a dword */
#define OPF_X64 BIT(11) /* 64-bit mode only (63 is ARPL elsewhere) */
#define OPF_LOCK BIT(12) /* LOCK is allowed (memory destination) */
#define OPF_STRIO BIT(13) /* INS/OUTS: implicit operands */

#define REX_B BIT(0)
#define REX_X BIT(1)
#define REX_R BIT(2)
#define REX_W BIT(3)

struct opcode {
	uint8_t op; /* enum insn_op; INSN_NONE for groups */
	uint8_t dir; /* enum insn_dir */
	uint16_t flags; /* OPF_*; 0: not an opcode Pagoda decodes */
};

#define OP(o, d, f) { INSN_##o, INSN_##d, (f) }
#define ALU(o, base)                                                             \
	[(base) + 0] = OP(o, RMW, OPF_MODRM | OPF_BYTE | OPF_LOCK),              \
	[(base) + 1] = OP(o, RMW, OPF_MODRM | OPF_LOCK),                         \
	[(base) + 2] = OP(o, READ, OPF_MODRM | OPF_BYTE),                        \
	[(base) + 3] = OP(o, READ, OPF_MODRM)

static const struct opcode one_byte[256] = {
	ALU(OR, 0x08),
	ALU(AND, 0x20),
	ALU(XOR, 0x30),
	[0x63] = OP(MOVSX, READ, OPF_MODRM | OPF_SRC32 | OPF_X64),
	[0x6c] = OP(INS, WRITE, OPF_STRIO | OPF_BYTE),
	[0x6d] = OP(INS, WRITE, OPF_STRIO),
	[0x6e] = OP(OUTS, READ, OPF_STRIO | OPF_BYTE),
	[0x6f] = OP(OUTS, READ, OPF_STRIO),
	[0x80] = OP(NONE, RMW, OPF_MODRM | OPF_BYTE | OPF_IMM8 | OPF_GRP1 | OPF_LOCK),
	[0x81] = OP(NONE, RMW, OPF_MODRM | OPF_IMMZ | OPF_GRP1 | OPF_LOCK),
	[0x83] = OP(NONE, RMW, OPF_MODRM | OPF_IMM8 | OPF_GRP1 | OPF_LOCK),
	[0x84] = OP(TEST, READ, OPF_MODRM | OPF_BYTE),
	[0x85] = OP(TEST, READ, OPF_MODRM),
	[0x86] = OP(XCHG, RMW, OPF_MODRM | OPF_BYTE | OPF_LOCK),
	[0x87] = OP(XCHG, RMW, OPF_MODRM | OPF_LOCK),
	[0x88] = OP(MOV, WRITE, OPF_MODRM | OPF_BYTE),
	[0x89] = OP(MOV, WRITE, OPF_MODRM),
	[0x8a] = OP(MOV, READ, OPF_MODRM | OPF_BYTE),
	[0x8b] = OP(MOV, READ, OPF_MODRM),
	[0xa0] = OP(MOV, READ, OPF_MOFFS | OPF_BYTE),
	[0xa1] = OP(MOV, READ, OPF_MOFFS),
	[0xa2] = OP(MOV, WRITE, OPF_MOFFS | OPF_BYTE),
	[0xa3] = OP(MOV, WRITE, OPF_MOFFS),
	[0xc6] = OP(MOV, WRITE, OPF_MODRM | OPF_BYTE | OPF_IMM8 | OPF_REG0),
	[0xc7] = OP(MOV, WRITE, OPF_MODRM | OPF_IMMZ | OPF_REG0),
	[0xf6] = OP(NONE, READ, OPF_MODRM | OPF_BYTE | OPF_IMM8 | OPF_GRP3),
	[0xf7] = OP(NONE, READ, OPF_MODRM | OPF_IMMZ | OPF_GRP3),
};

/* 0F xx. */
static const struct opcode two_byte[256] = {
	[0xb6] = OP(MOVZX, READ, OPF_MODRM | OPF_SRC8),
	[0xb7] = OP(MOVZX, READ, OPF_MODRM | OPF_SRC16),
	[0xbe] = OP(MOVSX, READ, OPF_MODRM | OPF_SRC8),
	[0xbf] = OP(MOVSX, READ, OPF_MODRM | OPF_SRC16),
};

/* Group 1 (ADD OR ADC SBB AND SUB XOR CMP): only the logical ones, whose
 * flags need no carry or overflow arithmetic. */
static const uint8_t grp1_ops[8] = { [1] = INSN_OR, [4] = INSN_AND, [6] = INSN_XOR };
/* Group 3 (TEST TEST NOT NEG MUL IMUL DIV IDIV): /1 is TEST's alias. */
static const uint8_t grp3_ops[8] = { [0] = INSN_TEST, [1] = INSN_TEST };

/* Legacy prefixes, as bits of decoder.pfx. */
#define PFX_SEG BIT(0)
#define PFX_OPSIZE BIT(1)
#define PFX_ADSIZE BIT(2)
#define PFX_LOCK BIT(3)
#define PFX_REP BIT(4) /* F3 */
#define PFX_REPNE BIT(5) /* F2 */

static const struct {
	uint8_t byte, pfx, seg;
} legacy_prefixes[] = {
	{ 0x26, PFX_SEG, INSN_SEG_ES }, { 0x2e, PFX_SEG, INSN_SEG_CS },
	{ 0x36, PFX_SEG, INSN_SEG_SS }, { 0x3e, PFX_SEG, INSN_SEG_DS },
	{ 0x64, PFX_SEG, INSN_SEG_FS }, { 0x65, PFX_SEG, INSN_SEG_GS },
	{ 0x66, PFX_OPSIZE, 0 },	{ 0x67, PFX_ADSIZE, 0 },
	{ 0xf0, PFX_LOCK, 0 },		{ 0xf2, PFX_REPNE, 0 },
	{ 0xf3, PFX_REP, 0 },
};

static const char *const op_names[INSN_NR_OPS] = {
	[INSN_NONE] = "?",    [INSN_MOV] = "mov",   [INSN_MOVZX] = "movzx",
	[INSN_MOVSX] = "movsx", [INSN_OR] = "or",   [INSN_AND] = "and",
	[INSN_XOR] = "xor",   [INSN_TEST] = "test", [INSN_XCHG] = "xchg",
	[INSN_INS] = "ins",   [INSN_OUTS] = "outs",
};

/* The decoder's state: the bytes, the cursor, and the prefixes seen. */
struct decoder {
	const uint8_t *bytes;
	size_t n; /* bytes available */
	size_t pos;
	int err; /* the first error take() met */
	enum insn_mode mode;
	uint8_t rex;
	uint8_t pfx; /* PFX_* */
	uint8_t seg; /* the last segment override, with PFX_SEG */
};

/* take: the next `count` bytes, little-endian; 0 and d->err once out of bytes. */
static uint64_t take(struct decoder *d, unsigned int count)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < count; i++) {
		if (d->pos >= INSN_MAX_LEN || d->pos >= d->n) {
			if (!d->err)
				d->err = d->pos >= INSN_MAX_LEN ? -EINVAL : -ENODATA;
			return 0;
		}
		v |= (uint64_t)d->bytes[d->pos++] << (8 * i);
	}
	return v;
}

/* apply_prefix: record legacy prefix b; false when b is not one. */
static bool apply_prefix(struct decoder *d, uint8_t b)
{
	for (size_t i = 0; i < ARRAY_SIZE(legacy_prefixes); i++) {
		if (legacy_prefixes[i].byte != b)
			continue;
		d->pfx |= legacy_prefixes[i].pfx;
		if (legacy_prefixes[i].pfx == PFX_SEG)
			d->seg = legacy_prefixes[i].seg;
		return true;
	}
	return false;
}

/*
 * prefixes: consume legacy prefixes and REX; return the first opcode
 * byte. A REX counts only right before the opcode: a legacy prefix after
 * it makes the CPU ignore it (SDM "REX Prefixes").
 */
static uint8_t prefixes(struct decoder *d)
{
	for (;;) {
		uint8_t b = (uint8_t)take(d, 1);

		if (d->err)
			return 0;
		if (apply_prefix(d, b)) {
			d->rex = 0;
			continue;
		}
		if (d->mode == INSN_MODE_64 && (b & 0xf0) == 0x40) {
			d->rex = b;
			continue;
		}
		return b;
	}
}

static unsigned int operand_size(const struct decoder *d)
{
	if (d->mode == INSN_MODE_64 && (d->rex & REX_W))
		return 8;
	if (d->mode == INSN_MODE_16)
		return d->pfx & PFX_OPSIZE ? 4 : 2;
	return d->pfx & PFX_OPSIZE ? 2 : 4;
}

/* 64-bit code addresses with 64 bits (32 with 67); 32 and 16 swap with 67. */
static unsigned int address_size(const struct decoder *d)
{
	if (d->mode == INSN_MODE_64)
		return d->pfx & PFX_ADSIZE ? 4 : 8;
	if (d->mode == INSN_MODE_32)
		return d->pfx & PFX_ADSIZE ? 2 : 4;
	return d->pfx & PFX_ADSIZE ? 4 : 2;
}

/* 16-bit ModRM: rm picks one of eight base/index pairs (SDM table 2-1). */
static void modrm16(struct decoder *d, struct insn *in, unsigned int mod, unsigned int rm)
{
	static const uint8_t base[8] = { REG_RBX, REG_RBX, REG_RBP, REG_RBP,
					 REG_RSI, REG_RDI, REG_RBP, REG_RBX };
	static const uint8_t index[8] = { REG_RSI, REG_RDI, REG_RSI, REG_RDI, INSN_NO_REG,
					  INSN_NO_REG, INSN_NO_REG, INSN_NO_REG };

	in->base = base[rm];
	in->index = index[rm];
	if (mod == 0 && rm == 6) {
		in->base = INSN_NO_REG;
		in->disp = (int64_t)take(d, 2);
	} else if (mod == 1) {
		in->disp = (int64_t)insn_sign_extend(take(d, 1), 1);
	} else if (mod == 2) {
		in->disp = (int64_t)insn_sign_extend(take(d, 2), 2);
	}
	if (in->base == REG_RBP)
		in->seg = INSN_SEG_SS;
}

/* 32/64-bit ModRM with SIB (SDM tables 2-2 and 2-3), REX.B and REX.X. */
static void modrm32(struct decoder *d, struct insn *in, unsigned int mod, unsigned int rm)
{
	bool disp32 = mod == 2;

	in->base = (uint8_t)(rm | (d->rex & REX_B ? 8 : 0));
	if (rm == 4) {
		uint8_t sib = (uint8_t)take(d, 1);

		in->scale = (uint8_t)(1u << (sib >> 6));
		in->index = (uint8_t)(((sib >> 3) & 7) | (d->rex & REX_X ? 8 : 0));
		if (in->index == REG_RSP) /* 100 without REX.X: no index */
			in->index = INSN_NO_REG;
		in->base = (uint8_t)((sib & 7) | (d->rex & REX_B ? 8 : 0));
		if ((sib & 7) == 5 && mod == 0) {
			in->base = INSN_NO_REG;
			disp32 = true;
		}
	} else if (rm == 5 && mod == 0) {
		in->base = INSN_NO_REG;
		in->rip_relative = d->mode == INSN_MODE_64;
		disp32 = true;
	}
	if (mod == 1)
		in->disp = (int64_t)insn_sign_extend(take(d, 1), 1);
	else if (disp32)
		in->disp = (int64_t)insn_sign_extend(take(d, 4), 4);
	if (in->base == REG_RSP || in->base == REG_RBP)
		in->seg = INSN_SEG_SS;
}

/*
 * modrm: the memory operand and the reg field. Returns 0, or -EINVAL for
 * a register operand (mod == 3): no memory is accessed.
 */
static int modrm(struct decoder *d, struct insn *in, unsigned int *reg_field)
{
	uint8_t m = (uint8_t)take(d, 1);
	unsigned int mod = m >> 6, rm = m & 7;

	*reg_field = (m >> 3) & 7;
	if (mod == 3)
		return -EINVAL;
	if (in->addr_size == 2)
		modrm16(d, in, mod, rm);
	else
		modrm32(d, in, mod, rm);
	return 0;
}

/* The register operand; without any REX, byte registers 4-7 are AH..BH. */
static void reg_operand(const struct decoder *d, struct insn *in, unsigned int reg_field)
{
	in->has_reg = true;
	in->reg = (uint8_t)(reg_field | (d->rex & REX_R ? 8 : 0));
	if (in->reg_size == 1 && !d->rex && reg_field >= 4) {
		in->reg = (uint8_t)(reg_field - 4);
		in->reg_high8 = true;
	}
}

/* Sizes of the memory and register operands from the opcode's flags. */
static void sizes(const struct decoder *d, struct insn *in, unsigned int flags)
{
	unsigned int osz = operand_size(d);

	if (flags & OPF_STRIO) /* INS/OUTS move at most 4 bytes */
		osz = MIN(osz, 4u);
	in->reg_size = (uint8_t)(flags & OPF_BYTE ? 1 : osz);
	in->mem_size = in->reg_size;
	if (flags & OPF_SRC8)
		in->mem_size = 1;
	else if (flags & OPF_SRC16)
		in->mem_size = 2;
	else if (flags & OPF_SRC32)
		in->mem_size = (uint8_t)MIN(osz, 4u);
}

static void immediate(struct decoder *d, struct insn *in, unsigned int flags)
{
	unsigned int bytes = flags & OPF_IMM8 ? 1 : MIN(in->mem_size, 4u);

	in->has_imm = true;
	in->imm = insn_sign_extend(take(d, bytes), bytes);
}

/* The operation of an opcode, resolving groups by ModRM.reg; INSN_NONE if refused. */
static unsigned int group_op(const struct opcode *o, unsigned int reg_field)
{
	if (o->flags & OPF_GRP1)
		return grp1_ops[reg_field];
	if (o->flags & OPF_GRP3)
		return grp3_ops[reg_field];
	if ((o->flags & OPF_REG0) && reg_field != 0)
		return INSN_NONE;
	return o->op;
}

/* operands: everything after the opcode. Returns 0 or -EINVAL. */
static int operands(struct decoder *d, struct insn *in, const struct opcode *o)
{
	unsigned int reg_field = 0;

	in->seg = INSN_SEG_DS;
	in->base = in->index = INSN_NO_REG;
	in->scale = 1;
	sizes(d, in, o->flags);
	if (o->flags & OPF_STRIO) {
		/* REPNE repeats INS/OUTS as REP does. */
		in->rep = d->pfx & (PFX_REP | PFX_REPNE);
		return 0;
	}
	if (o->flags & OPF_MOFFS) {
		in->disp = (int64_t)take(d, in->addr_size);
		in->has_reg = true; /* AL, AX, EAX or RAX */
		return 0;
	}
	if (modrm(d, in, &reg_field))
		return -EINVAL;
	in->op = (uint8_t)group_op(o, reg_field);
	if (in->op == INSN_NONE)
		return -EINVAL;
	if (o->flags & (OPF_IMM8 | OPF_IMMZ))
		immediate(d, in, o->flags);
	else
		reg_operand(d, in, reg_field);
	return 0;
}

/* opcode: look the opcode up and check what the prefixes may do with it. */
static const struct opcode *opcode(struct decoder *d, uint8_t b)
{
	const struct opcode *o = &one_byte[b];

	if (b == 0x0f) {
		o = &two_byte[(uint8_t)take(d, 1)];
		/* F2/F3 select other instructions in the 0F map (POPCNT is F3 0F B8). */
		if (d->pfx & (PFX_REP | PFX_REPNE))
			return NULL;
	}
	if (d->err || !o->flags)
		return NULL;
	if ((o->flags & OPF_X64) && d->mode != INSN_MODE_64)
		return NULL;
	if ((d->pfx & PFX_LOCK) && !(o->flags & OPF_LOCK)) /* #UD on hardware */
		return NULL;
	return o;
}

int insn_decode(const uint8_t *bytes, size_t n, enum insn_mode mode, struct insn *in)
{
	struct decoder d = { .bytes = bytes, .n = n, .mode = mode };
	const struct opcode *o;
	uint8_t b;

	*in = (struct insn){ 0 };
	if (mode != INSN_MODE_16 && mode != INSN_MODE_32 && mode != INSN_MODE_64)
		return -EINVAL;
	b = prefixes(&d);
	o = d.err ? NULL : opcode(&d, b);
	if (!o)
		return d.err ? d.err : -EINVAL;
	in->op = o->op;
	in->dir = o->dir;
	in->lock = d.pfx & PFX_LOCK;
	in->rep = d.pfx & PFX_REP;
	in->repne = d.pfx & PFX_REPNE;
	in->sign_extend = in->op == INSN_MOVSX;
	in->addr_size = (uint8_t)address_size(&d);
	if (operands(&d, in, o))
		return d.err ? d.err : -EINVAL;
	if (d.err)
		return d.err;
	if (d.pfx & PFX_SEG)
		in->seg = d.seg;
	if (in->op == INSN_INS) /* INS always writes ES:rDI, whatever the override */
		in->seg = INSN_SEG_ES;
	in->len = (uint8_t)d.pos;
	return 0;
}

enum insn_mode insn_mode_of(uint32_t cs_ar, uint64_t efer)
{
	if ((efer & EFER_LMA) && (cs_ar & VMX_AR_L))
		return INSN_MODE_64;
	return cs_ar & VMX_AR_DB ? INSN_MODE_32 : INSN_MODE_16;
}

uint64_t insn_mem_offset(const struct insn *in, const uint64_t gpr[16], uint64_t rip)
{
	uint64_t ea = (uint64_t)in->disp;

	if (in->base < 16)
		ea += gpr[in->base];
	if (in->index < 16)
		ea += gpr[in->index] * in->scale;
	if (in->rip_relative)
		ea += rip + in->len;
	return in->addr_size == 8 ? ea : ea & ((1ULL << (8 * in->addr_size)) - 1);
}

const char *insn_op_name(unsigned int op)
{
	return op < INSN_NR_OPS ? op_names[op] : "?";
}
