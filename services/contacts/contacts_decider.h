/*  contacts_decider.h - the pure domain rules of the contacts service
    (DESIGN §2): accounts, contacts (with their trips), competitors and
    activities as deciders and evolve functions.

    Nothing here does I/O. The service shell:
      1. parses the command and hands its fields over as a msgpack map
         (`cmd`, a dbk_obj_t view; keys are the field names listed below);
      2. loads the aggregate's current state by folding its stream's events
         with the matching *_evolve function (or from its read model);
      3. looks up the facts a decider cannot know (does another account have
         this normalised name? does the referenced account exist?) and
         passes them in;
      4. calls the decider with a fresh or reset dbk_decision_t and the new
         aggregate id where one is created (deciders never generate ids or
         read clocks, so the same inputs always give the same decision);
      5. appends the decided events (payloads are msgpack maps with string
         keys, see docs/events.md) or replies with the one rejection.

    Every decider returns 0 when it decided events (possibly none: an update
    that changes nothing is a no-op, not an error) or the rejection's code,
    which is also recorded in the decision with the field name and a
    sentence for the user:
      DBK_EINVAL     a field is missing, empty, of the wrong type, out of
                     range, not a real date, not one of the allowed values
                     (the message lists them), too long, not UTF-8 / holds
                     control characters, or the map holds an unknown key;
      DBK_ENOTFOUND  the aggregate or a referenced one does not exist;
      DBK_EDUPLICATE it exists already (same id, same normalised name)
      DBK_EREJECTED  a transition the state forbids (archived, merged)
                     (registering twice, changing an archived or merged
                     account, merging into itself...).

    Command maps: only the listed keys are allowed, plus the service
    request's own keys (v, rid, op, cmd, actor, corr: dbk_service.h) and
    "id", all ignored here, so the shell may pass the whole request; the
    `id` argument, not an "id" key, names a new aggregate.
    With dbk_service.h: a command handler calls the decider and returns 0
    even when it rejected (the decision carries the rejection); the
    decider's negative return is for callers that want it. Text is trimmed of surrounding ASCII
   whitespace; in add and register an empty optional field is the same as an absent one; in an
    update an empty string or nil clears an optional field.
*/
#ifndef CONTACTS_DECIDER_H
#define CONTACTS_DECIDER_H

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_decide.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  ---- limits (bytes of UTF-8 after trimming) ---- */
#define CONTACTS_ID_MAX 64     /* an aggregate id                        */
#define CONTACTS_NAME_MAX 200  /* account / contact name                 */
#define CONTACTS_SHORT_MAX 100 /* region, city, title, hotel, ...        */
#define CONTACTS_PHONE_MAX 40  /* phone: digits, spaces, + - ( ) . /     */
#define CONTACTS_EMAIL_MAX 254 /* RFC 5321 path limit                    */
#define CONTACTS_NOTE_MAX 4000 /* free text, may span lines              */
#define CONTACTS_PERSON_MAX 64 /* one of our people: user id or name     */

/*  ---- account name normalisation (duplicate detection) ----

    The key two names must share to be "the same company": NFKC and Unicode
    case folding (utf8proc), then every run of characters that are not
    letters, digits or marks becomes one word break, then trailing company
    suffixes are removed repeatedly, then word breaks are dropped.
    "ＡＣＭＥ Co., Ltd." -> "acme"; "上海建工集团有限公司" -> "上海建工".

    A suffix table entry is normalised the same way before comparing. An
    entry that starts with a non-ASCII character (有限公司) is cut from the
    end of the name wherever it stands, since those scripts write no spaces;
    any other entry ("Co., Ltd.") must match whole trailing words, so
    "Costco" keeps its "co". A suffix is never cut if nothing would be left
    ("Company Limited" -> "company").

    Returns a new NUL-terminated string, the caller's to free(), or NULL if
    `name` is not valid UTF-8, normalises to nothing (only punctuation or
    spaces), or memory runs out. */
char *contacts_normalize_name (const char *name, size_t len);

/*  s folded (NFKC, case-folded, default-ignorables dropped): the code
    points keep() accepts copied as they are, each run of the others
    made one `sep` between kept ones (sep 0: dropped). NUL-terminated,
    the caller's; *out_len its length. NULL on bad UTF-8 or no memory.
    What contacts_normalize_name and bid_number_key are made of. */
char *contacts_fold (const char *s, size_t len, bool (*keep) (int32_t c), char sep,
                     size_t *out_len);

/*  The same with a caller's suffix table (NULL-terminated; NULL: none). */
char *contacts_normalize_name_with (const char *name, size_t len, const char *const *suffixes);

/*  The default table, NULL-terminated: 股份有限公司 有限责任公司 有限公司
    集团 公司 Co., Ltd., Inc., LLC, GmbH, Corp., Corporation, Company,
    Limited, PLC ... Static. */
extern const char *const contacts_company_suffixes[];

/*  A list of owned strings inside a state (e.g. a competitor's close_to). */
typedef struct {
    char **items; /* owned, each non-empty */
    size_t n;     /* how many              */
} contacts_list_t;

/*  ---- accounts ---- */

/*  Allowed values (stable codes), NULL-terminated. */
extern const char *const contacts_account_types[]; /* owner design_institute ... */
extern const char *const contacts_lead_sources[];  /* tender_website ...         */

typedef enum {
    CONTACTS_ACCOUNT_NONE = 0, /* no such account (empty stream)       */
    CONTACTS_ACCOUNT_ACTIVE,   /* registered                           */
    CONTACTS_ACCOUNT_ARCHIVED, /* archived: read-only                  */
    CONTACTS_ACCOUNT_MERGED    /* merged into `merged_into`: read-only */
} contacts_account_status_t;

/*  An account's state. Zero-initialise (or contacts_account_init), fold
    events with contacts_account_evolve, free with contacts_account_reset.
    Strings are owned by the struct; NULL means not set. */
typedef struct {
    contacts_account_status_t status; /* lifecycle                         */
    char *id;                         /* aggregate id (stream account-<id>) */
    char *name;                       /* as registered / updated           */
    char *normalized_name;            /* contacts_normalize_name (name)    */
    char *type;                       /* one of contacts_account_types     */
    char *region;                     /* e.g. 华东                          */
    char *city;                       /* e.g. 上海                          */
    char *lead_source;                /* one of contacts_lead_sources      */
    char *size;                       /* background: size                  */
    char *ownership;                  /* background: ownership             */
    char *past_projects;              /* background: past projects         */
    char *credit;                     /* background: credit                */
    char *merged_into;                /* survivor's id once merged         */
    size_t absorbed;                  /* accounts merged into this one     */
} contacts_account_t;

void contacts_account_init (contacts_account_t *self);
/*  Free every owned string and zero the struct (safe twice). */
void contacts_account_reset (contacts_account_t *self);

/*  Facts the shell looked up for register and update. */
typedef struct {
    /*  Id of another account (not the one being changed, not merged away)
        whose normalised name equals the command's, or NULL. The shell
        indexes contacts_normalize_name(name). */
    const char *duplicate_id;
} contacts_account_facts_t;

/*  Register a new account `id` (becomes stream "account-<id>").
    cmd keys: name (required), type (required, contacts_account_types),
    region, city, lead_source (contacts_lead_sources), size, ownership,
    past_projects, credit (optional text), force (optional bool).
    Decides account.registered.
    Rejections: EINVAL for any field (field "id" for a malformed id,
    "name" if it normalises to nothing); EDUPLICATE "id" if the account
    already exists; EDUPLICATE "name" when facts->duplicate_id is set and
    force is not true (the message names the existing account). */
int contacts_account_register (dbk_decision_t *d, const contacts_account_t *state, const char *id,
                               const dbk_obj_t *cmd, const contacts_account_facts_t *facts);

/*  Change some fields of an account. cmd keys: as register except force
    may accompany a new name; type and name cannot be cleared. Decides
    account.updated listing only the fields whose value changes, or no
    event when none does.
    Rejections: EINVAL for any field; ENOTFOUND "id" if no such account;
    EREJECTED "id" if archived or merged (naming the survivor); EDUPLICATE
    "name" for a new name that duplicates facts->duplicate_id without
    force. */
int contacts_account_update (dbk_decision_t *d, const contacts_account_t *state,
                             const dbk_obj_t *cmd, const contacts_account_facts_t *facts);

/*  Archive an account. cmd keys: reason (optional text). Decides
    account.archived. Rejections: ENOTFOUND "id"; EREJECTED "id" if it is
    already archived or merged. */
int contacts_account_archive (dbk_decision_t *d, const contacts_account_t *state,
                              const dbk_obj_t *cmd);

/*  Merge account `merged` into account `survivor` (states loaded by the
    shell: the survivor is named by cmd's "into"). cmd keys: into
    (required id), reason (optional text). Decides account.merged on
    account-<merged> naming the survivor, then account.absorbed on
    account-<survivor> naming the merged one. An archived account may be
    merged away (clean-up) but not be the survivor.
    Rejections: EINVAL "into" missing, malformed, the merged account itself,
    or not the id of `survivor`; ENOTFOUND "id" / "into" for an unknown
    account; EREJECTED "id" if the merged one is already merged; EREJECTED
    "into" if the survivor is archived or merged itself. */
int contacts_account_merge (dbk_decision_t *d, const contacts_account_t *merged,
                            const contacts_account_t *survivor, const dbk_obj_t *cmd);

/*  Fold one event of stream account-<id> into state. `type` is the event
    type (NUL-terminated), `data` its payload map. Types of other
    categories or unknown account.* types are ignored (0), so older code
    can replay newer logs. Returns 0, DBK_EMALFORMED if a known event's
    payload lacks a field it must have or holds a value the command that
    decides its type refuses by the same field table (a required field
    cleared, a value outside its list: contacts_fields_foldable, which
    says what is not checked, so that an older log folds as it did), or
    DBK_ENOMEM. */
int contacts_account_evolve (contacts_account_t *state, const char *type, const dbk_obj_t *data);

/*  ---- contacts ---- */

extern const char *const contacts_levels[];        /* decision management operational */
extern const char *const contacts_functions[];     /* user technical procurement      */
extern const char *const contacts_relationships[]; /* acquainted ... allied           */

typedef enum {
    CONTACTS_CONTACT_NONE = 0, /* no such contact */
    CONTACTS_CONTACT_ACTIVE    /* added           */
} contacts_contact_status_t;

/*  A contact's state; same lifecycle rules as contacts_account_t. */
typedef struct {
    contacts_contact_status_t status; /* lifecycle                           */
    char *id;                         /* aggregate id (stream contact-<id>)  */
    char *account_id;                 /* the account they work for now       */
    char *name;                       /* full name                           */
    char *title;                      /* job title                           */
    char *phone;                      /* phone number                        */
    char *email;                      /* e-mail address                      */
    char *messaging_id;               /* WeChat or other messaging id        */
    char *level;                      /* one of contacts_levels              */
    char *function;                   /* one of contacts_functions           */
    char *relationship;               /* one of contacts_relationships       */
    int influence;                    /* 1..5, 0 = not assessed              */
    char *hobbies;                    /* profile: hobbies                    */
    char *hometown;                   /* profile: hometown                   */
    char *birthday;                   /* YYYY-MM-DD or --MM-DD (year unknown) */
    char *family_notes;               /* profile: family                     */
    char *notes;                      /* profile: anything else              */
    size_t moves;                     /* contact.moved events so far         */
    size_t trips;                     /* contact.trip_added events so far    */
} contacts_contact_t;

void contacts_contact_init (contacts_contact_t *self);
void contacts_contact_reset (contacts_contact_t *self);

/*  What the shell knows of an account a contact command names. */
typedef enum {
    CONTACTS_REF_MISSING = 0, /* no such account                */
    CONTACTS_REF_ACTIVE,      /* exists and is active           */
    CONTACTS_REF_ARCHIVED,    /* archived: takes no new people  */
    CONTACTS_REF_MERGED       /* merged away into merged_into   */
} contacts_ref_status_t;

typedef struct {
    contacts_ref_status_t account; /* the named account_id          */
    const char *merged_into;       /* its survivor when MERGED      */
    /*  The business date (YYYY-MM-DD, dbk_config_today: this service
        ignores a command's "on") and its zone ("UTC+08:00",
        dbk_config_zone), which bound a birthday; NULL: no bound, no zone
        named. */
    const char *today;
    const char *zone;
} contacts_contact_facts_t;

/*  Add contact `id` (stream contact-<id>). cmd keys: name, account_id
    (required); title, phone, email, messaging_id, level, function,
    relationship (enums above), influence (integer 1..5), hobbies,
    hometown, birthday (YYYY-MM-DD or --MM-DD, a real date), family_notes,
    notes (optional). Decides contact.added.
    Rejections: EINVAL for any field ("birthday" with a year after
    facts->today: "birthday (D) cannot be after today at Z (T), the
    business date", checked with the fields); EDUPLICATE "id" if the
    contact exists; ENOTFOUND "account_id" if the account does not exist;
    EREJECTED "account_id" if it is archived or merged (naming the
    survivor). */
int contacts_contact_add (dbk_decision_t *d, const contacts_contact_t *state, const char *id,
                          const dbk_obj_t *cmd, const contacts_contact_facts_t *facts);

/*  Change some fields. cmd keys: as add without account_id (a change of
    account is contact_move, so that its history is kept); name cannot be
    cleared. Decides contact.updated with only the changed fields, or no
    event. Only facts->today and facts->zone are read (facts NULL: no
    bound). Rejections: EINVAL for any field (account_id: use move;
    birthday as add); ENOTFOUND "id". */
int contacts_contact_update (dbk_decision_t *d, const contacts_contact_t *state,
                             const dbk_obj_t *cmd, const contacts_contact_facts_t *facts);

/*  Move a contact to another account. cmd keys: account_id (required),
    reason (optional). Decides contact.moved with from and to.
    Rejections: EINVAL "account_id" missing, malformed or the current
    account; ENOTFOUND "id"; ENOTFOUND / EREJECTED "account_id" as for
    add. */
int contacts_contact_move (dbk_decision_t *d, const contacts_contact_t *state, const dbk_obj_t *cmd,
                           const contacts_contact_facts_t *facts);

/*  Record a trip in the contact's notebook. cmd keys: from, to (required,
    YYYY-MM-DD, from <= to), city (required), hotel, transport (flight or
    train number), purpose (optional). Decides contact.trip_added with
    trip = the trip's number in this contact (1, 2, ...).
    Rejections: EINVAL for any field ("to" when it is before "from");
    ENOTFOUND "id". */
int contacts_contact_trip_add (dbk_decision_t *d, const contacts_contact_t *state,
                               const dbk_obj_t *cmd);

/*  The relationship map: how well one of our salespeople knows the
    contact. cmd keys: salesperson (required: our user id or name, at most
    CONTACTS_PERSON_MAX bytes), depth (required: contacts_relationships or
    "none" to end it), notes (optional). current_depth: the salesperson's
    depth with this contact now, or NULL for none (the shell looks it up).
    Decides contact.relationship_set {id, salesperson, depth, previous,
    notes?}, or no event when the depth is unchanged and no notes are given.
    Rejections: EINVAL for any field, and "salesperson" when ending a
    relationship that does not exist; ENOTFOUND "id". */
extern const char *const contacts_relationship_depths[]; /* "none" + contacts_relationships */
int contacts_contact_relate (dbk_decision_t *d, const contacts_contact_t *state,
                             const dbk_obj_t *cmd, const char *current_depth);

/*  Fold one event of stream contact-<id>; as contacts_account_evolve. */
int contacts_contact_evolve (contacts_contact_t *state, const char *type, const dbk_obj_t *data);

/*  ---- references in lists ----

    Competitors and activities name any number of accounts or contacts, so
    rather than a fixed facts struct the shell lends read-only lookups into
    its read model. They must answer from the state the command is decided
    against and change nothing (the decider stays a function of its inputs).
    NULL function: every id counts as missing. */
typedef struct {
    /*  An account's status; for MERGED also sets *merged_into (borrowed
        until the decider returns). */
    contacts_ref_status_t (*account) (void *ctx, const char *id, const char **merged_into);
    /*  A contact's status: CONTACTS_REF_MISSING or CONTACTS_REF_ACTIVE. */
    contacts_ref_status_t (*contact) (void *ctx, const char *id);
    /*  The id of a competitor other than `except` (NULL: any) whose name
        normalises (contacts_normalize_name) to `norm`, or NULL when there
        is none; borrowed until the decider returns. */
    const char *(*competitor_named) (void *ctx, const char *norm, const char *except);
    void *ctx; /* passed back to each */
} contacts_lookup_t;

#define CONTACTS_LIST_MAX 50 /* entries in close_to, our_people, their_people */

/*  ---- competitors ---- */

extern const char *const contacts_price_levels[]; /* low medium high */

typedef enum {
    CONTACTS_COMPETITOR_NONE = 0, /* no such competitor */
    CONTACTS_COMPETITOR_ACTIVE    /* added              */
} contacts_competitor_status_t;

typedef struct {
    contacts_competitor_status_t status; /* lifecycle                          */
    char *id;                            /* stream competitor-<id>             */
    char *name;                          /* company name                       */
    char *products;                      /* what they sell against us          */
    char *price_level;                   /* one of contacts_price_levels       */
    char *strengths;                     /* free text                          */
    char *weaknesses;                    /* free text                          */
    char *relationships;                 /* whom they know, how well           */
    contacts_list_t close_to;            /* ids of accounts they are close to  */
} contacts_competitor_t;

/*  Same lifecycle as contacts_account_t (init, evolve, reset). */
void contacts_competitor_init (contacts_competitor_t *self);
void contacts_competitor_reset (contacts_competitor_t *self);

/*  Add competitor `id`. cmd keys: name (required), products, price_level,
    strengths, weaknesses, relationships (optional), close_to (optional
    list of distinct account ids, at most CONTACTS_LIST_MAX), force
    (optional bool). Decides competitor.added.
    Rejections: EINVAL for any field ("name" if it normalises to
    nothing); EDUPLICATE "id" if it exists; EDUPLICATE "name" when
    lookup->competitor_named finds another competitor with the same
    normalised name (as accounts compare theirs: without case, width,
    punctuation and company suffixes) and force is not true, naming it;
    ENOTFOUND "close_to" for an unknown account; EREJECTED "close_to" for
    a merged one (naming the survivor). Archived accounts are accepted:
    a competitor's ties are history worth keeping. */
int contacts_competitor_add (dbk_decision_t *d, const contacts_competitor_t *state, const char *id,
                             const dbk_obj_t *cmd, const contacts_lookup_t *lookup);

/*  Change some fields; close_to, when given, replaces the whole list.
    Decides competitor.updated with the changed fields, or no event.
    Rejections: as add, and ENOTFOUND "id"; name cannot be cleared. A
    new name is a duplicate only when it normalises otherwise than the
    current one (a change of case or spelling of its own name is not). */
int contacts_competitor_update (dbk_decision_t *d, const contacts_competitor_t *state,
                                const dbk_obj_t *cmd, const contacts_lookup_t *lookup);

/*  Fold one event of stream competitor-<id>; as contacts_account_evolve.
    DBK_EMALFORMED also for a state that could not be stored and folded
    back: a competitor.added whose id or name is not a non-empty text
    without a NUL, an update that clears the name or sets it so, a
    close_to entry that is not such a text. The state may be half-changed
    then: a caller that stores it folds a copy. */
int contacts_competitor_evolve (contacts_competitor_t *state, const char *type,
                                const dbk_obj_t *data);

/*  ---- activities ---- */

extern const char *const contacts_activity_kinds[]; /* visit call meeting ... */

#define CONTACTS_COST_MAX 1000000000000000LL /* minor units: 10^13 yuan */

typedef enum {
    CONTACTS_ACTIVITY_NONE = 0, /* not logged */
    CONTACTS_ACTIVITY_LOGGED    /* logged     */
} contacts_activity_status_t;

typedef struct {
    contacts_activity_status_t status; /* lifecycle                    */
    char *id;                          /* stream activity-<id>         */
    char *kind;                        /* one of contacts_activity_kinds */
    char *date;                        /* YYYY-MM-DD                   */
    char *account_id;                  /* the account, if given        */
    contacts_list_t their_people;      /* contact ids                  */
} contacts_activity_t;

/*  Same lifecycle as contacts_account_t (init, evolve, reset). */
void contacts_activity_init (contacts_activity_t *self);
void contacts_activity_reset (contacts_activity_t *self);

/*  Log activity `id`. cmd keys: kind (required, contacts_activity_kinds),
    date (required, YYYY-MM-DD), their_people (required: a non-empty list
    of distinct contact ids; an activity is what keeps contacts "fresh"),
    our_people (optional list of our people: user ids or names),
    account_id (optional), notes (optional), cost (optional integer minor
    units, 0..CONTACTS_COST_MAX) with currency (ISO 4217, required with
    cost and only with it). Decides activity.logged.
    `today` is the business date (YYYY-MM-DD): this service ignores a
    command's "on", so the shell passes today (the business day); NULL: no bound. The
    date records an activity that took place (a plan is a trip, or an
    opportunity's next step), so it is not after today; nor before
    CONTACTS_DATE_MIN (1970-01-01), as no business date is
    (contacts_date_too_early).
    Rejections: EINVAL for any field ("currency" missing with a cost or
    given without one; "date" after today: "date (D) cannot be after
    today at Z (T), the business date", Z the zone when zone is not NULL
    ("UTC+08:00", dbk_config_zone); "date" before 1970-01-01: "date (D)
    cannot be before 1970-01-01"; both checked with the fields); EDUPLICATE
    "id" if already logged; ENOTFOUND "their_people" for an unknown
    contact; ENOTFOUND / EREJECTED "account_id" for an unknown / merged
    account. */
int contacts_activity_log (dbk_decision_t *d, const contacts_activity_t *state, const char *id,
                           const dbk_obj_t *cmd, const contacts_lookup_t *lookup, const char *today,
                           const char *zone);

/*  Fold one event of stream activity-<id>; as contacts_account_evolve. */
int contacts_activity_evolve (contacts_activity_t *state, const char *type, const dbk_obj_t *data);

#ifdef __cplusplus
}
#endif
#endif
