/*  dbk_sub.c - catch-up + live subscriber with gap repair.

    Invariant: `pos` is the seq of the last event handed out; the next one
    handed out has seq pos + 1, whichever way it arrived. Events from PUB
    at or below pos are duplicates; above pos + 1 they reveal a gap, and
    everything from pos + 1 is then read with READ (the live copy is
    dropped: READ will return it). A heartbeat whose head is above pos
    means events were published that we did not receive: READ again.
*/
#include "dealbook/dbk_sub.h"
#include "dealbook/dbk_client.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sock.h"

#include <string.h>

struct dbk_sub {
    dbk_client_t *client;  /* READ requests                         */
    char *log_endpoint;    /* to reconnect the client               */
    int timeout_ms;        /* READ answer timeout                   */
    zsock_t *sub;          /* the whole PUB stream                  */
    uint64_t pos;          /* last seq delivered                    */
    uint64_t head;         /* highest head seen                     */
    uint64_t pub_max;      /* highest seq seen on the PUB stream    */
    bool need_read;        /* behind: read before trusting PUB      */
    uint32_t page_size;    /* events per READ                       */
    uint64_t ahead;        /* from of the READ sent ahead, or 0     */
    dbk_doc_t *page_doc;   /* the READ page being handed out        */
    dbk_page_t page;       /* its records                           */
    size_t page_i;         /* next record of the page               */
    zmsg_t *live;          /* the PUB message last handed out       */
    const uint8_t *rec;    /* bytes of the event last handed out    */
    size_t rec_len;        /* their length                          */
    dbk_sub_stats_t stats; /* counters                              */
};

dbk_sub_t *dbk_sub_new (const dbk_subcfg_t *cfg)
{
    dbk_sub_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    dbk_sockcfg_t sc = {.type = ZMQ_SUB,
                        .endpoint = cfg->pub_endpoint,
                        .bind = false,
                        .rcvhwm = cfg->rcvhwm,
                        .subscribe = ""};
    /*  subscribe before the first READ, so that nothing published after
        that READ's snapshot can slip between the two */
    self->sub = dbk_sock_new (&sc);
    self->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 5000;
    self->log_endpoint = cfg->log_endpoint ? strdup (cfg->log_endpoint) : NULL;
    self->client = dbk_client_new (cfg->log_endpoint, self->timeout_ms);
    if (!self->sub || !self->log_endpoint || !self->client) {
        dbk_sub_destroy (&self);
        return NULL;
    }
    self->pos = cfg->after;
    self->head = cfg->after;
    self->need_read = true;
    self->page_size = cfg->page ? cfg->page : 1000;
    return self;
}

void dbk_sub_destroy (dbk_sub_t **self_p)
{
    if (self_p && *self_p) {
        dbk_sub_t *self = *self_p;
        dbk_client_destroy (&self->client);
        free (self->log_endpoint);
        zsock_destroy (&self->sub);
        dbk_doc_destroy (&self->page_doc);
        zmsg_destroy (&self->live);
        free (self);
        *self_p = NULL;
    }
}

static void s_drop_page (dbk_sub_t *self)
{
    dbk_doc_destroy (&self->page_doc);
    memset (&self->page, 0, sizeof self->page);
    self->page_i = 0;
}

static void s_saw_head (dbk_sub_t *self, uint64_t head)
{
    if (head > self->head)
        self->head = head;
}

/*  Hand out the next record of the current page, if it is pos + 1. */
static int s_from_page (dbk_sub_t *self, dbk_event_t *ev)
{
    while (self->page_i < self->page.count) {
        const uint8_t *rec;
        size_t len;
        size_t i = self->page_i++;
        if (dbk_page_record (&self->page, i, &rec, &len) || dbk_event_decode_record (rec, len, ev))
            return DBK_EMALFORMED;
        if (ev->seq <= self->pos)
            continue;
        if (ev->seq != self->pos + 1)
            return DBK_ECORRUPT; /* READ pages are contiguous: the log is damaged */
        self->pos = ev->seq;
        self->rec = rec;
        self->rec_len = len;
        self->stats.delivered++;
        return 0;
    }
    return DBK_ENOTFOUND;
}

static int s_read (dbk_sub_t *self)
{
    s_drop_page (self);
    dbk_read_t rq = {.from = self->pos + 1, .limit = self->page_size};
    int rc = 0;
    /*  the page asked for ahead, while the last one was handed out, is the
        one wanted unless something went wrong in between; otherwise it is
        asked for now (the client drops the answer to an older request) */
    if (self->ahead != rq.from) {
        self->stats.reads++;
        rc = dbk_client_read_send (self->client, &rq);
    }
    self->ahead = 0;
    if (rc == 0)
        rc = dbk_client_read_wait (self->client, &self->page_doc, &self->page);
    if (rc) {
        s_drop_page (self);
        if (rc == DBK_ETIMEOUT) {
            /*  Lazy Pirate: a DEALER keeps the requests it could not
                deliver and sends them all once the log is back, which
                then serves a page for each retry nobody waits for any
                more. A new socket (linger 0) drops them. */
            dbk_client_t *fresh = dbk_client_new (self->log_endpoint, self->timeout_ms);
            if (fresh) {
                dbk_client_destroy (&self->client);
                self->client = fresh;
            }
        }
        return rc == DBK_ETIMEOUT ? DBK_EIO : rc;
    }
    if (self->page.head < self->pos) {
        s_drop_page (self);
        return DBK_ECORRUPT; /* the log is behind our checkpoint */
    }
    s_saw_head (self, self->page.head);
    /*  caught up once this page is handed out, unless the head is beyond
        it; an empty page means caught up as of its snapshot */
    self->need_read = self->page.count > 0 && self->page.last < self->page.head;
    /*  behind: the log reads the next page while this one is handed out */
    if (self->need_read) {
        dbk_read_t next = {.from = self->page.last + 1, .limit = self->page_size};
        self->stats.reads++;
        if (dbk_client_read_send (self->client, &next) == 0)
            self->ahead = next.from;
    }
    return 0;
}

int dbk_sub_next (dbk_sub_t *self, dbk_event_t *ev, int timeout_ms)
{
    zmsg_destroy (&self->live);
    self->rec = NULL;
    int64_t deadline = zclock_mono () + (timeout_ms > 0 ? timeout_ms : 0);
    while (true) {
        int rc = s_from_page (self, ev);
        if (rc != DBK_ENOTFOUND) {
            if (rc)
                s_drop_page (self);
            return rc;
        }
        if (self->need_read) {
            if ((rc = s_read (self)))
                return rc;
            if (self->page.count > 0)
                continue;
        }
        int64_t left = deadline - zclock_mono ();
        zmq_pollitem_t item = {zsock_resolve (self->sub), 0, ZMQ_POLLIN, 0};
        int n = zmq_poll (&item, 1, left > 0 ? (long) left : 0);
        if (n < 0)
            return DBK_EINTERRUPTED;
        if (n == 0)
            return DBK_ETIMEOUT;
        zmsg_t *msg = zmsg_recv (self->sub);
        if (!msg)
            return DBK_EINTERRUPTED;
        zframe_t *topic = zmsg_first (msg), *body = zmsg_next (msg);
        if (!topic || !body || zmsg_size (msg) != 2) {
            zmsg_destroy (&msg);
            continue;
        }
        if (zframe_streq (topic, DBK_HEARTBEAT_TOPIC)) {
            dbk_doc_t *doc = NULL;
            uint64_t head;
            if (dbk_doc_parse (zframe_data (body), zframe_size (body), &doc) == 0 &&
                dbk_obj_u64 (dbk_obj_get (dbk_doc_root (doc), "head"), &head) == 0) {
                /*  PUB keeps order: a heartbeat below an event the same
                    stream carried earlier means the log went back in time
                    (restored, or lost unsynced events). A heartbeat below
                    what READ delivered may merely be old: not compared. */
                if (head < self->pub_max) {
                    dbk_doc_destroy (&doc);
                    zmsg_destroy (&msg);
                    self->pub_max = head;
                    return DBK_ECORRUPT;
                }
                s_saw_head (self, head);
                if (head > self->pos) {
                    self->stats.gaps++;
                    self->need_read = true; /* published, yet we never got it */
                }
            }
            dbk_doc_destroy (&doc);
            zmsg_destroy (&msg);
            continue;
        }
        if (dbk_event_decode_record (zframe_data (body), zframe_size (body), ev)) {
            zmsg_destroy (&msg);
            continue; /* not an event record: ignore it */
        }
        s_saw_head (self, ev->seq);
        if (ev->seq > self->pub_max)
            self->pub_max = ev->seq;
        if (ev->seq <= self->pos) {
            self->stats.duplicates++;
            zmsg_destroy (&msg);
            continue;
        }
        if (ev->seq > self->pos + 1) {
            self->stats.gaps++;
            self->need_read = true;
            zmsg_destroy (&msg);
            continue;
        }
        self->pos = ev->seq;
        self->live = msg; /* ev's views point into it until the next call */
        self->rec = zframe_data (body);
        self->rec_len = zframe_size (body);
        self->stats.delivered++;
        self->stats.from_pub++;
        return 0;
    }
}

void dbk_sub_record (const dbk_sub_t *self, const uint8_t **rec, size_t *len)
{
    *rec = self->rec;
    *len = self->rec ? self->rec_len : 0;
}

uint64_t dbk_sub_position (const dbk_sub_t *self)
{
    return self->pos;
}

uint64_t dbk_sub_head (const dbk_sub_t *self)
{
    return self->head;
}

void dbk_sub_stats (const dbk_sub_t *self, dbk_sub_stats_t *st)
{
    *st = self->stats;
}

zsock_t *dbk_sub_socket (dbk_sub_t *self)
{
    return self->sub;
}

bool dbk_sub_pending (const dbk_sub_t *self)
{
    return self->page_i < self->page.count || self->need_read;
}
