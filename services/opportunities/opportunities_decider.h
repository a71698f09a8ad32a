/*  opportunities_decider.h - the pure domain rules of the opportunities
    service (DESIGN §2, DOMAIN §1-§4, §6-§7): project registration and its
    conflicts, the customer's procurement stage, the funnel level and its
    entry criteria, qualification, the stakeholder map and its red flags,
    needs, competitors, the six-step checklist, the forecast category, the
    outcome, and the reaction to the bidding service's award events.

    Nothing here does I/O. The service shell, as for contacts_decider.h:
      1. hands the command's fields over as a msgpack map (`cmd`, keys
         listed below; the service request's own keys v, rid, op, cmd,
         actor, corr and "id" are allowed and ignored);
      2. folds the stream "opportunity-<id>" with opp_evolve (or loads the
         state from its read model);
      3. fills an opp_facts_t with what a decider cannot know: the business
         date (`today`), who acts and whether a manager, the open
         opportunity a new registration matches, lookups into its
         projection of accounts, contacts and competitors, and the
         configuration (NULL: opp_default_config);
      4. calls the decider with a fresh or reset dbk_decision_t (deciders
         never generate ids or read clocks);
      5. appends the decided events (one stream, or more for conflicts)
         or replies with the one rejection.

    Every decider returns 0 when it decided events (possibly none: a
    change that changes nothing is a no-op) or the rejection's code, also
    recorded in the decision with a field name and a sentence:
      DBK_EINVAL     a field is missing, empty, of the wrong type, out of
                     range, not a real date, not one of the allowed values
                     (the message lists them), too long, not UTF-8, or the
                     map holds an unknown key; a date that records what
                     happened after the business date (see "Dates");
      DBK_ENOTFOUND  no such opportunity (field "id"), or an unknown
                     reference (account_id, contact_id, competitor_id, a
                     stakeholder not on the map...);
      DBK_EDUPLICATE it exists already (the opportunity, a stakeholder on
                     the map, a competitor on the deal, a ticked item, the
                     same owner registering the same project twice);
      DBK_EREJECTED  the state forbids it: any change to a closed deal
                     (won, lost, abandoned, closed as a duplicate) names
                     field "id"; a level move whose entry criterion is not
                     met names the criterion's code as field (e.g.
                     "coach") and says what is missing; a move down
                     without a reason names "reason"; someone else than
                     the owner or a manager names "actor".

    Text is trimmed of surrounding ASCII whitespace; an empty optional
    field is the same as an absent one, except in updates where "" or nil
    clears it. Every decided event's payload holds "id" (the opportunity)
    and, when facts->today is set, "on" (the business date): evolve keeps
    the latest "on" as `touched` (never an earlier one: a command entered
    late does not make the deal look forgotten; never one after the day
    the log recorded the event, see opp_evolve; and not that of a
    conflict event, which is no work of the owner's), so a query finds
    deals untouched longer than their level's limit (opp_touch_overdue).

    Dates. A date that records what happened is never after the business
    date (facts->today, the command's "on", itself at most today: a fact
    entered after the event carries its own, earlier, date): EINVAL on
    that field, "date (D) cannot be after on (ON), the business date",
    checked with the command's fields, before the deal is looked at.
    Such dates are: the "date" of a win, a loss, an abandonment, a
    checklist tick and a commitment, and a stakeholder's last_contact.
    Planned dates may lie ahead: close_date and a next step's due. The
    award reaction takes the award's date as the bidding service recorded
    it (bounded there), so that an award in an older log closes the deal
    as it did. Without a business date nothing is bounded.

    Nor is anything on a deal dated before the deal was registered
    (registered_on, its registration's "on"): a command on a deal whose
    business date is earlier is EINVAL "on", "on (D) cannot be before the
    registration of opportunity O (R)", once the deal is found (every
    command on a deal; not the award reaction, which takes the award as
    recorded); the "date" of a win, a loss and an abandonment is EINVAL
    on "date" likewise; a reopen's "on" is not before the loss or
    abandonment it reopens. A tick's or a commitment's date and a last
    contact may precede the registration: work on a lead starts before
    it is registered. History entered after the fact registers the deal
    with its own past "on" first; a deal whose registration has no "on"
    (appended by hand) bounds nothing, and a log written before these
    rules folds as it did.
*/
#ifndef OPPORTUNITIES_DECIDER_H
#define OPPORTUNITIES_DECIDER_H

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_decide.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  ---- limits ---- */
#define OPP_ID_MAX 64                     /* an id (bytes)                      */
#define OPP_NAME_MAX 200                  /* project name                       */
#define OPP_SHORT_MAX 100                 /* city, owner, team, region, ...     */
#define OPP_NOTE_MAX 4000                 /* free text, may span lines          */
#define OPP_AMOUNT_MAX 1000000000000000LL /* minor units: 10^13 yuan            */
#define OPP_STAKEHOLDERS_MAX 50           /* people on one stakeholder map      */
#define OPP_NEEDS_MAX 100                 /* needs recorded on one opportunity  */
#define OPP_COMPETITORS_MAX 20            /* competitors on one deal            */
#define OPP_TICKS_MAX 64                  /* checklist items ticked             */
#define OPP_AWARDS_MAX 16                 /* award events reacted to            */
#define OPP_CONFLICTS_MAX 32              /* open registration conflicts        */
#define OPP_CONFLICTS_HELD 64             /* kept by the fold: moves may pass MAX */
#define OPP_LEVELS 5                      /* L1..L5                             */
#define OPP_STAGES 6                      /* the customer's procurement stages  */
#define OPP_QUESTIONS 4                   /* qualification questions            */
#define OPP_SCORE_MAX 5                   /* each question scores 0..5          */

/*  ---- default tables (stable codes; NULL-terminated lists) ---- */

/*  The customer's procurement stages (DOMAIN §2), in order:
    need_discovery internal_deliberation requirement_design evaluation
    commitment implementation. */
extern const char *const opp_stages[];

/*  Project types: hospital airport metro hotel office residential
    industrial education government other. */
extern const char *const opp_project_types[];

/*  Buying roles (DOMAIN §1, per opportunity): decision_maker
    technical_evaluator user coach. */
extern const char *const opp_roles[];

/*  How a stakeholder sees the change we bring (Miller Heiman):
    growth trouble even_keel overconfident. */
extern const char *const opp_response_modes[];

/*  Forecast categories set by the owner: pipeline best_case commit
    omitted. */
extern const char *const opp_categories[];

/*  Kinds of needs (DOMAIN §4 step 3): organisational personal
    relationship. */
extern const char *const opp_need_kinds[];

/*  A competitor's position on the deal against us: ahead even behind
    unknown. */
extern const char *const opp_competitor_positions[];

/*  Qualification decisions: pursue hold drop. */
extern const char *const opp_decisions[];

/*  Commitment evidence for L5: award_notice verbal_commitment. */
extern const char *const opp_commitment_kinds[];

/*  The four qualification questions (DOMAIN §3), in order, with the
    question asked. Each is answered in a command as <key>_score (0..5)
    and <key>_evidence (text). */
typedef struct {
    const char *key;      /* real_project our_opportunity can_win worth_winning */
    const char *question; /* "Is it a real project? ..."                        */
} opp_question_t;
extern const opp_question_t opp_questions[OPP_QUESTIONS];

/*  Entry criteria a level may require. The set is closed (the code
    evaluates each against the state); which level requires which is
    configuration (opp_level_t.criteria).
      need_confirmed          an organisational need is recorded
      decision_maker_known    a stakeholder holds role decision_maker
      qualified_pursue        the last qualification decided "pursue"
      coach                   a stakeholder holds role coach
      decision_maker_supports a decision maker's attitude is known, >= 0
      commitment              an award notice or verbal commitment is
                              recorded (opp_commitment_record) */
typedef struct {
    const char *code;     /* as above, also the rejection's field          */
    const char *sentence; /* what is missing, for the rejection's message */
} opp_criterion_t;
extern const opp_criterion_t opp_criteria[]; /* ends with code NULL */

/*  A funnel level (DOMAIN §6). */
typedef struct {
    const char *code;            /* "L1".."L5"                                 */
    int probability;             /* win probability, percent                   */
    int max_days;                /* untouched longer than this: overdue        */
    const char *const *criteria; /* entry criteria (opp_criteria codes), NULL- */
                                 /* terminated; NULL: none                     */
    const char *meaning;         /* one line                                   */
} opp_level_t;

/*  Defaults: L1 10% 30 days (no criteria); L2 25% 30 days
    (need_confirmed, decision_maker_known); L3 50% 21 days
    (qualified_pursue); L4 75% 14 days (coach, decision_maker_supports);
    L5 90% 14 days (commitment). Won = 100, lost = 0. */
extern const opp_level_t opp_default_levels[OPP_LEVELS];

/*  A checklist item of the six-step sales method (DOMAIN §4). */
typedef struct {
    int step;         /* 1 plan .. 6 follow_up                        */
    const char *item; /* stable code, unique, e.g. "plan.account_researched" */
    const char *text; /* what to do                                   */
} opp_check_item_t;

/*  Defaults, two or three per step, ending with item NULL:
    plan.account_researched plan.project_info plan.visit_plan
    contact.first_visit contact.company_presented
    needs.organisational needs.personal needs.stakeholder_map
    solution.design solution.bid_submitted
    win.terms_agreed win.contract_signed
    follow.delivery follow.review. */
extern const opp_check_item_t opp_default_checklist[];

/*  Red flags (DOMAIN §1, after Miller Heiman), see opp_red_flags. */
typedef struct {
    const char *code;     /* stable code        */
    const char *sentence; /* what it means      */
} opp_red_flag_kind_t;
/*  qualification_hold qualification_drop no_decision_maker
    role_uncovered unknown_role unknown_attitude strong_opponent
    hostile_decision_maker no_coach no_decision_level single_threaded
    stale_contact; ends with code NULL. */
extern const opp_red_flag_kind_t opp_red_flag_kinds[];

/*  Everything an operator may change without a code change. */
typedef struct {
    const opp_level_t *levels;         /* OPP_LEVELS entries                 */
    const opp_check_item_t *checklist; /* ends with item NULL                */
    int protection_days;               /* first registrant's protection: 90  */
    int stale_contact_days;            /* red flag stale_contact after: 30   */
} opp_config_t;
extern const opp_config_t opp_default_config;

/*  A configuration made from the operator's settings (dbk_config.h):
    levels (DEALBOOK_FUNNEL_LEVELS, L1..L5 as "PROB:DAYS[:CRITERION+...]"
    comma-separated: win probability 0..100, days untouched 1..3650,
    opp_criteria codes; L1 takes none) and checklist (DEALBOOK_CHECKLIST,
    "STEP:ITEM:TEXT" separated by ';': step 1..6, item code of lowercase
    letters, digits, '.', '_', '-'), NULL or "" for the defaults; the
    protection and stale-contact days as dbk_config_load checked them
    (0..DBK_DAYS_MAX, 1..DBK_DAYS_MAX). 0 with *out (the caller's, freed
    by opp_config_free); DBK_EINVAL with *bad the variable that is
    malformed and why what is wrong in it ("L2: unknown entry criterion
    'frnd' ..."); DBK_ENOMEM. */
int opp_config_parse (const char *levels, const char *checklist, uint64_t protection_days,
                      uint64_t stale_contact_days, opp_config_t **out, const char **bad, char *why,
                      size_t whysz);

/*  The same from a service's configuration (the checklist too when
    `checklist`), why the line that refuses a malformed setting, naming
    it and its value (dbk_config_refuse): what a service's setup returns. */
int opp_config_from (const dbk_config_t *cfg, bool checklist, opp_config_t **out, char *why,
                     size_t whysz);
void opp_config_free (opp_config_t **cfg_p);

/*  A fingerprint of the levels' probabilities, which the read models
    fold into their figures: 0 for the defaults. */
uint32_t opp_config_fingerprint (const opp_config_t *cfg);

/*  cfg, or the defaults when NULL. */
const opp_config_t *opp_cfg_of (const opp_config_t *cfg);

/*  ---- state ---- */

typedef enum {
    OPP_NONE = 0,  /* no such opportunity (empty stream)                  */
    OPP_OPEN,      /* registered, in the funnel                           */
    OPP_WON,       /* won: read-only                                      */
    OPP_LOST,      /* lost: read-only until reopened                      */
    OPP_ABANDONED, /* abandoned: read-only until reopened                 */
    OPP_DUPLICATE  /* closed by a conflict resolution: read-only          */
} opp_status_t;

/*  One person on the stakeholder map (采购分析图). Strings owned. */
typedef struct {
    char *contact_id;    /* the contact                                    */
    char *role;          /* opp_roles, NULL: unknown                       */
    char *level;         /* contacts_levels (decision ...), NULL: unknown  */
    char *function;      /* contacts_functions, NULL: unknown              */
    char *relationship;  /* contacts_relationships, NULL: unknown          */
    char *response_mode; /* opp_response_modes, NULL: unknown              */
    char *last_contact;  /* YYYY-MM-DD, NULL: never                        */
    char *notes;         /* free text                                      */
    int attitude;        /* -2..+2 when attitude_known                     */
    bool attitude_known; /* false: attitude not assessed                   */
    int influence;       /* 1..5, 0 = not assessed                         */
} opp_stakeholder_t;

typedef struct {
    unsigned no;      /* 1, 2, ... within the opportunity */
    char *kind;       /* opp_need_kinds                   */
    char *contact_id; /* whose need (personal), or NULL   */
    char *text;       /* the need                         */
} opp_need_t;

typedef struct {
    char *competitor_id; /* the competitor (contacts service) */
    char *position;      /* opp_competitor_positions         */
    char *notes;         /* free text                        */
} opp_rival_t;

/*  A registration conflict still open: the other opportunity. */
typedef struct {
    char *id;    /* the other opportunity                       */
    char *owner; /* its owner when flagged (with_owner), or NULL */
} opp_conflict_t;

typedef struct {
    char *item; /* checklist code  */
    char *by;   /* who ticked it   */
    char *date; /* YYYY-MM-DD      */
} opp_tick_t;

/*  An opportunity's state. Zero-initialise (or opp_init), fold events
    with opp_evolve, free with opp_reset. Strings are owned; NULL means
    not set. */
typedef struct {
    opp_status_t status;          /* lifecycle                                   */
    char *id;                     /* aggregate id (stream opportunity-<id>)      */
    char *name;                   /* project name                                */
    char *normalized_name;        /* contacts_normalize_name (name)              */
    char *account_id;             /* the customer                                */
    char *site_city;              /* where the project is built                  */
    char *site_address;           /* street address of the site                  */
    char *project_type;           /* opp_project_types                           */
    int64_t amount;               /* estimated amount, minor units               */
    char *currency;               /* ISO 4217                                    */
    char *close_date;             /* expected close, YYYY-MM-DD                  */
    char *owner;                  /* salesperson (user id)                       */
    char *team;                   /* sales team                                  */
    char *region;                 /* sales region                                */
    char *registered_on;          /* date of opportunity.registered ("on")       */
    int64_t registered_ts;        /* when the log recorded it (ts), 0: unknown   */
    char *touched;                /* latest "on" of the owner's work, see above  */
    char *stage;                  /* opp_stages                                  */
    char *key_person[OPP_STAGES]; /* contact id per stage, NULL: unknown    */
    int level;                    /* 1..5                                        */
    char *category;               /* opp_categories, NULL: not set               */
    char *next_step;              /* what happens next                           */
    char *next_step_due;          /* YYYY-MM-DD                                  */
    /* qualification (the last one) */
    int scores[OPP_QUESTIONS]; /* per opp_questions, 0..5                   */
    int score_total;           /* sum, 0..20                                */
    char *decision;            /* opp_decisions, NULL: not qualified        */
    char *decision_reason;     /* why                                       */
    char *commitment;          /* opp_commitment_kinds, NULL: none          */
    char *duplicate_of;        /* the kept one, once closed as a duplicate  */
    /* outcome */
    int64_t won_amount; /* when won                                  */
    char *won_currency; /* ... in this currency (NULL: the deal's)   */
    char *won_reason;   /* why it was won, when the win says         */
    char *outcome_date; /* won / lost / abandoned on                 */
    char *loss_reason;  /* last loss or abandonment reason, kept     */
    char *lost_to;      /* winning competitor of the last loss, kept */
    char *lost_by;      /* the tender whose award lost it, while lost */
    size_t reopened;    /* opportunity.reopened events so far        */
    /* collections: owned arrays of n elements (at most the _MAX above),
       grown as elements are added (opp_evolve), NULL while empty; a state
       stays small, so loading and folding one costs no more than it holds */
    opp_stakeholder_t *stakeholders;
    size_t nstakeholders;
    opp_need_t *needs;
    size_t nneeds;
    opp_rival_t *rivals;
    size_t nrivals;
    opp_tick_t *ticks;
    size_t nticks;
    char **awards; /* tender ids whose award was reacted to */
    size_t nawards;
    /* registration conflicts still open, oldest flagged first: each
       conflict_flagged adds one, each conflict_resolved removes its pair,
       and a deal closed as a duplicate has none (its others moved to
       the kept deal) */
    opp_conflict_t *conflicts;
    size_t nconflicts;
} opp_state_t;

void opp_init (opp_state_t *self);
/*  Free every owned string and zero the struct (safe twice). */
void opp_reset (opp_state_t *self);

/*  ---- facts ---- */

/*  What the shell knows of the outside: references in its projections.
    Each answers from the state the command is decided against and
    changes nothing. A NULL function: every id counts as missing. */
typedef enum {
    OPP_REF_MISSING = 0, /* unknown                        */
    OPP_REF_ACTIVE,      /* exists and takes new work      */
    OPP_REF_CLOSED       /* exists but archived or merged  */
} opp_ref_t;

typedef struct {
    opp_ref_t (*account) (void *ctx, const char *id);
    opp_ref_t (*contact) (void *ctx, const char *id);
    opp_ref_t (*competitor) (void *ctx, const char *id);
    void *ctx; /* passed back to each */
} opp_lookup_t;

/*  The open opportunity of the same project the shell found for a
    registration: same account and same normalised name
    (contacts_normalize_name), or same site (city + address). */
typedef struct {
    const char *opportunity_id; /* its id                           */
    const char *owner;          /* its owner                        */
    const char *registered_on;  /* YYYY-MM-DD of its registration   */
    size_t conflicts;           /* its open conflicts (nconflicts)   */
} opp_match_t;

typedef struct {
    const char *today;          /* business date YYYY-MM-DD, stamped "on"; NULL: none */
    const char *actor;          /* who acts; NULL: not checked                        */
    bool manager;               /* the actor is a sales manager                       */
    const opp_match_t *match;   /* registration only; NULL: no match                  */
    const opp_lookup_t *lookup; /* references                                         */
    const opp_config_t *config; /* NULL: opp_default_config                           */
} opp_facts_t;

/*  ---- registration, changes, conflicts ---- */

/*  Register project `id` (stream "opportunity-<id>"). cmd keys: name,
    account_id, owner, currency, close_date (required); site_city,
    site_address, project_type (opp_project_types), amount (integer minor
    units 0..OPP_AMOUNT_MAX, default 0), team, region, stage (opp_stages,
    default need_discovery), force (bool).
    The deal starts at L1. Decides opportunity.registered {id, name,
    normalized_name, account_id, owner, currency, close_date, amount,
    stage, level:1, ...given fields, on}.
    When facts->match names an open opportunity of ANOTHER owner whose
    registration is less than config->protection_days before today (the
    first owner is protected), the registration is still recorded,
    followed by opportunity.conflict_flagged {id, with, with_owner,
    protected_until, on} on this stream and opportunity.conflict_flagged
    {id: the match, with: id, with_owner: the new owner, ...} on the
    match's stream, for a manager to resolve (opp_resolve_conflict). The
    match keeps the conflicts it is in already: a project registered by
    three owners is one deal in conflict with two.
    After the protection period the match is no longer protected: the
    registration is recorded with "overlaps": the match, and no conflict.
    Rejections: EINVAL for any field ("id" for a malformed id, "name" if
    it normalises to nothing); EDUPLICATE "id" if it exists; ENOTFOUND
    "account_id" unknown; EREJECTED "account_id" archived or merged;
    EDUPLICATE "name" if the match has the SAME owner and force is not
    true (naming the match); EREJECTED "name" when the match is in
    OPP_CONFLICTS_MAX conflicts already (match->conflicts). */
int opp_register (dbk_decision_t *d, const opp_state_t *state, const char *id, const dbk_obj_t *cmd,
                  const opp_facts_t *facts);

/*  Change some fields. cmd keys: name, site_city, site_address,
    project_type, amount, currency, close_date, team, region (name,
    currency and close_date cannot be cleared). Decides
    opportunity.updated {id, changed: [keys], the changed keys,
    normalized_name when the name changes, on}, or no event.
    Rejections: EINVAL; ENOTFOUND "id"; EREJECTED "id" closed. */
int opp_update (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                const opp_facts_t *facts);

/*  A manager resolves the conflict between `a` (the command's id) and
    `b` (cmd "with"), any pair of open deals in conflict with each other:
    cmd keys: with (required id), owner (required: the owner of a or of
    b), reason (optional). Decides, on each stream,
    opportunity.conflict_resolved {id, with, owner, outcome, reason?, on}:
    outcome "kept" for the opportunity of the chosen owner (it stays
    open, with its other conflicts), "closed" for the other, which
    becomes OPP_DUPLICATE of the kept one. If both have the chosen owner,
    `a` is kept.
    The closed deal's other conflicts are the kept deal's now (the same
    project, which a manager has just given to the kept deal): for each
    other deal c it was in conflict with, opportunity.conflict_flagged
    {id: c, with: the kept, with_owner, moved_from: the closed, on} on
    c's stream, and {id: the kept, with: c, with_owner: c's owner,
    moved_from: the closed, on} on the kept deal's stream unless the two
    are in conflict already.
    Rejections: EINVAL for any field ("with" not the id of b, or a
    itself); EREJECTED "actor" unless facts->manager; ENOTFOUND "id" /
    "with"; EREJECTED "id" if a is closed; EREJECTED "with" if a and b
    are not in conflict with each other (both open: either side listing
    the other will do); EINVAL "owner" if it is neither owner. b closed
    since (won, lost, abandoned, duplicate) while a lists it: settled by
    keeping a, one conflict_resolved on a's stream, EREJECTED "owner"
    unless owner is a's; EREJECTED "owner" if the conflicts carried
    over would give the kept deal more than OPP_CONFLICTS_MAX. */
int opp_resolve_conflict (dbk_decision_t *d, const opp_state_t *a, const opp_state_t *b,
                          const dbk_obj_t *cmd, const opp_facts_t *facts);

/*  The open conflict of state with opportunity `id`, or NULL (borrowed
    from state). */
const opp_conflict_t *opp_conflict_find (const opp_state_t *state, const char *id);

/*  cmd keys: next_step (required text), due (optional YYYY-MM-DD).
    Decides opportunity.next_step_set {id, next_step, due?, on}.
    Rejections: EINVAL; ENOTFOUND "id"; EREJECTED "id" closed. */
int opp_next_step_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                       const opp_facts_t *facts);

/*  The owner (or a manager) sets the forecast category. cmd keys:
    category (required, opp_categories). Decides opportunity.category_set
    {id, category, from?, on}, or nothing when unchanged.
    Rejections: EINVAL; ENOTFOUND "id"; EREJECTED "id" closed; EREJECTED
    "actor" when facts->actor is set, is not the owner and not a
    manager. */
int opp_category_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                      const opp_facts_t *facts);

/*  ---- stage, funnel, qualification, checklist ---- */

/*  The customer moved to another procurement stage. cmd keys: stage
    (required, opp_stages), key_person (optional contact id, the key
    person of that stage). Decides opportunity.stage_changed {id, from,
    stage, key_person?, on}; nothing if the stage and key person are
    already those. Stages may move either way (projects get re-tendered).
    Rejections: EINVAL; ENOTFOUND "id"; ENOTFOUND "key_person" unknown
    contact; EREJECTED "id" closed. */
int opp_stage_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                   const opp_facts_t *facts);

/*  The key person of any stage. cmd keys: stage, contact_id (required).
    Decides opportunity.key_person_set {id, stage, contact_id, on}, or
    nothing when unchanged. Rejections: as opp_stage_set on "contact_id". */
int opp_key_person_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                        const opp_facts_t *facts);

/*  Move the deal to another funnel level. cmd keys: level (required,
    "L1".."L5"), reason (required when moving down, optional up).
    Up: the latest qualification, if any, must have decided pursue: one
    that decided hold or drop refuses every move up, whatever the levels'
    criteria, with EREJECTED "qualified_pursue" and "the latest
    qualification decided <hold|drop>: re-qualify before moving up".
    Then every level above the current one up to the target must have its
    entry criteria met (config levels); the first unmet criterion, lowest
    level first, is the rejection: EREJECTED with the criterion's code as
    field and "L<n> needs <sentence>". Down: allowed with a reason, also
    after a hold or a drop.
    Decides opportunity.level_changed {id, from, to, probability (of the
    target, percent), reason?, on}; nothing when already at that level.
    Rejections: EINVAL; ENOTFOUND "id"; EREJECTED "id" closed; EREJECTED
    <criterion>; EINVAL "reason" missing on a move down. */
int opp_level_set (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                   const opp_facts_t *facts);

/*  Is `criterion` (an opp_criteria code) met by state? Unknown code:
    false. */
bool opp_criterion_met (const opp_state_t *state, const char *criterion);

/*  Qualify the opportunity (商机评估). cmd keys, all required: for each
    question q of opp_questions q_score (0..5) and q_evidence (text);
    decision (opp_decisions) and reason (text). Decides
    opportunity.qualified {id, every key given, total, on}; a new
    qualification replaces the last.
    Rejections: EINVAL; ENOTFOUND "id"; EREJECTED "id" closed. */
int opp_qualify (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                 const opp_facts_t *facts);

/*  Record the customer's commitment (the evidence of L5). cmd keys: kind
    (required, opp_commitment_kinds), date (required), contact_id
    (optional: who committed), note (optional). Decides
    opportunity.commitment_recorded {id, kind, date, contact_id?, note?,
    on}. Rejections: EINVAL ("date" after the business date: the
    customer committed by then); ENOTFOUND "id" / "contact_id";
    EREJECTED "id" closed. */
int opp_commitment_record (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                           const opp_facts_t *facts);

/*  Tick a checklist item (config checklist). cmd keys: item (required
    code), by (optional: who did it; default facts->actor), date
    (optional; default facts->today). Decides opportunity.check_ticked
    {id, item, step, by?, date?, on}.
    Rejections: EINVAL (item not in the checklist: the message lists the
    codes; "date" missing with no today, or after it); ENOTFOUND "id";
    EREJECTED "id" closed; EDUPLICATE "item" already ticked; EREJECTED "item" when
    OPP_TICKS_MAX items are ticked. */
int opp_check_tick (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                    const opp_facts_t *facts);

/*  ---- stakeholders, needs, competitors ---- */

/*  Put a contact on the stakeholder map. cmd keys: contact_id
    (required); role (opp_roles), level (decision management
    operational), function (user technical procurement), relationship
    (acquainted interacting trusted allied), attitude (integer -2..2),
    influence (1..5), response_mode (opp_response_modes), last_contact
    (date), notes (optional). Decides opportunity.stakeholder_added {id,
    contact_id, given keys, on}.
    Rejections: EINVAL ("last_contact" after the business date);
    ENOTFOUND "id"; ENOTFOUND "contact_id" unknown
    contact; EDUPLICATE "contact_id" already on the map; EREJECTED
    "contact_id" when the map holds OPP_STAKEHOLDERS_MAX; EREJECTED "id"
    closed. */
int opp_stakeholder_add (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                         const opp_facts_t *facts);

/*  Change a stakeholder. cmd keys: contact_id (required, on the map),
    then as add (nil or "" clears). Decides opportunity.stakeholder_updated
    {id, contact_id, changed, the changed keys, on}, or nothing.
    Rejections: EINVAL ("last_contact" after the business date, even
    unchanged); ENOTFOUND "id"; ENOTFOUND "contact_id" not on
    the map; EREJECTED "id" closed. */
int opp_stakeholder_update (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                            const opp_facts_t *facts);

/*  Take a contact off the map. cmd keys: contact_id (required), reason
    (optional). Decides opportunity.stakeholder_removed {id, contact_id,
    reason?, on}. Rejections: as update. */
int opp_stakeholder_remove (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                            const opp_facts_t *facts);

/*  The stakeholder of contact `id`, or NULL (borrowed from state). */
const opp_stakeholder_t *opp_stakeholder_find (const opp_state_t *state, const char *contact_id);

/*  Record a need. cmd keys: kind (required, opp_need_kinds), text
    (required), contact_id (required for a personal need, optional for a
    relationship note, refused for an organisational one). Decides
    opportunity.need_added {id, need (its number: 1, 2, ...), kind,
    text, contact_id?, on}.
    Rejections: EINVAL; ENOTFOUND "id" / "contact_id" unknown contact;
    EREJECTED "text" at OPP_NEEDS_MAX; EREJECTED "id" closed. */
int opp_need_add (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                  const opp_facts_t *facts);

/*  A competitor on the deal. cmd keys: competitor_id (required), position
    (required, opp_competitor_positions), notes (optional). Decides
    opportunity.competitor_added {id, competitor_id, position, notes?,
    on}. Rejections: EINVAL; ENOTFOUND "id" / "competitor_id" unknown;
    EDUPLICATE "competitor_id" already on the deal; EREJECTED
    "competitor_id" at OPP_COMPETITORS_MAX; EREJECTED "id" closed. */
int opp_competitor_add (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                        const opp_facts_t *facts);

/*  Change a competitor's position or notes. cmd keys: competitor_id
    (required, on the deal), position, notes. Decides
    opportunity.competitor_updated {id, competitor_id, changed, ..., on}
    or nothing. Rejections: EINVAL; ENOTFOUND "id" / "competitor_id" not
    on the deal; EREJECTED "id" closed. */
int opp_competitor_update (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                           const opp_facts_t *facts);

/*  ---- red flags ---- */

typedef struct {
    const char *code;       /* an opp_red_flag_kinds code                */
    const char *contact_id; /* the stakeholder concerned, or NULL        */
    const char *role;       /* role_uncovered: the role, else NULL       */
} opp_flag_t;

/*  The red flags of a deal, computed (never stored), in this order:
      qualification_hold     the latest qualification decided hold
      qualification_drop     the latest qualification decided drop
                             (either one stays until a qualification
                             decides pursue: every move up is refused,
                             yet the deal keeps its level, and that
                             level's probability, until it is moved
                             down or closed)
    then those of its stakeholder map:
      no_decision_maker      nobody holds role decision_maker
      role_uncovered         technical_evaluator or user held by nobody
                             (one flag per role; the decision maker and
                             the coach have their own flags)
      unknown_role           a stakeholder without a role (each)
      unknown_attitude       a stakeholder whose attitude is unknown (each)
      strong_opponent        attitude -2 and influence >= 4 (each)
      hostile_decision_maker a decision maker with attitude < 0 (each)
      no_coach               nobody holds role coach
      no_decision_level      nobody at level "decision"
      single_threaded        at most one stakeholder (an empty map too)
      stale_contact          last contact unknown or more than
                             config->stale_contact_days before as_of
                             (each; only when as_of is a date)
    A closed deal (won, lost, abandoned, a duplicate) has none: they warn
    of what a deal being pursued lacks, and a stale contact would grow on
    a closed one for ever.
    Writes at most `max` flags into out (strings borrowed from state and
    static tables) and returns how many there are in all (may exceed max,
    as snprintf). cfg NULL: defaults. */
size_t opp_red_flags (const opp_state_t *state, const char *as_of, const opp_config_t *cfg,
                      opp_flag_t *out, size_t max);

/*  ---- outcome ---- */

/*  The deal is won. cmd keys: amount (required, minor units), currency
    (optional, default the deal's), date (required), reason (optional:
    why we won, as a loss says why it was lost), note (optional).
    Decides opportunity.won {id, amount, currency, date, reason?, note?,
    on}.
    Rejections: EINVAL ("date" after the business date, or before the
    registration; "on" before the registration); ENOTFOUND "id";
    EREJECTED "id" unless open. */
int opp_win (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
             const opp_facts_t *facts);

/*  The deal is lost. cmd keys: reason (required), date (required),
    winner (optional competitor id or name), price_gap (optional integer
    minor units, their price minus ours, may be negative). Decides
    opportunity.lost {id, reason, date, winner?, price_gap?, on}.
    Rejections: EINVAL ("date" after the business date, or before the
    registration; "on" before the registration); ENOTFOUND "id";
    EREJECTED "id" unless open. */
int opp_lose (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
              const opp_facts_t *facts);

/*  We stop chasing it. cmd keys: reason (required), date (optional,
    default today). Decides opportunity.abandoned {id, reason, date?, on}.
    Rejections: EINVAL ("date" after the business date, or before the
    registration; "on" before the registration); ENOTFOUND "id";
    EREJECTED "id" unless open. */
int opp_abandon (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                 const opp_facts_t *facts);

/*  "Failure is an excellent chance to start again": reopen a lost or
    abandoned deal. cmd keys: reason (required). The deal is open again
    at L1, its loss reason and winner kept, as are its qualification,
    stakeholders, needs, competitors, checklist and stage; its
    commitment (the lost round's L5 evidence) and forecast category are
    cleared, as on a new registration. Decides opportunity.reopened
    {id, from: "lost"|"abandoned", reason, on}.
    Rejections: EINVAL ("on" before the registration, or before the
    loss or abandonment's date); ENOTFOUND "id"; EREJECTED "id" if open,
    won or closed as a duplicate. */
int opp_reopen (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *cmd,
                const opp_facts_t *facts);

/*  Process manager: react to the bidding service's award event (e.g.
    tender.awarded) whose payload `award` holds opportunity_id, tender_id,
    result ("won" | "lost"), date (required); amount, currency (for won;
    amount default the deal's estimate, currency the deal's), reason (why
    it was won or lost; for lost default "tender lost"), winner, price_gap
    (for lost).
    Decides opportunity.won / opportunity.lost as the commands do, with
    tender_id added; evolve remembers tender_id, so the same award again
    decides NOTHING (0, no events): replaying the log reacts once.
    A won award of a deal lost through the award of another of its
    tenders (state->lost_by) wins it all the same, whichever award came
    first: it decides opportunity.reopened {id, from: "lost", reason:
    "tender T was won after the loss through tender L", on}, then the
    won event, one decision on one stream.
    Rejections: DBK_EMALFORMED with the field when the payload lacks or
    mangles a field; ENOTFOUND "opportunity_id" if state is not the named
    opportunity; EREJECTED "opportunity_id" for a deal already closed
    otherwise (won, lost by hand, abandoned, a duplicate) or that
    reacted to OPP_AWARDS_MAX awards: the service logs the refusal, and
    appends nothing. */
int opp_react_award (dbk_decision_t *d, const opp_state_t *state, const dbk_obj_t *award,
                     const opp_facts_t *facts);

/*  ---- evolve and queries ---- */

/*  The `ts` of an event not recorded yet: a decided event folded before
    (or without) its append. */
#define OPP_UNRECORDED INT64_MIN

/*  Fold one event of stream opportunity-<id>: its type, payload and the
    time the log recorded it (the envelope's `ts`, unix ms; or
    OPP_UNRECORDED). `ts` bounds `touched` and `registered_on`: an "on" after
    the date of ts + DBK_UTC_OFFSET_MAX_MIN (the latest business day
    anywhere then) counts as that day, since anyone may append to the log (dealbook
    log append) and a day to come would keep the deal off the list of
    deals left alone (opp_touch_overdue) until that day; the service
    refuses such an "on" in a command. Only what the event carries is
    read, never a clock, so a replay folds the same state. Unknown
    opportunity.* and other categories' types are ignored (0), so older
    code can replay newer logs. Returns 0, DBK_EMALFORMED if a known
    event lacks a field it must have or holds one of the wrong type or out
    of range, or a registration or an update holds what OPP_REGISTER /
    OPP_UPDATE refuse by their field tables (a required field absent or
    cleared, a value outside its list, a close_date that is no date:
    contacts_fields_foldable, which says what is not checked), or
    DBK_ENOMEM. */
int opp_evolve (opp_state_t *state, const char *type, const dbk_obj_t *data, int64_t ts);

/*  Probability of the state in percent: the level's (cfg levels) while
    open, 100 won, 0 otherwise. */
int opp_probability (const opp_state_t *state, const opp_config_t *cfg);

/*  Days from date a to date b (YYYY-MM-DD each; b - a), or INT32_MIN
    when either is not a real date. */
int32_t opp_days_between (const char *a, const char *b);

/*  Is an open deal untouched (state->touched) for more than its level's
    max_days on as_of? False for closed deals or unknown dates. */
bool opp_touch_overdue (const opp_state_t *state, const char *as_of, const opp_config_t *cfg);

#ifdef __cplusplus
}
#endif
#endif
