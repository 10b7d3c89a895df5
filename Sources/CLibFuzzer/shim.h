// libFuzzer's driver, for tollgate-fuzz built by scripts/fuzz.sh: it links libclang_rt.fuzzer_no_main from the
// Swift toolchain, so that tollgate-fuzz keeps its own main and names the harness on its command line. Only
// declared here: nothing is linked unless scripts/fuzz.sh adds the library (and -DFUZZING uses the symbol).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*user_callback)(const uint8_t *data, size_t size));
