# ma_warnings: the warning set every target of ours compiles with.
add_library(ma_warnings INTERFACE)
target_compile_options(ma_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>
  $<$<BOOL:${MA_WERROR}>:-Werror>)
