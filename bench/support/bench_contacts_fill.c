/*  bench_contacts_fill.c - the contacts bench's data set, written through
    the event log's store, and the dealbook-contacts process (see
    bench_contacts_fill.h).
*/
#include "bench_contacts_fill.h"
#include "bench_svc.h"

#include "contacts_decider.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "eventlog_store.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const bc_cities[BC_CITIES] = {
    "上海",   "北京", "广州", "深圳",     "杭州",     "南京", "苏州", "成都", "重庆", "武汉",
    "西安",   "天津", "长沙", "郑州",     "青岛",     "宁波", "无锡", "厦门", "福州", "济南",
    "合肥",   "沈阳", "大连", "哈尔滨",   "长春",     "昆明", "贵阳", "南宁", "南昌", "太原",
    "石家庄", "兰州", "银川", "乌鲁木齐", "呼和浩特", "西宁", "拉萨", "海口", "三亚", "珠海",
    "佛山",   "东莞", "温州", "绍兴",     "嘉兴",     "常州", "徐州", "烟台", "洛阳", "桂林"};

static const char *const s_surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
                                         "周", "吴", "徐", "孙", "马", "胡", "朱", "郭"};
static const char *const s_titles[] = {"总经理",   "采购经理",   "技术总监", "项目经理",
                                       "总工程师", "设计院院长", "采购专员", "副总裁"};
static const char *const s_levels[] = {"decision", "management", "operational"};
static const char *const s_functions[] = {"user", "technical", "procurement"};
static const char *const s_relations[] = {"acquainted", "interacting", "trusted", "allied"};
static const char *const s_types[] = {"owner", "design_institute", "general_contractor",
                                      "subcontractor", "distributor"};
static const char *const s_kinds[] = {"visit",      "call",  "meeting", "technical_exchange",
                                      "site_visit", "dinner"};
#define S_PICK(a, r) ((a)[(r) % (sizeof (a) / sizeof (a)[0])])

uint64_t bc_mix (uint64_t n)
{
    uint64_t z = n + UINT64_C (0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/*  H. Hinnant's civil_from_days. */
void bc_civil (long days, char out[11])
{
    long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf (out, 11, "%04u-%02u-%02u", (unsigned) (y % 10000), (unsigned) (m % 100),
              (unsigned) (d % 100));
}

void bc_contact_id (uint64_t i, char *out, size_t n)
{
    snprintf (out, n, "c%07llu", (unsigned long long) i);
}

void bc_account_id (uint64_t i, char *out, size_t n)
{
    snprintf (out, n, "a%06llu", (unsigned long long) i);
}

/*  ---- one event of the data set ---- */

typedef struct {
    char stream[80];
    const char *type;
} s_slot_t;

static void s_account (uint64_t i, dbk_wr_t *w, s_slot_t *s)
{
    char id[32], name[96];
    bc_account_id (i, id, sizeof id);
    uint64_t r = bc_mix (i);
    snprintf (name, sizeof name, "%s宏达%06llu建设集团有限公司", S_PICK (bc_cities, r),
              (unsigned long long) i);
    char *norm = contacts_normalize_name (name, strlen (name));
    if (!norm)
        bench_die ("cannot normalise %s", name);
    snprintf (s->stream, sizeof s->stream, "account-%s", id);
    s->type = "account.registered";
    dbk_wr_map (w, 7);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "name", name);
    dbk_wr_kv_cstr (w, "type", S_PICK (s_types, r >> 8));
    dbk_wr_kv_cstr (w, "region", "华东");
    dbk_wr_kv_cstr (w, "city", S_PICK (bc_cities, r));
    dbk_wr_kv_cstr (w, "lead_source", "referral");
    dbk_wr_kv_cstr (w, "normalized_name", norm);
    free (norm);
}

static void s_contact (uint64_t i, uint64_t accounts, dbk_wr_t *w, s_slot_t *s)
{
    char id[32], acc[32], name[64], phone[40], email[64], bday[16];
    uint64_t r = bc_mix (i + (UINT64_C (1) << 40));
    bc_contact_id (i, id, sizeof id);
    bc_account_id (i % accounts, acc, sizeof acc);
    snprintf (name, sizeof name, "%s%llu", S_PICK (s_surnames, r), (unsigned long long) i);
    snprintf (phone, sizeof phone, "+86 138 %04u %04u", (unsigned) (i / 10000 % 10000),
              (unsigned) (i % 10000));
    snprintf (email, sizeof email, "%s@example.cn", id);
    snprintf (bday, sizeof bday, "%04u-%02u-%02u", (unsigned) (1960 + (r >> 8) % 36),
              (unsigned) (1 + (r >> 16) % 12), (unsigned) (1 + (r >> 24) % 28));
    snprintf (s->stream, sizeof s->stream, "contact-%s", id);
    s->type = "contact.added";
    dbk_wr_map (w, 12);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "name", name);
    dbk_wr_kv_cstr (w, "account_id", acc);
    dbk_wr_kv_cstr (w, "title", S_PICK (s_titles, r >> 32));
    dbk_wr_kv_cstr (w, "phone", phone);
    dbk_wr_kv_cstr (w, "email", email);
    dbk_wr_kv_cstr (w, "level", S_PICK (s_levels, r >> 36));
    dbk_wr_kv_cstr (w, "function", S_PICK (s_functions, r >> 40));
    dbk_wr_kv_cstr (w, "relationship", S_PICK (s_relations, r >> 44));
    dbk_wr_kv_u64 (w, "influence", 1 + (r >> 48) % 5);
    dbk_wr_kv_cstr (w, "hometown", S_PICK (bc_cities, r >> 52));
    dbk_wr_kv_cstr (w, "birthday", bday);
}

/*  Trip t goes to contact t % contacts, as its trip number t / contacts + 1:
    the numbers the decider would give, in log order. */
static void s_trip (uint64_t t, uint64_t contacts, dbk_wr_t *w, s_slot_t *s)
{
    char id[32], from[11], to[11], transport[16];
    uint64_t r = bc_mix (t + (UINT64_C (2) << 40));
    bc_contact_id (t % contacts, id, sizeof id);
    long day = BC_FIRST_DAY + (long) (r % BC_DAYS);
    bc_civil (day, from);
    bc_civil (day + (long) ((r >> 16) % BC_TRIP_MAX_DAYS), to);
    snprintf (transport, sizeof transport, "G%u", (unsigned) (1 + (r >> 24) % 9000));
    snprintf (s->stream, sizeof s->stream, "contact-%s", id);
    s->type = "contact.trip_added";
    dbk_wr_map (w, 8);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_u64 (w, "trip", t / contacts + 1);
    dbk_wr_kv_cstr (w, "from", from);
    dbk_wr_kv_cstr (w, "to", to);
    dbk_wr_kv_cstr (w, "city", bc_cities[(r >> 32) % BC_CITIES]);
    dbk_wr_kv_cstr (w, "hotel", "香格里拉大酒店");
    dbk_wr_kv_cstr (w, "transport", transport);
    dbk_wr_kv_cstr (w, "purpose", "项目交流, 拜访设计院");
}

static void s_activity (uint64_t a, const bc_shape_t *sh, dbk_wr_t *w, s_slot_t *s)
{
    char id[32], c1[32], c2[32], acc[32], date[11];
    uint64_t r = bc_mix (a + (UINT64_C (3) << 40));
    snprintf (id, sizeof id, "v%08llu", (unsigned long long) a);
    uint64_t k1 = r % sh->contacts, k2 = (k1 + 1) % sh->contacts;
    bc_contact_id (k1, c1, sizeof c1);
    bc_contact_id (k2, c2, sizeof c2);
    bc_account_id (k1 % sh->accounts, acc, sizeof acc);
    bc_civil (BC_FIRST_DAY + (long) ((r >> 20) % BC_DAYS), date);
    bool two = (r >> 40) % 3 == 0 && k2 != k1;
    snprintf (s->stream, sizeof s->stream, "activity-%s", id);
    s->type = "activity.logged";
    dbk_wr_map (w, 6);
    dbk_wr_kv_cstr (w, "id", id);
    dbk_wr_kv_cstr (w, "kind", S_PICK (s_kinds, r >> 44));
    dbk_wr_kv_cstr (w, "date", date);
    dbk_wr_cstr (w, "their_people");
    dbk_wr_array (w, two ? 2 : 1);
    dbk_wr_cstr (w, c1);
    if (two)
        dbk_wr_cstr (w, c2);
    dbk_wr_kv_cstr (w, "account_id", acc);
    dbk_wr_kv_cstr (w, "notes", "讨论了新项目的技术方案和报价");
}

/*  Event k of the data set: accounts, contacts, then trips and activities
    interleaved evenly (the trips' share of the rest). */
static void s_event (const bc_shape_t *sh, uint64_t k, dbk_event_t *ev, dbk_wr_t *w, s_slot_t *s)
{
    dbk_wr_reset (w);
    if (k < sh->accounts)
        s_account (k, w, s);
    else if (k < sh->accounts + sh->contacts)
        s_contact (k - sh->accounts, sh->accounts, w, s);
    else {
        uint64_t j = k - sh->accounts - sh->contacts, rest = sh->trips + sh->activities;
        uint64_t t0 = (uint64_t) ((unsigned __int128) j * sh->trips / rest);
        uint64_t t1 = (uint64_t) ((unsigned __int128) (j + 1) * sh->trips / rest);
        if (t1 > t0)
            s_trip (t0, sh->contacts, w, s);
        else
            s_activity (j - t0, sh, w, s);
    }
    static uint64_t tag;
    if (!tag)
        tag = bc_mix ((uint64_t) bench_now_ns ());
    bsvc_envelope (ev, k, tag, (uint64_t) dbk_now_ms (), s->type, w);
}

void bc_prefill (const bc_shape_t *sh)
{
    eventlog_store_t *st = bsvc_store_open ();
    /*  1000 events per transaction, one per batch: the streams of 1000
        consecutive events are distinct (trip t and t + contacts share one) */
    size_t per = sh->contacts < 1000 ? (size_t) sh->contacts : 1000;
    bsvc_slots_t f;
    bsvc_slots_new (&f, per);
    s_slot_t *slots = calloc (per, sizeof *slots);
    if (!slots)
        bench_die ("out of memory");
    for (uint64_t done = 0; done < sh->total;) {
        size_t nb = 0;
        for (; nb < per && done + nb < sh->total; nb++) {
            s_event (sh, done + nb, &f.evs[nb], f.bufs[nb], &slots[nb]);
            f.b[nb] = (eventlog_batch_t){.stream = slots[nb].stream,
                                         .stream_len = strlen (slots[nb].stream),
                                         .expect = DBK_EXPECT_ANY,
                                         .events = &f.evs[nb],
                                         .n = 1};
        }
        bsvc_store_write (st, f.b, nb, f.pos, " at event %llu", (unsigned long long) done);
        done += nb;
    }
    bsvc_slots_free (&f);
    free (slots);
    eventlog_store_close (&st);
}

/*  ---- the dealbook-contacts process ---- */

/*  A binary being rebuilt right now (make in the same tree) cannot be
    executed for a moment: try again a few times before giving up. */
void bc_spawn_contacts (const char *bin, const char *endpoint)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        if (bsvc_spawn_once ("contacts", "DEALBOOK_CONTACTS_ENDPOINT", "BENCH_CONTACTS_DURABLE",
                             bin, endpoint))
            return;
        fprintf (stderr, "\nbench: dealbook-contacts exited at start; trying again in 3 s\n");
        sleep (3);
    }
    bench_die ("dealbook-contacts (%s) exited at start 5 times; see %s/contacts.err", bin,
               bench_g.base);
}

void bc_stop_contacts (bool wipe)
{
    bsvc_stop ("contacts", wipe);
}

/*  Only async-signal-safe calls: kill, waitpid, fork, execl, _exit. */
void bc_on_signal (int sig)
{
    (void) sig;
    pid_t pids[2] = {bench_g.echo_pid, bench_g.log_pid};
    for (int i = 0; i < 2; i++)
        if (pids[i] > 0) {
            kill (pids[i], SIGKILL);
            waitpid (pids[i], NULL, 0);
        }
    if (bench_g.base[0] && !getenv ("BENCH_KEEP")) {
        pid_t pid = fork ();
        if (pid == 0) {
            execl ("/bin/rm", "rm", "-rf", bench_g.base, (char *) NULL);
            _exit (127);
        }
        if (pid > 0)
            waitpid (pid, NULL, 0);
    }
    _exit (130);
}

/*  Bytes the process asked to write (wchar of /proc/<pid>/io). */
uint64_t bc_written (pid_t pid)
{
    char path[64], line[128];
    snprintf (path, sizeof path, "/proc/%d/io", (int) pid);
    FILE *f = fopen (path, "r");
    unsigned long long v = 0;
    while (f && fgets (line, sizeof line, f))
        if (sscanf (line, "wchar: %llu", &v) == 1)
            break;
    if (f)
        fclose (f);
    return v;
}
