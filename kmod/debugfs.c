// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection of handle tables and pipes through debugfs.
 *
 * Copyright (C) 2026 The magenta-linux authors
 */

/**
 * DOC: Introspection
 *
 * /sys/kernel/debug/magenta/handles (root only) lists every handle table
 * and, for each live handle: its value, rights, the pipe it names (hashed
 * pointer, the same for both ends), the side, whether it is a reply pipe,
 * how many messages and bytes are queued for it, and whether its peer is
 * gone. Endpoints held by messages or exported files are not in any table
 * and show only through the counters in /sys/class/misc/magenta/stats/.
 *
 * Locking: &mx_tables_lock (a mutex) protects the list of tables; the dump
 * takes each table's lock, then each pipe's lock, in the module's order.
 */

#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/seq_file.h>
#include <uapi/linux/magenta.h>

#include "debugfs.h"
#include "handle_table.h"
#include "pipe.h"

static LIST_HEAD(mx_tables);
static DEFINE_MUTEX(mx_tables_lock);	/* protects mx_tables */
static struct dentry *mx_debugfs_dir;

/**
 * mx_debugfs_add_table() - make a table visible in the dump
 * @t:	the table
 */
void mx_debugfs_add_table(struct mx_handle_table *t)
{
	mutex_lock(&mx_tables_lock);
	list_add_tail(&t->entry, &mx_tables);
	mutex_unlock(&mx_tables_lock);
}

/**
 * mx_debugfs_del_table() - remove a table from the dump
 * @t:	the table
 */
void mx_debugfs_del_table(struct mx_handle_table *t)
{
	mutex_lock(&mx_tables_lock);
	list_del(&t->entry);
	mutex_unlock(&mx_tables_lock);
}

static void mx_show_handle(struct seq_file *m, struct mx_handle_table *t,
			   u32 idx)
{
	struct mx_handle_slot *s = &mx_table_slots(t)->s[idx];
	struct mx_endpoint *ep = mx_endpoint_of(s->obj);
	struct mx_signals_state st;
	struct mx_pipe *pipe;
	u32 msgs, bytes;
	bool peer_dead;

	seq_printf(m, "  handle %d rights %#x koid %llu",
		   mx_table_value_locked(t, idx), s->rights, s->obj->koid);
	if (!ep) {
		mx_object_signals(s->obj, &st);
		seq_printf(m, " type %u signals %#x\n", s->obj->ops->type,
			   st.satisfied);
		return;
	}
	pipe = mx_endpoint_pipe(ep);
	spin_lock(&pipe->lock);
	msgs = ep->nr_msgs;
	bytes = ep->nr_bytes;
	peer_dead = mx_endpoint_peer(ep)->dead;
	spin_unlock(&pipe->lock);
	seq_printf(m, " pipe side %u%s queued %u msgs %u bytes%s\n",
		   ep->side, ep->reply ? " reply" : "", msgs, bytes,
		   peer_dead ? " peer-closed" : "");
}

static int mx_handles_show(struct seq_file *m, void *unused)
{
	struct mx_handle_table *t;
	struct mx_slot_array *a;
	u32 i;

	mutex_lock(&mx_tables_lock);
	list_for_each_entry(t, &mx_tables, entry) {
		spin_lock(&t->lock);
		seq_printf(m, "table pid %d handles %u%s\n",
			   pid_nr(t->owner), t->nr_used,
			   t->dead ? " (closed)" : "");
		a = mx_table_slots(t);
		for (i = 0; a && i < a->nr; i++)
			if (MX_SLOT_STATE(a->s[i].tag) == MX_SLOT_LIVE)
				mx_show_handle(m, t, i);
		spin_unlock(&t->lock);
	}
	mutex_unlock(&mx_tables_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mx_handles);

/**
 * mx_debugfs_init() - create /sys/kernel/debug/magenta/
 */
void mx_debugfs_init(void)
{
	mx_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("handles", 0400, mx_debugfs_dir, NULL,
			    &mx_handles_fops);
}

/**
 * mx_debugfs_exit() - remove /sys/kernel/debug/magenta/
 */
void mx_debugfs_exit(void)
{
	debugfs_remove_recursive(mx_debugfs_dir);
}
