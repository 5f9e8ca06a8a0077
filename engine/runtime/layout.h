// Where duban finds what it ships: the workflows/ tree (workflow files,
// holiday calendars, notice templates), the notice plugins, and later the web
// pages (WebDir). An installed duban is relocatable: it finds them relative to its
// own binary, <prefix>/bin/duban with <prefix>/share/duban and
// <prefix>/lib/duban/plugins beside it, whatever the prefix is. A binary run
// from the build tree (or a test linking the engine) finds the source tree
// and the build tree's plugins instead. The configuration file may override
// both (share_dir, plugin_dir), and $DUBAN_SHARE the share directory.
#pragma once

#include <filesystem>
#include <string>

namespace duban::runtime {

struct Layout {
  std::filesystem::path share_dir;   // holds workflows/ (…/share/duban, or the source tree)
  std::filesystem::path plugin_dir;  // lib<name>.so (…/lib/duban/plugins, or <build>/plugins)
  std::filesystem::path prefix;      // the installation prefix; empty for a build tree
  bool installed = false;

  std::filesystem::path workflows() const { return share_dir / "workflows"; }
  std::filesystem::path calendars() const { return workflows() / "calendars"; }
  std::filesystem::path templates() const { return workflows() / "templates"; }
  // The system configuration a service run reads: /etc/duban/duban.toml for
  // an installation under /usr, <prefix>/etc/duban/duban.toml under another
  // prefix; empty for a build tree.
  std::filesystem::path system_config() const;
};

// The web pages' directory in the share directory `share_dir`: web/ in an
// installation (share/duban/web), else engine/http/web of the source tree.
std::filesystem::path WebDir(const std::filesystem::path& share_dir);

// The layout of the program at `exe`: installed when it sits in the
// installation's bin directory, else the build tree duban was compiled in.
// Pure: looks at the path only.
Layout LayoutFor(const std::filesystem::path& exe);

// The running program's layout (/proc/self/exe), worked out once. Safe from
// any thread.
const Layout& ThisLayout();

// Whether this process runs as the service's system user (`duban`), whose
// commands read the system configuration by default.
bool RunsAsServiceUser();

// The version this binary was built as ("0.1.0").
std::string Version();

}  // namespace duban::runtime
