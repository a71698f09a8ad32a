/*  fc_common.c - dates, periods, money rounding, the default
    configuration and stream names of the forecasting service. */
#include "forecasting.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <stdio.h>
#include <string.h>

const fc_config_t fc_default_config = {
    {0, 10, 25, 50, 75, 90},
    {0, 30, 30, 21, 14, 14},
    3000,
    0,
};

/*  Howard Hinnant's days_from_civil, shifted so that 0000-03-01 is day 0:
    every real date of years 1..9999 is positive and 0 stays "unknown". */
static fc_day_t s_days (int y, int m, int d)
{
    y -= m <= 2;
    int era = y / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe;
}

static void s_civil (fc_day_t z, int *y, int *m, int *d)
{
    int era = z / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int s_num (const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int s_mdays (int y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : md[m - 1];
}

fc_day_t fc_day_parse (const char *s, size_t n)
{
    if (!s || n != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    int y = s_num (s, 4), m = s_num (s + 5, 2), d = s_num (s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > s_mdays (y, m))
        return 0;
    return s_days (y, m, d);
}

fc_day_t fc_day (const char *s)
{
    return s ? fc_day_parse (s, strlen (s)) : 0;
}

void fc_day_format (fc_day_t day, char out[11])
{
    if (day <= 0) {
        out[0] = 0;
        return;
    }
    int y, m, d;
    s_civil (day, &y, &m, &d);
    snprintf (out, 11, "%04u-%02u-%02u", (unsigned) y % 10000u, (unsigned) m % 100u,
              (unsigned) d % 100u);
}

fc_day_t fc_day_from_ms (int64_t ms, int utc_offset_min)
{
    int64_t day = dbk_day_of_ms (ms, utc_offset_min);
    if (ms <= 0 || day > 2932896) /* after 9999-12-31: not a business date */
        return 0;
    return (fc_day_t) (day + 719468);
}

int fc_day_month (fc_day_t day)
{
    if (day <= 0)
        return 0;
    int y, m, d;
    s_civil (day, &y, &m, &d);
    return y * 12 + m - 1;
}

static fc_day_t s_month_start (int month)
{
    return s_days (month / 12, month % 12 + 1, 1);
}

int fc_period_parse (const char *s, size_t n, fc_period_t *out)
{
    if (!s || (n != 4 && n != 7))
        return DBK_EINVAL;
    int y = s_num (s, 4);
    if (y < 1)
        return DBK_EINVAL;
    if (n == 4) {
        *out = (fc_period_t){FC_YEAR, y * 12, 12};
        return 0;
    }
    if (s[4] != '-')
        return DBK_EINVAL;
    if (s[5] == 'Q') {
        int q = s[6] - '0';
        if (q < 1 || q > 4)
            return DBK_EINVAL;
        *out = (fc_period_t){FC_QUARTER, y * 12 + (q - 1) * 3, 3};
        return 0;
    }
    int m = s_num (s + 5, 2);
    if (m < 1 || m > 12)
        return DBK_EINVAL;
    *out = (fc_period_t){FC_MONTH, y * 12 + m - 1, 1};
    return 0;
}

void fc_period_format (const fc_period_t *p, char out[FC_PERIOD_MAX + 1])
{
    unsigned y = (unsigned) (p->first / 12) % 10000u, m = (unsigned) (p->first % 12) % 12u + 1;
    if (p->kind == FC_YEAR)
        snprintf (out, FC_PERIOD_MAX + 1, "%04u", y);
    else if (p->kind == FC_QUARTER)
        snprintf (out, FC_PERIOD_MAX + 1, "%04u-Q%u", y, ((m - 1) / 3 + 1) % 10u);
    else
        snprintf (out, FC_PERIOD_MAX + 1, "%04u-%02u", y, m % 100u);
}

fc_day_t fc_period_start (const fc_period_t *p)
{
    return s_month_start (p->first);
}

fc_day_t fc_period_end (const fc_period_t *p)
{
    return s_month_start (p->first + p->months) - 1;
}

fc_period_t fc_period_shift (const fc_period_t *p, int k)
{
    fc_period_t q = *p;
    q.first += k * p->months;
    return q;
}

int64_t fc_weighted (int64_t amount, int percent)
{
    /*  in 128 bits: an amount folded from the log may be any int64 (a
        hand-appended event), and INT64_MAX x 100 does not fit 64 */
    return dbk_weighted (amount, percent);
}

fc_wide_t fc_permille (fc_wide_t num, fc_wide_t den)
{
    if (den <= 0)
        return -1;
    /*  as whole and remainder, num = q x den + r: q x 1000 and r x 1000
        (r < den < 2^116) both fit 128 bits. A den that large (never a
        sum of the book) is halved with num first; a quotient of 2^116
        or more is a ratio no figure holds, kept at 2^126 per mille. */
    const fc_wide_t lim = (fc_wide_t) 1 << 116;
    while (den >= lim) {
        num /= 2;
        den /= 2;
    }
    bool neg = num < 0;
    unsigned __int128 a = neg ? (unsigned __int128) 0 - (unsigned __int128) num
                              : (unsigned __int128) num,
                      d = (unsigned __int128) den, q = a / d, r = a % d;
    fc_wide_t x = q >= (unsigned __int128) lim ? (fc_wide_t) 1 << 126
                                               : (fc_wide_t) (q * 1000 + (r * 1000 + d / 2) / d);
    return neg ? -x : x;
}

static bool s_safe (const char *s)
{
    if (!s || !*s || strlen (s) > FC_SHORT_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    char stream[FC_SHORT_MAX + 40];
    int n = snprintf (stream, sizeof stream, "quota-2026.owner.%s", s);
    return dbk_utf8_valid (s, strlen (s)) && n > 0 && (size_t) n < sizeof stream &&
           dbk_stream_name_valid (stream, (size_t) n);
}

bool fc_quota_stream (const char *scope, const char *who, const char *period, char *out,
                      size_t size)
{
    fc_period_t p;
    char ps[FC_PERIOD_MAX + 1];
    if (!scope || (strcmp (scope, "owner") && strcmp (scope, "team")) || !s_safe (who) || !period ||
        fc_period_parse (period, strlen (period), &p))
        return false;
    fc_period_format (&p, ps);
    int n = snprintf (out, size, "quota-%s.%s.%s", ps, scope, who);
    return n > 0 && (size_t) n < size;
}

bool fc_forecast_stream (const char *owner, const char *period, char *out, size_t size)
{
    fc_period_t p;
    char ps[FC_PERIOD_MAX + 1];
    if (!s_safe (owner) || !period || fc_period_parse (period, strlen (period), &p))
        return false;
    fc_period_format (&p, ps);
    int n = snprintf (out, size, "forecast-%s.%s", ps, owner);
    return n > 0 && (size_t) n < size;
}

/*  ---- a deal as stored ---- */

/*  The numbers, then each text as a length byte and its bytes, then the
    history entries field by field: about 150 bytes plus 23 per entry,
    where the C struct takes 1 KB plus 24 per entry (most of it room for
    names that are short). Host byte order: a read model never leaves
    its machine. */
#define S_TEXTS 11
#define S_HIST_BYTES 23

static char *s_texts (fc_deal_t *d, size_t size[S_TEXTS], char *texts[S_TEXTS])
{
    char *t[S_TEXTS] = {d->id,          d->owner,    d->team,         d->region,
                        d->account,     d->currency, d->won_currency, d->won_reason,
                        d->loss_reason, d->winner,   d->tender_type};
    size_t s[S_TEXTS] = {sizeof d->id,           sizeof d->owner,      sizeof d->team,
                         sizeof d->region,       sizeof d->account,    sizeof d->currency,
                         sizeof d->won_currency, sizeof d->won_reason, sizeof d->loss_reason,
                         sizeof d->winner,       sizeof d->tender_type};
    memcpy (texts, t, sizeof t);
    memcpy (size, s, sizeof s);
    return texts[0];
}

typedef struct {
    int8_t status, category, level, max_level, pursuit;
    int64_t amount, won_amount;
    fc_day_t close, registered, last_on, outcome, level_since, pursuit_on;
    uint32_t slips, nhist;
} s_nums_t;

size_t fc_deal_pack (const fc_deal_t *deal, uint8_t *out)
{
    s_nums_t n = {(int8_t) deal->status,
                  (int8_t) deal->category,
                  (int8_t) deal->level,
                  (int8_t) deal->max_level,
                  (int8_t) deal->pursuit,
                  deal->amount,
                  deal->won_amount,
                  deal->close,
                  deal->registered,
                  deal->last_on,
                  deal->outcome,
                  deal->level_since,
                  deal->pursuit_on,
                  deal->slips,
                  deal->nhist > FC_HIST_MAX ? FC_HIST_MAX : deal->nhist};
    uint8_t *p = out;
    memcpy (p, &n, sizeof n);
    p += sizeof n;
    char *texts[S_TEXTS];
    size_t size[S_TEXTS];
    s_texts ((fc_deal_t *) deal, size, texts); /* read only */
    for (int i = 0; i < S_TEXTS; i++) {
        size_t l = strnlen (texts[i], size[i] - 1);
        *p++ = (uint8_t) l;
        memcpy (p, texts[i], l);
        p += l;
    }
    for (uint32_t i = 0; i < n.nhist; i++) {
        const fc_hist_t *h = &deal->hist[i];
        memcpy (p, &h->on, 4);
        p[4] = h->kind;
        memcpy (p + 5, &h->from, 1);
        memcpy (p + 6, &h->to, 1);
        memcpy (p + 7, &h->a, 8);
        memcpy (p + 15, &h->b, 8);
        p += S_HIST_BYTES;
    }
    return (size_t) (p - out);
}

int fc_deal_unpack (const void *buf, size_t len, fc_deal_t *out)
{
    const uint8_t *p = buf, *end = p + len;
    s_nums_t n;
    memset (out, 0, offsetof (fc_deal_t, hist));
    if (len < sizeof n)
        return DBK_ECORRUPT;
    memcpy (&n, p, sizeof n);
    p += sizeof n;
    /*  the values that index arrays (fc_cell_t's state, probabilities) */
    if (n.nhist > FC_HIST_MAX || n.status < FC_OPEN || n.status > FC_DUPLICATE ||
        n.category < FC_CAT_NONE || n.category > FC_CAT_OMITTED || n.level < 0 ||
        n.level > FC_LEVELS || n.max_level < 0 || n.max_level > FC_LEVELS ||
        n.pursuit < FC_PURSUE || n.pursuit > FC_DROP)
        return DBK_ECORRUPT;
    out->status = n.status;
    out->category = n.category;
    out->level = n.level;
    out->max_level = n.max_level;
    out->pursuit = n.pursuit;
    out->amount = n.amount;
    out->won_amount = n.won_amount;
    out->close = n.close;
    out->registered = n.registered;
    out->last_on = n.last_on;
    out->outcome = n.outcome;
    out->level_since = n.level_since;
    out->pursuit_on = n.pursuit_on;
    out->slips = n.slips;
    out->nhist = n.nhist;
    char *texts[S_TEXTS];
    size_t size[S_TEXTS];
    s_texts (out, size, texts);
    for (int i = 0; i < S_TEXTS; i++) {
        if (p >= end || *p >= size[i] || (size_t) (end - p - 1) < *p)
            return DBK_ECORRUPT;
        memcpy (texts[i], p + 1, *p);
        texts[i][*p] = 0;
        p += 1 + *p;
    }
    if ((size_t) (end - p) != n.nhist * S_HIST_BYTES)
        return DBK_ECORRUPT;
    for (uint32_t i = 0; i < n.nhist; i++, p += S_HIST_BYTES) {
        fc_hist_t *h = &out->hist[i];
        memcpy (&h->on, p, 4);
        h->kind = p[4];
        memcpy (&h->from, p + 5, 1);
        memcpy (&h->to, p + 6, 1);
        memcpy (&h->a, p + 7, 8);
        memcpy (&h->b, p + 15, 8);
    }
    return 0;
}
