/*  dbk_error.h - error values shared by every dealbook module.

    Functions return 0 on success or one of these negative codes. Each code
    has a stable wire name (used in protocol ERROR replies, see
    docs/protocol.md) and a message that starts with the symbol.
*/
#ifndef DBK_ERROR_H
#define DBK_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DBK_OK = 0,
    DBK_EINVAL = -1,        /* a field is missing, malformed or out of range   */
    DBK_EMALFORMED = -2,    /* bytes are not a well-formed message             */
    DBK_ETOOBIG = -3,       /* a size limit was exceeded                       */
    DBK_ECONFLICT = -4,     /* wrong expected version                          */
    DBK_EIDCONFLICT = -5,   /* event id already stored elsewhere / mixed batch */
    DBK_ENOSPC = -6,        /* the disk (or file size limit) is full           */
    DBK_EIO = -7,           /* storage failed for another reason               */
    DBK_ENOMEM = -8,        /* out of memory                                   */
    DBK_ENOTFOUND = -9,     /* no such thing                                   */
    DBK_ETIMEOUT = -10,     /* no answer in time: the peer is unreachable      */
    DBK_ECORRUPT = -11,     /* stored data fails its checks                    */
    DBK_EUNKNOWN_OP = -12,  /* the request names no known operation            */
    DBK_EVERSION = -13,     /* unsupported protocol version                    */
    DBK_EMAPFULL = -14,     /* internal: the LMDB map must grow (never on wire) */
    DBK_EBUSY = -15,        /* the service is busy with a conflicting job      */
    DBK_EINTERRUPTED = -16, /* interrupted by a signal / shutdown             */
    DBK_EREJECTED = -17,    /* a business rule forbids it (state, transition) */
    DBK_EDUPLICATE = -18    /* it exists already (same id, same name, ...)    */
} dbk_err_t;

/*  The last (most negative) code: every code lies in DBK_ELAST..DBK_OK. */
#define DBK_ELAST DBK_EDUPLICATE

/*  Human message for a code, starting with its symbol, e.g.
    "DBK_ECONFLICT: wrong expected version". Never NULL; static storage. */
const char *dbk_strerror (int code);

/*  Stable wire name for a code, e.g. "WRONG_EXPECTED_VERSION". Never NULL. */
const char *dbk_err_wire_name (int code);

/*  Code for a wire name; DBK_EIO for a name this build does not know. */
int dbk_err_from_wire (const char *name, size_t len);

#ifdef __cplusplus
}
#endif
#endif
