/*
 * vmx_fake.c - fake VMX instructions over a table-backed VMCS.
 *
 * Context: host tests only.
 */
#include <stdlib.h>

#include "errcode.h"
#include "vmcs.h"
#include "vmx_fake.h"

#define FAKE_FIELDS 256

struct field {
	uint64_t field, val;
	bool used, written, fail;
	unsigned int insn_error;
};

static struct field fields[FAKE_FIELDS];
static unsigned int invept_calls, invvpid_calls;
static uint64_t last_insn_error;

void fake_vmx_reset(void)
{
	for (unsigned int i = 0; i < FAKE_FIELDS; i++)
		fields[i] = (struct field){ 0 };
	invept_calls = invvpid_calls = 0;
	last_insn_error = 0;
}

static struct field *lookup(uint64_t f, bool create)
{
	for (unsigned int i = 0; i < FAKE_FIELDS; i++)
		if (fields[i].used && fields[i].field == f)
			return &fields[i];
	if (!create)
		return NULL;
	for (unsigned int i = 0; i < FAKE_FIELDS; i++) {
		if (!fields[i].used) {
			fields[i] = (struct field){ .field = f, .used = true };
			return &fields[i];
		}
	}
	abort();
}

void fake_vmcs_set(uint64_t f, uint64_t v) { lookup(f, true)->val = v; }

uint64_t fake_vmcs_get(uint64_t f)
{
	struct field *e = lookup(f, false);
	return e ? e->val : 0;
}

bool fake_vmcs_written(uint64_t f)
{
	struct field *e = lookup(f, false);
	return e && e->written;
}

void fake_vmcs_fail(uint64_t f, unsigned int insn_error)
{
	struct field *e = lookup(f, true);
	e->fail = true;
	e->insn_error = insn_error;
}

int hw_vmread(uint64_t f, uint64_t *v)
{
	struct field *e;
	if (f == VM_INSTRUCTION_ERROR) {
		*v = last_insn_error;
		return 0;
	}
	e = lookup(f, true);
	if (e->fail) {
		last_insn_error = e->insn_error;
		return -EIO;
	}
	*v = e->val;
	return 0;
}

int hw_vmwrite(uint64_t f, uint64_t v)
{
	struct field *e = lookup(f, true);
	if (e->fail) {
		last_insn_error = e->insn_error;
		return -EIO;
	}
	e->val = v;
	e->written = true;
	return 0;
}

int hw_vmxon(hpa_t r) { (void)r; return 0; }
int hw_vmxoff(void) { return 0; }
int hw_vmclear(hpa_t v) { (void)v; return 0; }
int hw_vmptrld(hpa_t v) { (void)v; return 0; }

int hw_invept(unsigned long type, uint64_t eptp)
{
	(void)type;
	(void)eptp;
	invept_calls++;
	return 0;
}

int hw_invvpid(unsigned long type, uint16_t vpid, uint64_t gva)
{
	(void)type;
	(void)vpid;
	(void)gva;
	invvpid_calls++;
	return 0;
}

unsigned int fake_invept_calls(void) { return invept_calls; }
unsigned int fake_invvpid_calls(void) { return invvpid_calls; }
