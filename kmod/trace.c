// SPDX-License-Identifier: GPL-2.0
/*
 * The magenta tracepoints, instantiated once.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Tracepoints
 *
 * The events of TRACE_SYSTEM magenta (trace.h) show what an application
 * does with its pipes and handles: every write and read with its sizes and
 * result, the start and end of every wait (wait_one, wait_many, and the wait
 * inside mx_msgpipe_call()), each handle that leaves a table for a message
 * or a file and arrives in a table, closes, replacements, the cycles
 * mx_graph_link() finds, the teardowns of mx_messages_bury(), and the writes
 * a limit refuses. Endpoints are numbered (&mx_pipe.id), so one endpoint can
 * be followed from process to process. Disabled tracepoints are static
 * branches: the calls cost a no-op each. See docs/tracing.md.
 */

#define CREATE_TRACE_POINTS
#include "trace.h"
