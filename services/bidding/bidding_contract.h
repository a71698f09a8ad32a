/*  bidding_contract.h - the pure domain rules of contracts (合同的几个要素)
    and their collection (DOMAIN §7): the signed terms with their payment
    milestones, invoices and payments against each milestone, and the
    receivables on a date, retention (质保金) held until the warranty
    ends. Part of the contract of bidding_decider.h (which includes this
    header; its units, facts, rejections and dates hold here too), kept
    apart so that each header stays a manual one can read through.
*/
#ifndef BIDDING_CONTRACT_H
#define BIDDING_CONTRACT_H

#include "bidding_decider.h"

#ifdef __cplusplus
extern "C" {
#endif

/*  ---- contract state ---- */

typedef struct {
    unsigned no;      /* 1, 2, ... in the order signed               */
    char *kind;       /* bid_milestone_kinds                         */
    int64_t amount;   /* what falls due at it                        */
    char *due;        /* YYYY-MM-DD; retention: the warranty end      */
    int64_t invoiced; /* Σ invoices against it                       */
    int64_t paid;     /* Σ payments against it                       */
} bid_milestone_t;

typedef struct {
    char *no; /* invoice number, unique in the contract */
    unsigned milestone;
    int64_t amount;
    char *date; /* YYYY-MM-DD ("date", else "on"), NULL: undated */
} bid_invoice_t;

typedef struct {
    unsigned milestone; /* the milestone it pays                       */
    int64_t amount;     /* received                                     */
    char *date;         /* YYYY-MM-DD ("date", else "on"), NULL: undated */
} bid_payment_t;

/*  A contract. Zero-initialise, fold with bid_contract_evolve, free with
    bid_contract_reset. */
typedef struct {
    bool exists;
    char *id;             /* aggregate id (stream contract-<id>)        */
    char *number;         /* contract number                            */
    char *tender_id;      /* the tender it came from, or NULL           */
    char *opportunity_id; /* the deal                                   */
    char *buyer_id;       /* the customer account (party A, 甲方)       */
    char *seller;         /* our contracting entity (party B, 乙方)     */
    char *scope;          /* what is supplied                           */
    int64_t amount;       /* contract amount                            */
    char *currency;       /* ISO 4217                                   */
    char *signed_on;      /* YYYY-MM-DD                                 */
    char *delivery_date;  /* YYYY-MM-DD                                 */
    char *warranty_end;   /* YYYY-MM-DD                                 */
    char *penalties;      /* the penalty clauses                        */
    int payment_days;     /* credit term after a milestone falls due    */
    char *amount_reason;  /* why the amount differs from the award      */
    int64_t award_amount; /* its tender's award (else its deal's win),  */
                          /* when award_differs                         */
    bool award_differs;   /* the amount is not that award's (win's)     */
    char *touched;
    bid_milestone_t milestones[BID_MILESTONES_MAX];
    size_t nmilestones;
    bid_invoice_t invoices[BID_INVOICES_MAX];
    size_t ninvoices;
    int64_t invoiced;        /* Σ invoices   */
    int64_t paid;            /* Σ payments   */
    bid_payment_t *payments; /* every payment folded, in order (owned); */
    size_t npayments;        /* their dates say what was paid by when   */
    size_t payments_cap;
} bid_contract_t;

void bid_contract_init (bid_contract_t *self);
void bid_contract_reset (bid_contract_t *self); /* free and zero (safe twice) */

/*  ---- contract deciders ---- */

/*  Record signed contract `id` (stream contract-<id>). cmd keys:
    number, opportunity_id, buyer_id (an account), seller, scope,
    amount (> 0), currency, signed_on, milestones (required); tender_id,
    delivery_date, warranty_end, penalties, payment_days (0..365,
    default 0), amount_reason (note) optional. milestones: an array of
    1..BID_MILESTONES_MAX maps {kind (bid_milestone_kinds), amount (>
    0), due (date; a retention milestone's due is the warranty end and
    needs warranty_end)}, whose amounts add up to the contract amount
    exactly; none falls due before signed_on (a payment term runs from
    the signature: an earlier date is a typing error).
    Decides contract.signed {id, every given key, milestones as
    [{no, kind, amount, due?}], payment_days, award_amount?, on}.
    A contract follows a won award (签订合同 after 中标公示): with a
    tender_id, that tender must be awarded won and be for this deal;
    without one (a deal won without a tender, or recorded won by hand),
    the deal must be won. It is in the currency of that tender, else of
    the deal (when the lookups know it).
    Its amount is the award's, unless the contract says why not: an
    award is often negotiated further before the signature (scope,
    quantities, taxes, a lot split off), so a different amount is
    accepted with an amount_reason, and the award's amount is then
    recorded beside it (award_amount) for the difference to stay in
    sight; without a reason the difference is taken for a typing error
    and refused. A contract without a tender is compared the same way
    with the deal's win (bid_lookup_t deal_won: its amount, recorded as
    award_amount when it differs, and its date): a deal won by hand
    has no award, and its win is what the contract follows. A tender
    whose award, or a deal whose win, the lookups do not know, or one
    recorded without an amount, is not compared.
    Its number is no other contract's (facts->lookup->contract_number,
    compared as bid_number_key: a contract number identifies one
    contract with the customer, and invoices and payments are booked
    against it).
    Rejections: EINVAL ("signed_on" after the business date, or,
    once the tender is known, before the award of the tender it names
    (bid_lookup_t tender_award), or without a tender before the deal's
    win (deal_won); a milestone entry names "milestones"
    and says which; "milestones" when one falls due (its due, a
    retention's warranty_end) before signed_on, naming both dates;
    "milestones" when the sum differs from the amount, saying both; "warranty_end"
    before delivery_date or missing with a retention); EDUPLICATE
    "id"; ENOTFOUND "opportunity_id" / "buyer_id" / "tender_id";
    EREJECTED "buyer_id" archived or merged;
    EREJECTED "tender_id" not awarded yet, lost, or for another deal;
    EREJECTED "opportunity_id" (no tender) unless won; EREJECTED
    "currency" other than the tender's, else the deal's; EREJECTED
    "amount" other than the award's (without a tender: the win's)
    without an amount_reason (the message gives both amounts and the
    difference); EDUPLICATE "number"
    when another contract has that number (the message names it),
    asked last. */
int bid_contract_sign (dbk_decision_t *d, const bid_contract_t *c, const char *id,
                       const dbk_obj_t *cmd, const bid_facts_t *facts);

/*  Invoice a milestone. cmd keys: invoice (number), milestone (its no),
    amount (> 0), date (all required but date: default today). Decides
    contract.invoiced {id, invoice, milestone, amount, date?, on}.
    Rejections: EINVAL ("date" after the business date: an invoice is
    dated when it was issued); ENOTFOUND "id"; EINVAL "date" when the
    date (else the business date) is before the contract's signed_on,
    naming both; ENOTFOUND "milestone"; EDUPLICATE "invoice"; EREJECTED
    "amount" over what is left to invoice on the milestone (says how
    much is left); EREJECTED "milestone" retention before the warranty
    end; EREJECTED "invoice" at BID_INVOICES_MAX. */
int bid_contract_invoice (dbk_decision_t *d, const bid_contract_t *c, const dbk_obj_t *cmd,
                          const bid_facts_t *facts);

/*  A payment came in. cmd keys: milestone, amount (> 0) (required),
    date (default today), invoice (optional: a known invoice of that
    milestone). Decides contract.payment_received {id, milestone,
    amount, date?, invoice?, on}. Rejections: EINVAL ("date" after the
    business date: a payment is dated when it was received); ENOTFOUND
    "id"; EINVAL "date" before signed_on, as for an invoice; ENOTFOUND
    "milestone" / "invoice"; EREJECTED "amount" over what is left
    to collect on the milestone (hence never over the contract). */
int bid_contract_payment (dbk_decision_t *d, const bid_contract_t *c, const dbk_obj_t *cmd,
                          const bid_facts_t *facts);

/*  Fold one event of stream contract-<id> (unknown types: 0). */
int bid_contract_evolve (bid_contract_t *c, const char *type, const dbk_obj_t *data);

/*  ---- receivables ---- */

typedef enum {
    BID_RCV_SETTLED = 0, /* paid in full                                     */
    BID_RCV_UPCOMING,    /* not due yet (or no due date)                      */
    BID_RCV_RETAINED,    /* retention held until the warranty ends            */
    BID_RCV_DUE,         /* due, within the credit term                       */
    BID_RCV_OVERDUE      /* unpaid beyond due date + payment_days             */
} bid_rcv_status_t;

typedef struct {
    unsigned no;             /* the milestone                         */
    bid_rcv_status_t status; /* as of the date asked                  */
    int64_t invoiced;        /* Σ its invoices dated by then          */
    int64_t paid;            /* Σ its payments dated by then          */
    int64_t unpaid;          /* amount - paid                         */
    int64_t uninvoiced;      /* amount - invoiced                     */
    int days_overdue;        /* > 0 when overdue                      */
} bid_rcv_line_t;

typedef struct {
    int64_t amount;         /* the contract                               */
    int64_t invoiced;       /* Σ invoices dated by then                   */
    int64_t paid;           /* Σ payments dated by then                   */
    int64_t outstanding;    /* amount - paid                              */
    int64_t receivable;     /* unpaid of milestones due or overdue        */
    int64_t overdue;        /* unpaid of overdue milestones               */
    int64_t retention_held; /* unpaid retention before the warranty end   */
    int64_t upcoming;       /* unpaid of milestones not due yet           */
    size_t nlines;          /* one per milestone                          */
    bid_rcv_line_t lines[BID_MILESTONES_MAX];
} bid_receivables_t;

/*  What the customer owes on `as_of` (YYYY-MM-DD), a pure function of
    the contract. Only the invoices and payments dated on or before
    as_of count: one dated later had not happened then (as_of in the
    past; or, in a log written before the deciders bounded such a date
    by its business date, dated in the future), so a milestone paid
    after it fell due shows as overdue on the dates in between. An undated one (folded without a
    business date) counts on every date. A milestone with an unpaid
    amount (of what was paid by as_of) is: retained
    (retention while as_of is before its due, the warranty end),
    upcoming (no due date, or due later), due (due on or before as_of,
    at most payment_days ago) or overdue (days_overdue = as_of - due -
    payment_days > 0). Returns 0, or DBK_EINVAL when as_of is not a real
    date. */
int bid_receivables (const bid_contract_t *c, const char *as_of, bid_receivables_t *out);

/*  Days from date a to date b (b - a), or INT32_MIN unless both are
    real dates. */
int32_t bid_days_between (const char *a, const char *b);

/*  The key under which two contract numbers are the same number: NFKC
    and Unicode case folding (utf8proc), white space dropped, so that
    "HT-2026-7", "ht-2026-7", "HT - 2026 - 7" and the full-width
    "ＨＴ－２０２６－７" are one number, while every other character
    (dashes, slashes, dots) still tells two numbers apart: "HT-2026-17"
    is not "HT-20261-7". Returns a new NUL-terminated string, the
    caller's to free(), or NULL if [s, s+n) is not valid UTF-8, holds
    only white space, or memory runs out. */
char *bid_number_key (const char *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif
