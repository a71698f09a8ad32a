/*  contacts_normalize.c - the key under which two company names count as
    the same account: NFKC + case folding by utf8proc (kept tables, not
    hand-written ones), word breaks at anything that is not a letter, digit
    or mark, company suffixes removed. */
#include "contacts_decider.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/*  Longest first: the loop below restarts from the top after each cut, so
    "股份有限公司" goes in one cut rather than leaving "股份" behind. */
const char *const contacts_company_suffixes[] = {
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团",        "公司",
    "Co., Ltd.",    "Co. Ltd.",     "Ltd.",     "Co.",      "Inc.",        "Incorporated",
    "LLC",          "L.L.C.",       "GmbH",     "Corp.",    "Corporation", "Company",
    "Limited",      "PLC",          "Group",    NULL};

static bool s_keep (utf8proc_int32_t c)
{
    switch (utf8proc_category (c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

char *contacts_fold (const char *s, size_t len, bool (*keep) (int32_t c), char sep, size_t *out_len)
{
    utf8proc_uint8_t *folded = NULL;
    utf8proc_ssize_t n = utf8proc_map (
        (const utf8proc_uint8_t *) s, (utf8proc_ssize_t) len, &folded,
        UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
    if (n < 0)
        return NULL;
    /* Every kept code point is copied as is and every break becomes at
       most one separator, so n + 1 bytes are enough. */
    char *out = malloc ((size_t) n + 1);
    if (!out) {
        free (folded);
        return NULL;
    }
    size_t at = 0;
    for (utf8proc_ssize_t i = 0; i < n;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate (folded + i, n - i, &c);
        if (k <= 0)
            break; /* utf8proc_map produced it: cannot happen */
        if (keep (c)) {
            memcpy (out + at, folded + i, (size_t) k);
            at += (size_t) k;
        } else if (sep && at && out[at - 1] != sep)
            out[at++] = sep;
        i += k;
    }
    if (sep && at && out[at - 1] == sep)
        at--;
    out[at] = 0;
    free (folded);
    *out_len = at;
    return out;
}

/*  Fold and split: the words of the name joined by single spaces (NUL-
    terminated, caller's), *len its length. NULL on bad UTF-8 / memory. */
static char *s_words (const char *name, size_t len, size_t *out_len)
{
    return contacts_fold (name, len, s_keep, ' ', out_len);
}

/*  Cut one suffix off words[0..*len) if one fits; true if it did. */
static bool s_cut_one (char *words, size_t *len, const char *const *suffixes)
{
    for (size_t i = 0; suffixes && suffixes[i]; i++) {
        size_t sn;
        char *s = s_words (suffixes[i], strlen (suffixes[i]), &sn);
        if (!s)
            continue;
        bool cut = false;
        if (sn && sn < *len && !memcmp (words + *len - sn, s, sn)) {
            size_t rest = *len - sn;
            if ((unsigned char) s[0] >= 0x80) {
                /* scripts without spaces: cut wherever it stands */
                while (rest && words[rest - 1] == ' ')
                    rest--;
                cut = rest > 0;
            } else if (words[rest - 1] == ' ') {
                rest--; /* whole words only */
                cut = rest > 0;
            }
            if (cut)
                *len = rest;
        }
        free (s);
        if (cut)
            return true;
    }
    return false;
}

char *contacts_normalize_name_with (const char *name, size_t len, const char *const *suffixes)
{
    size_t n;
    char *words = s_words (name, len, &n);
    if (!words)
        return NULL;
    while (s_cut_one (words, &n, suffixes))
        ;
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        if (words[i] != ' ')
            words[at++] = words[i];
    words[at] = 0;
    if (at == 0) {
        free (words);
        return NULL;
    }
    return words;
}

char *contacts_normalize_name (const char *name, size_t len)
{
    return contacts_normalize_name_with (name, len, contacts_company_suffixes);
}
