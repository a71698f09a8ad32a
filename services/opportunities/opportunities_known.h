/*  opportunities_known.h - whether the opportunities service folds an
    `opportunity.*` event of the log: the one rule that the opportunities
    projection and every other service that knows deals from its events
    (bidding: the deals a tender or a contract names, their state, owner,
    currency, win and registration day; forecasting: its book of deals,
    as-of replays alike) follow, so that no service knows a deal the
    opportunities service does not know, or knows it otherwise
    (contacts_known.h is the same for accounts, contacts, competitors).

    Anyone may append to the log (dealbook log append). A deal is
    registered once, by the first opportunity.registered of its stream
    that is folded: OPP_REGISTER refuses an id it knows, so a later one
    was appended by hand, and a deal's events are about that deal. The
    opportunities service IGNORES (folds nothing, counts nothing)
      - an `opportunity.*` event on a stream of another category, or whose
        id is empty or longer than OPP_ID_MAX (nobody's deal:
        `opportunity.registered` on `thing-o9` registers nothing);
      - one of an `opportunity.*` type it does not fold (a later
        version's);
      - an opportunity.registered of a deal registered already, whatever
        it holds: it neither reopens a deal won or lost nor changes its
        owner or anything else;
      - any other event of a deal not registered (yet), whatever it
        holds: no outcome, level or update makes a deal (an
        opportunity.reopened or won on a fresh stream is nobody's deal).
    It SKIPS (dbk_service.h: its projection returns DBK_EMALFORMED, logged
    and counted in STATUS counters.skipped) any other event of a type it
    folds (those of opp_evolve) on a stream `opportunity-<id>` when
      - its payload's `id` is not a str equal to the stream's id
        (docs/events.md: `id` is always the deal's, and every event the
        service decides carries it);
      - opp_evolve refuses its payload: a field the type must have missing,
        of the wrong type or out of range, a registration or an update
        holding what its command refuses (contacts_fields_foldable). The
        other services fold the payload into a scratch state, as if the
        deal held the stakeholder or the competitor the event names, so
        that the verdict depends on the payload only; the opportunities
        projection into the deal's state, whose verdict holds that one
        (a state refuses what the scratch one refuses) and more.
    Every service reading deals does the same, each telling whether the
    deal is registered by its own record of it (opportunities: the deal's
    state; bidding: its row of the deal; forecasting: the deal in its
    book), which holds a deal exactly when the opportunities service's
    does, since each folds a registration by this rule. The opportunities
    service skips for reasons only the deal's state tells too (a
    stakeholder updated who is not on the map, a competitor added twice,
    more stakeholders, needs, competitors, checks or conflicts than the
    deal holds): events no other service reads but for the day of the
    owner's work (forecasting's freshness). Never an event the others
    fold for more: a won or lost one past the OPP_AWARDS_MAX awards a deal
    remembers is folded, its award not remembered (opp_evolve). */
#ifndef OPPORTUNITIES_KNOWN_H
#define OPPORTUNITIES_KNOWN_H

#include "opportunities_decider.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_decide.h"
#include "dealbook/dbk_event.h"

#include <stdbool.h>
#include <stddef.h>

/*  The deal an event is about, as the opportunities service folds it. */
typedef struct {
    const char *id;         /* its stream's id, after the dash; NULL: ignored */
    size_t id_len;          /* bytes of id, 1..OPP_ID_MAX                    */
    char registered_on[11]; /* a registration's day, as the fold read it
                               (opportunities_registered_on); "" when none
                               or another type                             */
} opportunities_known_t;

/*  Whether the type is an `opportunity.*` one (its stream and payload
    unread): a service calls opportunities_known_read only for these. */
bool opportunities_known_type (const char *type, size_t n);

/*  Whether the caller folded a registration of the deal id (n bytes, its
    stream's id, not NUL-terminated) before: its own record of the deal
    (the bidding service's row of it, the deal in the forecasting book).
    arg is the caller's. */
typedef bool opportunities_known_registered_fn (void *arg, const char *id, size_t n);

/*  Read ev, whose payload is data (dbk_svc_data: a map, or NULL when it
    was not one), as the opportunities service folds it: 0 and deal->id
    set (it folds it), 0 and deal->id NULL (it ignores it: not an
    `opportunity.*` type, nobody's deal, a type it does not fold, no
    payload map, a second registration, an event of a deal not
    registered), DBK_EMALFORMED (it skips it: the caller skips it too,
    having written nothing), or DBK_ENOMEM. state: the deal's state, into
    which the event is folded (opp_evolve; the opportunities projection,
    which stores it only on 0: on an error it may be half-changed), and
    which tells whether the deal is registered; or NULL: a scratch one
    (the other services), and the verdict is the payload's only, the
    state refusing nothing more, registered (with arg) telling whether the
    deal is registered. It is asked only for an event after the first of
    its stream (ev->ver > 1: the first finds no deal registered); NULL:
    none is. Pure but for state and what registered reads. */
int opportunities_known_read (const dbk_event_t *ev, const dbk_obj_t *data, opp_state_t *state,
                              opportunities_known_registered_fn *registered, void *arg,
                              opportunities_known_t *deal);

/*  The day an `opportunity.registered` (payload data, recorded at ts, or
    OPP_UNRECORDED) registers its deal on, into day: its "on" when that is
    a date, cut to the latest business day anywhere when the log recorded
    it (contacts_date_cap: a day to come, appended by hand, would refuse
    every command on the deal until then). false when it states none that
    is a date: nothing on the deal is bounded by it. The one reading of an
    `opportunity.*` event's "on": opp_evolve reads it once per event, for
    the registration's day (registered_on, which opportunities_known_read
    hands to the bidding service's table of deals) and for the day of the
    owner's work on the deal (touched). */
bool opportunities_registered_on (const dbk_obj_t *data, int64_t ts, char day[11]);

/*  Refuse, INVALID naming `key`, a date (YYYY-MM-DD, date_len bytes) a
    command states for deal opp before reg, the day it was registered
    (opportunities_registered_on): "key (date) cannot be before the
    registration of opportunity opp (reg): why". 0 when date or reg is
    NULL, or date is not before reg. The one rule of both services that
    date facts on a deal (opportunities, bidding). */
int opportunities_check_registered_by (dbk_decision_t *d, const char *key, const char *date,
                                       size_t date_len, const char *opp, const char *reg,
                                       const char *why);

#endif
