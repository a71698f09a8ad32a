/*  dbk_money.h - arithmetic on amounts that never wraps.

    An amount is an int64 of minor units (DESIGN §2b). One amount fits,
    but a sum of many may not: 9,300 deals of 10^15 minor units (the
    most a command accepts) add up to 9.3 x 10^18, past INT64_MAX
    (9.22 x 10^18), and a product such as amount x probability passes it
    far sooner for an amount appended to the log by hand. In C such an
    overflow is undefined behaviour, and in practice a figure that wraps
    round to a wrong one nobody can tell from a right one.

    So sums of amounts are kept in dbk_wide_t (128 bits: a sum of fewer
    than 2^64 int64 values cannot wrap), products are taken in it, and a
    figure goes back to an int64 (the wire's integer, the CLI's) only
    after dbk_wide_fits says it fits. What to do with one that does not
    is the caller's to decide and to document: a command is refused
    naming its field, a query naming the figure.
*/
#ifndef DEALBOOK_DBK_MONEY_H
#define DEALBOOK_DBK_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef __int128 dbk_wide_t;

/*  Does v fit an int64? */
static inline bool dbk_wide_fits (dbk_wide_t v)
{
    return v >= INT64_MIN && v <= INT64_MAX;
}

/*  Bytes dbk_wide_format needs: a sign, 39 digits, the NUL. */
#define DBK_WIDE_CHARS 41

/*  v in decimal ("-170141183460469231731687303715884105728" at most)
    into out; returns out. */
char *dbk_wide_format (dbk_wide_t v, char out[DBK_WIDE_CHARS]);

/*  amount x percent / 100 rounded half away from zero, for any int64
    amount and 0 <= percent <= 100: the product is taken in 128 bits and
    the result is no larger than |amount|. The weighted amount of a deal,
    computed alike by every service that shows one. */
int64_t dbk_weighted (int64_t amount, int percent);

#ifdef __cplusplus
}
#endif
#endif
