/*  contacts_market.c - the commands and queries of competitors and
    activities, and the notebook queries of untouched contacts and
    birthdays (docs/protocol.md §16.1). */
#include "contacts_market.h"

#include "contacts_fields.h"
#include "contacts_map.h"
#include "contacts_model.h"
#include "contacts_request.h"

#include "dealbook/dbk_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*  ---- lookups lent to the deciders ---- */

typedef struct {
    dbk_svc_ctx_t *ctx;
    MDB_txn *txn;
    contacts_account_t acc;          /* the last account looked up: owns merged_into */
    char named[CONTACTS_ID_MAX + 1]; /* the last competitor_named answer     */
} s_lookup_t;

static contacts_ref_status_t s_account_ref (void *arg, const char *id, const char **merged_into)
{
    s_lookup_t *l = arg;
    contacts_account_reset (&l->acc);
    if (contacts_model_account (l->ctx, l->txn, id, strlen (id), &l->acc))
        return CONTACTS_REF_MISSING;
    if (l->acc.status == CONTACTS_ACCOUNT_MERGED) {
        *merged_into = l->acc.merged_into;
        return CONTACTS_REF_MERGED;
    }
    return l->acc.status == CONTACTS_ACCOUNT_ARCHIVED ? CONTACTS_REF_ARCHIVED : CONTACTS_REF_ACTIVE;
}

static contacts_ref_status_t s_contact_ref (void *arg, const char *id)
{
    s_lookup_t *l = arg;
    MDB_val v;
    return contacts_req_get_raw (l->ctx, l->txn, CONTACTS_DB_CONTACTS, id, &v) == 0
               ? CONTACTS_REF_ACTIVE
               : CONTACTS_REF_MISSING;
}

static const char *s_competitor_named (void *arg, const char *norm, const char *except)
{
    s_lookup_t *l = arg;
    return contacts_model_name_owner (l->ctx, l->txn, CONTACTS_DB_COMPETITOR_NAMES, norm, except,
                                      l->named, sizeof l->named)
               ? l->named
               : NULL;
}

/*  ---- commands ---- */

int contacts_competitor_add_cmd (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                                 dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1];
    if (!contacts_req_new_id (ctx, req, d, id))
        return 0;
    contacts_competitor_t st;
    contacts_competitor_init (&st);
    int rc = contacts_market_competitor (ctx, txn, id, &st);
    s_lookup_t l = {ctx, txn, {0}, ""};
    contacts_lookup_t lookup = {s_account_ref, s_contact_ref, s_competitor_named, &l};
    if (rc == 0 || rc == DBK_ENOTFOUND) {
        rc = 0;
        contacts_competitor_add (d, &st, id, req, &lookup);
    }
    contacts_account_reset (&l.acc);
    contacts_competitor_reset (&st);
    return rc;
}

int contacts_competitor_update_cmd (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                                    dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1];
    if (!contacts_req_id (req, "id", id))
        return dbk_decision_reject (d, DBK_EINVAL, "id", "id must name a competitor"), 0;
    contacts_competitor_t st;
    contacts_competitor_init (&st);
    int rc = contacts_market_competitor (ctx, txn, id, &st);
    s_lookup_t l = {ctx, txn, {0}, ""};
    contacts_lookup_t lookup = {s_account_ref, s_contact_ref, s_competitor_named, &l};
    if (rc == 0 || rc == DBK_ENOTFOUND) {
        rc = 0;
        contacts_competitor_update (d, &st, req, &lookup);
    }
    contacts_account_reset (&l.acc);
    contacts_competitor_reset (&st);
    return rc;
}

int contacts_activity_log_cmd (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req,
                               dbk_decision_t *d)
{
    char id[CONTACTS_ID_MAX + 1];
    if (!contacts_req_new_id (ctx, req, d, id))
        return 0;
    contacts_activity_t st;
    contacts_activity_init (&st);
    MDB_val v;
    int rc = contacts_req_get_raw (ctx, txn, CONTACTS_DB_ACTIVITIES, id, &v);
    /*  the decider only asks whether it was logged: the status says it */
    if (rc == 0)
        st.status = CONTACTS_ACTIVITY_LOGGED;
    s_lookup_t l = {ctx, txn, {0}, ""};
    contacts_lookup_t lookup = {s_account_ref, s_contact_ref, s_competitor_named, &l};
    if (rc == 0 || rc == DBK_ENOTFOUND) {
        rc = 0;
        /*  the contacts service ignores "on": its business date is
            today (DEALBOOK_TIMEZONE), which bounds the activity's date */
        char today[11], zone[16];
        dbk_config_today (dbk_svc_config (ctx), today);
        dbk_config_zone (dbk_svc_config (ctx), zone);
        contacts_activity_log (d, &st, id, req, &lookup, today, zone);
    }
    contacts_account_reset (&l.acc);
    contacts_activity_reset (&st);
    return rc;
}

/*  ---- queries ---- */

int contacts_competitor_get_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char id[CONTACTS_ID_MAX + 1];
    if (!contacts_req_id (req, "id", id))
        return dbk_svc_reject (ctx, DBK_EINVAL, "id", "id must name a competitor");
    MDB_val v;
    int rc = contacts_req_get_raw (ctx, txn, CONTACTS_DB_COMPETITORS, id, &v);
    if (rc == DBK_ENOTFOUND)
        return dbk_svc_reject (ctx, rc, "id", "no competitor %s", id);
    if (rc == 0)
        dbk_wr_raw (w, v.mv_data, v.mv_size);
    return rc;
}

/*  A page of ids read from an index: every key from `start` on that
    begins with the `plen` bytes of start; the id is what follows the last
    NUL of the key (or the whole key when plen is 0). Each id's stored map
    in `db` is one item. */
static int s_index_page (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w,
                         const char *index, const MDB_val *start, size_t plen, const char *db,
                         const char *what)
{
    uint64_t limit;
    MDB_val after, k, v, next = {0, NULL};
    char after_buf[CONTACTS_CURSOR_MAX]; /* the decoded cursor */
    int rc = contacts_req_paging (ctx, req, &limit, &after, after_buf);
    if (rc)
        return rc;
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, index), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    uint32_t n = 0;
    for (int r = contacts_req_seek (cur, &k, &v, start, &after);
         r == 0 && k.mv_size >= plen &&
         (plen == 0 || memcmp (k.mv_data, start->mv_data, plen) == 0);
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (n == limit) {
            next = after;
            break;
        }
        const char *key = k.mv_data, *id = key;
        for (size_t i = 0; plen && i < k.mv_size; i++)
            if (key[i] == 0)
                id = key + i + 1;
        size_t il = k.mv_size - (size_t) (id - key);
        char idz[CONTACTS_ID_MAX + 1];
        after = k;
        if (il == 0 || il > CONTACTS_ID_MAX)
            continue;
        memcpy (idz, id, il);
        idz[il] = 0;
        MDB_val state;
        if (contacts_req_get_raw (ctx, txn, db, idz, &state) == 0) {
            dbk_wr_raw (items, state.mv_data, state.mv_size);
            n++;
        }
    }
    mdb_cursor_close (cur);
    contacts_req_finish_list (w, what, items, n, &next);
    dbk_wr_destroy (&items);
    return 0;
}

/*  COMPETITOR_LIST {close_to, limit, after}: every competitor by id, or
    those close to one account through the rivals index. */
int contacts_competitor_list_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char acc[CONTACTS_ID_MAX + 2];
    if (!dbk_obj_get (req, "close_to")) {
        MDB_val start = {0, NULL};
        return s_index_page (ctx, txn, req, w, CONTACTS_DB_COMPETITORS, &start, 0,
                             CONTACTS_DB_COMPETITORS, "competitors");
    }
    if (!contacts_req_id (req, "close_to", acc))
        return dbk_svc_reject (ctx, DBK_EINVAL, "close_to", "close_to must name an account");
    MDB_val start = {strlen (acc) + 1, acc}; /* the account and its NUL */
    return s_index_page (ctx, txn, req, w, CONTACTS_DB_RIVALS, &start, start.mv_size,
                         CONTACTS_DB_COMPETITORS, "competitors");
}

/*  ACTIVITY_LIST {account_id | contact_id, limit, after}: newest first,
    from the activity_by index (its dates are stored reversed). */
int contacts_activity_list_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    char key[CONTACTS_ID_MAX + 3];
    bool by_account = dbk_obj_get (req, "account_id") != NULL;
    if (by_account == (dbk_obj_get (req, "contact_id") != NULL))
        return dbk_svc_reject (ctx, DBK_EINVAL, "account_id",
                               "give either account_id or contact_id");
    const char *field = by_account ? "account_id" : "contact_id";
    if (!contacts_req_id (req, field, key + 1))
        return dbk_svc_reject (ctx, DBK_EINVAL, field, "%s must be an id", field);
    key[0] = by_account ? 'a' : 'c';
    MDB_val start = {strlen (key) + 1, key};
    return s_index_page (ctx, txn, req, w, CONTACTS_DB_ACTIVITY_BY, &start, start.mv_size,
                         CONTACTS_DB_ACTIVITIES, "activities");
}

/*  ---- dates ---- */

/*  Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
    days_from_civil), and back: exact for every year of four digits. */
long contacts_days (int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

void contacts_civil (long z, char out[11])
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    long y = yoe + era * 400 + (m <= 2);
    /*  unsigned remainders: the compiler then sees that it fits */
    snprintf (out, 11, "%04u-%02u-%02u", (unsigned) ((unsigned long) y % 10000u),
              (unsigned) ((unsigned long) m % 100u), (unsigned) ((unsigned long) d % 100u));
}

/*  Days since 1970-01-01 of a valid YYYY-MM-DD, or INT32_MIN. */
static int32_t s_date_days (const char *date)
{
    if (!date || !contacts_date_valid (date, strlen (date), false))
        return INT32_MIN;
    return (int32_t) contacts_days (atoi (date), atoi (date + 5), atoi (date + 8));
}

int32_t contacts_days_between (const char *a, const char *b)
{
    int32_t da = s_date_days (a), db = s_date_days (b);
    return da == INT32_MIN || db == INT32_MIN ? INT32_MIN : db - da;
}

bool contacts_date_add (const char *date, int days, char out[11])
{
    int32_t z = s_date_days (date);
    if (z == INT32_MIN)
        return false;
    char buf[11];
    contacts_civil ((long) z + days, buf);
    int y = atoi (buf);
    if (y < 1 || y > 9999 || buf[4] != '-')
        return false;
    memcpy (out, buf, 11);
    return true;
}

/*  {days (0..3660), as_of (YYYY-MM-DD, default today)} into *days and
    the day number of as_of. 0 or the rejection. */
static int s_days_as_of (dbk_svc_ctx_t *ctx, const dbk_obj_t *req, uint64_t max, uint64_t *days,
                         long *as_of)
{
    if (dbk_obj_u64 (dbk_obj_get (req, "days"), days) || *days > max)
        return dbk_svc_reject (ctx, DBK_EINVAL, "days", "days must be a number from 0 to %llu",
                               (unsigned long long) max);
    char date[16];
    if (dbk_obj_get (req, "as_of")) {
        if (!contacts_req_text (req, "as_of", date, sizeof date) ||
            !contacts_date_valid (date, strlen (date), false))
            return dbk_svc_reject (ctx, DBK_EINVAL, "as_of", "as_of must be a date YYYY-MM-DD");
        *as_of = contacts_days (atoi (date), atoi (date + 5), atoi (date + 8));
    } else
        *as_of = (long) dbk_config_day (dbk_svc_config (ctx));
    return 0;
}

/*  NOTEBOOK_UNTOUCHED {days, as_of, salesperson, limit, after}: contacts
    (with salesperson: those they know) whose last activity is on or
    before as_of - days, or who never had one; the longest forgotten
    first. The touched_by_date index is in that order:
    the scan stops at the first later date. */
int contacts_untouched_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    uint64_t days, limit;
    long as_of;
    int rc = s_days_as_of (ctx, req, 36600, &days, &as_of);
    MDB_val after, k, v, next = {0, NULL};
    char after_buf[CONTACTS_CURSOR_MAX]; /* the decoded cursor */
    char person[CONTACTS_PERSON_MAX + 1];
    if (rc || (rc = contacts_req_paging (ctx, req, &limit, &after, after_buf)) ||
        (rc = contacts_map_req_person (ctx, req, person)))
        return rc;
    char cutoff[11];
    contacts_civil (as_of - (long) days, cutoff);
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, CONTACTS_DB_TOUCHED_BY), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    uint32_t n = 0;
    MDB_val start = {0, NULL};
    for (int r = contacts_req_seek (cur, &k, &v, &start, &after); r == 0;
         r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        const char *key = k.mv_data, *z = memchr (key, 0, k.mv_size);
        size_t dl = z ? (size_t) (z - key) : 0, il = z ? k.mv_size - dl - 1 : 0;
        if (!z || il == 0 || il > CONTACTS_ID_MAX)
            continue;
        if (dl && (dl != 10 || memcmp (key, cutoff, 10) > 0))
            break;
        char id[CONTACTS_ID_MAX + 1];
        memcpy (id, z + 1, il);
        id[il] = 0;
        if (person[0] && !contacts_map_knows (ctx, txn, person, id))
            continue; /* not one of the salesperson's contacts */
        if (n == limit) {
            next = after;
            break;
        }
        after = k;
        MDB_val state;
        if (contacts_req_get_raw (ctx, txn, CONTACTS_DB_CONTACTS, id, &state))
            continue;
        /*  the contact's map plus when it was last touched (nil: never) */
        dbk_doc_t *doc = NULL;
        if (dbk_doc_parse (state.mv_data, state.mv_size, &doc))
            continue;
        const dbk_obj_t *m = dbk_doc_root (doc);
        dbk_wr_map (items, (uint32_t) dbk_obj_len (m) + 1);
        for (size_t i = 0; i < dbk_obj_len (m); i++) {
            dbk_wr_obj (items, dbk_obj_key_at (m, i));
            dbk_wr_obj (items, dbk_obj_val_at (m, i));
        }
        dbk_wr_cstr (items, "last_activity");
        if (dl)
            dbk_wr_str (items, key, dl);
        else
            dbk_wr_nil (items);
        dbk_doc_destroy (&doc);
        n++;
    }
    mdb_cursor_close (cur);
    contacts_req_finish_list (w, "contacts", items, n, &next);
    dbk_wr_destroy (&items);
    return 0;
}

/*  One birthday entry: the contact's map plus "upcoming", the date of the
    birthday in the window. */
static bool s_leap (int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool s_birthday_entry (dbk_svc_ctx_t *ctx, MDB_txn *txn, dbk_wr_t *items, const MDB_val *k,
                              int year, const char *person)
{
    const char *key = k->mv_data;
    size_t il = k->mv_size > 6 ? k->mv_size - 6 : 0;
    char id[CONTACTS_ID_MAX + 1], upcoming[16];
    if (il == 0 || il > CONTACTS_ID_MAX)
        return false;
    memcpy (id, key + 6, il);
    id[il] = 0;
    if (person[0] && !contacts_map_knows (ctx, txn, person, id))
        return false; /* not one of the salesperson's contacts */
    MDB_val state;
    dbk_doc_t *doc = NULL;
    if (contacts_req_get_raw (ctx, txn, CONTACTS_DB_CONTACTS, id, &state) ||
        dbk_doc_parse (state.mv_data, state.mv_size, &doc))
        return false;
    const dbk_obj_t *m = dbk_doc_root (doc);
    dbk_wr_map (items, (uint32_t) dbk_obj_len (m) + 1);
    for (size_t i = 0; i < dbk_obj_len (m); i++) {
        dbk_wr_obj (items, dbk_obj_key_at (m, i));
        dbk_wr_obj (items, dbk_obj_val_at (m, i));
    }
    /*  born on Feb 29: celebrated on Feb 28 in a common year */
    if (memcmp (key, "02-29", 5) == 0 && !s_leap (year))
        snprintf (upcoming, sizeof upcoming, "%04d-02-28", year % 10000);
    else
        snprintf (upcoming, sizeof upcoming, "%04d-%.5s", year % 10000, key);
    dbk_wr_kv_cstr (items, "upcoming", upcoming);
    dbk_doc_destroy (&doc);
    return true;
}

/*  NOTEBOOK_BIRTHDAYS {days, as_of, salesperson, limit}: contacts (with
    salesperson: those they know) whose birthday falls on as_of or in the
    `days` after it, soonest first; Feb 29 counts as Feb 28 in a common
    year. The birthdays index
    is keyed MM-DD: one range scan, or two when the window wraps past the
    end of the year (Dec 20 + 30 days: 12-20..12-31 then 01-01..01-19). */
int contacts_birthdays_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    uint64_t days, limit = CONTACTS_PAGE_MAX;
    long as_of;
    int rc = s_days_as_of (ctx, req, 366, &days, &as_of);
    if (rc)
        return rc;
    const dbk_obj_t *l = dbk_obj_get (req, "limit");
    if (l && (dbk_obj_u64 (l, &limit) || limit < 1 || limit > CONTACTS_PAGE_MAX))
        return dbk_svc_reject (ctx, DBK_EINVAL, "limit", "limit must be from 1 to %d",
                               CONTACTS_PAGE_MAX);
    char person[CONTACTS_PERSON_MAX + 1];
    if ((rc = contacts_map_req_person (ctx, req, person)))
        return rc;
    char first[11], last[11];
    contacts_civil (as_of, first);
    contacts_civil (as_of + (long) (days > 365 ? 365 : days), last);
    int year = atoi (first);
    /*  segments [from, to] of MM-DD and the year their birthdays fall in */
    struct {
        char from[6], to[6];
        int year;
    } seg[2];
    int nseg = 1;
    memcpy (seg[0].from, first + 5, 6);
    memcpy (seg[0].to, last + 5, 6);
    seg[0].year = year;
    if (days >= 365 || strcmp (seg[0].from, seg[0].to) > 0) {
        /*  wraps: up to the year's end, then from its start to `last` (a
            full year stops just before as_of's own day) */
        memcpy (seg[0].to, "12-31", 6);
        memcpy (seg[1].from, "01-01", 6);
        memcpy (seg[1].to, last + 5, 6);
        seg[1].year = year + 1;
        nseg = 2;
        if (days >= 365)
            contacts_civil (as_of - 1, last), memcpy (seg[1].to, last + 5, 6);
        /*  a whole year from Jan 1 is the first segment alone */
        if (days >= 365 && strcmp (seg[0].from, "01-01") == 0)
            nseg = 1;
    }
    /*  Feb 29 birthdays fall on Feb 28 in a common year: a segment that
        ends on Feb 28 of such a year reaches the 02-29 keys, and one that
        starts on Mar 1 does not (they were due the day before) */
    for (int i = 0; i < nseg; i++)
        if (strcmp (seg[i].to, "02-28") == 0 && !s_leap (seg[i].year))
            memcpy (seg[i].to, "02-29", 6);
    MDB_cursor *cur;
    dbk_wr_t *items = dbk_wr_new ();
    if (!items || mdb_cursor_open (txn, dbk_svc_dbi (ctx, CONTACTS_DB_BIRTHDAYS), &cur)) {
        dbk_wr_destroy (&items);
        return DBK_EIO;
    }
    uint32_t n = 0;
    bool more = false;
    for (int s = 0; s < nseg && !more; s++) {
        MDB_val k = {5, seg[s].from}, v;
        for (int r = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
             r == 0 && k.mv_size > 6 && memcmp (k.mv_data, seg[s].to, 5) <= 0;
             r = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
            if (n == limit) {
                more = true;
                break;
            }
            n += s_birthday_entry (ctx, txn, items, &k, seg[s].year, person);
        }
    }
    mdb_cursor_close (cur);
    dbk_wr_map (w, 2);
    dbk_wr_cstr (w, "contacts");
    dbk_wr_array (w, n);
    dbk_wr_raw (w, dbk_wr_data (items), dbk_wr_size (items));
    dbk_wr_kv_bool (w, "more", more);
    dbk_wr_destroy (&items);
    return 0;
}
