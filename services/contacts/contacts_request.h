/*  contacts_request.h - internal to the contacts service: fields of a
    request and paged lists, shared by its command and query files. */
#ifndef CONTACTS_REQUEST_H
#define CONTACTS_REQUEST_H

#include "contacts_decider.h"

#include "dealbook/dbk_service.h"

#define CONTACTS_PAGE_DEFAULT 50 /* items of a list page without `limit` */
#define CONTACTS_PAGE_MAX 500    /* the largest `limit`                   */

/*  An id field as a NUL-terminated string; false when missing, not text or
    not an id (contacts_id_valid: too long, or holding a NUL, a control
    character or a space); the caller rejects naming the field. */
bool contacts_req_id (const dbk_obj_t *req, const char *key, char out[CONTACTS_ID_MAX + 1]);

/*  An optional text field trimmed of ASCII blanks, NUL-terminated into out;
    false when absent, empty or too long. */
bool contacts_req_text (const dbk_obj_t *req, const char *key, char *out, size_t outsz);

/*  The id of a new aggregate: the request's "id", or one derived from the
    command id (the same on every retry). False after rejecting into d. */
bool contacts_req_new_id (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, dbk_decision_t *d,
                          char out[CONTACTS_ID_MAX + 1]);

/*  The stored value of `id` in the named database: 0, DBK_ENOTFOUND,
    DBK_EIO. */
int contacts_req_get_raw (dbk_svc_ctx_t *ctx, MDB_txn *txn, const char *db, const char *id,
                          MDB_val *v);

#define CONTACTS_CURSOR_MAX 1024 /* bytes of a decoded cursor (an index key) */

/*  `limit` (1..CONTACTS_PAGE_MAX, default CONTACTS_PAGE_DEFAULT) and the
    cursor `after` (empty when absent), decoded into buf: cursors travel
    as text of hex digits (an index key may hold NUL bytes, which no
    shell and few JSON tools carry). 0 or the rejection (INVALID "after"
    for anything but an even number of hex digits). */
int contacts_req_paging (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, uint64_t *limit, MDB_val *after,
                         char buf[CONTACTS_CURSOR_MAX]);

/*  Position cur on the first key >= start, or after `after` when given. */
int contacts_req_seek (MDB_cursor *cur, MDB_val *k, MDB_val *v, const MDB_val *start,
                       const MDB_val *after);

/*  Write {key: [the n items], next: the cursor in hex digits, or nil}. */
void contacts_req_finish_list (dbk_wr_t *w, const char *key, dbk_wr_t *items, uint32_t n,
                               const MDB_val *next);

/*  The same two pairs without the map header, for a reply with more. */
void contacts_req_list_pairs (dbk_wr_t *w, const char *key, dbk_wr_t *items, uint32_t n,
                              const MDB_val *next);

/*  The business date of a command into out: its "on" field (a date
    YYYY-MM-DD, e.g. when history is entered after the fact), else today
    (the business day of cfg, dbk_config_today). The log's own `ts` still
    records when the command was entered. NULL, or why "on" is refused,
    written into why: malformed, or, unless `recorded` (a fact already in
    the log, which a reaction must take as it is), before CONTACTS_DATE_MIN
    (contacts_date_too_early) or later than today, since a fact stated
    for a day to come would move every date-driven figure (protection
    periods, freezes, the books' clocks) ahead of time. Each service
    bounds it further by what it knows (the opportunities and bidding
    services: not before the deal's registration). */
const char *contacts_req_on (const dbk_obj_t *req, const dbk_config_t *cfg, char out[11],
                             bool recorded, char *why, size_t whysz);

/*  A date field of the request into out: today (the business day) when absent (then
    *given false, if given is not NULL). false after rejecting a
    malformed one (INVALID, naming the key). */
bool contacts_req_date (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, const char *key, char out[11],
                        bool *given);

/*  key: s, or nil when s is NULL. */
void contacts_wr_kv_or_nil (dbk_wr_t *w, const char *key, const char *s);

#endif
