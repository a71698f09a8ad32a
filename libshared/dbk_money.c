/*  dbk_money.c - arithmetic on amounts that never wraps (dbk_money.h). */
#include "dealbook/dbk_money.h"

#include <stddef.h>

char *dbk_wide_format (dbk_wide_t v, char out[DBK_WIDE_CHARS])
{
    char digits[DBK_WIDE_CHARS];
    size_t n = 0, k = 0;
    /* the magnitude as unsigned: -v would overflow for the smallest v */
    unsigned __int128 a =
        v < 0 ? (unsigned __int128) 0 - (unsigned __int128) v : (unsigned __int128) v;
    do {
        digits[n++] = (char) ('0' + (int) (a % 10));
        a /= 10;
    } while (a);
    if (v < 0)
        out[k++] = '-';
    while (n)
        out[k++] = digits[--n];
    out[k] = 0;
    return out;
}

int64_t dbk_weighted (int64_t amount, int percent)
{
    dbk_wide_t x = (dbk_wide_t) amount * percent;
    return (int64_t) (x >= 0 ? (x + 50) / 100 : -((-x + 50) / 100));
}
