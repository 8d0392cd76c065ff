/*
 * lib/options.c - option tables (lib/options.h): getopt_long driven from
 * one declaration per option, with the value checked and stored by type,
 * and the --help text printed from the same declarations.
 *
 * ngb_options_parse() never prints.  ngb_parse_options() is the front for
 * a command and prints what the commands printed before the tables: the
 * help on stdout, "ngbench: error: ..." and "Try 'ngbench CMD --help'." on
 * stderr (text from argv with its control bytes shown as \xNN).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ngbench/utf8.h"
#include "numbers.h"
#include "options.h"

/* getopt_long's val for the long option at index i of the table. */
#define LONG_BASE 256
#define NAME_MAX_LEN 128

void ngb_option_list_release(struct ngb_option_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

static int list_push(struct ngb_option_list *l, const char *s)
{
	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? 2 * l->alloc : 4;
		const char **v = realloc(l->v, alloc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->alloc = alloc;
	}
	l->v[l->n++] = s;
	return 0;
}

static int takes_value(const struct ngb_option *o)
{
	return o->type != NGB_OPT_FLAG;
}

/* "--name", or "-c" for a short option only. */
static const char *opt_name(const struct ngb_option *o, char buf[NAME_MAX_LEN])
{
	if (o->long_name)
		snprintf(buf, NAME_MAX_LEN, "--%s", o->long_name);
	else
		snprintf(buf, NAME_MAX_LEN, "-%c", o->short_name);
	return buf;
}

/* "a, b or c" */
static void choices_text(const char *const *c, char *out, size_t size)
{
	size_t n = 0, i, len = 0;

	out[0] = '\0';
	while (c[n])
		n++;
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
					i == 0 ? "" : i + 1 == n ? " or " : ", ", c[i]);
}

static int store_value(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	char sb[NAME_MAX_LEN], text[512];
	const char *name = opt_name(o, sb);
	uint64_t z;
	double d;
	long l;
	size_t i;

	/* Only these give a meaning to an optional value left out. */
	if (!arg && o->type != NGB_OPT_FLAG && o->type != NGB_OPT_STRING &&
	    o->type != NGB_OPT_INT && o->type != NGB_OPT_CALLBACK)
		return ngb_err_set(e, -EINVAL, "option '%s' needs a value", name);
	switch (o->type) {
	case NGB_OPT_FLAG:
		*(int *)o->value = (int)o->ival;
		return 0;
	case NGB_OPT_STRING:
		*(const char **)o->value = arg ? arg : "";
		return 0;
	case NGB_OPT_PATH:
		if (!arg || !*arg)
			return ngb_err_set(e, -EINVAL, "option '%s' needs a non-empty %s", name,
					   o->argh ? o->argh : "value");
		*(const char **)o->value = arg;
		return 0;
	case NGB_OPT_INT:
		if (!arg) {
			*(long *)o->value = o->ival;
			return 0;
		}
		if (parse_long(arg, &l))
			return ngb_err_set(e, -EINVAL, "option '%s' takes a whole number, not '%s'",
					   name, arg);
		if (l < o->min || l > o->max)
			return ngb_err_set(e, -EINVAL, "option '%s' must be between %ld and %ld, "
					   "not %ld", name, o->min, o->max, l);
		*(long *)o->value = l;
		return 0;
	case NGB_OPT_SIZE:
		if (parse_size(arg, &z))
			return ngb_err_set(e, -EINVAL, "option '%s' takes a size such as 4096, 64K "
					   "or 1M, not '%s'", name, arg);
		if (z < o->umin || z > o->umax)
			return ngb_err_set(e, -EINVAL, "option '%s' must be between %" PRIu64
					   " and %" PRIu64 " bytes", name, o->umin, o->umax);
		*(uint64_t *)o->value = z;
		return 0;
	case NGB_OPT_DOUBLE:
		if (parse_double(arg, &d))
			return ngb_err_set(e, -EINVAL, "option '%s' takes a number, not '%s'", name,
					   arg);
		if (d < o->dmin || d > o->dmax)
			return ngb_err_set(e, -EINVAL, "option '%s' must be between %g and %g, not %g",
					   name, o->dmin, o->dmax, d);
		*(double *)o->value = d;
		return 0;
	case NGB_OPT_ENUM:
		for (i = 0; o->choices[i]; i++) {
			if (!strcmp(arg, o->choices[i])) {
				*(int *)o->value = (int)i;
				return 0;
			}
		}
		choices_text(o->choices, text, sizeof(text));
		return ngb_err_set(e, -EINVAL, "unknown %s '%s': use %s", o->long_name ? o->long_name
				   : "value", arg, text);
	case NGB_OPT_LIST:
		if (list_push(o->value, arg))
			return ngb_err_set(e, -ENOMEM, "out of memory");
		return 0;
	case NGB_OPT_CALLBACK:
		e->msg[0] = '\0';
		if (!o->cb(o, arg, e))
			return 0;
		if (!e->msg[0])
			ngb_err_set(e, -EINVAL, "option '%s' does not take '%s'", name,
				    arg ? arg : "");
		return e->code < 0 ? e->code : -EINVAL;
	case NGB_OPT_END:
		break;
	}
	return ngb_err_set(e, -EINVAL, "option '%s' has no type", name);
}

int ngb_options_parse(const struct ngb_command *cmd, int argc, const char **argv, int *first,
		      struct ngb_err *e)
{
	const struct ngb_option *opts = cmd->options;
	struct option *longs;
	char *shorts, *p;
	size_t n = 0, nl = 0, i;
	int c, rc = 0;
	char sb[NAME_MAX_LEN];

	while (opts && opts[n].type != NGB_OPT_END)
		n++;
	longs = calloc(n + 2, sizeof(*longs));
	shorts = malloc(3 * n + 8);
	if (!longs || !shorts) {
		free(longs);
		free(shorts);
		return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	p = shorts;
	if (cmd->flags & NGB_CMD_STOP_AT_OPERAND)
		*p++ = '+';
	*p++ = ':';   /* a missing value is ':', not '?' */
	for (i = 0; i < n; i++) {
		const struct ngb_option *o = &opts[i];
		int has = !takes_value(o) ? no_argument
			: (o->flags & NGB_OPT_OPTARG) ? optional_argument : required_argument;

		if (o->short_name) {
			*p++ = (char)o->short_name;
			if (has != no_argument)
				*p++ = ':';
			if (has == optional_argument)
				*p++ = ':';
		}
		if (o->long_name)
			longs[nl++] = (struct option){ o->long_name, has, NULL, LONG_BASE + (int)i };
	}
	*p++ = 'h';
	*p = '\0';
	longs[nl] = (struct option){ "help", no_argument, NULL, 'h' };

	optind = 0;   /* glibc: start afresh, also for a second command in one process */
	opterr = 0;
	while ((c = getopt_long(argc, (char *const *)argv, shorts, longs, NULL)) != -1) {
		const struct ngb_option *o = NULL;

		if (c == 'h') {
			rc = NGB_OPTIONS_HELP;
			break;
		}
		if (c == '?') {
			if (optopt >= LONG_BASE && optopt < LONG_BASE + (int)n)
				rc = ngb_err_set(e, -EINVAL, "option '%s' takes no value",
						 opt_name(&opts[optopt - LONG_BASE], sb));
			else if (optopt > 0 && optopt < LONG_BASE)
				rc = ngb_err_set(e, -EINVAL, "unknown option '-%c'", optopt);
			else
				rc = ngb_err_set(e, -EINVAL, "unknown option '%s'", argv[optind - 1]);
			break;
		}
		if (c == ':') {
			for (i = 0; i < n && !o; i++)
				if ((optopt >= LONG_BASE && (int)i == optopt - LONG_BASE) ||
				    (optopt < LONG_BASE && opts[i].short_name == optopt))
					o = &opts[i];
			rc = ngb_err_set(e, -EINVAL, "option '%s' needs a value",
					 o ? opt_name(o, sb) : argv[optind - 1]);
			break;
		}
		if (c >= LONG_BASE) {
			o = &opts[c - LONG_BASE];
		} else {
			for (i = 0; i < n && !o; i++)
				if (opts[i].short_name == c)
					o = &opts[i];
		}
		if (!o) {
			rc = ngb_err_set(e, -EINVAL, "unknown option '%s'", argv[optind - 1]);
			break;
		}
		rc = store_value(o, optarg, e);
		if (rc)
			break;
	}
	*first = optind;
	free(longs);
	free(shorts);
	return rc;
}

/* The text of the default, from the value the table points at. */
static int default_text(const struct ngb_option *o, char *out, size_t size)
{
	const char *s;
	int i;

	if (o->help && strstr(o->help, "default"))
		return 0;   /* the help says it in its own words */
	switch (o->type) {
	case NGB_OPT_INT:
		if (o->flags & NGB_OPT_OPTARG)
			return 0;
		snprintf(out, size, "%ld", *(long *)o->value);
		return 1;
	case NGB_OPT_SIZE:
		snprintf(out, size, "%" PRIu64, *(uint64_t *)o->value);
		return 1;
	case NGB_OPT_DOUBLE:
		snprintf(out, size, "%g", *(double *)o->value);
		return 1;
	case NGB_OPT_ENUM:
		i = *(int *)o->value;
		if (i < 0)
			return 0;
		for (int k = 0; k <= i; k++)
			if (!o->choices[k])
				return 0;
		snprintf(out, size, "%s", o->choices[i]);
		return 1;
	case NGB_OPT_STRING:
	case NGB_OPT_PATH:
		s = *(const char **)o->value;
		if (!s || !*s)
			return 0;
		snprintf(out, size, "%s", s);
		return 1;
	default:
		return 0;
	}
}

/* "  -r, --repetitions=N" */
static size_t left_text(const struct ngb_option *o, int short_slot, char *out, size_t size)
{
	const char *argh = o->argh ? o->argh : "VALUE";
	int optional = o->flags & NGB_OPT_OPTARG;
	int len;

	if (o->short_name && o->long_name)
		len = snprintf(out, size, "  -%c, --%s", o->short_name, o->long_name);
	else if (o->short_name)
		len = snprintf(out, size, "  -%c", o->short_name);
	else
		len = snprintf(out, size, "  %s--%s", short_slot ? "    " : "", o->long_name);
	if (takes_value(o) && len >= 0 && (size_t)len < size) {
		if (o->long_name && !(o->flags & NGB_OPT_SPACED))
			len += snprintf(out + len, size - (size_t)len, optional ? "[=%s]" : "=%s",
					argh);
		else
			len += snprintf(out + len, size - (size_t)len, optional ? " [%s]" : " %s",
					argh);
	}
	return len < 0 ? 0 : (size_t)len < size ? (size_t)len : size - 1;
}

/* The help column: past the widest option, at most 26 (a wider one puts
 * its help on the next line). */
#define HELP_COLUMN_MAX 26

static void put_help(FILE *f, size_t left, size_t col, int fixed, const char *help,
		     const char *def)
{
	const char *line = help ? help : "";

	for (int first = 1;; first = 0) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (first && fixed && left + 1 > col) {
			fprintf(f, "  %.*s", (int)len, line);
			if (!nl)
				break;
			line = nl + 1;
			continue;
		}
		if (!first || left + 1 > col) {
			if (!first || left)
				fputc('\n', f);
			left = 0;
		}
		fprintf(f, "%*s%.*s", (int)(col - left), "", (int)len, line);
		if (!nl)
			break;
		line = nl + 1;
	}
	if (def)
		fprintf(f, " (default: %s)", def);
	fputc('\n', f);
}

void ngb_options_usage(const struct ngb_command *cmd, FILE *f)
{
	const struct ngb_option *opts = cmd->options;
	const struct ngb_option help = OPT_FLAG('h', "help", NULL, "show this help");
	/* -h is always there: the long names line up after "-h, " */
	int short_slot = !(cmd->flags & NGB_CMD_HELP_FLUSH_LONG);
	size_t fixed = (size_t)(cmd->flags >> 8) & 0xff, col = fixed, i, n = 0;
	char left[256], def[128];

	while (opts && opts[n].type != NGB_OPT_END)
		n++;
	for (i = 0; i <= n && !fixed; i++) {
		const struct ngb_option *o = i < n ? &opts[i] : &help;
		size_t w;

		if (o->flags & NGB_OPT_HIDDEN)
			continue;
		w = left_text(o, short_slot, left, sizeof(left)) + 2;
		if (w > col && w <= HELP_COLUMN_MAX)
			col = w;
	}
	if (cmd->synopsis)
		fputs(cmd->synopsis, f);
	fputs("Options:\n", f);
	for (i = 0; i <= n; i++) {
		const struct ngb_option *o = i < n ? &opts[i] : &help;
		size_t w;

		if (o->flags & NGB_OPT_HIDDEN)
			continue;
		w = left_text(o, short_slot, left, sizeof(left));
		fputs(left, f);
		put_help(f, w, col, fixed > 0, o->help,
			 o->value && default_text(o, def, sizeof(def)) ? def : NULL);
	}
	if (cmd->epilogue) {
		fputc('\n', f);
		fputs(cmd->epilogue, f);
	}
}

int ngb_parse_options(const struct ngb_command *cmd, int argc, const char **argv)
{
	struct ngb_err e = { 0 };
	char *help = NULL;
	size_t helplen = 0;
	FILE *mem;
	int first = 0, rc;

	/* The help shows the defaults: render it before parsing changes them. */
	mem = open_memstream(&help, &helplen);
	if (mem) {
		ngb_options_usage(cmd, mem);
		fclose(mem);
	}
	rc = ngb_options_parse(cmd, argc, argv, &first, &e);
	if (rc == NGB_OPTIONS_HELP) {
		if (help)
			fputs(help, stdout);
		else
			ngb_options_usage(cmd, stdout);
		free(help);
		return NGB_OPTIONS_EXIT_HELP;
	}
	free(help);
	if (rc) {
		fflush(stdout);
		fputs("ngbench: error: ", stderr);
		ngb_put_text_lines(stderr, e.msg);
		fprintf(stderr, "\nTry 'ngbench %s --help'.\n", cmd->name);
		return NGB_OPTIONS_EXIT_USAGE;
	}
	return first;
}
