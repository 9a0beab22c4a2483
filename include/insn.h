/*
 * insn.h - a decoder for the x86 instructions that touch emulated memory.
 *
 * An EPT violation on an MMIO page tells Pagoda the guest-physical
 * address, but not what the instruction wanted to do there: the
 * VM-exit instruction-length field is not even defined for EPT
 * violations (SDM "VM-Exit Instruction Length"). So, as KVM's emulator
 * does, Pagoda fetches the bytes at CS:RIP and decodes them itself. This
 * decoder knows the memory-operand forms a guest uses on device
 * registers, and nothing else:
 *
 *   MOV      88 89 8A 8B (r/m <-> reg), C6 C7 (r/m <- imm), A0-A3 (moffs)
 *   MOVZX    0F B6, 0F B7          MOVSX  0F BE, 0F BF     MOVSXD 63 (64-bit)
 *   OR/AND/XOR  08-0B 20-23 30-33 (r/m <-> reg), 80 81 83 /1 /4 /6 (imm)
 *   TEST     84 85 (r/m, reg), F6 F7 /0 /1 (r/m, imm)
 *   XCHG     86 87
 *   INS/OUTS 6C-6F (for string I/O exits: address size and segment only)
 *
 * with the legacy prefixes (66, 67, segment overrides, LOCK where the
 * instruction allows it, REP/REPNE), REX, ModRM, SIB, displacements and
 * RIP-relative addressing, in 16-, 32- and 64-bit code. Arithmetic that
 * needs carry/overflow flags (ADD, SUB, CMP, ADC, SBB, INC, DEC, NEG),
 * string moves (MOVS, STOS, LODS, CMPS, SCAS), bit tests, CMPXCHG,
 * PUSH/POP of memory, SSE/AVX moves (VEX/EVEX), x87 and register-only
 * forms (ModRM.mod == 3) are refused.
 *
 * Any byte string is safe input: decoding never reads past `n` bytes nor
 * past the architectural 15-byte limit.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_INSN_H
#define PAGODA_INSN_H

#include "types.h"

#define INSN_MAX_LEN 15 /* longer is #GP on hardware */

/* insn_size_mask: the bits an operand or address of `bytes` (1-8) holds. */
static inline uint64_t insn_size_mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

/* insn_sign_extend: the low `bytes` (1-8) of v, sign-extended to 64 bits. */
static inline uint64_t insn_sign_extend(uint64_t v, unsigned int bytes)
{
	unsigned int unused = 64 - 8 * bytes;

	return (uint64_t)((int64_t)(v << unused) >> unused);
}

/* The code size, from CS.L (with EFER.LMA) and CS.D. */
enum insn_mode {
	INSN_MODE_16 = 2,
	INSN_MODE_32 = 4,
	INSN_MODE_64 = 8,
};

enum insn_op {
	INSN_NONE = 0,
	INSN_MOV,
	INSN_MOVZX,
	INSN_MOVSX, /* MOVSX and MOVSXD */
	INSN_OR,
	INSN_AND,
	INSN_XOR,
	INSN_TEST,
	INSN_XCHG,
	INSN_INS,
	INSN_OUTS,
	INSN_NR_OPS,
};

/* What the instruction does with its memory operand. */
enum insn_dir {
	INSN_READ, /* memory is a source: register or flags are written */
	INSN_WRITE, /* memory is only written (MOV store, INS) */
	INSN_RMW, /* memory is read, then written (OR/AND/XOR to memory, XCHG) */
};

/* Segment registers in the SDM's (and the VM-exit instruction-information's) order. */
enum insn_seg {
	INSN_SEG_ES,
	INSN_SEG_CS,
	INSN_SEG_SS,
	INSN_SEG_DS,
	INSN_SEG_FS,
	INSN_SEG_GS,
	INSN_NR_SEGS,
};

#define INSN_NO_REG 0xff /* base/index absent */

struct insn {
	uint8_t len; /* bytes, prefixes included */
	uint8_t op; /* enum insn_op */
	uint8_t dir; /* enum insn_dir */
	uint8_t mem_size; /* bytes accessed in memory: 1, 2, 4 or 8 */
	uint8_t reg_size; /* bytes of the register operand (MOVZX: larger than mem_size) */
	bool has_reg; /* the other operand is a register ... */
	uint8_t reg; /* ... number 0-15 (enum gpr_index order) */
	bool reg_high8; /* ... or AH/CH/DH/BH: bits 15:8 of register reg (0-3) */
	bool has_imm; /* the other operand is imm, sign-extended to 64 bits */
	uint64_t imm;
	bool sign_extend; /* MOVSX: the loaded value is sign-, not zero-extended */
	bool lock, rep, repne;
	/* The memory operand: seg:[base + index * scale + disp] (+ next RIP). */
	uint8_t addr_size; /* 2, 4 or 8 bytes */
	uint8_t seg; /* enum insn_seg, override applied */
	uint8_t base, index; /* register numbers, or INSN_NO_REG */
	uint8_t scale; /* 1, 2, 4, 8 */
	bool rip_relative;
	int64_t disp; /* moffs forms: the absolute offset */
};

/*
 * insn_decode: decode the instruction at the start of bytes[0..n).
 * Returns 0 with *in filled, -ENODATA when the instruction continues
 * past the n bytes given (n < 15: fetch more), or -EINVAL when it is not
 * one of the forms above, is invalid (LOCK on a MOV, over 15 bytes), or
 * has no memory operand.
 */
int insn_decode(const uint8_t *bytes, size_t n, enum insn_mode mode, struct insn *in);

/*
 * insn_mode_of: the code size from the guest's CS access rights (VMX AR
 * format) and EFER: 64-bit with EFER.LMA and CS.L, else CS.D.
 */
enum insn_mode insn_mode_of(uint32_t cs_ar, uint64_t efer);

/*
 * insn_mem_offset: the memory operand's effective address (the offset in
 * its segment), from the 16 general registers and the instruction's own
 * RIP, truncated to the address size.
 */
uint64_t insn_mem_offset(const struct insn *in, const uint64_t gpr[16], uint64_t rip);

/* insn_op_name: "mov", "movzx"...; "?" for anything else. */
const char *insn_op_name(unsigned int op);

#endif
