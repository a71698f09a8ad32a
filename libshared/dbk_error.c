/*  dbk_error.c - error codes, their messages and their wire names. */
#include "dealbook/dbk_error.h"

#include <string.h>

typedef struct {
    int code;         /* the DBK_E* value        */
    const char *wire; /* stable name on the wire */
    const char *text; /* message for humans      */
} s_err_t;

static const s_err_t s_errors[] = {
    {DBK_OK, "OK", "DBK_OK: success"},
    {DBK_EINVAL, "INVALID", "DBK_EINVAL: invalid field"},
    {DBK_EMALFORMED, "MALFORMED", "DBK_EMALFORMED: malformed message"},
    {DBK_ETOOBIG, "TOO_LARGE", "DBK_ETOOBIG: size limit exceeded"},
    {DBK_ECONFLICT, "WRONG_EXPECTED_VERSION", "DBK_ECONFLICT: wrong expected version"},
    {DBK_EIDCONFLICT, "ID_CONFLICT", "DBK_EIDCONFLICT: event id conflict"},
    {DBK_ENOSPC, "DISK_FULL", "DBK_ENOSPC: no space left on the disk"},
    {DBK_EIO, "STORAGE", "DBK_EIO: storage error"},
    {DBK_ENOMEM, "NO_MEMORY", "DBK_ENOMEM: out of memory"},
    {DBK_ENOTFOUND, "NOT_FOUND", "DBK_ENOTFOUND: not found"},
    {DBK_ETIMEOUT, "UNREACHABLE", "DBK_ETIMEOUT: no answer in time (service unreachable?)"},
    {DBK_ECORRUPT, "CORRUPT", "DBK_ECORRUPT: stored data fails its checks"},
    {DBK_EUNKNOWN_OP, "UNKNOWN_OP", "DBK_EUNKNOWN_OP: unknown operation"},
    {DBK_EVERSION, "UNSUPPORTED_VERSION", "DBK_EVERSION: unsupported protocol version"},
    {DBK_EMAPFULL, "STORAGE", "DBK_EMAPFULL: storage map full"},
    {DBK_EBUSY, "BUSY", "DBK_EBUSY: busy with another job"},
    {DBK_EINTERRUPTED, "INTERRUPTED", "DBK_EINTERRUPTED: interrupted"},
    {DBK_EREJECTED, "REJECTED", "DBK_EREJECTED: a business rule forbids it"},
    {DBK_EDUPLICATE, "DUPLICATE", "DBK_EDUPLICATE: it exists already"},
};

#define S_NERR (sizeof s_errors / sizeof s_errors[0])

static const s_err_t *s_find (int code)
{
    for (size_t i = 0; i < S_NERR; i++)
        if (s_errors[i].code == code)
            return &s_errors[i];
    return NULL;
}

const char *dbk_strerror (int code)
{
    const s_err_t *e = s_find (code);
    return e ? e->text : "DBK_EUNKNOWN: unknown error code";
}

const char *dbk_err_wire_name (int code)
{
    const s_err_t *e = s_find (code);
    return e ? e->wire : "STORAGE";
}

int dbk_err_from_wire (const char *name, size_t len)
{
    for (size_t i = 0; i < S_NERR; i++)
        if (strlen (s_errors[i].wire) == len && memcmp (s_errors[i].wire, name, len) == 0)
            return s_errors[i].code;
    return DBK_EIO;
}
