/*  contacts_known.h - whether the contacts service applies an `account.*`,
    `contact.*` or `competitor.*` event of the log, and what it then tells
    of the account, contact or competitor: the one rule that the contacts
    projection and every other service's reference table (opportunities,
    bidding, forecasting: DESIGN §2b, other aggregates are known from their
    events) follow, so that no service knows an account, a contact or a
    competitor the contacts service does not know, or knows it otherwise,
    and accepts a command naming it. And whether it applies an
    activity.logged, the rule by which both the contacts and the
    opportunities services know who was met when (below, "activities").

    Anyone may append to the log (dealbook log append). The contacts
    service SKIPS (dbk_service.h: its projection returns DBK_EMALFORMED,
    logged and counted in STATUS counters.skipped) an event of a type it
    folds (account.registered, updated, archived, merged, absorbed;
    contact.added, updated, moved, trip_added, relationship_set;
    competitor.added, updated) on a stream of one of the three categories
    when
      - the type is of another of the three (`contact.added` on
        `account-a1`);
      - its payload's `id` is not a str equal to the stream's id (the part
        after the dash: docs/events.md, `id` is always the aggregate's);
      - the contacts evolve function refuses its payload
        (contacts_decider.h): a required field missing, a field of the
        wrong type, a competitor's name or tie that is not a text, or a
        value the command checked by the same field table refuses
        (contacts_fields_foldable: a name nil, "" or spaces, an account
        type, a contact's level or function, a price level outside its
        list, an influence outside 1..5, a merge `into` or a move `to` no
        id).
    It IGNORES (applies nothing, skips nothing) an event on a stream of no
    category of the three, whatever its type (`account.registered` on
    `thing-1`: nobody's account), one on a stream whose id is longer than
    CONTACTS_ID_MAX, and one of a type it does not fold (`activity.logged`
    on `account-a1`, a later version's `account.*`). Every reference table
    does the same. The contacts projection skips for its own reasons too
    (a trip's dates, a relationship's payload), events that change no
    reference. */
#ifndef CONTACTS_KNOWN_H
#define CONTACTS_KNOWN_H

#include "contacts_decider.h"

#include "dealbook/dbk_event.h"

#include <stdbool.h>
#include <stddef.h>

/*  The reference an event changes: the kind of aggregate, whose value is
    the tag the reference tables key its id by. */
typedef enum {
    CONTACTS_KNOWN_NONE = 0,        /* none: the table ignores the event   */
    CONTACTS_KNOWN_ACCOUNT = 'a',   /* account.registered, updated, archived, merged */
    CONTACTS_KNOWN_CONTACT = 'c',   /* contact.added, updated              */
    CONTACTS_KNOWN_COMPETITOR = 'k' /* competitor.added, updated           */
} contacts_known_kind_t;

/*  What it does to the reference's status. */
typedef enum {
    CONTACTS_KNOWN_KEEP = 0, /* nothing (an update: of an id never known, nothing at all) */
    CONTACTS_KNOWN_OPEN,     /* known and active from now on (registered, added)         */
    CONTACTS_KNOWN_CLOSE     /* known and closed, read-only (archived, merged)           */
} contacts_known_change_t;

/*  An event read as the contacts service applies it. The strings are
    borrowed from the event and its payload, not NUL-terminated. */
typedef struct {
    contacts_known_kind_t kind;     /* the reference it changes (NONE: none)  */
    contacts_known_change_t change; /* what it does to its status             */
    const char *id;                 /* its id: the stream's, after the dash   */
    size_t id_len;                  /* bytes of id, 1..CONTACTS_ID_MAX        */
    bool named;                     /* it sets the name (never clears it)     */
    const char *name;               /* the name, when named                   */
    size_t name_len;                /* its bytes, never 0 (none is cleared)   */
    const char *into;               /* account.merged: the survivor's id,
                                       else NULL                              */
    size_t into_len;                /* bytes of into                          */
} contacts_known_t;

/*  The kind of reference an event of this type may change (its stream
    and payload unread); NONE for any other type, which no reference table
    reads. A table calls contacts_known_read only for these, so that it does
    not parse the payload of the other events (half the log is trips). */
contacts_known_kind_t contacts_known_type (const char *type, size_t n);

/*  Read ev, whose payload is data (dbk_svc_data: a map, or NULL when it
    was not one), as the contacts service applies it: 0 and *ref filled
    (ref->kind NONE: it changes no reference, whether contacts ignores it
    or applies it elsewhere), DBK_EMALFORMED when contacts skips it (see
    above: the caller skips it too, having written nothing for it), or
    DBK_ENOMEM. Pure: the payload's fields are folded into a scratch state
    by the contacts evolve functions, which decide alone whether it holds
    what its type must (their verdict depends on the payload only, never
    on the state it folds into). */
int contacts_known_read (const dbk_event_t *ev, const dbk_obj_t *data, contacts_known_t *ref);

/*  contacts_known_read's checks before the evolve function: 1 when ev is
    an event of a type contacts folds, on a stream of that type's category
    whose id its payload's `id` is (the evolve function then decides), 0
    when contacts ignores it (no category of the three, an id too long, a
    type it does not fold, no payload map), DBK_EMALFORMED when it skips
    it. For the contacts projection, whose own evolve of the payload, into
    the aggregate's real state, gives the evolve's verdict: folding it into
    a scratch state first would do the work twice on its replay (but a
    trip, which it counts without an evolve, it judges with
    contacts_known_read). */
int contacts_known_belongs (const dbk_event_t *ev, const dbk_obj_t *data);

/*  ---- activities ----

    An activity.logged tells which contacts were met on which day: the
    contacts service's notebook (a contact's last activity, the contacts
    not met for long) and the opportunities service's (a stakeholder's last
    contact, the stale-contact red flag) follow the contacts service's rule
    for it, so that no service counts a contact met by an activity that
    service does not know. An activity is logged once: the first
    activity.logged of its stream that applies is the activity, every
    later one changes nothing, whatever it holds. The contacts service
    SKIPS one on a stream `activity-<id>` (id of 1..CONTACTS_ID_MAX bytes)
    that no activity was logged on before when its payload's `id` is not a
    str equal to the stream's id, or contacts_activity_evolve refuses the
    payload (`kind`, `date`, `their_people` missing or cleared, a kind
    outside contacts_activity_kinds, a date that is no real date, an entry
    of their_people that is no id: contacts_fields_foldable). It IGNORES
    one on any other stream (`activity.logged` on `account-a1` or
    `thing-v1` logs nobody's activity), one on a stream an activity was
    logged on already, and every other type. */

/*  An activity.logged as the contacts service applies it. Borrowed from
    the event and its payload, not NUL-terminated. */
typedef struct {
    const char *id;          /* the activity, its stream's id; NULL: ignored */
    size_t id_len;           /* bytes of id, 1..CONTACTS_ID_MAX              */
    const char *date;        /* the day it took place, YYYY-MM-DD (10 bytes) */
    const dbk_obj_t *people; /* their_people: an array of 1..CONTACTS_LIST_MAX
                                ids (contacts_id_valid), borrowed              */
} contacts_known_activity_t;

/*  Whether the caller applied an activity.logged of activity id before
    (its own record: the contacts service's activities table, the
    opportunities service's own mark). arg is the caller's. */
typedef bool contacts_known_logged_fn (void *arg, const char *id, size_t n);

/*  Read ev, whose payload is data (dbk_svc_data: a map, or NULL), as the
    contacts service applies an activity (above): 0 and act->id set when it
    applies it, 0 and act->id NULL when it ignores it, DBK_EMALFORMED when
    it skips it (the caller writes nothing for it), or DBK_ENOMEM. logged
    (with arg) is asked only for a later version of an activity's stream
    (its first cannot find one logged); NULL: none was. Pure but for what
    logged reads. judge false: the caller's own contacts_activity_evolve
    of the payload decides the rest (the contacts projection: not twice),
    and act->date and act->people are not read. */
int contacts_known_activity (const dbk_event_t *ev, const dbk_obj_t *data,
                             contacts_known_logged_fn *logged, void *arg, bool judge,
                             contacts_known_activity_t *act);

#endif
