# One INTERFACE target carries the warning flags for duban's own code.
# Dependencies are included as SYSTEM headers by their imported targets, so
# warnings (errors with DUBAN_WERROR) apply to our code only.
add_library(duban_warnings INTERFACE)
if(DUBAN_WERROR)
  target_compile_options(duban_warnings INTERFACE -Werror)
endif()
target_compile_options(duban_warnings INTERFACE
  -Wall -Wextra -Wpedantic
  -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wsign-conversion -Wimplicit-fallthrough
  -Wno-error=deprecated-declarations
  # GCC 12 reports false -Wrestrict positives inside std::string's operator+
  # at -O2 and above (GCC bug 105329).
  -Wno-restrict)
