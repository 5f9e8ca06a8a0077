#include "verb.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>

namespace duban::cli {

void VerbTable::AddGroup(std::string name, std::string help) {
  groups_.push_back({std::move(name), std::move(help)});
}

void VerbTable::Add(Verb verb) { verbs_.push_back(std::move(verb)); }

std::vector<Bound> VerbTable::Install(CLI::App& cli, std::span<const std::string_view> order) const {
  // The top-level names: `order` first, then the others as registered.
  std::vector<std::string> tops(order.begin(), order.end());
  for (const auto& v : verbs_)
    if (std::find(tops.begin(), tops.end(), v.path.front()) == tops.end()) tops.push_back(v.path.front());
  std::vector<Bound> out;
  for (const auto& top : tops) {
    CLI::App* parent = &cli;
    auto group = std::find_if(groups_.begin(), groups_.end(), [&](const Group& g) { return g.name == top; });
    if (group != groups_.end()) {
      parent = cli.add_subcommand(group->name, group->help);
      parent->require_subcommand(1);
    }
    for (const auto& v : verbs_) {
      if (v.path.front() != top) continue;
      CLI::App* cmd = group != groups_.end() ? parent->add_subcommand(v.path.back(), v.help)
                                             : cli.add_subcommand(v.path.front(), v.help);
      out.push_back({&v, cmd, v.setup(*cmd)});
    }
  }
  return out;
}

const Verb* VerbTable::Find(const std::vector<std::string>& path) const {
  for (const auto& v : verbs_)
    if (v.path == path) return &v;
  return nullptr;
}

std::string RoleLabel(const model::Workflow& wf, const std::string& role) {
  auto id = wf.FindRole(role);
  return id ? wf.roles[*id].label.zh : role;
}

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::move(fallback);
}

}  // namespace duban::cli
