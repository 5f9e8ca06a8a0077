// The CLI as a table of verbs. Each verb family (tools/duban/verbs/*.cpp)
// registers its verbs: a name, a help line, a setup function that binds the
// verb's options into an argument struct of its own and answers how to run
// it, and that run function, which takes a `Call`: who asks, when, the open
// services and where to print. cli.cpp parses a command line through the
// table; `replay` parses each step through the same table.
//
// A VerbTable is built once and then only read: reading it is safe from any
// thread. A Call belongs to one command.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"

namespace CLI {
class App;
class Option;
}

namespace duban::cli {

// The options every verb shares.
struct Globals {
  std::string db;
  std::string at;
  std::string as;
  std::string format = "table";
  std::string campaign;
  std::string command_id;
  std::string data_dir;
  std::string config;
};

// What one invocation needs to carry out its verb.
struct Call {
  Globals g;
  Io io;
  Session& session;
  std::filesystem::path base_dir;
  Instant now{};
  app::App* app = nullptr;
  app::Channel channel = app::Channel::kCli;

  bool json_out() const { return g.format == "json"; }
  // `p` as given on the command line: relative paths are read from base_dir.
  std::filesystem::path Path(const std::string& p) const {
    std::filesystem::path path(p);
    return path.is_relative() && !base_dir.empty() ? base_dir / path : path;
  }
  // Who asks, as --as, --at and --command-id say; the app resolves and authorises the person.
  app::RequestContext Request() const {
    app::RequestContext rc{g.as, now, std::nullopt, channel};
    if (!g.command_id.empty()) rc.command_id = g.command_id;
    return rc;
  }
  // Prints `s` as the CLI's error line and answers its exit status.
  int Fail(const Status& s) const {
    io.err << "duban: " << s.str() << '\n';
    return s.exit_code();
  }
  void Print(const nlohmann::json& j) const { io.out << j.dump(2, ' ', false) << '\n'; }
};

// Carries out a parsed verb: answers the exit status.
using Runner = std::function<int(Call&)>;

struct Verb {
  std::vector<std::string> path;  // {"fire"}, {"material", "submit"}: a group's name, then the verb's
  std::string help;
  // Adds the verb's options to `cmd`, binding them into the verb's own
  // argument struct, and answers the run function that reads them.
  std::function<Runner(CLI::App& cmd)> setup;
  // False: the run function opens the services itself (replay); else Call::app is open.
  bool needs_app = true;
  // Whether the verb may create the database (init); every other verb
  // refuses one that does not exist.
  bool creates_db = false;
};

// A verb bound to one parser: its subcommand and its run function.
struct Bound {
  const Verb* verb = nullptr;
  CLI::App* cmd = nullptr;
  Runner run;
};

class VerbTable {
 public:
  // A group of verbs (`material`): one of its verbs must follow it.
  void AddGroup(std::string name, std::string help);
  void Add(Verb verb);

  // Adds every group and verb to `cli` as subcommands, the top-level names
  // in `order` first (the help's order), any others after them; answers the
  // bound verbs.
  std::vector<Bound> Install(CLI::App& cli, std::span<const std::string_view> order) const;

  // The verb at `path`, or nullptr.
  const Verb* Find(const std::vector<std::string>& path) const;

 private:
  struct Group {
    std::string name;
    std::string help;
  };
  std::vector<Group> groups_;
  std::vector<Verb> verbs_;
};

// One command line's parser: the global options, bound into globals()
// (their defaults from $DUBAN_DB, $DUBAN_AS, $DUBAN_CONFIG), and every verb
// of the table. `duban` parses its argv with one; replay one per step.
class CommandLine {
 public:
  CommandLine();
  ~CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // The global options; set them before Parse to give defaults of your own.
  Globals& globals() { return g_; }

  // Parses `args` (without the program name). Answers an exit status when
  // nothing is left to run: help printed (0) or bad usage reported (2);
  // else nullopt, and chosen() is the verb the line names.
  std::optional<int> Parse(const std::vector<std::string>& args, Io io);
  const Bound& chosen() const { return *chosen_; }
  // Whether the line gave --db.
  bool db_given() const;
  // The first global option (--db, --at, ...) the line gave, as written;
  // empty when none: a replay step takes none of them.
  std::string global_given() const;

 private:
  std::unique_ptr<CLI::App> cli_;
  Globals g_;
  std::vector<Bound> bound_;
  CLI::Option* db_option_ = nullptr;
  std::vector<CLI::Option*> global_options_;
  const Bound* chosen_ = nullptr;
};

// The whole table: every family's verbs.
const VerbTable& Verbs();

// Each family adds its verbs (tools/duban/verbs/FAMILY.cpp).
void AddCampaignVerbs(VerbTable& t);   // init, campaign create|list, roster
void AddLedgerVerbs(VerbTable& t);     // status
void AddMovesVerbs(VerbTable& t);      // fire, ack, requests, approve, reject
void AddPaperworkVerbs(VerbTable& t);  // material *, copies, contact *, commitments, sign
void AddRecordVerbs(VerbTable& t);     // events, verify
void AddDeadlinesVerbs(VerbTable& t);  // calendar *, tick, deadline set, extend, urge
void AddNoticesVerbs(VerbTable& t);    // notices *
void AddAssessVerbs(VerbTable& t);     // assess *
void AddReportVerbs(VerbTable& t);     // report *
void AddServeVerbs(VerbTable& t);      // serve
void AddUsersVerbs(VerbTable& t);      // user password, token create|list|revoke
void AddReplayVerbs(VerbTable& t);     // replay
void AddOpsVerbs(VerbTable& t);        // migrate, backup, restore, doctor

// ----- helpers the families share -----

// The wire form of a command's answer, as --format json prints it.
template <typename T>
nlohmann::json Json(const app::Outcome<T>& o) {
  return wire::ToJson(o.value);
}

// A role's label from the workflow ("联络员"), else its id.
std::string RoleLabel(const model::Workflow& wf, const std::string& role);

// The environment variable `name`, or `fallback` when it is unset or empty.
std::string EnvOr(const char* name, std::string fallback);

}  // namespace duban::cli
