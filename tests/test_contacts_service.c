/*  test_contacts_service.c - the contacts service (contacts_server.h)
    through its real ROUTER, as an actor in the test process, against a
    real dealbook-eventlog process (fixture in support/contacts_svc_given.h;
    events appended by hand: test_contacts_hand.c). */
#include "support/contacts_svc_given.h"

TestSuite (contacts_service, .init = s_init, .fini = s_fini, .timeout = 60);

Test (contacts_service, registered_account_is_seen_by_the_next_query)
{
    dbk_doc_t *r;
    cr_assert_eq (s_req ("ACCOUNT_REGISTER", true, NULL, &r, "name", "上海建工集团有限公司", "type",
                         "general_contractor", "city", "上海", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACCOUNT_LIST", false, NULL, &r, "prefix", "上海建工", NULL), 0);
    const dbk_obj_t *list = dbk_obj_get (dbk_doc_root (r), "accounts");
    cr_assert_eq (dbk_obj_len (list), 1);
    char id[80], buf[200];
    s_str (dbk_obj_at (list, 0), "id", id, sizeof id);
    cr_assert_str_eq (s_str (dbk_obj_at (list, 0), "type", buf, sizeof buf), "general_contractor");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", id, NULL), 0);
    cr_assert_str_eq (s_rstr (r, "name", buf, sizeof buf), "上海建工集团有限公司");
    cr_assert_str_eq (s_rstr (r, "status", buf, sizeof buf), "active");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", "nope", NULL), DBK_ENOTFOUND);
    dbk_doc_destroy (&r);
    /*  filters: by type and by city */
    cr_assert_eq (s_req ("ACCOUNT_LIST", false, NULL, &r, "type", "owner", NULL), 0);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "accounts")), 0);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACCOUNT_LIST", false, NULL, &r, "city", "上海", NULL), 0);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "accounts")), 1);
    dbk_doc_destroy (&r);
    /*  a city and a prefix longer together than any key: nothing, not all */
    char city[400] = "", prefix[210];
    for (int i = 0; i < 130; i++)
        strcat (city, "京");
    memset (prefix, 'b', 200);
    prefix[200] = 0;
    cr_assert_eq (s_req ("ACCOUNT_LIST", false, NULL, &r, "city", city, "prefix", prefix, NULL), 0);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "accounts")), 0);
    dbk_doc_destroy (&r);
}

Test (contacts_service, duplicate_name_is_refused_naming_the_existing_account_unless_forced)
{
    s_account ("acme", "ACME Co., Ltd.", "owner");
    int64_t head = s_head ();
    dbk_doc_t *r;
    cr_assert_eq (
        s_req ("ACCOUNT_REGISTER", true, NULL, &r, "name", "ａｃｍｅ", "type", "owner", NULL),
        DBK_EDUPLICATE);
    char buf[300];
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "name");
    cr_assert (strstr (dbk_client_errmsg (s_c), "acme"), "%s", dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
    cr_assert_eq (s_head (), head, "a refused command appended");
    cr_assert_eq (s_req ("ACCOUNT_REGISTER", true, NULL, NULL, "id", "acme2", "name", "ACME",
                         "type", "owner", "force", "", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", "acme2", NULL), 0);
    dbk_doc_destroy (&r);
}

Test (contacts_service, contact_needs_a_known_active_account)
{
    int64_t head = s_head ();
    dbk_doc_t *r;
    char buf[100];
    cr_assert_eq (
        s_req ("CONTACT_ADD", true, NULL, &r, "name", "王伟", "account_id", "ghost", NULL),
        DBK_ENOTFOUND);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "account_id");
    dbk_doc_destroy (&r);
    s_account ("gone", "Gone Ltd", "owner");
    cr_assert_eq (s_req ("ACCOUNT_ARCHIVE", true, NULL, NULL, "id", "gone", NULL), 0);
    cr_assert_eq (s_req ("CONTACT_ADD", true, NULL, &r, "name", "王伟", "account_id", "gone", NULL),
                  DBK_EREJECTED);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "account_id");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_head (), head + 2, "only the account's two events were appended");
    /*  archiving again is refused too */
    cr_assert_eq (s_req ("ACCOUNT_ARCHIVE", true, NULL, NULL, "id", "gone", NULL), DBK_EREJECTED);
}

Test (contacts_service, contacts_move_and_list_by_account)
{
    s_account ("a1", "Alpha Design", "design_institute");
    s_account ("a2", "Beta Build", "general_contractor");
    s_contact ("c1", "李娜", "a1");
    s_contact ("c2", "张伟", "a1");
    dbk_doc_t *r;
    cr_assert_eq (s_req ("CONTACT_LIST", false, NULL, &r, "account_id", "a1", NULL), 0);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "contacts")), 2);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("CONTACT_MOVE", true, NULL, NULL, "id", "c1", "account_id", "a2", NULL), 0,
                  "%s", dbk_client_errmsg (s_c));
    cr_assert_eq (s_req ("CONTACT_LIST", false, NULL, &r, "account_id", "a1", NULL), 0);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "contacts")), 1);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("CONTACT_GET", false, NULL, &r, "id", "c1", NULL), 0);
    char buf[100];
    cr_assert_str_eq (s_rstr (r, "account_id", buf, sizeof buf), "a2");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("CONTACT_UPDATE", true, NULL, NULL, "id", "c2", "title", "总工", NULL), 0,
                  "%s", dbk_client_errmsg (s_c));
    cr_assert_eq (s_req ("CONTACT_GET", false, NULL, &r, "id", "c2", NULL), 0);
    cr_assert_str_eq (s_rstr (r, "title", buf, sizeof buf), "总工");
    dbk_doc_destroy (&r);
}

Test (contacts_service, notebook_finds_trips_overlapping_the_dates_in_the_city)
{
    s_account ("a1", "Alpha Design", "design_institute");
    s_contact ("c1", "李娜", "a1");
    s_contact ("c2", "张伟", "a1");
    s_contact ("c3", "赵敏", "a1");
    s_trip ("c1", "北京", "2026-03-10", "2026-03-12");
    s_trip ("c2", "上海", "2026-03-11", "2026-03-11"); /* another city */
    s_trip ("c3", "北京", "2026-04-01", "2026-04-03"); /* other dates  */
    s_trip ("c2", "北京", "2026-03-01", "2026-03-10"); /* ends on the first day */
    char out[200];
    cr_assert_str_eq (s_notebook ("北京", "2026-03-10", "2026-03-20", out, sizeof out), "c2 c1");
    cr_assert_str_eq (s_notebook ("北京", "2026-03-11", "2026-03-31", out, sizeof out), "c1");
    cr_assert_str_eq (s_notebook ("北京", "2026-04-03", "2026-04-30", out, sizeof out), "c3");
    cr_assert_str_eq (s_notebook ("广州", "2026-01-01", "2026-12-31", out, sizeof out), "");
    /*  an entry: the trip's fields, then who travels (only those four) */
    dbk_doc_t *r;
    cr_assert_eq (s_req ("CONTACT_UPDATE", true, NULL, NULL, "id", "c3", "title", "总工", "phone",
                         "+86 10 1234", "email", "z@x.cn", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    cr_assert_eq (s_req ("NOTEBOOK_CITY", false, NULL, &r, "city", "北京", "from", "2026-04-02",
                         "to", "2026-04-02", NULL),
                  0);
    const dbk_obj_t *e = dbk_obj_at (dbk_obj_get (dbk_doc_root (r), "trips"), 0);
    cr_assert (e && !dbk_obj_has_dup_keys (e));
    char v[80];
    cr_assert_str_eq (s_str (e, "id", v, sizeof v), "c3");
    cr_assert_str_eq (s_str (e, "from", v, sizeof v), "2026-04-01");
    cr_assert_str_eq (s_str (e, "to", v, sizeof v), "2026-04-03");
    cr_assert_str_eq (s_str (e, "name", v, sizeof v), "赵敏");
    cr_assert_str_eq (s_str (e, "account_id", v, sizeof v), "a1");
    cr_assert_str_eq (s_str (e, "title", v, sizeof v), "总工");
    cr_assert_str_eq (s_str (e, "phone", v, sizeof v), "+86 10 1234");
    cr_assert_null (dbk_obj_get (e, "email"));
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("CONTACT_GET", false, NULL, &r, "id", "c2", NULL), 0);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "trips")), 2);
    cr_assert_eq (s_u64 (r, "trip_count"), 2);
    dbk_doc_destroy (&r);
    char buf[100];
    cr_assert_eq (s_req ("NOTEBOOK_CITY", false, NULL, &r, "city", "北京", "from", "2026-13-01",
                         "to", "2026-03-01", NULL),
                  DBK_EINVAL);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "from");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("TRIP_ADD", true, NULL, &r, "id", "c1", "city", "北京", "from",
                         "2026-03-10", "to", "2026-03-01", NULL),
                  DBK_EINVAL);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "to");
    dbk_doc_destroy (&r);
}

Test (contacts_service, retried_command_id_appends_nothing)
{
    uint8_t cmd[DBK_ID_SIZE];
    dbk_uuid_v7 (cmd);
    dbk_doc_t *r;
    cr_assert_eq (s_req ("ACCOUNT_REGISTER", true, cmd, &r, "name", "Gamma", "type", "owner", NULL),
                  0);
    dbk_doc_destroy (&r);
    int64_t head = s_head ();
    cr_assert_eq (s_req ("ACCOUNT_REGISTER", true, cmd, &r, "name", "Gamma", "type", "owner", NULL),
                  0);
    bool dup = false;
    dbk_obj_bool (dbk_obj_get (dbk_doc_root (r), "duplicate"), &dup);
    cr_assert (dup);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_head (), head);
    cr_assert_eq (s_req ("ACCOUNT_LIST", false, NULL, &r, NULL), 0);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "accounts")), 1);
    dbk_doc_destroy (&r);
}

Test (contacts_service, a_deleted_read_model_is_rebuilt_from_the_log)
{
    s_account ("a1", "Alpha Design", "design_institute");
    s_contact ("c1", "李娜", "a1");
    s_trip ("c1", "北京", "2026-03-10", "2026-03-12");
    cr_assert_eq (s_req ("ACCOUNT_UPDATE", true, NULL, NULL, "id", "a1", "name", "Alpha Two", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    s_stop ();
    char path[700];
    snprintf (path, sizeof path, "%s/contacts", s_dir);
    tl_rmtree (path);
    s_start ();
    /*  a command waits for the replay, so after it every query is current */
    cr_assert_eq (
        s_req ("ACCOUNT_REGISTER", true, NULL, NULL, "name", "Delta", "type", "owner", NULL), 0,
        "%s", dbk_client_errmsg (s_c));
    char out[200], buf[100];
    cr_assert_str_eq (s_notebook ("北京", "2026-03-01", "2026-03-31", out, sizeof out), "c1");
    dbk_doc_t *r;
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", "a1", NULL), 0);
    cr_assert_str_eq (s_rstr (r, "name", buf, sizeof buf), "Alpha Two");
    dbk_doc_destroy (&r);
    /*  the old name is free again, the new one taken */
    cr_assert_eq (s_req ("ACCOUNT_REGISTER", true, NULL, NULL, "name", "Alpha Two Ltd", "type",
                         "owner", NULL),
                  DBK_EDUPLICATE);
    cr_assert_eq (
        s_req ("ACCOUNT_REGISTER", true, NULL, NULL, "name", "Alpha Design", "type", "owner", NULL),
        0, "%s", dbk_client_errmsg (s_c));
    cr_assert_eq (s_req ("CONTACT_LIST", false, NULL, &r, "account_id", "a1", NULL), 0);
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "contacts")), 1);
    dbk_doc_destroy (&r);
}

Test (contacts_service, new_id_comes_from_the_request_or_the_command_id)
{
    uint8_t cmd[DBK_ID_SIZE];
    dbk_uuid_v7 (cmd);
    cr_assert_eq (
        s_req ("ACCOUNT_REGISTER", true, cmd, NULL, "name", "Epsilon", "type", "owner", NULL), 0,
        "%s", dbk_client_errmsg (s_c));
    char id[21];
    dbk_hex (cmd, 6, id);
    dbk_hex (cmd + 12, 4, id + 12);
    id[20] = 0;
    dbk_doc_t *r;
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", id, NULL), 0, "%s",
                  dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
    char big[80], buf[20];
    memset (big, 'a', 70);
    big[70] = 0;
    cr_assert_eq (s_req ("ACCOUNT_REGISTER", true, NULL, &r, "id", big, "name", "Zeta", "type",
                         "owner", NULL),
                  DBK_EINVAL);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "id");
    dbk_doc_destroy (&r);
}

Test (contacts_service, a_hand_appended_event_lacking_fields_does_not_stop_the_read_model)
{
    /*  {"n": 1, "note": "x"}: an account.registered without id or name */
    dbk_wr_t *buf = dbk_wr_new ();
    dbk_event_t ev;
    tl_event (&ev, "account.registered", 1, "x", buf);
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 5000);
    cr_assert_eq (dbk_client_append (lc, "account-bogus", DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL),
                  0, "%s", dbk_client_errmsg (lc));
    dbk_client_destroy (&lc);
    dbk_wr_destroy (&buf);
    /*  the command waits until the read model passed that event */
    s_account ("a9", "Eta", "owner");
    dbk_doc_t *r;
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", "a9", NULL), 0);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", "bogus", NULL), DBK_ENOTFOUND);
    dbk_doc_destroy (&r);
}

/*  A hand-appended contact.trip_added of c1: trip n in city, from, to
    (NULL: no such key), `to` last in the payload. */
static void s_append_trip (uint64_t n, const char *city, const char *from, const char *to)
{
    dbk_wr_t *buf = dbk_wr_new ();
    dbk_event_t ev;
    tl_event (&ev, "contact.trip_added", 0, NULL, buf);
    dbk_wr_reset (buf);
    dbk_wr_map (buf, 4 + (to != NULL));
    dbk_wr_kv_cstr (buf, "id", "c1");
    dbk_wr_kv_u64 (buf, "trip", n);
    dbk_wr_kv_cstr (buf, "city", city);
    dbk_wr_kv_cstr (buf, "from", from);
    if (to)
        dbk_wr_kv_cstr (buf, "to", to);
    ev.data_raw = dbk_wr_data (buf);
    ev.data_raw_len = dbk_wr_size (buf);
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 5000);
    cr_assert_eq (dbk_client_append (lc, "contact-c1", DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL), 0,
                  "%s", dbk_client_errmsg (lc));
    dbk_client_destroy (&lc);
    dbk_wr_destroy (&buf);
}

Test (contacts_service, hand_appended_trips_with_bad_dates_are_skipped_long_cities_kept)
{
    s_account ("a1", "Alpha Design", "design_institute");
    s_contact ("c1", "李娜", "a1");
    char big[3001], city[700];
    memset (big, '9', 3000);
    big[3000] = 0;
    memset (city, 'x', 699);
    city[699] = 0;
    s_append_trip (7, "北京", big, "2026-01-02");           /* a 3000-byte from      */
    s_append_trip (8, "北京", "2026-01-01", "2026-01-0");   /* to ends the payload short */
    s_append_trip (9, "北京", "2026-02-30", "2026-03-01");  /* no such day          */
    s_append_trip (10, "北京", "2026-03-02", "2026-03-01"); /* ends before it starts */
    s_append_trip (11, city, "2026-01-01", "2026-01-02");   /* kept, not in the notebook */
    s_append_trip (12, "北京", "2026-01-01", NULL);         /* no to                 */
    dbk_doc_t *r;
    /*  the read model goes on: a command waits until it passed them */
    s_trip ("c1", "北京", "2026-01-01", "2026-01-03");
    /*  a command is refused a city the notebook cannot key: U+FDFA
        unfolds into 18 characters */
    char wide[100] = "";
    for (int i = 0; i < 30; i++)
        strcat (wide, "\xef\xb7\xba");
    cr_assert_eq (s_req ("TRIP_ADD", true, NULL, &r, "id", "c1", "city", wide, "from", "2026-01-01",
                         "to", "2026-01-02", NULL),
                  DBK_EINVAL);
    char f[20];
    cr_assert_str_eq (s_rstr (r, "field", f, sizeof f), "city");
    dbk_doc_destroy (&r);
    char out[200];
    cr_assert_str_eq (s_notebook ("北京", "2025-12-01", "2026-12-31", out, sizeof out), "c1");
    cr_assert_eq (s_req ("CONTACT_GET", false, NULL, &r, "id", "c1", NULL), 0);
    /*  the trip to a city too long for a notebook key is kept and counted
        (trip numbers stay unique); the malformed ones are not */
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "trips")), 2);
    cr_assert_eq (s_u64 (r, "trip_count"), 2);
    dbk_doc_destroy (&r);
}

Test (contacts_service, a_merged_account_answers_with_its_survivor_and_takes_no_contacts)
{
    s_account ("old", "Old Name Design", "design_institute");
    s_account ("new", "New Name Design", "design_institute");
    dbk_doc_t *r;
    char buf[300];
    /*  refusals append nothing */
    int64_t head = s_head ();
    cr_assert_eq (s_req ("ACCOUNT_MERGE", true, NULL, &r, "id", "old", "into", "old", NULL),
                  DBK_EINVAL);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "into");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACCOUNT_MERGE", true, NULL, &r, "id", "old", "into", "ghost", NULL),
                  DBK_ENOTFOUND);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "into");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACCOUNT_MERGE", true, NULL, NULL, "id", "ghost", "into", "new", NULL),
                  DBK_ENOTFOUND);
    cr_assert_eq (s_head (), head);
    cr_assert_eq (s_req ("ACCOUNT_MERGE", true, NULL, &r, "id", "old", "into", "new", "reason",
                         "renamed", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    uint64_t events = 0;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (r), "events"), &events);
    cr_assert_eq (events, 2, "account.merged and account.absorbed");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", "old", NULL), 0);
    cr_assert_str_eq (s_rstr (r, "status", buf, sizeof buf), "merged");
    cr_assert_str_eq (s_rstr (r, "merged_into", buf, sizeof buf), "new");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", "new", NULL), 0);
    uint64_t absorbed = 0;
    dbk_obj_u64 (dbk_obj_get (dbk_doc_root (r), "absorbed"), &absorbed);
    cr_assert_eq (absorbed, 1);
    dbk_doc_destroy (&r);
    /*  the merged account takes no new people: the answer names the survivor */
    cr_assert_eq (s_req ("CONTACT_ADD", true, NULL, &r, "name", "王伟", "account_id", "old", NULL),
                  DBK_EREJECTED);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "account_id");
    cr_assert (strstr (dbk_client_errmsg (s_c), "new"), "%s", dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
    /*  nor can it be merged again or be a survivor */
    cr_assert_eq (s_req ("ACCOUNT_MERGE", true, NULL, &r, "id", "old", "into", "new", NULL),
                  DBK_EREJECTED);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "id");
    dbk_doc_destroy (&r);
    s_account ("third", "Third Design", "owner");
    cr_assert_eq (s_req ("ACCOUNT_MERGE", true, NULL, &r, "id", "third", "into", "old", NULL),
                  DBK_EREJECTED);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "into");
    dbk_doc_destroy (&r);
    /*  its name no longer counts as a duplicate */
    cr_assert_eq (s_req ("ACCOUNT_REGISTER", true, NULL, NULL, "name", "Old Name Design Ltd",
                         "type", "owner", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    /*  and the same holds after a rebuild from the log */
    s_stop ();
    char path[700];
    snprintf (path, sizeof path, "%s/contacts", s_dir);
    tl_rmtree (path);
    s_start ();
    cr_assert_eq (s_req ("ACCOUNT_MERGE", true, NULL, NULL, "id", "old", "into", "new", NULL),
                  DBK_EREJECTED, "the replay must be done before deciding");
    cr_assert_eq (s_req ("ACCOUNT_GET", false, NULL, &r, "id", "old", NULL), 0);
    cr_assert_str_eq (s_rstr (r, "merged_into", buf, sizeof buf), "new");
    dbk_doc_destroy (&r);
}

Test (contacts_service, a_merged_account_is_left_out_of_every_account_list)
{
    s_account ("a-old", "Old Name Design", "design_institute");
    s_account ("b-new", "New Name Design", "design_institute");
    cr_assert_eq (s_req ("ACCOUNT_MERGE", true, NULL, NULL, "id", "a-old", "into", "b-new", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    const char *filters[][2] = {{NULL, NULL}, {"type", "design_institute"}, {"city", "上海"}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        dbk_doc_t *r;
        char ids[200];
        cr_assert_eq (s_req ("ACCOUNT_LIST", false, NULL, &r, filters[i][0], filters[i][1], NULL),
                      0);
        cr_assert_str_eq (s_ids (r, "accounts", ids, sizeof ids), "b-new", "filter %zu", i);
        dbk_doc_destroy (&r);
    }
}

Test (contacts_service, competitors_are_listed_by_the_accounts_they_are_close_to)
{
    s_account ("a1", "Alpha Design", "design_institute");
    s_account ("a2", "Beta Build", "general_contractor");
    s_account ("a3", "Gamma Old", "owner");
    cr_assert_eq (s_req ("ACCOUNT_MERGE", true, NULL, NULL, "id", "a3", "into", "a2", NULL), 0);
    dbk_doc_t *r;
    char buf[300];
    cr_assert_eq (s_list_cmd ("COMPETITOR_ADD", "k1", "close_to", "a1", "a2", "name", "Kone",
                              "price_level", "high", &r),
                  0, "%s", dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
    cr_assert_eq (s_list_cmd ("COMPETITOR_ADD", "k2", "close_to", "a2", NULL, "name", "Otis", NULL,
                              NULL, NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    int64_t head = s_head ();
    /*  references: unknown and merged accounts are refused, naming the survivor */
    cr_assert_eq (
        s_list_cmd ("COMPETITOR_ADD", "k3", "close_to", "ghost", NULL, "name", "X", NULL, NULL, &r),
        DBK_ENOTFOUND);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "close_to");
    dbk_doc_destroy (&r);
    cr_assert_eq (
        s_list_cmd ("COMPETITOR_ADD", "k3", "close_to", "a3", NULL, "name", "X", NULL, NULL, &r),
        DBK_EREJECTED);
    cr_assert (strstr (dbk_client_errmsg (s_c), "a2"), "%s", dbk_client_errmsg (s_c));
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("COMPETITOR_ADD", true, NULL, &r, "id", "k1", "name", "Kone", NULL),
                  DBK_EDUPLICATE);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("COMPETITOR_UPDATE", true, NULL, &r, "id", "nope", "name", "Y", NULL),
                  DBK_ENOTFOUND);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_head (), head);
    cr_assert_eq (s_req ("COMPETITOR_GET", false, NULL, &r, "id", "k1", NULL), 0);
    cr_assert_str_eq (s_rstr (r, "price_level", buf, sizeof buf), "high");
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "close_to")), 2);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("COMPETITOR_LIST", false, NULL, &r, "close_to", "a2", NULL), 0);
    cr_assert_str_eq (s_ids (r, "competitors", buf, sizeof buf), "k1 k2");
    dbk_doc_destroy (&r);
    /*  an update of close_to replaces the list, and the index with it */
    cr_assert_eq (s_list_cmd ("COMPETITOR_UPDATE", "k1", "close_to", "a1", NULL, "strengths",
                              "service network", NULL, NULL, NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    cr_assert_eq (s_req ("COMPETITOR_LIST", false, NULL, &r, "close_to", "a2", NULL), 0);
    cr_assert_str_eq (s_ids (r, "competitors", buf, sizeof buf), "k2");
    dbk_doc_destroy (&r);
    /*  a limit must be a number, not text */
    cr_assert_eq (s_req ("COMPETITOR_LIST", false, NULL, &r, "limit", "1", NULL), DBK_EINVAL);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("COMPETITOR_LIST", false, NULL, &r, NULL), 0);
    cr_assert_str_eq (s_ids (r, "competitors", buf, sizeof buf), "k1 k2");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("COMPETITOR_GET", false, NULL, &r, "id", "k1", NULL), 0);
    cr_assert_str_eq (s_rstr (r, "strengths", buf, sizeof buf), "service network");
    cr_assert_eq (dbk_obj_len (dbk_obj_get (dbk_doc_root (r), "close_to")), 1);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("COMPETITOR_GET", false, NULL, &r, "id", "k9", NULL), DBK_ENOTFOUND);
    dbk_doc_destroy (&r);
}

Test (contacts_service, activities_are_listed_newest_first_and_keep_contacts_fresh)
{
    s_account ("a1", "Alpha Design", "design_institute");
    s_contact ("c1", "李娜", "a1");
    s_contact ("c2", "张伟", "a1");
    s_contact ("c3", "赵敏", "a1");
    dbk_doc_t *r;
    char buf[300];
    cr_assert_eq (s_list_cmd ("ACTIVITY_LOG", "v1", "their_people", "c1", "c2", "kind", "visit",
                              "date", "2026-03-01", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    cr_assert_eq (s_list_cmd ("ACTIVITY_LOG", "v2", "their_people", "c1", NULL, "kind", "dinner",
                              "date", "2026-03-20", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    /*  logged late, about an older day: c1's last activity stays 03-20 */
    cr_assert_eq (s_list_cmd ("ACTIVITY_LOG", "v3", "their_people", "c1", NULL, "kind", "call",
                              "date", "2026-02-01", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    int64_t head = s_head ();
    cr_assert_eq (s_list_cmd ("ACTIVITY_LOG", "v4", "their_people", "ghost", NULL, "kind", "call",
                              "date", "2026-02-01", &r),
                  DBK_ENOTFOUND);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "their_people");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_list_cmd ("ACTIVITY_LOG", "v1", "their_people", "c1", NULL, "kind", "call",
                              "date", "2026-02-01", NULL),
                  DBK_EDUPLICATE);
    cr_assert_eq (s_list_cmd ("ACTIVITY_LOG", "v5", "their_people", "c1", NULL, "kind", "call",
                              "date", "2026-02-30", &r),
                  DBK_EINVAL);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "date");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_head (), head);
    cr_assert_eq (s_req ("ACTIVITY_LIST", false, NULL, &r, "contact_id", "c1", NULL), 0);
    cr_assert_str_eq (s_ids (r, "activities", buf, sizeof buf), "v2 v1 v3");
    dbk_doc_destroy (&r);
    /*  paged: pass next as after */
    dbk_wr_t *w = dbk_client_begin (s_c, "ACTIVITY_LIST", 2);
    dbk_wr_kv_cstr (w, "contact_id", "c1");
    dbk_wr_kv_u64 (w, "limit", 2);
    cr_assert_eq (dbk_client_call (s_c, &r), 0);
    cr_assert_str_eq (s_ids (r, "activities", buf, sizeof buf), "v2 v1");
    const char *next;
    size_t nl;
    cr_assert_eq (dbk_obj_str (dbk_obj_get (dbk_doc_root (r), "next"), &next, &nl), 0);
    w = dbk_client_begin (s_c, "ACTIVITY_LIST", 3);
    dbk_wr_kv_cstr (w, "contact_id", "c1");
    dbk_wr_kv_u64 (w, "limit", 2);
    dbk_wr_cstr (w, "after");
    dbk_wr_str (w, next, nl);
    dbk_doc_t *r2;
    cr_assert_eq (dbk_client_call (s_c, &r2), 0);
    cr_assert_str_eq (s_ids (r2, "activities", buf, sizeof buf), "v3");
    dbk_doc_destroy (&r2);
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACTIVITY_LIST", false, NULL, &r, "contact_id", "c3", NULL), 0);
    cr_assert_str_eq (s_ids (r, "activities", buf, sizeof buf), "");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACTIVITY_LIST", false, NULL, &r, NULL), DBK_EINVAL);
    dbk_doc_destroy (&r);
    /*  untouched for 30 days as of 2026-04-01 (cut-off 03-02): c3 never,
        c2 last on 03-01; c1 on 03-20 is fresh */
    cr_assert_eq (s_req ("NOTEBOOK_UNTOUCHED", false, NULL, &r, "as_of", "2026-04-01", NULL),
                  DBK_EINVAL, "days is required");
    dbk_doc_destroy (&r);
    w = dbk_client_begin (s_c, "NOTEBOOK_UNTOUCHED", 2);
    dbk_wr_kv_u64 (w, "days", 30);
    dbk_wr_kv_cstr (w, "as_of", "2026-04-01");
    cr_assert_eq (dbk_client_call (s_c, &r), 0, "%s", dbk_client_errmsg (s_c));
    cr_assert_str_eq (s_ids (r, "contacts", buf, sizeof buf), "c3 c2");
    const dbk_obj_t *c2 = dbk_obj_at (dbk_obj_get (dbk_doc_root (r), "contacts"), 1);
    cr_assert_str_eq (s_str (c2, "last_activity", buf, sizeof buf), "2026-03-01");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("CONTACT_GET", false, NULL, &r, "id", "c1", NULL), 0);
    cr_assert_str_eq (s_rstr (r, "last_activity", buf, sizeof buf), "2026-03-20");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("CONTACT_GET", false, NULL, &r, "id", "c3", NULL), 0);
    cr_assert_eq (dbk_obj_type (dbk_obj_get (dbk_doc_root (r), "last_activity")), DBK_T_NIL);
    dbk_doc_destroy (&r);
    w = dbk_client_begin (s_c, "NOTEBOOK_UNTOUCHED", 2);
    dbk_wr_kv_u64 (w, "days", 10);
    dbk_wr_kv_cstr (w, "as_of", "2026-03-30");
    cr_assert_eq (dbk_client_call (s_c, &r), 0, "%s", dbk_client_errmsg (s_c));
    cr_assert_str_eq (s_ids (r, "contacts", buf, sizeof buf), "c3 c2 c1");
    dbk_doc_destroy (&r);
    /*  the same after a rebuild of the read model */
    s_stop ();
    char path[700];
    snprintf (path, sizeof path, "%s/contacts", s_dir);
    tl_rmtree (path);
    s_start ();
    s_contact ("c4", "钱七", "a1"); /* a command waits for the replay */
    w = dbk_client_begin (s_c, "NOTEBOOK_UNTOUCHED", 2);
    dbk_wr_kv_u64 (w, "days", 30);
    dbk_wr_kv_cstr (w, "as_of", "2026-04-01");
    cr_assert_eq (dbk_client_call (s_c, &r), 0, "%s", dbk_client_errmsg (s_c));
    cr_assert_str_eq (s_ids (r, "contacts", buf, sizeof buf), "c3 c4 c2");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACTIVITY_LIST", false, NULL, &r, "contact_id", "c1", NULL), 0);
    cr_assert_str_eq (s_ids (r, "activities", buf, sizeof buf), "v2 v1 v3");
    dbk_doc_destroy (&r);
}

/*  The ids NOTEBOOK_BIRTHDAYS answers for days from as_of. */
static const char *s_birthdays (uint64_t days, const char *as_of, char *out, size_t outsz)
{
    dbk_wr_t *w = dbk_client_begin (s_c, "NOTEBOOK_BIRTHDAYS", 2);
    dbk_wr_kv_u64 (w, "days", days);
    dbk_wr_kv_cstr (w, "as_of", as_of);
    dbk_doc_t *r;
    cr_assert_eq (dbk_client_call (s_c, &r), 0, "%s", dbk_client_errmsg (s_c));
    s_ids (r, "contacts", out, outsz);
    dbk_doc_destroy (&r);
    return out;
}

Test (contacts_service, birthdays_in_the_next_days_wrap_around_the_year_end)
{
    s_account ("a1", "Alpha Design", "design_institute");
    const char *who[][2] = {
        {"b1", "1980-12-30"}, {"b2", "--01-03"}, {"b3", "1975-06-15"}, {"b4", "--12-25"}};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq (s_req ("CONTACT_ADD", true, NULL, NULL, "id", who[i][0], "name", "某人",
                             "account_id", "a1", "birthday", who[i][1], NULL),
                      0, "%s", dbk_client_errmsg (s_c));
    s_contact ("b5", "无生日", "a1");
    char out[200];
    cr_assert_str_eq (s_birthdays (10, "2026-12-28", out, sizeof out), "b1 b2");
    cr_assert_str_eq (s_birthdays (0, "2026-12-25", out, sizeof out), "b4");
    cr_assert_str_eq (s_birthdays (30, "2026-06-01", out, sizeof out), "b3");
    cr_assert_str_eq (s_birthdays (366, "2026-06-16", out, sizeof out), "b4 b1 b2 b3");
    cr_assert_str_eq (s_birthdays (366, "2026-01-01", out, sizeof out), "b2 b3 b4 b1");
    /*  a changed birthday moves in the index; the upcoming date is given */
    cr_assert_eq (
        s_req ("CONTACT_UPDATE", true, NULL, NULL, "id", "b3", "birthday", "--12-29", NULL), 0);
    cr_assert_str_eq (s_birthdays (10, "2026-12-28", out, sizeof out), "b3 b1 b2");
    cr_assert_str_eq (s_birthdays (30, "2026-06-01", out, sizeof out), "");
    dbk_wr_t *w = dbk_client_begin (s_c, "NOTEBOOK_BIRTHDAYS", 2);
    dbk_wr_kv_u64 (w, "days", 10);
    dbk_wr_kv_cstr (w, "as_of", "2026-12-28");
    dbk_doc_t *r;
    char buf[40];
    cr_assert_eq (dbk_client_call (s_c, &r), 0);
    const dbk_obj_t *list = dbk_obj_get (dbk_doc_root (r), "contacts");
    cr_assert_str_eq (s_str (dbk_obj_at (list, 2), "upcoming", buf, sizeof buf), "2027-01-03");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("CONTACT_UPDATE", true, NULL, NULL, "id", "b3", "birthday", "", NULL), 0);
    cr_assert_str_eq (s_birthdays (10, "2026-12-28", out, sizeof out), "b1 b2");
    w = dbk_client_begin (s_c, "NOTEBOOK_BIRTHDAYS", 2);
    dbk_wr_kv_u64 (w, "days", 10);
    dbk_wr_kv_cstr (w, "as_of", "2026-02-30");
    cr_assert_eq (dbk_client_call (s_c, &r), DBK_EINVAL);
    cr_assert_str_eq (s_rstr (r, "field", buf, sizeof buf), "as_of");
    dbk_doc_destroy (&r);
}

/*  A hand-appended activity.logged on stream activity-<id>: kind call on
    date, with one of their people. */
static void s_append_logged (const char *id, const char *type, const char *date, const char *who)
{
    dbk_wr_t *buf = dbk_wr_new ();
    dbk_event_t ev;
    tl_event (&ev, type, 0, NULL, buf);
    dbk_wr_reset (buf);
    dbk_wr_map (buf, 4);
    dbk_wr_kv_cstr (buf, "id", id);
    dbk_wr_kv_cstr (buf, "kind", "call");
    dbk_wr_kv_cstr (buf, "date", date);
    dbk_wr_cstr (buf, "their_people");
    dbk_wr_array (buf, 1);
    dbk_wr_cstr (buf, who);
    ev.data_raw = dbk_wr_data (buf);
    ev.data_raw_len = dbk_wr_size (buf);
    char stream[64];
    snprintf (stream, sizeof stream, "activity-%s", id);
    dbk_client_t *lc = dbk_client_new (s_log.log_ep, 5000);
    cr_assert_eq (dbk_client_append (lc, stream, DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL), 0, "%s",
                  dbk_client_errmsg (lc));
    dbk_client_destroy (&lc);
    dbk_wr_destroy (&buf);
}

Test (contacts_service, an_activity_is_logged_once_whatever_is_appended_after_it)
{
    s_account ("a1", "Alpha Design", "design_institute");
    s_contact ("c1", "李娜", "a1");
    s_contact ("c2", "张伟", "a1");
    cr_assert_eq (s_list_cmd ("ACTIVITY_LOG", "v1", "their_people", "c1", NULL, "kind", "visit",
                              "date", "2026-03-01", NULL),
                  0, "%s", dbk_client_errmsg (s_c));
    /*  a second logged event on v1's stream (version 2) changes nothing;
        a stream whose first event is of another type gets its row from a
        logged event at version 2 */
    s_append_logged ("v1", "activity.logged", "2026-04-01", "c2");
    s_append_logged ("v9", "activity.noted", "2026-04-02", "c2");
    s_append_logged ("v9", "activity.logged", "2026-04-03", "c2");
    /*  the command waits until the read model passed those events */
    s_contact ("c3", "赵敏", "a1");
    dbk_doc_t *r;
    char buf[300];
    cr_assert_eq (s_req ("ACTIVITY_LIST", false, NULL, &r, "contact_id", "c1", NULL), 0);
    cr_assert_str_eq (s_ids (r, "activities", buf, sizeof buf), "v1");
    dbk_doc_destroy (&r);
    cr_assert_eq (s_req ("ACTIVITY_LIST", false, NULL, &r, "contact_id", "c2", NULL), 0);
    cr_assert_str_eq (s_ids (r, "activities", buf, sizeof buf), "v9");
    dbk_doc_destroy (&r);
}
