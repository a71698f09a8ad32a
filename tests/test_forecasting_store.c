/*  test_forecasting_store.c - the forecasting book's in-memory store
    (forecasting.h, "the store"): key order like LMDB's, prefix scans,
    gets, puts and deletes against a reference through growth and
    shrinking of its index, and its lifecycle; kept books (fc_kept.c):
    which replays a book fits, a book written and read back, retention,
    and a file cut short or that cannot be written; day books kept for a
    week and at month ends.
*/
#include "support/fc_given.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

TestSuite (store, .init = s_setup, .fini = s_teardown);

/*  ======================= the in-memory store ======================= */

static int s_collect (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    char *out = arg;
    (void) val;
    (void) vlen;
    strncat (out, key, klen);
    strcat (out, ",");
    return 0;
}

static int s_stop (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    (void) key;
    (void) klen;
    (void) val;
    (void) vlen;
    ++*(int *) arg;
    return 7;
}

Test (store, pairs_are_kept_in_key_order_and_scanned_by_prefix)
{
    const char *keys[] = {"ab", "b", "a", "abc", "aa", "ac"};
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq (store->put (store->ctx, FC_TAB_CELL, keys[i], strlen (keys[i]), "v", 1), 0);
    char seen[100] = "";
    cr_assert_eq (store->scan (store->ctx, FC_TAB_CELL, "", 0, s_collect, seen), 0);
    cr_assert_str_eq (seen, "a,aa,ab,abc,ac,b,");
    seen[0] = 0;
    store->scan (store->ctx, FC_TAB_CELL, "ab", 2, s_collect, seen);
    cr_assert_str_eq (seen, "ab,abc,");
    seen[0] = 0;
    store->scan (store->ctx, FC_TAB_DEAL, "", 0, s_collect, seen);
    cr_assert_str_eq (seen, "", "tables are separate");
    int calls = 0;
    cr_assert_eq (store->scan (store->ctx, FC_TAB_CELL, "a", 1, s_stop, &calls), 7);
    cr_assert_eq (calls, 1, "a non-zero return stops the scan");
}

Test (store, get_copies_out_replaces_and_deletes)
{
    char buf[8];
    size_t n;
    cr_assert_eq (store->get (store->ctx, FC_TAB_META, "k", 1, buf, sizeof buf, &n), DBK_ENOTFOUND);
    store->put (store->ctx, FC_TAB_META, "k", 1, "12345", 5);
    store->put (store->ctx, FC_TAB_META, "k", 1, "abc", 3);
    cr_assert_eq (store->get (store->ctx, FC_TAB_META, "k", 1, buf, sizeof buf, &n), 0);
    cr_assert_eq (n, 3);
    cr_assert (!memcmp (buf, "abc", 3));
    cr_assert_eq (store->get (store->ctx, FC_TAB_META, "k", 1, buf, 2, &n), DBK_ETOOBIG);
    cr_assert_eq (n, 3, "the size needed");
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_META), 1);
    cr_assert_eq (store->del (store->ctx, FC_TAB_META, "k", 1), 0);
    cr_assert_eq (store->del (store->ctx, FC_TAB_META, "k", 1), 0, "absent is fine");
    cr_assert_eq (fc_mem_store_count (store, FC_TAB_META), 0);
}

/*  A reference for the store: every key of 1..3 bytes over "ab\0" is a
    slot; its value (or absent) is kept in a plain array. */
#define S_REF_KEYS (3 + 9 + 27)
static int s_ref_key (int i, char key[3])
{
    int len = i < 3 ? 1 : i < 12 ? 2 : 3, k = i < 3 ? i : i < 12 ? i - 3 : i - 12;
    for (int j = len - 1; j >= 0; j--, k /= 3)
        key[j] = "ab\0"[k % 3];
    return len;
}

typedef struct {
    char keys[S_REF_KEYS][4];
    size_t lens[S_REF_KEYS];
    int n;
} s_seen_t;

static int s_seen (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    s_seen_t *seen = arg;
    cr_assert_lt (seen->n, S_REF_KEYS);
    cr_assert (klen <= 3 && vlen == 4);
    memcpy (seen->keys[seen->n], key, klen);
    seen->lens[seen->n++] = klen;
    (void) val;
    return 0;
}

static int s_key_cmp (const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp (a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

Test (store, random_puts_and_deletes_keep_key_order_like_lmdb)
{
    int32_t ref[S_REF_KEYS];
    for (int i = 0; i < S_REF_KEYS; i++)
        ref[i] = -1;
    uint64_t r = 88172645463325252ull;
    for (int step = 0; step < 20000; step++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        char key[3];
        int i = (int) (r % S_REF_KEYS);
        int len = s_ref_key (i, key);
        if ((r >> 32) % 3 == 0) {
            cr_assert_eq (store->del (store->ctx, FC_TAB_CELL, key, (size_t) len), 0);
            ref[i] = -1;
        } else {
            int32_t v = (int32_t) step;
            cr_assert_eq (store->put (store->ctx, FC_TAB_CELL, key, (size_t) len, &v, sizeof v), 0);
            ref[i] = v;
        }
        if (step % 997)
            continue;
        /*  every key reads back as the reference holds it */
        size_t present = 0;
        for (int j = 0; j < S_REF_KEYS; j++) {
            char k[3];
            int kl = s_ref_key (j, k);
            int32_t v;
            size_t vl;
            int rc = store->get (store->ctx, FC_TAB_CELL, k, (size_t) kl, &v, sizeof v, &vl);
            if (ref[j] < 0)
                cr_assert_eq (rc, DBK_ENOTFOUND);
            else {
                present++;
                cr_assert_eq (rc, 0);
                cr_assert_eq (v, ref[j]);
            }
        }
        cr_assert_eq (fc_mem_store_count (store, FC_TAB_CELL), present);
        /*  a full scan and a prefix scan come in LMDB's order */
        for (int p = -1; p < 3; p++) {
            s_seen_t seen = {.n = 0};
            const char *prefix = p < 0 ? "" : &"ab\0"[p];
            cr_assert_eq (
                store->scan (store->ctx, FC_TAB_CELL, prefix, p < 0 ? 0 : 1, s_seen, &seen), 0);
            int want = 0;
            for (int j = 0; j < S_REF_KEYS; j++) {
                char k[3];
                if (ref[j] >= 0 && s_ref_key (j, k) && (p < 0 || k[0] == prefix[0]))
                    want++;
            }
            cr_assert_eq (seen.n, want);
            for (int j = 1; j < seen.n; j++)
                cr_assert_lt (
                    s_key_cmp (seen.keys[j - 1], seen.lens[j - 1], seen.keys[j], seen.lens[j]), 0,
                    "scan order at %d", j);
        }
    }
}

static int s_count_scan (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    uint32_t *st = arg; /* [0] pairs seen, [1] the previous key + 1 */
    uint32_t k;
    cr_assert_eq (klen, 4);
    cr_assert_eq (vlen, 4);
    memcpy (&k, key, 4);
    k = __builtin_bswap32 (k); /* big-endian keys: memcmp order = number order */
    cr_assert_gt (k + 1, st[1], "scan order");
    st[1] = k + 1;
    st[0]++;
    (void) val;
    return 0;
}

Test (store, many_keys_grow_and_shrink_the_index_without_losing_one)
{
    enum { KEYS = 5000 };
    static int32_t ref[KEYS];
    for (int i = 0; i < KEYS; i++)
        ref[i] = -1;
    uint64_t r = 0x2545f4914f6cdd1dull;
    for (int step = 0; step < 200000; step++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        uint32_t i = (uint32_t) (r % KEYS), be = __builtin_bswap32 (i);
        /* phases: mostly puts, then mostly deletes, then mixed */
        int del_in_4 = step < 60000 ? 1 : step < 120000 ? 3 : 2;
        if ((int) ((r >> 40) % 4) < del_in_4) {
            cr_assert_eq (store->del (store->ctx, FC_TAB_DEAL, &be, 4), 0);
            ref[i] = -1;
        } else {
            int32_t v = step;
            cr_assert_eq (store->put (store->ctx, FC_TAB_DEAL, &be, 4, &v, 4), 0);
            ref[i] = v;
        }
        if (step % 20000 != 19999)
            continue;
        uint32_t present = 0;
        for (uint32_t j = 0; j < KEYS; j++) {
            uint32_t k = __builtin_bswap32 (j);
            int32_t v;
            size_t vl;
            int rc = store->get (store->ctx, FC_TAB_DEAL, &k, 4, &v, sizeof v, &vl);
            if (ref[j] < 0)
                cr_assert_eq (rc, DBK_ENOTFOUND, "key %u at step %d", j, step);
            else {
                cr_assert_eq (rc, 0, "key %u at step %d", j, step);
                cr_assert_eq (v, ref[j]);
                present++;
            }
        }
        uint32_t st[2] = {0, 0};
        cr_assert_eq (store->scan (store->ctx, FC_TAB_DEAL, "", 0, s_count_scan, st), 0);
        cr_assert_eq (st[0], present);
        cr_assert_eq (fc_mem_store_count (store, FC_TAB_DEAL), present);
    }
}

Test (store, destroy_is_safe_twice)
{
    fc_store_t *s = fc_mem_store_new ();
    s->put (s->ctx, FC_TAB_DEAL, "x", 1, "y", 1);
    fc_mem_store_destroy (&s);
    cr_assert_null (s);
    fc_mem_store_destroy (&s);
    fc_book_t *b = fc_book_new (store, NULL);
    fc_book_destroy (&b);
    fc_book_destroy (&b);
    cr_assert_null (b);
}

/*  ======================= kept books ======================= */

Test (kept, fits_only_a_replay_that_folds_the_same_events)
{
    fc_day_t d = fc_day ("2026-06-30");
    int64_t cut = 1000;
    fc_kept_t k = {.seq = 9, .clock = d, .at_max = 999};
    cr_assert (fc_kept_fits (&k, d, cut));
    cr_assert (fc_kept_fits (&k, d + 40, cut));
    cr_assert (fc_kept_fits (&k, 0, INT64_MAX), "no until, nothing skipped");
    cr_assert_not (fc_kept_fits (&k, d - 1, cut), "it folded an event dated after until");
    cr_assert_not (fc_kept_fits (&k, d, 999), "it read an event recorded at the cut");
    k.until = d + 5;
    k.skipped = d + 10; /* an event dated d + 10 was skipped */
    cr_assert (fc_kept_fits (&k, d + 9, cut));
    cr_assert_not (fc_kept_fits (&k, d + 10, cut), "the skipped event is due then");
    cr_assert_not (fc_kept_fits (&k, 0, INT64_MAX));
}

static int s_count (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    (void) key;
    (void) klen;
    (void) val;
    (void) vlen;
    ++*(int *) arg;
    return 0;
}

/*  n deals "deal-0000"... in the store, deal i of (i * step) % 3000 bytes
    (step 0: 3000 bytes each). */
static void s_deals (int n, size_t step)
{
    static char big[3000];
    memset (big, 'x', sizeof big);
    for (int i = 0; i < n; i++) {
        char key[32];
        int kl = snprintf (key, sizeof key, "deal-%04d", i);
        size_t vl = step ? ((size_t) i * step) % sizeof big : sizeof big;
        cr_assert_eq (store->put (store->ctx, FC_TAB_DEAL, key, (size_t) kl, big, vl), 0);
    }
}

Test (kept, a_book_reads_back_whole_and_an_altered_one_is_deleted, .init = s_setup,
      .fini = s_teardown)
{
    char dir[] = "/tmp/dbk-kept-XXXXXX";
    cr_assert_not_null (mkdtemp (dir));
    s_deals (500, 5);
    cr_assert_eq (store->put (store->ctx, FC_TAB_META, "seq", 3, "12345678", 8), 0);
    fc_kept_t k = {.seq = 42, .read_to = 50, .clock = 7, .at_max = 5}, got;
    memset (k.hash, 0xab, sizeof k.hash);
    size_t bytes = 0;
    cr_assert_eq (fc_kept_save (dir, store, &k, 800000, &bytes), 0);
    cr_assert_eq (k.pairs, 501);
    fc_store_t *back = NULL;
    cr_assert_eq (fc_kept_load (dir, 7, 6, &back, &got, NULL), 0);
    cr_assert_eq (memcmp (&got, &k, sizeof k), 0, "the description reads back");
    int n = 0;
    back->scan (back->ctx, FC_TAB_DEAL, NULL, 0, s_count, &n);
    cr_assert_eq (n, 500);
    char val[3000];
    size_t vl;
    cr_assert_eq (back->get (back->ctx, FC_TAB_DEAL, "deal-0499", 9, val, sizeof val, &vl), 0);
    cr_assert_eq (vl, (499 * 5) % 3000);
    fc_mem_store_destroy (&back);
    cr_assert_eq (fc_kept_load (dir, 6, 6, &back, &got, NULL), DBK_ENOTFOUND, "does not fit");
    /*  three more books: the two newest without until are kept */
    for (uint64_t s = 43; s <= 45; s++) {
        k.seq = s;
        cr_assert_eq (fc_kept_save (dir, store, &k, 800000, NULL), 0);
    }
    char path[200];
    snprintf (path, sizeof path, "%s/book-%020d-%08d.fcb", dir, 44, 0);
    cr_assert_eq (access (path, F_OK), 0);
    snprintf (path, sizeof path, "%s/book-%020d-%08d.fcb", dir, 43, 0);
    cr_assert_neq (access (path, F_OK), 0, "an old book is kept");
    /*  the newest cut short: deleted, and the one before it is loaded */
    snprintf (path, sizeof path, "%s/book-%020d-%08d.fcb", dir, 45, 0);
    cr_assert_eq (truncate (path, (off_t) bytes - 100), 0);
    int dropped = 0;
    cr_assert_eq (fc_kept_load (dir, 7, 6, &back, &got, &dropped), 0);
    cr_assert_eq (dropped, 1);
    cr_assert_eq (got.seq, 44);
    cr_assert_neq (access (path, F_OK), 0, "the truncated book is still there");
    fc_mem_store_destroy (&back);
    snprintf (path, sizeof path, "%s/book-%020d-%08d.fcb", dir, 44, 0);
    unlink (path);
    rmdir (dir);
}

Test (kept, a_book_that_cannot_be_written_leaves_nothing_behind, .init = s_setup,
      .fini = s_teardown)
{
    char dir[] = "/tmp/dbk-kept-XXXXXX";
    cr_assert_not_null (mkdtemp (dir));
    s_deals (200, 0);
    fc_kept_t k = {.seq = 7};
    /*  a file limit stands for a full disk: writes fail past 64 KB */
    signal (SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 64 << 10, .rlim_max = RLIM_INFINITY};
    cr_assert_eq (setrlimit (RLIMIT_FSIZE, &rl), 0);
    int rc = fc_kept_save (dir, store, &k, 800000, NULL);
    rl.rlim_cur = RLIM_INFINITY;
    setrlimit (RLIMIT_FSIZE, &rl);
    cr_assert (rc == DBK_EIO || rc == DBK_ENOSPC, "rc %d", rc);
    char path[200];
    snprintf (path, sizeof path, "%s/book.tmp", dir);
    cr_assert_neq (access (path, F_OK), 0, "the partial file is left behind");
    fc_store_t *back = NULL;
    cr_assert_eq (fc_kept_load (dir, 0, INT64_MAX, &back, &k, NULL), DBK_ENOTFOUND);
    cr_assert_eq (rmdir (dir), 0, "something was left in the books directory");
    /*  a books directory that cannot be made */
    cr_assert_eq (fc_kept_save ("/dev/null/books", store, &k, 800000, NULL), DBK_EIO);
}

/*  The end of a day in ms (a cut no event of that day reaches). */
static int64_t s_cut (fc_day_t day)
{
    return ((int64_t) day - fc_day ("1970-01-01") + 1) * 86400000;
}

Test (kept, day_books_are_kept_for_a_week_and_at_month_ends, .init = s_setup, .fini = s_teardown)
{
    char dir[] = "/tmp/dbk-kept-XXXXXX";
    cr_assert_not_null (mkdtemp (dir));
    cr_assert_eq (store->put (store->ctx, FC_TAB_META, "seq", 3, "12345678", 8), 0);
    fc_day_t today = fc_day ("2026-11-28");
    /*  a day book for each of the last 100 days, and three books of the head */
    for (int i = 100; i >= 1; i--) {
        fc_kept_t k = {.seq = (uint64_t) (1000 - i),
                       .until = today - i,
                       .clock = today - i,
                       .at_max = s_cut (today - i) - 1};
        cr_assert_eq (fc_kept_save (dir, store, &k, today, NULL), 0);
    }
    for (int i = 0; i < 3; i++) {
        fc_kept_t k = {.seq = (uint64_t) (1000 + i), .clock = today, .at_max = s_cut (today) - 9};
        cr_assert_eq (fc_kept_save (dir, store, &k, today, NULL), 0);
    }
    int days = 0, heads = 0;
    for (int i = 1; i <= 100; i++) {
        days += fc_kept_has (dir, today - i);
        char d[11];
        fc_day_format (today - i, d);
        if (i > FC_KEPT_DAYS && fc_kept_has (dir, today - i))
            cr_assert (!strcmp (d + 5, "10-31") || !strcmp (d + 5, "09-30") ||
                           !strcmp (d + 5, "08-31"),
                       "%s kept", d);
    }
    cr_assert_eq (days, FC_KEPT_DAYS + 3, "the last week and Oct 31, Sep 30, Aug 31");
    DIR *dd = opendir (dir);
    struct dirent *e;
    while (dd && (e = readdir (dd)))
        heads += !strncmp (e->d_name + 25, "-00000000", 9);
    closedir (dd);
    cr_assert_eq (heads, FC_KEPT_HEADS);
    /*  the newest that fits: a day book for a past date, the head for today */
    fc_store_t *back = NULL;
    fc_kept_t got;
    cr_assert_eq (fc_kept_load (dir, today - 5, s_cut (today - 5), &back, &got, NULL), 0);
    cr_assert_eq (got.until, today - 5);
    fc_mem_store_destroy (&back);
    cr_assert_eq (fc_kept_load (dir, today - 20, s_cut (today - 20), &back, &got, NULL), 0);
    cr_assert_eq (got.until, fc_day ("2026-10-31"), "from the month's end before it");
    fc_mem_store_destroy (&back);
    cr_assert_eq (fc_kept_load (dir, today, s_cut (today), &back, &got, NULL), 0);
    cr_assert_eq (got.until, 0);
    cr_assert_eq (got.seq, 1002);
    fc_mem_store_destroy (&back);
    dd = opendir (dir);
    while (dd && (e = readdir (dd)))
        if (e->d_name[0] == 'b') {
            char p[300];
            snprintf (p, sizeof p, "%s/%s", dir, e->d_name);
            unlink (p);
        }
    closedir (dd);
    cr_assert_eq (rmdir (dir), 0);
}
