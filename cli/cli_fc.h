/*  cli_fc.h - what the forecasting nouns of the CLI share (cli_fc.c: the
    verbs; cli_fc_chart.c: money, percentages, tables and terminal charts).

    Money on the wire is integer minor units; the text output prints major
    units with thousands separators, in the decimals of the currency's
    minor unit (dbk_currency_decimals: 2 for most, 0 for JPY, KRW, VND...,
    3 for KWD, BHD...). Per-mille ratios print as percentages with one decimal. */
#ifndef CLI_FC_H
#define CLI_FC_H

#include "cli.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  ---- reading a reply ---- */

/*  The integer at key, or `dflt` when absent, nil or not an integer. */
int64_t cli_fc_i64 (const dbk_obj_t *m, const char *key, int64_t dflt);
/*  Whether key holds an integer (not nil). */
bool cli_fc_has_i64 (const dbk_obj_t *m, const char *key);
/*  The text at key ("" when absent or nil), copied into buf. */
const char *cli_fc_str (const dbk_obj_t *m, const char *key, char *buf, size_t bufsz);
/*  The boolean at key (false when absent). */
bool cli_fc_bool (const dbk_obj_t *m, const char *key);

/*  ---- numbers ---- */

/*  Minor units as major units with thousands separators, without the
    currency: 123456789 CNY -> "1,234,567.89"; JPY/KRW take no decimals,
    KWD three (a code the ISO 4217 table does not hold: two). */
void cli_fc_money (int64_t minor, const char *currency, char *out, size_t outsz);
/*  The same, prefixed by the currency when known: "CNY 1,234,567.89". */
void cli_fc_money_cur (int64_t minor, const char *currency, char *out, size_t outsz);
/*  Per mille as a percentage with one decimal ("56.3%"); -1 (not
    defined) as "n/a". */
void cli_fc_pct (int64_t pm, char *out, size_t outsz);

/*  ---- drawing ---- */

/*  Display columns of UTF-8 text (CJK 2). */
int cli_fc_width (const char *s);
/*  A horizontal bar of `width` columns for value / max, in eighths of a
    column (block characters), padded with spaces to `width`. A value
    above 0 shows at least one eighth. */
void cli_fc_bar (int64_t value, int64_t max, int width, char *out, size_t outsz);

/*  A table of text cells, columns padded by display width. */
#define CLI_FC_COLS 10
#define CLI_FC_CELL 112
typedef struct {
    int ncols;
    const char *head[CLI_FC_COLS];
    bool right[CLI_FC_COLS]; /* right-aligned (numbers) */
    char (*cells)[CLI_FC_COLS][CLI_FC_CELL];
    size_t nrows, cap;
} cli_fc_tab_t;

/*  heads: ncols names; a name starting with '>' is right-aligned (the
    '>' is not printed). */
void cli_fc_tab_init (cli_fc_tab_t *t, int ncols, const char *const *heads);
/*  Add a row of ncols texts (NULL: empty). */
void cli_fc_tab_add (cli_fc_tab_t *t, const char *const *cells);
/*  Print with `indent` spaces before each line, then free the rows. */
void cli_fc_tab_print (cli_fc_tab_t *t, int indent);

/*  ---- the charts ---- */

/*  The FUNNEL reply: one bar per level (open amount), then the totals. */
void cli_fc_funnel_chart (const dbk_obj_t *root, const char *scope);
/*  The ACCURACY reply: per period, bars of the forecast's accuracy and
    the funnel snapshot's. */
void cli_fc_accuracy_chart (const dbk_obj_t *root);
/*  The FORECAST reply: figures, then bars against the quota. */
void cli_fc_outlook_chart (const dbk_obj_t *root, const char *scope);

#endif
