/*
 * vmisc.c - POST port, empty PCI configuration space, an i8042 with no
 * devices plugged in, System Control Port A and the isa-debug-exit port.
 *
 * None of these keep time; what matters is that each answers the way a
 * guest's probe expects (Linux's pci_check_type1, its i8042 controller,
 * AUX and MUX probes, its reboot methods "kbd", "pci" and the 0x92 fast
 * reset) and that a reset or exit request reaches Pagoda. Only the i8042
 * raises interrupts: Linux's AUX probe waits 250 ms for IRQ 12 and drops
 * the port without it, and libps2 waits out 200 ms per byte unless the
 * "no device" answer arrives by interrupt.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vmisc: " fmt

#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "virq.h"
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

/* The 8042's two IRQ outputs: which bytes each reports and the CTR bit that enables it. */
static const struct {
	unsigned int irq;
	uint8_t auxdata; /* I8042_STR_AUXDATA of the bytes this output reports */
	uint8_t enable;
} kbd_irq_lines[I8042_NR_PORTS] = {
	{ I8042_KBD_IRQ, 0, I8042_CTR_KBDINT },
	{ I8042_AUX_IRQ, I8042_STR_AUXDATA, I8042_CTR_AUXINT },
};

/*
 * A line is high while a byte for its port waits and its interrupt is
 * enabled, as the 8042's output pins: one edge per byte, since the guest
 * must read 0x60 before the next byte can raise it again.
 */
static void kbd_update_irqs(struct vmisc *m)
{
	bool full = m->kbd_status & I8042_STR_OBF;
	uint8_t aux = m->kbd_status & I8042_STR_AUXDATA;

	for (unsigned int i = 0; i < I8042_NR_PORTS; i++) {
		bool level = full && aux == kbd_irq_lines[i].auxdata &&
			     (m->kbd_ctr & kbd_irq_lines[i].enable);

		if (level == m->kbd_irq_level[i])
			continue;
		m->kbd_irq_level[i] = level;
		if (m->router)
			virq_set_isa(m->router, kbd_irq_lines[i].irq, level);
	}
}

/*
 * Put a byte in the output buffer. `from` is 0 for the controller's own
 * answers and keyboard bytes, else AUXDATA and/or TIMEOUT, which describe
 * this byte: the previous byte's go. A byte nobody read is overwritten
 * (a real 8042 holds the new one back until the old is read): the probes
 * this serves read each answer before their next command.
 */
static void kbd_output_from(struct vmisc *m, uint8_t byte, uint8_t from)
{
	m->kbd_out = byte;
	m->kbd_status &= (uint8_t)~(I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
	m->kbd_status |= I8042_STR_OBF | from;
	kbd_update_irqs(m);
}

static void kbd_output(struct vmisc *m, uint8_t byte)
{
	kbd_output_from(m, byte, 0);
}

static void cmd_read_ctr(struct vmisc *m, uint8_t cmd)
{
	kbd_output(m, m->kbd_ctr);
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

/* 0xab and 0xa9: a port's clock and data lines are fine, with or without a device. */
static void cmd_port_test(struct vmisc *m, uint8_t cmd)
{
	kbd_output(m, I8042_RET_PORT_OK);
}

static void cmd_read_output(struct vmisc *m, uint8_t cmd)
{
	kbd_output(m, m->kbd_outport);
}

static void param_write_ctr(struct vmisc *m, uint8_t val)
{
	m->kbd_ctr = val;
	m->kbd_status = (m->kbd_status & (uint8_t)~I8042_STR_SYSFLAG) | (val & I8042_CTR_SYSFLAG);
	kbd_update_irqs(m); /* a waiting byte interrupts as soon as its port's bit is set */
}

static void param_write_output(struct vmisc *m, uint8_t val)
{
	m->kbd_outport = val;
	if (!(val & I8042_OUT_RESET))
		machine_reset(m, "i8042 output port");
}

/* 0xd2: the byte comes back as if the keyboard had sent it. */
static void param_kbd_loop(struct vmisc *m, uint8_t val)
{
	kbd_output_from(m, val, 0);
}

/* 0xd3: as if from the AUX device; Linux's i8042_check_aux and MUX probe rely on it. */
static void param_aux_loop(struct vmisc *m, uint8_t val)
{
	kbd_output_from(m, val, I8042_STR_AUXDATA);
}

/*
 * 0xd4: a byte for the AUX device. None is plugged in, so the controller
 * gives up on the transfer and says so: 0xfe with TIMEOUT, which Linux
 * turns into SERIO_TIMEOUT and psmouse into an aborted command at once.
 */
static void param_aux_send(struct vmisc *m, uint8_t val)
{
	kbd_output_from(m, I8042_RET_TIMEOUT, I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
}

/* A data byte with no command pending is for the keyboard, which is absent: as 0xd4. */
static void kbd_send(struct vmisc *m, uint8_t val)
{
	kbd_output_from(m, I8042_RET_TIMEOUT, I8042_STR_TIMEOUT);
}

/*
 * The controller's commands. `run` acts on the command byte; a command
 * with a `param` instead takes the next byte written to 0x60.
 */
struct kbd_cmd {
	uint8_t cmd;
	void (*run)(struct vmisc *m, uint8_t cmd);
	void (*param)(struct vmisc *m, uint8_t val);
};

static const struct kbd_cmd kbd_cmds[] = {
	{ I8042_CMD_CTL_RCTR, cmd_read_ctr, NULL },
	{ I8042_CMD_CTL_WCTR, NULL, param_write_ctr },
	{ I8042_CMD_AUX_DISABLE, cmd_port_enable, NULL },
	{ I8042_CMD_AUX_ENABLE, cmd_port_enable, NULL },
	{ I8042_CMD_AUX_TEST, cmd_port_test, NULL },
	{ I8042_CMD_CTL_TEST, cmd_self_test, NULL },
	{ I8042_CMD_KBD_TEST, cmd_port_test, NULL },
	{ I8042_CMD_KBD_DISABLE, cmd_port_enable, NULL },
	{ I8042_CMD_KBD_ENABLE, cmd_port_enable, NULL },
	{ I8042_CMD_READ_OUTPUT, cmd_read_output, NULL },
	{ I8042_CMD_WRITE_OUTPUT, NULL, param_write_output },
	{ I8042_CMD_KBD_LOOP, NULL, param_kbd_loop },
	{ I8042_CMD_AUX_LOOP, NULL, param_aux_loop },
	{ I8042_CMD_AUX_SEND, NULL, param_aux_send },
};

static const struct kbd_cmd *kbd_find_cmd(uint8_t cmd)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(kbd_cmds); i++)
		if (kbd_cmds[i].cmd == cmd)
			return &kbd_cmds[i];
	return NULL;
}

/* Port 0x64: the controller's own commands; unknown ones are ignored. */
static void kbd_command(struct vmisc *m, uint8_t cmd)
{
	const struct kbd_cmd *c = kbd_find_cmd(cmd);

	m->kbd_status |= I8042_STR_CMDDAT;
	m->kbd_wait_data = 0; /* a new command abandons one still waiting for its parameter */
	if (cmd >= I8042_CMD_PULSE_BASE && !(cmd & I8042_OUT_RESET))
		machine_reset(m, "i8042 reset pulse");
	else if (c && c->param)
		m->kbd_wait_data = cmd;
	else if (c)
		c->run(m, cmd);
}

/* Port 0x60: a command's parameter, or a byte for the keyboard. */
static void kbd_data(struct vmisc *m, uint8_t val)
{
	const struct kbd_cmd *c = m->kbd_wait_data ? kbd_find_cmd(m->kbd_wait_data) : NULL;

	m->kbd_status &= (uint8_t)~I8042_STR_CMDDAT;
	m->kbd_wait_data = 0;
	if (c)
		c->param(m, val);
	else
		kbd_send(m, val);
}

static int kbd_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct vmisc *m = dev;

	if (port == VMISC_PORT_KBD_CMD) {
		*val = m->kbd_status;
	} else {
		*val = m->kbd_out; /* an empty buffer reads the stale byte */
		/* AUXDATA goes with the byte; TIMEOUT reports the last transfer until the next byte. */
		m->kbd_status &= (uint8_t)~(I8042_STR_OBF | I8042_STR_AUXDATA);
		kbd_update_irqs(m);
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
	memset(m->kbd_irq_level, 0, sizeof(m->kbd_irq_level)); /* as the router starts */
	m->resets = 0;
}

int vmisc_attach(struct vdev_table *t, struct vmisc *m, struct virq *router, vmisc_reset_fn reset,
		 vmisc_exit_fn exit, void *ctx)
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

	m->router = router;
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
