/*  test_svc_sort.c - the order in which the shell writes held index rows
    (s_sort_keys in libshared/dbk_svc_later.c, included here: it is
    static there). Whatever the keys, the entries must come out in
    (database, whole key in LMDB's order, call order), which is what
    makes the last call for a key the one kept and MDB_APPEND valid.

    The key sets are built to reach every branch of the sort: keys alike
    over 16, 32 or more bytes, in large and in small groups, keys that
    differ only by their length (trailing NUL bytes), one key given many
    times, and two databases. */
#include "../libshared/dbk_svc_later.c"

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

/*  n records in an arena, with their entries as s_rows_write makes them. */
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
    *r = (s_rec_t){dbi, (uint32_t) kl, 0, 0};
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
static void s_sort_and_check (s_set_t *s, const char *what)
{
    uint64_t before = 0, after = 0;
    for (size_t i = 0; i < s->n; i++)
        before += (uint64_t) s->ents[i].off8 * 2654435761u + s->ents[i].off8;
    s_sort_keys (s->arena, s->ents, s->n, 0, 0);
    s_cmp_arena = s->arena;
    for (size_t i = 0; i < s->n; i++) {
        after += (uint64_t) s->ents[i].off8 * 2654435761u + s->ents[i].off8;
        if (i == 0)
            continue;
        const s_ent_t *a = &s->ents[i - 1], *b = &s->ents[i];
        int c = a->dbi != b->dbi ? (a->dbi < b->dbi ? -1 : 1) : s_cmp_full (a, b);
        cr_assert (c < 0, "%s: entries %zu and %zu out of order", what, i - 1, i);
    }
    cr_assert_eq (before, after, "%s: the entries are not the records'", what);
}

Test (svc_sort, random_keys_come_out_in_whole_key_then_call_order)
{
    uint32_t seed = 20261128;
    for (int round = 0; round < 400; round++) {
        size_t n = 1 + s_rand (&seed) % 3000;
        /*  a small alphabet (NUL included) makes long ties; a common
            prefix of up to 60 bytes on a third of the keys makes groups
            alike over one, two or more windows of 16 bytes */
        unsigned alpha = 1 + s_rand (&seed) % 4, longest = 1 + s_rand (&seed) % 100;
        size_t prefix = s_rand (&seed) % 61;
        s_set_t s;
        s_set_new (&s, n);
        for (size_t i = 0; i < n; i++) {
            uint8_t k[DBK_LMDB_KEY_MAX];
            size_t kl = 1 + s_rand (&seed) % longest;
            if (s_rand (&seed) % 3 == 0)
                kl += prefix;
            for (size_t j = 0; j < kl; j++)
                k[j] = j < prefix ? 'p' : (uint8_t) (s_rand (&seed) % alpha);
            s_set_add (&s, 1 + s_rand (&seed) % 2, k, kl);
        }
        char what[32];
        snprintf (what, sizeof what, "round %d", round);
        s_sort_and_check (&s, what);
        s_set_free (&s);
    }
}

Test (svc_sort, index_keys_of_a_pipeline_sort_as_lmdb_orders_them)
{
    /*  keys shaped like the opportunities' pipeline rows: tag, value, NUL,
        a close date, NUL, an id; thousands alike over their first 16
        bytes, each given several times (put, delete, put again) */
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
