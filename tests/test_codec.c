/*  test_codec.c - the bounded validator (dbk_mp_check) and parsed
    documents with their accessors (dbk_codec.h), tested as specifications
    through the public API. The writer and cursor are in
    test_codec_writer.c; the event envelope and record in test_envelope.c;
    error names and replies in test_proto.c.
*/
#include "support/codec_given.h"
#include "support/testlib.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int s_check (const uint8_t *b, size_t n)
{
    return dbk_mp_check (b, n, DBK_MP_MAX_DEPTH);
}

/*  ================= dbk_mp_check: the bounded validator ================= */

Test (mp_check, accepts_every_well_formed_scalar_and_header_form)
{
    cr_assert_eq (s_check (MP (0xc0)), 0);                               /* nil      */
    cr_assert_eq (s_check (MP (0xc2)), 0);                               /* false    */
    cr_assert_eq (s_check (MP (0xc3)), 0);                               /* true     */
    cr_assert_eq (s_check (MP (0x00)), 0);                               /* fixint   */
    cr_assert_eq (s_check (MP (0x7f)), 0);                               /* fixint   */
    cr_assert_eq (s_check (MP (0xe0)), 0);                               /* -32      */
    cr_assert_eq (s_check (MP (0xcc, 0xff)), 0);                         /* uint8    */
    cr_assert_eq (s_check (MP (0xcd, 0xff, 0xff)), 0);                   /* uint16   */
    cr_assert_eq (s_check (MP (0xce, 1, 2, 3, 4)), 0);                   /* uint32   */
    cr_assert_eq (s_check (MP (0xcf, 1, 2, 3, 4, 5, 6, 7, 8)), 0);       /* uint64   */
    cr_assert_eq (s_check (MP (0xd0, 0x80)), 0);                         /* int8     */
    cr_assert_eq (s_check (MP (0xd1, 0x80, 0)), 0);                      /* int16    */
    cr_assert_eq (s_check (MP (0xd2, 0x80, 0, 0, 0)), 0);                /* int32    */
    cr_assert_eq (s_check (MP (0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0)), 0);    /* int64    */
    cr_assert_eq (s_check (MP (0xca, 0x3f, 0x80, 0, 0)), 0);             /* float32  */
    cr_assert_eq (s_check (MP (0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0)), 0); /* float64  */
    cr_assert_eq (s_check (MP (0xa0)), 0);                               /* ""       */
    cr_assert_eq (s_check (MP (0xa2, 'h', 'i')), 0);                     /* fixstr   */
    cr_assert_eq (s_check (MP (0xd9, 1, 'x')), 0);                       /* str8     */
    cr_assert_eq (s_check (MP (0xda, 0, 1, 'x')), 0);                    /* str16    */
    cr_assert_eq (s_check (MP (0xdb, 0, 0, 0, 1, 'x')), 0);              /* str32    */
    cr_assert_eq (s_check (MP (0xc4, 2, 0xff, 0x00)), 0);                /* bin8     */
    cr_assert_eq (s_check (MP (0xc5, 0, 1, 0xc1)), 0);                   /* bin16    */
    cr_assert_eq (s_check (MP (0xc6, 0, 0, 0, 0)), 0);                   /* bin32    */
    cr_assert_eq (s_check (MP (0x90)), 0);                               /* []       */
    cr_assert_eq (s_check (MP (0x92, 0x01, 0xc0)), 0);                   /* fixarray */
    cr_assert_eq (s_check (MP (0xdc, 0, 1, 0xc3)), 0);                   /* array16  */
    cr_assert_eq (s_check (MP (0xdd, 0, 0, 0, 1, 0xc3)), 0);             /* array32  */
    cr_assert_eq (s_check (MP (0x80)), 0);                               /* {}       */
    cr_assert_eq (s_check (MP (0x81, 0xa1, 'k', 0x01)), 0);              /* fixmap   */
    cr_assert_eq (s_check (MP (0xde, 0, 1, 0xa1, 'k', 0xc0)), 0);        /* map16    */
    cr_assert_eq (s_check (MP (0xdf, 0, 0, 0, 1, 0x01, 0x90)), 0);       /* map32    */
}

Test (mp_check, accepts_what_the_writer_produces)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "name", "Zoë — 风电");
    dbk_wr_cstr (w, "list");
    dbk_wr_array (w, 4);
    dbk_wr_i64 (w, INT64_MIN);
    dbk_wr_u64 (w, UINT64_MAX);
    dbk_wr_double (w, -0.5);
    dbk_wr_bin (w, "\0\1", 2);
    dbk_wr_cstr (w, "nested");
    dbk_wr_map (w, 1);
    dbk_wr_kv_bool (w, "x", true);
    cr_assert_eq (dbk_mp_check (dbk_wr_data (w), dbk_wr_size (w), DBK_MP_MAX_DEPTH), 0);
    dbk_wr_destroy (&w);
}

Test (mp_check, empty_input_is_malformed)
{
    uint8_t none[1] = {0};
    cr_assert_eq (dbk_mp_check (none, 0, DBK_MP_MAX_DEPTH), DBK_EMALFORMED);
}

Test (mp_check, truncated_str_is_malformed)
{
    cr_assert_eq (s_check (MP (0xa5, 'a', 'b')), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xd9)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xd9, 5, 'a')), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xda, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xda, 0, 3, 'a', 'b')), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xdb, 0, 0, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xdb, 0, 0, 0, 2, 'a')), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x91, 0xa3, 'a')), DBK_EMALFORMED);
}

Test (mp_check, truncated_bin_is_malformed)
{
    cr_assert_eq (s_check (MP (0xc4)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xc4, 3, 1, 2)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xc5, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xc5, 0, 2, 1)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xc6, 0, 0, 0, 5, 1, 2, 3, 4)), DBK_EMALFORMED);
}

Test (mp_check, truncated_array_is_malformed)
{
    cr_assert_eq (s_check (MP (0x93, 0x01, 0x02)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xdc, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xdc, 0, 3, 1, 2)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xdd, 0, 0, 0, 2, 1)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x92, 0x92, 0x01)), DBK_EMALFORMED);
}

Test (mp_check, truncated_map_is_malformed)
{
    cr_assert_eq (s_check (MP (0x82, 0xa1, 'a', 0x01)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x81, 0xa1, 'a')), DBK_EMALFORMED); /* key, no value */
    cr_assert_eq (s_check (MP (0xde, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xde, 0, 1, 0xa1, 'a')), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xdf, 0, 0, 0, 1, 0xa1, 'a')), DBK_EMALFORMED);
}

Test (mp_check, truncated_numbers_are_malformed)
{
    cr_assert_eq (s_check (MP (0xcc)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xcd, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xce, 0, 0, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xcf, 0, 0, 0, 0, 0, 0, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xd0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xd3, 0, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xca, 0, 0, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xcb, 0, 0, 0, 0, 0, 0, 0)), DBK_EMALFORMED);
}

Test (mp_check, trailing_bytes_are_malformed)
{
    cr_assert_eq (s_check (MP (0xc0, 0xc0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x91, 0x01, 0x02)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x80, 0x00)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xa1, 'a', 'b')), DBK_EMALFORMED);
}

Test (mp_check, reserved_byte_0xc1_is_malformed_anywhere)
{
    cr_assert_eq (s_check (MP (0xc1)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x91, 0xc1)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x81, 0xa1, 'a', 0xc1)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x81, 0xc1, 0x01)), DBK_EMALFORMED);
}

Test (mp_check, every_ext_type_is_malformed)
{
    cr_assert_eq (s_check (MP (0xc7, 1, 5, 0)), DBK_EMALFORMED);          /* ext8     */
    cr_assert_eq (s_check (MP (0xc8, 0, 1, 5, 0)), DBK_EMALFORMED);       /* ext16    */
    cr_assert_eq (s_check (MP (0xc9, 0, 0, 0, 1, 5, 0)), DBK_EMALFORMED); /* ext32    */
    cr_assert_eq (s_check (MP (0xd4, 5, 0)), DBK_EMALFORMED);             /* fixext1  */
    cr_assert_eq (s_check (MP (0xd5, 5, 0, 0)), DBK_EMALFORMED);          /* fixext2  */
    cr_assert_eq (s_check (MP (0xd6, 0xff, 0, 0, 0, 1)), DBK_EMALFORMED); /* timestamp */
    cr_assert_eq (s_check (MP (0xd7, 5, 0, 0, 0, 0, 0, 0, 0, 0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xd8, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                  DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x81, 0xa1, 'a', 0xd4, 1, 0)), DBK_EMALFORMED); /* nested */
}

/*  A str holding `bytes` must be refused (or accepted) by both the UTF-8
    check and the validator. */
static void s_expect_utf8 (const char *bytes, size_t n, bool valid)
{
    cr_assert_eq (dbk_utf8_valid (bytes, n), valid, "utf8 of %zu bytes starting %02x", n,
                  (unsigned) (uint8_t) bytes[0]);
    uint8_t frame[16] = {(uint8_t) (0xa0 | n)};
    memcpy (frame + 1, bytes, n);
    cr_assert_eq (s_check (frame, n + 1), valid ? 0 : DBK_EMALFORMED);
    /*  as a map key too */
    uint8_t keyed[18] = {0x81, (uint8_t) (0xa0 | n)};
    memcpy (keyed + 2, bytes, n);
    keyed[2 + n] = 0xc0;
    cr_assert_eq (s_check (keyed, n + 3), valid ? 0 : DBK_EMALFORMED);
}

#define UTF8(valid, ...)                                                                           \
    s_expect_utf8 ((const char[]){__VA_ARGS__}, sizeof ((const char[]){__VA_ARGS__}), valid)

Test (mp_check, valid_utf8_is_accepted)
{
    UTF8 (true, 'a');
    UTF8 (true, '\x7f');
    UTF8 (true, '\xc3', '\xa9');                 /* é  U+00E9  */
    UTF8 (true, '\xdf', '\xbf');                 /* U+07FF     */
    UTF8 (true, '\xe0', '\xa0', '\x80');         /* U+0800     */
    UTF8 (true, '\xe2', '\x82', '\xac');         /* €  U+20AC  */
    UTF8 (true, '\xed', '\x9f', '\xbf');         /* U+D7FF, just below the surrogates */
    UTF8 (true, '\xee', '\x80', '\x80');         /* U+E000, just above them */
    UTF8 (true, '\xef', '\xbf', '\xbf');         /* U+FFFF     */
    UTF8 (true, '\xf0', '\x90', '\x80', '\x80'); /* U+10000    */
    UTF8 (true, '\xf0', '\x9d', '\x84', '\x9e'); /* 𝄞 U+1D11E  */
    UTF8 (true, '\xf4', '\x8f', '\xbf', '\xbf'); /* U+10FFFF   */
    cr_assert (dbk_utf8_valid ("", 0));
}

Test (mp_check, invalid_utf8_is_malformed)
{
    UTF8 (false, '\x80');                         /* lone continuation        */
    UTF8 (false, '\xbf');                         /* lone continuation        */
    UTF8 (false, '\xc0', '\x80');                 /* overlong NUL             */
    UTF8 (false, '\xc1', '\xbf');                 /* overlong U+007F          */
    UTF8 (false, '\xe0', '\x80', '\x80');         /* overlong 3-byte NUL      */
    UTF8 (false, '\xe0', '\x9f', '\xbf');         /* overlong U+07FF          */
    UTF8 (false, '\xf0', '\x80', '\x80', '\x80'); /* overlong 4-byte NUL      */
    UTF8 (false, '\xf0', '\x8f', '\xbf', '\xbf'); /* overlong U+FFFF          */
    UTF8 (false, '\xed', '\xa0', '\x80');         /* surrogate U+D800         */
    UTF8 (false, '\xed', '\xb2', '\x80');         /* surrogate U+DC80         */
    UTF8 (false, '\xed', '\xbf', '\xbf');         /* surrogate U+DFFF         */
    UTF8 (false, '\xf4', '\x90', '\x80', '\x80'); /* U+110000, beyond Unicode */
    UTF8 (false, '\xf5', '\x80', '\x80', '\x80'); /* lead byte beyond F4      */
    UTF8 (false, '\xff');
    UTF8 (false, '\xfe');
    UTF8 (false, '\xe2', '\x82');              /* truncated sequence       */
    UTF8 (false, '\xc3');                      /* truncated at the end     */
    UTF8 (false, '\xc3', 'a');                 /* bad continuation         */
    UTF8 (false, '\xf0', '\x9d', '\x84', 'x'); /* bad last continuation    */
    UTF8 (false, 'o', 'k', '\xc3');            /* valid, then truncated    */
}

Test (mp_check, utf8_is_checked_at_every_position_of_a_long_text)
{
    /*  ASCII is skipped a word at a time: a bad byte, a good sequence or
        a truncated one is seen wherever it falls against the words */
    char text[40];
    for (size_t at = 0; at < sizeof text; at++) {
        memset (text, 'a', sizeof text);
        text[at] = '\x80'; /* a lone continuation */
        cr_assert (!dbk_utf8_valid (text, sizeof text), "bad byte at %zu", at);
        text[at] = '\xff';
        cr_assert (!dbk_utf8_valid (text, sizeof text), "0xff at %zu", at);
        if (at + 1 < sizeof text) {
            text[at] = '\xc3', text[at + 1] = '\xa9'; /* é */
            cr_assert (dbk_utf8_valid (text, sizeof text), "é at %zu", at);
            text[at + 1] = 'a'; /* bad continuation */
            cr_assert (!dbk_utf8_valid (text, sizeof text), "bad continuation at %zu", at);
        }
        memset (text, 'a', sizeof text);
        text[at] = '\xe2'; /* the first byte of €, cut by the length */
        cr_assert (!dbk_utf8_valid (text, at + 1), "truncated at %zu", at);
        cr_assert (dbk_utf8_valid (text, at), "the ASCII before it, %zu bytes", at);
    }
}

/*  A cap on this process's address space: whatever tries a huge
    allocation fails (and msgpack-c would answer NOMEM) instead of
    succeeding lazily under overcommit. Not under ASan, which reserves
    terabytes of shadow memory. Returns false if no cap was set. */
static bool s_cap_address_space (struct rlimit *old)
{
#ifdef TESTLIB_ASAN
    (void) old;
    return false;
#else
    FILE *f = fopen ("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f)
        return false;
    int n = fscanf (f, "%lu", &pages);
    fclose (f);
    if (n != 1 || getrlimit (RLIMIT_AS, old) != 0)
        return false;
    struct rlimit cap = *old;
    cap.rlim_cur = (rlim_t) pages * (rlim_t) sysconf (_SC_PAGESIZE) + ((rlim_t) 512 << 20);
    return setrlimit (RLIMIT_AS, &cap) == 0;
#endif
}

Test (mp_check, map_announcing_0xdddddddd_entries_in_ten_bytes_is_refused_without_allocating)
{
    /*  the input libFuzzer found against msgpack-c 4.0.0: unpacking it
        directly tries to allocate 0xdddddddd * 48 bytes */
    const uint8_t bomb[10] = {0xdf, 0xdd, 0xdd, 0xdd, 0xdd, 0xa1, 'a', 0x01, 0xa1, 'b'};
    cr_assert_eq (s_check (bomb, sizeof bomb), DBK_EMALFORMED);

    struct rlimit old;
    bool capped = s_cap_address_space (&old);
    dbk_doc_t *doc = (dbk_doc_t *) 1;
    int rc = dbk_doc_parse (bomb, sizeof bomb, &doc);
    if (capped)
        setrlimit (RLIMIT_AS, &old);
    /*  DBK_ENOMEM would mean msgpack-c was reached and tried to allocate */
    cr_assert_eq (rc, DBK_EMALFORMED, "got %s", dbk_strerror (rc));
    cr_assert_null (doc);
}

Test (mp_check, other_lying_counts_are_refused_before_unpacking)
{
    cr_assert_eq (s_check (MP (0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xc0, 0xc0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0x91, 0xdf, 0xdd, 0xdd, 0xdd, 0xdd, 0xc0)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xdb, 0xdd, 0xdd, 0xdd, 0xdd, 'a')), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xc6, 0xdd, 0xdd, 0xdd, 0xdd, 0x00)), DBK_EMALFORMED);
    cr_assert_eq (s_check (MP (0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0)), DBK_EMALFORMED);
    /*  a map of 3 pairs needs at least 6 more bytes */
    cr_assert_eq (s_check (MP (0x83, 1, 1, 1, 1, 1)), DBK_EMALFORMED);
}

Test (mp_check, nesting_beyond_max_depth_is_too_big)
{
    uint8_t buf[512];
    /*  depth counts levels of values: [nil] is 2 deep */
    size_t n = s_nest (buf, DBK_MP_MAX_DEPTH, 0xc0);
    cr_assert_eq (s_check (buf, n), DBK_ETOOBIG);
    n = s_nest (buf, 400, 0xc0);
    cr_assert_eq (s_check (buf, n), DBK_ETOOBIG);
    dbk_doc_t *doc = NULL;
    cr_assert_eq (dbk_doc_parse (buf, n, &doc), DBK_ETOOBIG);
    cr_assert_null (doc);
    /*  maps nest too */
    for (size_t i = 0; i < 100; i++) {
        buf[3 * i] = 0x81;
        buf[3 * i + 1] = 0xa1;
        buf[3 * i + 2] = 'k';
    }
    buf[300] = 0x01;
    cr_assert_eq (s_check (buf, 301), DBK_ETOOBIG);
}

Test (mp_check, nesting_up_to_max_depth_is_accepted_and_unpacked)
{
    uint8_t buf[64];
    size_t n = s_nest (buf, DBK_MP_MAX_DEPTH - 1, 0xc0);
    cr_assert_eq (s_check (buf, n), 0);
    /*  msgpack-c must take whatever the validator lets through */
    dbk_doc_t *doc = s_parse (buf, n);
    dbk_doc_destroy (&doc);
    n = s_nest (buf, DBK_MP_MAX_DEPTH - 1, 0x90);
    cr_assert_eq (s_check (buf, n), 0);
    doc = s_parse (buf, n);
    dbk_doc_destroy (&doc);
}

Test (mp_check, max_depth_argument_counts_levels_of_values)
{
    cr_assert_eq (dbk_mp_check (MP (0x01), 1), 0);
    cr_assert_eq (dbk_mp_check (MP (0x90), 1), 0); /* empty: no level below */
    cr_assert_eq (dbk_mp_check (MP (0x91, 0x01), 1), DBK_ETOOBIG);
    cr_assert_eq (dbk_mp_check (MP (0x91, 0x01), 2), 0);
    cr_assert_eq (dbk_mp_check (MP (0x91, 0x90), 2), 0);
    cr_assert_eq (dbk_mp_check (MP (0x91, 0x91, 0x01), 2), DBK_ETOOBIG);
    cr_assert_eq (dbk_mp_check (MP (0x81, 0x01, 0x91, 0x01), 2), DBK_ETOOBIG);
}

/*  ================= dbk_doc_t and its accessors ================= */

/*  {"nil": nil, "t": true, "f": false, "u": 300, "big": UINT64_MAX,
     "neg": -40000, "min": INT64_MIN, "f64": 2.5, "s": "héllo", "b": bin,
     "a": [1, "x"], "m": {"k": 1}} */
static dbk_doc_t *s_every_type (void)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 12);
    dbk_wr_cstr (w, "nil");
    dbk_wr_nil (w);
    dbk_wr_kv_bool (w, "t", true);
    dbk_wr_kv_bool (w, "f", false);
    dbk_wr_kv_u64 (w, "u", 300);
    dbk_wr_kv_u64 (w, "big", UINT64_MAX);
    dbk_wr_kv_i64 (w, "neg", -40000);
    dbk_wr_kv_i64 (w, "min", INT64_MIN);
    dbk_wr_cstr (w, "f64");
    dbk_wr_double (w, 2.5);
    dbk_wr_kv_cstr (w, "s", "héllo");
    dbk_wr_cstr (w, "b");
    dbk_wr_bin (w, "\x00\x01\x02", 3);
    dbk_wr_cstr (w, "a");
    dbk_wr_array (w, 2);
    dbk_wr_u64 (w, 1);
    dbk_wr_cstr (w, "x");
    dbk_wr_cstr (w, "m");
    dbk_wr_map (w, 1);
    dbk_wr_kv_u64 (w, "k", 1);
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_wr_destroy (&w);
    return doc;
}

Test (doc, every_type_reads_through_its_accessor)
{
    dbk_doc_t *doc = s_every_type ();
    const dbk_obj_t *r = dbk_doc_root (doc);
    cr_assert_eq (dbk_obj_type (r), DBK_T_MAP);
    cr_assert_eq (dbk_obj_len (r), 12);

    cr_assert_eq (dbk_obj_type (dbk_obj_get (r, "nil")), DBK_T_NIL);
    bool b = false;
    cr_assert_eq (dbk_obj_type (dbk_obj_get (r, "t")), DBK_T_BOOL);
    cr_assert_eq (dbk_obj_bool (dbk_obj_get (r, "t"), &b), 0);
    cr_assert (b);
    cr_assert_eq (dbk_obj_bool (dbk_obj_get (r, "f"), &b), 0);
    cr_assert_not (b);

    uint64_t u = 0;
    cr_assert_eq (dbk_obj_type (dbk_obj_get (r, "u")), DBK_T_UINT);
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (r, "u"), &u), 0);
    cr_assert_eq (u, 300);
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (r, "big"), &u), 0);
    cr_assert_eq (u, UINT64_MAX);

    int64_t i = 0;
    cr_assert_eq (dbk_obj_type (dbk_obj_get (r, "neg")), DBK_T_INT);
    cr_assert_eq (dbk_obj_i64 (dbk_obj_get (r, "neg"), &i), 0);
    cr_assert_eq (i, -40000);
    cr_assert_eq (dbk_obj_i64 (dbk_obj_get (r, "min"), &i), 0);
    cr_assert_eq (i, INT64_MIN);

    double d = 0;
    cr_assert_eq (dbk_obj_type (dbk_obj_get (r, "f64")), DBK_T_FLOAT);
    cr_assert_eq (dbk_obj_double (dbk_obj_get (r, "f64"), &d), 0);
    cr_assert_eq (d, 2.5);
    cr_assert_eq (dbk_obj_double (dbk_obj_get (r, "u"), &d), 0, "an integer reads as double");
    cr_assert_eq (d, 300.0);
    cr_assert_eq (dbk_obj_double (dbk_obj_get (r, "neg"), &d), 0);
    cr_assert_eq (d, -40000.0);

    const char *s;
    size_t n;
    cr_assert_eq (dbk_obj_type (dbk_obj_get (r, "s")), DBK_T_STR);
    cr_assert_eq (dbk_obj_str (dbk_obj_get (r, "s"), &s, &n), 0);
    cr_assert_eq (n, strlen ("héllo"));
    cr_assert_eq (memcmp (s, "héllo", n), 0);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "s"), "héllo"));
    cr_assert_not (dbk_obj_str_eq (dbk_obj_get (r, "s"), "héll"));
    cr_assert_not (dbk_obj_str_eq (dbk_obj_get (r, "s"), "héllo!"));
    cr_assert_not (dbk_obj_str_eq (dbk_obj_get (r, "u"), "300"));

    const uint8_t *bin;
    cr_assert_eq (dbk_obj_type (dbk_obj_get (r, "b")), DBK_T_BIN);
    cr_assert_eq (dbk_obj_bin (dbk_obj_get (r, "b"), &bin, &n), 0);
    cr_assert_eq (n, 3);
    cr_assert_eq (memcmp (bin, "\x00\x01\x02", 3), 0);

    const dbk_obj_t *a = dbk_obj_get (r, "a");
    cr_assert_eq (dbk_obj_type (a), DBK_T_ARRAY);
    cr_assert_eq (dbk_obj_len (a), 2);
    cr_assert_eq (dbk_obj_u64 (dbk_obj_at (a, 0), &u), 0);
    cr_assert_eq (u, 1);
    cr_assert (dbk_obj_str_eq (dbk_obj_at (a, 1), "x"));

    const dbk_obj_t *m = dbk_obj_get (r, "m");
    cr_assert_eq (dbk_obj_type (m), DBK_T_MAP);
    cr_assert_eq (dbk_obj_len (m), 1);
    cr_assert (dbk_obj_str_eq (dbk_obj_key_at (m, 0), "k"));
    cr_assert_eq (dbk_obj_u64 (dbk_obj_val_at (m, 0), &u), 0);
    cr_assert_eq (u, 1);
    dbk_doc_destroy (&doc);
}

Test (doc, accessors_refuse_other_types_and_null)
{
    dbk_doc_t *doc = s_every_type ();
    const dbk_obj_t *r = dbk_doc_root (doc);
    uint64_t u = 7;
    int64_t i = 7;
    bool b;
    double d;
    const char *s;
    const uint8_t *bin;
    size_t n;
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (r, "neg"), &u), DBK_EINVAL);
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (r, "s"), &u), DBK_EINVAL);
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (r, "f64"), &u), DBK_EINVAL);
    cr_assert_eq (u, 7, "a refused read leaves the output alone");
    cr_assert_eq (dbk_obj_i64 (dbk_obj_get (r, "s"), &i), DBK_EINVAL);
    cr_assert_eq (dbk_obj_i64 (dbk_obj_get (r, "t"), &i), DBK_EINVAL);
    cr_assert_eq (dbk_obj_bool (dbk_obj_get (r, "u"), &b), DBK_EINVAL);
    cr_assert_eq (dbk_obj_bool (dbk_obj_get (r, "nil"), &b), DBK_EINVAL);
    cr_assert_eq (dbk_obj_double (dbk_obj_get (r, "s"), &d), DBK_EINVAL);
    cr_assert_eq (dbk_obj_str (dbk_obj_get (r, "b"), &s, &n), DBK_EINVAL);
    cr_assert_eq (dbk_obj_bin (dbk_obj_get (r, "s"), &bin, &n), DBK_EINVAL);
    cr_assert_eq (dbk_obj_str (r, &s, &n), DBK_EINVAL);

    cr_assert_eq (dbk_obj_type (NULL), DBK_T_OTHER);
    cr_assert_eq (dbk_obj_u64 (NULL, &u), DBK_EINVAL);
    cr_assert_eq (dbk_obj_i64 (NULL, &i), DBK_EINVAL);
    cr_assert_eq (dbk_obj_bool (NULL, &b), DBK_EINVAL);
    cr_assert_eq (dbk_obj_double (NULL, &d), DBK_EINVAL);
    cr_assert_eq (dbk_obj_str (NULL, &s, &n), DBK_EINVAL);
    cr_assert_eq (dbk_obj_bin (NULL, &bin, &n), DBK_EINVAL);
    cr_assert_not (dbk_obj_str_eq (NULL, ""));
    cr_assert_eq (dbk_obj_len (NULL), 0);
    cr_assert_null (dbk_obj_get (NULL, "a"));
    cr_assert_null (dbk_obj_at (NULL, 0));
    cr_assert_null (dbk_obj_key_at (NULL, 0));
    cr_assert_null (dbk_obj_val_at (NULL, 0));
    cr_assert_not (dbk_obj_has_dup_keys (NULL));
    cr_assert_null (dbk_doc_root (NULL));
    dbk_doc_destroy (&doc);
}

Test (doc, i64_accepts_a_positive_integer_up_to_int64_max)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_array (w, 4);
    dbk_wr_u64 (w, 5);                        /* POSITIVE_INTEGER */
    dbk_wr_u64 (w, (uint64_t) INT64_MAX);     /* still fits        */
    dbk_wr_u64 (w, (uint64_t) INT64_MAX + 1); /* does not          */
    dbk_wr_i64 (w, 1700000000000);            /* packed as uint    */
    dbk_doc_t *doc = s_parse_wr (w);
    const dbk_obj_t *a = dbk_doc_root (doc);
    int64_t i = 0;
    cr_assert_eq (dbk_obj_type (dbk_obj_at (a, 0)), DBK_T_UINT);
    cr_assert_eq (dbk_obj_i64 (dbk_obj_at (a, 0), &i), 0);
    cr_assert_eq (i, 5);
    cr_assert_eq (dbk_obj_i64 (dbk_obj_at (a, 1), &i), 0);
    cr_assert_eq (i, INT64_MAX);
    i = 9;
    cr_assert_eq (dbk_obj_i64 (dbk_obj_at (a, 2), &i), DBK_EINVAL);
    cr_assert_eq (i, 9);
    cr_assert_eq (dbk_obj_type (dbk_obj_at (a, 3)), DBK_T_UINT);
    cr_assert_eq (dbk_obj_i64 (dbk_obj_at (a, 3), &i), 0);
    cr_assert_eq (i, 1700000000000);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

Test (doc, get_matches_str_keys_only_and_exactly)
{
    /*  {1: "int key", "1": "str key", "ab": 2} */
    dbk_doc_t *doc = s_parse (MP (0x83, 0x01, 0xa7, 'i', 'n', 't', ' ', 'k', 'e', 'y', 0xa1, '1',
                                  0xa7, 's', 't', 'r', ' ', 'k', 'e', 'y', 0xa2, 'a', 'b', 0x02));
    const dbk_obj_t *r = dbk_doc_root (doc);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "1"), "str key"));
    cr_assert_null (dbk_obj_get (r, "a"));
    cr_assert_null (dbk_obj_get (r, "abc"));
    cr_assert_null (dbk_obj_get (r, ""));
    cr_assert_not_null (dbk_obj_get (r, "ab"));
    cr_assert_null (dbk_obj_get (dbk_obj_get (r, "ab"), "x"), "not a map");
    dbk_doc_destroy (&doc);
}

Test (doc, indexing_is_bounded_and_typed)
{
    dbk_doc_t *doc = s_parse (MP (0x92, 0x81, 0xa1, 'k', 0x01, 0x02));
    const dbk_obj_t *a = dbk_doc_root (doc);
    cr_assert_not_null (dbk_obj_at (a, 1));
    cr_assert_null (dbk_obj_at (a, 2));
    cr_assert_null (dbk_obj_at (a, SIZE_MAX));
    cr_assert_null (dbk_obj_key_at (a, 0), "an array has no keys");
    const dbk_obj_t *m = dbk_obj_at (a, 0);
    cr_assert_not_null (dbk_obj_key_at (m, 0));
    cr_assert_null (dbk_obj_key_at (m, 1));
    cr_assert_null (dbk_obj_val_at (m, 1));
    cr_assert_null (dbk_obj_at (m, 0), "a map is not an array");
    cr_assert_eq (dbk_obj_len (dbk_obj_at (a, 1)), 0, "a scalar has no length");
    dbk_doc_destroy (&doc);
}

Test (doc, duplicate_str_keys_are_detected)
{
    dbk_doc_t *doc = s_parse (MP (0x83, 0xa1, 'a', 0x01, 0xa1, 'b', 0x02, 0xa1, 'a', 0x03));
    cr_assert (dbk_obj_has_dup_keys (dbk_doc_root (doc)));
    dbk_doc_destroy (&doc);
    doc = s_parse (MP (0x83, 0xa1, 'a', 0x01, 0xa2, 'a', 'b', 0x01, 0xa0, 0x01));
    cr_assert_not (dbk_obj_has_dup_keys (dbk_doc_root (doc)), "a, ab and \"\" are distinct");
    dbk_doc_destroy (&doc);
    doc = s_parse (MP (0x82, 0xa0, 0x01, 0xa0, 0x02));
    cr_assert (dbk_obj_has_dup_keys (dbk_doc_root (doc)), "two empty keys");
    dbk_doc_destroy (&doc);
    doc = s_parse (MP (0x91, 0x80));
    cr_assert_not (dbk_obj_has_dup_keys (dbk_doc_root (doc)), "an array is not a map");
    cr_assert_not (dbk_obj_has_dup_keys (dbk_obj_at (dbk_doc_root (doc), 0)), "{}");
    dbk_doc_destroy (&doc);
}

/*  A map of n distinct keys "k0".."k<n-1>", then key `last` if not NULL. */
static dbk_doc_t *s_big_map (uint32_t n, const char *last)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, n + (last != NULL));
    char key[32];
    for (uint32_t i = 0; i < n; i++) {
        snprintf (key, sizeof key, "k%u", i);
        dbk_wr_kv_u64 (w, key, i);
    }
    if (last)
        dbk_wr_kv_u64 (w, last, 0);
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_wr_destroy (&w);
    return doc;
}

Test (doc, duplicate_keys_in_a_large_map_are_detected)
{
    dbk_doc_t *doc = s_big_map (6000, "k17");
    cr_assert (dbk_obj_has_dup_keys (dbk_doc_root (doc)));
    dbk_doc_destroy (&doc);
    doc = s_big_map (6000, "k6000");
    cr_assert_not (dbk_obj_has_dup_keys (dbk_doc_root (doc)));
    dbk_doc_destroy (&doc);
}

/*  The worst a request can make the duplicate check do: a proposed event
    whose payload fills a frame with maps of thousands of distinct keys.
    Comparing every pair costs billions of comparisons (tens of seconds
    of a single-threaded log); sorting costs milliseconds. */
Test (doc, duplicate_check_of_a_frame_full_of_large_maps_is_fast, .timeout = 5)
{
    enum { MAPS = 380, KEYS = 4096 };
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 4);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, "0123456789abcdef", DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "type", "a.b");
    dbk_wr_kv_cstr (w, "actor", "me");
    dbk_wr_cstr (w, "data");
    dbk_wr_map (w, 1);
    dbk_wr_cstr (w, "rows");
    dbk_wr_array (w, MAPS);
    char key[16];
    for (int m = 0; m < MAPS; m++) {
        dbk_wr_map (w, KEYS);
        for (int k = 0; k < KEYS; k++) {
            snprintf (key, sizeof key, "%x", k);
            dbk_wr_cstr (w, key);
            dbk_wr_nil (w);
        }
    }
    cr_assert_leq (dbk_wr_size (w), DBK_FRAME_MAX);
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_event_t ev;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

Test (doc, parse_keeps_its_own_copy_of_the_bytes)
{
    uint8_t buf[] = {0x81, 0xa1, 'k', 0xa3, 'a', 'b', 'c'};
    dbk_doc_t *doc = s_parse (buf, sizeof buf);
    memset (buf, 0, sizeof buf);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (dbk_doc_root (doc), "k"), "abc"));
    dbk_doc_destroy (&doc);
}

Test (doc, parse_refuses_what_the_validator_refuses)
{
    dbk_doc_t *doc = (dbk_doc_t *) 1;
    cr_assert_eq (dbk_doc_parse (MP (0xc0, 0xc0), &doc), DBK_EMALFORMED);
    cr_assert_null (doc);
    cr_assert_eq (dbk_doc_parse (MP (0xd4, 1, 0), &doc), DBK_EMALFORMED);
    cr_assert_eq (dbk_doc_parse (MP (0xa1, 0xff), &doc), DBK_EMALFORMED);
    cr_assert_eq (dbk_doc_parse (MP (0x92, 0x01), &doc), DBK_EMALFORMED);
    cr_assert_eq (dbk_doc_parse (MP (0xc1), &doc), DBK_EMALFORMED);
    cr_assert_null (doc);
}

Test (doc, destroy_is_safe_twice_and_on_null)
{
    dbk_doc_t *doc = s_parse (MP (0xc0));
    dbk_doc_destroy (&doc);
    cr_assert_null (doc);
    dbk_doc_destroy (&doc);
    dbk_doc_destroy (NULL);
}
