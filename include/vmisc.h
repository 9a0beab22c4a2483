/*
 * vmisc.h - the small ISA odds and ends a PC guest touches: the POST code
 * port 0x80, PCI configuration mechanism #1 with no devices behind it
 * (0xcf8-0xcff, including the reset control register 0xcf9), a minimal
 * i8042 keyboard controller (0x60/0x64), System Control Port A (0x92)
 * and QEMU's isa-debug-exit test port (0xf4, 4 ports).
 *
 * Four ways to reset the machine end in one callback: i8042 command 0xfe
 * (or any output-port pulse of the reset line, or an output-port write
 * with bit 0 clear), 0x92 bit 0, and 0xcf9 with RST_CPU. A write of v to
 * the test port ends the guest with status (v << 1) | 1, as QEMU does.
 *
 * The i8042 is a PS/2 controller with both ports and nothing plugged in,
 * as on a PC without keyboard and mouse. It answers its own commands
 * (self test 0x55, command byte, interface tests, output port), echoes
 * 0xd2/0xd3 bytes as if from the keyboard/AUX device, and answers every
 * byte sent to a device with 0xfe and the TIMEOUT status bit (plus
 * AUXDATA for the AUX port): the transmission found no device. It drives
 * ISA IRQ 1 while a keyboard-side byte waits in the output buffer and
 * the command byte's KBDINT is set, IRQ 12 likewise for an AUX byte and
 * AUXINT; reading port 0x60 lowers the line. So a guest driver finds the
 * controller and both ports, then no devices, without waiting out a
 * timeout of its own.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VMISC_H
#define PAGODA_VMISC_H

#include "types.h"
#include "vdev.h"

struct virq;

#define VMISC_PORT_POST 0x80
#define VMISC_PORT_KBD_DATA 0x60
#define VMISC_PORT_KBD_CMD 0x64 /* write: command; read: status */
#define VMISC_PORT_SYS_CTRL_A 0x92
#define VMISC_PORT_PCI_ADDR 0xcf8
#define VMISC_PORT_PCI_RESET 0xcf9 /* byte access only */
#define VMISC_PORT_PCI_DATA 0xcfc
#define VMISC_PORT_DEBUG_EXIT 0xf4
#define VMISC_DEBUG_EXIT_PORTS 4

#define PCI_CONF1_ENABLE 0x80000000u
#define PCI_CONF1_ADDR_MASK 0x80fffffcu /* reserved bits 30:24 and 1:0 read 0 */
#define PCI_RESET_SYS 0x02 /* 0xcf9: full reset rather than soft */
#define PCI_RESET_CPU 0x04 /* 0xcf9: a 0 -> 1 write resets */
#define PCI_RESET_MASK 0x0e

#define SYS_CTRL_A_RESET 0x01 /* 0x92: fast reset */
#define SYS_CTRL_A_A20 0x02

/* i8042 status register and commands (Linux drivers/input/serio/i8042.h names). */
#define I8042_STR_OBF 0x01
#define I8042_STR_IBF 0x02
#define I8042_STR_SYSFLAG 0x04
#define I8042_STR_CMDDAT 0x08 /* the last write went to the command port */
#define I8042_STR_KEYLOCK 0x10 /* 1: keyboard not inhibited */
#define I8042_STR_AUXDATA 0x20 /* the output buffer's byte came from the AUX port */
#define I8042_STR_TIMEOUT 0x40 /* the last byte sent to a device got no answer */
#define I8042_CMD_CTL_RCTR 0x20
#define I8042_CMD_CTL_WCTR 0x60
#define I8042_CMD_AUX_DISABLE 0xa7
#define I8042_CMD_AUX_ENABLE 0xa8
#define I8042_CMD_AUX_TEST 0xa9
#define I8042_CMD_CTL_TEST 0xaa
#define I8042_CMD_KBD_TEST 0xab
#define I8042_CMD_KBD_DISABLE 0xad
#define I8042_CMD_KBD_ENABLE 0xae
#define I8042_CMD_READ_OUTPUT 0xd0
#define I8042_CMD_WRITE_OUTPUT 0xd1
#define I8042_CMD_KBD_LOOP 0xd2 /* the next data byte comes back as keyboard input */
#define I8042_CMD_AUX_LOOP 0xd3 /* the next data byte comes back as AUX input */
#define I8042_CMD_AUX_SEND 0xd4 /* the next data byte goes to the AUX device */
#define I8042_CMD_PULSE_BASE 0xf0 /* 0xf0-0xff: pulse the output lines whose bit is 0 */
#define I8042_RET_CTL_TEST 0x55
#define I8042_RET_PORT_OK 0x00 /* 0xa9/0xab: clock and data lines fine */
#define I8042_RET_TIMEOUT 0xfe /* in place of a device's answer, with I8042_STR_TIMEOUT */
#define I8042_CTR_KBDINT 0x01
#define I8042_CTR_AUXINT 0x02
#define I8042_CTR_SYSFLAG 0x04
#define I8042_CTR_KBDDIS 0x10
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE 0x40
#define I8042_OUT_RESET 0x01 /* output port bit 0: the CPU reset line, active low */
#define I8042_OUT_A20 0x02
#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12
#define I8042_NR_PORTS 2 /* keyboard, AUX: one IRQ output each */

typedef void (*vmisc_reset_fn)(void *ctx);
typedef void (*vmisc_exit_fn)(void *ctx, int status);

struct vmisc {
	uint8_t post_code; /* the last byte written to port 0x80 */
	uint64_t post_writes;
	uint32_t pci_addr; /* 0xcf8 */
	uint8_t pci_reset; /* 0xcf9 */
	uint8_t port92;
	/* i8042 */
	uint8_t kbd_ctr; /* the controller command byte */
	uint8_t kbd_outport;
	uint8_t kbd_out; /* output buffer, valid while OBF */
	uint8_t kbd_status;
	uint8_t kbd_wait_data; /* a command whose parameter byte is due on 0x60, or 0 */
	bool kbd_irq_level[I8042_NR_PORTS]; /* IRQ 1 and IRQ 12 as last driven */
	struct virq *router; /* may be NULL: no interrupts */
	vmisc_reset_fn reset;
	vmisc_exit_fn exit;
	void *ctx;
	uint64_t resets; /* reset requests seen */
};

/*
 * vmisc_attach: reset the devices and claim their ports. The i8042's
 * IRQs 1 and 12 go to `router` (NULL: none). reset(ctx) is called when
 * the guest resets the machine, exit(ctx, status) when it writes the
 * test port; either may be NULL. -E* from registration.
 */
int vmisc_attach(struct vdev_table *t, struct vmisc *m, struct virq *router, vmisc_reset_fn reset,
		 vmisc_exit_fn exit, void *ctx);

#endif
