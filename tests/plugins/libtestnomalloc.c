/* tests/plugins/libtestnomalloc.c - a library that loads fine and defines no malloc. */
int ngbench_test_nomalloc_marker(void);
int ngbench_test_nomalloc_marker(void)
{
	return 42;
}
