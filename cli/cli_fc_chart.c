/*  cli_fc_chart.c - money, percentages, tables and terminal charts of the
    forecasting nouns: horizontal bars drawn in eighths of a column with
    block characters, sized to fit 80 columns. */
#include "cli_fc.h"

#include "dealbook/dbk_currency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define S_LINE 80 /* the terminal width the charts are drawn for */

/*  ---- reading a reply ---- */

int64_t cli_fc_i64 (const dbk_obj_t *m, const char *key, int64_t dflt)
{
    int64_t v;
    const dbk_obj_t *o = dbk_obj_get (m, key);
    return o && dbk_obj_i64 (o, &v) == 0 ? v : dflt;
}

bool cli_fc_has_i64 (const dbk_obj_t *m, const char *key)
{
    int64_t v;
    const dbk_obj_t *o = dbk_obj_get (m, key);
    return o && dbk_obj_i64 (o, &v) == 0;
}

const char *cli_fc_str (const dbk_obj_t *m, const char *key, char *buf, size_t bufsz)
{
    const char *s;
    size_t n;
    const dbk_obj_t *o = dbk_obj_get (m, key);
    buf[0] = 0;
    if (o && dbk_obj_str (o, &s, &n) == 0) {
        snprintf (buf, bufsz, "%.*s", (int) n, s);
        for (char *p = buf; *p; p++)
            if (*p == '\n' || *p == '\r' || *p == '\t')
                *p = ' ';
    }
    return buf;
}

bool cli_fc_bool (const dbk_obj_t *m, const char *key)
{
    bool b = false;
    const dbk_obj_t *o = dbk_obj_get (m, key);
    if (o)
        dbk_obj_bool (o, &b);
    return b;
}

/*  ---- numbers ---- */

/*  Decimals of a currency's minor unit, from the ISO 4217 table the
    services check codes against; 2 for a code it does not hold (one a
    log written before the table may carry). */
static int s_decimals (const char *currency)
{
    int dec = currency ? dbk_currency_decimals (currency, strlen (currency)) : -1;
    return dec < 0 ? 2 : dec > 4 ? 4 : dec; /* 4: the table's most */
}

void cli_fc_money (int64_t minor, const char *currency, char *out, size_t outsz)
{
    int dec = s_decimals (currency);
    uint64_t unit = 1;
    for (int i = 0; i < dec; i++)
        unit *= 10;
    uint64_t a = minor < 0 ? (uint64_t) (-(minor + 1)) + 1 : (uint64_t) minor;
    uint64_t major = a / unit, cents = a % unit;
    char digits[32], grouped[48];
    snprintf (digits, sizeof digits, "%llu", (unsigned long long) major);
    size_t len = strlen (digits), k = 0;
    if (minor < 0)
        grouped[k++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            grouped[k++] = ',';
        grouped[k++] = digits[i];
    }
    grouped[k] = 0;
    if (dec)
        snprintf (out, outsz, "%s.%0*llu", grouped, dec, (unsigned long long) cents);
    else
        snprintf (out, outsz, "%s", grouped);
}

void cli_fc_money_cur (int64_t minor, const char *currency, char *out, size_t outsz)
{
    char m[48];
    cli_fc_money (minor, currency, m, sizeof m);
    if (currency && *currency)
        snprintf (out, outsz, "%s %s", currency, m);
    else
        snprintf (out, outsz, "%s", m);
}

void cli_fc_pct (int64_t pm, char *out, size_t outsz)
{
    if (pm < 0)
        snprintf (out, outsz, "n/a");
    else
        snprintf (out, outsz, "%lld.%lld%%", (long long) (pm / 10), (long long) (pm % 10));
}

/*  ---- drawing ---- */

int cli_fc_width (const char *s)
{
    int w = 0;
    utf8proc_int32_t cp;
    for (utf8proc_ssize_t n;
         *s && (n = utf8proc_iterate ((const utf8proc_uint8_t *) s, -1, &cp)) > 0; s += n)
        w += utf8proc_charwidth (cp);
    return w;
}

void cli_fc_bar (int64_t value, int64_t max, int width, char *out, size_t outsz)
{
    /*  U+2588 full block, then U+2589..U+258F: seven eighths .. one eighth */
    static const char *const part[8] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    int64_t eighths = 0;
    if (value > 0 && max > 0) {
        double e = (double) value / (double) max * width * 8 + 0.5;
        eighths = e > width * 8 ? width * 8 : (int64_t) e;
        if (eighths == 0)
            eighths = 1;
    }
    size_t len = 0;
    int cols = 0;
    out[0] = 0;
    for (int64_t i = 0; i < eighths / 8 && len + 4 < outsz; i++, cols++)
        len += (size_t) snprintf (out + len, outsz - len, "█");
    if (eighths % 8 && len + 4 < outsz) {
        len += (size_t) snprintf (out + len, outsz - len, "%s", part[eighths % 8]);
        cols++;
    }
    for (; cols < width && len + 1 < outsz; cols++)
        out[len++] = ' ';
    out[len] = 0;
}

void cli_fc_tab_init (cli_fc_tab_t *t, int ncols, const char *const *heads)
{
    memset (t, 0, sizeof *t);
    t->ncols = ncols > CLI_FC_COLS ? CLI_FC_COLS : ncols;
    for (int j = 0; j < t->ncols; j++) {
        t->right[j] = heads[j][0] == '>';
        t->head[j] = heads[j] + t->right[j];
    }
}

void cli_fc_tab_add (cli_fc_tab_t *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        void *p = realloc (t->cells, cap * sizeof *t->cells);
        if (!p)
            return;
        t->cells = p;
        t->cap = cap;
    }
    for (int j = 0; j < t->ncols; j++)
        snprintf (t->cells[t->nrows][j], CLI_FC_CELL, "%s", cells[j] ? cells[j] : "");
    t->nrows++;
}

void cli_fc_tab_print (cli_fc_tab_t *t, int indent)
{
    int width[CLI_FC_COLS];
    for (int j = 0; j < t->ncols; j++) {
        width[j] = cli_fc_width (t->head[j]);
        for (size_t i = 0; i < t->nrows; i++) {
            int w = cli_fc_width (t->cells[i][j]);
            width[j] = w > width[j] ? w : width[j];
        }
    }
    for (size_t i = 0; i <= t->nrows; i++) {
        char line[CLI_FC_COLS * (CLI_FC_CELL + 40)];
        size_t len = 0;
        for (int j = 0; j < t->ncols; j++) {
            const char *c = i ? t->cells[i - 1][j] : t->head[j];
            int pad = width[j] - cli_fc_width (c);
            int k = t->right[j] ? snprintf (line + len, sizeof line - len, "%s%*s%s", j ? "  " : "",
                                            pad, "", c)
                                : snprintf (line + len, sizeof line - len, "%s%s%*s", j ? "  " : "",
                                            c, pad, "");
            if (k > 0 && (size_t) k < sizeof line - len)
                len += (size_t) k;
        }
        while (len && line[len - 1] == ' ')
            len--;
        printf ("%*s%.*s\n", indent, "", (int) len, line);
    }
    free (t->cells);
    t->cells = NULL;
    t->nrows = t->cap = 0;
}

/*  ---- the funnel ---- */

static const char *s_as_of (const dbk_obj_t *root, char *buf, size_t bufsz)
{
    char d[16];
    if (*cli_fc_str (root, "as_of", d, sizeof d))
        snprintf (buf, bufsz, "as of the end of %s", d);
    else
        snprintf (buf, bufsz, "now");
    return buf;
}

#define S_FUNNEL_ROWS 11 /* 5 levels, then open, commit, best case, won, lost, abandoned */

void cli_fc_funnel_chart (const dbk_obj_t *root, const char *scope)
{
    static const char *const totals[] = {"open", "commit", "best_case", "won", "lost", "abandoned"};
    static const char *const names[] = {"open", "commit", "best case", "won", "lost", "abandoned"};
    char cur[8], when[48];
    cli_fc_str (root, "currency", cur, sizeof cur);
    printf ("FUNNEL%s%s\n%s, amounts in %s%smajor units\n", *scope ? "  " : "", scope,
            s_as_of (root, when, sizeof when), cur, *cur ? " " : "");
    char label[S_FUNNEL_ROWS][24], count[S_FUNNEL_ROWS][24], amount[S_FUNNEL_ROWS][48],
        weighted[S_FUNNEL_ROWS][48];
    int64_t value[S_FUNNEL_ROWS] = {0}, max = 0;
    const dbk_obj_t *levels = dbk_obj_get (root, "levels");
    int n = 0;
    for (size_t i = 0; i < dbk_obj_len (levels) && n < 5; i++, n++) {
        const dbk_obj_t *l = dbk_obj_at (levels, i);
        char code[8];
        snprintf (label[n], sizeof label[n], "%s %2lld%%",
                  cli_fc_str (l, "level", code, sizeof code),
                  (long long) cli_fc_i64 (l, "probability", 0));
        snprintf (count[n], sizeof count[n], "%lld", (long long) cli_fc_i64 (l, "count", 0));
        value[n] = cli_fc_i64 (l, "amount", 0);
        max = value[n] > max ? value[n] : max;
        cli_fc_money (value[n], cur, amount[n], sizeof amount[n]);
        cli_fc_money (cli_fc_i64 (l, "weighted", 0), cur, weighted[n], sizeof weighted[n]);
    }
    int nlevels = n;
    for (int t = 0; t < 6; t++, n++) {
        const dbk_obj_t *s = dbk_obj_get (root, totals[t]);
        snprintf (label[n], sizeof label[n], "%s", names[t]);
        snprintf (count[n], sizeof count[n], "%lld", (long long) cli_fc_i64 (s, "count", 0));
        cli_fc_money (cli_fc_i64 (s, "amount", 0), cur, amount[n], sizeof amount[n]);
        cli_fc_money (cli_fc_i64 (s, "weighted", 0), cur, weighted[n], sizeof weighted[n]);
    }
    /*  columns: label, bar, deals, amount, weighted; the bar takes what
        the figures leave of 80 columns */
    int wl = 9, wc = 5, wa = 6, ww = 8;
    for (int i = 0; i < n; i++) {
        int a = (int) strlen (count[i]), b = (int) strlen (amount[i]),
            c = (int) strlen (weighted[i]);
        wc = a > wc ? a : wc;
        wa = b > wa ? b : wa;
        ww = c > ww ? c : ww;
    }
    int bar = S_LINE - wl - 2 - 2 - wc - 2 - wa - 2 - ww;
    bar = bar > 36 ? 36 : bar < 8 ? 8 : bar;
    printf ("%-*s  %-*s  %*s  %*s  %*s\n", wl, "level", bar, "open amount", wc, "deals", wa,
            "amount", ww, "weighted");
    for (int i = 0; i < n; i++) {
        char b[36 * 4 + 8];
        if (i == nlevels)
            printf ("\n");
        if (i < nlevels)
            cli_fc_bar (value[i], max, bar, b, sizeof b);
        else
            snprintf (b, sizeof b, "%*s", bar, "");
        char line[512];
        snprintf (line, sizeof line, "%-*s  %s  %*s  %*s  %*s", wl, label[i], b, wc, count[i], wa,
                  amount[i], ww, weighted[i]);
        printf ("%s\n", line);
    }
    if (cli_fc_i64 (dbk_obj_get (root, "open"), "count", 0) == 0)
        printf ("(no open deals)\n");
}

/*  ---- the outlook of a period ---- */

void cli_fc_outlook_chart (const dbk_obj_t *root, const char *scope)
{
    char cur[8], period[16], when[48], m[64], p[32];
    cli_fc_str (root, "currency", cur, sizeof cur);
    cli_fc_str (root, "period", period, sizeof period);
    printf ("FORECAST %s%s%s\n%s, amounts in %s%smajor units\n", period, *scope ? "  " : "", scope,
            s_as_of (root, when, sizeof when), cur, *cur ? " " : "");
    bool has_quota = cli_fc_bool (root, "has_quota");
    static const char *const keys[] = {"quota",     "won",      "projected", "commit",
                                       "best_case", "weighted", "pipeline"};
    static const char *const names[] = {"quota",
                                        "won",
                                        "projected (won + weighted)",
                                        "commit",
                                        "best case",
                                        "weighted pipeline",
                                        "pipeline (open, not omitted)"};
    int64_t max = 0;
    for (int i = 0; i < 7; i++) {
        int64_t v = cli_fc_i64 (root, keys[i], 0);
        max = v > max ? v : max;
    }
    cli_fc_tab_t t;
    static const char *const heads[] = {"figure", "", ">amount"};
    cli_fc_tab_init (&t, 3, heads);
    for (int i = 0; i < 7; i++) {
        char b[24 * 4 + 8];
        bool none = i == 0 && !has_quota;
        int64_t v = cli_fc_i64 (root, keys[i], 0);
        cli_fc_bar (none ? 0 : v, max, 24, b, sizeof b);
        if (none)
            snprintf (m, sizeof m, "none");
        else
            cli_fc_money (v, cur, m, sizeof m);
        const char *row[] = {names[i], b, m};
        cli_fc_tab_add (&t, row);
    }
    cli_fc_tab_print (&t, 0);
    if (has_quota) {
        cli_fc_money (cli_fc_i64 (root, "remaining", 0), cur, m, sizeof m);
        printf ("remaining quota  %s\n", m);
        cli_fc_pct (cli_fc_i64 (root, "attainment_pm", -1), p, sizeof p);
        printf ("attainment       %s (won / quota)\n", p);
    }
    int64_t cov = cli_fc_i64 (root, "coverage_pm", -1);
    cli_fc_pct (cov, p, sizeof p);
    /*  two decimals, cut: a ratio just short of 3 must not read 3.0x
        beside "healthy >= 3x" (HEALTH's balanced check compares 3000) */
    if (cov >= 0)
        printf ("coverage         %s (%lld.%02lldx: pipeline / remaining quota; healthy "
                ">= 3x)\n",
                p, (long long) (cov / 1000), (long long) (cov % 1000 / 10));
    else
        printf ("coverage         n/a (%s)\n", has_quota ? "nothing remains" : "no quota");
}

/*  ---- accuracy ---- */

void cli_fc_accuracy_chart (const dbk_obj_t *root)
{
    char owner[128], cur[8], when[48];
    cli_fc_str (root, "owner", owner, sizeof owner);
    cli_fc_str (root, "currency", cur, sizeof cur);
    printf ("FORECAST ACCURACY of %s\n%s, amounts in %s%smajor units\n", owner,
            s_as_of (root, when, sizeof when), cur, *cur ? " " : "");
    printf ("accuracy = 100%% - |won - forecast| / forecast (at least 0); the forecast\n"
            "in force when the period began, and the funnel's weighted amount then\n\n");
    const dbk_obj_t *ps = dbk_obj_get (root, "periods");
    /*  period, measure, bar, accuracy, won, against */
    char won[24][48], fc[24][48], sn[24][48];
    size_t np = dbk_obj_len (ps) < 24 ? dbk_obj_len (ps) : 24;
    int wm = 8, wa = 8;
    for (size_t i = 0; i < np; i++) {
        const dbk_obj_t *p = dbk_obj_at (ps, i);
        cli_fc_money (cli_fc_i64 (p, "won", 0), cur, won[i], sizeof won[i]);
        cli_fc_money (cli_fc_i64 (p, "forecast", 0), cur, fc[i], sizeof fc[i]);
        cli_fc_money (cli_fc_i64 (p, "snapshot_weighted", 0), cur, sn[i], sizeof sn[i]);
        int a = (int) strlen (won[i]), b = (int) strlen (fc[i]), c = (int) strlen (sn[i]);
        wm = a > wm ? a : wm;
        wa = b > wa ? b : wa;
        wa = c > wa ? c : wa;
    }
    int bar = S_LINE - 7 - 2 - 8 - 2 - 2 - 6 - 2 - wm - 2 - wa;
    bar = bar > 30 ? 30 : bar < 8 ? 8 : bar;
    printf ("%-7s  %-8s  %-*s  %6s  %*s  %*s\n", "period", "measure", bar, "accuracy (0-100%)",
            "acc.", wm, "won", wa, "forecast");
    for (size_t i = 0; i < np; i++) {
        const dbk_obj_t *p = dbk_obj_get (dbk_obj_at (ps, i), "period") ? dbk_obj_at (ps, i) : NULL;
        char period[16], b[30 * 4 + 8], pct[32];
        cli_fc_str (p, "period", period, sizeof period);
        /*  nothing frozen, no snapshot: no accuracy, not 0% (a reply
            without the key is of a service that did not tell) */
        bool begun = true;
        dbk_obj_bool (dbk_obj_get (p, "begun"), &begun);
        if (!begun) {
            printf ("%-7s  n/a (the period has not begun)\n", period);
            continue;
        }
        for (int k = 0; k < 2; k++) {
            bool has = cli_fc_bool (p, k ? "has_snapshot" : "has_forecast");
            int64_t acc = cli_fc_i64 (p, k ? "snapshot_accuracy_pm" : "forecast_accuracy_pm", -1);
            cli_fc_bar (has && acc > 0 ? acc : 0, 1000, bar, b, sizeof b);
            cli_fc_pct (has ? acc : -1, pct, sizeof pct);
            const char *against = !has ? "none" : k ? sn[i] : fc[i];
            printf ("%-7s  %-8s  %s  %6s  %*s  %*s\n", k ? "" : period,
                    k ? "funnel" : (cli_fc_bool (p, "adjusted") ? "adjusted" : "forecast"), b, pct,
                    wm, k ? "" : won[i], wa, against);
        }
        if (!cli_fc_bool (p, "closed"))
            printf ("%-7s  (the period is not over: won so far)\n", "");
    }
}
