/*  fc_book.c - the forecasting book: folds the log's events one at a
    time into per-deal records (with their history) and into aggregate
    cells, and takes the period-start snapshots that forecast accuracy
    compares against. Storage is the fc_store_t's; nothing here depends
    on how it keeps its tables. */
#include "fc_internal.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ---- small helpers ---- */

static void s_copy (char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size) {
        /* cut at a UTF-8 character boundary */
        n = size - 1;
        while (n && ((unsigned char) s[n] & 0xC0) == 0x80)
            n--;
    }
    if (n)
        memcpy (dst, s, n);
    dst[n] = 0;
}

/*  Copy str `key` of data into dst. Absent or nil: "" (or keep when
    keep_absent). Another type: DBK_EMALFORMED. */
static int s_text (const dbk_obj_t *data, const char *key, char *dst, size_t size, bool required)
{
    const dbk_obj_t *o = dbk_obj_get (data, key);
    const char *s;
    size_t n;
    if (!o || dbk_obj_type (o) == DBK_T_NIL) {
        dst[0] = 0;
        return required ? DBK_EMALFORMED : 0;
    }
    if (dbk_obj_str (o, &s, &n))
        return DBK_EMALFORMED;
    if (required && n == 0)
        return DBK_EMALFORMED;
    s_copy (dst, size, s, n);
    return 0;
}

static fc_day_t s_date (const dbk_obj_t *data, const char *key)
{
    const char *s;
    size_t n;
    return dbk_obj_str (dbk_obj_get (data, key), &s, &n) ? 0 : fc_day_parse (s, n);
}

/*  The day an outcome took place: its "date", else the business date;
    never after `latest` (0: no bound, fc_book_apply). */
static fc_day_t s_outcome_date (const dbk_obj_t *data, fc_day_t day, fc_day_t latest)
{
    fc_day_t d = s_date (data, "date");
    if (!d)
        d = day;
    return latest && d > latest ? latest : d;
}

bool fc_state_open (char state)
{
    return state && strchr ("npbcx", state) != NULL;
}

fc_day_t fc_deal_period_day (const fc_deal_t *deal)
{
    if ((deal->status == FC_WON || deal->status == FC_LOST || deal->status == FC_ABANDONED) &&
        deal->outcome)
        return deal->outcome;
    return deal->close;
}

int fc_deal_probability (const fc_deal_t *deal, const fc_config_t *cfg)
{
    if (!cfg)
        cfg = &fc_default_config;
    if (deal->status == FC_WON)
        return 100;
    if (deal->status != FC_OPEN || deal->level < 1 || deal->level > FC_LEVELS)
        return 0;
    return cfg->probability[deal->level];
}

/*  ---- the book's own cells of a deal ---- */

static void s_month (fc_day_t day, char out[8])
{
    int m = fc_day_month (day);
    if (!m) {
        memcpy (out, "0000-00", 8);
        return;
    }
    fc_period_t p = {FC_MONTH, m, 1};
    fc_period_format (&p, out);
}

/*  The cell a deal adds to (its dimensions and its one-deal values). */
static void s_cell_of (const fc_book_t *self, const fc_deal_t *deal, fc_cell_t *c)
{
    static const char cats[] = {'n', 'p', 'b', 'c', 'x'};
    static const char closed[] = {
        [FC_WON] = 'W', [FC_LOST] = 'L', [FC_ABANDONED] = 'A', [FC_DUPLICATE] = 'D'};
    memset (c, 0, sizeof *c);
    memcpy (c->owner, deal->owner, sizeof c->owner);
    memcpy (c->team, deal->team, sizeof c->team);
    memcpy (c->region, deal->region, sizeof c->region);
    bool won = deal->status == FC_WON;
    memcpy (c->currency, won && deal->won_currency[0] ? deal->won_currency : deal->currency, 4);
    s_month (fc_deal_period_day (deal), c->month);
    c->level = deal->level;
    c->state = deal->status == FC_OPEN
                   ? cats[deal->category >= 0 && deal->category <= 4 ? deal->category : 0]
                   : closed[deal->status];
    c->count = 1;
    c->amount = won ? deal->won_amount : deal->amount;
    c->weighted =
        won ? deal->won_amount : fc_weighted (deal->amount, fc_deal_probability (deal, &self->cfg));
}

/*  The cell indexes: the full cells month first, the ones fc_book_defer
    leaves to fc_book_complete (the other orders of the full cells and the
    roll-ups), and all of them. */
static const char s_idx_all[] = "aoOrRAT";
#define S_IDX_LATER (s_idx_all + 1)

/*  The dimensions a key of index `idx` holds, in their order: every one,
    month first ('a'), owner first ('o') or region first ('r'), for the
    combinations of dimensions and for grouping by them; or a roll-up
    that keeps one dimension or none: 'A' (month), 'O' owner, 'T' team,
    'R' region (then month). The level and the state follow them. */
static size_t s_cell_parts (char idx, fc_cell_t *c, char *parts[6], size_t size[6])
{
    size_t np = 0;
#define S_PART(f) (parts[np] = c->f, size[np++] = sizeof c->f)
    if (idx == 'o' || idx == 'O')
        S_PART (owner);
    else if (idx == 'T')
        S_PART (team);
    else if (idx == 'r' || idx == 'R')
        S_PART (region);
    S_PART (month);
    S_PART (currency);
    if (idx == 'a' || idx == 'r')
        S_PART (owner);
    if (idx == 'a' || idx == 'o' || idx == 'r')
        S_PART (team);
    if (idx == 'a' || idx == 'o')
        S_PART (region);
#undef S_PART
    return np;
}

/*  Key of a cell in index `idx`: its dimensions, each NUL-terminated,
    then its level and state. Returns its length. */
static size_t s_cell_key (char idx, const fc_cell_t *c, char *key)
{
    char *parts[6];
    size_t size[6], np = s_cell_parts (idx, (fc_cell_t *) c, parts, size), n = 0; /* read only */
    key[n++] = idx;
    for (size_t i = 0; i < np; i++) {
        size_t l = strlen (parts[i]);
        memcpy (key + n, parts[i], l + 1);
        n += l + 1;
    }
    key[n++] = (char) ('0' + c->level);
    key[n++] = c->state;
    return n;
}

/*  A cell's sums as the store keeps them: the count (int64), then the
    amount and the weighted amount (fc_wide_t each), native-endian. */
typedef struct {
    int64_t count;
    fc_wide_t amount, weighted;
} s_sums_t;
#define S_SUMS_LEN (sizeof (int64_t) + 2 * sizeof (fc_wide_t))

static void s_sums_get (const void *val, s_sums_t *v)
{
    const uint8_t *p = val;
    memcpy (&v->count, p, sizeof v->count);
    memcpy (&v->amount, p + sizeof v->count, sizeof v->amount);
    memcpy (&v->weighted, p + sizeof v->count + sizeof v->amount, sizeof v->weighted);
}

static void s_sums_put (const s_sums_t *v, uint8_t out[S_SUMS_LEN])
{
    memcpy (out, &v->count, sizeof v->count);
    memcpy (out + sizeof v->count, &v->amount, sizeof v->amount);
    memcpy (out + sizeof v->count + sizeof v->amount, &v->weighted, sizeof v->weighted);
}

int fc_cell_parse (const void *key, size_t klen, const void *val, size_t vlen, fc_cell_t *c)
{
    const char *p = key, *end = p + klen;
    memset (c, 0, sizeof *c);
    if (klen < 3 || vlen != S_SUMS_LEN || !memchr (s_idx_all, p[0], 7))
        return DBK_ECORRUPT;
    char *parts[6];
    size_t size[6], np = s_cell_parts (*p++, c, parts, size);
    for (size_t i = 0; i < np; i++) {
        const char *z = memchr (p, 0, (size_t) (end - p));
        if (!z || (size_t) (z - p) >= size[i])
            return DBK_ECORRUPT;
        memcpy (parts[i], p, (size_t) (z - p));
        p = z + 1;
    }
    if (end - p != 2)
        return DBK_ECORRUPT;
    c->level = p[0] - '0';
    c->state = p[1];
    s_sums_t v;
    s_sums_get (val, &v);
    c->count = v.count;
    c->amount = v.amount;
    c->weighted = v.weighted;
    return 0;
}

#define S_KEY_MAX (3 * (FC_SHORT_MAX + 1) + 16 + 8)

/*  Add `sign` times the cell c (one deal's, or a full cell's sums) to
    its aggregates in the indexes idx: the full cells (every dimension)
    and the roll-ups (fc_cells_scan picks one). */
static int s_cell_add_to (fc_book_t *self, const char *idx, const fc_cell_t *c, int sign)
{
    const fc_store_t *st = self->store;
    for (size_t i = 0; idx[i]; i++) {
        char key[S_KEY_MAX];
        size_t kl = s_cell_key (idx[i], c, key);
        uint8_t buf[S_SUMS_LEN]; /* its sums (the key says the rest) */
        s_sums_t v = {0};
        size_t vl;
        int rc = st->get (st->ctx, FC_TAB_CELL, key, kl, buf, sizeof buf, &vl);
        if (rc == 0 && vl != sizeof buf)
            return DBK_ECORRUPT;
        else if (rc == 0)
            s_sums_get (buf, &v);
        else if (rc != DBK_ENOTFOUND)
            return rc;
        /*  in 128 bits: the deals of one cell may add up to more than an
            int64 holds (9,300 of 10^15 minor units do) */
        v.count += sign * c->count;
        v.amount += sign * c->amount;
        v.weighted += sign * c->weighted;
        s_sums_put (&v, buf);
        rc = v.count == 0 ? st->del (st->ctx, FC_TAB_CELL, key, kl)
                          : st->put (st->ctx, FC_TAB_CELL, key, kl, buf, sizeof buf);
        if (rc)
            return rc;
    }
    return 0;
}

static int s_cell_add (fc_book_t *self, const fc_cell_t *c, int sign)
{
    return s_cell_add_to (self, self->deferred ? "a" : s_idx_all, c, sign);
}

/*  ---- deals in the store ---- */

static int s_deal_get (const fc_book_t *self, const char *id, size_t n, fc_deal_t *out)
{
    uint8_t buf[FC_DEAL_PACKED_MAX];
    size_t vl;
    int rc = self->store->get (self->store->ctx, FC_TAB_DEAL, id, n, buf, sizeof buf, &vl);
    if (rc) {
        memset (out, 0, offsetof (fc_deal_t, hist));
        return rc == DBK_ETOOBIG ? DBK_ECORRUPT : rc;
    }
    return fc_deal_unpack (buf, vl, out);
}

static int s_deal_put (const fc_book_t *self, const fc_deal_t *deal)
{
    uint8_t buf[FC_DEAL_PACKED_MAX];
    size_t n = fc_deal_pack (deal, buf);
    return self->store->put (self->store->ctx, FC_TAB_DEAL, deal->id, strlen (deal->id), buf, n);
}

int fc_book_deal (const fc_book_t *self, const char *id, fc_deal_t *out)
{
    if (!id || strlen (id) > FC_ID_MAX)
        return DBK_ENOTFOUND;
    return s_deal_get (self, id, strlen (id), out);
}

bool fc_book_has_deal (const fc_book_t *self, const char *id, size_t n)
{
    uint8_t none; /* its presence is all: DBK_ETOOBIG copies nothing */
    size_t vl;
    if (n == 0 || n > FC_ID_MAX || memchr (id, 0, n))
        return false;
    int rc = self->store->get (self->store->ctx, FC_TAB_DEAL, id, n, &none, 0, &vl);
    return rc == 0 || rc == DBK_ETOOBIG;
}

static void s_hist (fc_deal_t *deal, fc_day_t on, fc_hist_kind_t kind, int from, int to, int64_t a,
                    int64_t b)
{
    if (deal->nhist == FC_HIST_MAX) {
        memmove (&deal->hist[0], &deal->hist[1], (FC_HIST_MAX - 1) * sizeof deal->hist[0]);
        deal->nhist--;
    }
    deal->hist[deal->nhist++] = (fc_hist_t){on, (uint8_t) kind, (int8_t) from, (int8_t) to, a, b};
}

static int s_category (const dbk_obj_t *o)
{
    static const char *const names[] = {"", "pipeline", "best_case", "commit", "omitted"};
    for (int i = 1; i <= 4; i++)
        if (dbk_obj_str_eq (o, names[i]))
            return i;
    return FC_CAT_NONE;
}

/*  Compute the deal after an opportunity event (`what` = the type after
    "opportunity."), and in *old the cell it added to before (when
    *existed). *changed false: the event does not concern the book
    (unknown deal, duplicate registration). No store writes. */
static int s_fold (const fc_book_t *self, const char *what, const dbk_obj_t *data, fc_day_t day,
                   fc_day_t latest, fc_deal_t *deal, fc_cell_t *old, bool *existed, bool *changed)
{
    const char *id;
    size_t idn;
    *changed = *existed = false;
    if (dbk_obj_str (dbk_obj_get (data, "id"), &id, &idn) || idn == 0 || idn > FC_ID_MAX ||
        memchr (id, 0, idn))
        return DBK_EMALFORMED; /* a deal is stored under its id as a C string */
    int rc = s_deal_get (self, id, idn, deal);
    if (rc && rc != DBK_ENOTFOUND)
        return rc;
    bool exists = *existed = rc == 0;
    if (exists) /* the deal before this event: its cell leaves the aggregates */
        s_cell_of (self, deal, old);
    int64_t v;
    if (!strcmp (what, "registered")) {
        if (exists)
            return 0; /* a deal is registered once (opportunities_known.h) */
        s_copy (deal->id, sizeof deal->id, id, idn);
        if ((rc = s_text (data, "owner", deal->owner, sizeof deal->owner, true)) ||
            (rc = s_text (data, "currency", deal->currency, sizeof deal->currency, true)) ||
            (rc = s_text (data, "account_id", deal->account, sizeof deal->account, false)) ||
            (rc = s_text (data, "team", deal->team, sizeof deal->team, false)) ||
            (rc = s_text (data, "region", deal->region, sizeof deal->region, false)))
            return rc;
        /*  no field of a registration's (opp_reg_fields): the opportunities
            service folds one whatever its tender_type holds, so one that is
            no text (appended by hand) is no tender type, as on a win */
        s_text (data, "tender_type", deal->tender_type, sizeof deal->tender_type, false);
        deal->close = s_date (data, "close_date");
        if (!deal->close)
            return DBK_EMALFORMED;
        /*  nil, as the opportunities service folds it: no amount (0) */
        const dbk_obj_t *amount = dbk_obj_get (data, "amount");
        if (amount && dbk_obj_type (amount) != DBK_T_NIL && dbk_obj_i64 (amount, &deal->amount))
            return DBK_EMALFORMED;
        deal->status = FC_OPEN;
        deal->level = deal->max_level = 1;
        deal->registered = deal->level_since = deal->last_on = day;
        s_hist (deal, day, FC_H_REGISTERED, 0, 1, deal->amount, 0);
        *changed = true;
        return 0;
    }
    if (!exists)
        return 0; /* a deal the book never saw registered (as-of cut, foreign stream) */
    if (!strcmp (what, "updated")) {
        const dbk_obj_t *o;
        if ((o = dbk_obj_get (data, "close_date"))) {
            fc_day_t nc = s_date (data, "close_date");
            if (!nc)
                return DBK_EMALFORMED;
            if (nc != deal->close) {
                s_hist (deal, day, nc > deal->close ? FC_H_SLIP : FC_H_PULL_IN, 0, 0, deal->close,
                        nc);
                deal->slips += nc > deal->close;
                deal->close = nc;
            }
        }
        if ((o = dbk_obj_get (data, "amount"))) {
            v = 0;
            if (dbk_obj_type (o) != DBK_T_NIL && dbk_obj_i64 (o, &v))
                return DBK_EMALFORMED;
            if (v != deal->amount)
                s_hist (deal, day, FC_H_AMOUNT, 0, 0, deal->amount, v);
            deal->amount = v;
        }
        if (dbk_obj_get (data, "currency") &&
            (rc = s_text (data, "currency", deal->currency, sizeof deal->currency, true)))
            return rc;
        if (dbk_obj_get (data, "team") &&
            (rc = s_text (data, "team", deal->team, sizeof deal->team, false)))
            return rc;
        if (dbk_obj_get (data, "region") &&
            (rc = s_text (data, "region", deal->region, sizeof deal->region, false)))
            return rc;
    } else if (!strcmp (what, "level_changed")) {
        if (dbk_obj_i64 (dbk_obj_get (data, "to"), &v) || v < 1 || v > FC_LEVELS)
            return DBK_EMALFORMED;
        if (deal->status == FC_OPEN && v != deal->level) {
            s_hist (deal, day, FC_H_LEVEL, deal->level, (int) v, 0, 0);
            deal->level = (int) v;
            deal->level_since = day;
            if (deal->level > deal->max_level)
                deal->max_level = deal->level;
        }
    } else if (!strcmp (what, "qualified")) {
        const dbk_obj_t *dec = dbk_obj_get (data, "decision");
        deal->pursuit = dbk_obj_str_eq (dec, "drop")   ? FC_DROP
                        : dbk_obj_str_eq (dec, "hold") ? FC_HOLD
                                                       : FC_PURSUE;
        deal->pursuit_on = day;
    } else if (!strcmp (what, "category_set")) {
        int c = s_category (dbk_obj_get (data, "category"));
        if (c != deal->category)
            s_hist (deal, day, FC_H_CATEGORY, deal->category, c, 0, 0);
        deal->category = c;
    } else if (!strcmp (what, "won")) {
        if (dbk_obj_i64 (dbk_obj_get (data, "amount"), &v))
            return DBK_EMALFORMED;
        if ((rc = s_text (data, "currency", deal->won_currency, sizeof deal->won_currency, false)))
            return rc;
        if (!deal->won_currency[0])
            memcpy (deal->won_currency, deal->currency, 4);
        deal->won_amount = v;
        if ((rc = s_text (data, "reason", deal->won_reason, sizeof deal->won_reason, false)))
            return rc;
        deal->status = FC_WON;
        deal->outcome = s_outcome_date (data, day, latest);
        s_text (data, "tender_type", deal->tender_type, sizeof deal->tender_type, false);
        s_hist (deal, day, FC_H_WON, deal->level, 0, v, 0);
    } else if (!strcmp (what, "lost") || !strcmp (what, "abandoned")) {
        bool lost = what[0] == 'l';
        if ((rc = s_text (data, "reason", deal->loss_reason, sizeof deal->loss_reason, true)))
            return rc;
        if (!lost)
            deal->winner[0] = 0; /* an earlier loss's, before a reopen: nobody won this */
        if (lost) {
            s_text (data, "winner", deal->winner, sizeof deal->winner, false);
            char tt[FC_SHORT_MAX + 1];
            if (!s_text (data, "tender_type", tt, sizeof tt, false) && tt[0])
                memcpy (deal->tender_type, tt, sizeof tt);
        }
        deal->status = lost ? FC_LOST : FC_ABANDONED;
        deal->outcome = s_outcome_date (data, day, latest);
        s_hist (deal, day, lost ? FC_H_LOST : FC_H_ABANDONED, deal->level, 0, deal->amount, 0);
    } else if (!strcmp (what, "reopened")) {
        s_hist (deal, day, FC_H_REOPENED, deal->level, 1, 0, 0);
        if (deal->category != FC_CAT_NONE) /* a new round: no category yet, as opportunities */
            s_hist (deal, day, FC_H_CATEGORY, deal->category, FC_CAT_NONE, 0, 0);
        deal->category = FC_CAT_NONE;
        deal->status = FC_OPEN;
        deal->level = 1;
        deal->level_since = day;
        deal->outcome = 0;
    } else if (!strcmp (what, "conflict_resolved")) {
        if (dbk_obj_str_eq (dbk_obj_get (data, "outcome"), "closed")) {
            deal->status = FC_DUPLICATE;
            s_hist (deal, day, FC_H_DUPLICATE, deal->level, 0, 0, 0);
        } else if ((rc = s_text (data, "owner", deal->owner, sizeof deal->owner, true)))
            return rc; /* the kept deal is the chosen owner's from now on */
    }
    /*  another owner's registration or a manager's ruling is not work on
        the deal: it does not make a forgotten deal fresh (opportunities'
        touched alike) */
    if (day > deal->last_on && strcmp (what, "conflict_flagged") &&
        strcmp (what, "conflict_resolved"))
        deal->last_on = day;
    *changed = true;
    return 0;
}

/*  ---- period-start snapshots ---- */

typedef struct {
    char scope;
    char who[FC_SHORT_MAX + 1];
    char currency[4];
    fc_snap_t s;
} s_acc_t;

typedef struct {
    s_acc_t *accs;
    size_t n, cap;
    bool oom;
} s_snapshot_t;

static s_acc_t *s_acc (s_snapshot_t *ss, char scope, const char *who, const char *cur)
{
    for (size_t i = 0; i < ss->n; i++)
        if (ss->accs[i].scope == scope && !strcmp (ss->accs[i].who, who) &&
            !strcmp (ss->accs[i].currency, cur))
            return &ss->accs[i];
    if (dbk_grow (&ss->accs, &ss->cap, ss->n + 1, sizeof *ss->accs, 16))
        return NULL;
    s_acc_t *a = &ss->accs[ss->n++];
    memset (a, 0, sizeof *a);
    a->scope = scope;
    snprintf (a->who, sizeof a->who, "%s", who);
    memcpy (a->currency, cur, 4);
    return a;
}

static int s_snap_cell (void *arg, const fc_cell_t *c)
{
    s_snapshot_t *ss = arg;
    if (!fc_state_open (c->state) || c->state == 'x') /* omitted: not forecast */
        return 0;
    for (int k = 0; k < 2; k++) {
        s_acc_t *a = s_acc (ss, k ? 't' : 'o', k ? c->team : c->owner, c->currency);
        if (!a)
            return DBK_ENOMEM;
        a->s.count += c->count;
        a->s.amount += c->amount;
        a->s.weighted += c->weighted;
        if (c->state == 'c')
            a->s.commit += c->amount;
        if (c->state == 'c' || c->state == 'b')
            a->s.best_case += c->amount;
    }
    return 0;
}

static size_t s_snap_key (char scope, const char *period, const char *who, const char *cur,
                          char *key)
{
    return (size_t) sprintf (key, "%c%s%c%s%c%s", scope, period, 0, who, 0, cur);
}

static int s_snapshot_period (fc_book_t *self, const fc_period_t *p, fc_day_t taken)
{
    char period[FC_PERIOD_MAX + 1];
    fc_period_format (p, period);
    s_snapshot_t ss = {0};
    fc_filter_t f = {.period = period};
    fc_query_t q = {.f = &f, .has_period = true, .period = *p, .full = true};
    int rc = fc_cells_scan (self, &q, s_snap_cell, &ss); /* by owner and team */
    const fc_store_t *st = self->store;
    for (size_t i = 0; !rc && i < ss.n; i++) {
        char key[S_KEY_MAX];
        ss.accs[i].s.taken = taken;
        size_t kl = s_snap_key (ss.accs[i].scope, period, ss.accs[i].who, ss.accs[i].currency, key);
        rc = st->put (st->ctx, FC_TAB_SNAP, key, kl, &ss.accs[i].s, sizeof ss.accs[i].s);
    }
    free (ss.accs);
    if (!rc) {
        /* the marker: the book saw this period begin (owners absent: 0) */
        char key[16];
        int kl = snprintf (key, sizeof key, "snap:%s", period);
        rc = st->put (st->ctx, FC_TAB_META, key, (size_t) kl, &taken, sizeof taken);
    }
    return rc;
}

/*  The clock moves from `from` to `to` (months crossed): snapshot every
    period that starts in one of the months after from's, up to to's. */
static int s_snapshots (fc_book_t *self, fc_day_t to)
{
    int m0 = fc_day_month (self->clock), m1 = fc_day_month (to);
    if (!self->clock || m1 <= m0)
        return 0;
    /* nothing changed in between, so the periods that began more than ten
       years before `to` would all hold today's funnel: bound the work a
       date far in the future can cause */
    if (m1 - m0 > 120)
        m0 = m1 - 120;
    for (int m = m0 + 1; m <= m1; m++) {
        fc_period_t ps[3];
        size_t np = 0;
        ps[np++] = (fc_period_t){FC_MONTH, m, 1};
        if (m % 3 == 0)
            ps[np++] = (fc_period_t){FC_QUARTER, m, 3};
        if (m % 12 == 0)
            ps[np++] = (fc_period_t){FC_YEAR, m, 12};
        for (size_t i = 0; i < np; i++) {
            int rc = s_snapshot_period (self, &ps[i], to);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int fc_book_snapshot (const fc_book_t *self, char scope, const char *who, const char *period,
                      const char *currency, fc_snap_t *out)
{
    fc_period_t p;
    char canon[FC_PERIOD_MAX + 1], key[S_KEY_MAX];
    memset (out, 0, sizeof *out);
    if (!who || !currency || !period || strlen (who) > FC_SHORT_MAX || strlen (currency) > 3 ||
        fc_period_parse (period, strlen (period), &p))
        return DBK_EINVAL;
    fc_period_format (&p, canon);
    const fc_store_t *st = self->store;
    size_t kl = s_snap_key (scope, canon, who, currency, key), vl;
    int rc = st->get (st->ctx, FC_TAB_SNAP, key, kl, out, sizeof *out, &vl);
    if (rc == 0 && vl != sizeof *out) {
        memset (out, 0, sizeof *out);
        return DBK_ECORRUPT; /* another layout: the model is rebuilt on a version change */
    }
    if (rc != DBK_ENOTFOUND)
        return rc;
    int ml = snprintf (key, sizeof key, "snap:%s", canon);
    return st->get (st->ctx, FC_TAB_META, key, (size_t) ml, &out->taken, sizeof out->taken, &vl);
}

/*  ---- quotas and forecasts ---- */

static size_t s_qkey (const char *period, const char *scope, const char *who, char *key)
{
    return (size_t) sprintf (key, "%s%c%s%c%s", period, 0, scope, 0, who);
}

int fc_book_quota (const fc_book_t *self, const char *scope, const char *who, const char *period,
                   fc_quota_t *out)
{
    fc_period_t p;
    char canon[FC_PERIOD_MAX + 1], key[S_KEY_MAX];
    memset (out, 0, sizeof *out);
    if (!scope || strlen (scope) > 7 || !who || strlen (who) > FC_SHORT_MAX || !period ||
        fc_period_parse (period, strlen (period), &p))
        return DBK_EINVAL;
    fc_period_format (&p, canon);
    size_t vl, kl = s_qkey (canon, scope, who, key);
    return self->store->get (self->store->ctx, FC_TAB_QUOTA, key, kl, out, sizeof *out, &vl);
}

int fc_book_forecast (const fc_book_t *self, const char *owner, const char *period,
                      fc_forecast_t *out)
{
    fc_period_t p;
    char canon[FC_PERIOD_MAX + 1], key[S_KEY_MAX];
    memset (out, 0, sizeof *out);
    if (!owner || strlen (owner) > FC_SHORT_MAX || !period ||
        fc_period_parse (period, strlen (period), &p))
        return DBK_EINVAL;
    fc_period_format (&p, canon);
    size_t vl, kl = (size_t) sprintf (key, "%s%c%s", canon, 0, owner);
    return self->store->get (self->store->ctx, FC_TAB_FORECAST, key, kl, out, sizeof *out, &vl);
}

/*  ---- the book ---- */

fc_book_t *fc_book_new (const fc_store_t *store, const fc_config_t *cfg)
{
    if (!store)
        return NULL;
    fc_book_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->cfg = cfg ? *cfg : fc_default_config;
    size_t vl;
    if (store->get (store->ctx, FC_TAB_META, "seq", 3, &self->seq, sizeof self->seq, &vl))
        self->seq = 0;
    if (store->get (store->ctx, FC_TAB_META, "clock", 5, &self->clock, sizeof self->clock, &vl))
        self->clock = 0;
    if (store->get (store->ctx, FC_TAB_META, "skipped", 7, &self->skipped, sizeof self->skipped,
                    &vl))
        self->skipped = 0;
    return self;
}

void fc_book_destroy (fc_book_t **self_p)
{
    if (self_p && *self_p) {
        free ((*self_p)->scratch);
        free (*self_p);
        *self_p = NULL;
    }
}

void fc_book_set_until (fc_book_t *self, fc_day_t until)
{
    self->until = until;
}

void fc_book_defer (fc_book_t *self)
{
    self->deferred = true;
}

/*  Add a full cell to the other indexes (the scan of 'a' does not see
    the pairs put while it runs: they are not 'a' pairs anyway). */
static int s_complete_cb (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    fc_cell_t c;
    int rc = fc_cell_parse (key, klen, val, vlen, &c);
    return rc ? rc : s_cell_add_to (arg, S_IDX_LATER, &c, +1);
}

int fc_book_complete (fc_book_t *self)
{
    if (!self->deferred)
        return 0;
    self->deferred = false;
    return self->store->scan (self->store->ctx, FC_TAB_CELL, "a", 1, s_complete_cb, self);
}

uint64_t fc_book_seq (const fc_book_t *self)
{
    return self->seq;
}

fc_day_t fc_book_clock (const fc_book_t *self)
{
    return self->clock;
}

fc_day_t fc_book_skipped (const fc_book_t *self)
{
    return self->skipped;
}

const fc_config_t *fc_book_config (const fc_book_t *self)
{
    return &self->cfg;
}

static int s_checkpoint (fc_book_t *self, uint64_t seq, fc_day_t day)
{
    const fc_store_t *st = self->store;
    int rc = 0;
    if (day > self->clock) {
        self->clock = day;
        rc = st->put (st->ctx, FC_TAB_META, "clock", 5, &self->clock, sizeof self->clock);
    }
    if (!rc && seq > self->seq) {
        self->seq = seq;
        rc = st->put (st->ctx, FC_TAB_META, "seq", 3, &self->seq, sizeof self->seq);
    }
    return rc;
}

int fc_book_apply (fc_book_t *self, const char *type, const dbk_obj_t *data, uint64_t seq,
                   int64_t at, int64_t ts)
{
    if (!type || (seq && seq <= self->seq))
        return 0;
    bool opp = !strncmp (type, "opportunity.", 12), quota = !strcmp (type, "quota.set"),
         fcast = !strcmp (type, "forecast.submitted") || !strcmp (type, "forecast.adjusted"),
         rival = !strncmp (type, "competitor.", 11);
    if (!opp && !quota && !fcast && !rival)
        return s_checkpoint (self, seq, 0);
    if (dbk_obj_type (data) != DBK_T_MAP)
        return DBK_EMALFORMED;
    /*  a competitor's event has no business date: it is dated by when it
        was recorded, and does not move the clock. A kept book read no
        event recorded after the day of a replay it fits (fc_kept_fits),
        so it holds no competitor that replay would not know yet */
    fc_day_t day = rival ? 0 : s_date (data, "on");
    if (!day) /* the business day of `at`: as of day D exactly when at is before D's end */
        day = fc_day_from_ms (at, self->cfg.utc_offset_min);
    fc_day_t latest = ts > 0 ? fc_day_from_ms (ts, DBK_UTC_OFFSET_MAX_MIN) : 0;
    if (latest && day > latest)
        day = latest;
    if (self->until && day > self->until) {
        /*  as-of: not known yet on `until`; the earliest such date says
            which later `until` this book can go on to (fc_kept.c) */
        if (!self->skipped || day < self->skipped) {
            self->skipped = day;
            int rc = self->store->put (self->store->ctx, FC_TAB_META, "skipped", 7, &self->skipped,
                                       sizeof self->skipped);
            if (rc)
                return rc;
        }
        return s_checkpoint (self, seq, 0);
    }
    const fc_store_t *st = self->store;
    int rc;
    if (rival) { /* no deal changes: the clock and the snapshots stay */
        rc = fc_competitor_apply (self, type + 11, data);
        return rc ? rc : s_checkpoint (self, seq, 0);
    }
    if (opp) {
        if (!self->scratch && !(self->scratch = malloc (sizeof *self->scratch)))
            return DBK_ENOMEM;
        fc_deal_t *deal = self->scratch;
        fc_cell_t a, b; /* the deal's cell before and after */
        bool changed = false, existed = false;
        rc = s_fold (self, type + 12, data, day, latest, deal, &a, &existed, &changed);
        if (!rc)
            rc = s_snapshots (self, day);
        if (!rc && changed) {
            s_cell_of (self, deal, &b);
            if (!existed || memcmp (&a, &b, sizeof a)) {
                if (existed)
                    rc = s_cell_add (self, &a, -1);
                if (!rc)
                    rc = s_cell_add (self, &b, +1);
            }
            if (!rc)
                rc = s_deal_put (self, deal);
        }
    } else if (quota) {
        fc_quota_t q = {0};
        char key[S_KEY_MAX];
        fc_period_t p;
        rc = fc_quota_evolve (&q, type, data);
        if (!rc && (fc_period_parse (q.period, strlen (q.period), &p) ||
                    (strcmp (q.scope, "owner") && strcmp (q.scope, "team"))))
            rc = DBK_EMALFORMED;
        if (!rc)
            rc = s_snapshots (self, day);
        if (!rc) {
            fc_period_format (&p, q.period);
            size_t kl = s_qkey (q.period, q.scope, q.who, key);
            rc = st->put (st->ctx, FC_TAB_QUOTA, key, kl, &q, sizeof q);
        }
    } else {
        fc_forecast_t f;
        char owner[FC_SHORT_MAX + 1] = "", period[FC_PERIOD_MAX + 1] = "";
        const char *s;
        size_t n;
        rc = DBK_EMALFORMED;
        if (!dbk_obj_str (dbk_obj_get (data, "owner"), &s, &n) && n && n <= FC_SHORT_MAX) {
            s_copy (owner, sizeof owner, s, n);
            if (!dbk_obj_str (dbk_obj_get (data, "period"), &s, &n) && n <= FC_PERIOD_MAX) {
                s_copy (period, sizeof period, s, n);
                rc = 0;
            }
        }
        if (!rc) {
            rc = fc_book_forecast (self, owner, period, &f);
            if (rc == DBK_ENOTFOUND || rc == DBK_EINVAL) {
                memset (&f, 0, sizeof f);
                rc = rc == DBK_EINVAL ? DBK_EMALFORMED : 0;
            }
        }
        if (!rc)
            rc = fc_forecast_evolve (&f, type, data);
        if (!rc)
            rc = s_snapshots (self, day);
        if (!rc) {
            char key[S_KEY_MAX];
            size_t kl = (size_t) sprintf (key, "%s%c%s", f.period, 0, f.owner);
            rc = st->put (st->ctx, FC_TAB_FORECAST, key, kl, &f, sizeof f);
        }
    }
    return rc ? rc : s_checkpoint (self, seq, day);
}
