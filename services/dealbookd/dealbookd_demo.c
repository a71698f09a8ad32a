/*  dealbookd_demo.c - the demo data set (dealbookd_demo.h): a lighting
    supplier selling into construction projects in eastern, southern and
    northern China. Every value comes from the tables below and a fixed
    pseudo-random sequence, so two loads produce the same commands. */
#include "dealbookd_demo.h"

#include "contacts_fields.h"

#include "dealbook/dbk_client.h"
#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_json.h"
#include "dealbook/dbk_service.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*  ---- the tables ---- */

static const struct {
    const char *name, *type, *city, *region;
} s_accounts[] = {
    {"上海建工集团股份有限公司", "general_contractor", "上海", "华东"},
    {"华东建筑设计研究院有限公司", "design_institute", "上海", "华东"},
    {"上海申通地铁集团有限公司", "owner", "上海", "华东"},
    {"中国建筑第八工程局有限公司", "general_contractor", "上海", "华东"},
    {"同济大学建筑设计研究院", "design_institute", "上海", "华东"},
    {"上海市第六人民医院", "owner", "上海", "华东"},
    {"苏州工业园区管委会", "government", "苏州", "华东"},
    {"杭州萧山国际机场有限公司", "owner", "杭州", "华东"},
    {"浙江省建筑设计研究院", "design_institute", "杭州", "华东"},
    {"中天建设集团有限公司", "general_contractor", "杭州", "华东"},
    {"南京地铁集团有限公司", "owner", "南京", "华东"},
    {"江苏省建筑设计研究院", "design_institute", "南京", "华东"},
    {"金螳螂建筑装饰股份有限公司", "decoration", "苏州", "华东"},
    {"上海照明电气工程有限公司", "subcontractor", "上海", "华东"},
    {"深圳地铁集团有限公司", "owner", "深圳", "华南"},
    {"香港华艺设计顾问（深圳）有限公司", "design_institute", "深圳", "华南"},
    {"中建三局集团有限公司（华南）", "general_contractor", "深圳", "华南"},
    {"广州白云国际机场股份有限公司", "owner", "广州", "华南"},
    {"广东省建筑设计研究院", "design_institute", "广州", "华南"},
    {"中山大学附属第一医院", "owner", "广州", "华南"},
    {"深圳洪涛装饰股份有限公司", "decoration", "深圳", "华南"},
    {"广州市城市建设投资集团", "government", "广州", "华南"},
    {"前海建设投资控股集团", "owner", "深圳", "华南"},
    {"华南机电安装工程有限公司", "subcontractor", "广州", "华南"},
    {"北京城建集团有限责任公司", "general_contractor", "北京", "华北"},
    {"北京市建筑设计研究院有限公司", "design_institute", "北京", "华北"},
    {"北京大兴国际机场", "owner", "北京", "华北"},
    {"中国建筑设计研究院有限公司", "design_institute", "北京", "华北"},
    {"北京协和医院", "owner", "北京", "华北"},
    {"天津地铁集团有限公司", "owner", "天津", "华北"},
    {"雄安新区管理委员会", "government", "保定", "华北"},
    {"中建一局集团建设发展有限公司", "general_contractor", "北京", "华北"},
    {"北京清尚建筑装饰工程有限公司", "decoration", "北京", "华北"},
    {"华北照明器材经销有限公司", "distributor", "北京", "华北"},
    {"Arup Shanghai", "design_institute", "上海", "华东"},
    {"Gensler Shanghai", "design_institute", "上海", "华东"},
    {"Marriott Hotels China", "owner", "上海", "华东"},
    {"Hilton Shenzhen Shekou", "owner", "深圳", "华南"},
    {"Swire Properties", "owner", "广州", "华南"},
    {"Lighting Design Partnership Asia", "subcontractor", "北京", "华北"},
};
#define S_NACCOUNTS (int) (sizeof s_accounts / sizeof s_accounts[0])

static const char *const s_surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴",
                                         "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林"};
static const char *const s_given[] = {
    "伟", "芳",   "娜",   "敏",   "静",   "磊",   "强",   "洋",   "艳",   "杰",   "涛",   "明",
    "超", "秀英", "建华", "志强", "海燕", "国庆", "晓东", "文博", "思远", "雪梅", "子涵", "一鸣"};
static const char *const s_english[] = {"David Chen",  "Grace Liu",  "Michael Wong", "Helen Zhou",
                                        "Peter Tang",  "Linda Xu",   "James Lam",    "Emily Ho",
                                        "Kevin Leung", "Sarah Tsang"};
static const struct {
    const char *title, *level, *function;
} s_roles[] = {
    {"总经理", "decision", "user"},
    {"项目总监", "decision", "technical"},
    {"采购总监", "decision", "procurement"},
    {"总工程师", "management", "technical"},
    {"项目经理", "management", "user"},
    {"采购经理", "management", "procurement"},
    {"电气设计师", "operational", "technical"},
    {"机电工程师", "operational", "technical"},
    {"物业经理", "operational", "user"},
    {"采购专员", "operational", "procurement"},
};
static const char *const s_cities[] = {"上海", "北京", "深圳", "广州", "杭州", "南京", "苏州"};
static const char *const s_hobbies[] = {"高尔夫", "钓鱼", "书法",  "摄影",
                                        "马拉松", "茶道", "羽毛球"};
static const char *const s_people[] = {"zhao.lei", "qian.jing", "sun.hao", "li.mei"};
static const char *const s_teams[] = {"east", "east", "south", "north"};
static const struct {
    const char *id, *name, *products, *price;
} s_rivals[] = {
    {"signify", "昕诺飞 Signify (Philips)", "LED luminaires, controls", "high"},
    {"osram", "欧司朗 OSRAM", "LED modules, luminaires", "high"},
    {"opple", "欧普照明 Opple", "commercial LED", "medium"},
    {"nvc", "雷士照明 NVC", "commercial and industrial LED", "medium"},
    {"zumtobel", "Zumtobel", "architectural lighting", "high"},
    {"sanxiong", "三雄极光", "commercial LED", "low"},
};
static const char *const s_projects[] = {
    "地铁线路照明",   "航站楼照明改造", "门诊楼照明", "办公楼智能照明", "酒店公区照明",
    "体育馆场地照明", "隧道照明",       "产业园路灯", "商业综合体照明", "学校教室护眼照明"};
static const char *const s_types[] = {"metro", "airport", "hospital",   "office", "hotel",
                                      "other", "metro",   "government", "office", "education"};

/*  ---- deterministic choices ---- */

typedef struct {
    uint32_t x;
} s_rng_t;

static uint32_t s_next (s_rng_t *r)
{
    r->x = r->x * 1103515245u + 12345u;
    return (r->x >> 8) & 0xffffff;
}
#define PICK(r, arr) (arr)[s_next (r) % (sizeof (arr) / sizeof (arr)[0])]

/*  ---- sending commands ---- */

typedef struct {
    dbk_client_t *contacts;
    dbk_client_t *opps;
    dbk_client_t *bid;
    dbk_client_t *fc;
    dealbookd_demo_stats_t *stats;
    int failed;   /* first failure's code                      */
    char on[11];  /* the business date the commands state ("": today) */
    uint64_t seq; /* the last event appended so far: each command waits for it */
    long today;   /* the business day (DEALBOOK_TIMEZONE), days since 1970 */
} s_demo_t;

/*  A date `offset` days from today, the services' business day: tenders'
    deadlines must lie ahead of whoever loads the demo, and no fact may
    be dated after today. */
static void s_from_today (const s_demo_t *demo, char out[11], long offset)
{
    contacts_civil (demo->today + offset, out);
}

/*  Send op with the fields of the JSON object `fmt` (printf-style) as
    actor; a refusal stops the load (the data set must go in whole).
    Every command carries after_seq, the last position appended so far:
    a service decides only once it has applied what the others appended
    (an opportunity's account, a tender's opportunity). */
static int s_cmd (s_demo_t *demo, dbk_client_t *c, const char *op, const char *actor,
                  const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

static int s_cmd (s_demo_t *demo, dbk_client_t *c, const char *op, const char *actor,
                  const char *fmt, ...)
{
    if (demo->failed)
        return demo->failed;
    char json[2048], err[200];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (json, sizeof json, fmt, ap);
    va_end (ap);
    dbk_wr_t *mp = dbk_wr_new ();
    dbk_doc_t *doc = NULL, *reply = NULL;
    int rc = mp ? dbk_json_to_mp (json, strlen (json), mp, err, sizeof err) : DBK_ENOMEM;
    if (rc == 0)
        rc = dbk_doc_parse (dbk_wr_data (mp), dbk_wr_size (mp), &doc);
    if (rc == 0) {
        const dbk_obj_t *m = dbk_doc_root (doc);
        uint8_t id[DBK_ID_SIZE];
        dbk_uuid_v7 (id);
        dbk_wr_t *w = dbk_client_begin (c, op, (uint32_t) dbk_obj_len (m) + 3 + (demo->on[0] != 0));
        dbk_wr_cstr (w, "cmd");
        dbk_wr_bin (w, id, DBK_ID_SIZE);
        dbk_wr_kv_cstr (w, "actor", actor);
        dbk_wr_kv_u64 (w, "after_seq", demo->seq);
        if (demo->on[0])
            dbk_wr_kv_cstr (w, "on", demo->on);
        for (size_t i = 0; i < dbk_obj_len (m); i++) {
            dbk_wr_obj (w, dbk_obj_key_at (m, i));
            dbk_wr_obj (w, dbk_obj_val_at (m, i));
        }
        rc = dbk_client_call (c, &reply);
        uint64_t last = 0;
        if (rc)
            fprintf (stderr, "demo: %s %s: %s\n", op, json, dbk_client_errmsg (c));
        else if (dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "last_seq"), &last) == 0 &&
                 last > demo->seq)
            demo->seq = last;
    } else
        fprintf (stderr, "demo: %s %s: %s\n", op, json, err);
    dbk_doc_destroy (&reply);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&mp);
    demo->stats->commands++;
    /*  a long load shows it moves, on a terminal only */
    if (demo->stats->commands % 50 == 0 && isatty (STDOUT_FILENO)) {
        printf ("\rdealbookd: demo: %d commands ...", demo->stats->commands);
        fflush (stdout);
    }
    demo->failed = rc;
    return rc;
}

/*  ---- the data set ---- */

static void s_contacts (s_demo_t *demo, s_rng_t *r)
{
    char id[32], acc[32], date[11], to[11];
    for (int a = 0; a < S_NACCOUNTS; a++) {
        snprintf (acc, sizeof acc, "demo-a%02d", a + 1);
        s_cmd (demo, demo->contacts, "ACCOUNT_REGISTER", "demo:li.mei",
               "{\"id\":\"%s\",\"name\":\"%s\",\"type\":\"%s\",\"city\":\"%s\",\"region\":\"%s\","
               "\"lead_source\":\"%s\",\"credit\":\"%s\"}",
               acc, s_accounts[a].name, s_accounts[a].type, s_accounts[a].city,
               s_accounts[a].region, a % 3 ? "tender_website" : "referral",
               a % 4 ? "good" : "slow payer: 120 days");
        demo->stats->accounts++;
    }
    for (size_t k = 0; k < sizeof s_rivals / sizeof s_rivals[0]; k++) {
        s_cmd (demo, demo->contacts, "COMPETITOR_ADD", "demo:li.mei",
               "{\"id\":\"demo-%s\",\"name\":\"%s\",\"products\":\"%s\",\"price_level\":\"%s\","
               "\"close_to\":[\"demo-a%02d\",\"demo-a%02d\"]}",
               s_rivals[k].id, s_rivals[k].name, s_rivals[k].products, s_rivals[k].price,
               (int) (k * 7 % S_NACCOUNTS) + 1, (int) ((k * 7 + 3) % S_NACCOUNTS) + 1);
        demo->stats->competitors++;
    }
    for (int c = 0; c < 150; c++) {
        char name[64];
        if (c % 15 == 14)
            snprintf (name, sizeof name, "%s", s_english[(c / 15) % 10]);
        else
            snprintf (name, sizeof name, "%s%s", PICK (r, s_surnames), PICK (r, s_given));
        int role = c % 10;
        snprintf (id, sizeof id, "demo-c%03d", c + 1);
        snprintf (acc, sizeof acc, "demo-a%02d", c % S_NACCOUNTS + 1);
        s_cmd (demo, demo->contacts, "CONTACT_ADD", "demo:li.mei",
               "{\"id\":\"%s\",\"name\":\"%s\",\"account_id\":\"%s\",\"title\":\"%s\","
               "\"level\":\"%s\",\"function\":\"%s\",\"relationship\":\"%s\",\"influence\":%d,"
               "\"phone\":\"+86 139 %04d %04d\",\"birthday\":\"19%02d-%02d-%02d\","
               "\"hometown\":\"%s\",\"hobbies\":\"%s\"}",
               id, name, acc, s_roles[role].title, s_roles[role].level, s_roles[role].function,
               c % 4 == 0   ? "trusted"
               : c % 4 == 1 ? "interacting"
                            : "acquainted",
               5 - role / 2, (int) s_next (r) % 10000, c * 37 % 10000, (int) (60 + s_next (r) % 30),
               (int) (1 + s_next (r) % 12), (int) (1 + s_next (r) % 28), PICK (r, s_cities),
               PICK (r, s_hobbies));
        demo->stats->contacts++;
        s_cmd (demo, demo->contacts, "RELATIONSHIP_SET", "demo:li.mei",
               "{\"id\":\"%s\",\"salesperson\":\"%s\",\"depth\":\"%s\"}", id, s_people[c % 4],
               c % 3 ? "interacting" : "trusted");
        for (int t = 0; t < 1 + c % 2; t++) {
            /*  planned: from a week to half a year ahead of today, so
                that the demo does not age */
            long day = 7 + (long) (s_next (r) % 180);
            s_from_today (demo, date, day);
            s_from_today (demo, to, day + 1 + c % 3);
            s_cmd (demo, demo->contacts, "TRIP_ADD", "demo:li.mei",
                   "{\"id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"city\":\"%s\","
                   "\"purpose\":\"%s\"}",
                   id, date, to, PICK (r, s_cities), t ? "行业展会" : "项目考察");
            demo->stats->trips++;
        }
    }
    static const char *const kinds[] = {"visit",      "call",  "meeting", "technical_exchange",
                                        "site_visit", "dinner"};
    /*  an activity records what took place: in the last 330 days */
    for (int v = 0; v < 120; v++) {
        s_from_today (demo, date, -(long) (s_next (r) % 330));
        int c = (int) (s_next (r) % 150);
        s_cmd (demo, demo->contacts, "ACTIVITY_LOG", "demo:li.mei",
               "{\"id\":\"demo-v%03d\",\"kind\":\"%s\",\"date\":\"%s\","
               "\"their_people\":[\"demo-c%03d\"],\"our_people\":[\"%s\"],"
               "\"account_id\":\"demo-a%02d\",\"notes\":\"%s\"}",
               v + 1, kinds[v % 6], date, c + 1, s_people[c % 4], c % S_NACCOUNTS + 1,
               v % 6 == 3 ? "presented the smart lighting control demo" : "follow-up");
        demo->stats->activities++;
    }
}

/*  One opportunity taken to `level` (1..5) through the real criteria, then
    closed as `outcome` ('w' won, 'l' lost, 0 open). */
static void s_opportunity (s_demo_t *demo, s_rng_t *r, int n, int level, char outcome)
{
    char id[32], actor[48], close[11];
    int a = (n * 7) % S_NACCOUNTS, owner = n % 4;
    snprintf (id, sizeof id, "demo-o%03d", n + 1);
    snprintf (actor, sizeof actor, "%s", s_people[owner]);              /* the owner acts */
    s_from_today (demo, close, 60 + (long) (s_next (r) % 300));         /* two months to a year */
    long long amount = (long long) (200 + s_next (r) % 4800) * 1000000; /* fen: 2-50 M yuan */
    dbk_client_t *o = demo->opps;
    /*  its history spreads over the last year and a half: registered
        540 - 5n days ago, each later step some weeks after (never after
        today) */
    long born = -540 + 5L * n, at = 0;
    /*  the business date of the next commands, `at` days from today; what
        they record as done (a contact, a commitment, the outcome) is
        dated on or before it */
#define S_ON(days) (at = born + (days) < 0 ? born + (days) : 0, s_from_today (demo, demo->on, at))
    char done[11];
    S_ON (0);
    s_cmd (demo, o, "OPP_REGISTER", actor,
           "{\"id\":\"%s\",\"name\":\"%s %s %d期\",\"account_id\":\"demo-a%02d\",\"owner\":\"%s\","
           "\"currency\":\"CNY\",\"close_date\":\"%s\",\"amount\":%lld,\"team\":\"%s\","
           "\"region\":\"%s\",\"site_city\":\"%s\",\"project_type\":\"%s\"}",
           id, s_accounts[a].city, s_projects[n % 10], n / 10 + 1, a + 1, s_people[owner], close,
           amount, s_teams[owner], s_accounts[a].region, s_accounts[a].city, s_types[n % 10]);
    demo->stats->opportunities++;
    /*  the contacts of its account: c = a + 1 + k * 40 */
    const char *dm = NULL;
    char dmb[32], coach[32];
    snprintf (dmb, sizeof dmb, "demo-c%03d", a + 1);
    snprintf (coach, sizeof coach, "demo-c%03d", a + 41);
    if (level >= 2) {
        S_ON (15 + n % 7);
        s_from_today (demo, done, at - n % 7);
        dm = dmb;
        s_cmd (demo, o, "OPP_NEED_ADD", actor,
               "{\"id\":\"%s\",\"kind\":\"organisational\",\"text\":\"%s\"}", id,
               n % 2 ? "节能 30% 以上，五年质保" : "智能照明控制，分区调光");
        s_cmd (demo, o, "OPP_STAKEHOLDER_ADD", actor,
               "{\"id\":\"%s\",\"contact_id\":\"%s\",\"role\":\"decision_maker\","
               "\"attitude\":%d,\"influence\":5,\"level\":\"decision\",\"response_mode\":"
               "\"%s\",\"last_contact\":\"%s\"}",
               id, dm, level >= 4 ? 1 : (int) (s_next (r) % 3) - 1, n % 3 ? "growth" : "even_keel",
               done);
        s_cmd (demo, o, "OPP_LEVEL", actor, "{\"id\":\"%s\",\"level\":\"L2\"}", id);
        static const char *const ticks[] = {"plan.account_researched", "plan.visit_plan",
                                            "contact.first_visit",     "needs.organisational",
                                            "needs.stakeholder_map",   "solution.design"};
        for (int t = 0; t < 2 * level - 2 && t < 6; t++)
            s_cmd (demo, o, "OPP_CHECK", actor, "{\"id\":\"%s\",\"item\":\"%s\"}", id, ticks[t]);
        s_cmd (demo, o, "OPP_STAGE", actor, "{\"id\":\"%s\",\"stage\":\"internal_deliberation\"}",
               id);
    }
    if (level >= 3) {
        S_ON (40 + n % 9);
        s_cmd (demo, o, "OPP_QUALIFY", actor,
               "{\"id\":\"%s\",\"real_project_score\":5,\"real_project_evidence\":\"立项批复\","
               "\"our_opportunity_score\":4,\"our_opportunity_evidence\":\"设计院推荐我司\","
               "\"can_win_score\":%d,\"can_win_evidence\":\"有内线支持\","
               "\"worth_winning_score\":4,\"worth_winning_evidence\":\"毛利 28%%\","
               "\"decision\":\"pursue\",\"reason\":\"值得投入\"}",
               id, 2 + n % 3);
        s_cmd (demo, o, "OPP_LEVEL", actor, "{\"id\":\"%s\",\"level\":\"L3\"}", id);
        s_cmd (demo, o, "OPP_COMPETITOR_ADD", actor,
               "{\"id\":\"%s\",\"competitor_id\":\"demo-%s\",\"position\":\"%s\"}", id,
               s_rivals[n % 6].id, n % 3 ? "even" : "ahead");
    }
    if (level >= 4) {
        S_ON (62 + n % 5);
        s_from_today (demo, done, at - 2);
        s_cmd (demo, o, "OPP_STAKEHOLDER_ADD", actor,
               "{\"id\":\"%s\",\"contact_id\":\"%s\",\"role\":\"coach\",\"attitude\":2,"
               "\"influence\":3,\"level\":\"operational\",\"function\":\"technical\","
               "\"last_contact\":\"%s\"}",
               id, coach, done);
        s_cmd (demo, o, "OPP_LEVEL", actor, "{\"id\":\"%s\",\"level\":\"L4\"}", id);
        s_cmd (demo, o, "OPP_STAGE", actor, "{\"id\":\"%s\",\"stage\":\"evaluation\"}", id);
        s_cmd (demo, o, "OPP_CATEGORY", actor, "{\"id\":\"%s\",\"category\":\"best_case\"}", id);
    }
    if (level >= 5) {
        S_ON (80 + n % 6);
        s_from_today (demo, done, at - n % 3);
        s_cmd (demo, o, "OPP_COMMITMENT", actor,
               "{\"id\":\"%s\",\"kind\":\"verbal_commitment\",\"date\":\"%s\","
               "\"contact_id\":\"%s\"}",
               id, done, dm);
        s_cmd (demo, o, "OPP_LEVEL", actor, "{\"id\":\"%s\",\"level\":\"L5\"}", id);
        s_cmd (demo, o, "OPP_CATEGORY", actor, "{\"id\":\"%s\",\"category\":\"commit\"}", id);
    }
    S_ON (100 + n % 11);
    s_from_today (demo, done, at - n % 5);
#undef S_ON
    if (!outcome)
        s_cmd (demo, o, "OPP_NEXT_STEP", actor,
               "{\"id\":\"%s\",\"next_step\":\"%s\",\"due\":\"2026-12-%02d\"}", id,
               level >= 4 ? "报价评审会" : "拜访设计院电气所", 1 + n % 28);
    else if (outcome == 'w')
        s_cmd (demo, o, "OPP_WIN", actor,
               "{\"id\":\"%s\",\"amount\":%lld,\"date\":\"%s\",\"reason\":\"%s\"}", id,
               amount * 95 / 100, done, n % 2 ? "技术方案领先" : "与设计院关系深");
    else
        s_cmd (demo, o, "OPP_LOSE", actor,
               "{\"id\":\"%s\",\"reason\":\"%s\",\"date\":\"%s\",\"winner\":\"%s\","
               "\"price_gap\":%lld}",
               id, n % 2 ? "价格高于对手 8%" : "对手与业主关系更深", done,
               s_rivals[(n + 1) % 6].name, -amount / 12);
}

/*  The business date of a tender's step, `days` after its notice, which
    was `notice` days from today: a tender still ahead of its opening
    (notice 0) does everything today, its key dates in the weeks to come. */
static void s_tender_on (s_demo_t *demo, long notice, int days)
{
    if (notice)
        s_from_today (demo, demo->on, notice + days);
    else
        demo->on[0] = 0;
}

/*  Twenty tenders on the deals from L3 up, at every step of the
    procurement: opened, documents issued, bid decided with parts
    assigned, a quote awaiting approval, submitted, opened (prices read
    out), won (the deal closes through the opportunities service's
    reaction; a contract, an invoice and a payment follow) or lost.
    Those not opened yet are worked on today, their deadlines ahead of
    whoever loads the demo. An opened one went through its steps in
    the past, each on its day (its notice 40 + 3k days ago): the bid
    submitted the day before the deadline, the opening on its date, the
    award 9 days later, the contract signed 10 days after the award,
    invoiced 5 days later, half the advance paid 15 days after that. */
static void s_tenders (s_demo_t *demo, s_rng_t *r, bool manager)
{
    dbk_client_t *b = demo->bid;
    for (int k = 0; k < 20 && !demo->failed; k++) {
        /*  how far each got: 1 notice, 1 documents, 2 decided, 3 awaiting
            approval, 2 submitted, 2 opened, 5 won, 3 lost */
        static const int stages[20] = {0, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6, 6, 6, 6, 7, 7, 7, 2};
        int n = 50 + k, stage = stages[k], a = (n * 7) % S_NACCOUNTS, owner = n % 4;
        const char *who = s_people[owner];
        char t[32], q[32], opp[32], deadline[11], opening[11];
        snprintf (t, sizeof t, "demo-t%02d", k + 1);
        snprintf (q, sizeof q, "demo-q%02d", k + 1);
        snprintf (opp, sizeof opp, "demo-o%03d", n + 1);
        long notice = stage >= 5 ? -(40L + 3 * k) : 0;
        s_from_today (demo, deadline, notice ? notice + 20 : 20 + k);
        s_from_today (demo, opening, notice ? notice + 21 : 21 + k);
        s_tender_on (demo, notice, 0);
        s_cmd (demo, b, "TENDER_OPEN", who,
               "{\"id\":\"%s\",\"opportunity_id\":\"%s\",\"number\":\"ZB-%05d\","
               "\"issuer\":\"%s招标中心\",\"type\":\"%s\",\"currency\":\"CNY\","
               "\"bond_required\":500000,\"submission_deadline\":\"%s\","
               "\"opening_date\":\"%s\",\"title\":\"%s\"}",
               t, opp, 20260 + k, s_accounts[a].city, k % 3 ? "public" : "invited", deadline,
               opening, s_projects[n % 10]);
        demo->stats->tenders++;
        if (stage < 1)
            continue;
        s_tender_on (demo, notice, 3);
        s_cmd (demo, b, "TENDER_STEP", who, "{\"id\":\"%s\",\"step\":\"documents_issued\"}", t);
        if (stage < 2)
            continue;
        s_tender_on (demo, notice, 5);
        s_cmd (demo, b, "TENDER_DECIDE", who,
               "{\"id\":\"%s\",\"decision\":\"bid\",\"reason\":\"我司产品入围设计院推荐\"}", t);
        static const char *const parts[] = {"commercial", "technical", "price"};
        for (int p = 0; p < 3; p++)
            s_cmd (demo, b, "TENDER_PART", who, "{\"id\":\"%s\",\"part\":\"%s\",\"owner\":\"%s\"}",
                   t, parts[p], s_people[(owner + p) % 4]);
        if (stage < 3)
            continue;
        /*  8%: the salesperson approves; 15%: a manager must */
        int disc = manager && k % 2 ? 1500 : 800;
        s_tender_on (demo, notice, 8);
        s_cmd (demo, b, "QUOTE_CREATE", who,
               "{\"id\":\"%s\",\"tender_id\":\"%s\",\"currency\":\"CNY\"}", q, t);
        s_cmd (demo, b, "QUOTE_LINE_ADD", who,
               "{\"id\":\"%s\",\"product_code\":\"LED-PANEL-600\",\"description\":"
               "\"LED 面板灯 600x600 36W\",\"quantity\":%d,\"list_price\":68000,"
               "\"discount_bp\":%d,\"cost_price\":39000}",
               q, 2000 + (int) (s_next (r) % 8000), disc);
        s_cmd (demo, b, "QUOTE_LINE_ADD", who,
               "{\"id\":\"%s\",\"product_code\":\"CTRL-DALI-64\",\"description\":"
               "\"DALI 智能照明控制器\",\"quantity\":%d,\"list_price\":450000,"
               "\"discount_bp\":%d,\"cost_price\":260000}",
               q, 20 + (int) (s_next (r) % 80), disc);
        s_cmd (demo, b, "QUOTE_SUBMIT", who, "{\"id\":\"%s\"}", q);
        if (stage < 4)
            continue;
        s_tender_on (demo, notice, 10);
        s_cmd (demo, b, "QUOTE_APPROVE", disc > 1000 ? "li.mei" : who,
               "{\"id\":\"%s\",\"note\":\"价格在授权范围内\"}", q);
        for (int p = 0; p < 3; p++)
            s_cmd (demo, b, "TENDER_PART_STATUS", who,
                   "{\"id\":\"%s\",\"part\":\"%s\",\"status\":\"ready\"}", t, parts[p]);
        s_cmd (demo, b, "TENDER_BOND", who,
               "{\"id\":\"%s\",\"amount\":500000,\"form\":\"银行保函\"}", t);
        s_tender_on (demo, notice, 19);
        s_cmd (demo, b, "TENDER_SUBMIT", who, "{\"id\":\"%s\",\"quote_id\":\"%s\"}", t, q);
        if (stage < 5)
            continue;
        /*  our price is the quote's total: read out next to two others */
        dbk_doc_t *reply = NULL;
        int64_t ours = 0;
        dbk_wr_t *w = dbk_client_begin (b, "QUOTE_GET", 1);
        dbk_wr_kv_cstr (w, "id", q);
        if (dbk_client_call (b, &reply) == 0)
            dbk_obj_i64 (dbk_obj_get (dbk_doc_root (reply), "total"), &ours);
        dbk_doc_destroy (&reply);
        bool win = stage == 6 || stage == 5;
        s_tender_on (demo, notice, 21);
        s_cmd (demo, b, "TENDER_OPENING", who,
               "{\"id\":\"%s\",\"bidders\":[{\"bidder\":\"%s\",\"price\":%lld,"
               "\"rank\":%d},{\"bidder\":\"我司\",\"price\":%lld,\"rank\":%d,\"us\":true},"
               "{\"bidder\":\"%s\",\"price\":%lld,\"rank\":3}]}",
               t, s_rivals[k % 6].name, (long long) (ours * (win ? 104 : 93) / 100), win ? 2 : 1,
               (long long) ours, win ? 1 : 2, s_rivals[(k + 2) % 6].name,
               (long long) (ours * 108 / 100));
        if (stage == 5)
            continue;
        s_tender_on (demo, notice, 30);
        if (stage == 7) {
            s_cmd (demo, b, "TENDER_AWARD", who,
                   "{\"id\":\"%s\",\"result\":\"lost\",\"date\":\"%s\",\"winner\":"
                   "\"%s\",\"winning_price\":%lld,\"reason\":\"价格高于中标价 7%%\"}",
                   t, demo->on, s_rivals[k % 6].name, (long long) (ours * 93 / 100));
            continue;
        }
        s_cmd (demo, b, "TENDER_AWARD", who,
               "{\"id\":\"%s\",\"result\":\"won\",\"date\":\"%s\",\"reason\":"
               "\"技术分第一\"}",
               t, demo->on);
        /*  the contract: 30% advance, 60% on delivery, 10% retention */
        char delivery[11], warranty[11];
        s_tender_on (demo, notice, 40);
        s_from_today (demo, delivery, notice + 40 + 90);
        s_from_today (demo, warranty, notice + 40 + 90 + 730);
        long long adv = ours * 3 / 10, del = ours * 6 / 10, ret = ours - adv - del;
        s_cmd (demo, b, "CONTRACT_SIGN", who,
               "{\"id\":\"demo-k%02d\",\"number\":\"HT-%05d\",\"opportunity_id\":\"%s\","
               "\"tender_id\":\"%s\",\"buyer_id\":\"demo-a%02d\",\"seller\":\"明光照明有限公司\","
               "\"scope\":\"%s 灯具及智能控制系统供货安装\",\"amount\":%lld,\"currency\":\"CNY\","
               "\"signed_on\":\"%s\",\"delivery_date\":\"%s\",\"warranty_end\":\"%s\","
               "\"payment_days\":30,\"milestones\":[{\"kind\":\"advance\",\"amount\":%lld,"
               "\"due\":\"%s\"},{\"kind\":\"delivery\",\"amount\":%lld,\"due\":\"%s\"},"
               "{\"kind\":\"retention\",\"amount\":%lld}]}",
               k + 1, 30000 + k, opp, t, a + 1, s_projects[n % 10], (long long) ours, demo->on,
               delivery, warranty, adv, demo->on, del, delivery, ret);
        s_tender_on (demo, notice, 45);
        s_cmd (demo, b, "CONTRACT_INVOICE", who,
               "{\"id\":\"demo-k%02d\",\"invoice\":\"FP-%05d\",\"milestone\":1,"
               "\"amount\":%lld}",
               k + 1, 50000 + k, adv);
        s_tender_on (demo, notice, 60);
        s_cmd (demo, b, "CONTRACT_PAYMENT", who,
               "{\"id\":\"demo-k%02d\",\"milestone\":1,\"amount\":%lld,\"invoice\":"
               "\"FP-%05d\"}",
               k + 1, adv / 2, 50000 + k);
        demo->stats->contracts++;
    }
}

/*  Quotas for next year's quarters, set by the manager, and each
    salesperson's forecast of the next quarter. */
static void s_quotas (s_demo_t *demo)
{
    char today[11];
    s_from_today (demo, today, 0);
    int year = atoi (today) + 1;
    for (int o = 0; o < 4 && !demo->failed; o++)
        for (int qn = 1; qn <= 4; qn++) {
            s_cmd (demo, demo->fc, "QUOTA_SET", "li.mei",
                   "{\"scope\":\"owner\",\"who\":\"%s\",\"period\":\"%d-Q%d\","
                   "\"amount\":%lld,\"currency\":\"CNY\"}",
                   s_people[o], year, qn, (long long) (3000 + 500 * o) * 1000000);
            demo->stats->quotas++;
        }
    demo->on[0] = 0; /* a forecast is made today: it cannot be dated back */
    for (int o = 0; o < 4 && !demo->failed; o++)
        s_cmd (demo, demo->fc, "FORECAST_SUBMIT", s_people[o],
               "{\"owner\":\"%s\",\"period\":\"%d-Q1\",\"currency\":\"CNY\","
               "\"commit\":%lld,\"best_case\":%lld,\"pipeline\":%lld}",
               s_people[o], year, (long long) (1200 + 300 * o) * 1000000,
               (long long) (2000 + 300 * o) * 1000000, (long long) (6000 + 500 * o) * 1000000);
}

bool dealbookd_demo_log_empty (const dbk_config_t *cfg)
{
    dbk_client_t *c = dbk_client_new (cfg->log_endpoint, cfg->timeout_ms);
    uint64_t head = 1;
    if (!c || dbk_client_head (c, &head) != 0)
        head = 1;
    dbk_client_destroy (&c);
    return head == 0;
}

int dealbookd_demo_load (const dbk_config_t *cfg, dealbookd_demo_stats_t *stats)
{
    memset (stats, 0, sizeof *stats);
    s_demo_t demo = {dbk_client_new (cfg->contacts_endpoint, cfg->timeout_ms * 4),
                     dbk_client_new (cfg->opportunities_endpoint, cfg->timeout_ms * 4),
                     dbk_client_new (cfg->bidding_endpoint, cfg->timeout_ms * 4),
                     dbk_client_new (cfg->forecasting_endpoint, cfg->timeout_ms * 4),
                     stats,
                     0,
                     "",
                     0,
                     (long) dbk_config_day (cfg)};
    if (!demo.contacts || !demo.opps || !demo.bid || !demo.fc)
        demo.failed = DBK_EINVAL;
    /*  the demo's manager approves deeper discounts and sets quotas */
    bool manager = dbk_svc_in_list (cfg->managers, "li.mei");
    s_rng_t r = {20261128};
    s_contacts (&demo, &r);
    /*  80 deals: 25 at L1, 20 L2, 15 L3, 10 L4, 4 L5, 4 won, 2 lost */
    for (int n = 0; n < 80 && !demo.failed; n++) {
        int level = n < 25 ? 1 : n < 45 ? 2 : n < 60 ? 3 : n < 70 ? 4 : 5;
        char outcome = n >= 74 && n < 78 ? 'w' : n >= 78 ? 'l' : 0;
        s_opportunity (&demo, &r, n, level, outcome);
    }
    s_tenders (&demo, &r, manager);
    demo.on[0] = 0; /* quotas and forecasts happen today */
    if (manager)
        s_quotas (&demo);
    dbk_client_destroy (&demo.contacts);
    dbk_client_destroy (&demo.opps);
    dbk_client_destroy (&demo.bid);
    dbk_client_destroy (&demo.fc);
    return demo.failed;
}
