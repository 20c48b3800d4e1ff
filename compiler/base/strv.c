#include "strv.h"

#include <stdlib.h>
#include <string.h>

int strv_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t strv_sort_uniq(const char **v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), strv_cmp);
	size_t u = 1;
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[u - 1], v[i]))
			v[u++] = v[i];
	return u;
}
