/*  dbk_sub.c - catch-up + live subscriber with gap repair.

    Invariant: `pos` is the seq of the last event handed out; the next one
    handed out has seq pos + 1, whichever way it arrived. Events from PUB
    at or below pos are duplicates; above pos + 1 they reveal a gap, and
    everything from pos + 1 is then read with READ (the live copy is
    dropped: READ will return it). A heartbeat whose head is above pos
    means events were published that we did not receive: READ again.

    Catching up, the READ for the next page is sent as soon as a page
    arrives. With decode_ahead, that next page's reply is also taken in
    while this one is handed out, and a thread of the subscriber's own
    parses it, decodes its records and unpacks their payloads (ev->data)
    meanwhile: the owner's thread only projects. Pages READ on the spot (the first one,
    a gap's repair) are decoded as they are handed out, as without it.

    The hash chain: `hash` is the hash of the record at pos, as handed
    out (or as the owner kept it with its checkpoint). The next record
    is handed out only if check_record (its bytes, hash) holds: its prev
    is `hash` and its own hash is that of its bytes. The decoder thread
    computes the second half for the pages it decodes (the owner's thread
    then compares 32 bytes), so a catch-up pays for the hashing on that
    thread. While `anchor` is set, the next READ starts at pos itself:
    its record must have `hash` (a log that went back in time, a
    checkpoint's first READ), or gives it (not known yet).
*/
#include "dealbook/dbk_sub.h"
#include "dealbook/dbk_client.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*  A READ page whose reply the decoder thread parses and whose records
    it decodes. */
typedef struct {
    zmsg_t *msg;        /* the reply as received, until parsed       */
    uint64_t rid;       /* the request it should answer              */
    int rc;             /* 0, or why it holds no page to hand out    */
    dbk_doc_t *doc;     /* the READ reply, until handed out          */
    dbk_page_t page;    /* its records                               */
    dbk_event_t *evs;   /* decoded records                           */
    int *rcs;           /* their decoding's results: DBK_EMALFORMED,
                           DBK_ECORRUPT (its hash is not that of its
                           bytes with its prev) or 0                 */
    size_t cap;         /* room in evs and rcs                       */
    dbk_arena_t *arena; /* the payloads, unpacked                    */
    bool ready;         /* done with (under the decoder's mutex)     */
} s_prep_t;

typedef struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a job, its end, or quit                   */
    s_prep_t slots[2]; /* the page handed out and the next one      */
    s_prep_t *job;     /* the page being decoded, or NULL           */
    bool quit;         /* the owner is going                        */
    bool started;      /* the thread runs                           */
} s_decoder_t;

struct dbk_sub {
    dbk_client_t *client;  /* READ requests                         */
    char *log_endpoint;    /* to reconnect the client               */
    int timeout_ms;        /* READ answer timeout                   */
    void *sub;             /* the whole PUB stream (libzmq socket)  */
    uint64_t pos;          /* last seq delivered                    */
    uint64_t head;         /* highest head seen                     */
    uint64_t pub_max;      /* the last head the PUB stream told (an
                              event's seq, a heartbeat's head)      */
    bool need_read;        /* behind: read before trusting PUB      */
    uint32_t page_size;    /* events per READ                       */
    uint64_t ahead;        /* from of the READ sent ahead, or 0     */
    s_decoder_t *dec;      /* decode_ahead: the decoder, or NULL    */
    s_prep_t *cur_prep;    /* the page handed out, if decoded ahead */
    s_prep_t *next_prep;   /* the next page, given to the decoder   */
    uint64_t next_from;    /* its first seq                         */
    unsigned polls;        /* calls since the next page was looked for */
    dbk_doc_t *page_doc;   /* the READ page being handed out        */
    dbk_page_t page;       /* its records                           */
    size_t page_i;         /* next record of the page               */
    zmsg_t *live;          /* the PUB message last handed out       */
    const uint8_t *rec;    /* bytes of the event last handed out    */
    size_t rec_len;        /* their length                          */
    dbk_sub_stats_t stats; /* counters                              */
    bool async;            /* cfg->async: READs are not waited for  */
    int64_t read_sent;     /* async: mono ms the READ awaited was
                              sent, 0 when none is awaited          */
    int idle_ms;           /* cfg->idle_ms                          */
    int64_t last_heard;    /* mono ms the log last said something   */
    int64_t last_pub;      /* ... on its PUB (or when we began)     */
    bool heard;            /* a READ answered: the head is known    */

    /*  the hash chain */
    uint8_t hash[DBK_HASH_SIZE]; /* the hash of the record at pos     */
    bool hash_known;             /* ... known (else taken from the log) */
    bool anchor;                 /* READ from pos: check or take its hash */
    dbk_sub_fault_t fault;       /* the last DBK_ECORRUPT's           */
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
    self->sub = dbk_sock_open (&sc);
    self->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 5000;
    self->log_endpoint = cfg->log_endpoint ? strdup (cfg->log_endpoint) : NULL;
    self->client = dbk_client_new (cfg->log_endpoint, self->timeout_ms);
    if (!self->sub || !self->log_endpoint || !self->client) {
        int err = errno; /* EMFILE: out of file descriptors */
        dbk_sub_destroy (&self);
        errno = err;
        return NULL;
    }
    self->pos = cfg->after;
    self->head = cfg->after;
    /*  seq 1 chains from 32 zero bytes; past a checkpoint, from the hash
        of its record, which the first READ checks (or gives) */
    self->hash_known = cfg->after == 0 || cfg->after_hash;
    if (cfg->after && cfg->after_hash)
        memcpy (self->hash, cfg->after_hash, DBK_HASH_SIZE);
    self->anchor = cfg->after > 0;
    self->need_read = true;
    self->page_size = cfg->page ? cfg->page : 1000;
    self->async = cfg->async;
    self->idle_ms = cfg->idle_ms;
    self->last_heard = self->last_pub = zclock_mono ();
    if (cfg->decode_ahead && (self->dec = calloc (1, sizeof *self->dec)) != NULL) {
        pthread_mutex_init (&self->dec->mu, NULL);
        pthread_cond_init (&self->dec->cv, NULL);
    }
    return self;
}

/*  ---- the decoder thread ---- */

static void s_decode (s_prep_t *p)
{
    p->rc = dbk_client_page_of (&p->msg, p->rid, &p->doc, &p->page);
    if (p->rc == 0 && p->page.count > p->cap) {
        dbk_event_t *evs = realloc (p->evs, p->page.count * sizeof *evs);
        if (evs)
            p->evs = evs;
        int *rcs = evs ? realloc (p->rcs, p->page.count * sizeof *rcs) : NULL;
        if (rcs)
            p->rcs = rcs;
        if (evs && rcs)
            p->cap = p->page.count;
        else
            p->rc = DBK_ENOMEM;
    }
    if (p->rc == 0 && !p->arena && !(p->arena = dbk_arena_new ()))
        p->rc = DBK_ENOMEM;
    for (size_t i = 0; p->rc == 0 && i < p->page.count; i++) {
        const uint8_t *rec;
        size_t len;
        dbk_event_t *ev = &p->evs[i];
        p->rcs[i] =
            dbk_page_record (&p->page, i, &rec, &len) || dbk_event_decode_record (rec, len, ev)
                ? DBK_EMALFORMED
                : dbk_event_check_record (rec, len, ev->prev);
        if (p->rcs[i] == 0 && ev->data_raw) {
            /*  a payload that is not a map is left to the owner, which
                parses it as it would have (and refuses it) */
            const dbk_obj_t *data = dbk_arena_parse (p->arena, ev->data_raw, ev->data_raw_len);
            if (dbk_obj_type (data) == DBK_T_MAP)
                ev->data = data;
        }
    }
}

static void *s_decoder (void *arg)
{
    s_decoder_t *d = arg;
    pthread_mutex_lock (&d->mu);
    while (true) {
        while (!d->job && !d->quit)
            pthread_cond_wait (&d->cv, &d->mu);
        if (d->quit)
            break;
        s_prep_t *p = d->job;
        pthread_mutex_unlock (&d->mu);
        s_decode (p);
        pthread_mutex_lock (&d->mu);
        p->ready = true;
        d->job = NULL;
        pthread_cond_broadcast (&d->cv);
    }
    pthread_mutex_unlock (&d->mu);
    return NULL;
}

/*  Wait until the decoder is done with p. */
static void s_prep_wait (s_decoder_t *d, s_prep_t *p)
{
    pthread_mutex_lock (&d->mu);
    while (!p->ready && d->job == p)
        pthread_cond_wait (&d->cv, &d->mu);
    pthread_mutex_unlock (&d->mu);
}

/*  p back to free, its page and payloads dropped (the decoder is done
    with it). */
static void s_prep_release (s_prep_t *p)
{
    zmsg_destroy (&p->msg);
    dbk_doc_destroy (&p->doc);
    dbk_arena_reset (p->arena);
    memset (&p->page, 0, sizeof p->page);
    p->ready = false;
}

static void s_decoder_stop (s_decoder_t **dp)
{
    s_decoder_t *d = *dp;
    if (!d)
        return;
    if (d->started) {
        pthread_mutex_lock (&d->mu);
        d->quit = true;
        pthread_cond_broadcast (&d->cv);
        pthread_mutex_unlock (&d->mu);
        pthread_join (d->thread, NULL);
    }
    for (int i = 0; i < 2; i++) {
        s_prep_release (&d->slots[i]);
        dbk_arena_destroy (&d->slots[i].arena);
        free (d->slots[i].evs);
        free (d->slots[i].rcs);
    }
    pthread_cond_destroy (&d->cv);
    pthread_mutex_destroy (&d->mu);
    free (d);
    *dp = NULL;
}

/*  The answer to the READ sent ahead, if it has arrived: to the decoder,
    which parses it too. A reply that is not the page (an error, the late
    answer to an older request) leaves the page to s_read, which asks for
    it again. */
static void s_poll_ahead (dbk_sub_t *self)
{
    s_decoder_t *d = self->dec;
    if (!d->started) {
        if (pthread_create (&d->thread, NULL, s_decoder, d) != 0)
            return; /* decoded on this thread, as without decode_ahead */
        d->started = true;
        pthread_setname_np (d->thread, "dbk-decode");
    }
    zmsg_t *msg = dbk_client_recv_now (self->client);
    if (!msg)
        return; /* not yet */
    s_prep_t *p = &d->slots[0] == self->cur_prep ? &d->slots[1] : &d->slots[0];
    p->msg = msg;
    p->rid = dbk_client_rid (self->client);
    p->rc = 0;
    p->ready = false;
    self->next_prep = p;
    self->next_from = self->ahead;
    self->ahead = 0;
    pthread_mutex_lock (&d->mu);
    d->job = p;
    pthread_cond_broadcast (&d->cv);
    pthread_mutex_unlock (&d->mu);
}

void dbk_sub_destroy (dbk_sub_t **self_p)
{
    if (self_p && *self_p) {
        dbk_sub_t *self = *self_p;
        dbk_client_destroy (&self->client);
        free (self->log_endpoint);
        dbk_sock_close (&self->sub);
        dbk_doc_destroy (&self->page_doc);
        s_decoder_stop (&self->dec);
        zmsg_destroy (&self->live);
        free (self);
        *self_p = NULL;
    }
}

static void s_drop_page (dbk_sub_t *self)
{
    dbk_doc_destroy (&self->page_doc);
    if (self->cur_prep)
        s_prep_release (self->cur_prep);
    self->cur_prep = NULL;
    memset (&self->page, 0, sizeof self->page);
    self->page_i = 0;
}

static void s_saw_head (dbk_sub_t *self, uint64_t head)
{
    if (head > self->head)
        self->head = head;
}

/*  The log cannot be followed from pos: DBK_ECORRUPT, for this reason.
    The next call reads the log again (from pos, or to check the anchor):
    the same answer while the log stays as it is. */
static int s_fault (dbk_sub_t *self, dbk_sub_fault_kind_t kind, uint64_t seq)
{
    self->fault = (dbk_sub_fault_t){.kind = kind, .seq = seq};
    self->need_read = true;
    return DBK_ECORRUPT;
}

/*  The page's record at pos, READ while anchoring: its hash is the one
    handed out (or kept with the checkpoint), or becomes it. */
static int s_anchor (dbk_sub_t *self, const dbk_event_t *ev)
{
    if (self->hash_known && memcmp (ev->hash, self->hash, DBK_HASH_SIZE) != 0)
        return s_fault (self, DBK_SUB_FAULT_FORK, ev->seq);
    memcpy (self->hash, ev->hash, DBK_HASH_SIZE);
    self->hash_known = true;
    self->anchor = false;
    return 0;
}

/*  Hand out the next record of the current page, if it is pos + 1 and
    on the chain. */
static int s_from_page (dbk_sub_t *self, dbk_event_t *ev)
{
    while (self->page_i < self->page.count) {
        const uint8_t *rec;
        size_t len;
        size_t i = self->page_i++;
        int hrc = 1; /* its own hash: not checked yet */
        if (dbk_page_record (&self->page, i, &rec, &len))
            return DBK_EMALFORMED;
        if (self->cur_prep) {
            if ((hrc = self->cur_prep->rcs[i]) == DBK_EMALFORMED)
                return DBK_EMALFORMED;
            *ev = self->cur_prep->evs[i];
        } else if (dbk_event_decode_record (rec, len, ev))
            return DBK_EMALFORMED;
        if (ev->seq < self->pos)
            continue;
        if (ev->seq == self->pos) {
            int rc = self->anchor ? s_anchor (self, ev) : 0;
            if (rc)
                return rc;
            continue;
        }
        /*  READ pages are contiguous, and one READ while anchoring starts
            at pos: a seq skipped means the log is damaged */
        if (ev->seq != self->pos + 1 || self->anchor)
            return s_fault (self, DBK_SUB_FAULT_GAP, self->anchor ? self->pos : self->pos + 1);
        bool chained = hrc == 1 ? dbk_event_check_record (rec, len, self->hash) == 0
                                : hrc == 0 && memcmp (ev->prev, self->hash, DBK_HASH_SIZE) == 0;
        if (!chained)
            return s_fault (self, DBK_SUB_FAULT_HASH, ev->seq);
        memcpy (self->hash, ev->hash, DBK_HASH_SIZE);
        self->pos = ev->seq;
        self->rec = rec;
        self->rec_len = len;
        self->stats.delivered++;
        return 0;
    }
    return DBK_ENOTFOUND;
}

static int s_accept (dbk_sub_t *self);

/*  Ask for the page from pos + 1, unless it was asked for ahead; or take
    it as it is, when it was decoded ahead (*taken, with s_accept's
    result). */
static int s_read_ask (dbk_sub_t *self, bool *taken)
{
    s_drop_page (self);
    dbk_read_t rq = {.from = self->anchor ? self->pos : self->pos + 1, .limit = self->page_size};
    int rc = 0;
    s_prep_t *p = self->next_prep;
    self->next_prep = NULL;
    if (p) {
        s_prep_wait (self->dec, p);
        if (p->rc == 0 && self->next_from == rq.from) {
            /*  taken in and decoded while the last page was handed out */
            self->page_doc = p->doc;
            self->page = p->page;
            p->doc = NULL;
            self->cur_prep = p;
            *taken = true;
            return s_accept (self);
        }
        s_prep_release (p);
    }
    /*  the page asked for ahead, while the last one was handed out, is the
        one wanted unless something went wrong in between; otherwise it is
        asked for now (the client drops the answer to an older request) */
    if (self->ahead != rq.from) {
        self->stats.reads++;
        rc = dbk_client_read_send (self->client, &rq);
    }
    self->ahead = 0;
    return rc;
}

static int s_read (dbk_sub_t *self)
{
    int rc = 0;
    if (!self->read_sent) { /* else (async): asked for already, maybe answered now */
        bool taken = false;
        rc = s_read_ask (self, &taken);
        if (taken)
            return rc;
        if (rc == 0)
            self->read_sent = zclock_mono ();
    }
    if (rc == 0)
        rc = dbk_client_read_wait_ms (self->client, &self->page_doc, &self->page,
                                      self->async ? 0 : self->timeout_ms);
    if (rc == DBK_ETIMEOUT && self->async && zclock_mono () < dbk_sub_read_deadline (self))
        return DBK_ETIMEOUT; /* not yet */
    self->read_sent = 0;
    if (rc == 0)
        self->last_heard = zclock_mono ();
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
    return s_accept (self);
}

/*  The page just READ becomes the one handed out. */
static int s_accept (dbk_sub_t *self)
{
    self->heard = true;
    if (self->page.head < self->pos) {
        /*  the log is behind our checkpoint: its head is what it is now.
            It is another copy of the log (restored while we could not
            reach it, so no heartbeat told): once it reaches pos again,
            its record there must be checked against the one handed out */
        self->head = self->pub_max = self->page.head;
        self->anchor = self->pos > 0;
        s_drop_page (self);
        return s_fault (self, DBK_SUB_FAULT_BEHIND, self->head);
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

/*  Nothing heard from the log (PUB message, READ answer) for idle_ms. */
static bool s_idle (const dbk_sub_t *self)
{
    return self->idle_ms && !self->need_read && !self->read_sent &&
           zclock_mono () - self->last_heard > self->idle_ms;
}

int dbk_sub_next (dbk_sub_t *self, dbk_event_t *ev, int timeout_ms)
{
    zmsg_destroy (&self->live);
    self->rec = NULL;
    if (self->dec && self->ahead && !self->next_prep && (++self->polls & 31) == 0)
        s_poll_ahead (self);
    int64_t deadline = zclock_mono () + (timeout_ms > 0 ? timeout_ms : 0);
    if (s_idle (self))
        self->need_read = true; /* the log has gone quiet: does it still answer? */
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
        zmq_pollitem_t item = {self->sub, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll (&item, 1, left > 0 ? (long) left : 0);
        if (n < 0)
            return DBK_EINTERRUPTED;
        if (n == 0)
            return DBK_ETIMEOUT;
        zmsg_t *msg = zmsg_recv (self->sub);
        if (!msg)
            return DBK_EINTERRUPTED;
        self->last_heard = self->last_pub = zclock_mono ();
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
                /*  PUB keeps order: a heartbeat below an event or a
                    heartbeat the same stream carried earlier means the
                    log went back in time (restored, or lost unsynced
                    events). READ tells how far, and whether the record
                    at pos is still the one handed out. A heartbeat below
                    what READ delivered may merely be old: not compared. */
                if (head < self->pub_max) {
                    self->need_read = true;
                    self->anchor = self->pos > 0;
                }
                self->pub_max = head;
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
        if (ev->seq > self->pos + 1 || self->anchor) {
            self->stats.gaps++;
            self->need_read = true;
            zmsg_destroy (&msg);
            continue;
        }
        if (dbk_event_check_record (zframe_data (body), zframe_size (body), self->hash) != 0) {
            /*  not on the chain: READ it from the log, which is checked
                the same way (and reported, if the log holds it so) */
            self->need_read = true;
            zmsg_destroy (&msg);
            continue;
        }
        memcpy (self->hash, ev->hash, DBK_HASH_SIZE);
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

dbk_sub_fault_t dbk_sub_fault (const dbk_sub_t *self)
{
    return self->fault;
}

int64_t dbk_sub_pub_quiet_ms (const dbk_sub_t *self)
{
    return zclock_mono () - self->last_pub;
}

uint64_t dbk_sub_head (const dbk_sub_t *self)
{
    return self->head;
}

void dbk_sub_stats (const dbk_sub_t *self, dbk_sub_stats_t *st)
{
    *st = self->stats;
}

void *dbk_sub_socket (dbk_sub_t *self)
{
    return self->sub;
}

bool dbk_sub_pending (const dbk_sub_t *self)
{
    return self->page_i < self->page.count || (self->need_read && !self->read_sent) ||
           s_idle (self);
}

bool dbk_sub_awaiting (const dbk_sub_t *self)
{
    return self->read_sent != 0;
}

void *dbk_sub_read_socket (dbk_sub_t *self)
{
    return dbk_client_socket (self->client);
}

bool dbk_sub_heard (const dbk_sub_t *self)
{
    return self->heard;
}

int64_t dbk_sub_read_deadline (const dbk_sub_t *self)
{
    return self->read_sent ? self->read_sent + self->timeout_ms : 0;
}
