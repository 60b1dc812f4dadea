/* Unit tests for common/cli: cli_secret keeps the argument whole in its
 * copy and blanks the password where the argument was (ps, /proc). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "test.h"

/* arg, what argv must show afterwards */
static int
is(const char *arg, const char *shown)
{
	char a[256], *copy;
	int ok;

	strcpy(a, arg);
	copy = cli_secret(a);
	ok = strcmp(copy, arg) == 0 && strcmp(a, shown) == 0;
	if (!ok)
		fprintf(stderr, "  %s -> %s (copy %s)\n", arg, a, copy);
	free(copy);
	return ok;
}

int
main(void)
{
	CHECK(is("dbname=app", "dbname=app"));
	CHECK(is("host=db password=s3cret user=me",
		 "host=db password=xxxxxx user=me"));
	CHECK(is("password = s3cret", "password = xxxxxx"));
	CHECK(is("password='s3 c\\'ret' dbname=x",
		 "password='xxxxxxxxx' dbname=x"));
	CHECK(is("postgresql://me:s3cret@db/app",
		 "postgresql://me:xxxxxx@db/app"));
	CHECK(is("postgresql://me@db/app?password=s3cret&sslmode=require",
		 "postgresql://me@db/app?password=xxxxxx&sslmode=require"));
	CHECK(is("redis://:pw@127.0.0.1:6379/2",
		 "redis://:xx@127.0.0.1:6379/2"));
	CHECK(is("redis://user:p@ss@host", "redis://user:xxxx@host"));
	CHECK(is("redis://host:6379", "redis://host:6379"));
	CHECK(is("postgresql://db/app?mypassword=1",
		 "postgresql://db/app?mypassword=1"));
	return TEST_REPORT();
}
