/*  bid_internal.h - internal to the bidding deciders: the helpers every
    decider shares (configuration, event headers, references, values).
    Field validation is the contacts service's (contacts_fields.h), so
    every service validates text, dates, enums and money the same way.
*/
#ifndef BID_INTERNAL_H
#define BID_INTERNAL_H

#include "bidding_decider.h"
#include "contacts_fields.h"

#include <stdbool.h>
#include <stddef.h>

/*  Tender fields of tender.opened (offsets into bid_tender_t); the last
    BID_DATES are the key dates in bid_date_keys order. */
extern const contacts_field_t bid_open_fields[];
extern const size_t bid_nopen_fields;

/*  The configuration in force. */
const bid_config_t *bid_cfg (const bid_facts_t *facts);

/*  Start an event on <category>-<id>: a map of n + 1 + (today set) keys
    with "id" and "on" written; the caller writes n more pairs. */
dbk_wr_t *bid_begin (dbk_decision_t *d, const char *category, const char *id, const char *type,
                     size_t n, const bid_facts_t *facts);

/*  A reference through the shell's lookups ([s, s+n)). */
bid_ref_t bid_ref (const bid_facts_t *facts, bid_ref_t (*fn) (void *, const char *), const char *s,
                   size_t n);

/*  Write "date": the value of `key` among vals, else today; returns
    whether a pair was written (count it with bid_has_date first). */
bool bid_has_date (const contacts_value_t *vals, size_t n, const char *key,
                   const bid_facts_t *facts);
void bid_write_date (dbk_wr_t *w, const contacts_value_t *vals, size_t n, const char *key,
                     const bid_facts_t *facts);

/*  EINVAL `key` when the date among vals under `key` is after the
    business date (facts->today, the command's "on"): what a command
    records as done (a step reached, an answer received, a bond issued
    or returned, a bid submitted, an opening, an award, a signature, an
    invoice issued, a payment received) cannot be dated after the day
    it is decided at. Every such date goes through here, as part of the
    command's fields (before the aggregate is looked at). 0 when absent,
    or without a business date. */
int bid_check_done_by_on (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                          const char *key, const bid_facts_t *facts);

/*  EINVAL `key` when the date of a fact (the value of `key` among vals,
    else the business date) is before `earlier`, the date of a fact
    recorded already that the procedure puts before it, which `what`
    names for the user ("the submission"): "date (D) cannot be before
    the submission (S)". 0 when earlier is NULL or not a real date (a
    fold without dates), or without a date to compare. */
int bid_check_not_before (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                          const char *key, const bid_facts_t *facts, const char *earlier,
                          const char *what);

/*  The fact that reached step `code`, for the user: "the submission",
    "the opening", "the award", else "the CODE step" (into out). */
const char *bid_step_fact (const char *code, char *out, size_t outsz);

/*  EINVAL `key` when `date` (YYYY-MM-DD) is before the day deal `opp`
    was registered (facts lookup registered), naming both: "<key> (D)
    cannot be before the registration of opportunity O (R): <why>". 0
    when either date is unknown. */
int bid_check_since_registration (dbk_decision_t *d, const char *key, const char *date,
                                  const char *opp, const bid_facts_t *facts, const char *why);

/*  bid_check_since_registration of the business date (facts->today) on
    "on": nothing on deal `opp` (NULL: not known) is stated on a day
    before it was registered. */
int bid_check_on_deal (dbk_decision_t *d, const char *opp, const bid_facts_t *facts);

/*  bid_check_on_deal for the deal of tender [tender, tender+n) (facts
    lookup tender_terms: a tender unknown there bounds nothing). */
int bid_check_on_tender (dbk_decision_t *d, const char *tender, size_t n, const bid_facts_t *facts);

/*  ENOTFOUND "id" unless t exists, then bid_check_on_deal for its deal. */
int bid_tender_check_found (dbk_decision_t *d, const bid_tender_t *t, const bid_facts_t *facts);

/*  bid_tender_check_found, then EREJECTED "id" once awarded. */
int bid_tender_check_open (dbk_decision_t *d, const bid_tender_t *t, const bid_facts_t *facts);

/*  EREJECTED "id" when the tender's deal is closed without a win (lost,
    abandoned, closed as a duplicate): reopen it first. A won deal, or
    one the lookups do not know, refuses nothing. */
int bid_tender_check_deal (dbk_decision_t *d, const bid_tender_t *t, const bid_facts_t *facts);

/*  New bid work on tender t: bid_tender_check_open, then
    bid_tender_check_deal. */
int bid_tender_check_work (dbk_decision_t *d, const bid_tender_t *t, const bid_facts_t *facts);

/*  New pricing work on quote `quote` (NULL: a new one) of tender
    [tender, tender+n): EREJECTED `field` once the tender was awarded,
    won or lost (facts lookup tender); else when the tender's bid was
    submitted with that quote (facts lookup tender_bid); else when the
    tender's deal (facts lookup tender_terms) is closed without a win,
    as bid_tender_check_deal. A tender the lookups do not know refuses
    nothing (QUOTE_CREATE tells it apart first). */
int bid_quote_check_work (dbk_decision_t *d, const char *field, const char *quote,
                          const char *tender, size_t n, const bid_facts_t *facts);

/*  Can the tender move to step `target` (a config step index)? 0, or
    EREJECTED on `field` naming the current step and the next allowed. */
int bid_step_check (dbk_decision_t *d, const bid_tender_t *t, const bid_config_t *cfg, int target,
                    const char *field);

/*  Evolve helpers: a required str into *dst (owned copy), an optional
    one (absent: left alone), an int64, an unsigned. */
int bid_ev_req (char **dst, const dbk_obj_t *data, const char *key);
int bid_ev_opt (char **dst, const dbk_obj_t *data, const char *key);
int bid_ev_i64 (int64_t *dst, const dbk_obj_t *data, const char *key);
int bid_ev_uint (unsigned *dst, const dbk_obj_t *data, const char *key);
/*  An amount of an event: an int64 from min to BID_AMOUNT_MAX, as the
    deciders write them. Any other value was appended by hand, and would
    let a product or a sum of a quote, a contract or the price
    intelligence pass what an int64 holds: DBK_EMALFORMED, and the event
    is skipped (bidding_model_apply logs it). */
int bid_ev_money (int64_t *dst, const dbk_obj_t *data, const char *key, int64_t min);

/*  The value helpers are contacts_fields.h's, under this service's names. */
#define bid_eq contacts_eq
#define bid_present contacts_present
#define bid_write_vals contacts_write_values
#define bid_val contacts_value_of
#define bid_index contacts_index

#endif
