// SPDX-License-Identifier: GPL-2.0
/*
 * A kselftest program that fails on purpose: `make rig-selftest` runs it to
 * prove that the rig reports a failing test case.
 */
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"

TEST(rig_sees_a_pass)
{
	ASSERT_EQ(0, 0);
}

TEST(rig_sees_a_failure)
{
	/* The point of this program: this assertion does not hold. */
	EXPECT_EQ(1, 2);
}

TEST_HARNESS_MAIN
