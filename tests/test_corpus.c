/*  test_corpus.c - replay every fuzz seed (fuzz/corpus/<target>/) and every
    saved crash (fuzz/crashes/<target>/) through the fuzz targets' own code,
    so that `make test` keeps each crash fixed without clang or libFuzzer.

    The fuzz targets are included here with FUZZ_NO_ENTRY: the same
    decoders and the same property checks (a violated property aborts,
    which Criterion reports as a crash). Paths are relative to $DBK_ROOT
    (tests/run.sh exports it), else to the current directory.

    Seed names say what a file must decode to (see fuzz/make_seeds.py):
    proposed-*, record-*, request-*, reply-ok-*, reply-err-*, bad-*.
*/
#define FUZZ_NO_ENTRY
#include "../fuzz/fuzz_envelope.c"
#include "../fuzz/fuzz_proto.c"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef void (*s_replay_fn) (const char *name, const uint8_t *data, size_t size);

static bool s_starts (const char *s, const char *prefix)
{
    return strncmp (s, prefix, strlen (prefix)) == 0;
}

static void s_path (char *out, size_t outsz, const char *rel)
{
    const char *root = getenv ("DBK_ROOT");
    snprintf (out, outsz, "%s/%s", root && *root ? root : ".", rel);
}

/*  The whole file; the caller frees it. */
static uint8_t *s_slurp (const char *path, size_t *size)
{
    FILE *f = fopen (path, "rb");
    cr_assert_not_null (f, "%s: %s", path, strerror (errno));
    cr_assert_eq (fseek (f, 0, SEEK_END), 0);
    long n = ftell (f);
    cr_assert_geq (n, 0);
    rewind (f);
    uint8_t *data = malloc ((size_t) n + 1); /* + 1: never malloc (0) */
    cr_assert_not_null (data);
    cr_assert_eq (fread (data, 1, (size_t) n, f), (size_t) n, "%s", path);
    fclose (f);
    *size = (size_t) n;
    return data;
}

/*  Replay every regular file of <root>/<rel> through fn; returns how many.
    A missing directory counts 0 files. */
static size_t s_replay_dir (const char *rel, s_replay_fn fn)
{
    char dir[4096];
    s_path (dir, sizeof dir, rel);
    DIR *d = opendir (dir);
    if (!d)
        return 0;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir (d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat (path, &st) != 0 || !S_ISREG (st.st_mode))
            continue;
        size_t size;
        uint8_t *data = s_slurp (path, &size);
        fn (e->d_name, data, size);
        free (data);
        count++;
    }
    closedir (d);
    return count;
}

#define S_IS_DBK_RC(rc) ((rc) <= 0 && (rc) >= DBK_ELAST)

static void s_envelope (const char *name, const uint8_t *data, size_t size)
{
    fuzz_envelope_rc_t rc = fuzz_envelope_run (data, size);
    cr_assert (S_IS_DBK_RC (rc.parse) && S_IS_DBK_RC (rc.proposed) && S_IS_DBK_RC (rc.record) &&
                   S_IS_DBK_RC (rc.check) && S_IS_DBK_RC (rc.peek),
               "%s: a decoder answered something other than 0 or a DBK code", name);
    if (s_starts (name, "proposed-"))
        cr_assert_eq (rc.proposed, 0, "%s: %s", name, dbk_strerror (rc.proposed));
    if (s_starts (name, "record-")) {
        cr_assert_eq (rc.record, 0, "%s: %s", name, dbk_strerror (rc.record));
        cr_assert_eq (rc.check, 0, "%s: the hash chain does not verify", name);
        cr_assert_eq (rc.peek, 0, "%s", name);
    }
    if (s_starts (name, "bad-"))
        cr_assert (rc.proposed < 0 && rc.record < 0, "%s was accepted", name);
}

static void s_proto (const char *name, const uint8_t *data, size_t size)
{
    fuzz_proto_rc_t rc = fuzz_proto_run (data, size);
    cr_assert (S_IS_DBK_RC (rc.parse) && S_IS_DBK_RC (rc.request) && S_IS_DBK_RC (rc.reply),
               "%s: a decoder answered something other than 0 or a DBK code", name);
    if (s_starts (name, "request-"))
        cr_assert_eq (rc.request, 0, "%s: %s", name, dbk_strerror (rc.request));
    if (s_starts (name, "reply-ok-"))
        cr_assert_eq (rc.reply, 0, "%s: %s", name, dbk_strerror (rc.reply));
    if (s_starts (name, "reply-err-"))
        cr_assert (rc.reply < 0 && rc.reply != DBK_EMALFORMED, "%s: %s", name,
                   dbk_strerror (rc.reply));
    if (s_starts (name, "bad-"))
        cr_assert_lt (rc.request, 0, "%s was accepted", name);
}

/*  The replay function of a target directory's name. */
static s_replay_fn s_target (const char *name)
{
    if (!strcmp (name, "fuzz_envelope"))
        return s_envelope;
    if (!strcmp (name, "fuzz_proto"))
        return s_proto;
    return NULL;
}

/*  Replay every <top>/<target>/ directory; returns the files replayed. */
static size_t s_replay_all (const char *top)
{
    char dir[4096];
    s_path (dir, sizeof dir, top);
    DIR *d = opendir (dir);
    cr_assert_not_null (d, "%s: %s (is DBK_ROOT the repository?)", dir, strerror (errno));
    size_t total = 0;
    struct dirent *e;
    while ((e = readdir (d))) {
        if (e->d_name[0] == '.')
            continue;
        s_replay_fn fn = s_target (e->d_name);
        cr_assert_not_null (fn, "%s/%s: no such fuzz target in tests/test_corpus.c", top,
                            e->d_name);
        char rel[4096];
        snprintf (rel, sizeof rel, "%s/%s", top, e->d_name);
        total += s_replay_dir (rel, fn);
    }
    closedir (d);
    return total;
}

Test (corpus, every_seed_decodes_without_crash_and_as_its_name_says)
{
    size_t n = s_replay_all ("fuzz/corpus");
    cr_assert_geq (n, 10, "only %zu seeds found", n);
}

Test (corpus, every_saved_crash_replays_without_crash)
{
    size_t n = s_replay_all ("fuzz/crashes");
    cr_assert_geq (n, 2, "only %zu saved crashes found", n);
}

Test (corpus, envelope_and_proto_seeds_are_both_present)
{
    cr_assert_geq (s_replay_dir ("fuzz/corpus/fuzz_envelope", s_envelope), 5);
    cr_assert_geq (s_replay_dir ("fuzz/corpus/fuzz_proto", s_proto), 5);
}

/*  The regressions, each by name: what they must answer now. */

Test (corpus, the_0xdddddddd_map_is_refused_as_malformed_by_both_targets)
{
    static const char *const paths[] = {
        "fuzz/crashes/fuzz_envelope/map-0xdddddddd-pairs-in-10-bytes",
        "fuzz/crashes/fuzz_proto/map-0xdddddddd-pairs-in-10-bytes"};
    for (size_t i = 0; i < 2; i++) {
        char path[4096];
        s_path (path, sizeof path, paths[i]);
        size_t size;
        uint8_t *data = s_slurp (path, &size);
        cr_assert_eq (size, 10);
        fuzz_envelope_rc_t e = fuzz_envelope_run (data, size);
        cr_assert_eq (e.parse, DBK_EMALFORMED);
        cr_assert_eq (e.record, DBK_EMALFORMED);
        fuzz_proto_rc_t p = fuzz_proto_run (data, size);
        cr_assert_eq (p.parse, DBK_EMALFORMED);
        free (data);
    }
}

Test (corpus, a_duplicate_key_in_a_large_payload_map_is_refused)
{
    char path[4096];
    s_path (path, sizeof path, "fuzz/crashes/fuzz_envelope/dup-key-in-a-4101-key-data-map");
    size_t size;
    uint8_t *data = s_slurp (path, &size);
    fuzz_envelope_rc_t rc = fuzz_envelope_run (data, size);
    cr_assert_eq (rc.parse, 0);
    cr_assert_eq (rc.proposed, DBK_EINVAL);
    dbk_doc_t *doc = NULL;
    cr_assert_eq (dbk_doc_parse (data, size, &doc), 0);
    dbk_event_t ev;
    const char *field = NULL;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field), DBK_EINVAL);
    cr_assert_str_eq (field, "data");
    dbk_doc_destroy (&doc);
    free (data);
}
