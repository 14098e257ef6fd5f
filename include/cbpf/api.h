/*
 * cbpf/api.h - CBPF_API marks what libcbpf exports. The library is built
 * with hidden visibility, so a function is part of the shared library's
 * ABI exactly when a public header declares it with CBPF_API (a test checks
 * `nm -D` against these headers).
 */
#ifndef CBPF_API_H
#define CBPF_API_H

#if defined(__GNUC__) || defined(__clang__)
#define CBPF_API __attribute__((visibility("default")))
#else
#define CBPF_API
#endif

#endif
