/*
 * console_fake.h - captures console output in host tests.
 *
 * Context: host tests only.
 */
#ifndef PAGODA_CONSOLE_FAKE_H
#define PAGODA_CONSOLE_FAKE_H

#include <stddef.h>

void fake_console_reset(void);
/* Everything written since the last reset, NUL-terminated. */
const char *fake_console_text(void);

#endif
