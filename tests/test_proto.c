/*  test_proto.c - error codes and their wire names (dbk_error.h) and
    reading replies (dbk_proto.h), tested as specifications through the
    public API.
*/
#include "support/codec_given.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  ================= error codes ================= */

Test (errors, every_code_has_a_message_and_a_wire_name_that_maps_back)
{
    for (int code = DBK_OK; code >= DBK_ELAST; code--) {
        const char *msg = dbk_strerror (code);
        const char *wire = dbk_err_wire_name (code);
        cr_assert (msg && !strncmp (msg, "DBK_", 4), "%d: %s", code, msg);
        cr_assert (wire && *wire, "%d", code);
        for (const char *p = wire; *p; p++)
            cr_assert ((*p >= 'A' && *p <= 'Z') || *p == '_', "%s", wire);
        int back = dbk_err_from_wire (wire, strlen (wire));
        /*  DBK_EMAPFULL is internal: it never goes on the wire as itself */
        cr_assert_eq (back, code == DBK_EMAPFULL ? DBK_EIO : code, "%s -> %d, want %d", wire, back,
                      code);
    }
    cr_assert_str_eq (dbk_err_wire_name (DBK_ECONFLICT), "WRONG_EXPECTED_VERSION");
    cr_assert_str_eq (dbk_strerror (DBK_ECONFLICT), "DBK_ECONFLICT: wrong expected version");
}

Test (errors, wire_names_are_distinct_except_internal_storage_codes)
{
    for (int a = DBK_OK; a >= DBK_ELAST; a--)
        for (int b = a - 1; b >= DBK_ELAST; b--) {
            bool storage =
                (a == DBK_EIO || a == DBK_EMAPFULL) && (b == DBK_EIO || b == DBK_EMAPFULL);
            if (!storage)
                cr_assert_str_neq (dbk_err_wire_name (a), dbk_err_wire_name (b), "%d %d", a, b);
        }
}

Test (errors, unknown_codes_and_names_degrade_safely)
{
    cr_assert_eq (dbk_err_from_wire ("NO_SUCH_CODE", 12), DBK_EIO);
    cr_assert_eq (dbk_err_from_wire ("WRONG_EXPECTED", 14), DBK_EIO, "a prefix is not a name");
    cr_assert_eq (dbk_err_from_wire ("WRONG_EXPECTED_VERSION", 22), DBK_ECONFLICT);
    cr_assert_eq (dbk_err_from_wire ("", 0), DBK_EIO);
    cr_assert_not_null (dbk_strerror (-1000));
    cr_assert_not_null (dbk_strerror (5));
    cr_assert_not_null (dbk_err_wire_name (-1000));
}

/*  ================= reading replies ================= */

/*  A one-value document holding u64 v (a request id to echo). */
static dbk_doc_t *s_rid_doc (uint64_t v)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_u64 (w, v);
    dbk_doc_t *doc = s_parse_wr (w);
    dbk_wr_destroy (&w);
    return doc;
}

/*  Parse a reply in w and read its status. */
static int s_status (dbk_wr_t *w, uint64_t *rid, const char **msg, size_t *msg_len)
{
    dbk_doc_t *doc = s_parse_wr (w);
    int rc = dbk_proto_reply_status (dbk_doc_root (doc), rid, msg, msg_len);
    dbk_doc_destroy (&doc); /* msg is not used after this by the callers below */
    return rc;
}

Test (proto, an_ok_reply_reads_as_zero_with_its_rid)
{
    dbk_doc_t *rid = s_rid_doc (77);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_reply_begin (w, dbk_doc_root (rid), true, 1);
    dbk_wr_kv_u64 (w, "head", 9);
    dbk_doc_t *doc = s_parse_wr (w);
    uint64_t got = 0;
    const char *msg = NULL;
    size_t msg_len = 99;
    cr_assert_eq (dbk_proto_reply_status (dbk_doc_root (doc), &got, &msg, &msg_len), 0);
    cr_assert_eq (got, 77);
    cr_assert_not_null (msg);
    cr_assert_eq (msg_len, 0);
    uint64_t v;
    cr_assert (dbk_obj_u64 (dbk_obj_get (dbk_doc_root (doc), "v"), &v) == 0 &&
               v == DBK_PROTO_VERSION);
    cr_assert_eq (dbk_obj_len (dbk_doc_root (doc)), 4);
    dbk_doc_destroy (&doc);
    /*  a reply without rid (answer to a request that had none) */
    dbk_proto_reply_begin (w, NULL, true, 0);
    cr_assert_eq (s_status (w, &got, &msg, &msg_len), 0);
    cr_assert_eq (got, 0);
    dbk_doc_destroy (&rid);
    dbk_wr_destroy (&w);
}

Test (proto, an_error_reply_reads_as_its_code_with_message_and_field)
{
    dbk_doc_t *rid = s_rid_doc (5);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_error_begin (w, dbk_doc_root (rid), DBK_ECONFLICT, "stream is at version 4", "expect",
                           1);
    dbk_wr_kv_u64 (w, "current", 4);
    dbk_doc_t *doc = s_parse_wr (w);
    const dbk_obj_t *r = dbk_doc_root (doc);
    uint64_t got = 0;
    const char *msg;
    size_t msg_len;
    cr_assert_eq (dbk_proto_reply_status (r, &got, &msg, &msg_len), DBK_ECONFLICT);
    cr_assert_eq (got, 5);
    cr_assert (msg_len == strlen ("stream is at version 4") &&
               !memcmp (msg, "stream is at version 4", msg_len));
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "code"), "WRONG_EXPECTED_VERSION"));
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "field"), "expect"));
    uint64_t cur;
    cr_assert (dbk_obj_u64 (dbk_obj_get (r, "current"), &cur) == 0 && cur == 4);
    bool ok = true;
    cr_assert (dbk_obj_bool (dbk_obj_get (r, "ok"), &ok) == 0 && !ok);
    dbk_doc_destroy (&doc);

    /*  without a message: the code's own text */
    dbk_proto_error_begin (w, NULL, DBK_EINVAL, NULL, NULL, 0);
    doc = s_parse_wr (w);
    cr_assert_eq (dbk_proto_reply_status (dbk_doc_root (doc), &got, &msg, &msg_len), DBK_EINVAL);
    cr_assert (msg_len == strlen (dbk_strerror (DBK_EINVAL)) &&
               !memcmp (msg, dbk_strerror (DBK_EINVAL), msg_len));
    cr_assert_null (dbk_obj_get (dbk_doc_root (doc), "field"));
    dbk_doc_destroy (&doc);
    dbk_doc_destroy (&rid);
    dbk_wr_destroy (&w);
}

Test (proto, every_error_code_survives_the_wire)
{
    dbk_wr_t *w = dbk_wr_new ();
    for (int code = DBK_EINVAL; code >= DBK_ELAST; code--) {
        dbk_proto_error_begin (w, NULL, code, "m", NULL, 0);
        uint64_t rid;
        const char *msg;
        size_t msg_len;
        cr_assert_eq (s_status (w, &rid, &msg, &msg_len), code == DBK_EMAPFULL ? DBK_EIO : code,
                      "%s", dbk_strerror (code));
    }
    dbk_wr_destroy (&w);
}

Test (proto, an_error_reply_with_an_unknown_or_ok_code_reads_as_eio)
{
    dbk_wr_t *w = dbk_wr_new ();
    uint64_t rid;
    const char *msg;
    size_t msg_len;
    dbk_proto_reply_begin (w, NULL, false, 2);
    dbk_wr_kv_cstr (w, "code", "FROM_A_NEWER_SERVER");
    dbk_wr_kv_cstr (w, "msg", "?");
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EIO);
    dbk_proto_reply_begin (w, NULL, false, 1);
    dbk_wr_kv_cstr (w, "code", "OK");
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EIO, "ok:false is never success");
    dbk_wr_destroy (&w);
}

Test (proto, malformed_replies_read_as_emalformed)
{
    dbk_wr_t *w = dbk_wr_new ();
    uint64_t rid = 3;
    const char *msg = NULL;
    size_t msg_len;
    dbk_wr_array (w, 1);
    dbk_wr_bool (w, true);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "not a map");
    cr_assert_not_null (msg);
    dbk_wr_reset (w);
    dbk_wr_map (w, 1);
    dbk_wr_kv_u64 (w, "rid", 1);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "no ok");
    dbk_wr_reset (w);
    dbk_wr_map (w, 1);
    dbk_wr_kv_u64 (w, "ok", 1);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "ok not a bool");
    dbk_wr_reset (w);
    dbk_wr_map (w, 1);
    dbk_wr_kv_bool (w, "ok", false);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "error without code");
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_bool (w, "ok", false);
    dbk_wr_kv_u64 (w, "code", 3);
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), DBK_EMALFORMED, "code not a str");
    cr_assert_eq (dbk_proto_reply_status (NULL, &rid, &msg, &msg_len), DBK_EMALFORMED);
    /*  a rid that is not a uint reads as 0 */
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_bool (w, "ok", true);
    dbk_wr_kv_cstr (w, "rid", "abc");
    cr_assert_eq (s_status (w, &rid, &msg, &msg_len), 0);
    cr_assert_eq (rid, 0);
    dbk_wr_destroy (&w);
}

Test (proto, request_begin_writes_v_rid_and_op)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_cstr (w, "stale bytes");
    dbk_proto_request_begin (w, 12, "READ", 1);
    dbk_wr_kv_u64 (w, "from", 1);
    dbk_doc_t *doc = s_parse_wr (w);
    const dbk_obj_t *r = dbk_doc_root (doc);
    uint64_t v, rid;
    cr_assert_eq (dbk_obj_len (r), 4);
    cr_assert (dbk_obj_u64 (dbk_obj_get (r, "v"), &v) == 0 && v == DBK_PROTO_VERSION);
    cr_assert (dbk_obj_u64 (dbk_obj_get (r, "rid"), &rid) == 0 && rid == 12);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "op"), "READ"));
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
}
