// SPDX-License-Identifier: GPL-2.0
/*
 * A kselftest program that passes: `make rig-selftest` runs it next to each
 * fault, and alone for the clean baseline run.
 */
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"

TEST(dev_magenta_opens)
{
	int fd = open("/dev/magenta", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

TEST(tmp_is_writable)
{
	int fd = open("/tmp/rig-pass-test", O_CREAT | O_RDWR | O_CLOEXEC, 0600);

	ASSERT_LE(0, fd);
	EXPECT_EQ(3, write(fd, "abc", 3));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, unlink("/tmp/rig-pass-test"));
}

TEST_HARNESS_MAIN
