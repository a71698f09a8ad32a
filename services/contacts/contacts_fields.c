/*  contacts_fields.c - table-driven validation of command fields and the
    shared bits of the contacts deciders. */
#include "contacts_fields.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_currency.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *contacts_strndup (const char *s, size_t n)
{
    char *c = malloc (n + 1);
    if (c) {
        memcpy (c, s, n);
        c[n] = 0;
    }
    return c;
}

const char *contacts_join (const char *const *values, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; values[i] && at < size; i++) {
        int k = snprintf (buf + at, size - at, "%s%s", i ? ", " : "", values[i]);
        if (k < 0)
            break;
        at += (size_t) k;
    }
    return buf;
}

static bool s_digits (const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int s_num (const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

bool contacts_date_valid (const char *s, size_t n, bool allow_no_year)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year = 0; /* 0: unknown year, so 29 February is allowed */
    if (n == 10 && s_digits (s, 4) && s[4] == '-' && s[7] == '-') {
        year = s_num (s, 4);
        if (year < 1)
            return false;
    } else if (!(allow_no_year && n == 7 && s[0] == '-' && s[1] == '-' && s[4] == '-'))
        return false;
    const char *md = s + n - 5; /* MM-DD */
    if (!s_digits (md, 2) || !s_digits (md + 3, 2))
        return false;
    int m = s_num (md, 2), d = s_num (md + 3, 2);
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return false;
    if (m == 2 && d == 29 && year) {
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return leap;
    }
    return true;
}

/*  Dates compare as strings: both are YYYY-MM-DD, validated. */
int contacts_check_done_by (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                            const char *key, const char *by, const char *by_name)
{
    const contacts_value_t *v = contacts_value_of (vals, n, key);
    if (!v || v->clear || !by || strncmp (v->s, by, v->n) <= 0)
        return 0;
    return dbk_decision_reject (d, DBK_EINVAL, key,
                                "%s (%.*s) cannot be after %s (%s), the business date: it "
                                "records what has happened",
                                key, (int) v->n, v->s, by_name, by);
}

void contacts_date_cap (char day[11], int64_t ts)
{
    char recorded[11];
    contacts_civil ((long) dbk_day_of_ms (ts, DBK_UTC_OFFSET_MAX_MIN), recorded);
    if (strcmp (day, recorded) > 0)
        memcpy (day, recorded, 11);
}

const char *contacts_date_too_early (const char *key, const char *s, size_t n, char *why,
                                     size_t whysz)
{
    if (n < 10 || memcmp (s, CONTACTS_DATE_MIN, 10) >= 0)
        return NULL;
    snprintf (why, whysz,
              "%s (%.10s) cannot be before " CONTACTS_DATE_MIN
              ": a business date before the log's clock is a typing error",
              key, s);
    return why;
}

static bool s_email_valid (const char *s, size_t n)
{
    const char *at = memchr (s, '@', n);
    if (!at || at == s || memchr (at + 1, '@', (size_t) (s + n - at - 1)))
        return false;
    const char *dom = at + 1;
    size_t dn = (size_t) (s + n - dom);
    const char *dot = memchr (dom, '.', dn);
    if (!dot || dot == dom || dom[dn - 1] == '.')
        return false;
    return !memchr (s, ' ', n);
}

static bool s_phone_valid (const char *s, size_t n)
{
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (!strchr ("+-(). /", s[i]))
            return false;
    }
    return digits >= 3;
}

bool contacts_id_valid (const char *s, size_t n)
{
    if (!s || n == 0 || n > CONTACTS_ID_MAX || !dbk_utf8_valid (s, n))
        return false;
    /* The id ends up in a stream name; check it the way the log will (bytes
       copied as they are: a NUL inside must be seen, not end the copy). */
    char stream[CONTACTS_ID_MAX + 2];
    memcpy (stream, "x-", 2);
    memcpy (stream + 2, s, n);
    return dbk_stream_name_valid (stream, n + 2);
}

int contacts_check_id (dbk_decision_t *d, const char *field, const char *s, size_t n)
{
    if (!s || n == 0)
        return dbk_decision_reject (d, DBK_EINVAL, field, "%s is required", field);
    if (n > CONTACTS_ID_MAX)
        return dbk_decision_reject (d, DBK_EINVAL, field, "%s is too long: %zu bytes, at most %d",
                                    field, n, CONTACTS_ID_MAX);
    if (!contacts_id_valid (s, n))
        return dbk_decision_reject (d, DBK_EINVAL, field,
                                    "%s must be printable text without spaces", field);
    return 0;
}

/*  Not strchr (" \t\r\n", c): that finds the string's own NUL, and a NUL
    trimmed away would make "\0" an empty (absent, clearing) value. */
static bool s_blank (char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*  Trim ASCII whitespace at both ends: users paste names with stray
    spaces, and " ACME" must not differ from "ACME". */
static void s_trim (const char **s, size_t *n)
{
    while (*n && s_blank (**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && s_blank ((*s)[*n - 1]))
        (*n)--;
}

/*  Is [s, s+n) one of the NULL-terminated list (NULL: none)? */
static bool s_listed (const char *const *list, const char *s, size_t n)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strlen (list[i]) == n && !memcmp (list[i], s, n))
            return true;
    return false;
}

static int s_check_text (dbk_decision_t *d, const contacts_field_t *f, contacts_value_t *v)
{
    char list[400];
    switch (f->kind) {
    case CONTACTS_F_ENUM:
        if (s_listed (f->values, v->s, v->n))
            return 0;
        return dbk_decision_reject (d, DBK_EINVAL, f->key, "%s must be one of: %s", f->key,
                                    contacts_join (f->values, list, sizeof list));
    case CONTACTS_F_DATE:
        if (!contacts_date_valid (v->s, v->n, false))
            return dbk_decision_reject (d, DBK_EINVAL, f->key,
                                        "%s must be a real date written YYYY-MM-DD", f->key);
        return 0;
    case CONTACTS_F_BIRTHDAY:
        if (!contacts_date_valid (v->s, v->n, true))
            return dbk_decision_reject (
                d, DBK_EINVAL, f->key,
                "%s must be a real date written YYYY-MM-DD, or --MM-DD when the year is unknown",
                f->key);
        return 0;
    case CONTACTS_F_EMAIL:
        if (!s_email_valid (v->s, v->n))
            return dbk_decision_reject (d, DBK_EINVAL, f->key,
                                        "%s must be an e-mail address like name@example.com",
                                        f->key);
        return 0;
    case CONTACTS_F_PHONE:
        if (!s_phone_valid (v->s, v->n))
            return dbk_decision_reject (
                d, DBK_EINVAL, f->key,
                "%s must be a phone number: digits, spaces and + - ( ) . / only", f->key);
        return 0;
    case CONTACTS_F_ID:
        return contacts_check_id (d, f->key, v->s, v->n);
    case CONTACTS_F_CURRENCY:
        /*  a code of the table, not any three capitals: XYZ would open a
            deal (and its quota, tender, contract) in a money nobody pays */
        if (!dbk_currency_known (v->s, v->n))
            return dbk_decision_reject (d, DBK_EINVAL, f->key,
                                        "%s must be an ISO 4217 code such as " DBK_CURRENCY_EXAMPLES
                                        ", not '%.*s'",
                                        f->key, (int) v->n, v->s);
        return 0;
    default:
        return 0;
    }
}

/*  One line of text: valid UTF-8, trimmed, within max, no control
    characters (line breaks only where the field allows them). Sets *s, *n;
    `what` names it in messages ("name", "entry 2 of our_people"). */
static int s_check_str (dbk_decision_t *d, const contacts_field_t *f, const char *what,
                        const dbk_obj_t *o, const char **s, size_t *n)
{
    if (dbk_obj_str (o, s, n) != 0)
        return dbk_decision_reject (d, DBK_EINVAL, f->key, "%s must be text", what);
    if (!dbk_utf8_valid (*s, *n))
        return dbk_decision_reject (d, DBK_EINVAL, f->key, "%s is not valid UTF-8", what);
    s_trim (s, n);
    if (*n > f->max)
        return dbk_decision_reject (d, DBK_EINVAL, f->key, "%s is too long: %zu bytes, at most %zu",
                                    what, *n, f->max);
    for (size_t i = 0; i < *n; i++) {
        unsigned char c = (unsigned char) (*s)[i];
        bool line_break = c == '\n' || c == '\t' || c == '\r';
        if ((c < 0x20 || c == 0x7f) && !(f->kind == CONTACTS_F_NOTE && line_break))
            return dbk_decision_reject (d, DBK_EINVAL, f->key,
                                        "%s must not hold control characters%s", what,
                                        f->kind == CONTACTS_F_NOTE ? "" : " or line breaks");
    }
    return 0;
}

static int s_check_list (dbk_decision_t *d, const contacts_field_t *f, const dbk_obj_t *o,
                         contacts_value_t *v)
{
    if (dbk_obj_type (o) != DBK_T_ARRAY)
        return dbk_decision_reject (d, DBK_EINVAL, f->key, "%s must be a list", f->key);
    size_t n = dbk_obj_len (o);
    if (n > (size_t) f->hi)
        return dbk_decision_reject (d, DBK_EINVAL, f->key,
                                    "%s has too many entries: %zu, at most %lld", f->key, n,
                                    (long long) f->hi);
    v->list = o;
    v->clear = n == 0;
    for (size_t i = 0; i < n; i++) {
        char what[100];
        snprintf (what, sizeof what, "entry %zu of %s", i + 1, f->key);
        const char *s;
        size_t sn;
        int rc = s_check_str (d, f, what, dbk_obj_at (o, i), &s, &sn);
        if (!rc && sn == 0)
            rc = dbk_decision_reject (d, DBK_EINVAL, f->key, "%s is empty", what);
        if (!rc && f->kind == CONTACTS_F_IDS)
            rc = contacts_check_id (d, f->key, s, sn);
        if (rc)
            return rc;
        /* a list names each thing once, so that projections count right */
        for (size_t j = 0; j < i; j++) {
            const char *t;
            size_t tn;
            contacts_list_item (v, j, &t, &tn);
            if (tn == sn && !memcmp (s, t, sn))
                return dbk_decision_reject (d, DBK_EINVAL, f->key, "%s names %.*s twice", f->key,
                                            (int) sn, s);
        }
    }
    return 0;
}

void contacts_list_item (const contacts_value_t *v, size_t i, const char **s, size_t *n)
{
    *s = "";
    *n = 0;
    if (dbk_obj_str (dbk_obj_at (v->list, i), s, n) == 0)
        s_trim (s, n);
}

static int s_check_one (dbk_decision_t *d, const contacts_field_t *f, const dbk_obj_t *o,
                        contacts_value_t *v)
{
    memset (v, 0, sizeof *v);
    v->f = f;
    int rc = 0;
    const char *es;
    size_t en;
    if (dbk_obj_type (o) == DBK_T_NIL)
        v->clear = true;
    else if ((f->kind == CONTACTS_F_INT || f->kind == CONTACTS_F_MONEY) &&
             dbk_obj_str (o, &es, &en) == 0 && en == 0)
        v->clear = true; /* "" clears a number as it clears a text */
    else if (f->kind == CONTACTS_F_INT || f->kind == CONTACTS_F_MONEY) {
        int64_t i;
        if (dbk_obj_i64 (o, &i) != 0 || i < f->lo || i > f->hi)
            return dbk_decision_reject (
                d, DBK_EINVAL, f->key, "%s must be a whole number%s from %lld to %lld", f->key,
                f->kind == CONTACTS_F_MONEY ? " of minor units (cents, fen)" : "",
                (long long) f->lo, (long long) f->hi);
        v->i = i;
        return 0;
    } else if (f->kind == CONTACTS_F_IDS || f->kind == CONTACTS_F_TEXTS)
        rc = s_check_list (d, f, o, v);
    else {
        rc = s_check_str (d, f, f->key, o, &v->s, &v->n);
        v->clear = v->n == 0;
    }
    if (rc)
        return rc;
    if (v->clear) {
        if (f->required)
            return dbk_decision_reject (d, DBK_EINVAL, f->key, "%s cannot be empty", f->key);
        return 0;
    }
    return v->list ? 0 : s_check_text (d, f, v);
}

/*  Keys of the service request around the fields (dbk_service.h: v, rid,
    op, cmd, actor, corr, after_seq) and the aggregate id: the shell checks
    them and may pass the whole request, so they are not "unknown fields". */
/*  "on" is the business date a command may state (the services that stamp
    one read it; contacts_req_on) */
static const char *const s_envelope[] = {"v",    "rid", "op", "cmd",       "actor",
                                         "corr", "id",  "on", "after_seq", NULL};

#define S_KEY_NAME_MAX DBK_DECISION_FIELD_MAX /* bytes of an unknown key named */

/*  An unknown key as its rejection names it (field and message): at most
    S_KEY_NAME_MAX bytes, cut between characters, since half a character
    is not UTF-8 and a client decoding the reply would choke on it; each
    control character written \u00XX, since a NUL would end the name early
    and the field is shown as it is; the empty key as "". The key is UTF-8
    (the wire's validator checked every str). */
static void s_key_name (const char *k, size_t kn, char out[S_KEY_NAME_MAX + 1])
{
    size_t o = 0;
    if (kn == 0)
        o = (size_t) snprintf (out, S_KEY_NAME_MAX + 1, "\"\"");
    for (size_t i = 0; i < kn;) {
        unsigned char c = (unsigned char) k[i];
        size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        bool control = c < 0x20 || c == 0x7f;
        size_t need = control ? 6 : len;
        if (o + need > S_KEY_NAME_MAX || i + len > kn)
            break;
        if (control)
            snprintf (out + o, 7, "\\u%04x", c);
        else
            memcpy (out + o, k + i, len);
        o += need;
        i += len;
    }
    out[o] = 0;
}

int contacts_check_fields (dbk_decision_t *d, const dbk_obj_t *cmd, const contacts_field_t *fields,
                           size_t n, const char *const *extra, bool updating,
                           contacts_value_t *vals, size_t *nvals)
{
    *nvals = 0;
    if (!cmd || dbk_obj_type (cmd) != DBK_T_MAP)
        return dbk_decision_reject (d, DBK_EINVAL, NULL, "the command must be a map of fields");
    if (dbk_obj_has_dup_keys (cmd))
        return dbk_decision_reject (d, DBK_EINVAL, NULL, "the command names a field twice");
    for (size_t i = 0; i < dbk_obj_len (cmd); i++) {
        const char *k;
        size_t kn;
        if (dbk_obj_str (dbk_obj_key_at (cmd, i), &k, &kn) != 0)
            return dbk_decision_reject (d, DBK_EINVAL, NULL, "field names must be text");
        bool known = s_listed (s_envelope, k, kn) || s_listed (extra, k, kn);
        for (size_t j = 0; !known && j < n; j++)
            known = strlen (fields[j].key) == kn && !memcmp (fields[j].key, k, kn);
        if (!known) {
            char name[S_KEY_NAME_MAX + 1];
            s_key_name (k, kn, name);
            return dbk_decision_reject (d, DBK_EINVAL, name, "%s is not a field of this command",
                                        name);
        }
    }
    for (size_t j = 0; j < n; j++) {
        const dbk_obj_t *o = dbk_obj_get (cmd, fields[j].key);
        if (!o) {
            if (fields[j].required && !updating)
                return dbk_decision_reject (d, DBK_EINVAL, fields[j].key, "%s is required",
                                            fields[j].key);
            continue;
        }
        contacts_value_t *v = &vals[(*nvals)++];
        int rc = s_check_one (d, &fields[j], o, v);
        if (rc)
            return rc;
    }
    return 0;
}

bool contacts_value_same (const contacts_value_t *v, const void *state)
{
    const char *base = state;
    if (v->f->kind == CONTACTS_F_INT) {
        int cur = *(const int *) (base + v->f->off);
        return v->clear ? cur == 0 : cur == v->i;
    }
    if (v->f->kind == CONTACTS_F_MONEY) {
        int64_t cur = *(const int64_t *) (base + v->f->off);
        return v->clear ? cur == 0 : cur == v->i;
    }
    if (v->f->kind == CONTACTS_F_IDS || v->f->kind == CONTACTS_F_TEXTS) {
        const contacts_list_t *cur = (const contacts_list_t *) (base + v->f->off);
        size_t n = v->clear ? 0 : dbk_obj_len (v->list);
        if (cur->n != n)
            return false;
        for (size_t i = 0; i < n; i++) {
            const char *s;
            size_t sn;
            contacts_list_item (v, i, &s, &sn);
            if (strlen (cur->items[i]) != sn || memcmp (cur->items[i], s, sn))
                return false;
        }
        return true;
    }
    const char *cur = *(char *const *) (base + v->f->off);
    if (v->clear)
        return cur == NULL;
    return cur && strlen (cur) == v->n && !memcmp (cur, v->s, v->n);
}

void contacts_write_value (dbk_wr_t *w, const contacts_value_t *v)
{
    if (v->clear)
        dbk_wr_nil (w);
    else if (v->f->kind == CONTACTS_F_INT || v->f->kind == CONTACTS_F_MONEY)
        dbk_wr_i64 (w, v->i);
    else if (v->list) {
        size_t n = dbk_obj_len (v->list);
        dbk_wr_array (w, (uint32_t) n);
        for (size_t i = 0; i < n; i++) {
            const char *s;
            size_t sn;
            contacts_list_item (v, i, &s, &sn);
            dbk_wr_str (w, s, sn);
        }
    } else
        dbk_wr_str (w, v->s, v->n);
}

int contacts_set_str (char **dst, const dbk_obj_t *o)
{
    const char *s;
    size_t n;
    char *c = NULL;
    if (o && dbk_obj_type (o) != DBK_T_NIL) {
        if (dbk_obj_str (o, &s, &n) != 0)
            return DBK_EMALFORMED;
        if (n && !(c = contacts_strndup (s, n)))
            return DBK_ENOMEM;
    }
    free (*dst);
    *dst = c;
    return 0;
}

static void s_free_list (contacts_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free (l->items[i]);
    free (l->items);
    l->items = NULL;
    l->n = 0;
}

/*  Replace a list with the strs of an array (nil: empty). */
static int s_set_list (contacts_list_t *l, const dbk_obj_t *o)
{
    s_free_list (l);
    if (dbk_obj_type (o) == DBK_T_NIL)
        return 0;
    if (dbk_obj_type (o) != DBK_T_ARRAY)
        return DBK_EMALFORMED;
    size_t n = dbk_obj_len (o);
    if (!n)
        return 0;
    if (!(l->items = calloc (n, sizeof *l->items)))
        return DBK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = contacts_set_str (&l->items[i], dbk_obj_at (o, i));
        if (!rc && !l->items[i])
            rc = DBK_EMALFORMED; /* lists hold no empty entries */
        l->n = i + 1;
        if (rc) {
            s_free_list (l);
            return rc;
        }
    }
    return 0;
}

int contacts_apply_fields (void *state, const contacts_field_t *fields, size_t n,
                           const dbk_obj_t *data)
{
    char *base = state;
    for (size_t j = 0; j < n; j++) {
        if (fields[j].off < 0)
            continue;
        const dbk_obj_t *o = dbk_obj_get (data, fields[j].key);
        if (!o)
            continue;
        if (fields[j].kind == CONTACTS_F_INT) {
            int64_t i = 0;
            if (dbk_obj_type (o) != DBK_T_NIL && dbk_obj_i64 (o, &i) != 0)
                return DBK_EMALFORMED;
            *(int *) (base + fields[j].off) = (int) i;
            continue;
        }
        if (fields[j].kind == CONTACTS_F_MONEY) {
            int64_t i = 0;
            if (dbk_obj_type (o) != DBK_T_NIL && dbk_obj_i64 (o, &i) != 0)
                return DBK_EMALFORMED;
            *(int64_t *) (base + fields[j].off) = i;
            continue;
        }
        if (fields[j].kind == CONTACTS_F_IDS || fields[j].kind == CONTACTS_F_TEXTS) {
            int rc = s_set_list ((contacts_list_t *) (base + fields[j].off), o);
            if (rc)
                return rc;
            continue;
        }
        int rc = contacts_set_str ((char **) (base + fields[j].off), o);
        if (rc)
            return rc;
    }
    return 0;
}

/*  Whether one value of an event's payload is what a command checked by
    field f could have written (contacts_fields_foldable). Text is looked
    at trimmed only to tell an empty one: a value is kept as it stands. */
static bool s_foldable_one (const contacts_field_t *f, const dbk_obj_t *o)
{
    const char *s;
    size_t n;
    int64_t i;
    if (dbk_obj_type (o) == DBK_T_NIL)
        return !f->required; /* cleared: an optional field only */
    switch (f->kind) {
    case CONTACTS_F_INT:
        return dbk_obj_i64 (o, &i) == 0 && i >= f->lo && i <= f->hi;
    case CONTACTS_F_MONEY:
        return dbk_obj_i64 (o, &i) == 0;
    case CONTACTS_F_IDS:
    case CONTACTS_F_TEXTS:
        if (dbk_obj_type (o) != DBK_T_ARRAY)
            return false;
        if (dbk_obj_len (o) == 0)
            return !f->required;
        for (size_t k = 0; k < dbk_obj_len (o); k++) {
            if (dbk_obj_str (dbk_obj_at (o, k), &s, &n) ||
                (f->kind == CONTACTS_F_IDS && !contacts_id_valid (s, n)))
                return false;
            s_trim (&s, &n);
            if (n == 0)
                return false; /* a list holds no empty entry */
        }
        return true;
    default:
        if (dbk_obj_str (o, &s, &n))
            return false;
        const char *t = s;
        size_t tn = n;
        s_trim (&t, &tn);
        if (tn == 0)
            return !f->required;
        return f->kind == CONTACTS_F_ENUM   ? s_listed (f->values, s, n)
               : f->kind == CONTACTS_F_ID   ? contacts_id_valid (s, n)
               : f->kind == CONTACTS_F_DATE ? contacts_date_valid (s, n, false)
                                            : true;
    }
}

int contacts_fields_foldable (const dbk_obj_t *data, const contacts_field_t *fields, size_t n,
                              bool adding)
{
    for (size_t j = 0; j < n; j++) {
        const dbk_obj_t *o = dbk_obj_get (data, fields[j].key);
        if (o ? !s_foldable_one (&fields[j], o) : adding && fields[j].required)
            return DBK_EMALFORMED;
    }
    return 0;
}

void contacts_free_fields (void *state, const contacts_field_t *fields, size_t n)
{
    char *base = state;
    for (size_t j = 0; j < n; j++) {
        if (fields[j].off < 0 || fields[j].kind == CONTACTS_F_INT ||
            fields[j].kind == CONTACTS_F_MONEY)
            continue;
        if (fields[j].kind == CONTACTS_F_IDS || fields[j].kind == CONTACTS_F_TEXTS) {
            s_free_list ((contacts_list_t *) (base + fields[j].off));
            continue;
        }
        char **p = (char **) (base + fields[j].off);
        free (*p);
        *p = NULL;
    }
}

/*  The ids a value holds: its list's items, or itself. */
static size_t s_ids (const contacts_value_t *v)
{
    return v->clear ? 0 : v->list ? dbk_obj_len (v->list) : 1;
}

static void s_id_at (const contacts_value_t *v, size_t i, char *buf, size_t size)
{
    const char *s = v->s;
    size_t n = v->n;
    if (v->list)
        contacts_list_item (v, i, &s, &n);
    snprintf (buf, size, "%.*s", (int) n, s);
}

int contacts_check_account_refs (dbk_decision_t *d, const contacts_value_t *v,
                                 const contacts_lookup_t *lookup, bool allow_archived)
{
    for (size_t i = 0; i < s_ids (v); i++) {
        char id[CONTACTS_ID_MAX + 1];
        s_id_at (v, i, id, sizeof id);
        const char *into = NULL;
        contacts_ref_status_t st = lookup && lookup->account
                                       ? lookup->account (lookup->ctx, id, &into)
                                       : CONTACTS_REF_MISSING;
        if (st == CONTACTS_REF_MISSING)
            return dbk_decision_reject (d, DBK_ENOTFOUND, v->f->key, "no such account: %s", id);
        if (st == CONTACTS_REF_MERGED)
            return dbk_decision_reject (d, DBK_EREJECTED, v->f->key,
                                        "account %s was merged into account %s; use %s instead", id,
                                        into ? into : "?", into ? into : "?");
        if (st == CONTACTS_REF_ARCHIVED && !allow_archived)
            return dbk_decision_reject (d, DBK_EREJECTED, v->f->key, "account %s is archived", id);
    }
    return 0;
}

int contacts_check_contact_refs (dbk_decision_t *d, const contacts_value_t *v,
                                 const contacts_lookup_t *lookup)
{
    for (size_t i = 0; i < s_ids (v); i++) {
        char id[CONTACTS_ID_MAX + 1];
        s_id_at (v, i, id, sizeof id);
        bool known =
            lookup && lookup->contact && lookup->contact (lookup->ctx, id) != CONTACTS_REF_MISSING;
        if (!known)
            return dbk_decision_reject (d, DBK_ENOTFOUND, v->f->key, "no such contact: %s", id);
    }
    return 0;
}

bool contacts_eq (const char *c, const char *s, size_t n)
{
    return c && strlen (c) == n && !memcmp (c, s, n);
}

size_t contacts_present (contacts_value_t *vals, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!vals[i].clear)
            vals[k++] = vals[i];
    return k;
}

void contacts_write_values (dbk_wr_t *w, const contacts_value_t *vals, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dbk_wr_cstr (w, vals[i].f->key);
        contacts_write_value (w, &vals[i]);
    }
}

const contacts_value_t *contacts_value_of (const contacts_value_t *vals, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp (vals[i].f->key, key))
            return &vals[i];
    return NULL;
}

int contacts_index (const char *const *list, const char *s, size_t n)
{
    for (int i = 0; list[i]; i++)
        if (contacts_eq (list[i], s, n))
            return i;
    return -1;
}

int contacts_force_flag (dbk_decision_t *d, const dbk_obj_t *cmd, bool *force)
{
    *force = false;
    const dbk_obj_t *o = dbk_obj_get (cmd, "force");
    if (o && dbk_obj_type (o) != DBK_T_NIL && dbk_obj_bool (o, force) != 0)
        return dbk_decision_reject (d, DBK_EINVAL, "force", "force must be true or false");
    return 0;
}
