/*
 * workloads/xalan/stylesheets.hpp - the stylesheets the xalanc workload
 * runs over its document, in this order.
 */
#ifndef NGBENCH_XALAN_STYLESHEETS_HPP
#define NGBENCH_XALAN_STYLESHEETS_HPP

struct xalanc_stylesheet {
	const char *name;
	const char *text;
};

/* Terminated by { nullptr, nullptr }. */
extern const xalanc_stylesheet xalanc_stylesheets[];

#endif
