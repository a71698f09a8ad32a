/*  bidding_decider.h - the pure domain rules of the bidding service
    (DESIGN §2, §3; DOMAIN §5, §7): tenders and the procurement steps, the
    bid / no-bid decision, the bid document's parts, quotes and their
    pricing approval (报价——定价流程), the opening result, the award (which
    the opportunities service reacts to), contracts (合同的几个要素) and
    their collection (invoices, payments, receivables, retention).

    Three aggregates, in the categories DESIGN §3 gives the bidding
    service:
      tender-<id>    a tender for one opportunity: its number, issuer,
                     type, key dates, procurement step, clarifications,
                     bid bond, envelopes, bid / no-bid decision, the bid
                     document's parts, the submission, the opening result
                     and the award;
      quote-<id>     a priced quote for one tender: lines, totals, margin
                     and its approval;
      contract-<id>  a signed contract: parties, scope, amount, payment
                     milestones, dates, penalties, invoices and payments
                     (its state and deciders: bidding_contract.h).

    Nothing here does I/O. The service shell, as for
    opportunities_decider.h:
      1. hands the command's fields over as a msgpack map (`cmd`, keys
         listed below; the request's own keys v, rid, op, cmd, actor,
         corr and "id" are allowed and ignored);
      2. folds the aggregate's stream with its evolve function (or loads
         the state from its read model); a tender's submission also needs
         the state of the quote it names;
      3. fills a bid_facts_t: the business date (`today`), who acts and
         with what approval authority, lookups into its projections of
         opportunities, accounts and its own tenders, and the
         configuration (NULL: bid_default_config);
      4. calls the decider with a fresh or reset dbk_decision_t (deciders
         never generate ids or read clocks);
      5. appends the decided events (always one stream) or replies with
         the one rejection.

    Every decider returns 0 when it decided events (possibly none: a
    change that changes nothing is a no-op) or the rejection's code, also
    recorded in the decision with a field name and a sentence:
      DBK_EINVAL     a field is missing, empty, of the wrong type, out of
                     range, not a real date, not one of the allowed values
                     (the message lists them), too long, not UTF-8, or the
                     map holds an unknown key; a date that records what
                     happened after the business date (see "dates"
                     below);
      DBK_ENOTFOUND  no such tender / quote / contract (field "id"), or an
                     unknown reference (opportunity_id, account_id,
                     tender_id, a clarification, a part, a line, a
                     milestone...);
      DBK_EDUPLICATE it exists already (the aggregate, an invoice number,
                     an answer, a bond that is out, an award);
      DBK_EREJECTED  the state forbids it: an out-of-order procurement
                     step (field "step", or the decider's own step: the
                     message names the current step and the next one
                     allowed), a submission while required parts are not
                     ready (field "parts", listing them), with an
                     unapproved quote ("quote_id"), without a bid decision
                     ("decision"), without the bond ("bond"), after the
                     deadline ("submission_deadline"); an approver below
                     the level the discount needs ("actor"); an invoice or
                     payment over its milestone or the contract
                     ("amount"); retention invoiced before the warranty
                     ends ("milestone"); any change to an awarded tender
                     or new pricing work on its quotes ("id", or
                     "tender_id" for a new quote: see "an awarded
                     tender's quotes" below); new bid work while the
                     tender's deal is lost, abandoned or closed as a
                     duplicate ("id", or "tender_id" for a new quote: see
                     "a deal closed without a win" below).

    Units, everywhere:
      money        int64 minor units (fen, cents) with the aggregate's
                   ISO 4217 currency, 0..BID_AMOUNT_MAX;
      percentages  int basis points: 1% = 100 bp, 100% = 10000 bp (a
                   discount of 12.5% is 1250), so that no float enters a
                   decision;
      quantities   whole units (pieces, metres, sets), 1..BID_QTY_MAX;
      dates        YYYY-MM-DD; they compare as strings.

    Dates. A date that records what happened is never after the business
    date (facts->today, the command's "on", itself at most today: a fact
    entered after the event carries its own, earlier, date): EINVAL on
    that field, "date (D) cannot be after on (ON), the business date",
    checked with the command's fields, before the aggregate is looked
    at. Such dates are: a step's "date" (when it was reached), an
    answer's, the bond's issue and return, the submission's, the
    opening's, the award's, a contract's signed_on, an invoice's and a
    payment's (nor is either before the contract's signed_on). Planned
    dates may lie ahead: the key dates
    (bid_date_keys, the tender's announced schedule), a part's due, a
    contract's delivery_date and warranty_end, and its milestones' due.
    Without a business date nothing is bounded.

    Nor is such a date before a fact of the tender that the procedure
    (DOMAIN §5) puts before it and that is recorded already: EINVAL on
    that field, "date (D) cannot be before the submission (S)" (with ",
    the business date" after D when the command gave none and D is its
    "on"), once the state is known. A step (the submission, an opening's
    first envelope and the award included) is never before the step the
    tender is at was reached; an answer never before its question; the
    bond never back before it went out; the submission never before the
    bond that is out; an opening never before the submission, the price
    envelope never before the technical one; the award never before an
    envelope opened; a contract's signed_on never before the award of
    the tender it names. Only facts on record count (a skipped optional
    step has no date), and a date the fold does not know (a log written
    before dates were stamped) bounds nothing.

    Nor is anything on a deal dated before the deal was registered
    (facts->lookup->registered: its opportunity.registered's "on"): a
    command on a tender, a quote (its tender's deal, through
    tender_terms) or a contract whose business date is earlier is EINVAL
    "on", "on (D) cannot be before the registration of opportunity O (R):
    a deal has no history before it was registered", once the aggregate
    and its deal are found (the deal a tender is opened for, a contract
    signed for, the tender a quote is created for) and before its state
    is looked at, whether the command is new work or records how the
    tender ended; an award's "date", which dates the deal's win or loss,
    is EINVAL "date" likewise ("... : a deal is closed after it was
    registered"), with the other dates in order. History entered after
    the fact registers the deal with its own past "on" first. A deal
    whose registration date the lookups do not know bounds nothing, and
    evolve folds a log written before the rule as it is.

    Text is trimmed of surrounding ASCII whitespace; an empty optional
    field is the same as an absent one. Every decided event's payload
    holds "id" (the aggregate) and, when facts->today is set, "on" (the
    business date), which evolve keeps as `touched`.
*/
#ifndef BIDDING_DECIDER_H
#define BIDDING_DECIDER_H

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_decide.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  ---- limits ---- */
#define BID_ID_MAX 64                     /* an id (bytes)                        */
#define BID_NAME_MAX 200                  /* names, titles, descriptions          */
#define BID_SHORT_MAX 100                 /* numbers, codes, owners               */
#define BID_NOTE_MAX 4000                 /* free text, may span lines            */
#define BID_AMOUNT_MAX 1000000000000000LL /* minor units: 10^13 yuan              */
#define BID_QTY_MAX 1000000000LL          /* units on one quote line              */
#define BID_BP_FULL 10000                 /* 100% in basis points                 */
#define BID_DATES 7                       /* key dates of a tender                */
#define BID_PARTS_MAX 16                  /* parts of one bid document            */
#define BID_CLARS_MAX 100                 /* clarifications on one tender         */
#define BID_BIDDERS_MAX 30                /* bidders read out at one opening      */
#define BID_LINES_MAX 200                 /* lines on one quote                   */
#define BID_MILESTONES_MAX 12             /* payment milestones of one contract   */
#define BID_INVOICES_MAX 200              /* invoices against one contract        */
#define BID_PAYMENTS_MAX 1000             /* payments against one contract        */
#define BID_RANK_MAX 100                  /* the lowest rank read out             */
#define BID_PAYMENT_DAYS_MAX 365          /* a contract's credit term             */

/*  ---- default tables (stable codes; NULL-terminated lists) ---- */

/*  Tender types (DOMAIN §5): public invited competitive_negotiation
    single_source. */
extern const char *const bid_tender_types[];

/*  The tender's key dates, in the order they must fall (each set date no
    earlier than the one before it that is set): notice_date
    prequalification_date document_sale_date site_visit_date
    clarification_deadline submission_deadline opening_date. */
extern const char *const bid_date_keys[BID_DATES + 1];

/*  Bid / no-bid: bid no_bid. */
extern const char *const bid_decisions[];

/*  A bid document part's status, in order: not_started in_progress
    ready. Only "ready" lets a bid be submitted. */
extern const char *const bid_part_statuses[];

/*  Envelopes of an opening: single (a one-envelope tender), technical
    and price (a two-envelope tender, technical first). */
extern const char *const bid_envelopes[];

/*  Award results: won lost. */
extern const char *const bid_results[];

/*  Payment milestone kinds (DOMAIN §7): advance delivery installation
    acceptance retention. Retention (质保金) is held until the warranty
    ends: it cannot be invoiced before the contract's warranty_end. */
extern const char *const bid_milestone_kinds[];

/*  One procurement step (DOMAIN §5). Steps happen in table order; an
    `optional` step may be skipped; a step with `by` is reached only by
    that decider (the submission, the opening, the award), the others by
    bid_tender_step_advance. */
typedef struct {
    const char *code; /* stable code                                  */
    bool optional;    /* may be skipped                               */
    const char *by;   /* the command that reaches it, NULL: "advance" */
    const char *name; /* for people: "bid submission with bid bond"   */
} bid_step_t;

/*  Defaults, in order: notice (where a tender starts),
    prequalification (optional), documents_issued, site_visit (optional:
    site visit and clarifications), submission (by "submit"), opening (by
    "record_opening"), evaluation (optional), award (by "award"),
    contract (only after a won award). Ends with code NULL. */
extern const bid_step_t bid_default_steps[];

/*  A part of the bid document (投标书). */
typedef struct {
    const char *code;     /* stable code                            */
    bool required;        /* must be ready before submission         */
    const char *contents; /* what it holds                           */
} bid_part_kind_t;

/*  Defaults: commercial (bid letter, authorisation, bond,
    qualifications), technical (solution, specifications, samples,
    drawings, plan), price (price schedule) - all required; samples
    (optional). Ends with code NULL. */
extern const bid_part_kind_t bid_default_parts[];

/*  A pricing approval level: who may approve a quote whose largest line
    discount is at most max_discount_bp. Levels are ordered, each
    allowing more than the one before; the last should allow
    BID_BP_FULL. facts->authority is an index into them. */
typedef struct {
    const char *code;    /* salesperson manager director  */
    int max_discount_bp; /* the deepest discount allowed  */
} bid_approval_level_t;

/*  Defaults: salesperson up to 1000 bp (10%), manager up to 2000 bp
    (20%), director up to 10000 bp. */
extern const bid_approval_level_t bid_default_levels[];
#define BID_DEFAULT_NLEVELS 3

/*  Everything an operator may change without a code change. */
typedef struct {
    const bid_step_t *steps;            /* ends with code NULL          */
    const bid_part_kind_t *parts;       /* ends with code NULL          */
    const bid_approval_level_t *levels; /* nlevels entries, ordered     */
    size_t nlevels;                     /* at least 1                   */
} bid_config_t;
extern const bid_config_t bid_default_config;

/*  A configuration made from the operator's settings (dbk_config.h):
    limits (DEALBOOK_APPROVAL_LIMITS, "10,20": the deepest discount in
    percent a salesperson, then a manager may approve, each above 0 and at
    most 100 with at most two decimals, the manager's deeper) and parts
    (DEALBOOK_BID_PARTS: codes of 1 to BID_PART_CODE_MAX lowercase
    letters, digits or '_', comma-separated, '?' after an optional one,
    each once, at most BID_PARTS_MAX), NULL or "" for the defaults. 0 with
    *out (the caller's, freed by bid_config_free); DBK_EINVAL with *bad
    the variable that is malformed and why what is wrong in it;
    DBK_ENOMEM. */
#define BID_PART_CODE_MAX 32
int bid_config_parse (const char *limits, const char *parts, bid_config_t **out, const char **bad,
                      char *why, size_t whysz);
void bid_config_free (bid_config_t **cfg_p);

/*  ---- facts ---- */

/*  What the shell knows of a reference. A closed one takes no new work;
    BID_REF_WON tells, among them, what a contract may follow. */
typedef enum {
    BID_REF_MISSING = 0, /* unknown                                        */
    BID_REF_ACTIVE,      /* exists and takes new work                      */
    BID_REF_CLOSED,      /* closed otherwise: a deal lost, abandoned or    */
                         /* a duplicate; an account archived or merged;    */
                         /* a tender awarded lost                          */
    BID_REF_WON          /* closed as won: a deal won, a tender awarded won */
} bid_ref_t;

/*  Lookups into the shell's projections (opportunity.* and account.*
    events, and its own tenders). A NULL function: every id is missing. */
typedef struct {
    bid_ref_t (*opportunity) (void *ctx, const char *id);
    bid_ref_t (*account) (void *ctx, const char *id);
    bid_ref_t (*tender) (void *ctx, const char *id);
    void *ctx; /* passed back to each */
    /*  the deal's currency into out (NUL-terminated); false, or a NULL
        function: unknown, and not checked */
    bool (*currency) (void *ctx, const char *id, char out[4]);
    /*  tender id's deal into opp and its currency into cur (both
        NUL-terminated); false, or a NULL function: unknown, and not
        checked */
    bool (*tender_terms) (void *ctx, const char *id, char opp[BID_ID_MAX + 1], char cur[4]);
    /*  tender id's award when it was won: its date into date
        (NUL-terminated) and the amount won into amount; false, or a
        NULL function: not awarded won, or unknown, and not checked */
    bool (*tender_award) (void *ctx, const char *id, char date[11], int64_t *amount);
    /*  is deal id lost through the award of one of its tenders (an
        opportunity.lost naming a tender, not reopened since)? false, or
        a NULL function: no */
    bool (*lost_by_award) (void *ctx, const char *id);
    /*  tender id's bid when it was submitted: the quote it names into
        quote and the submission's date into date (both NUL-terminated);
        false, or a NULL function: not submitted, or unknown, and not
        checked */
    bool (*tender_bid) (void *ctx, const char *id, char quote[BID_ID_MAX + 1], char date[11]);
    /*  the contract signed already under `number`, compared as
        bid_number_key does, into id (NUL-terminated); false, or a NULL
        function: none, and not checked */
    bool (*contract_number) (void *ctx, const char *number, char id[BID_ID_MAX + 1]);
    /*  deal id's win (opportunity.won): its date into date
        (NUL-terminated) and the amount won into amount; false, or a
        NULL function: not won, or unknown, and not checked */
    bool (*deal_won) (void *ctx, const char *id, char date[11], int64_t *amount);
    /*  the day deal id was registered (its opportunity.registered's
        "on") into date (NUL-terminated); false, or a NULL function:
        unknown, and nothing is bounded by it */
    bool (*registered) (void *ctx, const char *id, char date[11]);
} bid_lookup_t;

typedef struct {
    const char *today;          /* business date YYYY-MM-DD, stamped "on"; NULL: none */
    const char *actor;          /* who acts (approver in approval events)             */
    int authority;              /* the actor's approval level: an index into          */
                                /* config levels; -1: may approve nothing             */
    const bid_lookup_t *lookup; /* references                                         */
    const bid_config_t *config; /* NULL: bid_default_config                           */
} bid_facts_t;

/*  ---- tender state ---- */

struct bid_quote; /* a quote's state, below */

typedef struct {
    char *code;   /* config parts code                 */
    char *owner;  /* who writes it, NULL: unassigned   */
    char *due;    /* YYYY-MM-DD, NULL: none            */
    char *status; /* bid_part_statuses                 */
} bid_part_t;

typedef struct {
    unsigned no;       /* 1, 2, ... within the tender     */
    char *question;    /* what we asked                   */
    char *asked_on;    /* YYYY-MM-DD                      */
    char *answer;      /* NULL: not answered yet          */
    char *answered_on; /* YYYY-MM-DD                      */
} bid_clar_t;

typedef struct {
    char *bidder;  /* name as read out                  */
    int64_t price; /* when has_price                    */
    bool has_price;
    int rank; /* 1 = best, 0: not ranked          */
    bool us;  /* our own bid                      */
} bid_bidder_t;

/*  A tender. Zero-initialise (or bid_tender_init), fold events with
    bid_tender_evolve, free with bid_tender_reset. Strings owned; NULL:
    not set. */
typedef struct {
    bool exists;                     /* tender.opened was folded                      */
    char *id;                        /* aggregate id (stream tender-<id>)             */
    char *opportunity_id;            /* the deal it is for                            */
    char *number;                    /* the tender number (招标编号)                  */
    char *issuer;                    /* issuing party / tendering agency              */
    char *account_id;                /* the customer account, NULL: not given         */
    char *type;                      /* bid_tender_types                              */
    char *title;                     /* what is tendered                              */
    char *currency;                  /* ISO 4217 of the bid                           */
    int envelopes;                   /* 1 or 2                                        */
    int64_t bond_required;           /* bid bond asked for, 0: none                   */
    char *dates[BID_DATES];          /* per bid_date_keys                             */
    char *step;                      /* current step code                             */
    char *step_on;                   /* YYYY-MM-DD it was reached, NULL: at notice    */
    char *touched;                   /* date of the last event ("on")                 */
    char *decision;                  /* bid_decisions, NULL: not decided              */
    char *decision_reason;           /* why                                           */
    int64_t bond_amount;             /* issued bond, 0: none                          */
    char *bond_issued_on;            /* YYYY-MM-DD                                    */
    char *bond_returned_on;          /* YYYY-MM-DD, NULL: still out                   */
    bid_part_t parts[BID_PARTS_MAX]; /* parts set so far                       */
    size_t nparts;
    bid_clar_t clars[BID_CLARS_MAX];
    size_t nclars;
    char *quote_id;                        /* the submitted quote                           */
    unsigned quote_revision;               /* its revision at submission                    */
    int64_t bid_amount;                    /* its total                                     */
    char *submitted_on;                    /* YYYY-MM-DD, NULL: not submitted               */
    bool technical_opened;                 /* two envelopes: the technical one was opened   */
    bool price_opened;                     /* the prices were read out                      */
    char *technical_on;                    /* YYYY-MM-DD the technical envelope was opened  */
    char *prices_on;                       /* YYYY-MM-DD the prices were read out           */
    bid_bidder_t bidders[BID_BIDDERS_MAX]; /* the last opening read out        */
    size_t nbidders;
    int our_rank;          /* 0: not ranked                                 */
    char *result;          /* bid_results, NULL: not awarded                */
    char *award_date;      /* YYYY-MM-DD                                    */
    int64_t award_amount;  /* won: the contract amount                      */
    char *winner;          /* lost: who won                                 */
    int64_t winning_price; /* lost: their price, 0: unknown                 */
    char *award_reason;    /* why                                           */
} bid_tender_t;

void bid_tender_init (bid_tender_t *self);
/*  Free every owned string and zero the struct (safe twice). */
void bid_tender_reset (bid_tender_t *self);

/*  Index of step `code` in cfg's steps, or -1. cfg NULL: defaults. */
int bid_step_index (const bid_config_t *cfg, const char *code);

/*  The part `code` of the tender, or NULL (borrowed). */
const bid_part_t *bid_tender_part (const bid_tender_t *t, const char *code);

/*  ---- tender deciders ---- */

/*  A deal closed without a win (lost, abandoned, closed as a duplicate:
    BID_REF_CLOSED through facts->lookup->opportunity) takes no new bid
    work until it is reopened (a duplicate is not: the work goes on with
    the deal kept): its tenders refuse, with EREJECTED "id"
    ("opportunity O of tender T is closed ...: reopen it first") and
    nothing decided, their key dates, steps (but the contract step),
    clarifications, the bond's issue, a "bid" decision, the bid
    document's parts, the submission and a won award (but on a deal lost
    through the award of another of its tenders, see bid_tender_award);
    its tenders'
    quotes refuse their creation (on "tender_id"), lines, submission,
    approval and a request for changes (on "id": the deal found through
    facts->lookup->tender_terms). What records how the tender ended
    still goes in: the opening read out (the bid went in while the deal
    was open; a lost award needs it), a lost award, the bond back, a
    no_bid decision, a quote's rejection (it leaves the approver's
    queue). The deal is asked about after the command's fields and its
    aggregate's existence. A won deal stops nothing: it cannot be
    reopened, a tender may still be the formality to go through once
    the customer chose us, and the contract phase follows the win (as
    do invoices and payments, which never look at the deal). Nor does a
    deal the lookups do not know. */

/*  Open tender `id` (stream tender-<id>) for an opportunity. cmd keys:
    opportunity_id, number, issuer, type (bid_tender_types), currency
    (required); title, account_id, envelopes (1 or 2, default 1),
    bond_required (money, default 0), and any of bid_date_keys
    (optional). The tender starts at the first step (notice). Decides
    tender.opened {id, opportunity_id, number, issuer, type, currency,
    envelopes, step, bond_required, given optional keys, on}.
    Rejections: EINVAL (any field; "id" malformed; a key date before an
    earlier one names the later key); EDUPLICATE "id" exists;
    ENOTFOUND "opportunity_id" / "account_id" unknown; EREJECTED
    "opportunity_id" when the opportunity is closed. */
int bid_tender_open (dbk_decision_t *d, const bid_tender_t *t, const char *id, const dbk_obj_t *cmd,
                     const bid_facts_t *facts);

/*  Set or move key dates. cmd keys: any of bid_date_keys (at least one).
    The dates, with those already set, must fall in bid_date_keys order.
    Decides tender.dates_set {id, the changed keys, on} or nothing.
    Rejections: EINVAL (no date given: field NULL; order: the later
    key); ENOTFOUND "id"; EREJECTED "id" awarded, or its deal closed
    without a win. */
int bid_tender_dates_set (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                          const bid_facts_t *facts);

/*  Move to a later procurement step that has no decider of its own.
    cmd keys: step (required, a config step), date (optional, default
    today). Every step between the current one and `step` must be
    optional; no step goes back. "contract" needs a won award. Decides
    tender.step_advanced {id, from, step, date?, on}.
    Rejections: EINVAL "step" unknown code (lists them); EINVAL "date"
    after the business date; ENOTFOUND "id";
    EREJECTED "step": the tender is at or past it, a required step lies
    between (names it: "the next step is documents_issued"), or the step
    is reached by its own command (names it), or contract without a won
    award; EREJECTED "id" awarded, or its deal closed without a win
    (except the contract step); EINVAL "date" before the current step
    was reached ("dates", above). */
int bid_tender_step_advance (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                             const bid_facts_t *facts);

/*  Ask the tenderer a question (答疑). cmd keys: question (required).
    Decides tender.clarification_asked {id, no (1, 2, ...), question,
    on} (asked on "on"). Rejections: EINVAL; ENOTFOUND "id";
    EREJECTED "id" awarded, its deal closed without a win, or
    submitted; EREJECTED "clarification_deadline" when today is after
    it; EREJECTED "question" at BID_CLARS_MAX. */
int bid_tender_clarification_ask (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                                  const bid_facts_t *facts);

/*  Record the answer. cmd keys: no (required, integer), answer
    (required), date (optional, default today: when it came). Decides
    tender.clarification_answered {id, no, answer, date?, on}.
    Rejections: EINVAL ("date" after the business date); ENOTFOUND
    "id" / "no"; EDUPLICATE
    "no" answered already; EREJECTED "id" awarded, or its deal closed
    without a win; EINVAL "date" before the question was asked. */
int bid_tender_clarification_answer (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                                     const bid_facts_t *facts);

/*  The bid bond (投标保证金) is issued. cmd keys: amount (required, > 0),
    date (optional, default today), form (optional text: cash,
    bank guarantee...). Decides tender.bond_issued {id, amount, date?,
    form?, on}. Rejections: EINVAL ("date" after the business date);
    ENOTFOUND "id"; EDUPLICATE "amount" while a bond is out; EREJECTED
    "amount" below bond_required; EREJECTED "id" awarded, or its deal
    closed without a win. */
int bid_tender_bond_issue (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                           const bid_facts_t *facts);

/*  The bond came back. cmd keys: date (optional, default today), note
    (optional). Allowed after the award too, and whatever became of
    the deal. Decides tender.bond_returned
    {id, amount, date?, note?, on}. Rejections: EINVAL ("date" after
    the business date); ENOTFOUND "id"; EREJECTED "bond" when no bond
    is out; EINVAL "date" before the bond was issued. */
int bid_tender_bond_return (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                            const bid_facts_t *facts);

/*  Bid / no-bid. cmd keys: decision (bid_decisions), reason (both
    required). May change until the bid is submitted. Decides
    tender.bid_decided {id, decision, reason, from?, on}.
    Rejections: EINVAL; ENOTFOUND "id"; EREJECTED "id" awarded;
    EREJECTED "id" deciding "bid" while the deal is closed without a
    win (no_bid still goes in: it records why we stay out);
    EREJECTED "decision" after submission. */
int bid_tender_decide_bid (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                           const bid_facts_t *facts);

/*  Assign a bid document part. cmd keys: part (required, config parts),
    owner (required), due (optional date). A new part starts
    not_started; an assigned one keeps its status. Decides
    tender.part_set {id, part, owner, due?, status, on}, or nothing when
    unchanged. Rejections: EINVAL ("part" lists the codes); ENOTFOUND
    "id"; EREJECTED "id" awarded, its deal closed without a win, or
    submitted. */
int bid_tender_part_set (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                         const bid_facts_t *facts);

/*  Change a part's status. cmd keys: part, status (bid_part_statuses,
    both required). Decides tender.part_status_changed {id, part, from,
    status, on}, or nothing when unchanged. Rejections: EINVAL;
    ENOTFOUND "id" / "part" not assigned; EREJECTED "id" awarded, its
    deal closed without a win, or submitted. */
int bid_tender_part_status (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                            const bid_facts_t *facts);

/*  Submit the bid (投标) with quote `q` (the state of the quote named by
    cmd quote_id; an empty state if there is none). cmd keys: quote_id
    (required), date (optional, default today). Decides tender.submitted
    {id, quote_id, quote_revision, amount (the quote's total), currency,
    step, date?, on}. Checks, in order: EINVAL (any field; "date" after
    the business date); ENOTFOUND "id"; EREJECTED "id" awarded;
    EREJECTED "id" when the deal is lost, abandoned or closed as a
    duplicate (facts lookup: reopen it first; a won deal is no reason,
    see bid_tender_award); EREJECTED "submission" out of order
    (submitted already, or a required step before it not reached);
    EINVAL "date" (else today) before the current step was reached, or
    before the bond that is out was issued; EREJECTED "decision"
    unless decided "bid"; EREJECTED
    "submission_deadline" when the date (else today) is after it;
    EREJECTED "parts" while required parts are not ready (the message
    lists each:
    "technical (in_progress), price (not assigned)"); EREJECTED "bond"
    when bond_required and no bond is out;
    ENOTFOUND "quote_id" if q is not that quote; EREJECTED "quote_id"
    when the quote is for another tender, in another currency, or not
    approved (the message says its status). */
int bid_tender_submit (dbk_decision_t *d, const bid_tender_t *t, const struct bid_quote *q,
                       const dbk_obj_t *cmd, const bid_facts_t *facts);

/*  Record what the opening read out (开标). cmd keys: envelope
    (bid_envelopes: "single" for a one-envelope tender, default;
    "technical" then "price" for two envelopes), date (optional, default
    today), bidders (required array, 1..BID_BIDDERS_MAX maps {bidder
    (required text), price (money; required except in the technical
    envelope), rank (1..BID_RANK_MAX; required except in the technical
    envelope; distinct), us (bool: our bid; at most one)}). Decides
    tender.opening_recorded {id, envelope, step ("opening"), bidders (as
    given, trimmed), our_rank?, our_price?, date?, on}. The step never
    goes back: a price envelope opened once the tender moved on to
    evaluation carries (and leaves) that later step.
    Rejections: EINVAL ("bidders" for a malformed entry, naming it; a
    rank twice; two entries marked us; "date" after the business date);
    ENOTFOUND "id"; EREJECTED "id"
    awarded (not for a deal closed meanwhile: the opening records what
    was read out of a bid that went in); EREJECTED "opening" when not
    submitted (out of order) or the envelope was opened already;
    EREJECTED "envelope" when it does not fit the tender (price before
    technical, single on two envelopes...); EINVAL "date" before the
    submission, or (the price envelope) before the technical one. */
int bid_tender_opening_record (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                               const bid_facts_t *facts);

/*  The award (中标公示). cmd keys: result (required, bid_results), date
    (required); won: amount (money, default our bid amount); lost: winner
    (required text), winning_price (money), reason (required for lost,
    optional for won). Decides tender.awarded, the event the
    opportunities service reacts to (opp_react_award): {id, tender_id,
    opportunity_id, result, date, step ("award"), on; won: amount, currency; lost:
    winner, reason, winning_price?, price_gap? (winning price minus our
    bid amount, when both are known); reason? on won}.
    Rejections: EINVAL ("date" after the business date: an award is
    dated when it was announced); ENOTFOUND "id"; EDUPLICATE "id"
    awarded already; EREJECTED "id" when the deal is lost, abandoned or
    closed as a duplicate (reopen it first), a won award unless the deal
    was lost through the award of another of its tenders
    (facts->lookup->lost_by_award): lots of one deal, or a re-tender, may
    end one lost and one won, and the tender's own award wins the deal
    whichever reached the log first (the opportunities service reopens
    and wins it); a loss recorded by hand stays a person's decision. A
    won deal is no reason:
    the award of this tender is what wins it, through the opportunities
    service's reaction, after which the tender takes no submission nor
    award anyway; a deal won otherwise cannot be reopened, and the
    tender still records its award (the reaction leaves the deal as it
    is);
    EREJECTED "award" before the opening (out of order: names the next
    step; the opening needs a submitted bid, so a won award always has
    our bid amount); EINVAL "date" before the step the tender is at
    (the opening, or the evaluation) was reached, before an envelope
    was opened, or before the deal was registered; EINVAL "winner" / "winning_price" on a won award,
    "amount" on a lost one. */
int bid_tender_award (dbk_decision_t *d, const bid_tender_t *t, const dbk_obj_t *cmd,
                      const bid_facts_t *facts);

/*  Fold one event of stream tender-<id>. Unknown types are ignored (0).
    Returns 0, DBK_EMALFORMED if a known event lacks a field it must
    have, DBK_ENOMEM. */
int bid_tender_evolve (bid_tender_t *t, const char *type, const dbk_obj_t *data);

/*  ---- quote state ---- */

typedef enum {
    BID_QUOTE_NONE = 0,  /* no such quote                                 */
    BID_QUOTE_DRAFT,     /* being priced (also after changes_requested)   */
    BID_QUOTE_SUBMITTED, /* waiting for approval                          */
    BID_QUOTE_APPROVED,  /* approved at `approved_revision`               */
    BID_QUOTE_REJECTED   /* refused: change it and submit it again        */
} bid_quote_status_t;

typedef struct {
    unsigned no;        /* 1, 2, ... within the quote, never reused   */
    char *product_code; /* our product code                           */
    char *description;  /* what it is                                 */
    int64_t quantity;   /* whole units                                */
    int64_t list_price; /* per unit, minor units                      */
    int discount_bp;    /* 0..10000                                   */
    int64_t unit_price; /* list_price less the discount, rounded      */
    int64_t cost_price; /* per unit, when has_cost                    */
    bool has_cost;
} bid_line_t;

/*  A quote. Zero-initialise, fold with bid_quote_evolve, free with
    bid_quote_reset. */
typedef struct bid_quote {
    bid_quote_status_t status;
    char *id;           /* aggregate id (stream quote-<id>)             */
    char *tender_id;    /* the tender it prices                         */
    char *currency;     /* ISO 4217                                     */
    char *title;        /* optional                                     */
    char *touched;      /* date of the last event                       */
    unsigned revision;  /* bumped by every change of the lines          */
    unsigned last_line; /* the highest line number given                */
    bid_line_t lines[BID_LINES_MAX];
    size_t nlines;
    char *required_level;       /* code of the level the last submission needs  */
    char *approver;             /* who approved / rejected / asked for changes: */
                                /* the verdict on the current lines, NULL once  */
                                /* a line changed or it was submitted again     */
    unsigned approved_revision; /* revision approved, 0: none (as approver)     */
    char *verdict_note;         /* the approver's note or reason (as approver)  */
    bool changes_asked;         /* changes requested, no line changed since     */
} bid_quote_t;

void bid_quote_init (bid_quote_t *self);
void bid_quote_reset (bid_quote_t *self); /* free and zero (safe twice) */

/*  A quote's figures, computed (never stored). */
typedef struct {
    int64_t list_total;            /* Σ quantity × list_price                       */
    int64_t total;                 /* Σ quantity × unit_price: the quoted amount    */
    int64_t cost_total;            /* Σ quantity × cost_price (when cost_known)     */
    bool cost_known;               /* every line has a cost price (and one is)      */
    int64_t margin;                /* total - cost_total (when cost_known)          */
    int64_t margin_bp;             /* margin / total, bp rounded (0: total 0); a    */
                                   /* cost over 9.2 x 10^14 times the total is      */
                                   /* below any int64: INT64_MIN then               */
    int64_t discount_bp;           /* (list_total - total) / list_total, bp rounded */
    int max_discount_bp;           /* the deepest line discount_bp, as typed        */
    int max_effective_discount_bp; /* the deepest line's bid_effective_bp: what     */
                                   /* approval needs                                */
} bid_totals_t;

void bid_quote_totals (const bid_quote_t *q, bid_totals_t *out);

/*  The index of the first config level whose max_discount_bp covers
    discount_bp (the last level when none does). cfg NULL: defaults.
    A quote's approval passes it max_effective_discount_bp. */
int bid_required_level (const bid_config_t *cfg, int discount_bp);

/*  unit price = list_price less discount_bp of it, the discount rounded
    half up; exact for every list_price up to BID_AMOUNT_MAX. */
int64_t bid_unit_price (int64_t list_price, int discount_bp);

/*  A line's effective discount: 1 - unit_price / list_price in basis
    points, rounded up, exact (integer arithmetic) for any int64. The
    unit price is rounded to the minor unit, so the discount given may
    be deeper than discount_bp (3 at 20%: 0.6 off rounds to 1, 33.34%)
    or vanish (3 at 10%: 0.3 rounds to 0). Rounded up, it is above a
    limit of whole basis points exactly when the discount given is:
    approval is decided from it. 0 when list_price <= 0 or unit_price
    >= list_price; BID_BP_FULL when unit_price <= 0. */
int bid_effective_bp (int64_t list_price, int64_t unit_price);

/*  ---- quote deciders ---- */

/*  An awarded tender's quotes (won or lost: BID_REF_WON or
    BID_REF_CLOSED through facts->lookup->tender) take no new pricing
    work: a quote is priced for a bid (DOMAIN §5), and once the award
    decided the bid the quote is its history (the tender's submission
    names it and its revision). Its creation (on "tender_id"), lines,
    submission, approval and a request for changes are refused with
    EREJECTED "id" ("tender T was awarded (won): its quotes are the
    history of its bid and take no new pricing work"), nothing decided,
    before the deal is asked about; a rejection still goes in: it ends
    an approval still pending, and takes the quote off the approver's
    queue. A tender the lookups do not know refuses nothing.

    The quote a tender's bid was submitted with (facts->lookup->
    tender_bid) is frozen from the submission on, before the award: the
    bid went in at that price (tender.submitted records its revision and
    total as bid_amount), and a change would put the quote back to draft
    while the tender still names it. Its lines, a new submission for
    approval, an approval and a request for changes are refused with
    EREJECTED "id" ("quote Q was submitted in the bid of tender T on D:
    it is the price of that bid and can no longer change"), nothing
    decided, after the award's refusal and before the deal is asked
    about. A bid, once in, is not taken back (no_bid is refused after
    the submission), so the freeze lasts: the quote is the bid's history
    whatever becomes of the tender and the deal. The tender's other
    quotes are not frozen by it. */

/*  Create quote `id` (stream quote-<id>) for a tender. cmd keys:
    tender_id, currency (required), title (optional). Decides
    quote.created {id, tender_id, currency, title?, on}.
    Rejections: EINVAL; EDUPLICATE "id"; ENOTFOUND "tender_id" unknown
    (facts lookup); EREJECTED "tender_id" awarded (won or lost), or its
    deal closed without a win; EINVAL "currency" other than the
    tender's (facts lookup tender_terms; the message names it): the
    submission takes only a quote in the tender's currency. */
int bid_quote_create (dbk_decision_t *d, const bid_quote_t *q, const char *id, const dbk_obj_t *cmd,
                      const bid_facts_t *facts);

/*  Add a line. cmd keys: product_code, quantity (1..BID_QTY_MAX),
    list_price (required); description, discount_bp (0..10000, default
    0), cost_price (optional). quantity × list_price may not exceed
    BID_AMOUNT_MAX, nor the quote's total. Decides quote.line_added {id,
    line (its number), product_code, quantity, list_price, discount_bp,
    unit_price, description?, cost_price?, revision (the new one), on}.
    A change to an approved or submitted quote sends it back to draft:
    it needs approval again. Rejections: EINVAL; ENOTFOUND "id";
    EREJECTED "id" when its tender was awarded, it is the quote its
    tender's bid was submitted with, or its tender's deal is closed
    without a win; EREJECTED "line" at BID_LINES_MAX; EINVAL
    "quantity" when the line or the list total is too large,
    "cost_price" when quantity × cost_price is. */
int bid_quote_line_add (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                        const bid_facts_t *facts);

/*  Replace a line. cmd keys: line (required number) and as add.
    Decides quote.line_changed {id, line, the line's fields, revision,
    on}, or nothing when the line is the same. Rejections: as add;
    ENOTFOUND "line". */
int bid_quote_line_change (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                           const bid_facts_t *facts);

/*  Remove a line. cmd keys: line (required). Decides quote.line_removed
    {id, line, revision, on}. Rejections: EINVAL; ENOTFOUND "id" /
    "line"; EREJECTED "id" when its tender was awarded, it is the quote
    its tender's bid was submitted with, or its tender's deal is closed
    without a win. */
int bid_quote_line_remove (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                           const bid_facts_t *facts);

/*  Ask for pricing approval. cmd keys: note (optional). Decides
    quote.submitted {id, revision, total, max_discount_bp,
    max_effective_discount_bp, required_level (code), note?, on}: the
    level is the one the deepest effective line discount needs (the
    rounded unit price's, bid_effective_bp), not the discount typed.
    Rejections: EINVAL; ENOTFOUND
    "id"; EREJECTED "id" when its tender was awarded, it is the quote
    its tender's bid was submitted with, or its tender's deal is closed
    without a win; EREJECTED "lines" with no line;
    EREJECTED "id" when submitted or approved already, or rejected or
    sent back for changes and unchanged since (the first change of its
    lines makes it a draft that may be submitted). */
int bid_quote_submit (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                      const bid_facts_t *facts);

/*  The approver's verdict on a submitted quote. Each needs facts->actor
    and facts->authority at or above the level the submission requires,
    and at or above the one the quote's deepest effective line discount
    needs under cfg when that is higher (a submission recorded before
    approval followed the effective discount, or limits tightened
    since): no verdict goes below the limits for the price given.
      approve: cmd keys: note (optional). Decides quote.approved {id,
               revision, approver, level (the actor's code), note?, on}.
      reject:  cmd keys: reason (required). Decides quote.rejected {id,
               revision, approver, level, reason, on}.
      request_changes: cmd keys: note (required). Decides
               quote.changes_requested {id, revision, approver, level,
               note, on}; the quote is a draft again.
    Rejections: EINVAL; ENOTFOUND "id"; EREJECTED "id" (approve and
    request_changes, not reject) when its tender was awarded, it is the
    quote its tender's bid was submitted with, or its tender's deal is
    closed without a win; EREJECTED "id" unless
    submitted; EREJECTED "actor" without an actor, or when the actor's
    authority is below the required level (the message names the level
    needed and the effective discount). */
int bid_quote_approve (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                       const bid_facts_t *facts);
int bid_quote_reject (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                      const bid_facts_t *facts);
int bid_quote_request_changes (dbk_decision_t *d, const bid_quote_t *q, const dbk_obj_t *cmd,
                               const bid_facts_t *facts);

/*  Fold one event of stream quote-<id> (unknown types: 0). */
int bid_quote_evolve (bid_quote_t *q, const char *type, const dbk_obj_t *data);

/*  Contracts and their collection (contract-<id>) are in
    bidding_contract.h, which this header includes below. */

#ifdef __cplusplus
}
#endif

#include "bidding_contract.h" /* contracts, invoices, payments, receivables */
#endif
