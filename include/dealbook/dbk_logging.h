/*  dbk_logging.h - leveled log lines on stderr, one per line, with the
    service name: "2026-11-28T10:00:00.123Z I eventlog: started".

    A logger is a small value held by its owner (an actor's self_t), not a
    global, so that the all-in-one process logs each actor under its name.
*/
#ifndef DBK_LOGGING_H
#define DBK_LOGGING_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { DBK_LOG_ERROR = 0, DBK_LOG_WARNING, DBK_LOG_INFO, DBK_LOG_DEBUG } dbk_level_t;

typedef struct {
    char service[32];  /* name printed on every line */
    dbk_level_t level; /* lines above this are dropped */
} dbk_logger_t;

/*  Parse "error", "warning", "info", "debug"; -1 for anything else. */
int dbk_level_parse (const char *s);

void dbk_logger_init (dbk_logger_t *lg, const char *service, dbk_level_t level);

/*  Write one line (printf format; a trailing newline is added). */
void dbk_logf (const dbk_logger_t *lg, dbk_level_t level, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

#ifdef __cplusplus
}
#endif
#endif
