/*
 * mmio.c - mb-mmio: string port I/O and device memory, for a VMM's
 * emulation of both.
 *
 * how=string (default): REP OUTSB of a line to COM1 (no THRE polling
 * between bytes: the line must arrive whole); the same with DF=1 from
 * the line's last byte; REP INSB of 5000 bytes of CMOS register D (0x80,
 * "valid RAM and time") into a buffer spanning three pages; REP OUTSB of
 * 5000 bytes to the POST port. After each, ESI/EDI and ECX must be where
 * the CPU leaves them. Prints `mb-mmio: string I/O ok` and exits 0, or
 * names the first mismatch and exits 1.
 * how=ioapic: reads the I/O APIC's version register through IOREGSEL
 * (0xfec00000) and IOWIN (0xfec00010): 32-bit MOVs to and from absolute
 * addresses. Exits 0 when it reports redirection entries 0-23, else 1.
 * how=unclaimed: a 32-bit load from 0xfe000000, where no device is. A VMM
 * without a device there stops the guest; on a PC it reads something
 * (QEMU: all ones), which is printed, and the kernel exits 0.
 *
 * Context: 32-bit protected mode, paging off.
 */
#include "mb.h"

const char mb_name[] = "mb-mmio";
const char *const mb_options[] = { "how", NULL };

#define COM1 0x3f8
#define POST_PORT 0x80
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_REG_D 0x0d
#define CMOS_VRT 0x80
#define BULK 5000
#define IOAPIC_REGSEL 0xfec00000u
#define IOAPIC_WINDOW 0xfec00010u
#define IOAPIC_REG_VERSION 0x01
#define UNCLAIMED 0xfe000000u

static uint8_t pages[3 * 4096] __aligned(4096);
static uint32_t fails;

struct string_regs {
	uint32_t si_di, cx;
};

static struct string_regs rep_outsb(uint16_t port, const void *from, uint32_t n)
{
	struct string_regs r = { (uint32_t)from, n };

	asm volatile("rep outsb" : "+S"(r.si_di), "+c"(r.cx) : "d"(port) : "memory");
	return r;
}

static struct string_regs rep_outsb_backwards(uint16_t port, const void *last, uint32_t n)
{
	struct string_regs r = { (uint32_t)last, n };

	asm volatile("std; rep outsb; cld" : "+S"(r.si_di), "+c"(r.cx) : "d"(port) : "memory");
	return r;
}

static struct string_regs rep_insb(uint16_t port, void *to, uint32_t n)
{
	struct string_regs r = { (uint32_t)to, n };

	asm volatile("rep insb" : "+D"(r.si_di), "+c"(r.cx) : "d"(port) : "memory");
	return r;
}

static void expect_regs(const char *what, struct string_regs r, uint32_t si_di)
{
	if (r.si_di == si_di && r.cx == 0)
		return;
	mb_say("FAIL %s: ESI/EDI 0x%x ECX %u, expected 0x%x and 0\n", what, r.si_di, r.cx,
	       si_di);
	fails++;
}

static void forwards_and_backwards(void)
{
	static const char line[] = "mb-mmio: hello through rep outsb\n";
	static const char back[] = "mb-mmio: and backwards with DF=1\n";
	uint32_t n = sizeof(back) - 1;
	struct string_regs r;

	r = rep_outsb(COM1, line, sizeof(line) - 1);
	expect_regs("rep outsb", r, (uint32_t)line + sizeof(line) - 1);
	for (uint32_t i = 0; i < n; i++)
		pages[i] = (uint8_t)back[n - 1 - i];
	r = rep_outsb_backwards(COM1, &pages[n - 1], n);
	expect_regs("std; rep outsb", r, (uint32_t)pages - 1);
}

static void bulk(void)
{
	uint8_t *buf = pages + 4096 - 16; /* spans three pages */
	struct string_regs r;

	for (uint32_t i = 0; i < BULK + 1; i++)
		buf[i] = 0;
	mb_outb(CMOS_INDEX, CMOS_REG_D);
	r = rep_insb(CMOS_DATA, buf, BULK);
	expect_regs("rep insb", r, (uint32_t)buf + BULK);
	for (uint32_t i = 0; i < BULK + 1; i++) {
		if (buf[i] != (i < BULK ? CMOS_VRT : 0)) {
			mb_say("FAIL rep insb: byte %u is 0x%x\n", i, buf[i]);
			fails++;
			break;
		}
	}
	r = rep_outsb(POST_PORT, buf, BULK);
	expect_regs("rep outsb to the POST port", r, (uint32_t)buf + BULK);
}

static int string_io(void)
{
	forwards_and_backwards();
	bulk();
	if (fails)
		return MB_EXIT_FAIL;
	mb_say("string I/O ok\n");
	return MB_EXIT_PASS;
}

static int ioapic(void)
{
	volatile uint32_t *regsel = (volatile uint32_t *)IOAPIC_REGSEL;
	volatile uint32_t *window = (volatile uint32_t *)IOAPIC_WINDOW;
	uint32_t v;

	*regsel = IOAPIC_REG_VERSION;
	v = *window;
	mb_say("I/O APIC version register 0x%08x: version 0x%x, %u redirection entries\n", v,
	       v & 0xff, ((v >> 16) & 0xff) + 1);
	return ((v >> 16) & 0xff) == 23 ? MB_EXIT_PASS : MB_EXIT_FAIL;
}

static int unclaimed(void)
{
	uint32_t v;

	mb_say("reading 0x%x, where no device is\n", UNCLAIMED);
	mb_console_flush();
	v = *(volatile uint32_t *)UNCLAIMED;
	mb_say("read 0x%x from 0x%x\n", v, UNCLAIMED);
	return MB_EXIT_PASS;
}

static const char *const how_names[] = { "string", "ioapic", "unclaimed", NULL };
static int (*const how_fns[])(void) = { string_io, ioapic, unclaimed };

int mb_main(void)
{
	uint32_t how;

	if (mb_arg_choice("how", how_names, &how))
		return MB_EXIT_SETUP;
	return how_fns[how]();
}
