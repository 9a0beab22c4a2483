/*
 * vmx_fake.h - a fake VMCS for host tests: VMREAD/VMWRITE hit a table,
 * INVEPT/INVVPID calls are counted, and a field can be made to fail.
 *
 * Context: host tests only.
 */
#ifndef PAGODA_VMX_FAKE_H
#define PAGODA_VMX_FAKE_H

#include "vmx_hw.h"

void fake_vmx_reset(void);
void fake_vmcs_set(uint64_t field, uint64_t val);
uint64_t fake_vmcs_get(uint64_t field);
bool fake_vmcs_written(uint64_t field);
void fake_vmcs_fail(uint64_t field, unsigned int insn_error);
unsigned int fake_invept_calls(void);
unsigned int fake_invvpid_calls(void);

#endif
