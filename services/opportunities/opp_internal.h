/*  opp_internal.h - internal to the opportunities deciders: the field
    tables shared by deciders and evolve, and the small helpers every
    decider uses (state checks, event headers, reference lookups). The
    field machinery is the contacts service's (contacts_fields.h), so both
    services validate text, dates, enums and money the same way.
*/
#ifndef OPP_INTERNAL_H
#define OPP_INTERNAL_H

#include "opportunities_decider.h"
#include "contacts_fields.h"

#include <stdbool.h>
#include <stddef.h>

/*  Registration fields: name, account_id, owner, currency, close_date
    (required, first, in this order), then the optional ones. */
extern const contacts_field_t opp_reg_fields[];
extern const size_t opp_nreg_fields;
/*  What an update may change. */
extern const contacts_field_t opp_upd_fields[];
extern const size_t opp_nupd_fields;
/*  Stakeholder fields (offsets into opp_stakeholder_t; attitude: -1). */
extern const contacts_field_t opp_sh_fields[];
extern const size_t opp_nsh_fields;

/*  opp_evolve, but a type it does not fold (of another category, or an
    opportunity.* type it does not know) is OPP_NOT_FOLDED rather than 0:
    the rule of opportunities_known.h tells the two apart. */
#define OPP_NOT_FOLDED 1
int opp_fold (opp_state_t *state, const char *type, const dbk_obj_t *data, int64_t ts);

/*  The configuration in force. */
const opp_config_t *opp_cfg (const opp_facts_t *facts);

/*  ENOTFOUND "id" for no such opportunity, then opp_check_on, then
    EREJECTED "id" unless open. Every command on a deal goes through here
    (but the reopen, which checks the same and more). */
int opp_check_open (dbk_decision_t *d, const opp_state_t *state, const opp_facts_t *facts);

/*  EINVAL "on" when the business date (facts->today) is before the day
    the deal was registered (state->registered_on), naming both: "on (D)
    cannot be before the registration of opportunity O (R)". 0 when
    either date is unknown. */
int opp_check_on (dbk_decision_t *d, const opp_state_t *state, const opp_facts_t *facts);

/*  EINVAL `key` when the date among vals under `key` (validated,
    YYYY-MM-DD) is before the deal's registration, naming both: an
    outcome (won, lost, abandoned) is dated after the deal was
    registered. 0 when absent or cleared, or the registration's date
    unknown. The upper bound is opp_check_done_by_on's. */
int opp_check_not_before_registration (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                                       const char *key, const opp_state_t *state);
/*  0 when facts->actor may `what` ("closes", "reopens", "sets the
    forecast category of") the deal: its owner, a manager (a service's
    reaction runs as one), or no actor given (not checked); else
    EREJECTED "actor" naming the owner. */
int opp_check_owner (dbk_decision_t *d, const opp_state_t *state, const opp_facts_t *facts,
                     const char *what);

/*  Start an event on opportunity-<id>: a map of n + 1 + (today set)
    keys with "id" and "on" written; the caller writes n more pairs. */
dbk_wr_t *opp_begin (dbk_decision_t *d, const char *id, const char *type, size_t n,
                     const opp_facts_t *facts);

/*  A reference through the shell's lookups. */
opp_ref_t opp_ref_account (const opp_facts_t *facts, const char *s, size_t n);
opp_ref_t opp_ref_contact (const opp_facts_t *facts, const char *s, size_t n);
opp_ref_t opp_ref_competitor (const opp_facts_t *facts, const char *s, size_t n);

/*  ENOTFOUND `field` unless the contact [s, s+n) is known. */
int opp_check_contact (dbk_decision_t *d, const char *field, const char *s, size_t n,
                       const opp_facts_t *facts);

/*  EINVAL `key` when the date among vals under `key` is after the
    business date (facts->today, the command's "on"), naming both: what a
    command records as done (a deal won, lost or abandoned, a checklist
    item done, a commitment given, a stakeholder last contacted) cannot
    be dated after the day it is decided at. Every such date goes through
    here, with the command's fields (before the deal is looked at); the
    comparison is contacts_check_done_by, as in the bidding service. 0
    when absent or cleared, or without a business date. */
int opp_check_done_by_on (dbk_decision_t *d, const contacts_value_t *vals, size_t n,
                          const char *key, const opp_facts_t *facts);

/*  Levels "L1".."L5" as an enum list. */
extern const char *const opp_level_codes[];

/*  The date `days` after date (YYYY-MM-DD) into out; false if date is
    not a real date. */
bool opp_date_add (const char *date, int days, char out[11]);

/*  The value helpers are contacts_fields.h's, under this service's names. */
#define opp_eq contacts_eq
#define opp_present contacts_present
#define opp_write_vals contacts_write_values
#define opp_val contacts_value_of
#define opp_index contacts_index

#endif
