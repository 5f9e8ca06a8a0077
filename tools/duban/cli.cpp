#include "cli.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "core/text.h"
#include "runtime/config.h"
#include "verb.h"

#ifndef DUBAN_DEFAULT_SHARE
#define DUBAN_DEFAULT_SHARE "."
#endif

namespace duban::cli {

namespace {

// The order the top-level verbs are listed in `duban --help`.
constexpr std::string_view kHelpOrder[] = {
    "init",   "campaign",    "roster", "status", "fire",     "requests", "approve", "reject",
    "material", "copies",    "ack",    "contact", "commitments", "sign",  "events",  "calendar",
    "tick",   "deadline",    "extend", "urge",   "notices",  "serve",    "verify",  "replay"};

}  // namespace

const VerbTable& Verbs() {
  static const VerbTable table = [] {
    VerbTable t;
    AddCampaignVerbs(t);
    AddLedgerVerbs(t);
    AddMovesVerbs(t);
    AddPaperworkVerbs(t);
    AddRecordVerbs(t);
    AddDeadlinesVerbs(t);
    AddNoticesVerbs(t);
    AddServeVerbs(t);
    AddReplayVerbs(t);
    return t;
  }();
  return table;
}

std::filesystem::path ShareDir() { return EnvOr("DUBAN_SHARE", DUBAN_DEFAULT_SHARE); }

int Run(const std::vector<std::string>& args, Io io, Session& session, const std::filesystem::path& base_dir) {
  CLI::App cli{
      "duban — 督办: follows a campaign's assigned work to completion.\n"
      "Moves every member unit through the annual cycle, approves stage transitions,\n"
      "and keeps a tamper-evident record of every move.\n\n"
      "Exit status: 0 done; 2 bad usage or invalid input; 3 refused by the workflow's\n"
      "rules or permissions; 1 anything else.",
      "duban"};
  cli.require_subcommand(1);
  cli.fallthrough();
  Globals g;
  g.db = EnvOr("DUBAN_DB", "duban.db");
  g.as = EnvOr("DUBAN_AS", "");
  auto* db_option = cli.add_option("--db", g.db, "SQLite database file (default $DUBAN_DB, else the --config "
                                                 "file's `database`, else ./duban.db)");
  cli.add_option("--at", g.at, "the time the command happens, ISO 8601; no offset means Asia/Shanghai (default: now)");
  cli.add_option("--as", g.as, "the roster person acting (default $DUBAN_AS)");
  cli.add_option("--format", g.format, "output format")->check(CLI::IsMember({"table", "json"}));
  cli.add_option("--campaign", g.campaign, "campaign id (default: the only campaign)");
  g.config = EnvOr("DUBAN_CONFIG", "");
  cli.add_option("--config", g.config, "configuration file (TOML; default $DUBAN_CONFIG, else e-mail into a maildir "
                                       "beside the database)");
  cli.add_option("--data-dir", g.data_dir, "where attached files are kept (default: the database path + .files)");
  cli.add_option("--command-id", g.command_id,
                 "client command id: a repeat with the same id is answered with the first result, not applied again");

  const auto bound = Verbs().Install(cli, kHelpOrder);

  std::vector<std::string> argv_store{"duban"};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& a : argv_store) argv.push_back(a.c_str());
  try {
    cli.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    io.out << cli.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    io.out << cli.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    // A verb's own --help lands here too, with its own help text.
    if (e.get_exit_code() == 0) {
      for (auto* sub : cli.get_subcommands()) {
        auto* leaf = sub;
        while (!leaf->get_subcommands().empty()) leaf = leaf->get_subcommands().front();
        io.out << leaf->help();
        return 0;
      }
      io.out << cli.help();
      return 0;
    }
    io.err << "duban: " << e.what() << "\n(run 'duban --help' or 'duban VERB --help')\n";
    return 2;
  }

  // A configuration file names the database and the data directory, unless
  // the command line or the environment does.
  if (!g.config.empty() && db_option->count() == 0 && EnvOr("DUBAN_DB", "").empty()) {
    auto file = g.config;
    if (std::filesystem::path(file).is_relative() && !base_dir.empty()) file = (base_dir / file).string();
    auto cfg = runtime::LoadConfig(file);
    if (!cfg.ok()) {
      io.err << "duban: " << cfg.status().str() << '\n';
      return cfg.status().exit_code();
    }
    g.db = cfg->database.string();
    if (g.data_dir.empty()) g.data_dir = (cfg->data_dir / "files").string();
  }

  Call c{g, io, session, base_dir};
  if (g.at.empty()) {
    c.now = session.env().Now();
  } else {
    auto t = ParseInstant(g.at, TimeZone::Default());
    if (!t.ok()) return c.Fail(Status::InvalidInput("--at: " + t.status().message()));
    c.now = *t;
  }

  auto chosen = std::find_if(bound.begin(), bound.end(), [](const Bound& b) { return b.cmd->parsed(); });
  if (chosen == bound.end()) {
    io.err << cli.help();
    return 2;
  }
  if (chosen->verb->needs_app) {
    // Who is acting is the app's to check: every command and query is authorised there.
    auto opened = session.Open(g.db, g.data_dir, c.Path(g.config).string());
    if (!opened.ok()) return c.Fail(opened.status());
    c.app = *opened;
  }
  return chosen->run(c);
}

}  // namespace duban::cli
