/*  test_lmdb_size.c - an LMDB data file shorter than the pages it uses.
    LMDB maps the file and reads a page past its end as SIGBUS, so
    dbk_lmdb_open and dbk_lmdb_open_copy must refuse such a file before
    any page is read (a test process that reads one dies of the signal),
    and must not refuse a healthy file that ends before pages it only
    holds as free.
*/
#include "support/testlib.h"

#include "dealbook/dbk_lmdb.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_MAP (64u << 20)

static uint64_t s_size (const char *dir)
{
    char path[600];
    snprintf (path, sizeof path, "%s/data.mdb", dir);
    struct stat st;
    cr_assert_eq (stat (path, &st), 0, "%s", path);
    return (uint64_t) st.st_size;
}

/*  (last page + 1) * page size: what the newer meta says is used. */
static uint64_t s_used (MDB_env *env)
{
    MDB_envinfo info;
    MDB_stat st;
    cr_assert_eq (mdb_env_info (env, &info), 0);
    cr_assert_eq (mdb_env_stat (env, &st), 0);
    return ((uint64_t) info.me_last_pgno + 1) * st.ms_psize;
}

static void s_put (MDB_txn *txn, MDB_dbi dbi, const char *key, size_t len, char fill)
{
    char *v = malloc (len);
    memset (v, fill, len);
    MDB_val k = {strlen (key), (void *) key}, d = {len, v};
    cr_assert_eq (mdb_put (txn, dbi, &k, &d, 0), 0);
    free (v);
}

static void s_del (MDB_txn *txn, MDB_dbi dbi, const char *key)
{
    MDB_val k = {strlen (key), (void *) key};
    cr_assert_eq (mdb_del (txn, dbi, &k, NULL), 0);
}

/*  A value of `len` bytes filled with `fill` under key. */
static void s_expect (MDB_env *env, const char *key, size_t len, char fill)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "t", 0, &dbi), 0);
    MDB_val k = {strlen (key), (void *) key}, d;
    cr_assert_eq (mdb_get (txn, dbi, &k, &d), 0, "%s is gone", key);
    cr_assert_eq (d.mv_size, len);
    for (size_t i = 0; i < len; i++)
        cr_assert_eq (((const char *) d.mv_data)[i], fill, "%s differs at %zu", key, i);
    mdb_txn_abort (txn);
}

/*  Copy dir/data.mdb into a new directory, cut to `size` bytes. */
static char *s_cut_copy (const char *dir, uint64_t size)
{
    char *to = tl_tmpdir ("lmdbcut");
    char cmd[1400];
    snprintf (cmd, sizeof cmd, "cp '%s/data.mdb' '%s/data.mdb' && truncate -s %llu '%s/data.mdb'",
              dir, to, (unsigned long long) size, to);
    cr_assert_eq (system (cmd), 0, "%s", cmd);
    return to;
}

static int s_entries (const char *dir)
{
    DIR *d = opendir (dir);
    cr_assert_not_null (d);
    int n = 0;
    for (struct dirent *e; (e = readdir (d));)
        n += strcmp (e->d_name, ".") && strcmp (e->d_name, "..");
    closedir (d);
    return n;
}

Test (lmdb_size, a_file_cut_short_is_refused_before_a_page_past_its_end_is_read)
{
    /*  Given an environment of some 1.2 MB, every page in use */
    char *dir = tl_tmpdir ("lmdbfull");
    MDB_env *env;
    cr_assert_eq (dbk_lmdb_open (&env, dir, S_MAP, 2, false, NULL, 0), 0);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "t", MDB_CREATE, &dbi), 0);
    for (int i = 0; i < 400; i++) {
        char key[16];
        snprintf (key, sizeof key, "k%04d", i);
        s_put (txn, dbi, key, 3000, 'v');
    }
    cr_assert_eq (mdb_txn_commit (txn), 0);
    MDB_stat ms;
    cr_assert_eq (mdb_env_stat (env, &ms), 0);
    uint64_t psize = ms.ms_psize, used = s_used (env);
    mdb_env_close (env);
    uint64_t size = s_size (dir);
    cr_assert_eq (size, used, "the whole file is in use");

    /*  When it is cut: within the metas, after them, in the middle, one
        page short, and half a page short */
    const uint64_t cuts[] = {0, 100, psize + 200, 2 * psize, 1 << 20, size - psize, size - 100};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        char *cut = s_cut_copy (dir, cuts[i]);
        char why[1300], want[1400];
        snprintf (want, sizeof want, "%s/data.mdb is truncated: %llu bytes, ", cut,
                  (unsigned long long) cuts[i]);
        /*  Then both opens refuse it, saying so, and touch nothing */
        MDB_env *e = NULL;
        int rc = dbk_lmdb_open (&e, cut, S_MAP, 2, true, why, sizeof why);
        cr_assert_eq (rc, DBK_ECORRUPT, "cut at %llu: %s", (unsigned long long) cuts[i],
                      dbk_strerror (rc));
        cr_assert_null (e);
        cr_assert (strncmp (why, want, strlen (want)) == 0, "cut at %llu: '%s'",
                   (unsigned long long) cuts[i], why);
        cr_assert_eq (s_size (cut), cuts[i], "the refused file was written");
        rc = dbk_lmdb_open_copy (&e, cut, 2, why, sizeof why);
        cr_assert_eq (rc, DBK_ECORRUPT, "copy cut at %llu", (unsigned long long) cuts[i]);
        cr_assert (strncmp (why, want, strlen (want)) == 0, "copy: '%s'", why);
        tl_rmtree (cut);
        free (cut);
    }
    /*  the last page ends where the meta says */
    char *cut = s_cut_copy (dir, 1 << 20);
    char why[1300], want[200];
    MDB_env *e = NULL;
    cr_assert_eq (dbk_lmdb_open_copy (&e, cut, 2, why, sizeof why), DBK_ECORRUPT);
    snprintf (want, sizeof want, "its last page ends at %llu", (unsigned long long) used);
    cr_assert_not_null (strstr (why, want), "'%s'", why);
    tl_rmtree (cut);
    free (cut);
    tl_rmtree (dir);
    free (dir);
}

Test (lmdb_size, pages_past_the_end_that_are_free_are_no_damage)
{
    /*  Given an environment whose last transaction took pages past the
        end of the file and freed them before it committed: LMDB never
        writes those (a large value put and deleted, pages split then
        merged), so the file ends before the meta's last page */
    char *dir = tl_tmpdir ("lmdbloose");
    MDB_env *env;
    cr_assert_eq (dbk_lmdb_open (&env, dir, S_MAP, 2, false, NULL, 0), 0);
    MDB_txn *txn;
    MDB_dbi dbi;
    char key[16];
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "t", MDB_CREATE, &dbi), 0);
    for (int i = 0; i < 100; i++) {
        snprintf (key, sizeof key, "k%05d", i);
        s_put (txn, dbi, key, 100, 'k');
    }
    cr_assert_eq (mdb_txn_commit (txn), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    s_put (txn, dbi, "big", 20000, 'b');
    s_del (txn, dbi, "big");
    cr_assert_eq (mdb_txn_commit (txn), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    for (int i = 0; i < 5000; i++) {
        snprintf (key, sizeof key, "x%05d", i);
        s_put (txn, dbi, key, 200, 'x');
    }
    for (int i = 0; i < 5000; i++) {
        snprintf (key, sizeof key, "x%05d", i);
        s_del (txn, dbi, key);
    }
    cr_assert_eq (mdb_txn_commit (txn), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    for (int i = 0; i < 3000; i++) {
        snprintf (key, sizeof key, "y%05d", i);
        s_put (txn, dbi, key, 300, 'y');
    }
    s_put (txn, dbi, "big", 20000, 'b');
    s_del (txn, dbi, "big");
    for (int i = 0; i < 3000; i++) {
        snprintf (key, sizeof key, "y%05d", i);
        s_del (txn, dbi, key);
    }
    cr_assert_eq (mdb_txn_commit (txn), 0);
    uint64_t used = s_used (env);
    mdb_env_close (env);
    cr_assert_lt (s_size (dir), used, "the case this test is about: the file ends early");

    /*  When it is opened again, for writing or as a copy */
    char why[1300];
    cr_assert_eq (dbk_lmdb_open (&env, dir, S_MAP, 2, false, why, sizeof why), 0, "%s", why);
    /*  Then it reads and writes as before */
    s_expect (env, "k00042", 100, 'k');
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "t", 0, &dbi), 0);
    s_put (txn, dbi, "after", 9000, 'a');
    cr_assert_eq (mdb_txn_commit (txn), 0);
    s_expect (env, "after", 9000, 'a');
    mdb_env_close (env);
    cr_assert_eq (dbk_lmdb_open_copy (&env, dir, 2, why, sizeof why), 0, "%s", why);
    s_expect (env, "k00099", 100, 'k');
    mdb_env_close (env);
    tl_rmtree (dir);
    free (dir);
}

Test (lmdb_size, a_copy_is_opened_without_writing_beside_it)
{
    char *dir = tl_tmpdir ("lmdbcopy");
    MDB_env *env;
    cr_assert_eq (dbk_lmdb_open (&env, dir, S_MAP, 2, false, NULL, 0), 0);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "t", MDB_CREATE, &dbi), 0);
    s_put (txn, dbi, "one", 10, '1');
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
    char *copy = tl_tmpdir ("lmdbcopy2");
    char src[600], cmd[1300];
    snprintf (src, sizeof src, "%s/data.mdb", dir);
    snprintf (cmd, sizeof cmd, "cp '%s' '%s/'", src, copy);
    cr_assert_eq (system (cmd), 0);
    uint64_t size = s_size (copy);
    cr_assert_eq (dbk_lmdb_open_copy (&env, copy, 2, NULL, 0), 0);
    s_expect (env, "one", 10, '1');
    mdb_env_close (env);
    cr_assert_eq (s_entries (copy), 1, "only data.mdb: no lock.mdb beside a copy");
    cr_assert_eq (s_size (copy), size);
    /*  a directory without a copy: nothing is created */
    char none[600];
    snprintf (none, sizeof none, "%s/none", copy);
    cr_assert_eq (dbk_lmdb_open_copy (&env, none, 2, NULL, 0), DBK_EIO);
    cr_assert_eq (access (none, F_OK), -1);
    tl_rmtree (copy);
    free (copy);
    tl_rmtree (dir);
    free (dir);
}

/*  The pages at the end of the file that are free (per the free list,
    read through LMDB), and the free list's depth. */
static uint64_t s_free_tail (MDB_env *env, unsigned *depth)
{
    MDB_envinfo info;
    cr_assert_eq (mdb_env_info (env, &info), 0);
    uint64_t last = info.me_last_pgno;
    uint8_t *free_pg = calloc (last + 1, 1);
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_stat fs;
    MDB_val k, v;
    cr_assert_eq (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), 0);
    cr_assert_eq (mdb_stat (txn, 0, &fs), 0); /* dbi 0: the free list */
    *depth = fs.ms_depth;
    cr_assert_eq (mdb_cursor_open (txn, 0, &cur), 0);
    while (mdb_cursor_get (cur, &k, &v, MDB_NEXT) == 0) {
        const size_t *ids = v.mv_data; /* count, then page numbers */
        for (size_t i = 1; i <= ids[0]; i++)
            if (ids[i] <= last)
                free_pg[ids[i]] = 1;
    }
    mdb_cursor_close (cur);
    mdb_txn_abort (txn);
    uint64_t n = 0;
    while (n < last && free_pg[last - n])
        n++;
    free (free_pg);
    return n;
}

Test (lmdb_size, free_pages_cut_off_the_end_are_no_damage_and_the_next_one_is)
{
    /*  Given a free list deep enough to have branch pages (a reader held
        while transactions free pages), and free pages at the end of the
        file (a large value deleted once the reader is gone) */
    char *dir = tl_tmpdir ("lmdbdeep");
    MDB_env *env;
    cr_assert_eq (dbk_lmdb_open (&env, dir, S_MAP, 2, false, NULL, 0), 0);
    MDB_txn *txn, *reader;
    MDB_dbi dbi;
    char key[16];
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "t", MDB_CREATE, &dbi), 0);
    for (int i = 0; i < 100; i++) {
        snprintf (key, sizeof key, "k%05d", i);
        s_put (txn, dbi, key, 100, 'k');
    }
    cr_assert_eq (mdb_txn_commit (txn), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, MDB_RDONLY, &reader), 0);
    for (int i = 0; i < 150; i++) {
        cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
        snprintf (key, sizeof key, "k%05d", i % 100);
        s_put (txn, dbi, key, 100, 'k');
        cr_assert_eq (mdb_txn_commit (txn), 0);
    }
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    s_put (txn, dbi, "big", 100000, 'b');
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_txn_abort (reader);
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    s_del (txn, dbi, "big");
    cr_assert_eq (mdb_txn_commit (txn), 0);
    unsigned depth = 0;
    uint64_t tail = s_free_tail (env, &depth), used = s_used (env);
    MDB_stat ms;
    cr_assert_eq (mdb_env_stat (env, &ms), 0);
    mdb_env_close (env);
    cr_assert_geq (depth, 2, "the case this test is about: a free list with branch pages");
    cr_assert_geq (tail, 2, "the case this test is about: free pages at the end");
    cr_assert_eq (s_size (dir), used);

    /*  When the free pages are cut off: the file opens and reads */
    char *cut = s_cut_copy (dir, used - tail * ms.ms_psize);
    char why[1300];
    cr_assert_eq (dbk_lmdb_open (&env, cut, S_MAP, 2, false, why, sizeof why), 0, "%s", why);
    s_expect (env, "k00007", 100, 'k');
    mdb_env_close (env);
    tl_rmtree (cut);
    free (cut);
    /*  When one page more is: refused */
    cut = s_cut_copy (dir, used - (tail + 1) * ms.ms_psize);
    cr_assert_eq (dbk_lmdb_open_copy (&env, cut, 2, why, sizeof why), DBK_ECORRUPT);
    cr_assert_not_null (strstr (why, "is truncated"), "'%s'", why);
    tl_rmtree (cut);
    free (cut);
    tl_rmtree (dir);
    free (dir);
}
