/*  dbk_currency.h - the currencies money is kept in: ISO 4217.

    Every amount in dealbook is an integer of minor units (fen, cents)
    with an ISO 4217 currency (DESIGN §2b). This module holds the one
    table of the codes a command may name, with the decimals of each
    one's minor unit, so that the services refuse the same codes and the
    CLI prints the same amounts.

    The table is ISO 4217 list one as published on 2026-01-01 (active
    codes, the funds codes among them: CLF, COU, MXV, UYI...), less the
    codes that have no minor unit: XXX (no currency), XTS (reserved for
    tests), gold, silver, platinum and palladium, the bond markets' and
    the development banks' units of account (XBA..XBD, XDR, XSU, XUA).
    An amount in minor units of a code without one means nothing. A code
    withdrawn (HRK, BGN, ANG, SLL, ZWL...) is not in it: a new fact is
    stated in today's money. Events already in the log keep the codes
    they hold: only commands are checked against the table, and the
    currency filter of a query, which also takes a code that the log
    still holds (the forecasting service asks its book).
*/
#ifndef DEALBOOK_DBK_CURRENCY_H
#define DEALBOOK_DBK_CURRENCY_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  The codes a refusal gives as examples. */
#define DBK_CURRENCY_EXAMPLES "CNY, EUR or USD"

/*  Is [s, s+n) a code of the table? Exactly three bytes; case matters
    ("cny" is not a code). */
bool dbk_currency_known (const char *s, size_t n);

/*  The decimals of the minor unit of [s, s+n): 0 (JPY, KRW, VND...), 2
    (most), 3 (BHD, KWD...) or 4 (CLF, UYW); -1 when not in the table. */
int dbk_currency_decimals (const char *s, size_t n);

/*  Is [s, s+n) shaped like a code, three capital letters A-Z? For facts
    the log holds already, which were checked when they were decided (a
    tender's award names the tender's currency) and are taken as they
    are, even when the table has dropped their code since. */
bool dbk_currency_shaped (const char *s, size_t n);

/*  Code i of the table in ascending order (static, NUL-terminated), or
    NULL past the last one: to list them, and to check the order the
    lookups rely on. */
const char *dbk_currency_at (size_t i);

#ifdef __cplusplus
}
#endif
#endif
