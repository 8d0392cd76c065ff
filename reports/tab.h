/*
 * reports/tab.h - a table of strings rendered per format (tab.c): private
 * to reports/.
 */
#ifndef NGBENCH_REPORTS_TAB_H
#define NGBENCH_REPORTS_TAB_H

#include <stdio.h>

struct tab {
	size_t ncols;
	const char *const *head;
	const char *align;      /* 'l' or 'r' per column */
	char **cells;           /* row-major */
	size_t nrows;
	int oom;
	/* HTML: per row, the id its first cell links to (a failure's standard
	 * error), or NULL; set with tab_link() before the row's tab_row() */
	char **links;
	char *next_link;
	/* HTML: per column, its header's tooltip; NULL (or a NULL entry): what
	 * column_tip() says of the header */
	const char *const *tips;
};

enum tab_kind { TAB_TEXT, TAB_MARKDOWN, TAB_HTML };

/* The id the next row's first cell links to (HTML; freed by the table). */
void tab_link(struct tab *t, char *id);
/* Adds a row of t->ncols values, which it frees (NULL: empty). */
void tab_row(struct tab *t, char **vals);
void tab_render(const struct tab *t, enum tab_kind k, FILE *out);
void tab_release(struct tab *t);

#endif /* NGBENCH_REPORTS_TAB_H */
