/* SHA-256 against the examples of FIPS 180-4 and lengths around the
 * padding's block boundaries; the field dump's separators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "digest.h"

static void assert_sha(const void *data, size_t len, const char *want)
{
	char got[DIGEST_HEX];
	digest_sha256_hex(data, len, got);
	assert_string_equal(got, want);
}

static void test_standard_examples(void **state)
{
	(void)state;
	assert_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	assert_sha(two, strlen(two),
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	size_t n = 1000000;
	char *m = malloc(n);
	assert_non_null(m);
	memset(m, 'a', n);
	assert_sha(m, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
}

/* 55 bytes still take the length in their block, 56 need a second one */
static void test_block_boundaries(void **state)
{
	(void)state;
	static const struct {
		size_t n;
		const char *hex;
	} cases[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[128];
	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_sha(a, cases[i].n, cases[i].hex);
}

/* RFC 4231's test cases 1, 2 and 6 (a key longer than a block) */
static void test_hmac(void **state)
{
	(void)state;
	char h[DIGEST_HEX];
	unsigned char k1[20], k6[131];
	memset(k1, 0x0b, sizeof(k1));
	memset(k6, 0xaa, sizeof(k6));
	digest_hmac_sha256_hex(k1, sizeof(k1), "Hi There", 8, h);
	assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	digest_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, h);
	assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	digest_hmac_sha256_hex(k6, sizeof(k6), m6, strlen(m6), h);
	assert_string_equal(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_fields_are_separated(void **state)
{
	(void)state;
	char x[DIGEST_HEX], y[DIGEST_HEX], z[DIGEST_HEX];
	struct strbuf d = STRBUF_INIT;
	digest_put(&d, "ab");
	digest_put(&d, "c");
	digest_finish(&d, x);
	digest_put(&d, "a");
	digest_put(&d, "bc");
	digest_finish(&d, y);
	digest_put(&d, "ab");
	digest_put(&d, NULL);
	digest_finish(&d, z);
	assert_string_not_equal(x, y);
	assert_string_not_equal(x, z);
	assert_int_equal(strlen(x), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard_examples),
		cmocka_unit_test(test_block_boundaries),
		cmocka_unit_test(test_fields_are_separated),
		cmocka_unit_test(test_hmac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
