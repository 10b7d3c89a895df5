#ifndef TOLLGATE_CHTTPPARSER_SHIM_H
#define TOLLGATE_CHTTPPARSER_SHIM_H
#include <http_parser.h>

/// HTTP_PARSER_ERRNO is a macro; Swift cannot import it.
static inline enum http_errno tollgate_http_parser_errno(const http_parser *p) {
    return (enum http_errno)p->http_errno;
}
#endif
