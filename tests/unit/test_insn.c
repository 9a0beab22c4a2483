/*
 * test_insn.c - the MMIO instruction decoder: a table of real encodings
 * (bytes from GNU as + objdump), refused forms, truncated and hostile byte
 * strings, effective addresses, and the code size from CS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errcode.h"
#include "guest_boot.h"
#include "insn.h"
#include "msr.h"
#include "vcpu.h"

#define N INSN_NO_REG
#define H8 0x80 /* in .reg: a high-byte register */
#define NOREG 0xff /* in .reg: no register operand */

struct dcase {
	const char *text; /* what objdump printed */
	enum insn_mode mode;
	uint8_t bytes[INSN_MAX_LEN];
	size_t n;
	uint8_t len, op, dir, mem, regsz;
	uint8_t reg; /* register number, | H8, or NOREG */
	bool has_imm;
	uint64_t imm;
	uint8_t asz, seg, base, index, scale;
	bool rip;
	int64_t disp;
};

#define BYTES(...) .bytes = { __VA_ARGS__ }, .n = sizeof((uint8_t[]){ __VA_ARGS__ })
#define MEM(a, s, b, i, sc, d) .asz = (a), .seg = INSN_SEG_##s, .base = (b), .index = (i), \
			       .scale = (sc), .disp = (d)
#define IMM(v) .has_imm = true, .imm = (v), .reg = NOREG
#define D64 INSN_MODE_64
#define D32 INSN_MODE_32
#define D16 INSN_MODE_16

static const struct dcase cases[] = {
	/* 64-bit code */
	{ "mov %eax,(%rdx)", D64, BYTES(0x89, 0x02), 2, INSN_MOV, INSN_WRITE, 4, 4, REG_RAX,
	  MEM(8, DS, REG_RDX, N, 1, 0) },
	{ "mov (%rax),%eax", D64, BYTES(0x8b, 0x00), 2, INSN_MOV, INSN_READ, 4, 4, REG_RAX,
	  MEM(8, DS, REG_RAX, N, 1, 0) },
	{ "movl $0x12345678,(%rdi)", D64, BYTES(0xc7, 0x07, 0x78, 0x56, 0x34, 0x12), 6, INSN_MOV,
	  INSN_WRITE, 4, 4, IMM(0x12345678), MEM(8, DS, REG_RDI, N, 1, 0) },
	{ "movl $0xfec00000,0x10(%rax)", D64, BYTES(0xc7, 0x40, 0x10, 0x00, 0x00, 0xc0, 0xfe), 7,
	  INSN_MOV, INSN_WRITE, 4, 4, IMM(0xfffffffffec00000ULL), MEM(8, DS, REG_RAX, N, 1, 0x10) },
	{ "mov %ah,(%rbx)", D64, BYTES(0x88, 0x23), 2, INSN_MOV, INSN_WRITE, 1, 1, REG_RAX | H8,
	  MEM(8, DS, REG_RBX, N, 1, 0) },
	{ "mov %sil,(%rbx)", D64, BYTES(0x40, 0x88, 0x33), 3, INSN_MOV, INSN_WRITE, 1, 1, REG_RSI,
	  MEM(8, DS, REG_RBX, N, 1, 0) },
	{ "mov %r9b,0x7f(%r12)", D64, BYTES(0x45, 0x88, 0x4c, 0x24, 0x7f), 5, INSN_MOV,
	  INSN_WRITE, 1, 1, REG_R9, MEM(8, DS, REG_R12, N, 1, 0x7f) },
	{ "movb $0x80,-0x1(%rbp)", D64, BYTES(0xc6, 0x45, 0xff, 0x80), 4, INSN_MOV, INSN_WRITE,
	  1, 1, IMM(0xffffffffffffff80ULL), MEM(8, SS, REG_RBP, N, 1, -1) },
	{ "mov 0x10(%rip),%rcx", D64, BYTES(0x48, 0x8b, 0x0d, 0x10, 0, 0, 0), 7, INSN_MOV,
	  INSN_READ, 8, 8, REG_RCX, MEM(8, DS, N, N, 1, 0x10), .rip = true },
	{ "mov %r15,0x12345678(%r13,%r14,8)", D64,
	  BYTES(0x4f, 0x89, 0xbc, 0xf5, 0x78, 0x56, 0x34, 0x12), 8, INSN_MOV, INSN_WRITE, 8, 8,
	  REG_R15, MEM(8, DS, REG_R13, REG_R14, 8, 0x12345678) },
	{ "mov (%rsp),%ax", D64, BYTES(0x66, 0x8b, 0x04, 0x24), 4, INSN_MOV, INSN_READ, 2, 2,
	  REG_RAX, MEM(8, SS, REG_RSP, N, 1, 0) },
	{ "movw $0xbeef,(%rcx)", D64, BYTES(0x66, 0xc7, 0x01, 0xef, 0xbe), 5, INSN_MOV,
	  INSN_WRITE, 2, 2, IMM(0xffffffffffffbeefULL), MEM(8, DS, REG_RCX, N, 1, 0) },
	{ "movq $-2,(%rax)", D64, BYTES(0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff), 7, INSN_MOV,
	  INSN_WRITE, 8, 8, IMM(0xfffffffffffffffeULL), MEM(8, DS, REG_RAX, N, 1, 0) },
	{ "movabs 0xfec00000,%eax", D64, BYTES(0xa1, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0), 9,
	  INSN_MOV, INSN_READ, 4, 4, REG_RAX, MEM(8, DS, N, N, 1, 0xfec00000) },
	{ "movabs %al,0xfec00020", D64, BYTES(0xa2, 0x20, 0x00, 0xc0, 0xfe, 0, 0, 0, 0), 9,
	  INSN_MOV, INSN_WRITE, 1, 1, REG_RAX, MEM(8, DS, N, N, 1, 0xfec00020) },
	{ "movabs %rax,0xfee00030", D64, BYTES(0x48, 0xa3, 0x30, 0x00, 0xe0, 0xfe, 0, 0, 0, 0),
	  10, INSN_MOV, INSN_WRITE, 8, 8, REG_RAX, MEM(8, DS, N, N, 1, 0xfee00030) },
	{ "movzbl (%rdx),%ecx", D64, BYTES(0x0f, 0xb6, 0x0a), 3, INSN_MOVZX, INSN_READ, 1, 4,
	  REG_RCX, MEM(8, DS, REG_RDX, N, 1, 0) },
	{ "movzwl 0x4(%rdx),%r8d", D64, BYTES(0x44, 0x0f, 0xb7, 0x42, 0x04), 5, INSN_MOVZX,
	  INSN_READ, 2, 4, REG_R8, MEM(8, DS, REG_RDX, N, 1, 4) },
	{ "movzbq (%rdx),%rax", D64, BYTES(0x48, 0x0f, 0xb6, 0x02), 4, INSN_MOVZX, INSN_READ, 1,
	  8, REG_RAX, MEM(8, DS, REG_RDX, N, 1, 0) },
	{ "movsbl (%rdx),%ecx", D64, BYTES(0x0f, 0xbe, 0x0a), 3, INSN_MOVSX, INSN_READ, 1, 4,
	  REG_RCX, MEM(8, DS, REG_RDX, N, 1, 0) },
	{ "movswq 0x2(%rdx),%r10", D64, BYTES(0x4c, 0x0f, 0xbf, 0x52, 0x02), 5, INSN_MOVSX,
	  INSN_READ, 2, 8, REG_R10, MEM(8, DS, REG_RDX, N, 1, 2) },
	{ "movslq (%rdx),%r11", D64, BYTES(0x4c, 0x63, 0x1a), 3, INSN_MOVSX, INSN_READ, 4, 8,
	  REG_R11, MEM(8, DS, REG_RDX, N, 1, 0) },
	{ "orl $0x10000,(%rax)", D64, BYTES(0x81, 0x08, 0x00, 0x00, 0x01, 0x00), 6, INSN_OR,
	  INSN_RMW, 4, 4, IMM(0x10000), MEM(8, DS, REG_RAX, N, 1, 0) },
	{ "or %ecx,(%rax)", D64, BYTES(0x09, 0x08), 2, INSN_OR, INSN_RMW, 4, 4, REG_RCX,
	  MEM(8, DS, REG_RAX, N, 1, 0) },
	{ "andl $0xfffeffff,(%rdi)", D64, BYTES(0x81, 0x27, 0xff, 0xff, 0xfe, 0xff), 6, INSN_AND,
	  INSN_RMW, 4, 4, IMM(0xfffffffffffeffffULL), MEM(8, DS, REG_RDI, N, 1, 0) },
	{ "orb $0x1,(%rax)", D64, BYTES(0x80, 0x08, 0x01), 3, INSN_OR, INSN_RMW, 1, 1, IMM(1),
	  MEM(8, DS, REG_RAX, N, 1, 0) },
	{ "andw $0x7,(%rax)", D64, BYTES(0x66, 0x83, 0x20, 0x07), 4, INSN_AND, INSN_RMW, 2, 2,
	  IMM(7), MEM(8, DS, REG_RAX, N, 1, 0) },
	{ "lock orl $0x1,(%rax)", D64, BYTES(0xf0, 0x83, 0x08, 0x01), 4, INSN_OR, INSN_RMW, 4, 4,
	  IMM(1), MEM(8, DS, REG_RAX, N, 1, 0) },
	{ "xor %edx,0x20(%rsi)", D64, BYTES(0x31, 0x56, 0x20), 3, INSN_XOR, INSN_RMW, 4, 4,
	  REG_RDX, MEM(8, DS, REG_RSI, N, 1, 0x20) },
	{ "testl $0x40000000,(%rax)", D64, BYTES(0xf7, 0x00, 0x00, 0x00, 0x00, 0x40), 6,
	  INSN_TEST, INSN_READ, 4, 4, IMM(0x40000000), MEM(8, DS, REG_RAX, N, 1, 0) },
	{ "test %eax,(%rdx)", D64, BYTES(0x85, 0x02), 2, INSN_TEST, INSN_READ, 4, 4, REG_RAX,
	  MEM(8, DS, REG_RDX, N, 1, 0) },
	{ "testb $0x1,(%rcx)", D64, BYTES(0xf6, 0x01, 0x01), 3, INSN_TEST, INSN_READ, 1, 1, IMM(1),
	  MEM(8, DS, REG_RCX, N, 1, 0) },
	{ "xchg %eax,(%rdx)", D64, BYTES(0x87, 0x02), 2, INSN_XCHG, INSN_RMW, 4, 4, REG_RAX,
	  MEM(8, DS, REG_RDX, N, 1, 0) },
	{ "xchg %ch,(%rdx)", D64, BYTES(0x86, 0x2a), 2, INSN_XCHG, INSN_RMW, 1, 1, REG_RCX | H8,
	  MEM(8, DS, REG_RDX, N, 1, 0) },
	{ "or (%rax),%ecx", D64, BYTES(0x0b, 0x08), 2, INSN_OR, INSN_READ, 4, 4, REG_RCX,
	  MEM(8, DS, REG_RAX, N, 1, 0) },
	{ "mov %eax,%fs:(%rdx)", D64, BYTES(0x64, 0x89, 0x02), 3, INSN_MOV, INSN_WRITE, 4, 4,
	  REG_RAX, MEM(8, FS, REG_RDX, N, 1, 0) },
	{ "mov %eax,%gs:0x10", D64, BYTES(0x65, 0x89, 0x04, 0x25, 0x10, 0, 0, 0), 8, INSN_MOV,
	  INSN_WRITE, 4, 4, REG_RAX, MEM(8, GS, N, N, 1, 0x10) },
	{ "mov (%eax),%eax", D64, BYTES(0x67, 0x8b, 0x00), 3, INSN_MOV, INSN_READ, 4, 4, REG_RAX,
	  MEM(4, DS, REG_RAX, N, 1, 0) },
	{ "mov 0x0(,%rbx,4),%edx", D64, BYTES(0x8b, 0x14, 0x9d, 0, 0, 0, 0), 7, INSN_MOV,
	  INSN_READ, 4, 4, REG_RDX, MEM(8, DS, N, REG_RBX, 4, 0) },
	{ "mov 0x10(%eip),%ecx", D64, BYTES(0x67, 0x8b, 0x0d, 0x10, 0, 0, 0), 7, INSN_MOV,
	  INSN_READ, 4, 4, REG_RCX, MEM(4, DS, N, N, 1, 0x10), .rip = true },
	{ "rep outsb %ds:(%rsi),(%dx)", D64, BYTES(0xf3, 0x6e), 2, INSN_OUTS, INSN_READ, 1, 1,
	  NOREG, MEM(8, DS, N, N, 1, 0) },
	{ "rep insw (%dx),%es:(%rdi)", D64, BYTES(0x66, 0xf3, 0x6d), 3, INSN_INS, INSN_WRITE, 2,
	  2, NOREG, MEM(8, ES, N, N, 1, 0) },
	{ "outsl %ds:(%rsi),(%dx)", D64, BYTES(0x6f), 1, INSN_OUTS, INSN_READ, 4, 4, NOREG,
	  MEM(8, DS, N, N, 1, 0) },
	{ "mov %eax,(%r12)", D64, BYTES(0x41, 0x89, 0x04, 0x24), 4, INSN_MOV, INSN_WRITE, 4, 4,
	  REG_RAX, MEM(8, DS, REG_R12, N, 1, 0) },
	{ "mov %eax,0x0(%r13)", D64, BYTES(0x41, 0x89, 0x45, 0x00), 4, INSN_MOV, INSN_WRITE, 4, 4,
	  REG_RAX, MEM(8, DS, REG_R13, N, 1, 0) },
	/* A REX followed by a legacy prefix is ignored: mov %ax,(%rdx). */
	{ "rex.W data16 mov %eax,(%rdx)", D64, BYTES(0x48, 0x66, 0x89, 0x02), 4, INSN_MOV,
	  INSN_WRITE, 2, 2, REG_RAX, MEM(8, DS, REG_RDX, N, 1, 0) },
	/* REX.W wins over 66. */
	{ "data16 rex.W mov %rax,(%rdx)", D64, BYTES(0x66, 0x48, 0x89, 0x02), 4, INSN_MOV,
	  INSN_WRITE, 8, 8, REG_RAX, MEM(8, DS, REG_RDX, N, 1, 0) },
	/* Thirteen prefixes: 15 bytes, still legal. */
	{ "13 x data16 mov %ax,(%rdx)", D64,
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89,
		0x02),
	  15, INSN_MOV, INSN_WRITE, 2, 2, REG_RAX, MEM(8, DS, REG_RDX, N, 1, 0) },
	/* 32-bit code */
	{ "mov %eax,(%edx)", D32, BYTES(0x89, 0x02), 2, INSN_MOV, INSN_WRITE, 4, 4, REG_RAX,
	  MEM(4, DS, REG_RDX, N, 1, 0) },
	{ "movl $0x12345678,0xfec00010", D32,
	  BYTES(0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, 0x78, 0x56, 0x34, 0x12), 10, INSN_MOV,
	  INSN_WRITE, 4, 4, IMM(0x12345678), MEM(4, DS, N, N, 1, (int32_t)0xfec00010) },
	{ "mov 0xfec00000,%eax", D32, BYTES(0xa1, 0x00, 0x00, 0xc0, 0xfe), 5, INSN_MOV, INSN_READ,
	  4, 4, REG_RAX, MEM(4, DS, N, N, 1, 0xfec00000) },
	{ "mov %bh,(%esi)", D32, BYTES(0x88, 0x3e), 2, INSN_MOV, INSN_WRITE, 1, 1, REG_RBX | H8,
	  MEM(4, DS, REG_RSI, N, 1, 0) },
	{ "mov 0x8(%ebp),%ecx", D32, BYTES(0x8b, 0x4d, 0x08), 3, INSN_MOV, INSN_READ, 4, 4,
	  REG_RCX, MEM(4, SS, REG_RBP, N, 1, 8) },
	{ "mov %eax,(%esp)", D32, BYTES(0x89, 0x04, 0x24), 3, INSN_MOV, INSN_WRITE, 4, 4, REG_RAX,
	  MEM(4, SS, REG_RSP, N, 1, 0) },
	{ "movzwl (%ebx,%esi,2),%eax", D32, BYTES(0x0f, 0xb7, 0x04, 0x73), 4, INSN_MOVZX,
	  INSN_READ, 2, 4, REG_RAX, MEM(4, DS, REG_RBX, REG_RSI, 2, 0) },
	{ "mov %ax,(%ecx)", D32, BYTES(0x66, 0x89, 0x01), 3, INSN_MOV, INSN_WRITE, 2, 2, REG_RAX,
	  MEM(4, DS, REG_RCX, N, 1, 0) },
	{ "mov (%bx,%si),%ax", D32, BYTES(0x67, 0x66, 0x8b, 0x00), 4, INSN_MOV, INSN_READ, 2, 2,
	  REG_RAX, MEM(2, DS, REG_RBX, REG_RSI, 1, 0) },
	{ "rep outsb %ds:(%esi),(%dx)", D32, BYTES(0xf3, 0x6e), 2, INSN_OUTS, INSN_READ, 1, 1,
	  NOREG, MEM(4, DS, N, N, 1, 0) },
	{ "mov %eax,%es:(%edi)", D32, BYTES(0x26, 0x89, 0x07), 3, INSN_MOV, INSN_WRITE, 4, 4,
	  REG_RAX, MEM(4, ES, REG_RDI, N, 1, 0) },
	/* 16-bit code (objdump -M i8086) */
	{ "mov %ax,(%bx,%si)", D16, BYTES(0x89, 0x00), 2, INSN_MOV, INSN_WRITE, 2, 2, REG_RAX,
	  MEM(2, DS, REG_RBX, REG_RSI, 1, 0) },
	{ "mov 0x10(%bp),%al", D16, BYTES(0x8a, 0x46, 0x10), 3, INSN_MOV, INSN_READ, 1, 1, REG_RAX,
	  MEM(2, SS, REG_RBP, N, 1, 0x10) },
	{ "mov 0x1234,%ax", D16, BYTES(0xa1, 0x34, 0x12), 3, INSN_MOV, INSN_READ, 2, 2, REG_RAX,
	  MEM(2, DS, N, N, 1, 0x1234) },
	{ "mov %eax,(%di)", D16, BYTES(0x66, 0x89, 0x05), 3, INSN_MOV, INSN_WRITE, 4, 4, REG_RAX,
	  MEM(2, DS, REG_RDI, N, 1, 0) },
	{ "mov (%eax),%eax", D16, BYTES(0x67, 0x66, 0x8b, 0x00), 4, INSN_MOV, INSN_READ, 4, 4,
	  REG_RAX, MEM(4, DS, REG_RAX, N, 1, 0) },
	{ "movw $0x55aa,-0x2(%bp,%di)", D16, BYTES(0xc7, 0x43, 0xfe, 0xaa, 0x55), 5, INSN_MOV,
	  INSN_WRITE, 2, 2, IMM(0x55aa), MEM(2, SS, REG_RBP, REG_RDI, 1, -2) },
	{ "rep outsw %ds:(%si),(%dx)", D16, BYTES(0xf3, 0x6f), 2, INSN_OUTS, INSN_READ, 2, 2,
	  NOREG, MEM(2, DS, N, N, 1, 0) },
	{ "mov %ax,0x1234(%bx)", D16, BYTES(0x89, 0x87, 0x34, 0x12), 4, INSN_MOV, INSN_WRITE, 2,
	  2, REG_RAX, MEM(2, DS, REG_RBX, N, 1, 0x1234) },
};

static void check_case(const struct dcase *c, const struct insn *in)
{
	assert_int_equal(in->len, c->len);
	assert_int_equal(in->op, c->op);
	assert_int_equal(in->dir, c->dir);
	assert_int_equal(in->mem_size, c->mem);
	assert_int_equal(in->reg_size, c->regsz);
	if (c->reg == NOREG) {
		assert_false(in->has_reg);
	} else {
		assert_true(in->has_reg);
		assert_int_equal(in->reg, c->reg & ~H8);
		assert_int_equal(in->reg_high8, !!(c->reg & H8));
	}
	assert_int_equal(in->has_imm, c->has_imm);
	assert_int_equal(in->imm, c->imm);
	assert_int_equal(in->addr_size, c->asz);
	assert_int_equal(in->seg, c->seg);
	assert_int_equal(in->base, c->base);
	assert_int_equal(in->index, c->index);
	assert_int_equal(in->scale, c->scale);
	assert_int_equal(in->rip_relative, c->rip);
	assert_int_equal(in->disp, c->disp);
}

/* Each case decodes as objdump says, from a buffer of exactly its bytes (ASan watches). */
static void test_real_encodings(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct dcase *c = &cases[i];
		uint8_t *buf = malloc(c->n);
		struct insn in;

		print_message("%s\n", c->text);
		memcpy(buf, c->bytes, c->n);
		assert_int_equal(insn_decode(buf, c->n, c->mode, &in), 0);
		check_case(c, &in);
		free(buf);
	}
}

/* Every proper prefix of a valid instruction asks for more bytes. */
static void test_truncated(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct dcase *c = &cases[i];

		for (size_t n = 0; n < c->len; n++) {
			uint8_t *buf = malloc(n ? n : 1);
			struct insn in;

			memcpy(buf, c->bytes, n);
			assert_int_equal(insn_decode(buf, n, c->mode, &in), -ENODATA);
			free(buf);
		}
	}
}

static void test_prefix_flags(void **state)
{
	static const uint8_t lock_or[] = { 0xf0, 0x83, 0x08, 0x01 };
	static const uint8_t rep_outs[] = { 0xf3, 0x6e }, repne_ins[] = { 0xf2, 0x6c };
	/* XRELEASE mov: F3 is a hint on a one-byte MOV, not a different instruction */
	static const uint8_t xrelease_mov[] = { 0xf3, 0x89, 0x02 };
	static const uint8_t seg_ins[] = { 0x2e, 0x6d }; /* INS ignores segment overrides */
	struct insn in;

	assert_int_equal(insn_decode(lock_or, sizeof(lock_or), INSN_MODE_64, &in), 0);
	assert_true(in.lock);
	assert_int_equal(insn_decode(rep_outs, sizeof(rep_outs), INSN_MODE_32, &in), 0);
	assert_true(in.rep);
	assert_int_equal(insn_decode(repne_ins, sizeof(repne_ins), INSN_MODE_32, &in), 0);
	assert_true(in.rep); /* REPNE repeats INS too */
	assert_int_equal(insn_decode(xrelease_mov, sizeof(xrelease_mov), INSN_MODE_64, &in), 0);
	assert_int_equal(in.op, INSN_MOV);
	assert_int_equal(in.len, 3);
	static const uint8_t rexw_outs[] = { 0x2e, 0x48, 0x6f }; /* at most 4 bytes, CS: */
	assert_int_equal(insn_decode(seg_ins, sizeof(seg_ins), INSN_MODE_32, &in), 0);
	assert_int_equal(in.seg, INSN_SEG_ES);
	assert_int_equal(in.mem_size, 4);
	assert_int_equal(insn_decode(rexw_outs, sizeof(rexw_outs), INSN_MODE_64, &in), 0);
	assert_int_equal(in.mem_size, 4);
	assert_int_equal(in.seg, INSN_SEG_CS);
}

struct refused {
	const char *text;
	enum insn_mode mode;
	uint8_t bytes[INSN_MAX_LEN + 1];
	size_t n;
};

static const struct refused refused[] = {
	{ "add %eax,(%rdx)", D64, BYTES(0x01, 0x02) },
	{ "cmpl $0x0,(%rax)", D64, BYTES(0x83, 0x38, 0x00) },
	{ "movsl", D64, BYTES(0xa5) },
	{ "mov %eax,%ebx (no memory)", D64, BYTES(0x89, 0xc3) },
	{ "xchg %eax,%ebx via 87 (no memory)", D64, BYTES(0x87, 0xd8) },
	{ "movzbl %al,%eax (no memory)", D64, BYTES(0x0f, 0xb6, 0xc0) },
	{ "vmovdqa (%rax),%ymm0", D64, BYTES(0xc5, 0xfd, 0x6f, 0x00) },
	{ "lock mov %eax,(%rax)", D64, BYTES(0xf0, 0x89, 0x00) },
	{ "lock test %eax,(%rdx)", D64, BYTES(0xf0, 0x85, 0x02) },
	{ "lock or (%rax),%ecx (register destination)", D64, BYTES(0xf0, 0x0b, 0x08) },
	{ "rep movzbl: F3 0F is another map", D64, BYTES(0xf3, 0x0f, 0xb6, 0x02) },
	{ "popcnt (%rdx),%eax", D64, BYTES(0xf3, 0x0f, 0xb8, 0x02) },
	{ "C7 /1 is not MOV", D64, BYTES(0xc7, 0x48, 0x10, 0, 0, 0, 0) },
	{ "notl (%rax)", D64, BYTES(0xf7, 0x10) },
	{ "negb (%rax)", D64, BYTES(0xf6, 0x18) },
	{ "addl $1,(%rax) via 83 /0", D64, BYTES(0x83, 0x00, 0x01) },
	{ "arpl: 63 outside 64-bit mode", D32, BYTES(0x63, 0x02) },
	{ "inc %eax: 40 is no REX in 32-bit code", D32, BYTES(0x40, 0x89, 0x02) },
	{ "82 /1 (or, 32-bit alias of 80) is not decoded", D32, BYTES(0x82, 0x08, 0x01) },
	{ "cmpxchg %ecx,(%rax)", D64, BYTES(0x0f, 0xb1, 0x08) },
	{ "14 prefixes: 16 bytes", D64,
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x89, 0x02) },
	{ "15 prefixes and nothing else", D64,
	  BYTES(0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
		0x2e) },
};

static void test_refused(void **state)
{
	struct insn in;

	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		print_message("%s\n", refused[i].text);
		assert_int_equal(insn_decode(refused[i].bytes, refused[i].n, refused[i].mode, &in),
				 -EINVAL);
	}
	assert_int_equal(insn_decode(refused[0].bytes, 2, (enum insn_mode)3, &in), -EINVAL);
}

/* A valid decode is self-consistent; an invalid one is only an error code. */
static void check_sane(const uint8_t *buf, size_t n, enum insn_mode mode)
{
	struct insn in;
	int err = insn_decode(buf, n, mode, &in);

	if (err) {
		assert_true(err == -EINVAL || err == -ENODATA);
		return;
	}
	assert_true(in.len >= 1 && in.len <= n && in.len <= INSN_MAX_LEN);
	assert_true(in.mem_size == 1 || in.mem_size == 2 || in.mem_size == 4 || in.mem_size == 8);
	assert_true(in.reg_size >= in.mem_size || in.op == INSN_MOVSX);
	assert_true(in.reg < 16 && in.seg < INSN_NR_SEGS);
	assert_true(in.base < 16 || in.base == INSN_NO_REG);
	assert_true(in.index < 16 || in.index == INSN_NO_REG);
	assert_true(in.op > INSN_NONE && in.op < INSN_NR_OPS);
}

/* Random bytes of every length in every mode, each in a buffer of exactly n bytes. */
static void test_hostile_random(void **state)
{
	static const enum insn_mode modes[] = { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };
	uint32_t seed = 12345;

	for (unsigned int iter = 0; iter < 200000; iter++) {
		size_t n = iter % (INSN_MAX_LEN + 1);
		uint8_t *buf = malloc(n ? n : 1);

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (uint8_t)(seed >> 16);
			/* bias towards prefixes so long prefix runs are common */
			if ((seed >> 8) % 4 == 0)
				buf[i] = (uint8_t[]){ 0x66, 0x67, 0xf0, 0xf3, 0x48, 0x2e, 0x0f,
						      0x41 }[(seed >> 24) % 8];
		}
		check_sane(buf, n, modes[iter % 3]);
		free(buf);
	}
}

/* Every two-byte start, alone and followed by zeros or ones up to 15 bytes. */
static void test_hostile_exhaustive(void **state)
{
	uint8_t buf[INSN_MAX_LEN];

	for (unsigned int b = 0; b < 0x10000; b++) {
		for (unsigned int fill = 0; fill < 2; fill++) {
			memset(buf, fill ? 0xff : 0, sizeof(buf));
			buf[0] = (uint8_t)b;
			buf[1] = (uint8_t)(b >> 8);
			for (unsigned int mode = 2; mode <= 8; mode *= 2) {
				check_sane(buf, 2, (enum insn_mode)mode);
				check_sane(buf, sizeof(buf), (enum insn_mode)mode);
			}
		}
	}
}

static const struct dcase *find_case(const char *text)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (!strcmp(cases[i].text, text))
			return &cases[i];
	fail_msg("no case %s", text);
	return NULL;
}

static uint64_t offset_of(const char *text, const uint64_t gpr[16], uint64_t rip)
{
	const struct dcase *c = find_case(text);
	struct insn in;

	assert_int_equal(insn_decode(c->bytes, c->n, c->mode, &in), 0);
	return insn_mem_offset(&in, gpr, rip);
}

static void test_effective_address(void **state)
{
	uint64_t gpr[16] = { 0 };

	gpr[REG_R13] = 0x1000;
	gpr[REG_R14] = 0x10;
	assert_int_equal(offset_of("mov %r15,0x12345678(%r13,%r14,8)", gpr, 0),
			 0x1000 + 0x80 + 0x12345678);
	/* RIP-relative counts from the next instruction */
	assert_int_equal(offset_of("mov 0x10(%rip),%rcx", gpr, 0x400000), 0x400000 + 7 + 0x10);
	assert_int_equal(offset_of("mov 0x10(%eip),%ecx", gpr, 0xfffffff0ULL), 0x7);
	/* the address size truncates: 67 in 64-bit code, 16-bit wrap-around */
	gpr[REG_RAX] = 0x100000010ULL;
	assert_int_equal(offset_of("mov (%eax),%eax", gpr, 0), 0x10);
	gpr[REG_RBX] = 0xfff0;
	gpr[REG_RSI] = 0x20;
	assert_int_equal(offset_of("mov %ax,(%bx,%si)", gpr, 0), 0x10);
	gpr[REG_RBP] = 0x1;
	gpr[REG_RDI] = 0;
	assert_int_equal(offset_of("movw $0x55aa,-0x2(%bp,%di)", gpr, 0), 0xffff);
	gpr[REG_RBP] = 0x1000;
	assert_int_equal(offset_of("movb $0x80,-0x1(%rbp)", gpr, 0), 0xfff);
	assert_int_equal(offset_of("movabs 0xfec00000,%eax", gpr, 0), 0xfec00000);
	assert_int_equal(offset_of("movl $0x12345678,0xfec00010", gpr, 0), 0xfec00010);
	gpr[REG_RBX] = 3;
	assert_int_equal(offset_of("mov 0x0(,%rbx,4),%edx", gpr, 0), 12);
}

static void test_mode_of(void **state)
{
	assert_int_equal(insn_mode_of(GUEST_AR_CODE64, EFER_LMA | EFER_LME), INSN_MODE_64);
	/* CS.L counts only in IA-32e mode */
	assert_int_equal(insn_mode_of(GUEST_AR_CODE64, 0), INSN_MODE_16);
	assert_int_equal(insn_mode_of(GUEST_AR_CODE32, EFER_LMA), INSN_MODE_32);
	assert_int_equal(insn_mode_of(GUEST_AR_CODE32, 0), INSN_MODE_32);
	assert_int_equal(insn_mode_of(0x9b, 0), INSN_MODE_16); /* real mode */
	assert_string_equal(insn_op_name(INSN_MOVZX), "movzx");
	assert_string_equal(insn_op_name(999), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_encodings),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_prefix_flags),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_hostile_random),
		cmocka_unit_test(test_hostile_exhaustive),
		cmocka_unit_test(test_effective_address),
		cmocka_unit_test(test_mode_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
