/*  fc_competitor.c - the competitors the book knows, from the contacts
    service's competitor.added and competitor.updated, so that a loss's
    winner counts for one competitor whether it was typed as the
    competitor's id (OPP_LOSE) or copied as a bidder's name from a tender
    award (forecasting.h, fc_book_competitor).

    FC_TAB_COMPETITOR holds two kinds of pairs:
      'i' id             -> the competitor's current name
      'n' fold NUL id    -> 'c' when its current name folds to fold, 'f'
                            when a name it had before a rename did
    fold: contacts_normalize_name_with (name, NULL), cut to S_FOLD_MAX
    bytes (both when indexed and when looked up) so that every key fits
    LMDB's. A former name is kept because the awards recorded while the
    competitor had it still carry it. */
#include "fc_internal.h"

#include "contacts_decider.h"

#include "dealbook/dbk_error.h"

#include <stdlib.h>
#include <string.h>

#define S_FOLD_MAX 400
#define S_KEY_MAX (1 + S_FOLD_MAX + 1 + FC_ID_MAX)

/*  'i' id into key; its length. */
static size_t s_id_key (const char *id, size_t n, char *key)
{
    key[0] = 'i';
    memcpy (key + 1, id, n);
    return n + 1;
}

/*  'n' fold NUL into key (the prefix of the name pairs of fold, then
    id when given); its length, or 0 when the name holds no letter or
    digit (it names nobody), or on a lack of memory. */
static size_t s_name_key (const char *name, size_t n, const char *id, size_t idn, char *key)
{
    char *fold = n ? contacts_normalize_name_with (name, n, NULL) : NULL;
    if (!fold)
        return 0;
    size_t fl = strlen (fold);
    if (fl > S_FOLD_MAX)
        fl = S_FOLD_MAX;
    key[0] = 'n';
    memcpy (key + 1, fold, fl);
    key[1 + fl] = 0;
    free (fold);
    memcpy (key + 2 + fl, id, idn);
    return 2 + fl + idn;
}

/*  The current name of id (n bytes) into name (FC_TEXT_MAX + 1). */
static int s_name_of (const fc_book_t *self, const char *id, size_t n, char *name)
{
    char key[S_KEY_MAX];
    size_t vl, kl = s_id_key (id, n, key);
    const fc_store_t *st = self->store;
    int rc = st->get (st->ctx, FC_TAB_COMPETITOR, key, kl, name, FC_TEXT_MAX, &vl);
    if (rc == DBK_ETOOBIG)
        return DBK_ECORRUPT;
    name[rc ? 0 : vl] = 0;
    return rc;
}

int fc_competitor_apply (fc_book_t *self, const char *what, const dbk_obj_t *data)
{
    bool added = !strcmp (what, "added");
    if (!added && strcmp (what, "updated"))
        return 0;
    const char *id, *name;
    size_t idn, n;
    if (dbk_obj_str (dbk_obj_get (data, "id"), &id, &idn) || idn == 0 || idn > FC_ID_MAX ||
        memchr (id, 0, idn))
        return DBK_EMALFORMED;
    if (dbk_obj_str (dbk_obj_get (data, "name"), &name, &n) || n == 0 || memchr (name, 0, n))
        return added ? DBK_EMALFORMED : 0; /* an update that leaves the name as it was */
    if (n > FC_TEXT_MAX) {
        n = FC_TEXT_MAX; /* cut at a UTF-8 character boundary */
        while (n && ((unsigned char) name[n] & 0xC0) == 0x80)
            n--;
    }
    char old[FC_TEXT_MAX + 1], key[S_KEY_MAX];
    int rc = s_name_of (self, id, idn, old);
    if (rc == DBK_ENOTFOUND && !added)
        return 0; /* a competitor the book never saw added */
    if (rc && rc != DBK_ENOTFOUND)
        return rc;
    const fc_store_t *st = self->store;
    size_t kl;
    if (rc == 0) {
        if (strlen (old) == n && !memcmp (old, name, n))
            return 0;
        /* the name it had stays a way to name it, after its current one */
        if ((kl = s_name_key (old, strlen (old), id, idn, key)) &&
            (rc = st->put (st->ctx, FC_TAB_COMPETITOR, key, kl, "f", 1)))
            return rc;
    }
    kl = s_id_key (id, idn, key);
    if ((rc = st->put (st->ctx, FC_TAB_COMPETITOR, key, kl, name, n)))
        return rc;
    if ((kl = s_name_key (name, n, id, idn, key)))
        rc = st->put (st->ctx, FC_TAB_COMPETITOR, key, kl, "c", 1);
    return rc;
}

/*  The competitors a folded name names: how many by their current name
    and by a former one, and the first id of each. */
typedef struct {
    size_t plen;         /* the prefix 'n' fold NUL */
    int current, former; /* competitors found       */
    char cur_id[FC_ID_MAX + 1], old_id[FC_ID_MAX + 1];
} s_named_t;

static int s_named_cb (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    s_named_t *s = arg;
    size_t idn = klen - s->plen;
    if (idn == 0 || idn > FC_ID_MAX || vlen != 1)
        return DBK_ECORRUPT;
    bool current = *(const char *) val == 'c';
    char *id = current ? s->cur_id : s->old_id;
    if ((current ? s->current++ : s->former++) == 0) {
        memcpy (id, (const char *) key + s->plen, idn);
        id[idn] = 0;
    }
    return 0;
}

int fc_book_competitor (const fc_book_t *self, const char *text, char id[FC_ID_MAX + 1],
                        char name[FC_TEXT_MAX + 1])
{
    size_t n = text ? strlen (text) : 0;
    id[0] = name[0] = 0;
    if (n == 0)
        return DBK_ENOTFOUND;
    int rc = n <= FC_ID_MAX ? s_name_of (self, text, n, name) : DBK_ENOTFOUND;
    if (rc != DBK_ENOTFOUND) {
        if (rc == 0)
            memcpy (id, text, n + 1);
        return rc;
    }
    char key[S_KEY_MAX];
    s_named_t s = {.plen = s_name_key (text, n, "", 0, key)};
    if (!s.plen)
        return DBK_ENOTFOUND;
    const fc_store_t *st = self->store;
    if ((rc = st->scan (st->ctx, FC_TAB_COMPETITOR, key, s.plen, s_named_cb, &s)))
        return rc;
    const char *found = s.current == 1                    ? s.cur_id
                        : s.current == 0 && s.former == 1 ? s.old_id
                                                          : NULL;
    if (!found)
        return DBK_ENOTFOUND;
    if ((rc = s_name_of (self, found, strlen (found), name)))
        return rc == DBK_ENOTFOUND ? DBK_ECORRUPT : rc; /* a name pair without its id */
    memcpy (id, found, strlen (found) + 1);
    return 0;
}
