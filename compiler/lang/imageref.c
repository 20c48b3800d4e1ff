#include "imageref.h"

#include <string.h>

#include "ascii.h"

/* The characters a path component is made of, between its separators. */
static bool imageref_alnum(char c)
{
	return ascii_lower(c) || ascii_digit(c);
}

/* path-component: [a-z0-9]+ joined by one separator each: '.', '_', "__"
 * or a run of '-'. */
static bool imageref_component_ok(const char *s, size_t n)
{
	if (!n || !imageref_alnum(s[0]) || !imageref_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (imageref_alnum(c) || c == '-')
			continue;
		if ((c != '.' && c != '_') || !imageref_alnum(s[i - 1]))
			return false;
		size_t next = i + (c == '_' && s[i + 1] == '_' ? 2 : 1);
		if (next >= n || !imageref_alnum(s[next]))
			return false;
		i = next;
	}
	return true;
}

/* Every '/'-separated component of p[0..n). */
static bool imageref_path_ok(const char *p, size_t n)
{
	for (;;) {
		const char *slash = memchr(p, '/', n);
		size_t len = slash ? (size_t)(slash - p) : n;
		if (!imageref_component_ok(p, len))
			return false;
		if (!slash)
			return true;
		p += len + 1;
		n -= len + 1;
	}
}

/* host[:port], or [v6]:port: letters, digits, '.', '-', ':', '[', ']'. */
static bool imageref_domain_ok(const char *d, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ascii_alnum(d[i]) && !strchr(".-:[]", d[i]))
			return false;
	return true;
}

/* [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static bool imageref_tag_ok(const char *t, size_t n)
{
	if (!n || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ascii_alnum(t[i]) && !strchr("_.-", t[i]))
			return false;
	return true;
}

bool imageref_digest_ok(const char *d)
{
	size_t hex;
	if (!strncmp(d, "sha256:", 7))
		hex = 64;
	else if (!strncmp(d, "sha512:", 7))
		hex = 128;
	else
		return false;
	d += 7;
	for (size_t i = 0; i < hex; i++)
		if (!ascii_digit(d[i]) && !(d[i] >= 'a' && d[i] <= 'f'))
			return false;
	return d[hex] == '\0';
}

bool imageref_is_domain(const char *s, size_t n)
{
	if (n == 9 && !strncmp(s, "localhost", 9))
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || ascii_upper(s[i]))
			return true;
	return false;
}

const char *imageref_check(const char *ref)
{
	const char *at = strchr(ref, '@');
	size_t name = at ? (size_t)(at - ref) : strlen(ref);
	if (at && !imageref_digest_ok(at + 1))
		return "has no valid digest after '@'";
	/* the tag follows the last ':' after the last '/'; a ':' before a
	 * '/' is a registry's port */
	size_t slash = name, end = name;
	while (slash > 0 && ref[slash - 1] != '/')
		slash--;
	for (size_t i = name; i > slash && end == name; i--)
		if (ref[i - 1] == ':')
			end = i - 1;
	if (end < name && !imageref_tag_ok(ref + end + 1, name - end - 1))
		return "has no valid tag after ':'";
	size_t first = strcspn(ref, "/"), start = 0;
	if (first < end && imageref_is_domain(ref, first)) {
		if (!imageref_domain_ok(ref, first))
			return "names no valid registry";
		start = first + 1;
	}
	if (name > 255 || !imageref_path_ok(ref + start, end - start))
		return "is not an image name (lower-case letters, digits, and '.', '_', '-' "
		       "between them)";
	return NULL;
}
