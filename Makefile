# Pagoda: one non-recursive Makefile.
#
#   make          build/pagoda.elf (multiboot2)
#   make iso      build/pagoda.iso (GRUB, BIOS boot, serial console)
#   make run      boot Pagoda + the test Linux guest, serial line on this
#                 terminal (EMU=qemu|bochs; GUEST=none: no guest)
#   make bench    guest boot time to /init in Bochs, bare vs under Pagoda
#   make test     every test tier; ends with "N passed, M failed"
#   make unit     host unit tests only (cmocka, ASan/UBSan)
#
# Each directory lists its sources below. *_PURE sources have no inline
# assembly and no direct hardware access: they build into the image and
# into the host unit tests. *_IMAGE sources build into the image only.

BUILD := build
# V=1 shows full command lines.
Q := $(if $(V),,@)
CC := gcc
HOSTCC := gcc
LD := ld

BOOT_PURE := boot/mb2.c boot/cmdline.c boot/options.c
BOOT_IMAGE := boot/head.S boot/isr.S boot/main.c boot/gdt.c boot/traps.c
LIB_PURE := lib/parse.c lib/log.c lib/errcode.c
LIB_LIBC := lib/string.c lib/printf.c
MM_PURE := mm/frame.c mm/kalloc.c mm/pt.c mm/gmem.c
MM_IMAGE := mm/paging.c
DRIVERS_PURE := drivers/uart.c drivers/acpi.c drivers/tsc.c drivers/lapic.c \
	drivers/pit.c drivers/power.c
DRIVERS_IMAGE := drivers/hw_x86.c drivers/console.c drivers/pic.c
SHELL_PURE := shell/shell.c shell/line.c shell/cmd_core.c
VMX_PURE := vmx/caps.c vmx/cpu_cmd.c vmx/vmcs.c vmx/vmcs_setup.c vmx/exit.c vmx/exit_cr.c vmx/cpuid.c vmx/msr.c vmx/vm.c vmx/mmio.c vmx/insn.c vmx/guest_mem.c
VMX_IMAGE := vmx/entry.S vmx/vmx_hw.c vmx/host_state.c vmx/launch.c vmx/run.c
EPT_PURE := ept/ept.c ept/fault.c
SHADOW_PURE :=
APF_PURE :=
GUEST_PURE := guest/guest.c guest/multiboot.c guest/vdev.c guest/vpic.c guest/vpit.c guest/linux.c guest/vlapic.c guest/vintr.c guest/console.c guest/vuart.c guest/vcmos.c guest/vmisc.c guest/platform.c guest/vpm.c guest/acpi_tables.c guest/vioapic.c guest/virq.c
GUEST_IMAGE :=

PURE_SRCS := $(BOOT_PURE) $(LIB_PURE) $(MM_PURE) $(DRIVERS_PURE) $(SHELL_PURE) \
	$(VMX_PURE) $(EPT_PURE) $(SHADOW_PURE) $(APF_PURE) $(GUEST_PURE)
IMAGE_SRCS := $(PURE_SRCS) $(LIB_LIBC) $(BOOT_IMAGE) $(MM_IMAGE) \
	$(DRIVERS_IMAGE) $(VMX_IMAGE) $(GUEST_IMAGE)
FAKE_SRCS := $(wildcard tests/fake/*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(wildcard tests/unit/test_*.c))

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS := -std=gnu11 -O2 -g $(WARN) -Iinclude -ffreestanding -fno-builtin \
	-nostdlib -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-mcmodel=small -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -DPAGODA_VERSION='"$(VERSION)"'
ASFLAGS := -Iinclude -D__ASSEMBLY__ -fno-pic -fno-pie
LDFLAGS := -nostdlib -static -no-pie -Wl,-T,linker.ld -Wl,-z,max-page-size=0x1000 \
	-Wl,--build-id=none -Wl,-z,noexecstack

HOSTCFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -Itests/fake \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -DPAGODA_VERSION='"host"' -DPAGODA_HOST
HOSTLDFLAGS := -fsanitize=address,undefined
HOSTLIBS := -lcmocka

IMAGE_OBJS := $(patsubst %,$(BUILD)/image/%.o,$(IMAGE_SRCS))
HOST_OBJS := $(patsubst %,$(BUILD)/host/obj/%.o,$(PURE_SRCS) $(FAKE_SRCS))

.PHONY: all iso run bench test unit clean deps guest FORCE
# Shared by every test binary: never delete them as intermediates.
.SECONDARY:
all: $(BUILD)/pagoda.elf

$(BUILD)/image/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/image/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(ASFLAGS) -MMD -MP -c $< -o $@

# The version string is baked into cmd_core.o; this stamp changes only
# when `git describe` does, so a new commit rebuilds that one object.
$(BUILD)/version: FORCE
	@mkdir -p $(dir $@)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(BUILD)/image/shell/cmd_core.c.o: $(BUILD)/version
FORCE:

$(BUILD)/pagoda.elf: $(IMAGE_OBJS) linker.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(IMAGE_OBJS) -lgcc
	@grub-file --is-x86-multiboot2 $@ 2>/dev/null || \
		{ command -v grub-file >/dev/null && { echo "$@: not multiboot2" >&2; exit 1; } || true; }

# Host unit tests: pure sources and fakes in one archive; each test file
# is one binary. lib/string.c and lib/printf.c replace the C library in
# the image, so their tests build them under other names (see tests/unit).
$(BUILD)/host/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/host/libpagoda.a: $(HOST_OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^
$(BUILD)/host/ren/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -fno-builtin -include tests/unit/libc_rename.h -c $< -o $@
$(BUILD)/host/test_%: tests/unit/test_%.c $(BUILD)/host/libpagoda.a \
		$(BUILD)/host/ren/string.o $(BUILD)/host/ren/printf.o
	@echo "  TEST    $@"
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -MMD -MP -o $@ $< $(BUILD)/host/ren/string.o \
		$(BUILD)/host/ren/printf.o $(BUILD)/host/libpagoda.a $(HOSTLDFLAGS) $(HOSTLIBS)

unit: $(UNIT_TESTS)
	@scripts/run-unit.sh $(UNIT_TESTS)

# ISO: GRUB with the image and no guest (Pagoda's shell; the shell tiers
# boot it). mkiso.sh keeps an ISO whose inputs (PAGODA_CMDLINE too) did not
# change, so it is always called. `make run` builds build/pagoda-linux.iso.
GRUB_CFG := $(BUILD)/iso/boot/grub/grub.cfg
iso: $(BUILD)/pagoda.elf
	scripts/mkiso.sh $(BUILD)/pagoda.iso $(BUILD)/pagoda.elf "$(PAGODA_CMDLINE)"

deps:
	@scripts/deps.sh build

# make run: Pagoda with the test Linux as its guest (built once, cached);
# GUEST=none boots Pagoda alone. EMU=qemu|bochs picks the emulator.
run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory all
	@PAGODA_CMDLINE="$(PAGODA_CMDLINE)" scripts/run.sh \
		$(if $(filter none,$(GUEST)),--no-guest) $(EMU)

# Boot time to /init in Bochs, bare vs under Pagoda (figures, no asserts).
# BENCH_ARGS="--debian" adds Debian's stock kernel.
bench:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all
	@scripts/bench-boot.py $(BENCH_ARGS)

test:
	@scripts/deps.sh test
	@scripts/test.sh

clean:
	rm -rf $(BUILD)

-include $(IMAGE_OBJS:.o=.d) $(HOST_OBJS:.o=.d) $(UNIT_TESTS:=.d)
