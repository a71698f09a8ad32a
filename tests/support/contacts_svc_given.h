/*  contacts_svc_given.h - the fixture of the suites that drive the
    contacts service (contacts_server.h) through its real ROUTER, as an
    actor in the test process, against a real dealbook-eventlog process:
    test_contacts_service.c and test_contacts_hand.c. Each includes it
    once; each binary has its own service and log.
*/
#ifndef CONTACTS_SVC_GIVEN_H
#define CONTACTS_SVC_GIVEN_H

#include "testlib.h"

#include "contacts_server.h"

#include "dealbook/dbk_config.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_logging.h"
#include "dealbook/dbk_service.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

static tl_log_t s_log;
static char *s_dir;
static zactor_t *s_svc;
static char s_ep[600];
static dbk_config_t s_cfg;
static dbk_client_t *s_c;

static inline void s_start (void)
{
    cr_assert_eq (tl_svc_config (&s_cfg, &s_log, s_dir, 3000), 0);
    snprintf (s_cfg.contacts_endpoint, sizeof s_cfg.contacts_endpoint, "ipc://%s/contacts.ipc",
              s_dir);
    s_svc = tl_svc_start (contacts_server, &s_cfg, s_ep, sizeof s_ep);
    cr_assert_not_null (s_svc, "the service did not start");
    s_c = dbk_client_new (s_ep, 5000);
    cr_assert_not_null (s_c);
}

static inline void s_stop (void)
{
    dbk_client_destroy (&s_c);
    zactor_destroy (&s_svc);
}

static inline void s_init (void)
{
    cr_assert_eq (tl_log_start (&s_log, false, NULL), 0, "the eventlog did not start");
    s_dir = tl_tmpdir ("contacts");
    cr_assert_not_null (s_dir);
    s_start ();
}

static inline void s_fini (void)
{
    s_stop ();
    tl_log_cleanup (&s_log);
    if (s_dir) {
        tl_rmtree (s_dir);
        free (s_dir);
        s_dir = NULL;
    }
}

/*  A request: op, then key / value string pairs, NULL-terminated. A key
    "force" sends true. Commands (cmd_id not NULL, or fresh when is_cmd)
    carry cmd and actor. Returns the DBK code, *reply_p the reply. */
static inline int s_req (const char *op, bool is_cmd, const uint8_t *cmd_id, dbk_doc_t **reply_p,
                         ...)
{
    va_list ap;
    uint32_t n = is_cmd ? 2 : 0;
    va_start (ap, reply_p);
    while (va_arg (ap, const char *)) {
        va_arg (ap, const char *);
        n++;
    }
    va_end (ap);
    dbk_wr_t *w = dbk_client_begin (s_c, op, n);
    if (is_cmd) {
        uint8_t fresh[DBK_ID_SIZE];
        if (!cmd_id) {
            dbk_uuid_v7 (fresh);
            cmd_id = fresh;
        }
        dbk_wr_cstr (w, "cmd");
        dbk_wr_bin (w, cmd_id, DBK_ID_SIZE);
        dbk_wr_kv_cstr (w, "actor", "user:ann");
    }
    va_start (ap, reply_p);
    const char *k;
    while ((k = va_arg (ap, const char *))) {
        const char *v = va_arg (ap, const char *);
        if (streq (k, "force"))
            dbk_wr_kv_bool (w, k, true);
        else
            dbk_wr_kv_cstr (w, k, v);
    }
    va_end (ap);
    dbk_doc_t *reply = NULL;
    int rc = dbk_client_call (s_c, &reply);
    if (reply_p)
        *reply_p = reply;
    else
        dbk_doc_destroy (&reply);
    return rc;
}

static inline const char *s_str (const dbk_obj_t *m, const char *key, char *buf, size_t bufsz)
{
    const char *s = "";
    size_t n = 0;
    dbk_obj_str (dbk_obj_get (m, key), &s, &n);
    snprintf (buf, bufsz, "%.*s", (int) n, s);
    return buf;
}

static inline uint64_t s_u64 (dbk_doc_t *doc, const char *key)
{
    uint64_t v = UINT64_MAX;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (doc), key), &v);
    return v;
}

static inline const char *s_rstr (dbk_doc_t *doc, const char *key, char *buf, size_t bufsz)
{
    return s_str (dbk_doc_root (doc), key, buf, bufsz);
}

/*  Register an account with its id chosen by the test. */
static inline void s_account (const char *id, const char *name, const char *type)
{
    cr_assert_eq (s_req ("ACCOUNT_REGISTER", true, NULL, NULL, "id", id, "name", name, "type", type,
                         "city", "上海", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
}

static inline void s_contact (const char *id, const char *name, const char *account)
{
    cr_assert_eq (s_req ("CONTACT_ADD", true, NULL, NULL, "id", id, "name", name, "account_id",
                         account, NULL),
                  0, "%s", dbk_client_errmsg (s_c));
}

static inline void s_trip (const char *id, const char *city, const char *from, const char *to)
{
    cr_assert_eq (
        s_req ("TRIP_ADD", true, NULL, NULL, "id", id, "city", city, "from", from, "to", to, NULL),
        0, "%s", dbk_client_errmsg (s_c));
}

/*  The contact ids NOTEBOOK_CITY answers, space-separated, into out. */
static inline const char *s_notebook (const char *city, const char *from, const char *to, char *out,
                                      size_t outsz)
{
    dbk_doc_t *r;
    cr_assert_eq (
        s_req ("NOTEBOOK_CITY", false, NULL, &r, "city", city, "from", from, "to", to, NULL), 0,
        "%s", dbk_client_errmsg (s_c));
    const dbk_obj_t *trips = dbk_obj_get (dbk_doc_root (r), "trips");
    out[0] = 0;
    for (size_t i = 0; i < dbk_obj_len (trips); i++) {
        char id[80];
        s_str (dbk_obj_at (trips, i), "id", id, sizeof id);
        snprintf (out + strlen (out), outsz - strlen (out), "%s%s", i ? " " : "", id);
    }
    dbk_doc_destroy (&r);
    return out;
}

static inline int64_t s_head (void)
{
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 5000);
    int64_t h = tl_head (lc);
    dbk_client_destroy (&lc);
    return h;
}

/*  The ids of the maps in reply[key], space-separated, into out. */
static inline const char *s_ids (dbk_doc_t *r, const char *key, char *out, size_t outsz)
{
    const dbk_obj_t *a = dbk_obj_get (dbk_doc_root (r), key);
    out[0] = 0;
    for (size_t i = 0; i < dbk_obj_len (a); i++) {
        char id[80];
        s_str (dbk_obj_at (a, i), "id", id, sizeof id);
        snprintf (out + strlen (out), outsz - strlen (out), "%s%s", i ? " " : "", id);
    }
    return out;
}

/*  A command with one list field (close_to, their_people) of up to two
    ids, built by hand since s_req sends strings only. */
static inline int s_list_cmd (const char *op, const char *id, const char *list_key, const char *a,
                              const char *b, const char *k1, const char *v1, const char *k2,
                              const char *v2, dbk_doc_t **reply_p)
{
    dbk_wr_t *w = dbk_client_begin (s_c, op, 4 + (k1 != NULL) + (k2 != NULL));
    uint8_t cmd[DBK_ID_SIZE];
    dbk_uuid_v7 (cmd);
    dbk_wr_cstr (w, "cmd");
    dbk_wr_bin (w, cmd, DBK_ID_SIZE);
    dbk_wr_kv_cstr (w, "actor", "user:ann");
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_cstr (w, list_key);
    dbk_wr_array (w, (uint32_t) ((a != NULL) + (b != NULL)));
    if (a)
        dbk_wr_cstr (w, a);
    if (b)
        dbk_wr_cstr (w, b);
    if (k1)
        dbk_wr_kv_cstr (w, k1, v1);
    if (k2)
        dbk_wr_kv_cstr (w, k2, v2);
    dbk_doc_t *reply = NULL;
    int rc = dbk_client_call (s_c, &reply);
    if (reply_p)
        *reply_p = reply;
    else
        dbk_doc_destroy (&reply);
    return rc;
}

#endif
