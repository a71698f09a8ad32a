/*  forecasting_asof.c - the books of as-of answers (docs/protocol.md
    §16.4): the replay of the log into an in-memory book, from seq 1 or
    from a kept book (fc_kept.c) that fits the day asked; KEEP_BOOK; and
    the books kept in the background: the log's head every
    DEALBOOK_BOOK_EVERY events, and yesterday's day book. */
#include "forecasting_server.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_fds.h"
#include "dealbook/dbk_logging.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The events a book folds: the log sends only these. */
static const char *const s_ours[] = {"opportunity.", "quota.", "forecast.", "competitor."};

/*  s_replay: the log's event at the kept book's seq is not the one the
    book folded (a private code: never a DBK code) */
#define S_OTHER_LOG 1

/*  Fold the log's events recorded before `cut_ms` into b->book, from the
    position in b->kept (the book it was loaded from; all zero: seq 1),
    keeping that position up to date. The log reads the next page while
    the book folds this one. */
static int s_replay (dbk_svc_ctx_t *ctx, forecasting_replay_t *b, int64_t cut_ms)
{
    const dbk_config_t *cfg = dbk_svc_config (ctx);
    dbk_client_t *c = dbk_client_new (cfg->log_endpoint, cfg->timeout_ms);
    if (!c && dbk_fds_exhausted (errno)) {
        /*  a passing state (connections come and go), not the request's fault */
        char why[80];
        dbk_fds_why (why, sizeof why);
        dbk_logger_t log;
        dbk_logger_init (&log, "forecasting", cfg->log_level);
        dbk_logf (&log, DBK_LOG_WARNING, "cannot replay the log for an as-of book: %s", why);
        return dbk_svc_reject (ctx, DBK_EBUSY, NULL,
                               "the service cannot connect to the event log to replay it: %s; "
                               "retry later",
                               why);
    }
    if (!c)
        return DBK_EINVAL;
    fc_kept_t *k = &b->kept;
    /*  from the kept book's last event, to check it is the log's */
    bool check = k->seq > 0;
    dbk_read_t rq = {.from = check ? k->seq : 1,
                     .type_prefixes = s_ours,
                     .ntype_prefixes = sizeof s_ours / sizeof s_ours[0],
                     .limit = 5000,
                     .max_scan = 100000}; /* the log's default: its loop stays short */
    int rc = dbk_client_read_send (c, &rq);
    for (bool done = false; !done && rc == 0;) {
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        if (dbk_svc_cancelled (ctx)) {
            rc = DBK_EINTERRUPTED; /* the service is stopping */
            break;
        }
        if ((rc = dbk_client_read_wait (c, &reply, &page))) {
            dbk_doc_destroy (&reply); /* an ERROR reply comes with its document */
            break;
        }
        /* a filtered page may hold nothing yet stop short of the head */
        done = page.last == 0 || page.last >= page.head;
        rq.from = page.last + 1;
        if (!done)
            rc = dbk_client_read_send (c, &rq);
        size_t i = 0;
        for (; rc == 0 && i < page.count; i++) {
            dbk_event_t ev;
            int erc = dbk_page_event_checked (&page, i, &ev);
            if (erc == DBK_ECORRUPT) {
                /*  altered where the log keeps it: a figure folded from it
                    would pass for the history */
                rc = dbk_svc_reject (ctx, DBK_ECORRUPT, NULL,
                                     "the event log's record at seq %llu fails its hash check "
                                     "(altered on disk?): no figure is replayed past it; run "
                                     "dealbook log verify",
                                     (unsigned long long) ev.seq);
                break;
            }
            if (erc) {
                rc = DBK_EMALFORMED;
                break;
            }
            if (check) {
                check = false;
                if (ev.seq != k->seq || memcmp (ev.hash, k->hash, sizeof k->hash)) {
                    rc = S_OTHER_LOG;
                    break;
                }
                continue; /* folded already */
            }
            if (ev.at >= cut_ms) {
                done = b->cut_reached = true; /* recorded after the day asked */
                break;
            }
            if (ev.at > k->at_max)
                k->at_max = ev.at;
            k->read_to = ev.seq;
            dbk_doc_t *data = NULL;
            const dbk_obj_t *d = ev.data;
            if (!d && dbk_doc_parse (ev.data_raw, ev.data_raw_len, &data) == 0)
                d = dbk_doc_root (data);
            int arc = d ? forecasting_fold (b->book, &ev, d) : 0;
            if (arc && arc != DBK_EMALFORMED)
                rc = arc;
            if (!arc && fc_book_seq (b->book) == ev.seq) {
                k->seq = ev.seq;
                memcpy (k->hash, ev.hash, sizeof k->hash);
            }
            b->replayed++;
            dbk_doc_destroy (&data);
        }
        if (rc == 0 && i == page.count && page.last > k->read_to)
            k->read_to = page.last; /* examined, none of ours after */
        dbk_doc_destroy (&reply);
    }
    if (check && rc == 0)
        rc = S_OTHER_LOG; /* the log no longer has the book's last event */
    dbk_client_destroy (&c);
    return rc;
}

void forecasting_replay_close (forecasting_replay_t *b)
{
    fc_book_destroy (&b->book);
    fc_mem_store_destroy (&b->mem);
}

/*  The kept books' directory: <data dir>/forecasting/books, or
    books-<fingerprint> under funnel settings other than the defaults, so
    that no book folded with other probabilities is read. */
static void s_books_dir (dbk_svc_ctx_t *ctx, char *out, size_t outsz)
{
    uint32_t set = dbk_svc_settings (ctx);
    if (set)
        snprintf (out, outsz, "%s/forecasting/books-%08x", dbk_svc_config (ctx)->data_dir,
                  (unsigned) set);
    else
        snprintf (out, outsz, "%s/forecasting/books", dbk_svc_config (ctx)->data_dir);
}

/*  The end of day in DEALBOOK_TIMEZONE, unix ms: what "as of day" means
    in every service (dbk_day_end_ms; fc_day counts from 0000-03-01). */
static int64_t s_cut_ms (dbk_svc_ctx_t *ctx, fc_day_t day)
{
    return dbk_day_end_ms ((int64_t) day - fc_day ("1970-01-01"),
                           dbk_svc_config (ctx)->utc_offset_min);
}

/*  Today in DEALBOOK_TIMEZONE: its yesterday is the day book to keep. */
static fc_day_t s_today (dbk_svc_ctx_t *ctx)
{
    return fc_day_from_ms (dbk_now_ms (), dbk_svc_config (ctx)->utc_offset_min);
}

/*  A replay into b for until (0: none) and cut_ms, from the newest kept
    book that fits when `from_book`, else from seq 1. A kept book of
    another log is deleted and the next one that fits is tried, down to
    seq 1. 0, or a DBK code with b closed. */
static int s_rebuild_book (dbk_svc_ctx_t *ctx, forecasting_replay_t *b, fc_day_t until,
                           int64_t cut_ms, bool from_book)
{
    char dir[1100];
    s_books_dir (ctx, dir, sizeof dir);
    dbk_logger_t log;
    dbk_logger_init (&log, "forecasting", DBK_LOG_WARNING);
    for (;;) {
        memset (&b->kept, 0, sizeof b->kept);
        b->replayed = 0;
        int dropped = 0;
        int rc = from_book ? fc_kept_load (dir, until, cut_ms, &b->mem, &b->kept, &dropped)
                           : DBK_ENOTFOUND;
        if (dropped)
            dbk_logf (&log, DBK_LOG_WARNING,
                      "%d kept book(s) did not read back whole (cut short, altered, another "
                      "version): deleted",
                      dropped);
        if (rc == DBK_ENOTFOUND) {
            memset (&b->kept, 0, sizeof b->kept);
            b->mem = fc_mem_store_new ();
            rc = b->mem ? 0 : DBK_ENOMEM;
            from_book = false;
        }
        b->book = rc ? NULL : fc_book_new (b->mem, FC_CFG (ctx));
        if (!b->book) {
            forecasting_replay_close (b);
            return rc ? rc : DBK_ENOMEM;
        }
        fc_book_set_until (b->book, until);
        fc_book_defer (b->book);
        uint64_t from = b->from_seq = b->kept.seq;
        fc_day_t from_until = b->kept.until;
        rc = s_replay (ctx, b, cut_ms);
        if (rc == 0)
            return 0;
        forecasting_replay_close (b);
        if (rc != S_OTHER_LOG)
            return rc;
        dbk_logf (&log, DBK_LOG_WARNING,
                  "the kept book at seq %llu does not match the log (restored or replaced?): "
                  "deleted",
                  (unsigned long long) from);
        fc_kept_drop (dir, from, from_until);
    }
}

/*  The book as of `day` for an as-of query (forecasting_server.h). */
int forecasting_replay_open (dbk_svc_ctx_t *ctx, forecasting_replay_t *b, fc_day_t day,
                             bool from_book)
{
    memset (b, 0, sizeof *b);
    int rc = s_rebuild_book (ctx, b, day, s_cut_ms (ctx, day), from_book);
    if (rc)
        return rc; /* b is closed */
    if ((rc = fc_book_complete (b->book))) {
        forecasting_replay_close (b);
        return rc;
    }
    atomic_fetch_add (&forecasting_asof_count.replays, 1);
    atomic_fetch_add (&forecasting_asof_count.events, b->replayed);
    if (b->from_seq)
        atomic_fetch_add (&forecasting_asof_count.from_book, 1);
    return 0;
}

/*  What keeping a book did. */
typedef struct {
    fc_kept_t kept;    /* the book's position after it                 */
    uint64_t from_seq; /* the book it went on from                     */
    uint64_t replayed; /* events it folded                             */
    bool complete;     /* a day book: the log has moved past the day   */
    bool written;      /* a new book file                              */
    size_t bytes;      /* its size                                     */
} s_keep_t;

/*  Keep the book for until (0: none, the log's head; else the day book
    of that day, cut at its end) from the newest kept book that fits. A
    book of the head is written when it moved. A day book only once its
    replay stopped at an event of ours recorded after the day (`complete`):
    until then a later append may still be recorded before the day's end
    (a client may give `at`), and the replay from seq 1 would fold it. */
static int s_keep (dbk_svc_ctx_t *ctx, fc_day_t until, s_keep_t *out)
{
    memset (out, 0, sizeof *out);
    forecasting_replay_t b;
    memset (&b, 0, sizeof b);
    int rc = s_rebuild_book (ctx, &b, until, until ? s_cut_ms (ctx, until) : INT64_MAX, true);
    out->complete = b.cut_reached;
    bool write = until ? b.cut_reached && b.kept.seq > 0 : b.kept.seq > b.from_seq;
    if (!rc && write) {
        char dir[1100];
        s_books_dir (ctx, dir, sizeof dir);
        b.kept.until = until;
        b.kept.clock = fc_book_clock (b.book);
        b.kept.skipped = fc_book_skipped (b.book);
        rc = fc_kept_save (dir, b.mem, &b.kept, s_today (ctx), &out->bytes);
        out->written = rc == 0;
    }
    if (!rc && !until)
        atomic_store (&forecasting_book_read_to, b.kept.read_to);
    out->kept = b.kept;
    out->from_seq = b.from_seq;
    out->replayed = b.replayed;
    forecasting_replay_close (&b);
    return rc;
}

/*  KEEP_BOOK {} -> {seq, read_to, from_seq, replayed, written, pairs,
    bytes, elapsed_ms}: keep the book now (s_keep). Runs on the worker, as
    the as-of queries do. */
int forecasting_keep_book_q (dbk_svc_ctx_t *ctx, MDB_txn *txn, const dbk_obj_t *req, dbk_wr_t *w)
{
    (void) txn;
    (void) req;
    int64_t t0 = zclock_mono ();
    s_keep_t k;
    int rc = s_keep (ctx, 0, &k);
    if (rc == DBK_EBUSY)
        return rc; /* rejected with its sentence (out of file descriptors) */
    if (rc)
        return dbk_svc_reject (ctx, rc, NULL, "keeping the book failed: %s", dbk_strerror (rc));
    dbk_wr_map (w, 8);
    dbk_wr_kv_u64 (w, "seq", k.kept.seq);
    dbk_wr_kv_u64 (w, "read_to", k.kept.read_to);
    dbk_wr_kv_u64 (w, "from_seq", k.from_seq);
    dbk_wr_kv_u64 (w, "replayed", k.replayed);
    dbk_wr_kv_bool (w, "written", k.written);
    dbk_wr_kv_u64 (w, "pairs", k.written ? k.kept.pairs : 0);
    dbk_wr_kv_u64 (w, "bytes", k.bytes);
    dbk_wr_kv_i64 (w, "elapsed_ms", zclock_mono () - t0);
    return 0;
}

/*  ---- keeping the book in the background ---- */

_Atomic uint64_t forecasting_book_read_to;
static _Atomic int64_t s_keep_after; /* mono ms: not before (after a failure)          */
static _Atomic fc_day_t s_day_done;  /* the day whose yesterday has its day book        */
static _Atomic uint64_t s_day_tried; /* applied when the day book was last incomplete   */
static _Atomic uint64_t s_applied;   /* applied when `due` said yes                     */
static atomic_bool s_head_due;       /* the log moved DEALBOOK_BOOK_EVERY past the book */

bool forecasting_book_due (dbk_svc_ctx_t *ctx, uint64_t applied)
{
    uint64_t every = dbk_svc_config (ctx)->book_every;
    if (!every || zclock_mono () < atomic_load (&s_keep_after))
        return false;
    uint64_t read_to = atomic_load (&forecasting_book_read_to);
    bool head = applied >= read_to && applied - read_to >= every;
    /*  yesterday's day book: once a day, and again whenever events came
        in while the log had not yet moved past yesterday */
    bool day = atomic_load (&s_day_done) != s_today (ctx) && applied != atomic_load (&s_day_tried);
    atomic_store (&s_head_due, head);
    atomic_store (&s_applied, applied);
    return head || day;
}

/*  Log what keeping a book wrote. */
static void s_kept_log (dbk_svc_ctx_t *ctx, const char *what, const s_keep_t *k, int64_t t0)
{
    dbk_logger_t log;
    dbk_logger_init (&log, "forecasting", dbk_svc_config (ctx)->log_level);
    if (k->written)
        dbk_logf (&log, DBK_LOG_INFO,
                  "%s kept at seq %llu (%llu events folded from seq %llu, %zu bytes, %lld ms)",
                  what, (unsigned long long) k->kept.seq, (unsigned long long) k->replayed,
                  (unsigned long long) k->from_seq, k->bytes, (long long) (zclock_mono () - t0));
}

/*  The background work: the day book of yesterday (any later date's
    as-of goes on from it), then the book of the log's head when the log
    moved DEALBOOK_BOOK_EVERY events past the newest one. */
int forecasting_book_keep (dbk_svc_ctx_t *ctx)
{
    fc_day_t today = s_today (ctx);
    s_keep_t k;
    int rc = 0;
    if (atomic_load (&s_day_done) != today) {
        char dir[1100], day[11], what[40];
        s_books_dir (ctx, dir, sizeof dir);
        int64_t t0 = zclock_mono ();
        bool done = fc_kept_has (dir, today - 1);
        if (!done && !(rc = s_keep (ctx, today - 1, &k))) {
            fc_day_format (today - 1, day);
            snprintf (what, sizeof what, "as-of book of %s", day);
            s_kept_log (ctx, what, &k, t0);
            done = k.complete;
        }
        if (done)
            atomic_store (&s_day_done, today);
        else if (!rc)
            atomic_store (&s_day_tried, atomic_load (&s_applied));
    }
    if (!rc && atomic_load (&s_head_due)) {
        int64_t t0 = zclock_mono ();
        if (!(rc = s_keep (ctx, 0, &k)))
            s_kept_log (ctx, "as-of book", &k, t0);
    }
    if (rc && rc != DBK_EINTERRUPTED) {
        atomic_store (&s_keep_after, zclock_mono () + 60000); /* the log down, a full disk */
        if (rc == DBK_EBUSY)
            return rc; /* rejected with its sentence (out of file descriptors) */
        return dbk_svc_reject (ctx, rc, NULL, "keeping the as-of book failed: %s",
                               dbk_strerror (rc));
    }
    return rc;
}
