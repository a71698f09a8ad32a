/*  dbk_decide.c - a decider's result: events or one rejection. */
#include "dealbook/dbk_decide.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_mem.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NAME_MAX 256

typedef struct {
    char stream[S_NAME_MAX]; /* target stream              */
    char type[S_NAME_MAX];   /* event type                 */
    size_t start;            /* payload offset in `data`   */
} s_event_t;

struct dbk_decision {
    s_event_t *events;                      /* decided events             */
    size_t count;                           /* how many                   */
    size_t cap;                             /* capacity of events         */
    dbk_wr_t *data;                         /* payloads, back to back     */
    int code;                               /* rejection code (0: none)   */
    char field[DBK_DECISION_FIELD_MAX + 1]; /* rejected field             */
    char message[512];                      /* rejection sentence         */
};

dbk_decision_t *dbk_decision_new (void)
{
    dbk_decision_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->data = dbk_wr_new ();
    if (!self->data) {
        free (self);
        return NULL;
    }
    return self;
}

void dbk_decision_destroy (dbk_decision_t **self_p)
{
    if (self_p && *self_p) {
        dbk_wr_destroy (&(*self_p)->data);
        free ((*self_p)->events);
        free (*self_p);
        *self_p = NULL;
    }
}

void dbk_decision_reset (dbk_decision_t *self)
{
    self->count = 0;
    self->code = 0;
    self->field[0] = self->message[0] = 0;
    dbk_wr_reset (self->data);
}

dbk_wr_t *dbk_decision_event (dbk_decision_t *self, const char *stream, const char *type)
{
    assert (!self->code);
    assert (strlen (stream) < S_NAME_MAX && strlen (type) < S_NAME_MAX);
    if (dbk_grow (&self->events, &self->cap, self->count + 1, sizeof *self->events, 4))
        abort (); /* as the writer: no partial decisions */
    s_event_t *e = &self->events[self->count++];
    snprintf (e->stream, sizeof e->stream, "%s", stream);
    snprintf (e->type, sizeof e->type, "%s", type);
    e->start = dbk_wr_size (self->data);
    return self->data;
}

int dbk_decision_reject (dbk_decision_t *self, int code, const char *field, const char *fmt, ...)
{
    assert (code < 0);
    self->count = 0;
    dbk_wr_reset (self->data);
    self->code = code;
    snprintf (self->field, sizeof self->field, "%s", field ? field : "");
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (self->message, sizeof self->message, fmt, ap);
    va_end (ap);
    return code;
}

bool dbk_decision_rejected (const dbk_decision_t *self)
{
    return self->code != 0;
}

int dbk_decision_code (const dbk_decision_t *self)
{
    return self->code;
}

const char *dbk_decision_field (const dbk_decision_t *self)
{
    return self->field[0] ? self->field : NULL;
}

const char *dbk_decision_message (const dbk_decision_t *self)
{
    return self->message;
}

size_t dbk_decision_count (const dbk_decision_t *self)
{
    return self->count;
}

const char *dbk_decision_stream (const dbk_decision_t *self, size_t i)
{
    return i < self->count ? self->events[i].stream : NULL;
}

const char *dbk_decision_type (const dbk_decision_t *self, size_t i)
{
    return i < self->count ? self->events[i].type : NULL;
}

void dbk_decision_data (const dbk_decision_t *self, size_t i, const void **data, size_t *len)
{
    size_t end = i + 1 < self->count ? self->events[i + 1].start : dbk_wr_size (self->data);
    *data = (const uint8_t *) dbk_wr_data (self->data) + self->events[i].start;
    *len = end - self->events[i].start;
}
