# ma_warnings: the warning set every target of ours compiles with.
add_library(ma_warnings INTERFACE)
target_compile_options(ma_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>
  # GCC 12 at -O2/-O3 reports std::variant members as "maybe uninitialized" and
  # std::string copies as overlapping (GCC bugs 105562, 107138, 105651) where they are
  # not; clang builds keep both checks.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized -Wno-restrict>
  $<$<BOOL:${MA_WERROR}>:-Werror>)
