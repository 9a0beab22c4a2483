/*
 * console.h - Pagoda's console: the serial line, as text in and out.
 *
 * Output is written synchronously (polled 16550 with its FIFO); "\n"
 * becomes "\r\n". Input is polled: console_getc() never blocks.
 *
 * Context: any Pagoda context.
 */
#ifndef PAGODA_CONSOLE_H
#define PAGODA_CONSOLE_H

#include "types.h"

void console_init(void);
/* console_getc: the next received byte, or -1 if none is waiting. */
int console_getc(void);
/* console_write_raw: bytes as they are (a guest's own output). */
void console_write_raw(const char *s, size_t n);
/* console_flush: wait until every byte has left the transmitter. */
void console_flush(void);

#endif
