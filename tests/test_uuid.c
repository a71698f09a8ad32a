/*  test_uuid.c - UUIDv7 ids (dbk_event.h): their layout, their order in
    time, and their text form, tested as specifications through the public
    API.
*/
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t s_id[DBK_ID_SIZE] = {0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x7a, 0xbc,
                                          0x8d, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab};

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

Test (uuid, unhex_is_the_inverse_of_hex)
{
    char hex[2 * DBK_ID_SIZE + 1];
    uint8_t back[DBK_ID_SIZE];
    dbk_hex (s_id, DBK_ID_SIZE, hex);
    cr_assert_eq (dbk_unhex (hex, 2 * DBK_ID_SIZE, back), 0);
    cr_assert_arr_eq (back, s_id, DBK_ID_SIZE);
    cr_assert_eq (dbk_unhex ("0A0b", 4, back), 0);
    cr_assert (back[0] == 0x0a && back[1] == 0x0b);
    cr_assert_eq (dbk_unhex ("", 0, back), 0);
}

/*  A cursor sent back by a client (a list's `after`) may hold anything: a
    character that is not a hex digit is refused before it is shifted (found
    by tests/services_wire_fuzz_test.py: "2026-02-29" as `after` made UBSan
    stop the contacts service on -1 << 4). */
Test (uuid, unhex_refuses_what_is_not_hex_digits)
{
    static const char *const bad[] = {"2026-02-29", "0g", "g0", "t1", "0", "abc", " 0", "0\xff"};
    uint8_t out[8];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq (dbk_unhex (bad[i], strlen (bad[i]), out), DBK_EINVAL, "%s", bad[i]);
    cr_assert_eq (dbk_unhex ("0\0", 2, out), DBK_EINVAL); /* a NUL within the length */
}
