/* The duban notice plugin ABI, version 1. This header is the whole contract
 * between the engine and a plugin; plugins/README.md explains it with an
 * example. It is plain C so that a plugin can be written in C, C++ or anything
 * that exports C symbols, and built separately from the engine.
 *
 * A plugin is a shared library named lib<name>.so (or <name>.so) that exports
 *
 *     const duban_plugin_v1* duban_plugin_entry(void);
 *
 * returning a pointer to a static table that lives as long as the library is
 * loaded. The engine checks `abi_version` first and refuses a library whose
 * version differs from its own; every future version of the table keeps
 * `abi_version` as its first member so that check stays possible.
 *
 * Lifetime. The engine dlopen()s the library once. It calls create(), wants(),
 * deliver() and destroy() only in a child process it forks for the purpose,
 * one child per delivery, and kills a child that runs past the plugin's time
 * limit. So a plugin may crash, throw, leak or hang without harming the engine
 * or other plugins, but it must not rely on state surviving from one deliver()
 * to the next: keep durable state in files or the remote system. Do no work in
 * static initialisers: they run inside the engine itself.
 *
 * Strings. Every string passed in either direction is NUL-terminated UTF-8.
 * Strings the plugin returns through a `char**` are allocated by the plugin
 * and released by the engine with the plugin's free_string().
 *
 * Errors. Functions must not let C++ exceptions escape; the engine treats an
 * escaped exception, a crash or a timeout as a failed delivery to be retried.
 */
#ifndef DUBAN_NOTIFY_PLUGIN_ABI_H
#define DUBAN_NOTIFY_PLUGIN_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version this header describes. Bumped whenever the table's layout or
 * the meaning of a member changes; adding a member is such a change. */
#define DUBAN_PLUGIN_ABI_VERSION 1

/* The name of the exported entry point, and how to export it from a library
 * built with hidden visibility. */
#define DUBAN_PLUGIN_ENTRY_SYMBOL "duban_plugin_entry"
#define DUBAN_PLUGIN_EXPORT __attribute__((visibility("default")))

/* What deliver() returns. */
enum duban_deliver_status {
  DUBAN_DELIVER_OK = 0,        /* delivered (or already delivered before: see idempotency) */
  DUBAN_DELIVER_RETRY = 1,     /* failed for now (server down, timeout): try again later */
  DUBAN_DELIVER_PERMANENT = 2  /* will never succeed as it is (rejected address): dead-letter it */
};

typedef struct duban_plugin_v1 {
  /* DUBAN_PLUGIN_ABI_VERSION of the header the plugin was built with. */
  uint32_t abi_version;

  /* The plugin's module name, e.g. "email": must equal the <name> of its file. */
  const char* name;

  /* Creates an instance from its settings: a JSON object holding the plugin's
   * table of the configuration file, plus "duban": {"instance", "base_dir",
   * "data_dir"} (relative paths in settings are relative to base_dir). Returns
   * an opaque handle, or NULL with *error set to a message naming the bad
   * setting. */
  void* (*create)(const char* config_json, char** error);

  /* Whether the instance wants notices of this event type ("deadline.missed"):
   * 1 yes, 0 no. Must be a pure function of the settings and the type; the
   * engine asks about every event type once, when it loads the plugin, and
   * keeps the answers: it is never asked again. */
  int (*wants)(void* handle, const char* event_type);

  /* Delivers one notice (the notice JSON described in plugins/README.md).
   * Delivery is at least once: the same notice may come again after a crash
   * or a lost acknowledgement, so use the notice's "id" to make a repeat
   * harmless (as a Message-ID, a file name, an idempotency key). Returns a
   * duban_deliver_status; on failure sets *error to a one-line reason. */
  int (*deliver)(void* handle, const char* notice_json, char** error);

  /* Releases an instance made by create(). */
  void (*destroy)(void* handle);

  /* Releases a string the plugin returned through a char** argument. */
  void (*free_string)(char* s);
} duban_plugin_v1;

/* The one exported symbol. */
typedef const duban_plugin_v1* (*duban_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* DUBAN_NOTIFY_PLUGIN_ABI_H */
