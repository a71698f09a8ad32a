/*  contacts_fields.h - internal to the contacts deciders: command fields
    described by tables, so that validation, event payloads, updates and
    evolve share one definition of each field instead of four.
*/
#ifndef CONTACTS_FIELDS_H
#define CONTACTS_FIELDS_H

#include "contacts_decider.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CONTACTS_F_TEXT,     /* one line of text                         */
    CONTACTS_F_NOTE,     /* text that may span lines                 */
    CONTACTS_F_ENUM,     /* one of `values`                          */
    CONTACTS_F_INT,      /* integer in [lo, hi], stored in an int    */
    CONTACTS_F_DATE,     /* YYYY-MM-DD, a real calendar date         */
    CONTACTS_F_BIRTHDAY, /* YYYY-MM-DD or --MM-DD                     */
    CONTACTS_F_EMAIL,    /* local@domain                             */
    CONTACTS_F_PHONE,    /* digits and + - ( ) . / space             */
    CONTACTS_F_ID,       /* an aggregate id (stream-safe)            */
    CONTACTS_F_IDS,      /* array of distinct ids, at most hi        */
    CONTACTS_F_TEXTS,    /* array of distinct one-line texts, <= hi  */
    CONTACTS_F_MONEY,    /* integer minor units in [lo, hi]          */
    CONTACTS_F_CURRENCY  /* ISO 4217 code (dbk_currency_known)       */
} contacts_kind_t;

typedef struct {
    const char *key;           /* field name in commands and payloads  */
    contacts_kind_t kind;      /* how it is validated                  */
    bool required;             /* must be present and non-empty        */
    size_t max;                /* bytes, for text kinds                */
    const char *const *values; /* allowed values, for ENUM             */
    int64_t lo, hi;            /* range for INT / MONEY; items for lists */
    long off;                  /* offsetof the char* / int /
                                  contacts_list_t in a state; -1: not
                                  kept in the state                    */
} contacts_field_t;

/*  A validated value: text trimmed (not NUL-terminated, borrowed from the
    command), or an integer; `clear` for an empty / nil value. */
typedef struct {
    const contacts_field_t *f; /* its field                            */
    const char *s;             /* text, borrowed from the command      */
    size_t n;                  /* bytes of s                           */
    int64_t i;                 /* for INT and MONEY                    */
    const dbk_obj_t *list;     /* for IDS / TEXTS: the array           */
    bool clear;                /* empty string, empty array or nil     */
} contacts_value_t;

#define CONTACTS_MAX_FIELDS 24

/*  Check `cmd` against a table of n fields: a map, no duplicate or unknown
    keys (other than the request envelope's v, rid, op, cmd, actor, corr,
    the aggregate's "id", and the names in `extra`, NULL-terminated or
    NULL, which the caller checks), each present field well-formed, each
    required one present and non-empty (unless `updating`: then required
    fields may be absent but not cleared). Fills vals (one per present
    field, in table order) and *nvals. Returns 0 or the rejection code. */
int contacts_check_fields (dbk_decision_t *d, const dbk_obj_t *cmd, const contacts_field_t *fields,
                           size_t n, const char *const *extra, bool updating,
                           contacts_value_t *vals, size_t *nvals);

/*  Is [s, s+n) an id: 1..CONTACTS_ID_MAX bytes of UTF-8 that may stand in
    a stream name (no NUL, control character or space, docs/protocol.md
    §6.1)? */
bool contacts_id_valid (const char *s, size_t n);

/*  Validate one id (the new aggregate's from the shell, or a reference in
    a command): contacts_id_valid. `field` names it in the rejection. */
int contacts_check_id (dbk_decision_t *d, const char *field, const char *s, size_t n);

/*  Is v the same as what the state holds? */
bool contacts_value_same (const contacts_value_t *v, const void *state);

/*  Write v's value: str, int, or nil when cleared. */
void contacts_write_value (dbk_wr_t *w, const contacts_value_t *v);

/*  Set every table field present in `data` into state (owned copies;
    nil or "" clears). Returns 0 or DBK_ENOMEM / DBK_EMALFORMED. */
int contacts_apply_fields (void *state, const contacts_field_t *fields, size_t n,
                           const dbk_obj_t *data);

/*  Whether the payload of an event folded by a table's evolve (`data`)
    holds, in the table's fields, only what the command checked by that
    table could have written: anyone may append to the log, and a state
    folded from a value no command accepts (an account without a name, a
    level outside contacts_levels) would be known to every service that
    applies the contacts service's rule (contacts_known.h). Each field
    present is of its kind's type (a str, or nil; an integer; an array of
    str); a required one is not cleared (nil, "" or spaces, an empty
    array), nor absent when `adding` (a registration, not an update); an
    ENUM is one of its values, an INT within [lo, hi], an ID (and each
    entry of IDS) an id (contacts_id_valid), a DATE a real date, an entry
    of TEXTS not empty. The value is compared as it stands, untrimmed: the
    state keeps it so. What later versions of the commands came to refuse
    is not checked, so that a log they wrote folds as it did: the length
    and characters of text, the form of a phone, an e-mail or a birthday,
    a currency outside the table, an amount's bounds, a date's bounds
    against today or 1970. Fields outside the table are not looked at.
    0 or DBK_EMALFORMED. Pure. */
int contacts_fields_foldable (const dbk_obj_t *data, const contacts_field_t *fields, size_t n,
                              bool adding);

/*  Free every char* the table describes in state. */
void contacts_free_fields (void *state, const contacts_field_t *fields, size_t n);

/*  Copy a str object into *dst (owned, replaces). nil or absent: NULL.
    Returns 0, DBK_EMALFORMED (other type), DBK_ENOMEM. */
int contacts_set_str (char **dst, const dbk_obj_t *o);

/*  A NUL-terminated copy of [s, s+n) or NULL when out of memory. */
char *contacts_strndup (const char *s, size_t n);

/*  "owner, design_institute, ..." into buf. */
const char *contacts_join (const char *const *values, char *buf, size_t size);

/*  Item i of a list value, trimmed (borrowed from the command). */
void contacts_list_item (const contacts_value_t *v, size_t i, const char **s, size_t *n);

/*  Check references through the shell's lookups: every id of a list value
    (or the one id of a scalar value) must be a known account that is not
    merged (and, unless allow_archived, not archived) / a known contact.
    Returns 0 or the rejection (ENOTFOUND / EREJECTED on the field). */
int contacts_check_account_refs (dbk_decision_t *d, const contacts_value_t *v,
                                 const contacts_lookup_t *lookup, bool allow_archived);
int contacts_check_contact_refs (dbk_decision_t *d, const contacts_value_t *v,
                                 const contacts_lookup_t *lookup);

/*  ---- helpers every decider built on these tables shares ---- */

/*  Does the NUL-terminated c equal [s, s+n)? (NULL c: no) */
bool contacts_eq (const char *c, const char *s, size_t n);

/*  Drop cleared values (an empty optional field is an absent one): the
    count kept, at the front of vals. */
size_t contacts_present (contacts_value_t *vals, size_t n);

/*  Write each value as key / value pairs. */
void contacts_write_values (dbk_wr_t *w, const contacts_value_t *vals, size_t n);

/*  The value of `key` among vals, or NULL. */
const contacts_value_t *contacts_value_of (const contacts_value_t *vals, size_t n, const char *key);

/*  The command's "force" into *force: absent or nil is false; anything
    but a bool is refused (EINVAL "force"), since a string "false" would
    otherwise silently force. Returns 0 or the rejection. */
int contacts_force_flag (dbk_decision_t *d, const dbk_obj_t *cmd, bool *force);

/*  Index of [s, s+n) in a NULL-terminated list, or -1. */
int contacts_index (const char *const *list, const char *s, size_t n);

/*  Days since 1970-01-01 of a (proleptic Gregorian) date, and back to
    YYYY-MM-DD (out holds 11 bytes). */
long contacts_days (int y, int m, int d);
void contacts_civil (long days, char out[11]);

/*  Days from date a to date b (YYYY-MM-DD each: b - a), or INT32_MIN
    unless both are real dates. */
int32_t contacts_days_between (const char *a, const char *b);

/*  The date `days` after date into out; false if date is not a real
    date or the result falls outside years 1..9999. */
bool contacts_date_add (const char *date, int days, char out[11]);

/*  Is [s, s+n) a real date YYYY-MM-DD? (with_year false: --MM-DD) */
bool contacts_date_valid (const char *s, size_t n, bool allow_no_year);

/*  A date that records what has happened (an activity held, a deal won,
    an award announced, a payment received...) is not after the day its
    command is decided at: EINVAL on `key` when the date among vals under
    `key` (validated, YYYY-MM-DD) is after `by` (YYYY-MM-DD), naming both,
    "<key> (D) cannot be after <by_name> (BY), the business date: it
    records what has happened". by_name says where the bound comes from:
    "on" (the command's business date) or "today" (the business day, in a service that
    ignores "on"). 0 when the key is absent or cleared, or when by is NULL
    (no business date known: nothing is bounded). Planned dates (a close
    date, a due date, a trip) are never passed here: they may lie ahead.
    The one comparison behind every such bound, in every service. */
int contacts_check_done_by (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                            const char *key, const char *by, const char *by_name);

/*  Cut day (YYYY-MM-DD) to the latest business day anywhere when the log
    recorded an event at ts (unix ms): the date of ts +
    DBK_UTC_OFFSET_MAX_MIN, the date at UTC+14:00, which is as far as any
    business day of DEALBOOK_TIMEZONE goes, so a stated day is never cut.
    The services refuse an "on" to come, but anyone may append to the
    log, and a fold that took a day to come as it is would let it move
    date-driven figures ahead. */
void contacts_date_cap (char day[11], int64_t ts);

/*  The earliest day a business date may name: where the log's clock
    starts (every `at` and `ts` counts from 1970-01-01). */
#define CONTACTS_DATE_MIN "1970-01-01"

/*  NULL when the date [s, s+n) (validated, YYYY-MM-DD) is not before
    CONTACTS_DATE_MIN; else why it is refused, written into why and
    returned: "<key> (D) cannot be before 1970-01-01: a business date
    before the log's clock is a typing error" (1900 for 2000, 0026 for
    2026), not history a sales book holds. The one lower bound of a
    business date in every service: a command's "on" (contacts_req_on)
    and a fact's date that nothing earlier bounds (an activity's). A
    birthday is not a business date: people were born before 1970. */
const char *contacts_date_too_early (const char *key, const char *s, size_t n, char *why,
                                     size_t whysz);

#endif
