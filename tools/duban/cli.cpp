#include "cli.h"

#include <CLI/CLI.hpp>

#include "core/text.h"
#include "runtime/config.h"
#include "runtime/layout.h"
#include "verb.h"


namespace duban::cli {

namespace {

// An argument longer than this is a mistake (a file pasted into --note).
constexpr std::size_t kMaxArgumentBytes = 64 * 1024;

// The order the top-level verbs are listed in `duban --help`.
constexpr std::string_view kHelpOrder[] = {
    "init",   "campaign",    "roster", "status", "fire",     "requests", "approve", "reject",
    "material", "copies",    "ack",    "contact", "commitments", "sign",  "events",  "calendar",
    "tick",   "deadline",    "extend", "urge",   "notices",  "inspect",  "assess",   "serve",    "user",
    "token",  "verify",      "replay", "backup", "restore",  "doctor",   "migrate"};

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
    AddAssessVerbs(t);
    AddReportVerbs(t);
    AddServeVerbs(t);
    AddUsersVerbs(t);
    AddReplayVerbs(t);
    AddOpsVerbs(t);
    return t;
  }();
  return table;
}

std::filesystem::path ShareDir(const Session& session) {
  if (auto env = EnvOr("DUBAN_SHARE", ""); !env.empty()) return env;
  if (session.app() != nullptr && !session.config().share_dir.empty()) return session.config().share_dir;
  return runtime::ThisLayout().share_dir;
}

CommandLine::CommandLine()
    : cli_(std::make_unique<CLI::App>(
          "duban — 督办: follows a campaign's assigned work to completion.\n"
          "Moves every member unit through the annual cycle, approves stage transitions,\n"
          "and keeps a tamper-evident record of every move.\n\n"
          "Exit status: 0 done; 2 bad usage or invalid input; 3 refused by the workflow's\n"
          "rules or permissions; 1 anything else.",
          "duban")) {
  CLI::App& cli = *cli_;
  cli.require_subcommand(1);
  cli.fallthrough();
  Globals& g = g_;
  g.db = EnvOr("DUBAN_DB", "duban.db");
  g.as = EnvOr("DUBAN_AS", "");
  db_option_ = cli.add_option("--db", g.db, "SQLite database file (default $DUBAN_DB, else the --config "
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
  cli.set_version_flag("--version", [] {
    const runtime::Layout& l = runtime::ThisLayout();
    return "duban " + runtime::Version() + "\n" + (l.installed ? "installed under " + l.prefix.string() : std::string("build tree")) +
           "\nshared files: " + l.share_dir.string() + "\nplugins:      " + l.plugin_dir.string() +
           (l.installed ? "\nsystem configuration: " + l.system_config().string() : std::string());
  }, "print the version and where this duban finds its files");
  for (CLI::Option* o : cli.get_options())
    if (o->get_name() != "--help" && o->get_name() != "--help-all" && o->get_name() != "--version")
      global_options_.push_back(o);
  bound_ = Verbs().Install(cli, kHelpOrder);
}

CommandLine::~CommandLine() = default;

std::optional<int> CommandLine::Parse(const std::vector<std::string>& args, Io io) {
  CLI::App& cli = *cli_;
  std::vector<std::string> argv_store{"duban"};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& a : argv_store) argv.push_back(a.c_str());
  try {
    cli.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForVersion& e) {
    io.out << e.what() << '\n';
    return 0;
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
  chosen_ = nullptr;
  for (const auto& b : bound_)
    if (b.cmd->parsed()) chosen_ = &b;
  if (chosen_ == nullptr) {
    io.err << cli.help();
    return 2;
  }
  return std::nullopt;
}

bool CommandLine::db_given() const { return db_option_->count() > 0; }

std::string CommandLine::global_given() const {
  for (const CLI::Option* o : global_options_)
    if (o->count() > 0) return o->get_name();
  return "";
}

int Run(const std::vector<std::string>& args, Io io, Session& session, const std::filesystem::path& base_dir) {
  // Text from the shell is checked before anything reads it: well-formed
  // UTF-8 and bounded (a note is a few lines, not a file).
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!IsValidUtf8(args[i])) {
      io.err << "duban: argument " << i + 1 << " is not valid UTF-8 text: '" << Quoted(args[i]) << "'\n";
      return 2;
    }
    if (args[i].size() > kMaxArgumentBytes) {
      io.err << "duban: argument " << i + 1 << " is " << args[i].size() << " bytes, over the limit of "
             << kMaxArgumentBytes << ": '" << Quoted(args[i]) << "'\n";
      return 2;
    }
  }
  CommandLine line;
  if (auto done = line.Parse(args, io)) return *done;
  Globals& g = line.globals();

  // The service's user (sudo -u duban duban status) works on the service's
  // data: the system configuration, unless told otherwise.
  if (g.config.empty() && !line.db_given() && EnvOr("DUBAN_DB", "").empty() && runtime::RunsAsServiceUser()) {
    std::error_code ec;
    if (auto sys = runtime::ThisLayout().system_config(); !sys.empty() && std::filesystem::exists(sys, ec))
      g.config = sys.string();
  }
  // A configuration file names the database and the data directory, unless
  // the command line or the environment does.
  if (!g.config.empty() && !line.db_given() && EnvOr("DUBAN_DB", "").empty()) {
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
  if (line.chosen().verb->needs_app) {
    // Who is acting is the app's to check: every command and query is authorised there.
    auto opened = session.Open(g.db, g.data_dir, c.Path(g.config).string(), line.chosen().verb->creates_db);
    if (!opened.ok()) return c.Fail(opened.status());
    c.app = *opened;
  }
  return line.chosen().run(c);
}

}  // namespace duban::cli
