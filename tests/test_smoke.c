#include "support/testlib.h"
#include <criterion/criterion.h>

Test (smoke, log_starts_and_appends)
{
    tl_log_t log;
    cr_assert_eq (tl_log_start (&log, false, NULL), 0);
    dbk_client_t *c = dbk_client_new (log.log_ep, 5000);
    dbk_wr_t *buf = dbk_wr_new ();
    dbk_event_t ev;
    tl_event (&ev, "account.registered", 1, "hi", buf);
    uint64_t fs, ls, lv;
    cr_assert_eq (dbk_client_append (c, "account-1", DBK_EXPECT_NONE, &ev, 1, &fs, &ls, &lv), 0);
    cr_assert_eq (fs, 1);
    cr_assert_eq (lv, 1);
    cr_assert_eq (tl_head (c), 1);
    dbk_wr_destroy (&buf);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}
