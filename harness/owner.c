/*
 * harness/owner.c - who runs a session: the ngbench process recorded in its
 * row (host, pid, the process's start time and the boot), so that a session
 * left 'running' by an ngbench that died (kill -9, a crash, power loss) is
 * told from one still running.
 *
 * A pid alone proves nothing: the kernel hands it to another process
 * later.  The pair (pid, start time in clock ticks since boot, field 22 of
 * /proc/PID/stat) names one process for the life of a boot, and the boot
 * id (/proc/sys/kernel/random/boot_id) tells a reboot apart.  Another
 * host's process cannot be looked at: its sessions stay 'running'.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

int process_start_time(pid_t pid, uint64_t *ticks)
{
	char path[64], buf[1024], *p;
	unsigned long long v;
	size_t n;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* field 2, the command name, may hold spaces and ')': skip to its last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	for (field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	if (sscanf(p, " %llu", &v) != 1)
		return -1;
	*ticks = v;
	return 0;
}

const char *boot_id(void)
{
	static char id[64];
	FILE *f;

	if (id[0])
		return id;
	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (!f)
		return "";
	if (!fgets(id, sizeof(id), f))
		id[0] = '\0';
	fclose(f);
	id[strcspn(id, "\n")] = '\0';
	return id;
}

void session_runner_self(struct ngb_session_runner *r, const char *host)
{
	uint64_t start = 0;

	memset(r, 0, sizeof(*r));
	r->host = host;
	r->pid = getpid();
	if (process_start_time(getpid(), &start) == 0)
		r->start = start;
	r->boot = *boot_id() ? boot_id() : NULL;
}

int session_runner_alive(const struct ngb_session_runner *r, const char *host)
{
	uint64_t start;

	if (!r->pid || !r->host || !host || strcmp(r->host, host))
		return -1;
	if (r->boot && *boot_id() && strcmp(r->boot, boot_id()))
		return 0;   /* rebooted since: every process of then is gone */
	if (process_start_time((pid_t)r->pid, &start))
		return 0;
	return start == r->start;
}
