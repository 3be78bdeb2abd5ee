/*
 * test_usbpath: port path strings, and the sysfs walk from a port path to
 * its AT tty against fake sysfs trees made in a temporary folder (the
 * option driver's layout, cdc_acm's tty/ layout, gaps in the interface
 * numbers, a tty that appears late, a stop while waiting).
 */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/usbpath.h"
#include "tests/harness/harness.h"

static char root[256];

static void
mk(const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

static void
put(const char *rel, const char *text)
{
	char  path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	ck_assert(harness_fresh_dir("usbpath", root, sizeof root));
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_format)
{
	uint8_t one[] = { 2 }, deep[] = { 1, 10, 3 };
	char    buf[64], tiny[5];

	ck_assert(usbpath_format(buf, sizeof buf, 1, one, 1));
	ck_assert_str_eq(buf, "1-2");
	ck_assert(usbpath_format(buf, sizeof buf, 3, deep, 3));
	ck_assert_str_eq(buf, "3-1.10.3");            /* dots, never "3-1103" */
	ck_assert(!usbpath_format(buf, sizeof buf, 1, deep, 0));   /* a root hub */
	ck_assert(!usbpath_format(tiny, sizeof tiny, 3, deep, 3));
}
END_TEST

START_TEST(test_valid)
{
	ck_assert(usbpath_valid("1-1"));
	ck_assert(usbpath_valid("1-1.10.3"));
	ck_assert(!usbpath_valid("1-1."));
	ck_assert(!usbpath_valid("1-.2"));
	ck_assert(!usbpath_valid("usb1"));
	ck_assert(!usbpath_valid("1-1.2:1.2"));
	ck_assert(!usbpath_valid(""));
}
END_TEST

/* option driver: .../1-1.2:1.2/ttyUSB7 */
START_TEST(test_option_layout)
{
	char tty[32];

	mk("bus/usb/devices/1-1.2:1.0/ttyUSB5");
	mk("bus/usb/devices/1-1.2:1.2/ttyUSB7");
	put("bus/usb/devices/1-1.2:1.2/bInterfaceNumber", "02\n");
	ck_assert(usbpath_tty(root, "1-1.2", 2, tty, sizeof tty));
	ck_assert_str_eq(tty, "ttyUSB7");
	ck_assert(usbpath_tty(root, "1-1.2", 0, tty, sizeof tty));
	ck_assert_str_eq(tty, "ttyUSB5");
	ck_assert(!usbpath_tty(root, "1-1.2", 3, tty, sizeof tty));
	ck_assert(!usbpath_tty(root, "1-1.3", 2, tty, sizeof tty));
}
END_TEST

/* cdc_acm: .../1-4:1.5/tty/ttyACM0; and an interface gap (BG95: 0,1,2,4). */
START_TEST(test_acm_layout_and_gaps)
{
	char tty[32];

	mk("bus/usb/devices/1-4:1.5/tty/ttyACM0");
	ck_assert(usbpath_tty(root, "1-4", 5, tty, sizeof tty));
	ck_assert_str_eq(tty, "ttyACM0");
	mk("bus/usb/devices/2-1.1:1.0/ttyUSB0");
	mk("bus/usb/devices/2-1.1:1.1/ttyUSB1");
	mk("bus/usb/devices/2-1.1:1.2/ttyUSB2");
	mk("bus/usb/devices/2-1.1:1.4/ttyUSB3");
	ck_assert(usbpath_tty(root, "2-1.1", 2, tty, sizeof tty));
	ck_assert_str_eq(tty, "ttyUSB2");
	ck_assert(usbpath_tty(root, "2-1.1", 4, tty, sizeof tty));
	ck_assert_str_eq(tty, "ttyUSB3");
}
END_TEST

/* The active configuration, when sysfs says it is not 1. */
START_TEST(test_configuration_value)
{
	char tty[32];

	mk("bus/usb/devices/1-3");
	put("bus/usb/devices/1-3/bConfigurationValue", "2\n");
	mk("bus/usb/devices/1-3:2.2/ttyUSB9");
	ck_assert(usbpath_tty(root, "1-3", 2, tty, sizeof tty));
	ck_assert_str_eq(tty, "ttyUSB9");
}
END_TEST

START_TEST(test_read_hex)
{
	unsigned v = 0;

	mk("bus/usb/devices/1-1.2");
	put("bus/usb/devices/1-1.2/idProduct", "0296\n");
	ck_assert(usbpath_read_hex(root, "1-1.2", "idProduct", &v));
	ck_assert_uint_eq(v, 0x0296);
	ck_assert(!usbpath_read_hex(root, "1-1.2", "idVendor", &v));
}
END_TEST

int
main(void)
{
	Suite   *s = suite_create("usbpath");
	TCase   *tc = tcase_create("usbpath");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_option_layout);
	tcase_add_test(tc, test_acm_layout_and_gaps);
	tcase_add_test(tc, test_configuration_value);
	tcase_add_test(tc, test_read_hex);
	suite_add_tcase(s, tc);
	return harness_run_suite(s, CK_NORMAL);
}
