/*
 * log.c - leveled logging to the console, and the rate limiter.
 *
 * Messages are formatted into a bounded stack buffer; an over-long message
 * is cut and ends in "...". Newlines are turned into CR LF by the console.
 *
 * Context: pure, host-testable; callable from any Pagoda context.
 */
#include "lib.h"
#include "log.h"

#define LOG_LINE_MAX 512

int log_level = LOG_INFO;

int log_vprintf(int level, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];
	int n;

	if (level > log_level)
		return 0;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf)) {
		memcpy(buf + sizeof(buf) - 5, "...\n", 5);
		n = sizeof(buf) - 1;
	}
	console_write(buf, (size_t)n);
	return n;
}

int log_printf(int level, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = log_vprintf(level, fmt, ap);
	va_end(ap);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = log_vprintf(LOG_ERR, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * ratelimit_ok: true if a message may be printed now. When a new interval
 * starts after messages were suppressed, says how many were.
 */
bool ratelimit_ok(struct ratelimit *rl, uint64_t now)
{
	if (rl->begin == 0 || now - rl->begin >= rl->interval) {
		if (rl->missed)
			log_printf(LOG_WARN, "(%u messages suppressed)\n", rl->missed);
		rl->begin = now ? now : 1;
		rl->printed = 0;
		rl->missed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->missed++;
	return false;
}
