/*
 * Unit tests for common/json, and the JSONTestSuite conformance run: every
 * y_ file accepted, every n_ file rejected with a message, every i_ file
 * handled without a crash.  Usage: test_json [JSON-TEST-SUITE-DIR]
 */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "test.h"

static int
valid(const char *s)
{
	struct json_error e;

	return json_validate(s, strlen(s), NULL, &e) == 0;
}

static const char *
errmsg(const char *s, size_t *off)
{
	struct json_error e = {0};

	if (json_validate(s, strlen(s), NULL, &e) == 0)
		return "";
	*off = e.offset;
	return e.msg;
}

static void
test_validate(void)
{
	size_t off = 0;

	CHECK(valid("{}"));
	CHECK(valid(" {\"a\" : [1, -0.5e+3, true, false, null, \"x\"]} "));
	CHECK(valid("123456789012345678901234567890"));
	CHECK(valid("\"\\u00e9\\ud83d\\ude00\""));
	CHECK(valid("\"caf\xc3\xa9\""));
	CHECK(!valid("{\"a\":1,}"));
	CHECK(!valid("[1,]"));
	CHECK(!valid("01"));
	CHECK(!valid("1."));
	CHECK(!valid("\"\\ud800\""));
	CHECK(!valid("\"\\udc00\""));
	CHECK(!valid("\"\xff\""));
	CHECK(!valid("\"\xc0\xaf\""));	       /* overlong */
	CHECK(!valid("\"\xed\xa0\x80\""));     /* surrogate */
	CHECK(!valid("\"\xf4\x90\x80\x80\"")); /* > U+10FFFF */
	CHECK(!valid("\"a\tb\""));
	CHECK(!valid(""));
	CHECK(!valid("{} x"));
	CHECK(strcmp(errmsg("{\"a\" 1}", &off),
		     "expected ':' after object key") == 0 &&
	      off == 5);
	CHECK(strcmp(errmsg("{\"a\":1 x", &off),
		     "expected ',' or '}' in object") == 0 &&
	      off == 7);
	CHECK(strcmp(errmsg("[1", &off), "unexpected end of input in array") ==
		      0 &&
	      off == 2);
}

static void
test_depth(void)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < JSON_MAX_DEPTH; i++)
		buf_addch(&b, '[');
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		buf_addch(&b, ']');
	CHECK(valid(b.data));
	buf_reset(&b);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		buf_addch(&b, '[');
	CHECK(!valid(b.data));
	buf_release(&b);
}

static void
test_iter(void)
{
	const char *s =
		"{\"id\": 9223372036854775807, \"n\\u0041me\":\"x\\ny\","
		" \"tags\":[1,{\"a\":[]}], \"b\":true, \"z\":null}";
	struct json_iter it, ai;
	struct json_value k, v, el;
	struct json_error e;
	struct buf b = BUF_INIT;
	int n = 0;

	CHECK(json_object_open(&it, s, strlen(s), &e) == 0);
	CHECK(json_object_next(&it, &k, &v, &e) == 1);
	CHECK(k.len == 2 && memcmp(k.p, "id", 2) == 0);
	CHECK(v.type == JSON_NUMBER && v.integer && v.len == 19);
	CHECK(json_object_next(&it, &k, &v, &e) == 1);
	CHECK(k.escaped && json_string_equals(&k, "nAme", 4));
	CHECK(v.type == JSON_STRING && v.escaped);
	json_unescape(&b, v.p, v.len);
	CHECK(b.len == 3 && memcmp(b.data, "x\ny", 3) == 0);
	CHECK(json_object_next(&it, &k, &v, &e) == 1);
	CHECK(v.type == JSON_ARRAY && v.len == 12);
	CHECK(json_array_open(&ai, &v) == 0);
	while (json_array_next(&ai, &el) > 0)
		n++;
	CHECK(n == 2);
	CHECK(json_object_next(&it, &k, &v, &e) == 1 && v.type == JSON_TRUE);
	CHECK(json_object_next(&it, &k, &v, &e) == 1 && v.type == JSON_NULL);
	CHECK(json_object_next(&it, &k, &v, &e) == 0);
	CHECK(json_object_next(&it, &k, &v, &e) == 0);

	CHECK(json_object_open(&it, "[1]", 3, &e) < 0);
	CHECK(strcmp(e.msg, "not a JSON object (found array)") == 0);
	CHECK(json_object_open(&it, "{}", 2, &e) == 0);
	CHECK(json_object_next(&it, &k, &v, &e) == 0);
	CHECK(json_object_open(&it, "{} {}", 5, &e) == 0);
	CHECK(json_object_next(&it, &k, &v, &e) < 0 && e.offset == 3);
	buf_release(&b);
}

static void
test_unescape(void)
{
	const char *s = "a\\u0000b\\\"\\\\\\/"
			"\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud834\\udd1e";
	struct buf b = BUF_INIT;

	json_unescape(&b, s, strlen(s));
	CHECK(b.len == 20);
	CHECK(memcmp(b.data,
		     "a\0b\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e",
		     20) == 0);
	buf_release(&b);
}

static void
test_write(void)
{
	struct buf b = BUF_INIT;

	json_write_string(&b, "a\"\\\n\x01\0\xc3\xa9", 8);
	CHECK(strcmp(b.data, "\"a\\\"\\\\\\n\\u0001\\u0000\xc3\xa9\"") == 0);
#define D(x, s)                                                                \
	buf_reset(&b);                                                         \
	json_write_double(&b, x);                                              \
	CHECK(strcmp(b.data, s) == 0)
	D(0.1, "0.1");
	D(1.0, "1");
	D(-0.0, "-0");
	D(1e300, "1e+300");
	D(0.1 + 0.2, "0.30000000000000004");
	D(DBL_MAX, "1.7976931348623157e+308");
	D(INFINITY, "\"Infinity\"");
	D(-INFINITY, "\"-Infinity\"");
	D(NAN, "\"NaN\"");
	D(1.0 / 3, "0.3333333333333333");
	D(1e23, "1e+23");
	D(2.0 / 3 * 1e-10, "6.666666666666667e-11");
	D(123456789012345678.0, "1.2345678901234568e+17");
	D(0.000123456789, "0.000123456789");
	D(DBL_MIN, "2.2250738585072014e-308");
	D(-1.5e-7, "-1.5e-07");
#undef D
	buf_reset(&b);
	json_write_double(&b, 5e-324);
	CHECK(strcmp(b.data, "4.9406564584124654e-324") != 0);
	CHECK(strcmp(b.data, "5e-324") == 0);
	buf_reset(&b);
	json_write_double(&b, 2.2250738585072009e-308); /* largest subnormal */
	CHECK(strtod(b.data, NULL) == 2.2250738585072009e-308);
	buf_reset(&b);
	json_write_text(&b, "ok\0", 3);
	CHECK(strcmp(b.data, "\"ok\\u0000\"") == 0);
	buf_reset(&b);
	json_write_text(&b,
			"a\xff"
			"b",
			3);
	CHECK(strcmp(b.data, "{\"$binary\":{\"base64\":\"Yf9i\",\"subType\":"
			     "\"00\"}}") == 0);
	buf_reset(&b);
	json_write_binary(&b, "\0\xff\x01", 3, 0);
	CHECK(strcmp(b.data, "{\"$binary\":{\"base64\":\"AP8B\",\"subType\":"
			     "\"00\"}}") == 0);
	buf_release(&b);
}

static void
test_number_same(void)
{
	static const char *same[][2] = {
		{"1e3", "1000"},
		{"1000", "1000.0"},
		{"1.5", "15e-1"},
		{"0.001", "1E-3"},
		{"0", "0.0"},
		{"0", "0e5"},
		{"-0", "-0.0"},
		{"120", "1.2e2"},
		{"0.10", "0.1"},
		{"100e-2", "1"},
		{"-7", "-7.000"},
		{"0.0012e+3", "1.2"},
		{"123456789012345678901234567890e0",
		 "123456789012345678901234567890"},
	};
	static const char *differ[][2] = {
		{"1", "10"},
		{"-1", "1"},
		{"0", "-0"},
		{"0.1", "0.01"},
		{"1e3", "1e4"},
		{"12", "21"},
		{"1.5", "1.50001"},
		{"0.1", "0.10000000000000001"},
		{"123456789012345678901234567890e0", "1.2345678901234568e+29"},
	};
	struct buf b = BUF_INIT;
	char t[64];
	size_t i;
	double d;
	unsigned long long u = 88172645463325252ULL;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		CHECK(json_number_same(same[i][0], strlen(same[i][0]),
				       same[i][1], strlen(same[i][1])));
	for (i = 0; i < sizeof(differ) / sizeof(differ[0]); i++)
		CHECK(!json_number_same(differ[i][0], strlen(differ[i][0]),
					differ[i][1], strlen(differ[i][1])));
	/* a double's shortest text is the value %.17e prints, rounded */
	for (i = 0; i < 2000; i++) {
		u ^= u << 13, u ^= u >> 7, u ^= u << 17;
		memcpy(&d, &u, sizeof(d));
		if (!isfinite(d))
			continue;
		buf_reset(&b);
		json_write_double(&b, d);
		snprintf(t, sizeof(t), "%.17e", strtod(b.data, NULL));
		CHECK(strtod(t, NULL) == d);
		CHECK(json_number_same(b.data, b.len, b.data, b.len));
		/* k followed by z zeros is ke+z and k0e(z-1); not k1e(z-1) */
		snprintf(t, 32, "%llu%.*s", u % 100000 + 1, (int)(u % 7),
			 "000000");
		snprintf(t + 32, 32, "%llue+%d", u % 100000 + 1, (int)(u % 7));
		CHECK(json_number_same(t, strlen(t), t + 32, strlen(t + 32)));
		snprintf(t + 32, 32, "%llu1e%d", u % 100000 + 1,
			 (int)(u % 7) - 1);
		CHECK(!json_number_same(t, strlen(t), t + 32, strlen(t + 32)));
	}
	buf_release(&b);
}

/* json_number_double gives what strtod gives, fast path or not. */
static void
test_number_double(void)
{
	static const char *fixed[] = {"0",
				      "-0",
				      "-0.0",
				      "1e22",
				      "1e23",
				      "9007199254740993",
				      "9007199254740992",
				      "0.1",
				      "-553.578524",
				      "123456789012345678901234567890",
				      "5e-324",
				      "1.7976931348623157e308",
				      "1e-22",
				      "4.35",
				      "0.000001",
				      "12345.678e-3",
				      "1E+2",
				      "2.5e-7"};
	unsigned long long u = 88172645463325252ULL;
	char t[64];
	double a, b;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		a = json_number_double(fixed[i], strlen(fixed[i]));
		b = strtod(fixed[i], NULL);
		CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	}
	for (i = 0; i < 200000; i++) {
		u ^= u << 13, u ^= u >> 7, u ^= u << 17;
		/* mantissas of 1 to 19 digits, exponents around the fast path
		 */
		snprintf(t, sizeof(t), "%s%llu.%0*llue%d", u & 1 ? "-" : "",
			 (u >> 8) % 100000000000ULL, (int)(u % 9) + 1,
			 (u >> 20) % 1000000000ULL, (int)((u >> 40) % 61) - 30);
		a = json_number_double(t, strlen(t));
		b = strtod(t, NULL);
		bad += memcmp(&a, &b, sizeof(a)) != 0;
	}
	CHECK(bad == 0);
}

static void
test_keys(void)
{
	struct buf b = BUF_INIT;
	const char *p;
	size_t n;

	json_write_key(&b, "$table", 6);
	CHECK(strcmp(b.data, "\"$$table\"") == 0);
	buf_reset(&b);
	json_write_key(&b, "a$", 2);
	CHECK(strcmp(b.data, "\"a$\"") == 0);
	buf_reset(&b);
	json_write_key(&b, "\xff", 1);
	CHECK(strcmp(b.data, "\"$binary:/w==\"") == 0);
	p = "$$x", n = 3;
	CHECK(json_data_key(&p, &n) == 1 && n == 2 && memcmp(p, "$x", 2) == 0);
	p = "$table", n = 6;
	CHECK(json_data_key(&p, &n) == 0);
	p = "x", n = 1;
	CHECK(json_data_key(&p, &n) == 1 && n == 1);
	p = "{\"a\":1}";
	CHECK(json_unescape_keys(&b, p, strlen(p)) == 0);
	p = "{\"$$a\":[{\"$$$b\":\"$$c\"},\"s\",1.5,null],\"$c\":{}}";
	CHECK(json_unescape_keys(&b, p, strlen(p)) == 1);
	CHECK(strcmp(b.data, "{\"$a\":[{\"$$b\":\"$$c\"},\"s\",1.5,null],"
			     "\"$c\":{}}") == 0);
	/* spelled with \u0024, at any depth; the text kept byte for byte */
	p = "{ \"\\u0024\\u0024x\" : 1, \"$\\u0024y\": [ {\"$$z\" :2} ], "
	    "\"$w\": \"$$v\" }";
	CHECK(json_unescape_keys(&b, p, strlen(p)) == 1);
	CHECK(strcmp(b.data, "{ \"\\u0024x\" : 1, \"\\u0024y\": [ {\"$z\" "
			     ":2} ], \"$w\": \"$$v\" }") == 0);
	p = "{\"a\": \"$$x\", \"$b\": 1}"; /* no key to rewrite: kept */
	CHECK(json_unescape_keys(&b, p, strlen(p)) == 1 &&
	      strcmp(b.data, p) == 0);
	/* and back: data from a parsed string gets the escape */
	p = " [1, {\"a\": \"x\"}] ";
	CHECK(json_escape_keys(&b, p, strlen(p)) == 0);
	p = " [1, {\"a\": \"$x\"}] "; /* a value, not a key: the same */
	CHECK(json_escape_keys(&b, p, strlen(p)) == 1);
	CHECK(strcmp(b.data, "[1,{\"a\":\"$x\"}]") == 0);
	p = "\"$x\"";
	CHECK(json_escape_keys(&b, p, strlen(p)) == 0);
	p = " {\"$a\":[{\"$$b\":\"$c\"},{\"\\u0024d\":1}],\"e\":{\"$\":[]}}\n";
	CHECK(json_escape_keys(&b, p, strlen(p)) == 1);
	CHECK(strcmp(b.data, "{\"$$a\":[{\"$$$b\":\"$c\"},{\"$$d\":1}],"
			     "\"e\":{\"$$\":[]}}") == 0);
	p = b.data;
	b = (struct buf)BUF_INIT;
	CHECK(json_unescape_keys(&b, p, strlen(p)) == 1);
	CHECK(strcmp(b.data, "{\"$a\":[{\"$$b\":\"$c\"},{\"$d\":1}],"
			     "\"e\":{\"$\":[]}}") == 0);
	free((char *)p);
	buf_release(&b);
}

static void
test_b64(void)
{
	const char *cases[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	struct buf enc = BUF_INIT, dec = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		buf_reset(&enc);
		buf_reset(&dec);
		b64_encode(&enc, cases[i], strlen(cases[i]));
		CHECK(b64_decode(&dec, enc.data, enc.len) == 0);
		CHECK(strcmp(dec.data, cases[i]) == 0);
	}
	buf_reset(&enc);
	b64_encode(&enc, "foobar", 6);
	CHECK(strcmp(enc.data, "Zm9vYmFy") == 0);
	CHECK(b64_decode(&dec, "Zm9", 3) < 0);
	CHECK(b64_decode(&dec, "Zm9*", 4) < 0);
	buf_release(&enc);
	buf_release(&dec);
}

static void
test_binary_decode(void)
{
	const char *s =
		"{\"v\":{\"$binary\":{\"base64\":\"AP8B\",\"subType\":\"00\"}},"
		"\"w\":{\"$binary\":{\"base64\":\"!!\",\"subType\":\"00\"}},"
		"\"x\":{\"a\":1}}";
	struct json_iter it;
	struct json_value k, v;
	struct json_error e;
	struct buf b = BUF_INIT;

	json_object_open(&it, s, strlen(s), &e);
	CHECK(json_object_next(&it, &k, &v, &e) == 1);
	CHECK(json_binary_decode(&v, &b) == 1 && b.len == 3 &&
	      memcmp(b.data, "\0\xff\x01", 3) == 0);
	CHECK(json_object_next(&it, &k, &v, &e) == 1);
	CHECK(json_binary_decode(&v, &b) == -1);
	CHECK(json_object_next(&it, &k, &v, &e) == 1);
	CHECK(json_binary_decode(&v, &b) == 0);
	buf_release(&b);
}

static void
test_suite(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct json_error e;
	int files = 0, records = 0;

	CHECK(d != NULL);
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		FILE *f;
		char chunk[4096];
		size_t got;
		int ok;

		if (!strstr(n, ".json"))
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, n);
		buf_reset(&data);
		if (!(f = fopen(path.data, "rb"))) {
			CHECK(!"cannot open a suite file");
			continue;
		}
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&data, chunk, got);
		fclose(f);
		files++;
		e.msg = NULL;
		ok = json_validate(data.data, data.len, NULL, &e) == 0;
		if (n[0] == 'y' && !ok)
			fprintf(stderr, "%s: rejected: %s at byte %zu\n", n,
				e.msg, e.offset + 1);
		if (n[0] == 'n' && ok)
			fprintf(stderr, "%s: accepted\n", n);
		if (n[0] == 'y')
			CHECK(ok);
		/*
		 * As an NDJSON record (one line): an object is a record, any
		 * other valid value is rejected naming its type.
		 */
		if (n[0] == 'y' &&
		    !memchr(data.data, '\n',
			    data.len - (data.len &&
					data.data[data.len - 1] == '\n'))) {
			struct json_iter it;
			struct json_value k, v;
			enum json_type t;
			int r;

			json_validate(data.data, data.len, &t, &e);
			if (json_object_open(&it, data.data, data.len, &e) ==
			    0) {
				while ((r = json_object_next(&it, &k, &v, &e)) >
				       0)
					;
				CHECK(t == JSON_OBJECT && r == 0);
			} else {
				CHECK(t != JSON_OBJECT);
				CHECK(strncmp(e.msg,
					      "not a JSON object (found ",
					      25) == 0);
				CHECK(strstr(e.msg, json_type_name(t)) != NULL);
			}
			records++;
		} else if (n[0] == 'n')
			CHECK(!ok && e.msg && *e.msg);
		else
			CHECK(ok || (e.msg && *e.msg));
	}
	closedir(d);
	CHECK(files == 318);
	CHECK(records > 80);
	buf_release(&path);
	buf_release(&data);
}

/* The shortest of %.15g, %.16g, %.17g that reads back: the reference. */
static void
double_reference(char *t, size_t n, double d)
{
	int prec;

	for (prec = fabs(d) < DBL_MIN && d != 0 ? 1 : 15; prec < 17; prec++) {
		snprintf(t, n, "%.*g", prec, d);
		if (strtod(t, NULL) == d)
			return;
	}
	snprintf(t, n, "%.17g", d);
}

/* json_write_double's digit arithmetic against printf, on many doubles. */
static void
test_double_reference(void)
{
	struct buf b = BUF_INIT;
	uint64_t x = 88172645463325252ULL, u;
	char t[40];
	double d;
	long i, bad = 0;

	for (i = 0; i < 300000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		u = x;
		if (i % 3 == 0)
			memcpy(&d, &u, sizeof(d));
		else if (i % 3 == 1)
			d = (double)(u % 10000000) /
			    (double)(1 + (u >> 40) % 997);
		else
			d = ldexp((double)(u >> 11),
				  (int)((u >> 3) % 300) - 150);
		if (isnan(d) || isinf(d))
			continue;
		buf_reset(&b);
		json_write_double(&b, d);
		double_reference(t, sizeof(t), d);
		bad += strcmp(b.data, t) != 0;
	}
	CHECK(bad == 0);
	buf_release(&b);
}

int
main(int argc, char **argv)
{
	test_validate();
	test_depth();
	test_iter();
	test_unescape();
	test_write();
	test_number_same();
	test_number_double();
	test_keys();
	test_double_reference();
	test_b64();
	test_binary_decode();
	if (argc > 1)
		test_suite(argv[1]);
	return TEST_REPORT();
}
