/*
 * workloads/xalan/docgen.hpp - the deterministic XML document generator of
 * the xalanc workload.
 */
#ifndef NGBENCH_XALAN_DOCGEN_HPP
#define NGBENCH_XALAN_DOCGEN_HPP

#include <cstddef>
#include <cstdint>
#include <string>

/* Appends to @out a catalog document of about @size bytes, the same for the
 * same @size and @seed: sections of items with attributes, names, texts of
 * 5 to 60 words, tags, parts and a reference to an earlier item.  Returns
 * the number of items. */
size_t xalanc_generate(std::string &out, size_t size, uint64_t seed);

#endif
