/*
 * vmisc.c - POST port, empty PCI configuration space, a minimal i8042,
 * System Control Port A and the isa-debug-exit test port.
 *
 * None of these keep time or raise interrupts; what matters is that each
 * answers the way a guest's probe expects (Linux's pci_check_type1 and
 * i8042_controller_check/selftest, its reboot methods "kbd", "pci" and
 * the 0x92 fast reset) and that a reset or exit request reaches Pagoda.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vmisc: " fmt

#include "errcode.h"
#include "log.h"
#include "vmisc.h"

static void machine_reset(struct vmisc *m, const char *why)
{
	m->resets++;
	pr_info_ratelimited("guest reset via %s\n", why);
	if (m->reset)
		m->reset(m->ctx);
}

/* Port 0x80: firmware and Linux's io_delay write here; keep the last code. */
static int post_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct vmisc *m = dev;

	m->post_code = (uint8_t)val;
	m->post_writes++;
	return 0;
}

/* 0xcf8-0xcff: a host bridge with no device on any bus. */
static int pci_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct vmisc *m = dev;

	if (port == VMISC_PORT_PCI_ADDR && size == 4)
		*val = m->pci_addr;
	else if (port == VMISC_PORT_PCI_RESET && size == 1)
		*val = m->pci_reset;
	else
		*val = 0xffffffff; /* config data of a missing device: all ones */
	return 0;
}

static int pci_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct vmisc *m = dev;

	if (port == VMISC_PORT_PCI_ADDR && size == 4) {
		m->pci_addr = val & PCI_CONF1_ADDR_MASK;
	} else if (port == VMISC_PORT_PCI_RESET && size == 1) {
		bool rising = (val & PCI_RESET_CPU) && !(m->pci_reset & PCI_RESET_CPU);

		m->pci_reset = val & PCI_RESET_MASK & (uint8_t)~PCI_RESET_CPU;
		if (rising)
			machine_reset(m, "0xcf9");
	}
	/* Data writes to no device, and byte writes to 0xcf8/0xcfa/0xcfb, go nowhere. */
	return 0;
}

static void kbd_output(struct vmisc *m, uint8_t byte)
{
	m->kbd_out = byte;
	m->kbd_status |= I8042_STR_OBF;
}

static void cmd_read_ctr(struct vmisc *m, uint8_t cmd)
{
	kbd_output(m, m->kbd_ctr);
}

/* 0x60 and 0xd1: the next byte on port 0x60 is their parameter. */
static void cmd_wait_param(struct vmisc *m, uint8_t cmd)
{
	m->kbd_wait_data = cmd;
}

/* 0xa7/0xa8 and 0xad/0xae: disable or enable a port, a bit of the command byte. */
static void cmd_port_enable(struct vmisc *m, uint8_t cmd)
{
	bool aux = cmd == I8042_CMD_AUX_DISABLE || cmd == I8042_CMD_AUX_ENABLE;
	bool disable = cmd == I8042_CMD_AUX_DISABLE || cmd == I8042_CMD_KBD_DISABLE;
	uint8_t bit = aux ? I8042_CTR_AUXDIS : I8042_CTR_KBDDIS;

	m->kbd_ctr = disable ? m->kbd_ctr | bit : m->kbd_ctr & (uint8_t)~bit;
}

static void cmd_self_test(struct vmisc *m, uint8_t cmd)
{
	m->kbd_status |= I8042_STR_SYSFLAG;
	kbd_output(m, I8042_RET_CTL_TEST);
}

static void cmd_kbd_test(struct vmisc *m, uint8_t cmd)
{
	kbd_output(m, 0x00); /* the clock and data lines are fine */
}

static void cmd_read_output(struct vmisc *m, uint8_t cmd)
{
	kbd_output(m, m->kbd_outport);
}

static const struct {
	uint8_t cmd;
	void (*fn)(struct vmisc *m, uint8_t cmd);
} kbd_cmds[] = {
	{ I8042_CMD_CTL_RCTR, cmd_read_ctr },	    { I8042_CMD_CTL_WCTR, cmd_wait_param },
	{ I8042_CMD_WRITE_OUTPUT, cmd_wait_param }, { I8042_CMD_AUX_DISABLE, cmd_port_enable },
	{ I8042_CMD_AUX_ENABLE, cmd_port_enable },  { I8042_CMD_KBD_DISABLE, cmd_port_enable },
	{ I8042_CMD_KBD_ENABLE, cmd_port_enable },  { I8042_CMD_CTL_TEST, cmd_self_test },
	{ I8042_CMD_KBD_TEST, cmd_kbd_test },	    { I8042_CMD_READ_OUTPUT, cmd_read_output },
};

/* The controller's own commands on 0x64; others (the AUX ones too) are ignored. */
static void kbd_command(struct vmisc *m, uint8_t cmd)
{
	m->kbd_status |= I8042_STR_CMDDAT;
	m->kbd_wait_data = 0;
	if (cmd >= I8042_CMD_PULSE_BASE && !(cmd & I8042_OUT_RESET)) {
		machine_reset(m, "i8042 reset pulse");
		return;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(kbd_cmds); i++) {
		if (kbd_cmds[i].cmd == cmd) {
			kbd_cmds[i].fn(m, cmd);
			return;
		}
	}
}

/* Port 0x60: a command's parameter, or a byte for the keyboard (absent). */
static void kbd_data(struct vmisc *m, uint8_t val)
{
	uint8_t cmd = m->kbd_wait_data;

	m->kbd_status &= (uint8_t)~I8042_STR_CMDDAT;
	m->kbd_wait_data = 0;
	if (cmd == I8042_CMD_CTL_WCTR) {
		m->kbd_ctr = val;
		m->kbd_status = (m->kbd_status & (uint8_t)~I8042_STR_SYSFLAG) |
				(val & I8042_CTR_SYSFLAG);
	} else if (cmd == I8042_CMD_WRITE_OUTPUT) {
		m->kbd_outport = val;
		if (!(val & I8042_OUT_RESET))
			machine_reset(m, "i8042 output port");
	}
}

static int kbd_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct vmisc *m = dev;

	if (port == VMISC_PORT_KBD_CMD) {
		*val = m->kbd_status;
	} else {
		*val = m->kbd_out; /* an empty buffer reads the stale byte */
		m->kbd_status &= (uint8_t)~I8042_STR_OBF;
	}
	return 0;
}

static int kbd_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct vmisc *m = dev;

	if (port == VMISC_PORT_KBD_CMD)
		kbd_command(m, (uint8_t)val);
	else
		kbd_data(m, (uint8_t)val);
	return 0;
}

static int port92_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct vmisc *m = dev;

	*val = m->port92;
	return 0;
}

static int port92_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct vmisc *m = dev;

	m->port92 = (uint8_t)val & (uint8_t)~SYS_CTRL_A_RESET;
	if (val & SYS_CTRL_A_RESET)
		machine_reset(m, "port 0x92");
	return 0;
}

static int debug_exit_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	*val = 0; /* as QEMU's isa-debug-exit */
	return 0;
}

/* Any write, at any of the four ports and of any size: exit with (v << 1) | 1. */
static int debug_exit_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct vmisc *m = dev;
	int status = (int)((val << 1) | 1);

	pr_info_ratelimited("guest wrote 0x%x to the test-exit port: status %d\n", val,
			    status);
	if (m->exit)
		m->exit(m->ctx, status);
	return 0;
}

static void vmisc_reset(struct vmisc *m)
{
	m->post_code = 0;
	m->post_writes = 0;
	m->pci_addr = 0;
	m->pci_reset = 0;
	m->port92 = SYS_CTRL_A_A20;
	/* As PC firmware leaves it: POST passed, keyboard on, translation on. */
	m->kbd_ctr = I8042_CTR_KBDINT | I8042_CTR_SYSFLAG | I8042_CTR_XLATE;
	m->kbd_outport = I8042_OUT_RESET | I8042_OUT_A20;
	m->kbd_out = 0;
	m->kbd_status = I8042_STR_SYSFLAG | I8042_STR_KEYLOCK;
	m->kbd_wait_data = 0;
	m->resets = 0;
}

int vmisc_attach(struct vdev_table *t, struct vmisc *m, vmisc_reset_fn reset, vmisc_exit_fn exit,
		 void *ctx)
{
	const struct pio_handler h[] = {
		{ "post", VMISC_PORT_POST, 1, NULL, post_write, m },
		{ "pci-conf1", VMISC_PORT_PCI_ADDR, 8, pci_read, pci_write, m },
		{ "i8042-data", VMISC_PORT_KBD_DATA, 1, kbd_read, kbd_write, m },
		{ "i8042-cmd", VMISC_PORT_KBD_CMD, 1, kbd_read, kbd_write, m },
		{ "sys-ctrl-a", VMISC_PORT_SYS_CTRL_A, 1, port92_read, port92_write, m },
		{ "debug-exit", VMISC_PORT_DEBUG_EXIT, VMISC_DEBUG_EXIT_PORTS, debug_exit_read,
		  debug_exit_write, m },
	};
	int err;

	m->reset = reset;
	m->exit = exit;
	m->ctx = ctx;
	vmisc_reset(m);
	for (unsigned int i = 0; i < ARRAY_SIZE(h); i++) {
		err = vdev_register_pio(t, &h[i]);
		if (err)
			return err;
	}
	return 0;
}
