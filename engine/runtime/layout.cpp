#include "runtime/layout.h"

#include <pwd.h>
#include <unistd.h>

#include <string_view>
#include <system_error>

#ifndef DUBAN_INSTALL_BINDIR
#error "DUBAN_INSTALL_BINDIR must be defined by the build"
#endif

namespace duban::runtime {

namespace fs = std::filesystem;

Layout LayoutFor(const fs::path& exe) {
  // <prefix>/<bindir>/duban: strip bindir's components from the binary's folder.
  const fs::path bindir = fs::path(DUBAN_INSTALL_BINDIR).lexically_normal();
  fs::path dir = exe.parent_path().lexically_normal();
  fs::path prefix = dir;
  bool installed = !exe.empty();
  for (auto it = bindir.end(); installed && it != bindir.begin();) {
    --it;
    if (it->empty()) continue;
    installed = prefix.filename() == *it;
    prefix = prefix.parent_path();
  }
  Layout l;
  if (installed) {
    l.installed = true;
    l.prefix = prefix;
    l.share_dir = prefix / DUBAN_INSTALL_SHAREDIR;
    l.plugin_dir = prefix / DUBAN_INSTALL_PLUGINDIR;
  } else {
    l.share_dir = DUBAN_BUILD_SHAREDIR;
    l.plugin_dir = DUBAN_BUILD_PLUGINDIR;
  }
  return l;
}

fs::path WebDir(const fs::path& share_dir) {
  std::error_code ec;
  if (fs::is_directory(share_dir / "web", ec)) return share_dir / "web";
  return share_dir / "engine" / "http" / "web";
}

fs::path Layout::system_config() const {
  if (!installed) return {};
  const fs::path etc = prefix == "/usr" ? fs::path("/etc") : prefix / "etc";
  return etc / "duban" / "duban.toml";
}

bool RunsAsServiceUser() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr && pw->pw_name != nullptr && std::string_view(pw->pw_name) == "duban";
}

const Layout& ThisLayout() {
  static const Layout layout = [] {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return LayoutFor(ec ? fs::path() : exe);
  }();
  return layout;
}

std::string Version() { return DUBAN_VERSION; }

}  // namespace duban::runtime
