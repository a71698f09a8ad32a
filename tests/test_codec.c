/*  test_codec.c - the codec (dbk_codec.h), the event envelope and record
    (dbk_event.h), error names (dbk_error.h) and reply reading
    (dbk_proto.h), tested as specifications through their public API.
*/
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

#if defined(__SANITIZE_ADDRESS__)
#define S_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S_ASAN 1
#endif
#endif

/*  Bytes of a literal: MP (0x93, 0x01) expands to "pointer, length". */
#define MP(...) ((const uint8_t[]){__VA_ARGS__}), sizeof ((const uint8_t[]){__VA_ARGS__})

static int s_check (const uint8_t *b, size_t n)
{
    return dbk_mp_check (b, n, DBK_MP_MAX_DEPTH);
}

/*  Parse, asserting success; the document is the caller's. */
static dbk_doc_t *s_parse (const void *b, size_t n)
{
    dbk_doc_t *doc = NULL;
    int rc = dbk_doc_parse (b, n, &doc);
    cr_assert_eq (rc, 0, "dbk_doc_parse: %s", dbk_strerror (rc));
    cr_assert_not_null (doc);
    return doc;
}

static dbk_doc_t *s_parse_wr (const dbk_wr_t *w)
{
    return s_parse (dbk_wr_data (w), dbk_wr_size (w));
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

/*  A cap on this process's address space: whatever tries a huge
    allocation fails (and msgpack-c would answer NOMEM) instead of
    succeeding lazily under overcommit. Not under ASan, which reserves
    terabytes of shadow memory. Returns false if no cap was set. */
static bool s_cap_address_space (struct rlimit *old)
{
#ifdef S_ASAN
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

/*  n nested one-element arrays around `inner` (0xc0, or 0x90 for an
    empty innermost array). Returns the length. */
static size_t s_nest (uint8_t *buf, size_t n, uint8_t inner)
{
    memset (buf, 0x91, n);
    buf[n] = inner;
    return n + 1;
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

/*  ================= dbk_wr_t: the writer ================= */

Test (writer, every_type_round_trips)
{
    static const uint64_t us[] = {0,     1,     127,         128,          255,       256,
                                  65535, 65536, 0xffffffffu, 0x100000000u, UINT64_MAX};
    static const int64_t is[] = {
        -1,        -32, -33, -128,     -129, -32768, -32769, INT32_MIN, (int64_t) INT32_MIN - 1,
        INT64_MIN, 0,   42,  INT64_MAX};
    static const double ds[] = {0.0, -0.0, 1.5, -1e300, 3.141592653589793};
    size_t nu = sizeof us / sizeof us[0], ni = sizeof is / sizeof is[0],
           nd = sizeof ds / sizeof ds[0];
    char longstr[70000];
    memset (longstr, 'z', sizeof longstr);
    uint8_t longbin[300];
    for (size_t i = 0; i < sizeof longbin; i++)
        longbin[i] = (uint8_t) i;

    dbk_wr_t *w = dbk_wr_new ();
    cr_assert_not_null (w);
    dbk_wr_array (w, (uint32_t) (nu + ni + nd + 9));
    for (size_t i = 0; i < nu; i++)
        dbk_wr_u64 (w, us[i]);
    for (size_t i = 0; i < ni; i++)
        dbk_wr_i64 (w, is[i]);
    for (size_t i = 0; i < nd; i++)
        dbk_wr_double (w, ds[i]);
    dbk_wr_nil (w);
    dbk_wr_bool (w, true);
    dbk_wr_bool (w, false);
    dbk_wr_str (w, "", 0);
    dbk_wr_str (w, longstr, sizeof longstr);
    dbk_wr_bin (w, longbin, sizeof longbin);
    dbk_wr_map (w, 0);
    dbk_wr_array (w, 0);
    dbk_wr_cstr (w, "end");

    dbk_doc_t *doc = s_parse_wr (w);
    const dbk_obj_t *a = dbk_doc_root (doc);
    cr_assert_eq (dbk_obj_len (a), nu + ni + nd + 9);
    size_t k = 0;
    for (size_t i = 0; i < nu; i++, k++) {
        uint64_t u;
        cr_assert_eq (dbk_obj_u64 (dbk_obj_at (a, k), &u), 0);
        cr_assert_eq (u, us[i]);
    }
    for (size_t i = 0; i < ni; i++, k++) {
        int64_t v;
        cr_assert_eq (dbk_obj_i64 (dbk_obj_at (a, k), &v), 0);
        cr_assert_eq (v, is[i]);
    }
    for (size_t i = 0; i < nd; i++, k++) {
        double v;
        cr_assert_eq (dbk_obj_type (dbk_obj_at (a, k)), DBK_T_FLOAT);
        cr_assert_eq (dbk_obj_double (dbk_obj_at (a, k), &v), 0);
        cr_assert_eq (memcmp (&v, &ds[i], sizeof v), 0, "bit-exact double");
    }
    bool b;
    cr_assert_eq (dbk_obj_type (dbk_obj_at (a, k++)), DBK_T_NIL);
    cr_assert (dbk_obj_bool (dbk_obj_at (a, k++), &b) == 0 && b);
    cr_assert (dbk_obj_bool (dbk_obj_at (a, k++), &b) == 0 && !b);
    cr_assert (dbk_obj_str_eq (dbk_obj_at (a, k++), ""));
    const char *s;
    size_t n;
    cr_assert_eq (dbk_obj_str (dbk_obj_at (a, k++), &s, &n), 0);
    cr_assert (n == sizeof longstr && memcmp (s, longstr, n) == 0);
    const uint8_t *bin;
    cr_assert_eq (dbk_obj_bin (dbk_obj_at (a, k++), &bin, &n), 0);
    cr_assert (n == sizeof longbin && memcmp (bin, longbin, n) == 0);
    cr_assert_eq (dbk_obj_type (dbk_obj_at (a, k)), DBK_T_MAP);
    cr_assert_eq (dbk_obj_len (dbk_obj_at (a, k++)), 0);
    cr_assert_eq (dbk_obj_type (dbk_obj_at (a, k)), DBK_T_ARRAY);
    cr_assert_eq (dbk_obj_len (dbk_obj_at (a, k++)), 0);
    cr_assert (dbk_obj_str_eq (dbk_obj_at (a, k++), "end"));
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

/*  The writer's whole output equals these bytes. */
static void s_assert_bytes (dbk_wr_t *w, const uint8_t *want, size_t n)
{
    cr_assert_eq (dbk_wr_size (w), n, "%zu bytes written, %zu expected", dbk_wr_size (w), n);
    cr_assert_eq (memcmp (dbk_wr_data (w), want, n), 0);
    dbk_wr_reset (w);
}

Test (writer, integers_and_headers_use_the_shortest_form)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_u64 (w, 0);
    s_assert_bytes (w, MP (0x00));
    dbk_wr_u64 (w, 127);
    s_assert_bytes (w, MP (0x7f));
    dbk_wr_u64 (w, 128);
    s_assert_bytes (w, MP (0xcc, 0x80));
    dbk_wr_u64 (w, 256);
    s_assert_bytes (w, MP (0xcd, 0x01, 0x00));
    dbk_wr_u64 (w, 65536);
    s_assert_bytes (w, MP (0xce, 0, 1, 0, 0));
    dbk_wr_u64 (w, 0x100000000u);
    s_assert_bytes (w, MP (0xcf, 0, 0, 0, 1, 0, 0, 0, 0));
    dbk_wr_i64 (w, 5);
    s_assert_bytes (w, MP (0x05));
    dbk_wr_i64 (w, -1);
    s_assert_bytes (w, MP (0xff));
    dbk_wr_i64 (w, -32);
    s_assert_bytes (w, MP (0xe0));
    dbk_wr_i64 (w, -33);
    s_assert_bytes (w, MP (0xd0, 0xdf));
    dbk_wr_i64 (w, -129);
    s_assert_bytes (w, MP (0xd1, 0xff, 0x7f));
    char s32[32];
    memset (s32, 'a', sizeof s32);
    dbk_wr_str (w, s32, 31);
    cr_assert_eq (((const uint8_t *) dbk_wr_data (w))[0], 0xbf);
    dbk_wr_reset (w);
    dbk_wr_str (w, s32, 32);
    cr_assert_eq (((const uint8_t *) dbk_wr_data (w))[0], 0xd9);
    dbk_wr_reset (w);
    dbk_wr_map (w, 15);
    s_assert_bytes (w, MP (0x8f));
    dbk_wr_map (w, 16);
    s_assert_bytes (w, MP (0xde, 0x00, 0x10));
    dbk_wr_array (w, 16);
    s_assert_bytes (w, MP (0xdc, 0x00, 0x10));
    dbk_wr_bin (w, "x", 1);
    s_assert_bytes (w, MP (0xc4, 0x01, 'x'));
    dbk_wr_destroy (&w);
}

Test (writer, kv_helpers_write_a_key_then_a_value)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 4);
    dbk_wr_kv_u64 (w, "u", 1);
    dbk_wr_kv_i64 (w, "i", -1);
    dbk_wr_kv_cstr (w, "s", "v");
    dbk_wr_kv_bool (w, "b", true);
    s_assert_bytes (
        w, MP (0x84, 0xa1, 'u', 0x01, 0xa1, 'i', 0xff, 0xa1, 's', 0xa1, 'v', 0xa1, 'b', 0xc3));
    dbk_wr_destroy (&w);
}

Test (writer, reset_empties_and_raw_appends_verbatim)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_cstr (w, "something");
    dbk_wr_reset (w);
    cr_assert_eq (dbk_wr_size (w), 0);
    dbk_wr_array (w, 2);
    dbk_wr_raw (w, MP (0x92, 0x01, 0x02));
    dbk_wr_nil (w);
    s_assert_bytes (w, MP (0x92, 0x92, 0x01, 0x02, 0xc0));
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&w);
    cr_assert_null (w);
}

Test (writer, obj_reencodes_a_parsed_document_byte_for_byte)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "name", "Zoë");
    dbk_wr_cstr (w, "xs");
    dbk_wr_array (w, 5);
    dbk_wr_i64 (w, -70000);
    dbk_wr_u64 (w, 1u << 20);
    dbk_wr_double (w, 0.25);
    dbk_wr_bin (w, "\xff", 1);
    dbk_wr_nil (w);
    dbk_wr_cstr (w, "m");
    dbk_wr_map (w, 0);
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_wr_t *again = dbk_wr_new ();
    dbk_wr_obj (again, dbk_doc_root (doc));
    cr_assert_eq (dbk_wr_size (again), dbk_wr_size (w));
    cr_assert_eq (memcmp (dbk_wr_data (again), dbk_wr_data (w), dbk_wr_size (w)), 0);
    /*  a non-shortest input comes out shortest */
    dbk_doc_t *wide = s_parse (MP (0xcf, 0, 0, 0, 0, 0, 0, 0, 7));
    dbk_wr_reset (again);
    dbk_wr_obj (again, dbk_doc_root (wide));
    s_assert_bytes (again, MP (0x07));
    dbk_doc_destroy (&wide);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&again);
    dbk_wr_destroy (&w);
}

/*  ================= dbk_cur_t: the cursor ================= */

Test (cursor, reads_each_kind_and_ends_exactly_at_the_end)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 1);
    dbk_wr_array (w, 2);
    dbk_wr_cstr (w, "str");
    dbk_wr_bin (w, "\x01\x02", 2);
    dbk_wr_u64 (w, UINT64_MAX);
    dbk_wr_i64 (w, INT64_MIN);
    dbk_wr_i64 (w, 300);
    dbk_wr_nil (w);
    dbk_cur_t c;
    dbk_cur_init (&c, dbk_wr_data (w), dbk_wr_size (w));
    uint32_t n;
    const char *s;
    const uint8_t *b;
    uint64_t u;
    int64_t i;
    cr_assert (dbk_cur_map (&c, &n) == 0 && n == 1);
    cr_assert (dbk_cur_array (&c, &n) == 0 && n == 2);
    cr_assert (dbk_cur_str (&c, &s, &n) == 0 && n == 3 && memcmp (s, "str", 3) == 0);
    cr_assert (dbk_cur_bin (&c, &b, &n) == 0 && n == 2 && b[1] == 2);
    cr_assert (dbk_cur_uint (&c, &u) == 0 && u == UINT64_MAX);
    cr_assert (dbk_cur_int (&c, &i) == 0 && i == INT64_MIN);
    cr_assert (dbk_cur_int (&c, &i) == 0 && i == 300, "a uint reads as int");
    cr_assert_eq (dbk_cur_nil (&c), 0);
    cr_assert_eq (c.p, c.end);
    cr_assert_eq (dbk_cur_nil (&c), DBK_EINVAL, "nothing left");
    cr_assert_eq (dbk_cur_uint (&c, &u), DBK_EMALFORMED);
    cr_assert_eq (dbk_cur_skip (&c), DBK_EMALFORMED);
    dbk_wr_destroy (&w);
}

Test (cursor, every_signed_width_sign_extends)
{
    dbk_cur_t c;
    int64_t i;
    dbk_cur_init (&c, MP (0xd0, 0x80, 0xd1, 0x80, 0x00, 0xd2, 0x80, 0, 0, 0, 0xd3, 0x80, 0, 0, 0, 0,
                          0, 0, 0, 0xd0, 0x7f, 0xe0));
    cr_assert (dbk_cur_int (&c, &i) == 0 && i == INT8_MIN);
    cr_assert (dbk_cur_int (&c, &i) == 0 && i == INT16_MIN);
    cr_assert (dbk_cur_int (&c, &i) == 0 && i == INT32_MIN);
    cr_assert (dbk_cur_int (&c, &i) == 0 && i == INT64_MIN);
    cr_assert (dbk_cur_int (&c, &i) == 0 && i == 127);
    cr_assert (dbk_cur_int (&c, &i) == 0 && i == -32);
    cr_assert_eq (c.p, c.end);
}

Test (cursor, truncated_objects_are_refused_without_moving)
{
    dbk_cur_t c;
    const char *s;
    const uint8_t *b;
    uint32_t n;
    uint64_t u;
    int64_t i;
    dbk_cur_init (&c, MP (0xa5, 'a', 'b'));
    const uint8_t *start = c.p;
    cr_assert_eq (dbk_cur_str (&c, &s, &n), DBK_EMALFORMED);
    cr_assert_eq (c.p, start);
    dbk_cur_init (&c, MP (0xd9));
    cr_assert_eq (dbk_cur_str (&c, &s, &n), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0xc4, 0x10, 0x00));
    cr_assert_eq (dbk_cur_bin (&c, &b, &n), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0xc6, 0xdd, 0xdd, 0xdd, 0xdd, 0x00));
    cr_assert_eq (dbk_cur_bin (&c, &b, &n), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0xcf, 0, 0, 0));
    cr_assert_eq (dbk_cur_uint (&c, &u), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0xd2, 0xff));
    cr_assert_eq (dbk_cur_int (&c, &i), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0xdf, 0, 0));
    cr_assert_eq (dbk_cur_map (&c, &n), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0xdc, 0));
    cr_assert_eq (dbk_cur_array (&c, &n), DBK_EMALFORMED);
    cr_assert_eq (c.p, c.end - 2, "a refused read does not advance");
}

Test (cursor, other_kinds_are_refused)
{
    dbk_cur_t c;
    const char *s;
    const uint8_t *b;
    uint32_t n;
    uint64_t u;
    int64_t i;
    dbk_cur_init (&c, MP (0xff));
    cr_assert_eq (dbk_cur_uint (&c, &u), DBK_EMALFORMED, "negative is not uint");
    dbk_cur_init (&c, MP (0xa1, 'x'));
    cr_assert_eq (dbk_cur_bin (&c, &b, &n), DBK_EMALFORMED);
    cr_assert_eq (dbk_cur_int (&c, &i), DBK_EMALFORMED);
    cr_assert_eq (dbk_cur_map (&c, &n), DBK_EMALFORMED);
    cr_assert_eq (dbk_cur_nil (&c), DBK_EINVAL);
    cr_assert_eq (c.p, c.end - 2, "nothing consumed");
    dbk_cur_init (&c, MP (0xc4, 1, 'x'));
    cr_assert_eq (dbk_cur_str (&c, &s, &n), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0x90));
    cr_assert_eq (dbk_cur_map (&c, &n), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0));
    cr_assert_eq (dbk_cur_int (&c, &i), DBK_EMALFORMED, "2^63 does not fit int64");
    cr_assert_eq (dbk_cur_uint (&c, &u), 0);
    dbk_cur_init (&c, MP (0xc1));
    cr_assert_eq (dbk_cur_uint (&c, &u), DBK_EMALFORMED);
    cr_assert_eq (dbk_cur_skip (&c), DBK_EMALFORMED);
}

Test (cursor, skip_passes_one_whole_object)
{
    dbk_cur_t c;
    /*  {"a": [1, {"b": bin}], "c": ext} then 0x07 */
    dbk_cur_init (&c, MP (0x82, 0xa1, 'a', 0x92, 0x01, 0x81, 0xa1, 'b', 0xc4, 2, 0, 0, 0xa1, 'c',
                          0xd4, 1, 0, 0x07));
    cr_assert_eq (dbk_cur_skip (&c), 0);
    uint64_t u;
    cr_assert (dbk_cur_uint (&c, &u) == 0 && u == 7);
    cr_assert_eq (c.p, c.end);
}

Test (cursor, skip_refuses_truncation_lying_counts_and_depth)
{
    dbk_cur_t c;
    dbk_cur_init (&c, MP (0x92, 0x01));
    cr_assert_eq (dbk_cur_skip (&c), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0x81, 0xa3, 'a'));
    cr_assert_eq (dbk_cur_skip (&c), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0xdf, 0xdd, 0xdd, 0xdd, 0xdd, 0xa1, 'a', 0x01, 0xa1, 'b'));
    cr_assert_eq (dbk_cur_skip (&c), DBK_EMALFORMED);
    dbk_cur_init (&c, MP (0xc7, 0x20, 1, 0));
    cr_assert_eq (dbk_cur_skip (&c), DBK_EMALFORMED);
    uint8_t deep[200];
    size_t n = s_nest (deep, 150, 0xc0);
    dbk_cur_init (&c, deep, n);
    cr_assert_eq (dbk_cur_skip (&c), DBK_ETOOBIG);
    n = s_nest (deep, DBK_MP_MAX_DEPTH - 1, 0xc0);
    dbk_cur_init (&c, deep, n);
    cr_assert_eq (dbk_cur_skip (&c), 0);
    cr_assert_eq (c.p, c.end);
}

/*  ================= the proposed event (APPEND) ================= */

static const uint8_t s_id[DBK_ID_SIZE] = {0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x7a, 0xbc,
                                          0x8d, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab};
static const uint8_t s_corr[DBK_ID_SIZE] = {0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x70, 0x00,
                                            0x80, 0x00, 0,    0,    0,    0,    0,    0x42};
static const char *const s_fields[] = {"id",   "type",  "at",     "actor",
                                       "corr", "cause", "schema", "data"};
#define S_NFIELDS (sizeof s_fields / sizeof s_fields[0])

static void s_good_value (dbk_wr_t *w, const char *key)
{
    if (!strcmp (key, "id"))
        dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    else if (!strcmp (key, "type"))
        dbk_wr_cstr (w, "opportunity.level_changed");
    else if (!strcmp (key, "at"))
        dbk_wr_i64 (w, 1700000000123);
    else if (!strcmp (key, "actor"))
        dbk_wr_cstr (w, "user:alice");
    else if (!strcmp (key, "corr"))
        dbk_wr_bin (w, s_corr, DBK_ID_SIZE);
    else if (!strcmp (key, "cause"))
        dbk_wr_nil (w);
    else if (!strcmp (key, "schema"))
        dbk_wr_u64 (w, 3);
    else {
        dbk_wr_map (w, 2);
        dbk_wr_kv_cstr (w, "level", "B");
        dbk_wr_cstr (w, "tags");
        dbk_wr_array (w, 1);
        dbk_wr_cstr (w, "风电");
    }
}

/*  A proposed event: the good fields except `omit`, with `key` set to the
    encoded value `val` (replacing a good field or added at the end). */
static dbk_doc_t *s_proposed_doc (const char *omit, const char *key, const void *val, size_t len)
{
    dbk_wr_t *w = dbk_wr_new ();
    uint32_t n = 0;
    bool replaced = false;
    for (size_t i = 0; i < S_NFIELDS; i++) {
        if (omit && !strcmp (omit, s_fields[i]))
            continue;
        n++;
        replaced |= key && !strcmp (key, s_fields[i]);
    }
    dbk_wr_map (w, n + (key && !replaced));
    for (size_t i = 0; i < S_NFIELDS; i++) {
        if (omit && !strcmp (omit, s_fields[i]))
            continue;
        dbk_wr_cstr (w, s_fields[i]);
        if (key && !strcmp (key, s_fields[i]))
            dbk_wr_raw (w, val, len);
        else
            s_good_value (w, s_fields[i]);
    }
    if (key && !replaced) {
        dbk_wr_cstr (w, key);
        dbk_wr_raw (w, val, len);
    }
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_wr_destroy (&w);
    return doc;
}

static void s_reject (const char *omit, const char *key, const void *val, size_t len, int want,
                      const char *want_field)
{
    dbk_doc_t *doc = s_proposed_doc (omit, key, val, len);
    dbk_event_t ev;
    const char *field = NULL;
    int rc = dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field);
    cr_assert_eq (rc, want, "%s%s: got %s, want %s", omit ? "without " : "set ", omit ? omit : key,
                  dbk_strerror (rc), dbk_strerror (want));
    cr_assert_not_null (field);
    cr_assert_str_eq (field, want_field);
    dbk_doc_destroy (&doc);
}

/*  Reject with `key` set to the str `s`. */
static void s_reject_str (const char *key, const char *s, size_t n, int want, const char *field)
{
    dbk_wr_t *v = dbk_wr_new ();
    dbk_wr_str (v, s, n);
    s_reject (NULL, key, dbk_wr_data (v), dbk_wr_size (v), want, field);
    dbk_wr_destroy (&v);
}

Test (envelope, a_good_proposed_event_is_accepted_with_every_field)
{
    dbk_doc_t *doc = s_proposed_doc (NULL, NULL, NULL, 0);
    dbk_event_t ev;
    const char *field = NULL;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field), 0);
    cr_assert_eq (memcmp (ev.id, s_id, DBK_ID_SIZE), 0);
    cr_assert (ev.type_len == strlen ("opportunity.level_changed") &&
               memcmp (ev.type, "opportunity.level_changed", ev.type_len) == 0);
    cr_assert_eq (ev.at, 1700000000123);
    cr_assert (ev.actor_len == 10 && memcmp (ev.actor, "user:alice", 10) == 0);
    cr_assert (ev.has_corr);
    cr_assert_eq (memcmp (ev.corr, s_corr, DBK_ID_SIZE), 0);
    cr_assert_not (ev.has_cause, "cause nil");
    cr_assert_eq (ev.schema, 3);
    cr_assert_eq (dbk_obj_type (ev.data), DBK_T_MAP);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (ev.data, "level"), "B"));
    cr_assert_null (ev.data_raw);
    dbk_doc_destroy (&doc);
}

Test (envelope, optional_fields_take_their_defaults)
{
    /*  only id, type, actor */
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 3);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "type", "account.registered");
    dbk_wr_kv_cstr (w, "actor", "svc:contacts");
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_event_t ev;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    cr_assert_eq (ev.at, INT64_MIN, "not given: the log uses ts");
    cr_assert_eq (ev.schema, 1);
    cr_assert_not (ev.has_corr);
    cr_assert_not (ev.has_cause);
    cr_assert_null (ev.data);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

Test (envelope, boundary_values_are_accepted)
{
    char actor[DBK_ACTOR_MAX];
    memset (actor, 'a', sizeof actor);
    char type[DBK_TYPE_MAX];
    memset (type, 'x', sizeof type);
    type[0] = 'a', type[1] = '.';
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 6);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    dbk_wr_cstr (w, "type");
    dbk_wr_str (w, type, sizeof type);
    dbk_wr_cstr (w, "actor");
    dbk_wr_str (w, actor, sizeof actor);
    dbk_wr_kv_u64 (w, "schema", 65535);
    dbk_wr_kv_i64 (w, "at", -86400000);
    dbk_wr_cstr (w, "cause");
    dbk_wr_bin (w, s_corr, DBK_ID_SIZE);
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_event_t ev;
    const char *field = NULL;
    int rc = dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field);
    cr_assert_eq (rc, 0, "%s: %s", dbk_strerror (rc), field);
    cr_assert_eq (ev.actor_len, DBK_ACTOR_MAX);
    cr_assert_eq (ev.type_len, DBK_TYPE_MAX);
    cr_assert_eq (ev.schema, 65535);
    cr_assert_eq (ev.at, -86400000);
    cr_assert (ev.has_cause);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

Test (envelope, missing_id_type_or_actor_is_invalid_and_named)
{
    s_reject ("id", NULL, NULL, 0, DBK_EINVAL, "id");
    s_reject ("type", NULL, NULL, 0, DBK_EINVAL, "type");
    s_reject ("actor", NULL, NULL, 0, DBK_EINVAL, "actor");
}

Test (envelope, id_must_be_16_bytes_of_bin)
{
    s_reject (NULL, "id", MP (0xc4, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
              DBK_EINVAL, "id");
    s_reject (NULL, "id", MP (0xc4, 17, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17),
              DBK_EINVAL, "id");
    s_reject (NULL, "id", MP (0xc4, 0), DBK_EINVAL, "id");
    s_reject_str ("id", "0123456789abcdef", 16, DBK_EINVAL, "id");
    s_reject (NULL, "id", MP (0xc0), DBK_EINVAL, "id");
}

Test (envelope, corr_and_cause_are_nil_or_16_bytes)
{
    s_reject (NULL, "corr", MP (0xc4, 8, 1, 2, 3, 4, 5, 6, 7, 8), DBK_EINVAL, "corr");
    s_reject (NULL, "cause", MP (0x01), DBK_EINVAL, "cause");
    s_reject_str ("cause", "018bcfe5-6800-7abc-8def-0123456789ab", 36, DBK_EINVAL, "cause");
}

Test (envelope, bad_type_names_are_invalid)
{
    static const char *const bad[] = {"",
                                      "account",
                                      "account.",
                                      ".registered",
                                      "Account.registered",
                                      "account.Registered",
                                      "1account.registered",
                                      "account.1registered",
                                      "account..registered",
                                      "account.level.",
                                      "acc-ount.registered",
                                      "account.regis tered",
                                      "account.régistered",
                                      "_account.registered"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_not (dbk_type_name_valid (bad[i], strlen (bad[i])), "%s", bad[i]);
        s_reject_str ("type", bad[i], strlen (bad[i]), DBK_EINVAL, "type");
    }
    s_reject (NULL, "type", MP (0x01), DBK_EINVAL, "type");
    char longtype[DBK_TYPE_MAX + 1];
    memset (longtype, 'x', sizeof longtype);
    longtype[0] = 'a', longtype[1] = '.';
    cr_assert_not (dbk_type_name_valid (longtype, sizeof longtype));
    s_reject_str ("type", longtype, sizeof longtype, DBK_ETOOBIG, "type");
}

Test (envelope, good_type_names_are_valid)
{
    static const char *const good[] = {
        "account.registered",        "opportunity.level_changed", "a.b",
        "contract.payment_received", "quote2.v2.approved",        "tender.step.recorded_1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert (dbk_type_name_valid (good[i], strlen (good[i])), "%s", good[i]);
}

Test (envelope, stream_names_follow_category_dash_id)
{
    static const char *const good[] = {"opportunity-0193a1b2", "a-b",         "account-ACME_GmbH",
                                       "quota-2025-Q1",        "contact-zoë", "account-风电",
                                       "tender_2-x.y:z"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert (dbk_stream_name_valid (good[i], strlen (good[i])), "%s", good[i]);
    static const char *const bad[] = {"",
                                      "account",
                                      "-0193",
                                      "account-",
                                      "Account-1",
                                      "1account-1",
                                      "acc ount-1",
                                      "account-a b",
                                      "account-a\tb",
                                      "account-\x7f",
                                      "account-\x01",
                                      "_a-1",
                                      "account-\xc3",
                                      "account-a\xc2\x85"
                                      "b" /* C1 control U+0085 */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not (dbk_stream_name_valid (bad[i], strlen (bad[i])), "%s", bad[i]);
    char name[DBK_STREAM_MAX + 1];
    memset (name, 'x', sizeof name);
    memcpy (name, "account-", 8);
    cr_assert (dbk_stream_name_valid (name, DBK_STREAM_MAX));
    cr_assert_not (dbk_stream_name_valid (name, DBK_STREAM_MAX + 1));
}

Test (envelope, keys_the_log_sets_are_refused)
{
    static const char *const log_keys[] = {"seq", "ver", "ts", "stream", "prev", "hash"};
    for (size_t i = 0; i < sizeof log_keys / sizeof log_keys[0]; i++)
        s_reject (NULL, log_keys[i], MP (0x01), DBK_EINVAL, "event");
    s_reject (NULL, "colour", MP (0xa3, 'r', 'e', 'd'), DBK_EINVAL, "event");
}

Test (envelope, a_non_map_or_non_str_key_or_duplicate_key_is_refused)
{
    dbk_event_t ev;
    const char *field = NULL;
    dbk_doc_t *doc = s_parse (MP (0x91, 0x01));
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field), DBK_EINVAL);
    cr_assert_str_eq (field, "event");
    dbk_doc_destroy (&doc);
    cr_assert_eq (dbk_event_from_proposed (NULL, &ev, &field), DBK_EINVAL);

    /*  {1: 1, ...good fields}: a non-str key */
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 4);
    dbk_wr_u64 (w, 1);
    dbk_wr_u64 (w, 1);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "type", "a.b");
    dbk_wr_kv_cstr (w, "actor", "me");
    doc = s_parse_wr (w);
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field), DBK_EINVAL);
    dbk_doc_destroy (&doc);

    /*  "actor" twice */
    dbk_wr_reset (w);
    dbk_wr_map (w, 4);
    dbk_wr_cstr (w, "id");
    dbk_wr_bin (w, s_id, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "type", "a.b");
    dbk_wr_kv_cstr (w, "actor", "me");
    dbk_wr_kv_cstr (w, "actor", "someone else");
    doc = s_parse_wr (w);
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, &field), DBK_EINVAL);
    cr_assert_str_eq (field, "event");
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

Test (envelope, data_must_be_a_map_with_str_keys_everywhere)
{
    s_reject (NULL, "data", MP (0x91, 0x01), DBK_EINVAL, "data");
    s_reject (NULL, "data", MP (0xa1, 'x'), DBK_EINVAL, "data");
    s_reject (NULL, "data", MP (0xc0), DBK_EINVAL, "data");
    s_reject (NULL, "data", MP (0x07), DBK_EINVAL, "data");
    /*  {1: "x"} */
    s_reject (NULL, "data", MP (0x81, 0x01, 0xa1, 'x'), DBK_EINVAL, "data");
    /*  {"a": {true: nil}} */
    s_reject (NULL, "data", MP (0x81, 0xa1, 'a', 0x81, 0xc3, 0xc0), DBK_EINVAL, "data");
    /*  {"a": [1, {bin: 1}]} */
    s_reject (NULL, "data", MP (0x81, 0xa1, 'a', 0x92, 0x01, 0x81, 0xc4, 1, 'k', 0x01), DBK_EINVAL,
              "data");
    /*  {"a": 1, "a": 2} and a duplicate deeper down */
    s_reject (NULL, "data", MP (0x82, 0xa1, 'a', 0x01, 0xa1, 'a', 0x02), DBK_EINVAL, "data");
    s_reject (NULL, "data", MP (0x81, 0xa1, 'a', 0x91, 0x82, 0xa1, 'b', 0x01, 0xa1, 'b', 0x02),
              DBK_EINVAL, "data");
    /*  but an empty map and nested str-keyed maps are fine */
    dbk_doc_t *doc =
        s_proposed_doc (NULL, "data", MP (0x81, 0xa1, 'a', 0x91, 0x81, 0xa1, 'b', 0x80));
    dbk_event_t ev;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    dbk_doc_destroy (&doc);
    doc = s_proposed_doc (NULL, "data", MP (0x80));
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    dbk_doc_destroy (&doc);
}

Test (envelope, schema_must_be_1_to_65535)
{
    s_reject (NULL, "schema", MP (0x00), DBK_EINVAL, "schema");
    s_reject (NULL, "schema", MP (0xce, 0, 1, 0, 0), DBK_EINVAL, "schema");
    s_reject (NULL, "schema", MP (0xff), DBK_EINVAL, "schema");
    s_reject (NULL, "schema", MP (0xa1, '1'), DBK_EINVAL, "schema");
}

Test (envelope, actor_must_be_a_nonempty_str_within_its_limit)
{
    char actor[DBK_ACTOR_MAX + 1];
    memset (actor, 'a', sizeof actor);
    s_reject_str ("actor", actor, sizeof actor, DBK_ETOOBIG, "actor");
    s_reject_str ("actor", "", 0, DBK_EINVAL, "actor");
    s_reject (NULL, "actor", MP (0xc4, 1, 'a'), DBK_EINVAL, "actor");
}

Test (envelope, at_must_be_an_int64)
{
    s_reject (NULL, "at", MP (0xa1, '1'), DBK_EINVAL, "at");
    s_reject (NULL, "at", MP (0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0), DBK_EINVAL, "at");
    s_reject (NULL, "at", MP (0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0), DBK_EINVAL, "at");
    s_reject (NULL, "at", MP (0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0), DBK_EINVAL, "at"); /* INT64_MIN */
}

Test (envelope, write_proposed_round_trips)
{
    dbk_doc_t *doc = s_proposed_doc (NULL, NULL, NULL, 0);
    dbk_event_t ev;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &ev, NULL), 0);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_proposed (w, &ev);
    dbk_doc_t *again = s_parse_wr (w);
    dbk_event_t ev2;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (again), &ev2, NULL), 0);
    cr_assert_eq (memcmp (ev2.id, ev.id, DBK_ID_SIZE), 0);
    cr_assert (ev2.type_len == ev.type_len && !memcmp (ev2.type, ev.type, ev.type_len));
    cr_assert (ev2.actor_len == ev.actor_len && !memcmp (ev2.actor, ev.actor, ev.actor_len));
    cr_assert_eq (ev2.at, ev.at);
    cr_assert_eq (ev2.schema, ev.schema);
    cr_assert (ev2.has_corr && !memcmp (ev2.corr, ev.corr, DBK_ID_SIZE));
    cr_assert_not (ev2.has_cause);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (ev2.data, "level"), "B"));
    dbk_doc_destroy (&again);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}

/*  ================= the stored record and the hash chain ================= */

/*  A fully set event with payload {"amount": 320000000, "note": "é"}. */
static void s_full_event (dbk_event_t *ev, const dbk_wr_t *payload)
{
    memset (ev, 0, sizeof *ev);
    ev->seq = 42;
    ev->ver = 7;
    ev->ts = 1700000000999;
    ev->at = -5;
    ev->schema = 3;
    memcpy (ev->id, s_id, DBK_ID_SIZE);
    ev->has_corr = true;
    memcpy (ev->corr, s_corr, DBK_ID_SIZE);
    ev->has_cause = true;
    memset (ev->cause, 0xcc, DBK_ID_SIZE);
    ev->stream = "opportunity-0193a1b2";
    ev->stream_len = strlen (ev->stream);
    ev->type = "opportunity.level_changed";
    ev->type_len = strlen (ev->type);
    ev->actor = "user:alice";
    ev->actor_len = strlen (ev->actor);
    ev->data_raw = dbk_wr_data (payload);
    ev->data_raw_len = dbk_wr_size (payload);
}

static dbk_wr_t *s_payload (void)
{
    dbk_wr_t *p = dbk_wr_new ();
    dbk_wr_map (p, 2);
    dbk_wr_kv_u64 (p, "amount", 320000000);
    dbk_wr_kv_cstr (p, "note", "é");
    return p;
}

static void s_random_prev (uint8_t prev[DBK_HASH_SIZE])
{
    cr_assert_geq (sodium_init (), 0);
    randombytes_buf (prev, DBK_HASH_SIZE);
}

Test (record, every_field_round_trips)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t prev[DBK_HASH_SIZE];
    s_random_prev (prev);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, prev);
    cr_assert_eq (memcmp (ev.prev, prev, DBK_HASH_SIZE), 0, "write_record sets prev");
    const uint8_t *rec = dbk_wr_data (w);
    size_t len = dbk_wr_size (w);
    cr_assert_eq (rec[0], 0x8e, "a map of 14 pairs");
    cr_assert_eq (dbk_mp_check (rec, len, DBK_MP_MAX_DEPTH), 0);

    dbk_event_t d;
    cr_assert_eq (dbk_event_decode_record (rec, len, &d), 0);
    cr_assert_eq (d.seq, 42);
    cr_assert_eq (d.ver, 7);
    cr_assert_eq (d.ts, 1700000000999);
    cr_assert_eq (d.at, -5);
    cr_assert_eq (d.schema, 3);
    cr_assert_eq (memcmp (d.id, s_id, DBK_ID_SIZE), 0);
    cr_assert (d.has_corr && !memcmp (d.corr, s_corr, DBK_ID_SIZE));
    cr_assert (d.has_cause && !memcmp (d.cause, ev.cause, DBK_ID_SIZE));
    cr_assert (d.stream_len == ev.stream_len && !memcmp (d.stream, ev.stream, d.stream_len));
    cr_assert (d.type_len == ev.type_len && !memcmp (d.type, ev.type, d.type_len));
    cr_assert (d.actor_len == ev.actor_len && !memcmp (d.actor, ev.actor, d.actor_len));
    cr_assert_null (d.data);
    cr_assert_eq (d.data_raw_len, dbk_wr_size (payload));
    cr_assert_eq (memcmp (d.data_raw, dbk_wr_data (payload), d.data_raw_len), 0);
    cr_assert ((const uint8_t *) d.data_raw > rec && (const uint8_t *) d.data_raw < rec + len,
               "zero-copy: the payload points into the record");
    cr_assert_eq (memcmp (d.prev, prev, DBK_HASH_SIZE), 0);
    cr_assert_eq (memcmp (d.hash, ev.hash, DBK_HASH_SIZE), 0);

    uint64_t seq;
    const char *type;
    size_t type_len;
    cr_assert_eq (dbk_event_peek (rec, len, &seq, &type, &type_len), 0);
    cr_assert_eq (seq, 42);
    cr_assert (type_len == ev.type_len && !memcmp (type, ev.type, type_len));

    /*  the record is also an ordinary document with the 14 keys in order */
    static const char *const keys[14] = {"seq",    "id",   "stream", "ver",  "type",
                                         "ts",     "at",   "actor",  "corr", "cause",
                                         "schema", "data", "prev",   "hash"};
    dbk_doc_t *doc = s_parse (rec, len);
    for (size_t i = 0; i < 14; i++)
        cr_assert (dbk_obj_str_eq (dbk_obj_key_at (dbk_doc_root (doc), i), keys[i]), "%s", keys[i]);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, absent_ids_and_parsed_or_missing_payloads_round_trip)
{
    dbk_wr_t *payload = s_payload ();
    dbk_doc_t *pdoc = s_parse_wr (payload);
    dbk_event_t ev;
    s_full_event (&ev, payload);
    ev.has_corr = ev.has_cause = false;
    ev.data_raw = NULL;
    ev.data_raw_len = 0;
    ev.data = dbk_doc_root (pdoc);
    uint8_t zero[DBK_HASH_SIZE] = {0};
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, zero);
    dbk_event_t d;
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), 0);
    cr_assert_not (d.has_corr);
    cr_assert_not (d.has_cause);
    cr_assert_eq (d.data_raw_len, dbk_wr_size (payload));
    cr_assert_eq (memcmp (d.data_raw, dbk_wr_data (payload), d.data_raw_len), 0);
    cr_assert_eq (dbk_event_check_record (dbk_wr_data (w), dbk_wr_size (w), zero), 0);

    /*  no payload at all: an empty map */
    ev.data = NULL;
    dbk_wr_reset (w);
    dbk_event_write_record (w, &ev, zero);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), 0);
    cr_assert_eq (d.data_raw_len, 1);
    cr_assert_eq (((const uint8_t *) d.data_raw)[0], 0x80);
    dbk_doc_destroy (&pdoc);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, hash_is_blake2b_256_of_prev_0x8c_and_the_first_twelve_pairs)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t prev[DBK_HASH_SIZE];
    s_random_prev (prev);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, prev);
    const uint8_t *rec = dbk_wr_data (w);
    size_t len = dbk_wr_size (w);
    /*  the last 78 bytes: "prev" bin32, "hash" bin32 */
    size_t tail = 2 * (1 + 4 + 2 + DBK_HASH_SIZE);
    cr_assert_eq (tail, 78);
    size_t body = len - 1 - tail;
    uint8_t *buf = malloc (DBK_HASH_SIZE + 1 + body);
    memcpy (buf, prev, DBK_HASH_SIZE);
    buf[DBK_HASH_SIZE] = 0x8c;
    memcpy (buf + DBK_HASH_SIZE + 1, rec + 1, body);
    uint8_t want[DBK_HASH_SIZE];
    cr_assert_eq (crypto_generichash (want, sizeof want, buf, DBK_HASH_SIZE + 1 + body, NULL, 0),
                  0);
    cr_assert_eq (memcmp (ev.hash, want, DBK_HASH_SIZE), 0);
    cr_assert_eq (memcmp (rec + len - DBK_HASH_SIZE, want, DBK_HASH_SIZE), 0, "stored last");
    cr_assert_eq (memcmp (rec + len - tail, "\xa4prev\xc4\x20", 7), 0);
    cr_assert_eq (memcmp (rec + len - tail + 7, prev, DBK_HASH_SIZE), 0);
    cr_assert_eq (memcmp (rec + len - tail + 39, "\xa4hash\xc4\x20", 7), 0);
    /*  and the canonical bytes are themselves a 12-pair map */
    cr_assert_eq (dbk_mp_check (buf + DBK_HASH_SIZE, 1 + body, DBK_MP_MAX_DEPTH), 0);
    free (buf);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, check_accepts_a_good_record_and_a_chain)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t zero[DBK_HASH_SIZE] = {0};
    /*  two records written one after the other into one writer */
    dbk_wr_t *w = dbk_wr_new ();
    ev.seq = 1;
    dbk_event_write_record (w, &ev, zero);
    size_t len1 = dbk_wr_size (w);
    uint8_t h1[DBK_HASH_SIZE];
    memcpy (h1, ev.hash, DBK_HASH_SIZE);
    ev.seq = 2;
    ev.ver = 8;
    dbk_event_write_record (w, &ev, h1);
    const uint8_t *all = dbk_wr_data (w);
    size_t len2 = dbk_wr_size (w) - len1;
    cr_assert_eq (dbk_event_check_record (all, len1, zero), 0);
    cr_assert_eq (dbk_event_check_record (all + len1, len2, h1), 0);
    cr_assert_eq (dbk_event_check_record (all + len1, len2, zero), DBK_ECORRUPT);
    dbk_event_t d;
    cr_assert_eq (dbk_event_decode_record (all + len1, len2, &d), 0);
    cr_assert_eq (d.seq, 2);
    cr_assert_eq (memcmp (d.prev, h1, DBK_HASH_SIZE), 0);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, check_detects_any_single_flipped_byte)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t prev[DBK_HASH_SIZE];
    s_random_prev (prev);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, prev);
    size_t len = dbk_wr_size (w);
    uint8_t *copy = malloc (len);
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    for (size_t i = 0; i < len; i++)
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy (copy, dbk_wr_data (w), len);
            copy[i] ^= masks[m];
            cr_assert_eq (dbk_event_check_record (copy, len, prev), DBK_ECORRUPT,
                          "byte %zu of %zu ^ 0x%02x went unnoticed", i, len, masks[m]);
        }
    memcpy (copy, dbk_wr_data (w), len);
    cr_assert_eq (dbk_event_check_record (copy, len, prev), 0);
    free (copy);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, check_detects_a_wrong_prev_and_a_cut_record)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev;
    s_full_event (&ev, payload);
    uint8_t prev[DBK_HASH_SIZE];
    s_random_prev (prev);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, prev);
    const uint8_t *rec = dbk_wr_data (w);
    size_t len = dbk_wr_size (w);
    for (size_t i = 0; i < DBK_HASH_SIZE; i++) {
        uint8_t wrong[DBK_HASH_SIZE];
        memcpy (wrong, prev, DBK_HASH_SIZE);
        wrong[i] ^= 0x10;
        cr_assert_eq (dbk_event_check_record (rec, len, wrong), DBK_ECORRUPT);
    }
    uint8_t zero[DBK_HASH_SIZE] = {0};
    cr_assert_eq (dbk_event_check_record (rec, len, zero), DBK_ECORRUPT);
    cr_assert_eq (dbk_event_check_record (rec, len, ev.hash), DBK_ECORRUPT);
    for (size_t n = 0; n < len; n++)
        cr_assert_eq (dbk_event_check_record (rec, n, prev), DBK_ECORRUPT, "cut to %zu", n);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

Test (record, decode_refuses_cut_extended_or_reordered_records)
{
    dbk_wr_t *payload = s_payload ();
    dbk_event_t ev, d;
    s_full_event (&ev, payload);
    uint8_t zero[DBK_HASH_SIZE] = {0};
    dbk_wr_t *w = dbk_wr_new ();
    dbk_event_write_record (w, &ev, zero);
    size_t len = dbk_wr_size (w);
    uint8_t *copy = malloc (len + 1);
    memcpy (copy, dbk_wr_data (w), len);
    for (size_t n = 0; n < len; n++)
        cr_assert_eq (dbk_event_decode_record (copy, n, &d), DBK_EMALFORMED, "cut to %zu", n);
    copy[len] = 0xc0;
    cr_assert_eq (dbk_event_decode_record (copy, len + 1, &d), DBK_EMALFORMED, "trailing byte");
    copy[2] = 'S'; /* "seq" -> "Seq" */
    cr_assert_eq (dbk_event_decode_record (copy, len, &d), DBK_EMALFORMED);
    free (copy);

    /*  seq 0 and ver 0 do not exist */
    ev.seq = 0;
    dbk_wr_reset (w);
    dbk_event_write_record (w, &ev, zero);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), DBK_EMALFORMED);
    ev.seq = 1;
    ev.ver = 0;
    dbk_wr_reset (w);
    dbk_event_write_record (w, &ev, zero);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), DBK_EMALFORMED);
    /*  data that is not a map */
    ev.ver = 1;
    ev.data_raw = (const uint8_t[]){0x91, 0x01};
    ev.data_raw_len = 2;
    dbk_wr_reset (w);
    dbk_event_write_record (w, &ev, zero);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), DBK_EMALFORMED);
    /*  a proposed event is not a record */
    dbk_doc_t *doc = s_proposed_doc (NULL, NULL, NULL, 0);
    dbk_event_t p;
    cr_assert_eq (dbk_event_from_proposed (dbk_doc_root (doc), &p, NULL), 0);
    dbk_wr_reset (w);
    dbk_event_write_proposed (w, &p);
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (w), dbk_wr_size (w), &d), DBK_EMALFORMED);
    uint64_t seq;
    const char *type;
    size_t type_len;
    cr_assert_eq (dbk_event_peek (dbk_wr_data (w), dbk_wr_size (w), &seq, &type, &type_len),
                  DBK_EMALFORMED);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    dbk_wr_destroy (&payload);
}

/*  ================= UUIDv7 ================= */

static uint64_t s_uuid_ms (const uint8_t id[DBK_ID_SIZE])
{
    uint64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = ms << 8 | id[i];
    return ms;
}

Test (uuid, v7_has_version_variant_and_the_current_time)
{
    cr_assert_geq (sodium_init (), 0);
    uint8_t ids[256][DBK_ID_SIZE];
    int64_t before = dbk_now_ms ();
    for (size_t i = 0; i < 256; i++)
        dbk_uuid_v7 (ids[i]);
    int64_t after = dbk_now_ms ();
    for (size_t i = 0; i < 256; i++) {
        cr_assert_eq (ids[i][6] >> 4, 7, "version 7");
        cr_assert_eq (ids[i][8] >> 6, 2, "variant 10");
        uint64_t ms = s_uuid_ms (ids[i]);
        cr_assert (ms >= (uint64_t) before && ms <= (uint64_t) after);
        for (size_t j = 0; j < i; j++)
            cr_assert_neq (memcmp (ids[i], ids[j], DBK_ID_SIZE), 0, "ids are unique");
    }
}

Test (uuid, ids_of_later_milliseconds_sort_after_earlier_ones)
{
    cr_assert_geq (sodium_init (), 0);
    uint8_t a[DBK_ID_SIZE], b[DBK_ID_SIZE];
    dbk_uuid_v7 (a);
    /*  wait for the clock itself to move on, not for a fixed time */
    while (dbk_now_ms () <= (int64_t) s_uuid_ms (a))
        ;
    dbk_uuid_v7 (b);
    cr_assert_lt (memcmp (a, b, DBK_ID_SIZE), 0);
    char sa[37], sb[37];
    dbk_uuid_format (a, sa);
    dbk_uuid_format (b, sb);
    cr_assert_lt (strcmp (sa, sb), 0, "the text form sorts the same way");
}

Test (uuid, format_and_parse_round_trip)
{
    cr_assert_geq (sodium_init (), 0);
    char s[37];
    dbk_uuid_format (s_id, s);
    cr_assert_str_eq (s, "018bcfe5-6800-7abc-8def-0123456789ab");
    uint8_t id[DBK_ID_SIZE];
    cr_assert_eq (dbk_uuid_parse (s, 36, id), 0);
    cr_assert_eq (memcmp (id, s_id, DBK_ID_SIZE), 0);
    cr_assert_eq (dbk_uuid_parse ("018BCFE5-6800-7ABC-8DEF-0123456789AB", 36, id), 0);
    cr_assert_eq (memcmp (id, s_id, DBK_ID_SIZE), 0, "upper case is accepted");
    cr_assert_eq (dbk_uuid_parse ("018bcfe568007abc8def0123456789ab", 32, id), 0);
    cr_assert_eq (memcmp (id, s_id, DBK_ID_SIZE), 0, "32 hex digits are accepted");
    for (int i = 0; i < 100; i++) {
        uint8_t r[DBK_ID_SIZE], back[DBK_ID_SIZE];
        dbk_uuid_v7 (r);
        dbk_uuid_format (r, s);
        cr_assert_eq (strlen (s), 36);
        for (size_t k = 0; k < 36; k++)
            cr_assert (k == 8 || k == 13 || k == 18 || k == 23
                           ? s[k] == '-'
                           : (s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f'),
                       "%s", s);
        cr_assert_eq (dbk_uuid_parse (s, 36, back), 0);
        cr_assert_eq (memcmp (back, r, DBK_ID_SIZE), 0);
    }
    char hex[2 * DBK_ID_SIZE + 1];
    dbk_hex (s_id, DBK_ID_SIZE, hex);
    cr_assert_str_eq (hex, "018bcfe568007abc8def0123456789ab");
}

Test (uuid, parse_rejects_bad_strings)
{
    static const char *const bad[] = {
        "",
        "018bcfe5-6800-7abc-8def-0123456789a",   /* 35 */
        "018bcfe5-6800-7abc-8def-0123456789abc", /* 37 */
        "018bcfe5-6800-7abc-8def-0123456789ag",  /* not hex */
        "018bcfe5x6800-7abc-8def-0123456789ab",  /* dash missing */
        "018bcfe56-800-7abc-8def-0123456789ab",  /* dash moved */
        "018bcfe5-6800-7abc-8def0-123456789ab",  /* dash moved */
        "018bcfe5-6800-7abc-8def-0123456789-b",  /* extra dash */
        "018bcfe568007abc8def0123456789a",       /* 31 */
        "018bcfe568007abc8def0123456789abc",     /* 33 */
        "018bcfe5-6807abc8def0123456789ab",      /* 32 with a dash */
        "018bcfe568007abc8def0123456789 b",      /* space */
        "{18bcfe5-6800-7abc-8def-0123456789ab}",
    };
    uint8_t id[DBK_ID_SIZE];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq (dbk_uuid_parse (bad[i], strlen (bad[i]), id), DBK_EINVAL, "%s", bad[i]);
    /*  the length given is what counts, not a NUL */
    cr_assert_eq (dbk_uuid_parse ("018bcfe5-6800-7abc-8def-0123456789ab", 35, id), DBK_EINVAL);
}

/*  ================= error codes ================= */

Test (errors, every_code_has_a_message_and_a_wire_name_that_maps_back)
{
    for (int code = DBK_OK; code >= DBK_ELAST; code--) {
        const char *msg = dbk_strerror (code);
        const char *wire = dbk_err_wire_name (code);
        cr_assert (msg && !strncmp (msg, "DBK_", 4), "%d: %s", code, msg);
        cr_assert (wire && *wire, "%d", code);
        for (const char *p = wire; *p; p++)
            cr_assert ((*p >= 'A' && *p <= 'Z') || *p == '_', "%s", wire);
        int back = dbk_err_from_wire (wire, strlen (wire));
        /*  DBK_EMAPFULL is internal: it never goes on the wire as itself */
        cr_assert_eq (back, code == DBK_EMAPFULL ? DBK_EIO : code, "%s -> %d, want %d", wire, back,
                      code);
    }
    cr_assert_str_eq (dbk_err_wire_name (DBK_ECONFLICT), "WRONG_EXPECTED_VERSION");
    cr_assert_str_eq (dbk_strerror (DBK_ECONFLICT), "DBK_ECONFLICT: wrong expected version");
}

Test (errors, wire_names_are_distinct_except_internal_storage_codes)
{
    for (int a = DBK_OK; a >= DBK_ELAST; a--)
        for (int b = a - 1; b >= DBK_ELAST; b--) {
            bool storage =
                (a == DBK_EIO || a == DBK_EMAPFULL) && (b == DBK_EIO || b == DBK_EMAPFULL);
            if (!storage)
                cr_assert_str_neq (dbk_err_wire_name (a), dbk_err_wire_name (b), "%d %d", a, b);
        }
}

Test (errors, unknown_codes_and_names_degrade_safely)
{
    cr_assert_eq (dbk_err_from_wire ("NO_SUCH_CODE", 12), DBK_EIO);
    cr_assert_eq (dbk_err_from_wire ("WRONG_EXPECTED", 14), DBK_EIO, "a prefix is not a name");
    cr_assert_eq (dbk_err_from_wire ("WRONG_EXPECTED_VERSION", 22), DBK_ECONFLICT);
    cr_assert_eq (dbk_err_from_wire ("", 0), DBK_EIO);
    cr_assert_not_null (dbk_strerror (-1000));
    cr_assert_not_null (dbk_strerror (5));
    cr_assert_not_null (dbk_err_wire_name (-1000));
}

/*  ================= reading replies ================= */

/*  A one-value document holding u64 v (a request id to echo). */
static dbk_doc_t *s_rid_doc (uint64_t v)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_u64 (w, v);
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_wr_destroy (&w);
    return doc;
}

/*  Parse a reply in w and read its status. */
static int s_status (dbk_wr_t *w, uint64_t *rid, const char **msg, size_t *msg_len)
{
    dbk_doc_t *doc = s_parse_wr (w);
    int rc = dbk_proto_reply_status (dbk_doc_root (doc), rid, msg, msg_len);
    dbk_doc_destroy (&doc); /* msg is not used after this by the callers below */
    return rc;
}

Test (proto, an_ok_reply_reads_as_zero_with_its_rid)
{
    dbk_doc_t *rid = s_rid_doc (77);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_reply_begin (w, dbk_doc_root (rid), true, 1);
    dbk_wr_kv_u64 (w, "head", 9);
    dbk_doc_t *doc = s_parse_wr (w);
    uint64_t got = 0;
    const char *msg = NULL;
    size_t msg_len = 99;
    cr_assert_eq (dbk_proto_reply_status (dbk_doc_root (doc), &got, &msg, &msg_len), 0);
    cr_assert_eq (got, 77);
    cr_assert_not_null (msg);
    cr_assert_eq (msg_len, 0);
    uint64_t v;
    cr_assert (dbk_obj_u64 (dbk_obj_get (dbk_doc_root (doc), "v"), &v) == 0 &&
               v == DBK_PROTO_VERSION);
    cr_assert_eq (dbk_obj_len (dbk_doc_root (doc)), 4);
    dbk_doc_destroy (&doc);
    /*  a reply without rid (answer to a request that had none) */
    dbk_proto_reply_begin (w, NULL, true, 0);
    cr_assert_eq (s_status (w, &got, &msg, &msg_len), 0);
    cr_assert_eq (got, 0);
    dbk_doc_destroy (&rid);
    dbk_wr_destroy (&w);
}

Test (proto, an_error_reply_reads_as_its_code_with_message_and_field)
{
    dbk_doc_t *rid = s_rid_doc (5);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_error_begin (w, dbk_doc_root (rid), DBK_ECONFLICT, "stream is at version 4", "expect",
                           1);
    dbk_wr_kv_u64 (w, "current", 4);
    dbk_doc_t *doc = s_parse_wr (w);
    const dbk_obj_t *r = dbk_doc_root (doc);
    uint64_t got = 0;
    const char *msg;
    size_t msg_len;
    cr_assert_eq (dbk_proto_reply_status (r, &got, &msg, &msg_len), DBK_ECONFLICT);
    cr_assert_eq (got, 5);
    cr_assert (msg_len == strlen ("stream is at version 4") &&
               !memcmp (msg, "stream is at version 4", msg_len));
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "code"), "WRONG_EXPECTED_VERSION"));
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "field"), "expect"));
    uint64_t cur;
    cr_assert (dbk_obj_u64 (dbk_obj_get (r, "current"), &cur) == 0 && cur == 4);
    bool ok = true;
    cr_assert (dbk_obj_bool (dbk_obj_get (r, "ok"), &ok) == 0 && !ok);
    dbk_doc_destroy (&doc);

    /*  without a message: the code's own text */
    dbk_proto_error_begin (w, NULL, DBK_EINVAL, NULL, NULL, 0);
    doc = s_parse_wr (w);
    cr_assert_eq (dbk_proto_reply_status (dbk_doc_root (doc), &got, &msg, &msg_len), DBK_EINVAL);
    cr_assert (msg_len == strlen (dbk_strerror (DBK_EINVAL)) &&
               !memcmp (msg, dbk_strerror (DBK_EINVAL), msg_len));
    cr_assert_null (dbk_obj_get (dbk_doc_root (doc), "field"));
    dbk_doc_destroy (&doc);
    dbk_doc_destroy (&rid);
    dbk_wr_destroy (&w);
}

Test (proto, every_error_code_survives_the_wire)
{
    dbk_wr_t *w = dbk_wr_new ();
    for (int code = DBK_EINVAL; code >= DBK_ELAST; code--) {
        dbk_proto_error_begin (w, NULL, code, "m", NULL, 0);
        uint64_t rid;
        const char *msg;
        size_t msg_len;
        cr_assert_eq (s_status (w, &rid, &msg, &msg_len), code == DBK_EMAPFULL ? DBK_EIO : code,
                      "%s", dbk_strerror (code));
    }
    dbk_wr_destroy (&w);
}

Test (proto, an_error_reply_with_an_unknown_or_ok_code_reads_as_eio)
{
    dbk_wr_t *w = dbk_wr_new ();
    uint64_t rid;
    const char *msg;
    size_t msg_len;
    dbk_proto_reply_begin (w, NULL, false, 2);
    dbk_wr_kv_cstr (w, "code", "FROM_A_NEWER_SERVER");
    dbk_wr_kv_cstr (w, "msg", "?");
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EIO);
    dbk_proto_reply_begin (w, NULL, false, 1);
    dbk_wr_kv_cstr (w, "code", "OK");
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EIO, "ok:false is never success");
    dbk_wr_destroy (&w);
}

Test (proto, malformed_replies_read_as_emalformed)
{
    dbk_wr_t *w = dbk_wr_new ();
    uint64_t rid = 3;
    const char *msg = NULL;
    size_t msg_len;
    dbk_wr_array (w, 1);
    dbk_wr_bool (w, true);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "not a map");
    cr_assert_not_null (msg);
    dbk_wr_reset (w);
    dbk_wr_map (w, 1);
    dbk_wr_kv_u64 (w, "rid", 1);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "no ok");
    dbk_wr_reset (w);
    dbk_wr_map (w, 1);
    dbk_wr_kv_u64 (w, "ok", 1);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "ok not a bool");
    dbk_wr_reset (w);
    dbk_wr_map (w, 1);
    dbk_wr_kv_bool (w, "ok", false);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "error without code");
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_bool (w, "ok", false);
    dbk_wr_kv_u64 (w, "code", 3);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "code not a str");
    cr_assert_eq (dbk_proto_reply_status (NULL, &rid, &msg, &msg_len), DBK_EMALFORMED);
    /*  a rid that is not a uint reads as 0 */
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_bool (w, "ok", true);
    dbk_wr_kv_cstr (w, "rid", "abc");
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), 0);
    cr_assert_eq (rid, 0);
    dbk_wr_destroy (&w);
}

Test (proto, request_begin_writes_v_rid_and_op)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_cstr (w, "stale bytes");
    dbk_proto_request_begin (w, 12, "READ", 1);
    dbk_wr_kv_u64 (w, "from", 1);
    dbk_doc_t *doc = s_parse_wr (w);
    const dbk_obj_t *r = dbk_doc_root (doc);
    uint64_t v, rid;
    cr_assert_eq (dbk_obj_len (r), 4);
    cr_assert (dbk_obj_u64 (dbk_obj_get (r, "v"), &v) == 0 && v == DBK_PROTO_VERSION);
    cr_assert (dbk_obj_u64 (dbk_obj_get (r, "rid"), &rid) == 0 && rid == 12);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "op"), "READ"));
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}
