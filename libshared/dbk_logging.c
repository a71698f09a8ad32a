/*  dbk_logging.c - leveled log lines on stderr. */
#include "dealbook/dbk_logging.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const s_names[] = {"error", "warning", "info", "debug"};

int dbk_level_parse (const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s && strcmp (s, s_names[i]) == 0)
            return i;
    return -1;
}

void dbk_logger_init (dbk_logger_t *lg, const char *service, dbk_level_t level)
{
    snprintf (lg->service, sizeof lg->service, "%s", service);
    lg->level = level;
}

void dbk_logf (const dbk_logger_t *lg, dbk_level_t level, const char *fmt, ...)
{
    if (level > lg->level)
        return;
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r (&ts.tv_sec, &tm);
    char line[1024];
    int n = snprintf (line, sizeof line,
                      "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %c %s: ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                      ts.tv_nsec / 1000000, "EWID"[level], lg -> service);
    va_list ap;
    va_start (ap, fmt);
    if (n > 0 && (size_t) n < sizeof line)
        vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
    va_end (ap);
    /*  one write per line so lines of concurrent actors do not interleave */
    fprintf (stderr, "%s\n", line);
}
