/*-------------------------------------------------------------------------
 *
 * log.c
 *	  Log lines on standard error
 *
 * One line per event, written with a single write() so that lines of
 * concurrent threads never interleave; UTC timestamps, the level, the text.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

bool		log_verbose = false;

/* Write one log line: "2026-11-27T08:00:00.123Z level: text" */
void
log_line(const char *level, const char *fmt,...)
{
	char		line[1024];
	struct timespec now;
	struct tm	tm;
	size_t		len;
	va_list		ap;
	int			n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	len += snprintf(line + len, sizeof(line) - len, ".%03ldZ %s: ",
					now.tv_nsec / 1000000, level);
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	len = n < 0 ? len : (len + n >= sizeof(line) - 1 ? sizeof(line) - 2 : len + n);
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0)
		return;					/* nowhere left to say it */
}
