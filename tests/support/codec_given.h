/*  codec_given.h - what the codec suites share (test_codec.c,
    test_codec_writer.c, test_envelope.c, test_proto.c): msgpack literals
    and parsing that asserts success. Header-only (static inline) because
    the Makefile links tests/support/testlib.c only.
*/
#ifndef CODEC_GIVEN_H
#define CODEC_GIVEN_H

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

/*  Bytes of a literal: MP (0x93, 0x01) expands to "pointer, length". */
#define MP(...) ((const uint8_t[]){__VA_ARGS__}), sizeof ((const uint8_t[]){__VA_ARGS__})

/*  Parse, asserting success; the document is the caller's. */
static inline dbk_doc_t *s_parse (const void *b, size_t n)
{
    dbk_doc_t *doc = NULL;
    int rc = dbk_doc_parse (b, n, &doc);
    cr_assert_eq (rc, 0, "dbk_doc_parse: %s", dbk_strerror (rc));
    cr_assert_not_null (doc);
    return doc;
}

static inline dbk_doc_t *s_parse_wr (const dbk_wr_t *w)
{
    return s_parse (dbk_wr_data (w), dbk_wr_size (w));
}

/*  n nested one-element arrays around `inner` (0xc0, or 0x90 for an
    empty innermost array). Returns the length. */
static inline size_t s_nest (uint8_t *buf, size_t n, uint8_t inner)
{
    memset (buf, 0x91, n);
    buf[n] = inner;
    return n + 1;
}

#endif
