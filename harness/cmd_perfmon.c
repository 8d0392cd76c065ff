#include "config.h"
int cmd_perfmon(int argc, const char **argv);
int cmd_perfmon(int argc, const char **argv) { return 0; }
