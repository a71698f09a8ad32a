/*  fc_kept.c - kept books (forecasting.h): an as-of replay's book in a
    file, from which a later replay goes on instead of starting at seq 1.

    The file: a header (s_head_t), then each pair of each table as
    table (1 byte), key length and value length (4 bytes each), key,
    value; then the BLAKE2b-256 of everything before it. */
#include "forecasting.h"

#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*  Bump with any change of the file or of the book's packed layout.
    2: books fold the competitors (a book of 1 lacks them); 3: a deal
    keeps its qualification's decision (fc_pursuit_t); 4: and the reason
    it was won; 5: the sums of cells and snapshots are 128 bits; 6: the
    competitors folded are the contacts service's (forecasting_fold): a
    book of 5 may know one that service skipped; 7: and one holding what
    its commands refuse (contacts_fields_foldable); 8: the deals folded
    are the opportunities service's (opportunities_known.h); 9: and an
    event of a deal the book does not hold moves no clock; 10: a
    registration whose tender_type is no text is folded, not skipped */
#define S_VERSION 10
#define S_MAGIC "DBKBOOK"

typedef struct {
    char magic[8];
    uint32_t version;
    uint32_t reserved;
    fc_kept_t k;
} s_head_t;

bool fc_kept_fits (const fc_kept_t *k, fc_day_t until, int64_t cut_ms)
{
    if (k->at_max >= cut_ms)
        return false; /* it read events the replay must stop before */
    if (!until)
        return k->skipped == 0;
    return k->clock <= until && (k->skipped == 0 || k->skipped > until);
}

/*  dir/book-<seq>-<until>.fcb: seq in 20 digits, until (a day number,
    0: none) in 8. */
static void s_name (char *out, size_t outsz, const char *dir, uint64_t seq, fc_day_t until)
{
    snprintf (out, outsz, "%s/book-%020" PRIu64 "-%08d.fcb", dir, seq, (int) until);
}

void fc_kept_drop (const char *dir, uint64_t seq, fc_day_t until)
{
    char path[1200];
    s_name (path, sizeof path, dir, seq, until);
    unlink (path);
}

/*  ---- writing ---- */

typedef struct {
    FILE *f;
    crypto_generichash_state h;
    size_t bytes;
    bool failed;
    int err; /* errno of the first failure */
} s_out_t;

static void s_write (s_out_t *o, const void *p, size_t n)
{
    if (o->failed || n == 0)
        return;
    if (fwrite (p, 1, n, o->f) != n) {
        o->failed = true;
        o->err = errno;
        return;
    }
    crypto_generichash_update (&o->h, p, n);
    o->bytes += n;
}

typedef struct {
    s_out_t *o;
    uint8_t table;
    uint64_t n;
} s_dump_t;

static int s_dump_pair (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    s_dump_t *d = arg;
    s_write (d->o, &d->table, 1);
    d->n++;
    uint32_t kl = (uint32_t) klen, vl = (uint32_t) vlen;
    s_write (d->o, &kl, sizeof kl);
    s_write (d->o, &vl, sizeof vl);
    s_write (d->o, key, klen);
    s_write (d->o, val, vlen);
    return d->o->failed ? DBK_EIO : 0;
}

typedef struct {
    uint64_t seq;
    fc_day_t until;
} s_entry_t;

/*  Newest first: by seq, then a day book before a book without until. */
static int s_newest_first (const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? 1 : -1;
    return (x->until == 0) - (y->until == 0);
}

/*  dir's books, newest first, into a malloc'd array. */
static size_t s_list (const char *dir, s_entry_t **out)
{
    *out = NULL;
    DIR *d = opendir (dir);
    if (!d)
        return 0;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir (d))) {
        uint64_t seq;
        int until;
        char tail[8];
        if (strlen (e->d_name) != 38 ||
            sscanf (e->d_name, "book-%20" SCNu64 "-%8d%7s", &seq, &until, tail) != 3 ||
            strcmp (tail, ".fcb") || until < 0)
            continue;
        if (dbk_grow (out, &cap, n + 1, sizeof **out, 8))
            break;
        (*out)[n++] = (s_entry_t){seq, (fc_day_t) until};
    }
    closedir (d);
    if (n)
        qsort (*out, n, sizeof **out, s_newest_first);
    return n;
}

bool fc_kept_has (const char *dir, fc_day_t until)
{
    s_entry_t *e;
    size_t n = s_list (dir, &e);
    bool has = false;
    for (size_t i = 0; i < n && !has; i++)
        has = e[i].until == until;
    free (e);
    return has;
}

/*  Is day the last of its month? */
static bool s_month_end (fc_day_t day)
{
    char a[11], b[11];
    fc_day_format (day, a);
    fc_day_format (day + 1, b);
    return memcmp (a, b, 7) != 0;
}

void fc_kept_prune (const char *dir, fc_day_t today)
{
    s_entry_t *e;
    size_t n = s_list (dir, &e);
    int heads = 0;
    for (size_t i = 0; i < n; i++) {
        bool keep;
        if (e[i].until == 0)
            keep = ++heads <= FC_KEPT_HEADS;
        else
            keep = e[i].until >= today - FC_KEPT_DAYS ||
                   (s_month_end (e[i].until) && e[i].until >= today - 31 * FC_KEPT_MONTHS);
        if (!keep)
            fc_kept_drop (dir, e[i].seq, e[i].until);
    }
    free (e);
}

int fc_kept_save (const char *dir, const fc_store_t *store, fc_kept_t *k, fc_day_t today,
                  size_t *bytes)
{
    if (mkdir (dir, 0755) && errno != EEXIST)
        return errno == ENOSPC ? DBK_ENOSPC : DBK_EIO;
    char tmp[1200], path[1200];
    snprintf (tmp, sizeof tmp, "%s/book.tmp", dir);
    s_name (path, sizeof path, dir, k->seq, k->until);
    s_out_t o = {.f = fopen (tmp, "wb")};
    if (!o.f)
        return errno == ENOSPC ? DBK_ENOSPC : DBK_EIO;
    setvbuf (o.f, NULL, _IOFBF, 1 << 20);
    crypto_generichash_init (&o.h, NULL, 0, crypto_generichash_BYTES);
    s_head_t head = {.magic = S_MAGIC, .version = S_VERSION, .k = *k};
    head.k.pairs = 0; /* the count follows the pairs */
    s_write (&o, &head, sizeof head);
    uint64_t n = 0;
    int rc = 0;
    for (int t = 0; t < FC_TABS && !rc; t++) {
        s_dump_t d = {.o = &o, .table = (uint8_t) t};
        rc = store->scan (store->ctx, (fc_table_t) t, NULL, 0, s_dump_pair, &d);
        n += d.n;
    }
    s_write (&o, &n, sizeof n);
    uint8_t sum[crypto_generichash_BYTES];
    crypto_generichash_final (&o.h, sum, sizeof sum);
    if (!o.failed && fwrite (sum, sizeof sum, 1, o.f) != 1) {
        o.failed = true;
        o.err = errno;
    }
    if (!rc && !o.failed && (fflush (o.f) || fsync (fileno (o.f)))) {
        o.failed = true;
        o.err = errno;
    }
    if (fclose (o.f) && !o.failed) {
        o.failed = true;
        o.err = errno;
    }
    if (o.failed) /* a write failed, in the pairs or after them */
        rc = o.err == ENOSPC || o.err == EDQUOT ? DBK_ENOSPC : DBK_EIO;
    if (!rc && rename (tmp, path))
        rc = DBK_EIO;
    if (rc) {
        unlink (tmp);
        return rc;
    }
    /*  the book is whole either way; a crash before the directory reaches
        the disk loses at most the rename (a book.tmp is never read) */
    (void) dbk_fsync_path (dir);
    k->pairs = n;
    if (bytes)
        *bytes = o.bytes + sizeof sum;
    fc_kept_prune (dir, today);
    return 0;
}

/*  ---- reading ---- */

/*  The header of the file at path (not yet checked against its
    trailer). 0, DBK_ECORRUPT (too short, another format or version),
    DBK_EIO. */
static int s_head (const char *path, s_head_t *head)
{
    int fd = open (path, O_RDONLY);
    if (fd < 0)
        return DBK_EIO;
    ssize_t got = pread (fd, head, sizeof *head, 0);
    close (fd);
    if (got < 0)
        return DBK_EIO;
    if ((size_t) got < sizeof *head || memcmp (head->magic, S_MAGIC, sizeof S_MAGIC) ||
        head->version != S_VERSION)
        return DBK_ECORRUPT;
    return 0;
}

/*  Map the file and check it against its trailer; *k from its header.
    0, DBK_ECORRUPT (cut short, altered), or DBK_EIO / DBK_ENOMEM (the
    file may be good: it is left alone). */
static int s_map (const char *path, const uint8_t **p_out, size_t *n_out, fc_kept_t *k)
{
    int fd = open (path, O_RDONLY);
    if (fd < 0)
        return DBK_EIO;
    struct stat st;
    if (fstat (fd, &st)) {
        close (fd);
        return DBK_EIO;
    }
    if ((size_t) st.st_size < sizeof (s_head_t) + 8 + 32) {
        close (fd);
        return DBK_ECORRUPT;
    }
    size_t n = (size_t) st.st_size;
    void *p = mmap (NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    close (fd);
    if (p == MAP_FAILED)
        return DBK_ENOMEM;
    const uint8_t *b = p;
    s_head_t head;
    memcpy (&head, b, sizeof head);
    uint8_t sum[crypto_generichash_BYTES];
    int rc = DBK_ECORRUPT;
    if (!memcmp (head.magic, S_MAGIC, sizeof S_MAGIC) && head.version == S_VERSION) {
        crypto_generichash (sum, sizeof sum, b, n - sizeof sum, NULL, 0);
        if (!sodium_memcmp (sum, b + n - sizeof sum, sizeof sum))
            rc = 0;
    }
    if (rc) {
        munmap (p, n);
        return rc;
    }
    memcpy (&head.k.pairs, b + n - 8 - 32, 8);
    *k = head.k;
    *p_out = b;
    *n_out = n;
    return 0;
}

/*  The pairs of a mapped file into a new in-memory store. */
static int s_fill (const uint8_t *b, size_t n, const fc_kept_t *k, fc_store_t **store_p)
{
    fc_store_t *st = fc_mem_store_new ();
    if (!st)
        return DBK_ENOMEM;
    size_t at = sizeof (s_head_t), end = n - 8 - 32;
    uint64_t got = 0;
    int rc = 0;
    while (!rc && at < end) {
        uint8_t t;
        uint32_t kl, vl;
        if (end - at < 9) {
            rc = DBK_ECORRUPT;
            break;
        }
        t = b[at];
        memcpy (&kl, b + at + 1, 4);
        memcpy (&vl, b + at + 5, 4);
        at += 9;
        if (t >= FC_TABS || kl == 0 || kl > end - at || vl > end - at - kl) {
            rc = DBK_ECORRUPT;
            break;
        }
        rc = st->put (st->ctx, (fc_table_t) t, b + at, kl, b + at + kl, vl);
        at += (size_t) kl + vl;
        got++;
    }
    if (!rc && got != k->pairs)
        rc = DBK_ECORRUPT;
    if (rc) {
        fc_mem_store_destroy (&st);
        return rc;
    }
    *store_p = st;
    return 0;
}

int fc_kept_load (const char *dir, fc_day_t until, int64_t cut_ms, fc_store_t **store_p,
                  fc_kept_t *k, int *dropped)
{
    *store_p = NULL;
    if (dropped)
        *dropped = 0;
    s_entry_t *e;
    size_t nb = s_list (dir, &e);
    int rc = DBK_ENOTFOUND;
    for (size_t i = 0; i < nb && rc == DBK_ENOTFOUND; i++) {
        char path[1200];
        s_name (path, sizeof path, dir, e[i].seq, e[i].until);
        /*  the header first: only the book chosen is read whole */
        s_head_t head;
        int hrc = s_head (path, &head);
        bool bad =
            hrc == DBK_ECORRUPT || (!hrc && (head.k.seq != e[i].seq || head.k.until != e[i].until));
        if (!bad && (hrc || !fc_kept_fits (&head.k, until, cut_ms)))
            continue;
        const uint8_t *b = NULL;
        size_t n = 0;
        int mrc = bad ? DBK_ECORRUPT : s_map (path, &b, &n, k);
        if (!mrc && !fc_kept_fits (k, until, cut_ms)) {
            mrc = DBK_ECORRUPT; /* the header said otherwise: altered */
            munmap ((void *) b, n);
        }
        if (!mrc) {
            mrc = s_fill (b, n, k, store_p);
            munmap ((void *) b, n);
            if (!mrc)
                rc = 0;
            else if (mrc != DBK_ECORRUPT)
                rc = mrc; /* out of memory: no other book does better */
        }
        if (mrc == DBK_ECORRUPT) {
            unlink (path); /* cut short, altered, or of another version */
            if (dropped)
                ++*dropped;
        }
    }
    free (e);
    return rc;
}
