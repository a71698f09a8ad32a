/*  test_money.c - arithmetic on amounts that never wraps
    (include/dealbook/dbk_money.h): the weighted amount of a deal for any
    int64 amount, and 128-bit sums told apart from the int64 they may not
    fit, and printed.
*/
#include "dealbook/dbk_money.h"

#include <criterion/criterion.h>
#include <string.h>

TestSuite (money);

Test (money, the_weighted_amount_of_any_int64_is_exact)
{
    cr_assert_eq (dbk_weighted (1000000000000000, 25), 250000000000000);
    cr_assert_eq (dbk_weighted (333, 25), 83); /* 83.25 */
    cr_assert_eq (dbk_weighted (2, 25), 1);    /* 0.5: half up */
    cr_assert_eq (dbk_weighted (-2, 25), -1);  /* -0.5: half away from zero */
    cr_assert_eq (dbk_weighted (-150, 1), -2); /* -1.5 */
    cr_assert_eq (dbk_weighted (INT64_MAX, 90), 8301034833169298226);
    cr_assert_eq (dbk_weighted (INT64_MAX, 100), INT64_MAX);
    cr_assert_eq (dbk_weighted (INT64_MIN, 100), INT64_MIN);
    cr_assert_eq (dbk_weighted (INT64_MIN, 50), INT64_MIN / 2);
    cr_assert_eq (dbk_weighted (INT64_MAX, 0), 0);
}

Test (money, a_wide_sum_is_told_apart_from_an_int64)
{
    dbk_wide_t nine_thousand_deals = (dbk_wide_t) 9300 * 1000000000000000;
    cr_assert_not (dbk_wide_fits (nine_thousand_deals));
    cr_assert (
        dbk_wide_fits (nine_thousand_deals - 9300 * (dbk_wide_t) 1000000000000000 + INT64_MAX));
    cr_assert (dbk_wide_fits (INT64_MIN));
    cr_assert_not (dbk_wide_fits ((dbk_wide_t) INT64_MIN - 1));
    cr_assert_not (dbk_wide_fits ((dbk_wide_t) INT64_MAX + 1));
}

Test (money, a_wide_value_prints_in_decimal)
{
    char out[DBK_WIDE_CHARS];
    cr_assert_str_eq (dbk_wide_format (0, out), "0");
    cr_assert_str_eq (dbk_wide_format (-7, out), "-7");
    cr_assert_str_eq (dbk_wide_format ((dbk_wide_t) 9300 * 1000000000000000, out),
                      "9300000000000000000");
    dbk_wide_t max = (dbk_wide_t) (((unsigned __int128) 1 << 127) - 1);
    cr_assert_str_eq (dbk_wide_format (max, out), "170141183460469231731687303715884105727");
    cr_assert_str_eq (dbk_wide_format (-max - 1, out), "-170141183460469231731687303715884105728");
    cr_assert_eq (strlen (out) + 1, DBK_WIDE_CHARS);
}
