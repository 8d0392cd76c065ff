/*
 * tests/fuzz/allocator.c - --allocator variant specs (NAME+VAR=VALUE...)
 * against a list holding one available allocator, "base": each spec is
 * either refused with a reason or gives a variant whose knobs are VAR=VALUE.
 */
#include "config.h"

#include "../../harness/internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allocator_list list = { 0 };
	struct allocator *base = xcalloc(1, sizeof(*base)), *a;
	char *spec = fuzz_cstring(data, size), *why = NULL;
	size_t i;

	base->name = xstrdup("base");
	base->summary = xstrdup("a fuzzing stand-in");
	base->probed = base->available = 1;
	strvec_push(&base->env, "BASE_KNOB=1");
	list.v = xcalloc(1, sizeof(*list.v));
	list.v[list.n++] = base;
	a = strchr(spec, '+') ? allocator_variant(&list, spec, &why) : allocator_find(&list, spec);
	if (a && a != base) {
		fuzz_assert(!why);
		fuzz_assert(a->env.n >= 2);
		for (i = 0; i < a->env.n; i++)
			fuzz_assert(strchr(a->env.v[i], '=') && a->env.v[i][0] != '=');
	} else if (!a && strchr(spec, '+')) {
		fuzz_assert(why && *why);
	}
	free(why);
	free(spec);
	allocator_list_release(&list);
	return 0;
}
