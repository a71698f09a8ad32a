/*  libshared modules without a suite of their own: JSON, configuration,
    logging levels, LMDB helpers and checkpoints, the socket factory. */
#include "support/testlib.h"

#include "dealbook/dbk_actor.h"
#include "dealbook/dbk_config.h"
#include "dealbook/dbk_currency.h"
#include "dealbook/dbk_decide.h"
#include "dealbook/dbk_fds.h"
#include "dealbook/dbk_json.h"
#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_logging.h"
#include "dealbook/dbk_mem.h"
#include "dealbook/dbk_sock.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static json_t *s_roundtrip (const char *text)
{
    dbk_wr_t *w = dbk_wr_new ();
    char err[200];
    cr_assert_eq (dbk_json_to_mp (text, strlen (text), w, err, sizeof err), 0, "%s", err);
    json_t *j = dbk_json_from_mp (dbk_wr_data (w), dbk_wr_size (w));
    dbk_wr_destroy (&w);
    return j;
}

Test (json, object_survives_a_round_trip_through_msgpack)
{
    const char *text = "{\"name\":\"上海建工\",\"amount\":320000000,\"neg\":-5,\"ratio\":0.25,"
                       "\"ok\":true,\"none\":null,\"tags\":[\"a\",1,{\"b\":false}]}";
    json_t *want = json_loads (text, 0, NULL);
    json_t *got = s_roundtrip (text);
    cr_assert_not_null (got);
    cr_assert (json_equal (want, got), "round trip changed the value");
    json_decref (want);
    json_decref (got);
}

Test (json, keys_keep_their_document_order)
{
    json_t *got = s_roundtrip ("{\"z\":1,\"a\":2,\"m\":3}");
    char *s = json_dumps (got, JSON_COMPACT);
    cr_assert_str_eq (s, "{\"z\":1,\"a\":2,\"m\":3}");
    free (s);
    json_decref (got);
}

Test (json, invalid_text_is_refused_with_its_position)
{
    dbk_wr_t *w = dbk_wr_new ();
    char err[200];
    cr_assert_eq (dbk_json_to_mp ("{\"a\": tru}", 10, w, err, sizeof err), DBK_EINVAL);
    cr_assert (strstr (err, "line 1") != NULL, "%s", err);
    cr_assert_eq (dbk_json_to_mp ("{\"a\":1,\"a\":2}", 13, w, err, sizeof err), DBK_EINVAL,
                  "duplicate keys must be refused");
    dbk_wr_destroy (&w);
}

Test (json, bin_becomes_base64_and_non_string_keys_are_refused)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_bin (w, "\x01\x02\x03", 3);
    json_t *j = dbk_json_from_mp (dbk_wr_data (w), dbk_wr_size (w));
    cr_assert_str_eq (json_string_value (j), "AQID");
    json_decref (j);
    dbk_wr_reset (w);
    dbk_wr_bin (w, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11", 17);
    j = dbk_json_from_mp (dbk_wr_data (w), dbk_wr_size (w));
    cr_assert_str_eq (json_string_value (j), "AQIDBAUGBwgJCgsMDQ4PEBE=", "17 bytes: no id");
    json_decref (j);
    dbk_wr_reset (w);
    dbk_wr_map (w, 1);
    dbk_wr_u64 (w, 7);
    dbk_wr_u64 (w, 8);
    cr_assert_null (dbk_json_from_mp (dbk_wr_data (w), dbk_wr_size (w)));
    dbk_wr_destroy (&w);
}

/*  A command's reply carries its id (cmd) as bin 16: shown as the log
    shows the events' cause, a script can match the two. */
Test (json, a_reply_shows_ids_as_the_events_show_them)
{
    uint8_t id[DBK_ID_SIZE];
    dbk_uuid_v7 (id);
    char uuid[37];
    dbk_uuid_format (id, uuid);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_wr_map (w, 2);
    dbk_wr_cstr (w, "cmd");
    dbk_wr_bin (w, id, DBK_ID_SIZE);
    dbk_wr_kv_u64 (w, "events", 1);
    json_t *j = dbk_json_from_mp (dbk_wr_data (w), dbk_wr_size (w));
    cr_assert_str_eq (json_string_value (json_object_get (j, "cmd")), uuid);
    json_decref (j);
    dbk_wr_destroy (&w);
}

Test (json, event_shows_ids_as_uuids_and_hashes_as_hex)
{
    dbk_wr_t *buf = dbk_wr_new (), *rec = dbk_wr_new ();
    dbk_event_t ev;
    tl_event (&ev, "account.registered", 42, "hello", buf);
    ev.seq = 1;
    ev.ver = 1;
    ev.ts = ev.at = 1700000000000;
    ev.stream = "account-1";
    ev.stream_len = 9;
    uint8_t zero[32] = {0};
    dbk_event_write_record (rec, &ev, zero);
    dbk_event_t back;
    cr_assert_eq (dbk_event_decode_record (dbk_wr_data (rec), dbk_wr_size (rec), &back), 0);
    json_t *j = dbk_json_from_event (&back);
    cr_assert_not_null (j);
    char uuid[37];
    dbk_uuid_format (ev.id, uuid);
    cr_assert_str_eq (json_string_value (json_object_get (j, "id")), uuid);
    cr_assert_eq (strlen (json_string_value (json_object_get (j, "hash"))), 64);
    cr_assert (json_is_null (json_object_get (j, "corr")));
    cr_assert_eq (json_integer_value (json_object_get (json_object_get (j, "data"), "n")), 42);
    json_decref (j);
    dbk_wr_destroy (&buf);
    dbk_wr_destroy (&rec);
}

Test (config, environment_sets_and_flags_override)
{
    setenv ("DEALBOOK_LOG_ENDPOINT", "tcp://127.0.0.1:9999", 1);
    setenv ("DEALBOOK_LOG_LEVEL", "debug", 1);
    setenv ("DEALBOOK_DURABLE", "0", 1);
    dbk_config_t cfg;
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    cr_assert_str_eq (cfg.log_endpoint, "tcp://127.0.0.1:9999");
    cr_assert_eq (cfg.log_level, DBK_LOG_DEBUG);
    cr_assert_eq (cfg.durable, false);
    cr_assert_str_eq (cfg.pub_endpoint, DBK_DEFAULT_PUB_ENDPOINT);
    cr_assert_eq (dbk_config_flag (&cfg, "--log", "ipc:///tmp/x", NULL, 0), 1);
    cr_assert_str_eq (cfg.log_endpoint, "ipc:///tmp/x");
    cr_assert_eq (dbk_config_flag (&cfg, "--not-a-config-flag", "x", NULL, 0), 0);
    cr_assert_eq (dbk_config_flag (&cfg, "--heartbeat-ms", "soon", NULL, 0), DBK_EINVAL);
    cr_assert_eq (dbk_config_flag (&cfg, "--map-size", NULL, NULL, 0), DBK_EINVAL);
}

/*  Each refused variable: the line that stops a process names it, the
    value given and what the setting takes. */
Test (config, an_unusable_environment_value_says_what_the_setting_takes)
{
    static const struct {
        const char *env, *value, *says;
    } bad[] = {
        {"DEALBOOK_MAP_SIZE", "16GiB", "DEALBOOK_MAP_SIZE=16GiB: a size in bytes from 1048576 to "},
        {"DEALBOOK_MAP_SIZE", "4096", "DEALBOOK_MAP_SIZE=4096: a size in bytes from 1048576 to "},
        {"DEALBOOK_PUB_HWM", "0",
         "DEALBOOK_PUB_HWM=0: a whole number of messages from 1 to "
         "100000000"},
        {"DEALBOOK_LOG_LEVEL", "verbose",
         "DEALBOOK_LOG_LEVEL=verbose: one of error, warning, info, debug"},
        {"DEALBOOK_TIMEOUT_MS", "-5", "DEALBOOK_TIMEOUT_MS=-5: a whole number of ms from 1 to "},
        {"DEALBOOK_HEARTBEAT_MS", " 5", "DEALBOOK_HEARTBEAT_MS= 5: a whole number of ms"},
        {"DEALBOOK_BOOK_EVERY", "-1", "DEALBOOK_BOOK_EVERY=-1: a whole number of events from 0 "},
        {"DEALBOOK_DURABLE", "maybe", "DEALBOOK_DURABLE=maybe: 1, true or yes; 0, false or no"},
        {"DEALBOOK_PROTECTION_DAYS", "3651",
         "DEALBOOK_PROTECTION_DAYS=3651: a whole number of days from 0 to 3650"},
        {"DEALBOOK_STALE_CONTACT_DAYS", "0",
         "DEALBOOK_STALE_CONTACT_DAYS=0: a whole number of days from 1 to 3650"},
        /*  refused rather than cut down to what the held rows can take */
        {"DEALBOOK_REPLAY_HOLD_MB", "20000",
         "DEALBOOK_REPLAY_HOLD_MB=20000: a whole number of MiB from 0 to 16384"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv (bad[i].env, bad[i].value, 1);
        dbk_config_t cfg;
        char why[300] = "";
        cr_assert_eq (dbk_config_load (&cfg, why, sizeof why), DBK_EINVAL, "%s accepted",
                      bad[i].says);
        cr_assert (strncmp (why, bad[i].says, strlen (bad[i].says)) == 0, "'%s' is not '%s...'",
                   why, bad[i].says);
        unsetenv (bad[i].env);
    }
    /*  a string: its length */
    char big[1100];
    memset (big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    setenv ("DEALBOOK_DATA_DIR", big, 1);
    dbk_config_t cfg;
    char why[300];
    cr_assert_eq (dbk_config_load (&cfg, why, sizeof why), DBK_EINVAL);
    cr_assert (strstr (why, "xxx...: a directory, 1 to 1023 bytes"), "%s", why);
    unsetenv ("DEALBOOK_DATA_DIR");
}

Test (config, an_unusable_flag_value_says_the_same_under_the_flag)
{
    dbk_config_t cfg;
    char why[300];
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    cr_assert_eq (dbk_config_flag (&cfg, "--map-size", "16GiB", why, sizeof why), DBK_EINVAL);
    cr_assert (strstr (why, "--map-size 16GiB: a size in bytes from 1048576 to ") == why, "%s",
               why);
    cr_assert_eq (dbk_config_flag (&cfg, "--pub-hwm", NULL, why, sizeof why), DBK_EINVAL);
    cr_assert_str_eq (why, "--pub-hwm without a value: a whole number of messages from 1 to "
                           "100000000");
    cr_assert_eq (dbk_config_flag (&cfg, "--managers", "", why, sizeof why), DBK_EINVAL);
    cr_assert_str_eq (why, "--managers \"\": actor ids, comma-separated, 1 to 511 bytes");
    cr_assert_eq (cfg.pub_hwm, 16384, "a refused value changes nothing");
    cr_assert_eq (dbk_config_flag (&cfg, "--replay-hold-mb", "16384", why, sizeof why), 1, "%s",
                  why);
    cr_assert_eq (cfg.replay_hold_mb, 16384);
    cr_assert_eq (dbk_config_flag (&cfg, "--replay-hold-mb", "16385", why, sizeof why), DBK_EINVAL);
    cr_assert_str_eq (why, "--replay-hold-mb 16385: a whole number of MiB from 0 to 16384");
}

Test (config, an_endpoint_with_a_port_libzmq_would_wrap_is_refused)
{
    /*  libzmq takes a tcp port modulo 65536: 89548 would be 24012 */
    dbk_config_t cfg;
    char why[300];
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    static const char *const bad[] = {"tcp://127.0.0.1:89548",
                                      "tcp://127.0.0.1:0",
                                      "tcp://127.0.0.1:",
                                      "tcp://127.0.0.1",
                                      "tcp://127.0.0.1:77x",
                                      "ipc://",
                                      "inproc://",
                                      "udp://127.0.0.1:7710"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq (dbk_config_flag (&cfg, "--log", bad[i], why, sizeof why), DBK_EINVAL,
                      "%s accepted", bad[i]);
        cr_assert (strstr (why, "a PORT from 1 to 65535 or *"), "%s", why);
    }
    static const char *const good[] = {
        "tcp://127.0.0.1:65535", "tcp://127.0.0.1:1",   "tcp://*:7710", "tcp://127.0.0.1:*",
        "tcp://[::1]:7710",      "ipc:///tmp/dbk.sock", "inproc://log"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cr_assert_eq (dbk_config_flag (&cfg, "--log", good[i], why, sizeof why), 1, "%s", why);
        cr_assert_str_eq (cfg.log_endpoint, good[i]);
    }
    setenv ("DEALBOOK_PUB_ENDPOINT", "tcp://127.0.0.1:77110", 1);
    cr_assert_eq (dbk_config_load (&cfg, why, sizeof why), DBK_EINVAL);
    cr_assert (strstr (why, "DEALBOOK_PUB_ENDPOINT=tcp://127.0.0.1:77110: ") == why, "%s", why);
    unsetenv ("DEALBOOK_PUB_ENDPOINT");
}

/*  DEALBOOK_TIMEZONE: UTC or a fixed offset +HH:MM / -HH:MM between the
    zones the world has (-12:00 to +14:00); "today" is the date there. */
Test (config, the_business_day_is_the_date_at_the_configured_offset)
{
    dbk_config_t cfg;
    char why[300], zone[16], today[11], want[11];
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    cr_assert_eq (cfg.utc_offset_min, 0, "UTC by default");
    dbk_config_zone (&cfg, zone);
    cr_assert_str_eq (zone, "UTC");
    static const struct {
        const char *value;
        int min;
        const char *zone;
    } good[] = {{"+08:00", 480, "UTC+08:00"},
                {"-05:30", -330, "UTC-05:30"},
                {"+14:00", 840, "UTC+14:00"},
                {"-12:00", -720, "UTC-12:00"},
                {"+05:45", 345, "UTC+05:45"},
                {"UTC", 0, "UTC"},
                {"Z", 0, "UTC"}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cr_assert_eq (dbk_config_flag (&cfg, "--timezone", good[i].value, why, sizeof why), 1, "%s",
                      why);
        cr_assert_eq (cfg.utc_offset_min, good[i].min, "%s", good[i].value);
        dbk_config_zone (&cfg, zone);
        cr_assert_str_eq (zone, good[i].zone);
        /*  the day turns at the offset's midnight, not UTC's */
        time_t before = time (NULL) + good[i].min * 60;
        dbk_config_today (&cfg, today);
        time_t after = time (NULL) + good[i].min * 60;
        struct tm tm;
        gmtime_r (&before, &tm);
        strftime (want, sizeof want, "%Y-%m-%d", &tm);
        if (strcmp (today, want) != 0) {
            gmtime_r (&after, &tm);
            strftime (want, sizeof want, "%Y-%m-%d", &tm);
        }
        cr_assert_str_eq (today, want, "%s", good[i].value);
        cr_assert_eq (dbk_config_day (&cfg), (int64_t) after / 86400);
    }
    static const char *const bad[] = {"+15:00", "-12:30", "+08:60", "8",      "+8:00",
                                      "UTC+8",  "utc",    "+0800",  "+08:00 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq (dbk_config_flag (&cfg, "--timezone", bad[i], why, sizeof why), DBK_EINVAL,
                      "%s accepted", bad[i]);
        cr_assert (strstr (why, "UTC or an offset from UTC, +HH:MM or -HH:MM, -12:00 to +14:00"),
                   "%s", why);
    }
    setenv ("DEALBOOK_TIMEZONE", "+09:00", 1);
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    unsetenv ("DEALBOOK_TIMEZONE");
    cr_assert_eq (cfg.utc_offset_min, 540);
}

/*  "As of day D" is the end of D in DEALBOOK_TIMEZONE, the instant the
    next day begins there; an instant counts as of D exactly when its
    business day is D or earlier. At UTC, nothing moves. */
Test (config, as_of_a_day_ends_at_the_offsets_midnight)
{
    const int64_t d = 20522; /* 2026-03-10 */
    cr_assert_eq (dbk_day_end_ms (d, 0), (d + 1) * 86400000, "UTC: midnight UTC");
    cr_assert_eq (dbk_day_end_ms (d, 600), 1773151200000, "+10:00: 14:00 UTC that day");
    cr_assert_eq (dbk_day_end_ms (d, -300), 1773205200000, "-05:00: 05:00 UTC the next");
    static const int offsets[] = {0, 1, -1, 345, 480, 600, 840, -300, -330, -720};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        int off = offsets[i];
        for (int64_t day = -2; day < 3; day++) {
            int64_t day_ = day ? d + day : -1; /* and the day before 1970 */
            int64_t end = dbk_day_end_ms (day_, off);
            cr_assert_eq (dbk_day_of_ms (end - 1, off), day_, "%d: the last ms of the day", off);
            cr_assert_eq (dbk_day_of_ms (end, off), day_ + 1, "%d: midnight is the next", off);
            cr_assert_eq (dbk_day_end_ms (day_, off) - dbk_day_end_ms (day_ - 1, off), 86400000);
        }
    }
    /*  an `at` appended by hand, however far: no overflow (SAN=1 checks) */
    cr_assert_eq (dbk_day_of_ms (INT64_MAX, 840), 106751991167);
    cr_assert_eq (dbk_day_of_ms (INT64_MIN, -720), -106751991168);
    /*  read models dated by the offset are rebuilt at another, never at UTC */
    cr_assert_eq (dbk_config_zone_mark (0, 0), 0);
    cr_assert_eq (dbk_config_zone_mark (0x1234, 0), 0x1234);
    cr_assert_neq (dbk_config_zone_mark (0, 480), 0);
    cr_assert_neq (dbk_config_zone_mark (0, 480), dbk_config_zone_mark (0, -480));
    cr_assert_neq (dbk_config_zone_mark (0x1234, 480), dbk_config_zone_mark (0, 480));
    dbk_config_t cfg;
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    cfg.utc_offset_min = 600;
    int64_t before = dbk_day_of_ms ((int64_t) time (NULL) * 1000, 600);
    int64_t today = dbk_config_day (&cfg);
    cr_assert (today == before || today == before + 1, "today is the day of now there");
}

/*  --help says the range a number takes, before a start refuses it. */
Test (config, the_usage_says_each_numbers_range)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream (&text, &n);
    cr_assert_not_null (f);
    dbk_config_print_usage (f);
    fclose (f);
    cr_assert (strstr (text, "PUB high-water mark (messages) [1-100000000]\n"), "%s", text);
    cr_assert (strstr (text, "[1048576-4398046511104]\n"), "%s", text);
    cr_assert (strstr (text, "[0-16384]\n"), "%s", text);
    cr_assert (!strstr (text, "data directory ["), "a text setting has no range");
    free (text);
}

/*  What a service checks itself is said the same way, under the name it
    was given by. */
Test (config, a_service_refuses_a_setting_under_the_name_it_was_given_by)
{
    setenv ("DEALBOOK_BID_PARTS", "Commercial", 1);
    dbk_config_t cfg;
    char why[300];
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    unsetenv ("DEALBOOK_BID_PARTS");
    cr_assert_eq (dbk_config_refuse (&cfg, "DEALBOOK_BID_PARTS", why, sizeof why, "'%s': no", "C"),
                  DBK_EINVAL);
    cr_assert_str_eq (why, "DEALBOOK_BID_PARTS=Commercial: 'C': no");
    cr_assert_eq (dbk_config_flag (&cfg, "--log-endpoint", "ipc:///tmp/y", NULL, 0), 1);
    dbk_config_refuse (&cfg, "DEALBOOK_LOG_ENDPOINT", why, sizeof why, "unreachable");
    cr_assert_str_eq (why, "--log-endpoint ipc:///tmp/y: unreachable");
}

Test (config, defaults_need_no_environment)
{
    unsetenv ("DEALBOOK_DATA_DIR");
    unsetenv ("DEALBOOK_LOG_ENDPOINT");
    dbk_config_t cfg;
    cr_assert_eq (dbk_config_load (&cfg, NULL, 0), 0);
    cr_assert_str_eq (cfg.data_dir, DBK_DEFAULT_DATA_DIR);
    cr_assert_str_eq (cfg.log_endpoint, DBK_DEFAULT_LOG_ENDPOINT);
    cr_assert (cfg.durable);
    char dir[2048];
    cr_assert_eq (dbk_config_service_dir (&cfg, "eventlog", dir, sizeof dir), 0);
    cr_assert_str_eq (dir, DBK_DEFAULT_DATA_DIR "/eventlog");
}

Test (currency, the_table_is_in_order_for_its_search)
{
    /*  dbk_currency_known searches by halves: one code out of order
        would hide its neighbours */
    const char *prev = NULL;
    size_t n = 0;
    for (const char *c; (c = dbk_currency_at (n)); n++) {
        cr_assert (dbk_currency_shaped (c, strlen (c)), "%s", c);
        if (prev)
            cr_assert_lt (strcmp (prev, c), 0, "%s before %s", prev, c);
        cr_assert (dbk_currency_known (c, 3), "%s", c);
        prev = c;
    }
    cr_assert_gt (n, 150, "list one holds some 160 codes with a minor unit");
}

Test (currency, iso_4217_codes_are_known_and_three_capitals_are_not_enough)
{
    static const char *const known[] = {"CNY", "EUR", "USD", "VND", "KWD", "JPY", "AED", "ZWG"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        cr_assert (dbk_currency_known (known[i], 3), "%s", known[i]);
    /*  not a code, "no currency", tests, gold, SDR, withdrawn, lower
        case, a prefix, too long */
    static const char *const unknown[] = {"XYZ", "XXX", "XTS", "XAU",  "XDR",
                                          "HRK", "cny", "CN",  "CNYY", ""};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        cr_assert_not (dbk_currency_known (unknown[i], strlen (unknown[i])), "%s", unknown[i]);
    cr_assert_not (dbk_currency_known (NULL, 3));
    cr_assert_not (dbk_currency_known ("CNY", 2), "a length, not a NUL, ends it");
    cr_assert (dbk_currency_shaped ("XYZ", 3));
    cr_assert_not (dbk_currency_shaped ("XyZ", 3));
}

Test (currency, each_code_has_the_decimals_of_its_minor_unit)
{
    cr_assert_eq (dbk_currency_decimals ("CNY", 3), 2);
    cr_assert_eq (dbk_currency_decimals ("JPY", 3), 0);
    cr_assert_eq (dbk_currency_decimals ("VND", 3), 0);
    cr_assert_eq (dbk_currency_decimals ("KWD", 3), 3);
    cr_assert_eq (dbk_currency_decimals ("CLF", 3), 4);
    cr_assert_eq (dbk_currency_decimals ("XYZ", 3), -1);
}

Test (logging, levels_parse_and_unknown_is_refused)
{
    cr_assert_eq (dbk_level_parse ("error"), DBK_LOG_ERROR);
    cr_assert_eq (dbk_level_parse ("warning"), DBK_LOG_WARNING);
    cr_assert_eq (dbk_level_parse ("info"), DBK_LOG_INFO);
    cr_assert_eq (dbk_level_parse ("debug"), DBK_LOG_DEBUG);
    cr_assert_eq (dbk_level_parse ("loud"), -1);
    cr_assert_eq (dbk_level_parse (NULL), -1);
}

Test (lmdb, checkpoint_commits_and_aborts_with_the_changes)
{
    char *dir = tl_tmpdir ("ckpt");
    MDB_env *env;
    cr_assert_eq (dbk_lmdb_open (&env, dir, 1 << 20, 4, true, NULL, 0), 0);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "model", MDB_CREATE, &dbi), 0);
    uint64_t seq = 99;
    cr_assert_eq (dbk_checkpoint_get (txn, dbi, &seq), 0);
    cr_assert_eq (seq, 0, "a missing checkpoint reads as 0");
    cr_assert_eq (dbk_checkpoint_put (txn, dbi, 7), 0);
    cr_assert_eq (mdb_txn_commit (txn), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (dbk_checkpoint_put (txn, dbi, 8), 0);
    mdb_txn_abort (txn); /* the change and its checkpoint vanish together */
    cr_assert_eq (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), 0);
    cr_assert_eq (dbk_checkpoint_get (txn, dbi, &seq), 0);
    cr_assert_eq (seq, 7);
    mdb_txn_abort (txn);
    mdb_env_close (env);
    tl_rmtree (dir);
    free (dir);
}

/*  Processes that start together and create their directories under one
    new parent (services sharing a fresh data directory) race on the
    parents: each must still succeed. 8 processes, released at once by a
    pipe, create siblings under 3 new levels, 50 times over. */
static int s_race_mkdirs (int (*create) (const char *), const char *base)
{
    enum { KIDS = 8, ROUNDS = 50 };
    int failed = 0;
    for (int r = 0; r < ROUNDS; r++) {
        int gate[2];
        cr_assert_eq (pipe (gate), 0);
        pid_t kids[KIDS];
        for (int k = 0; k < KIDS; k++) {
            kids[k] = fork ();
            cr_assert_geq (kids[k], 0);
            if (kids[k] == 0) {
                char c, path[512];
                close (gate[1]);
                (void) !read (gate[0], &c, 1); /* EOF: all go */
                snprintf (path, sizeof path, "%s/r%d/data/svc/k%d", base, r, k);
                _exit (create (path) == 0 ? 0 : 1);
            }
        }
        close (gate[0]);
        close (gate[1]);
        for (int k = 0; k < KIDS; k++) {
            int st;
            cr_assert_eq (waitpid (kids[k], &st, 0), kids[k]);
            failed += !(WIFEXITED (st) && WEXITSTATUS (st) == 0);
        }
    }
    return failed;
}

static int s_dir_create (const char *path)
{
    return dbk_dir_create (path);
}

Test (lmdb, directories_are_created_with_their_parents_even_by_racing_processes)
{
    char *dir = tl_tmpdir ("mkdirs");
    char path[600], file[600];
    snprintf (path, sizeof path, "%s/a/b/c", dir);
    cr_assert_eq (dbk_dir_create (path), 0);
    cr_assert_eq (dbk_dir_create (path), 0, "an existing directory is fine");
    struct stat st;
    cr_assert (stat (path, &st) == 0 && S_ISDIR (st.st_mode));
    snprintf (file, sizeof file, "%s/a/file", dir);
    FILE *f = fopen (file, "w");
    cr_assert_not_null (f);
    fclose (f);
    snprintf (path, sizeof path, "%s/a/file/d", dir);
    cr_assert_eq (dbk_dir_create (path), -1, "a file in the way");
    cr_assert_eq (errno, ENOTDIR);
    cr_assert_eq (dbk_dir_create (file), -1, "a file where the directory should be");
    cr_assert_eq (errno, ENOTDIR);
    cr_assert_eq (dbk_dir_create (""), -1);
    cr_assert_eq (s_race_mkdirs (s_dir_create, dir), 0, "a process lost a race on a parent");
    tl_rmtree (dir);
    free (dir);
}

Test (lmdb, a_directory_is_held_by_one_process_until_it_ends_even_by_sigkill)
{
    char *dir = tl_tmpdir ("dirlock");
    char sub[600], why[700], want[700], file[620];
    snprintf (sub, sizeof sub, "%s/data/eventlog", dir);
    int p[2];
    cr_assert_eq (pipe (p), 0);
    pid_t kid = fork ();
    cr_assert_geq (kid, 0);
    if (kid == 0) {
        int fd;
        char c = dbk_dir_lock (sub, &fd, NULL, 0) == 0 ? 'y' : 'n';
        if (write (p[1], &c, 1) == 1)
            pause (); /* holding it until killed */
        _exit (1);
    }
    char c = 0;
    cr_assert_eq (read (p[0], &c, 1), 1);
    cr_assert_eq (c, 'y', "the first process takes the directory (and its parent is made)");
    int fd = 7;
    cr_assert_eq (dbk_dir_lock (sub, &fd, why, sizeof why), DBK_EBUSY);
    cr_assert_eq (fd, -1);
    snprintf (want, sizeof want, "%s is in use by another process (pid %ld)", sub, (long) kid);
    cr_assert_str_eq (why, want);
    kill (kid, SIGKILL);
    int st;
    cr_assert_eq (waitpid (kid, &st, 0), kid);
    cr_assert_eq (dbk_dir_lock (sub, &fd, why, sizeof why), 0, "not at once after kill -9: %s",
                  why);
    cr_assert (fcntl (fd, F_GETFD) & FD_CLOEXEC, "a child started by exec would keep it");
    snprintf (file, sizeof file, "%s.lock", sub);
    FILE *f = fopen (file, "r");
    cr_assert_not_null (f, "the lock file sits beside the directory");
    long pid = 0;
    cr_assert_eq (fscanf (f, "%ld", &pid), 1);
    fclose (f);
    cr_assert_eq (pid, (long) getpid (), "the holder's pid replaces the one killed");
    int again;
    cr_assert_eq (dbk_dir_lock (sub, &again, NULL, 0), DBK_EBUSY, "one holder in a process too");
    close (fd);
    cr_assert_eq (dbk_dir_lock (sub, &again, NULL, 0), 0, "the file left behind blocks nobody");
    close (again);
    close (p[0]);
    close (p[1]);
    tl_rmtree (dir);
    free (dir);
}

Test (lmdb, map_grows_and_errors_map_to_dbk_codes)
{
    char *dir = tl_tmpdir ("grow");
    MDB_env *env;
    cr_assert_eq (dbk_lmdb_open (&env, dir, 1 << 16, 2, false, NULL, 0), 0);
    uint64_t size = 0;
    cr_assert_eq (dbk_lmdb_grow (env, &size), 0);
    cr_assert_geq (size, 1 << 17);
    mdb_env_close (env);
    cr_assert_eq (dbk_lmdb_err (MDB_MAP_FULL), DBK_EMAPFULL);
    cr_assert_eq (dbk_lmdb_err (ENOSPC), DBK_ENOSPC);
    cr_assert_eq (dbk_lmdb_err (EFBIG), DBK_ENOSPC);
    cr_assert_eq (dbk_lmdb_err (MDB_NOTFOUND), DBK_ENOTFOUND);
    cr_assert_eq (dbk_lmdb_err (MDB_CORRUPTED), DBK_ECORRUPT);
    cr_assert_eq (dbk_lmdb_err (EACCES), DBK_EIO);
    uint8_t b[8];
    dbk_be64_put (b, 0x0102030405060708ULL);
    cr_assert_eq (b[0], 1);
    cr_assert_eq (dbk_be64_get (b), 0x0102030405060708ULL);
    tl_rmtree (dir);
    free (dir);
}

Test (sock, factory_binds_and_connects_and_reports_failure)
{
    char *dir = tl_tmpdir ("sock");
    char ep[600];
    snprintf (ep, sizeof ep, "ipc://%s/sub/dir/x.sock", dir);
    dbk_sockcfg_t srv = {.type = ZMQ_ROUTER, .endpoint = ep, .bind = true};
    void *r = dbk_sock_open (&srv);
    cr_assert_not_null (r, "ipc bind must create the socket's directory");
    dbk_sockcfg_t cli = {.type = ZMQ_DEALER, .endpoint = ep, .bind = false};
    void *d = dbk_sock_open (&cli);
    cr_assert_not_null (d);
    zstr_send (d, "hello");
    zsock_set_rcvtimeo (r, 5000);
    zmsg_t *m = zmsg_recv (r);
    cr_assert_not_null (m);
    cr_assert_eq (zmsg_size (m), 2);
    zmsg_destroy (&m);
    dbk_sockcfg_t bad = {.type = ZMQ_ROUTER, .endpoint = "nonsense://x", .bind = true};
    errno = 0;
    cr_assert_null (dbk_sock_open (&bad));
    cr_assert_neq (errno, 0, "errno says why");
    dbk_sock_close (&d);
    dbk_sock_close (&r);
    cr_assert_null (r);
    dbk_sock_close (&r); /* safe twice */
    tl_rmtree (dir);
    free (dir);
}

/*  An actor that sends back what it is sent, until $TERM. */
static void s_echo_actor (void *pipe, void *args)
{
    (void) args;
    zsock_signal (pipe, 0);
    char *msg;
    while ((msg = zstr_recv (pipe)) && !streq (msg, "$TERM")) {
        zstr_send (pipe, msg);
        zstr_free (&msg);
    }
    zstr_free (&msg);
}

/*  A process out of file descriptors: CZMQ's zsock_new and zactor_new
    abort it there; the socket factory and the actor fail with EMFILE, and
    work again once descriptors are free. */
Test (sock, out_of_file_descriptors_is_an_error_not_an_abort)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://fds-%d", getpid ());
    dbk_sockcfg_t cfg = {.type = ZMQ_DEALER, .endpoint = ep, .bind = false};
    void *before = dbk_sock_open (&cfg); /* the context and its threads are up */
    cr_assert_not_null (before);
    struct rlimit was;
    cr_assert_eq (getrlimit (RLIMIT_NOFILE, &was), 0);
    /*  Given every descriptor of the process taken */
    int held[4096];
    size_t nheld = 0;
    struct rlimit low = {.rlim_cur = 256, .rlim_max = was.rlim_max};
    cr_assert_eq (setrlimit (RLIMIT_NOFILE, &low), 0);
    int fd, base = open ("/dev/null", O_RDONLY | O_CLOEXEC);
    cr_assert_geq (base, 0);
    while (nheld < sizeof held / sizeof held[0] && (fd = dup (base)) >= 0)
        held[nheld++] = fd;
    cr_assert_eq (errno, EMFILE, "all %zu descriptors are taken", nheld);
    /*  When a socket, a pipe or an actor is made, then each fails with EMFILE */
    errno = 0;
    cr_assert_null (dbk_sock_open (&cfg));
    cr_assert (dbk_fds_exhausted (errno), "errno %d", errno);
    void *a, *b;
    errno = 0;
    cr_assert_eq (dbk_sock_pair (&a, &b), -1);
    cr_assert (dbk_fds_exhausted (errno));
    cr_assert_null (a);
    cr_assert_null (b);
    errno = 0;
    cr_assert_null (dbk_actor_new (s_echo_actor, NULL));
    cr_assert (dbk_fds_exhausted (errno));
    char why[80];
    dbk_fds_why (why, sizeof why);
    cr_assert_str_eq (why, "out of file descriptors (limit 256)");
    /*  And once descriptors are free again, they work */
    while (nheld > 0)
        close (held[--nheld]);
    close (base);
    cr_assert_eq (setrlimit (RLIMIT_NOFILE, &was), 0);
    dbk_actor_t *actor = dbk_actor_new (s_echo_actor, NULL);
    cr_assert_not_null (actor);
    zstr_send (dbk_actor_pipe (actor), "ping");
    char *echo = zstr_recv (dbk_actor_pipe (actor));
    cr_assert_str_eq (echo, "ping");
    zstr_free (&echo);
    dbk_actor_destroy (&actor);
    cr_assert_null (actor);
    dbk_actor_destroy (&actor); /* safe twice */
    dbk_sock_close (&before);
}

/*  The soft limit goes up to the hard one, and is reported. */
Test (sock, the_descriptor_limit_is_raised_to_the_hard_limit)
{
    struct rlimit was;
    cr_assert_eq (getrlimit (RLIMIT_NOFILE, &was), 0);
    struct rlimit low = {.rlim_cur = 64, .rlim_max = was.rlim_max};
    cr_assert_eq (setrlimit (RLIMIT_NOFILE, &low), 0);
    dbk_fds_limit_t lim;
    cr_assert_eq (dbk_fds_raise (&lim), 0);
    cr_assert_eq (lim.was, 64);
    cr_assert_eq (lim.err, 0);
    struct rlimit now;
    cr_assert_eq (getrlimit (RLIMIT_NOFILE, &now), 0);
    cr_assert_eq (now.rlim_cur, now.rlim_max);
    cr_assert_eq (lim.soft, now.rlim_cur);
    cr_assert_eq (lim.hard, now.rlim_max);
    cr_assert_eq (dbk_fds_soft_limit (), now.rlim_cur);
    cr_assert_eq (setrlimit (RLIMIT_NOFILE, &was), 0);
}

Test (decide, events_then_a_rejection_leave_only_the_rejection)
{
    dbk_decision_t *d = dbk_decision_new ();
    dbk_wr_t *w = dbk_decision_event (d, "account-1", "account.registered");
    dbk_wr_map (w, 1);
    dbk_wr_kv_cstr (w, "name", "ACME");
    w = dbk_decision_event (d, "account-2", "account.merged");
    dbk_wr_map (w, 0);
    cr_assert_eq (dbk_decision_count (d), 2);
    cr_assert_str_eq (dbk_decision_stream (d, 1), "account-2");
    cr_assert_str_eq (dbk_decision_type (d, 0), "account.registered");
    const void *data;
    size_t len;
    dbk_decision_data (d, 0, &data, &len);
    json_t *j = dbk_json_from_mp (data, len);
    cr_assert_str_eq (json_string_value (json_object_get (j, "name")), "ACME");
    json_decref (j);
    dbk_decision_data (d, 1, &data, &len);
    cr_assert_eq (len, 1);
    cr_assert_eq (dbk_decision_reject (d, DBK_EINVAL, "name", "name is %s", "empty"), DBK_EINVAL);
    cr_assert (dbk_decision_rejected (d));
    cr_assert_eq (dbk_decision_count (d), 0);
    cr_assert_str_eq (dbk_decision_field (d), "name");
    cr_assert_str_eq (dbk_decision_message (d), "name is empty");
    dbk_decision_reset (d);
    cr_assert (!dbk_decision_rejected (d));
    cr_assert_null (dbk_decision_field (d));
    dbk_decision_destroy (&d);
    dbk_decision_destroy (&d);
}

/*  ---- dbk_grow ---- */

Test (mem, grow_doubles_from_first_keeps_the_elements_and_fails_cleanly)
{
    uint32_t *a = NULL;
    size_t cap = 0;
    cr_assert_eq (dbk_grow (&a, &cap, 1, sizeof *a, 4), 0);
    cr_assert (a && cap == 4);
    for (uint32_t i = 0; i < 4; i++)
        a[i] = i * 7;
    cr_assert_eq (dbk_grow (&a, &cap, 4, sizeof *a, 4), 0, "room already: nothing to do");
    cr_assert_eq (cap, 4);
    cr_assert_eq (dbk_grow (&a, &cap, 5, sizeof *a, 4), 0);
    cr_assert_eq (cap, 8, "doubled");
    cr_assert_eq (dbk_grow (&a, &cap, 33, sizeof *a, 4), 0);
    cr_assert_eq (cap, 64, "doubled until it fits");
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq (a[i], i * 7, "the elements are kept");
    uint32_t *before = a;
    cr_assert_eq (dbk_grow (&a, &cap, SIZE_MAX / 2, sizeof *a, 4), DBK_ENOMEM);
    cr_assert (a == before && cap == 64, "a failure leaves the array as it was");
    free (a);
}

/*  ---- dbk_huge_grow ---- */

Test (mem, huge_grow_keeps_the_bytes_and_zeroes_the_new_ones)
{
    size_t small = (size_t) 1 << 20, big = (size_t) 9 << 20;
    unsigned char *p = dbk_huge_grow (NULL, 0, small);
    cr_assert_not_null (p);
    for (size_t i = 0; i < small; i++)
        p[i] = (unsigned char) (i * 7 + 1);
    unsigned char *q = dbk_huge_grow (p, small, big);
    cr_assert_not_null (q);
    for (size_t i = 0; i < small; i++)
        cr_assert_eq (q[i], (unsigned char) (i * 7 + 1), "byte %zu", i);
    for (size_t i = small; i < big; i += 4093)
        cr_assert_eq (q[i], 0, "byte %zu", i);
    q[big - 1] = 1; /* all of it is there */
    dbk_huge_free (q, big);
}

/*  ---- dbk_heap_huge ---- */

/*  glibc's heap only: AddressSanitizer has its own allocator */
#ifndef TESTLIB_ASAN
static long s_rss_kb (void)
{
    FILE *f = fopen ("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets (line, sizeof line, f))
        if (!strncmp (line, "VmRSS:", 6))
            kb = atol (line + 6);
    if (f)
        fclose (f);
    return kb;
}

/*  Is the heap's memory at p in a mapping the kernel may back with huge
    pages ("THPeligible: 1" in smaps)? */
static bool s_thp_eligible (const void *p)
{
    FILE *f = fopen ("/proc/self/smaps", "r");
    char line[512];
    bool in = false, yes = false;
    uintptr_t a = (uintptr_t) p;
    while (f && fgets (line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf (line, "%lx-%lx ", &lo, &hi) == 2)
            in = a >= lo && a < hi;
        else if (in && !strncmp (line, "THPeligible:", 12))
            yes = atoi (line + 12) == 1;
    }
    if (f)
        fclose (f);
    return yes;
}

Test (mem, heap_huge_grows_the_heap_without_making_it_resident)
{
    mallopt (M_MMAP_THRESHOLD, 32 << 20);
    mallopt (M_TRIM_THRESHOLD, 256 << 20);
    long before = s_rss_kb ();
    dbk_heap_huge ((size_t) 64 << 20, (size_t) 8 << 20);
    long after = s_rss_kb ();
    /*  the pieces' headers are touched: once the range is advised, the
        kernel may back a touched page with a whole 2 MB huge page (it did
        here: 4120 KB). Far below the 64 MB reserved, all the same. */
    cr_assert (before > 0 && after - before < 16384, "RSS grew from %ld to %ld KB", before, after);
    /*  the next blocks come from the grown heap: the break does not move */
    void *brk0 = sbrk (0);
    void *blocks[8];
    for (int i = 0; i < 8; i++)
        cr_assert_not_null (blocks[i] = malloc ((size_t) 4 << 20));
    cr_assert_eq (sbrk (0), brk0, "malloc had to grow the heap again");
    FILE *f = fopen ("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    char mode[128] = "";
    if (f) {
        if (!fgets (mode, sizeof mode, f))
            mode[0] = 0;
        fclose (f);
    }
    if (mode[0] && !strstr (mode, "[never]"))
        cr_assert (s_thp_eligible ((char *) blocks[3] + (2 << 20)),
                   "the grown heap is not advised for huge pages (THP: %s)", mode);
    for (int i = 0; i < 8; i++)
        free (blocks[i]);
}
#endif
