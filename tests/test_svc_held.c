/*  test_svc_held.c - the held index rows of a replay
    (libshared/dbk_svc_later.c, included here: what is tested is static
    there).

    The order in which they are written (s_sort_keys): whatever the keys,
    the entries must come out in (database, whole key in LMDB's order,
    call order), and entries of one key must keep the same window, which
    is what makes the last call for a key the one kept and MDB_APPEND
    valid. The key sets reach every branch of the sort: keys alike over
    16, 32 or more bytes, in large and in small groups, keys that differ
    only by their length (trailing NUL bytes), one key given many times,
    and two databases.

    Their write (dbk_svci_held_write) in transactions of S_HELD_TXN_ROWS
    entries, set to a few here so that a key's calls straddle them: the
    database ends up as the last call for each key says, the `last`
    callback runs once, in the last transaction, and a write that failed
    midway is done again whole. */
#define S_HELD_TXN_ROWS 37
#define S_HELD_RANGE_MIN 16 /* the sort and the puts in many ranges */
#define S_ENTS_ALLOC(bytes) (s_no_memory ? NULL : dbk_huge_alloc (bytes))
#define S_RANGES_NO_MEMORY() s_no_ranges
static _Bool s_no_memory; /* the sort's entries cannot be had */
static _Bool s_no_ranges; /* nor the held write's ranges */
#include "../libshared/dbk_svc_later.c"

#include "support/testlib.h"

#include <criterion/criterion.h>
#include <stdio.h>

typedef struct {
    char *arena;
    size_t used;
    s_ent_t *ents;
    size_t n;
} s_set_t;

static uint32_t s_rand (uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/*  n records in an arena, with their entries as s_rows_entries makes them. */
static void s_set_new (s_set_t *s, size_t n)
{
    s->arena = malloc (n * s_rec_size (DBK_LMDB_KEY_MAX, 0));
    s->ents = malloc (n * sizeof *s->ents);
    cr_assert (s->arena && s->ents);
    s->used = s->n = 0;
}

static void s_set_add (s_set_t *s, MDB_dbi dbi, const uint8_t *k, size_t kl)
{
    s_rec_t *r = (s_rec_t *) (s->arena + s->used);
    *r = (s_rec_t){(uint16_t) dbi, (uint16_t) kl, 0, 0};
    memcpy (r + 1, k, kl);
    s->ents[s->n++] = (s_ent_t){.hi = s_be (k, kl),
                                .lo = kl > 8 ? s_be (k + 8, kl - 8) : 0,
                                .dbi = dbi,
                                .off8 = (uint32_t) (s->used >> 3)};
    s->used += s_rec_size (kl, 0);
}

static void s_set_free (s_set_t *s)
{
    free (s->arena);
    free (s->ents);
}

/*  Sorted, then checked: strictly increasing in (dbi, key, offset), and
    every record there once. */
static void s_sort_and_check_as (s_set_t *s, const char *what, bool piped)
{
    uint64_t before = 0, after = 0;
    for (size_t i = 0; i < s->n; i++)
        before += (uint64_t) s->ents[i].off8 * 2654435761u + s->ents[i].off8;
    if (piped) {
        /*  split into ranges, sorted on the sorter's thread: the ranges
            must cover the entries in order, and the last one sorted
            means all are */
        s_pipe_t p;
        s_pipe_start (&p, s->arena, s->ents, s->n);
        if (s_no_ranges)
            cr_assert_eq (p.nr, 1, "%s: without memory for ranges, one", what);
        cr_assert (p.nr >= 1 && p.r[0].at == 0 && p.r[p.nr - 1].at + p.r[p.nr - 1].n == s->n,
                   "%s: the ranges do not cover the entries", what);
        for (size_t i = 1; i < p.nr; i++)
            cr_assert_eq (p.r[i].at, p.r[i - 1].at + p.r[i - 1].n, "%s: range %zu", what, i);
        s_pipe_wait (&p, p.nr - 1);
        s_pipe_end (&p);
    } else
        s_sort_keys (s->arena, s->ents, s->n, 0, 0);
    for (size_t i = 0; i < s->n; i++) {
        after += (uint64_t) s->ents[i].off8 * 2654435761u + s->ents[i].off8;
        if (i == 0)
            continue;
        const s_ent_t *a = &s->ents[i - 1], *b = &s->ents[i];
        int c = a->dbi != b->dbi ? (a->dbi < b->dbi ? -1 : 1) : s_cmp_full (s->arena, a, b);
        cr_assert (c < 0, "%s: entries %zu and %zu out of order", what, i - 1, i);
        const s_rec_t *ra = (const s_rec_t *) (s->arena + ((size_t) a->off8 << 3));
        const s_rec_t *rb = (const s_rec_t *) (s->arena + ((size_t) b->off8 << 3));
        if (s_same_key (ra, rb))
            cr_assert (a->hi == b->hi && a->lo == b->lo,
                       "%s: entries %zu and %zu, of one key, have different windows", what, i - 1,
                       i);
    }
    cr_assert_eq (before, after, "%s: the entries are not the records'", what);
}

static void s_sort_and_check (s_set_t *s, const char *what)
{
    s_sort_and_check_as (s, what, false);
}

/*  n random keys (a small alphabet, NUL included, makes long ties; a
    common prefix of up to 60 bytes on a third of the keys makes groups
    alike over one, two or more windows of 16 bytes), in two databases. */
static void s_random_set (s_set_t *s, uint32_t *seed, size_t n)
{
    unsigned alpha = 1 + s_rand (seed) % 4, longest = 1 + s_rand (seed) % 100;
    size_t prefix = s_rand (seed) % 61;
    s_set_new (s, n);
    for (size_t i = 0; i < n; i++) {
        uint8_t k[DBK_LMDB_KEY_MAX];
        size_t kl = 1 + s_rand (seed) % longest;
        if (s_rand (seed) % 3 == 0)
            kl += prefix;
        for (size_t j = 0; j < kl; j++)
            k[j] = j < prefix ? 'p' : (uint8_t) (s_rand (seed) % alpha);
        s_set_add (s, 1 + s_rand (seed) % 2, k, kl);
    }
}

/*  400 random sets, each sorted and checked (piped: as the held write
    does, one in five without memory for its ranges). */
static void s_random_rounds (uint32_t seed, bool piped)
{
    for (int round = 0; round < 400; round++) {
        s_set_t s;
        s_random_set (&s, &seed, 1 + s_rand (&seed) % 3000);
        char what[32];
        snprintf (what, sizeof what, "round %d", round);
        s_no_ranges = piped && round % 5 == 4; /* sorted whole, as one range */
        s_sort_and_check_as (&s, what, piped);
        s_no_ranges = false;
        s_set_free (&s);
    }
}

Test (svc_sort, random_keys_come_out_in_whole_key_then_call_order)
{
    s_random_rounds (20261128, false);
}

Test (svc_sort, random_keys_split_into_ranges_and_sorted_on_a_second_thread_come_out_the_same)
{
    /*  the held rows' write: ranges of at most max(n / 64, 16) here */
    s_random_rounds (20261129, true);
}

Test (svc_sort, index_keys_of_a_pipeline_sort_as_lmdb_orders_them)
{
    /*  keys shaped like the opportunities' pipeline rows: tag, value, NUL,
        a close date, NUL, an id; thousands alike over their first 16
        bytes, each given three times */
    s_set_t s;
    s_set_new (&s, 60000);
    uint32_t seed = 7;
    for (int i = 0; i < 20000; i++) {
        char k[64];
        uint32_t id = s_rand (&seed) % 5000;
        int kl = snprintf (k, sizeof k, "*%c2027-%02u-01%co%07u", 0, 1 + id % 3, 0, id);
        for (int t = 0; t < 3; t++)
            if (s.n < 60000)
                s_set_add (&s, 3, (const uint8_t *) k, (size_t) kl);
    }
    s_sort_and_check (&s, "pipeline keys");
    s_set_free (&s);
}

Test (svc_sort, keys_alike_but_for_their_length_order_shortest_first)
{
    /*  "ab", "ab\0", "ab\0\0" ... given in reverse and repeated: LMDB
        orders a key before any longer key it begins */
    s_set_t s;
    s_set_new (&s, 4000);
    uint8_t k[80] = {'a', 'b'};
    for (int rep = 0; rep < 40; rep++)
        for (int len = 80; len >= 2 && s.n < 4000; len -= 1)
            s_set_add (&s, 2, k, (size_t) len);
    s_sort_and_check (&s, "trailing NULs");
    s_set_free (&s);
}

/*  ---- dbk_svci_held_write ---- */

#define S_HW_KEYS 64

static struct {
    dbk_svci_t self;
    char *dir;
    MDB_dbi dbi;
    char want[S_HW_KEYS][16]; /* the row each key must end with, "" none */
    int lasts;                /* calls of s_last */
    int fail_last;            /* s_last fails while this is positive */
} s_hw;

/*  Key k: pairs alike but for a trailing NUL (k even, k + 1 with the
    NUL), half of the pairs alike over their first 27 bytes as well. */
static int s_hw_key (char *out, size_t outsz, unsigned k)
{
    unsigned pair = k / 2;
    int n =
        snprintf (out, outsz - 1, "%s%02u", pair % 2 ? "a-long-prefix-common-to-all" : "k", pair);
    if (k % 2)
        out[n++] = 0;
    return n;
}

/*  The database, as seen by txn, must be what s_hw.want says. */
static void s_hw_check (MDB_txn *txn)
{
    size_t rows = 0;
    for (unsigned k = 0; k < S_HW_KEYS; k++) {
        char key[48];
        MDB_val kv = {(size_t) s_hw_key (key, sizeof key, k), key}, v;
        int rc = mdb_get (txn, s_hw.dbi, &kv, &v);
        if (!s_hw.want[k][0]) {
            cr_assert_eq (rc, MDB_NOTFOUND, "%s: a row is left, none expected", key);
            continue;
        }
        rows++;
        cr_assert_eq (rc, 0, "%s: no row, %s expected", key, s_hw.want[k]);
        cr_assert (
            v.mv_size == strlen (s_hw.want[k]) && memcmp (v.mv_data, s_hw.want[k], v.mv_size) == 0,
            "%s: %.*s stored, %s expected", key, (int) v.mv_size, (char *) v.mv_data, s_hw.want[k]);
    }
    MDB_stat st;
    cr_assert_eq (mdb_stat (txn, s_hw.dbi, &st), 0);
    cr_assert_eq (st.ms_entries, rows);
}

static void s_hw_check_now (void)
{
    MDB_txn *txn;
    cr_assert_eq (mdb_txn_begin (s_hw.self.env, NULL, MDB_RDONLY, &txn), 0);
    s_hw_check (txn);
    mdb_txn_abort (txn);
}

/*  The callback of the last transaction: every row is there already. */
static int s_last (dbk_svci_t *self, MDB_txn *txn)
{
    cr_assert_eq (self, &s_hw.self);
    s_hw.lasts++;
    if (s_hw.fail_last > 0) {
        s_hw.fail_last--;
        return DBK_EIO;
    }
    s_hw_check (txn);
    return 0;
}

/*  An environment where the keys of the first 16 pairs have a row
    already, and `ops` random puts and deletes held (keys repeat: a key's
    calls straddle the transactions of 37). "k16" .. "k30" sort past every
    stored key: those go in with MDB_APPEND, their deletes skipped. */
static void s_hw_init (int ops)
{
    memset (&s_hw, 0, sizeof s_hw);
    s_no_memory = s_no_ranges = false;
    s_hw.dir = tl_tmpdir ("held");
    cr_assert_not_null (s_hw.dir);
    MDB_txn *txn;
    cr_assert_eq (mdb_env_create (&s_hw.self.env), 0);
    mdb_env_set_maxdbs (s_hw.self.env, 4);
    cr_assert_eq (mdb_env_open (s_hw.self.env, s_hw.dir, MDB_NOSYNC, 0644), 0);
    cr_assert_eq (mdb_txn_begin (s_hw.self.env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "rows", MDB_CREATE, &s_hw.dbi), 0);
    for (unsigned k = 0; k < S_HW_KEYS / 2; k++) {
        char key[48];
        snprintf (s_hw.want[k], sizeof s_hw.want[k], "old%u", k);
        MDB_val kv = {(size_t) s_hw_key (key, sizeof key, k), key},
                v = {strlen (s_hw.want[k]), s_hw.want[k]};
        cr_assert_eq (mdb_put (txn, s_hw.dbi, &kv, &v, 0), 0);
    }
    cr_assert_eq (mdb_txn_commit (txn), 0);
    uint32_t seed = 99;
    for (int i = 0; i < ops; i++) {
        unsigned k = s_rand (&seed) % S_HW_KEYS;
        bool del = s_rand (&seed) % 3 == 0;
        char key[48], val[16] = "";
        int kl = s_hw_key (key, sizeof key, k);
        if (!del)
            snprintf (val, sizeof val, "v%d", i);
        cr_assert_eq (s_rows_add (&s_hw.self, &s_hw.self.held, NULL, s_hw.dbi, key, (size_t) kl,
                                  val, strlen (val), del),
                      0);
        memcpy (s_hw.want[k], val, sizeof val);
    }
}

static void s_hw_fini (void)
{
    dbk_svci_later_free (&s_hw.self);
    mdb_env_close (s_hw.self.env);
    tl_rmtree (s_hw.dir);
    free (s_hw.dir);
}

/*  `ops` held, written in one call (no_memory: without the sort's
    entries), checked. */
static void s_hw_write_once (int ops, _Bool no_memory)
{
    s_hw_init (ops);
    s_no_memory = no_memory;
    cr_assert_eq (dbk_svci_held_write (&s_hw.self, s_last), 0);
    cr_assert_eq (s_hw.lasts, 1, "the last transaction's callback, once");
    s_hw_check_now ();
    s_hw_fini ();
}

Test (svc_held, rows_written_in_many_transactions_end_as_the_last_call_for_each_key)
{
    s_hw_write_once (3000, 0); /* 82 transactions of 37 */
}

Test (svc_held, a_write_that_failed_in_its_last_transaction_is_done_again_whole)
{
    s_hw_init (3000);
    s_hw.fail_last = 1;
    cr_assert_eq (dbk_svci_held_write (&s_hw.self, s_last), DBK_EIO);
    cr_assert_eq (s_hw.lasts, 1);
    /*  the transactions before the last one did commit: written again */
    cr_assert_eq (dbk_svci_held_write (&s_hw.self, s_last), 0);
    cr_assert_eq (s_hw.lasts, 2);
    s_hw_check_now ();
    s_hw_fini ();
}

Test (svc_held, without_memory_to_sort_them_rows_go_in_call_order_in_transactions_too)
{
    s_hw_write_once (3000, 1);
}

Test (svc_held, without_memory_for_the_ranges_rows_are_sorted_whole_and_written_the_same)
{
    s_hw_init (3000);
    s_no_ranges = true;
    cr_assert_eq (dbk_svci_held_write (&s_hw.self, s_last), 0);
    cr_assert_eq (s_hw.lasts, 1);
    s_hw_check_now ();
    s_hw_fini ();
}

Test (svc_held, nothing_held_still_runs_the_last_transaction)
{
    s_hw_write_once (0, 0);
}
