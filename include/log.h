/*
 * log.h - Pagoda's one printf-like logging function and its macros.
 *
 * Each .c file may define pr_fmt(fmt) before including this header to give
 * its messages a prefix (e.g. "ept: " fmt). Messages a guest can trigger
 * use the _ratelimited forms so a misbehaving guest cannot flood the line.
 *
 * Context: pure, host-testable; output goes to console_write().
 */
#ifndef PAGODA_LOG_H
#define PAGODA_LOG_H

#include <stdarg.h>
#include "types.h"

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

extern int log_level;

/* log_printf: print when level <= log_level. Returns characters written. */
int log_printf(int level, const char *fmt, ...) __printf(2, 3);
int log_vprintf(int level, const char *fmt, va_list ap);
/* printk: unconditional output (shell replies, banners). */
int printk(const char *fmt, ...) __printf(1, 2);

/* console_write: the sink; the UART in the image, a buffer in host tests. */
void console_write(const char *s, size_t n);

/*
 * A rate limit: at most `burst` messages per `interval` calls of the
 * clock passed in. Pure so it can be tested; the clock is the TSC in the
 * image.
 */
struct ratelimit {
	uint64_t interval, begin;
	unsigned int burst, printed, missed;
};
bool ratelimit_ok(struct ratelimit *rl, uint64_t now);
uint64_t log_clock(void);

#define pr_err(fmt, ...) log_printf(LOG_ERR, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) log_printf(LOG_WARN, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) log_printf(LOG_INFO, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_printf(LOG_DEBUG, pr_fmt(fmt), ##__VA_ARGS__)

/* ~1 s worth of TSC at 2 GHz is plenty for "a few lines per burst". */
#define RATELIMIT_INTERVAL 2000000000ULL
#define RATELIMIT_BURST 10

#define pr_ratelimited(level, fmt, ...)                                      \
	({                                                                   \
		static struct ratelimit _rl = { RATELIMIT_INTERVAL, 0,        \
						RATELIMIT_BURST, 0, 0 };      \
		if (ratelimit_ok(&_rl, log_clock()))                         \
			log_printf(level, pr_fmt(fmt), ##__VA_ARGS__);       \
	})
#define pr_warn_ratelimited(fmt, ...) pr_ratelimited(LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info_ratelimited(fmt, ...) pr_ratelimited(LOG_INFO, fmt, ##__VA_ARGS__)

/* CHECK: Pagoda's own invariants only; never for guest input. */
void __noreturn panic(const char *fmt, ...) __printf(1, 2);
#define CHECK(cond)                                                          \
	do {                                                                 \
		if (unlikely(!(cond)))                                       \
			panic("CHECK failed: %s at %s:%d", #cond, __FILE__,  \
			      __LINE__);                                     \
	} while (0)

#endif
