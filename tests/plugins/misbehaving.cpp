// Test fixtures: plugins that misbehave in deliver(), each built from this
// file as its own MODULE library with FIXTURE_NAME and FIXTURE_KIND set:
//   throws  - deliver() lets a C++ exception escape through the C ABI
//   hangs   - deliver() never returns
//   crashes - deliver() dereferences a null pointer
//   fails   - deliver() returns DUBAN_DELIVER_RETRY with a reason
//   wrong_abi - a table claiming ABI version 99
// Every one of them wants every event type and is otherwise well behaved.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "notify/plugin_abi.h"

#define FIXTURE_THROWS 1
#define FIXTURE_HANGS 2
#define FIXTURE_CRASHES 3
#define FIXTURE_FAILS 4
#define FIXTURE_WRONG_ABI 5

namespace {

int handle_storage = 0;

[[maybe_unused]] char* Copy(const char* s) {
  char* out = static_cast<char*>(std::malloc(std::strlen(s) + 1));
  std::strcpy(out, s);
  return out;
}

void* Create(const char*, char**) { return &handle_storage; }
int Wants(void*, const char*) { return 1; }
void Destroy(void*) {}
void FreeString(char* s) { std::free(s); }

int Deliver(void*, const char*, char** error) {
#if FIXTURE_KIND == FIXTURE_THROWS
  (void)error;
  throw std::runtime_error("the fixture plugin throws on purpose");
#elif FIXTURE_KIND == FIXTURE_HANGS
  (void)error;
  for (;;) ::pause();
#elif FIXTURE_KIND == FIXTURE_CRASHES
  (void)error;
  volatile int* nowhere = nullptr;
  *nowhere = 42;
  return DUBAN_DELIVER_OK;
#else
  *error = Copy("the fixture plugin fails on purpose");
  return DUBAN_DELIVER_RETRY;
#endif
}

}  // namespace

extern "C" DUBAN_PLUGIN_EXPORT const duban_plugin_v1* duban_plugin_entry(void) {
  static const duban_plugin_v1 table = {
#if FIXTURE_KIND == FIXTURE_WRONG_ABI
      99,
#else
      DUBAN_PLUGIN_ABI_VERSION,
#endif
      FIXTURE_NAME, &Create, &Wants, &Deliver, &Destroy, &FreeString};
  return &table;
}
