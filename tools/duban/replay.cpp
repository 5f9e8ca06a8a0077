#include "replay.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>

#include "core/text.h"
#include "core/time.h"
#include "verb.h"
#include "workflow/loader.h"

namespace duban::cli {

namespace {

// One line of a scenario:  TIME  PERSON  [expect N]  VERB ARGS...
struct Step {
  std::uint32_t line = 0;
  std::string time;
  std::string actor;
  int expect = 0;  // the exit status the step should end with
  std::vector<std::string> args;
};

struct Token {
  std::string text;
  std::uint32_t column = 0;
};

// Splits a line into whitespace-separated tokens; "double quotes" group
// words, with \" and \\ escapes inside them; # outside quotes starts a comment.
Result<std::vector<Token>> Tokenize(const std::string& line, const SourcePos& where) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
      ++i;
      continue;
    }
    if (line[i] == '#') break;
    Token t;
    t.column = ColumnOf(line, i);
    if (line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        char ch = line[i++];
        if (ch == '"') {
          closed = true;
          break;
        }
        if (ch == '\\' && i < line.size() && (line[i] == '"' || line[i] == '\\')) ch = line[i++];
        t.text.push_back(ch);
      }
      if (!closed) {
        SourcePos pos = where;
        pos.column = t.column;
        return Status::InvalidInput("unterminated quoted text", pos);
      }
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') t.text.push_back(line[i++]);
    }
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<Step>> Parse(const std::string& file, const std::string& content) {
  std::vector<Step> steps;
  std::optional<Instant> last;
  std::uint32_t number = 0;
  std::size_t start = 0;
  while (start <= content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string line = content.substr(start, end - start);
    start = end + 1;
    ++number;
    SourcePos pos{file, number, 1};
    auto tokens = Tokenize(line, pos);
    if (!tokens.ok()) return tokens.status();
    if (tokens->empty()) {
      if (end == content.size()) break;
      continue;
    }
    auto at = [&](const Token& t) {
      SourcePos p = pos;
      p.column = t.column;
      return p;
    };
    const auto& tk = *tokens;
    auto when = ParseInstant(tk[0].text, TimeZone::Default());
    if (!when.ok()) return Status::InvalidInput(when.status().message(), at(tk[0]));
    if (last && *when < *last)
      return Status::InvalidInput("steps must be in time order: " + tk[0].text + " is before the step above it",
                                  at(tk[0]));
    last = *when;
    if (tk.size() < 3)
      return Status::InvalidInput("a step needs TIME PERSON VERB [ARGS...]", at(tk.back()));
    Step s;
    s.line = number;
    s.time = tk[0].text;
    s.actor = tk[1].text;
    std::size_t verb = 2;
    if (tk[2].text == "expect") {
      if (tk.size() < 5) return Status::InvalidInput("'expect' needs an exit status and then a verb", at(tk[2]));
      const std::string& n = tk[3].text;
      if (n != "0" && n != "1" && n != "2" && n != "3")
        return Status::InvalidInput("'expect' takes an exit status 0, 1, 2 or 3, not '" + n + "'", at(tk[3]));
      s.expect = n[0] - '0';
      verb = 4;
    }
    if (tk[verb].text == "replay")
      return Status::InvalidInput("a scenario cannot replay another scenario", at(tk[verb]));
    if (tk[verb].text.starts_with("-"))
      return Status::InvalidInput("global options come from the step's time and person; start with the verb",
                                  at(tk[verb]));
    for (std::size_t k = verb; k < tk.size(); ++k) s.args.push_back(tk[k].text);
    steps.push_back(std::move(s));
    if (end == content.size()) break;
  }
  if (steps.empty()) return Status::InvalidInput("the scenario has no steps", SourcePos{file, 1, 1});
  return steps;
}

}  // namespace

int RunReplay(const std::string& file, const std::string& db, const std::string& format, Io io,
              Session& session) {
  auto content = workflow::ReadTextFile(file);
  if (!content.ok()) {
    io.err << "duban: " << content.status().str() << '\n';
    return content.status().exit_code();
  }
  auto steps = Parse(file, *content);
  if (!steps.ok()) {
    io.err << "duban: " << steps.status().str() << '\n';
    return steps.status().exit_code();
  }
  const auto base = std::filesystem::path(file).parent_path();
  app::App* app = session.app();
  if (app == nullptr || session.database() != db) {
    io.err << "duban: internal: replay runs on the open database '" << db << "'\n";
    return 1;
  }
  // Ticks the deadline clock up to `until`, at each instant a step of some
  // deadline falls due, so reminders and escalations come on their own days.
  // The clock never runs backwards: a step falling due before the last tick
  // or step is ticked at that time instead.
  std::optional<Instant> clock;
  auto tick_until = [&](Instant until) -> int {
    for (;;) {
      auto next = app->NextDeadline();
      if (!next.ok()) {
        io.err << "duban: " << next.status().str() << '\n';
        return next.status().exit_code();
      }
      if (!*next || **next > until) return 0;
      const Instant at = clock ? std::max(**next, *clock) : **next;
      clock = at;
      const int rc = SystemTick(*app, at, format, io);
      if (rc != 0) return rc;
    }
  };
  // The notices the step and the ticks before it queued go out at the
  // step's time, through the `notices dispatch` verb.
  const Verb* dispatch = Verbs().Find({"notices", "dispatch"});
  for (const auto& s : *steps) {
    const Instant step_at = *ParseInstant(s.time, TimeZone::Default());
    if (int rc = tick_until(step_at); rc != 0) return rc;
    clock = step_at;
    if (format == "table") {
      io.out << "\n▶ " << s.time << "  " << s.actor << " ";
      if (s.expect != 0) io.out << " (expect " << s.expect << ")";
      for (const auto& a : s.args) io.out << ' ' << (a.find(' ') != std::string::npos ? "\"" + a + "\"" : a);
      io.out << '\n';
    }
    // The step's verb and arguments, parsed through the same verb table as
    // the command line, run on the open services: the step's person and
    // time, channel cli.
    const int rc = [&] {
      CommandLine line;
      Globals& g = line.globals();
      g.db = db;
      g.at = s.time;
      g.as = s.actor;
      g.format = format;
      if (auto done = line.Parse(s.args, io)) return *done;
      Call c{g, io, session, base};
      // The step's database, files, time and person are the replay's: a step
      // naming its own would run elsewhere than the scenario says.
      if (auto given = line.global_given(); !given.empty())
        return c.Fail(Status::InvalidInput(file + ":" + std::to_string(s.line) + ": a step cannot give " + given +
                                           ": the replay sets the database, the time and the person"));
      auto at = ParseInstant(g.at, TimeZone::Default());
      if (!at.ok()) return c.Fail(Status::InvalidInput("--at: " + at.status().message()));
      c.now = *at;
      c.app = app;
      if (!line.chosen().verb->needs_app)
        return c.Fail(Status::InvalidInput("'" + line.chosen().verb->path.front() + "' cannot be a step"));
      return line.chosen().run(c);
    }();
    // Quiet hours hold some notices until the next working morning.
    Globals dg;
    dg.db = db;
    dg.at = s.time;
    dg.format = format;
    Call dc{dg, io, session, base};
    dc.now = step_at;
    dc.app = app;
    CLI::App dispatch_cmd;
    if (const int sent = dispatch->setup(dispatch_cmd)(dc); sent != 0)
      io.err << "duban: " << file << ":" << s.line << ": notices could not be dispatched (exit status " << sent
             << "); they stay queued\n";
    if (rc != s.expect) {
      io.err << "duban: " << file << ":" << s.line << ": step ended with exit status " << rc << ", expected "
             << s.expect << "; replay stopped\n";
      return rc != 0 ? rc : 1;
    }
  }
  return 0;
}

void AddReplayVerbs(VerbTable& t) {
  t.Add({{"replay"}, "run a scenario file of dated steps, the clock set to each step's time",
         [](CLI::App& cmd) -> Runner {
           auto file = std::make_shared<std::string>();
           cmd.add_option("file", *file, "scenario file: lines of 'TIME PERSON VERB ARGS...'")->required();
           return [file](Call& c) {
             auto opened = c.session.Open(c.g.db, c.g.data_dir, c.g.config.empty() ? "" : c.Path(c.g.config).string(),
                                          /*create=*/false);
             if (!opened.ok()) return c.Fail(opened.status());
             return RunReplay(c.Path(*file).string(), c.g.db, c.g.format, c.io, c.session);
           };
         },
         /*needs_app=*/false});
}

}  // namespace duban::cli
