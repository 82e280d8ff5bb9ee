// Lets the prebuilt conformance_test_runner (linked against glibc 2.38 / GCC 13) start on
// older systems such as Debian 12 (glibc 2.36, GCC 12): it supplies the C23 strto* entry
// points and libstdc++'s ios_base_library_init that the binary imports, and initialises
// iostreams (GCC 13 binaries expect libstdc++ to do it). `cargo xtask conformance` builds it
// and links it in with patchelf. Part of Courier (MIT OR Apache-2.0).
#include <cstdlib>
#include <iostream>

extern "C" {
long __isoc23_strtol(const char* s, char** end, int base) { return strtol(s, end, base); }
unsigned long __isoc23_strtoul(const char* s, char** end, int base) { return strtoul(s, end, base); }
long long __isoc23_strtoll(const char* s, char** end, int base) { return strtoll(s, end, base); }
unsigned long long __isoc23_strtoull(const char* s, char** end, int base) { return strtoull(s, end, base); }
}

namespace std {
void ios_base_library_init() {}
}

static std::ios_base::Init courier_shim_ios_init;
