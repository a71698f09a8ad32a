/*  test_codec_writer.c - the msgpack writer (dbk_wr_t) and the cursor
    (dbk_cur_t) of dbk_codec.h, tested as specifications through the
    public API.
*/
#include "support/codec_given.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

Test (writer, an_array_counted_after_its_elements_is_an_array_32)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 2);
    dbk_wr_cstr (w, "a");
    size_t at = dbk_wr_array_begin (w);
    dbk_wr_array_end (w, at, 0); /* none */
    dbk_wr_cstr (w, "b");
    at = dbk_wr_array_begin (w);
    for (int i = 0; i < 300; i++)
        dbk_wr_u64 (w, (uint64_t) i);
    dbk_wr_array_end (w, at, 300);
    const uint8_t *b = dbk_wr_data (w);
    cr_assert_eq (b[3], 0xdd); /* map, "a", then the header */
    cr_assert_eq (memcmp (b + 4, (uint8_t[]){0, 0, 0, 0}, 4), 0);
    cr_assert_eq (memcmp (b + 10, (uint8_t[]){0xdd, 0, 0, 0x01, 0x2c}, 5), 0);
    cr_assert_eq (dbk_mp_check (b, dbk_wr_size (w), 0), 0);
    dbk_doc_t *doc = NULL;
    cr_assert_eq (dbk_doc_parse (b, dbk_wr_size (w), &doc), 0);
    const dbk_obj_t *root = dbk_doc_root (doc);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (root, "a")), 0);
    const dbk_obj_t *arr = dbk_obj_get (root, "b");
    cr_assert_eq (dbk_obj_len (arr), 300);
    uint64_t v;
    cr_assert_eq (dbk_obj_u64 (dbk_obj_at (arr, 299), &v), 0);
    cr_assert_eq (v, 299);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
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
