/* tests/unit/check.h: a minimal TAP producer for the C unit tests.  Each CHECK is one
 * test point; a failing one prints what differed.  main() ends with `return check_done();`
 * which exits non-zero when anything failed. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_count, check_failed;

static inline int check_report(int ok, const char *what, const char *file, int line)
{
	check_count++;
	if (!ok) {
		check_failed++;
		printf("not ok %d - %s (%s:%d)\n", check_count, what, file, line);
	} else {
		printf("ok %d - %s\n", check_count, what);
	}
	return ok;
}

/* CHECK(cond, "what") */
#define CHECK(cond, what) check_report(!!(cond), what, __FILE__, __LINE__)
/* Integer equality that prints both sides when it fails. */
#define CHECK_EQ(a, b, what)                                                                 \
	do {                                                                                 \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);               \
		if (!CHECK(check_a_ == check_b_, what))                                        \
			printf("#   got %lld, expected %lld\n", check_a_, check_b_);              \
	} while (0)
#define CHECK_STR(a, b, what)                                                                \
	do {                                                                                 \
		const char *check_a_ = (a), *check_b_ = (b);                                 \
		if (!CHECK(check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0, what))     \
			printf("#   got \"%s\"\n#   expected \"%s\"\n", check_a_ ? check_a_ : "(null)", \
			       check_b_ ? check_b_ : "(null)");                                 \
	} while (0)

static inline int check_done(void)
{
	printf("1..%d\n", check_count);
	return check_failed ? 1 : 0;
}

#endif
