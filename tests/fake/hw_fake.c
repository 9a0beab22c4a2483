/*
 * hw_fake.c - stateful fake of the hardware layer for host tests.
 *
 * Context: host tests only.
 */
#include <stdlib.h>
#include <string.h>

#include "errcode.h"
#include "hw_fake.h"

struct cpuid_ent {
	uint32_t leaf, subleaf;
	struct cpuid_regs r;
};
struct msr_ent {
	uint32_t msr;
	uint64_t val;
	bool fault, written;
};
struct port_ent {
	uint16_t port;
	uint32_t vals[16];
	unsigned int n, next;
};

static struct cpuid_ent cpuids[FAKE_MAX_ENTRIES];
static unsigned int nr_cpuids;
static struct msr_ent msrs[FAKE_MAX_ENTRIES];
static unsigned int nr_msrs;
static struct port_ent ports[FAKE_MAX_ENTRIES];
static unsigned int nr_ports;
static struct fake_port_write writes[4096];
static unsigned int nr_writes;
static uint64_t tsc, tsc_step = 1;
static fake_port_hook port_hook;
static uint64_t cr[5];

void fake_hw_reset(void)
{
	nr_cpuids = nr_msrs = nr_ports = nr_writes = 0;
	tsc = 0;
	tsc_step = 1;
	port_hook = NULL;
	memset(cr, 0, sizeof(cr));
}

void fake_cpuid_set(uint32_t leaf, uint32_t subleaf, uint32_t eax, uint32_t ebx,
		    uint32_t ecx, uint32_t edx)
{
	for (unsigned int i = 0; i < nr_cpuids; i++) {
		if (cpuids[i].leaf == leaf && cpuids[i].subleaf == subleaf) {
			cpuids[i].r = (struct cpuid_regs){ eax, ebx, ecx, edx };
			return;
		}
	}
	if (nr_cpuids == FAKE_MAX_ENTRIES)
		abort();
	cpuids[nr_cpuids++] = (struct cpuid_ent){ leaf, subleaf, { eax, ebx, ecx, edx } };
}

void hw_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	for (unsigned int i = 0; i < nr_cpuids; i++) {
		if (cpuids[i].leaf == leaf && cpuids[i].subleaf == subleaf) {
			*r = cpuids[i].r;
			return;
		}
	}
	*r = (struct cpuid_regs){ 0, 0, 0, 0 };
}

static struct msr_ent *msr_find(uint32_t msr, bool create)
{
	for (unsigned int i = 0; i < nr_msrs; i++)
		if (msrs[i].msr == msr)
			return &msrs[i];
	if (!create)
		return NULL;
	if (nr_msrs == FAKE_MAX_ENTRIES)
		abort();
	msrs[nr_msrs] = (struct msr_ent){ .msr = msr };
	return &msrs[nr_msrs++];
}

void fake_msr_set(uint32_t msr, uint64_t val)
{
	struct msr_ent *e = msr_find(msr, true);
	e->val = val;
	e->fault = false;
}

void fake_msr_fault(uint32_t msr)
{
	msr_find(msr, true)->fault = true;
}

bool fake_msr_written(uint32_t msr, uint64_t *val)
{
	struct msr_ent *e = msr_find(msr, false);
	if (!e || !e->written)
		return false;
	if (val)
		*val = e->val;
	return true;
}

/* An MSR the test never set faults, as a non-existent MSR does. */
int hw_rdmsr_safe(uint32_t msr, uint64_t *val)
{
	struct msr_ent *e = msr_find(msr, false);
	if (!e || e->fault)
		return -EIO;
	*val = e->val;
	return 0;
}

int hw_wrmsr_safe(uint32_t msr, uint64_t val)
{
	struct msr_ent *e = msr_find(msr, true);
	if (e->fault)
		return -EIO;
	e->val = val;
	e->written = true;
	return 0;
}

uint64_t hw_rdmsr(uint32_t msr)
{
	uint64_t v = 0;
	if (hw_rdmsr_safe(msr, &v))
		abort(); /* the code under test assumed an MSR exists */
	return v;
}

void hw_wrmsr(uint32_t msr, uint64_t val)
{
	if (hw_wrmsr_safe(msr, val))
		abort();
}

uint64_t hw_rdtsc(void)
{
	uint64_t t = tsc;
	tsc += tsc_step;
	return t;
}

void fake_tsc_set(uint64_t t, uint64_t step)
{
	tsc = t;
	tsc_step = step;
}

void fake_port_push(uint16_t port, uint32_t val)
{
	struct port_ent *p = NULL;
	for (unsigned int i = 0; i < nr_ports; i++)
		if (ports[i].port == port)
			p = &ports[i];
	if (!p) {
		if (nr_ports == FAKE_MAX_ENTRIES)
			abort();
		p = &ports[nr_ports++];
		*p = (struct port_ent){ .port = port };
	}
	if (p->n == ARRAY_SIZE(p->vals))
		abort();
	p->vals[p->n++] = val;
}

void fake_port_hook_set(fake_port_hook hook)
{
	port_hook = hook;
}

static uint32_t port_read(uint16_t port, uint32_t ones)
{
	uint32_t v;
	if (port_hook && port_hook(port, false, &v))
		return v;
	for (unsigned int i = 0; i < nr_ports; i++) {
		struct port_ent *p = &ports[i];
		if (p->port != port || p->n == 0)
			continue;
		v = p->vals[p->next];
		if (p->next + 1 < p->n)
			p->next++;
		return v;
	}
	return ones;
}

static void port_write(uint16_t port, uint8_t size, uint32_t val)
{
	if (port_hook && port_hook(port, true, &val))
		return;
	if (nr_writes < ARRAY_SIZE(writes))
		writes[nr_writes++] = (struct fake_port_write){ port, size, val };
}

unsigned int fake_port_writes(const struct fake_port_write **log)
{
	*log = writes;
	return nr_writes;
}

uint8_t hw_inb(uint16_t port) { return (uint8_t)port_read(port, 0xff); }
uint16_t hw_inw(uint16_t port) { return (uint16_t)port_read(port, 0xffff); }
uint32_t hw_inl(uint16_t port) { return port_read(port, 0xffffffff); }
void hw_outb(uint16_t port, uint8_t v) { port_write(port, 1, v); }
void hw_outw(uint16_t port, uint16_t v) { port_write(port, 2, v); }
void hw_outl(uint16_t port, uint32_t v) { port_write(port, 4, v); }

uint64_t hw_read_cr0(void) { return cr[0]; }
uint64_t hw_read_cr2(void) { return cr[2]; }
uint64_t hw_read_cr3(void) { return cr[3]; }
uint64_t hw_read_cr4(void) { return cr[4]; }
void hw_write_cr0(uint64_t v) { cr[0] = v; }
void hw_write_cr3(uint64_t v) { cr[3] = v; }
void hw_write_cr4(uint64_t v) { cr[4] = v; }
uint64_t hw_read_rflags(void) { return 0x2; }
void hw_cli(void) {}
void hw_sti(void) {}
void hw_halt(void) {}
void hw_pause(void) {}
void hw_irq_window(void) {}
void hw_invlpg(uint64_t va) { (void)va; }
void hw_stop(void) { abort(); }

/* MMIO in host tests: the "physical" address is a host pointer. */
uint32_t hw_mmio_read32(hpa_t a) { return *(volatile uint32_t *)hpa_to_ptr(a); }
void hw_mmio_write32(hpa_t a, uint32_t v) { *(volatile uint32_t *)hpa_to_ptr(a) = v; }
