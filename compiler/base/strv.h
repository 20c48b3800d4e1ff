/*
 * strv: arrays of C strings (const char *), as the stages keep names.
 */
#ifndef INFRAC_STRV_H
#define INFRAC_STRV_H

#include <stddef.h>

/* qsort comparator of two const char * elements, by strcmp. */
int strv_cmp(const void *a, const void *b);
/* Sorts v and drops repeated strings; returns how many are left. */
size_t strv_sort_uniq(const char **v, size_t n);

#endif
