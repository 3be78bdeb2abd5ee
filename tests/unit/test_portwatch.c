/*
 * test_portwatch: the station's one inotify watch for serial ports. A name
 * that appears, is replaced or is chmod-ed wakes its entry and no other;
 * a folder that does not exist yet is watched once it is made; a folder
 * removed and made again is watched again. Waits are bounded and generous
 * (a wake is expected well within them); nothing here measures time.
 */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/portwatch.h"
#include "tests/harness/harness.h"

static char root[256];

static void
pw_root(void)
{
	ck_assert(harness_fresh_dir("portwatch", root, sizeof root));
}

static void
pw_touch(const char *rel)
{
	char path[512];
	int  fd;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void
pw_path(const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", root, rel);
}

/* Did a byte come within ms? Drains the pipe. */
static bool
pw_woken(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char          buf[64];
	bool          woken = poll(&p, 1, ms) > 0;

	while (read(fd, buf, sizeof buf) > 0)
		;
	return woken;
}

static int
pw_pipe(int fds[2])
{
	ck_assert_int_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	return fds[1];
}

START_TEST(test_name_wakes_its_entry_only)
{
	int        a[2], b[2];
	char       pa[512], pb[512], err[256];
	portwatch *pw = portwatch_new();

	pw_root();
	pw_path("ttyA", pa, sizeof pa);
	pw_path("ttyB", pb, sizeof pb);
	ck_assert_int_eq(portwatch_add(pw, pa, pw_pipe(a)), 0);
	ck_assert_int_eq(portwatch_add(pw, pb, pw_pipe(b)), 0);
	ck_assert_int_eq(portwatch_start(pw, err, sizeof err), 0);
	pw_touch("ttyA");
	ck_assert(pw_woken(a[0], 10000));
	ck_assert(!pw_woken(b[0], 200));
	pw_touch("other");
	ck_assert(!pw_woken(a[0], 200));
	/* Replaced (a link made anew), then its permissions changed. */
	ck_assert_int_eq(symlink("/dev/null", pb), 0);
	ck_assert(pw_woken(b[0], 10000));
	ck_assert_int_eq(chmod(pa, 0600), 0);
	ck_assert(pw_woken(a[0], 10000));
	portwatch_free(pw);
}
END_TEST

START_TEST(test_folder_made_later)
{
	int        a[2];
	char       dir[512], pa[512], err[256];
	portwatch *pw = portwatch_new();

	pw_root();
	pw_path("by-path", dir, sizeof dir);
	pw_path("by-path/port1", pa, sizeof pa);
	ck_assert_int_eq(portwatch_add(pw, pa, pw_pipe(a)), 0);
	ck_assert_int_eq(portwatch_start(pw, err, sizeof err), 0);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	/* The folder's watch comes back within a retry period; the wake it
	 * gives is the entry's cue to look. */
	ck_assert(pw_woken(a[0], 10000));
	pw_touch("by-path/port1");
	ck_assert(pw_woken(a[0], 10000));
	/* Gone with the last adapter, and back. */
	ck_assert_int_eq(unlink(pa), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert(pw_woken(a[0], 10000));
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	pw_woken(a[0], 10000);
	pw_touch("by-path/port1");
	ck_assert(pw_woken(a[0], 10000));
	portwatch_free(pw);
}
END_TEST

START_TEST(test_bad_paths_and_empty)
{
	char       err[256];
	portwatch *pw = portwatch_new();

	ck_assert_int_eq(portwatch_add(pw, "noslash", 1), -1);
	ck_assert_int_eq(portwatch_add(pw, "/dev/", 1), -1);
	/* Nothing to watch: no thread, no inotify instance. */
	ck_assert_int_eq(portwatch_start(pw, err, sizeof err), 0);
	portwatch_free(pw);
	portwatch_free(NULL);
}
END_TEST

int
main(void)
{
	Suite   *s = suite_create("portwatch");
	TCase   *tc = tcase_create("watch");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_name_wakes_its_entry_only);
	tcase_add_test(tc, test_folder_made_later);
	tcase_add_test(tc, test_bad_paths_and_empty);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_NORMAL);
}
