// The account verbs: user password, token create|list|revoke. They administer
// the sign-in of the HTTP API (app/accounts.h) on the office machine: whoever
// may open the database may run them, and the record names --as (default
// "operator") as who did. A password is read from the terminal (twice, not
// echoed) or from the first line of standard input, never from an argument;
// a token is printed once and only its hash is kept.
#include <CLI/CLI.hpp>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "table.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

// Who the account verbs record as having acted.
app::RequestContext Operator(const Call& c) {
  app::RequestContext rc = c.Request();
  if (rc.person.empty()) rc.person = "operator";
  return rc;
}

// One line of standard input; from a terminal, prompted on `err` with echo off.
std::optional<std::string> ReadSecretLine(std::ostream& err, const char* prompt) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    err << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    err << '\n';
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int DoUserPassword(Call& c, const std::string& person) {
  auto* accounts = c.session.accounts();
  if (accounts == nullptr) return c.Fail(Status::Internal("no database open"));
  auto password = ReadSecretLine(c.io.err, "新密码 new password: ");
  if (!password) return c.Fail(Status::InvalidInput("no password on standard input"));
  if (::isatty(STDIN_FILENO) != 0) {
    auto again = ReadSecretLine(c.io.err, "再输入一次 again: ");
    if (!again || *again != *password) return c.Fail(Status::InvalidInput("the two passwords differ; nothing changed"));
  }
  const Status s = accounts->SetPassword(person, c.g.campaign, *password, Operator(c));
  if (!s.ok()) return c.Fail(s);
  if (c.json_out()) {
    c.Print({{"person", person}, {"campaign", c.g.campaign}, {"password", "set"}});
  } else {
    c.io.out << "已设置 " << person << " 的密码" << (c.g.campaign.empty() ? "" : "（考核年度 " + c.g.campaign + "）")
             << "；其已登录的会话已结束 / password set; open sessions ended\n";
  }
  return 0;
}

json TokenJson(const store::ApiToken& t) {
  return {{"id", t.id},
          {"person", t.person},
          {"campaign", t.campaign},
          {"name", t.name},
          {"created_by", t.created_by},
          {"created_at", FormatUtc(t.created_at)},
          {"revoked_at", t.revoked_at ? json(FormatUtc(*t.revoked_at)) : json(nullptr)},
          {"revoked_by", t.revoked_by}};
}

struct TokenArgs {
  std::string person;
  std::string name;
  std::string id;
};

int DoTokenCreate(Call& c, const TokenArgs& a) {
  auto* accounts = c.session.accounts();
  if (accounts == nullptr) return c.Fail(Status::Internal("no database open"));
  auto t = accounts->CreateToken(a.person, c.g.campaign, a.name, Operator(c));
  if (!t.ok()) return c.Fail(t.status());
  if (c.json_out()) {
    json j = TokenJson(t->token);
    j["token"] = t->secret;
    c.Print(j);
  } else {
    c.io.out << "令牌 " << t->token.id << "（" << t->token.person << "，" << t->token.name
             << "）只显示这一次 / shown this once:\n"
             << t->secret << '\n';
  }
  return 0;
}

int DoTokenList(Call& c, const TokenArgs& a) {
  auto* accounts = c.session.accounts();
  if (accounts == nullptr) return c.Fail(Status::Internal("no database open"));
  auto list = accounts->Tokens(a.person);
  if (!list.ok()) return c.Fail(list.status());
  json out = json::array();
  Table t({"令牌 token", "人员 person", "名称 name", "考核年度 campaign", "创建 created", "吊销 revoked"});
  for (const auto& k : *list) {
    out.push_back(TokenJson(k));
    t.Add({k.id, k.person, k.name, k.campaign.empty() ? "*" : k.campaign, FormatUtc(k.created_at),
           k.revoked_at ? FormatUtc(*k.revoked_at) + " " + k.revoked_by : ""});
  }
  if (c.json_out()) c.Print(out);
  else if (t.empty()) c.io.out << "没有令牌 / no tokens\n";
  else t.Print(c.io.out);
  return 0;
}

int DoTokenRevoke(Call& c, const TokenArgs& a) {
  auto* accounts = c.session.accounts();
  if (accounts == nullptr) return c.Fail(Status::Internal("no database open"));
  const Status s = accounts->RevokeToken(a.id, Operator(c));
  if (!s.ok()) return c.Fail(s);
  if (c.json_out()) c.Print({{"id", a.id}, {"revoked", true}});
  else c.io.out << "已吊销令牌 " << a.id << " / token revoked\n";
  return 0;
}

}  // namespace

void AddUsersVerbs(VerbTable& t) {
  t.AddGroup("user", "accounts for the HTTP API: a roster person's password");
  t.Add({{"user", "password"},
         "set a person's password (read from the terminal or the first line of stdin, never an argument); "
         "--campaign limits the account to one campaign",
         [](CLI::App& cmd) -> Runner {
           auto person = std::make_shared<std::string>();
           cmd.add_option("person", *person, "the roster person id")->required();
           return [person](Call& c) { return DoUserPassword(c, *person); };
         }});
  t.AddGroup("token", "API tokens for programs: create (printed once), list, revoke");
  t.Add({{"token", "create"}, "create an API token for a person; prints it once, stores only its hash",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<TokenArgs>();
           cmd.add_option("--person", a->person, "the roster person the token acts as")->required();
           cmd.add_option("--name", a->name, "what program uses it")->required();
           return [a](Call& c) { return DoTokenCreate(c, *a); };
         }});
  t.Add({{"token", "list"}, "list API tokens (never their secrets)", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<TokenArgs>();
           cmd.add_option("--person", a->person, "only this person's");
           return [a](Call& c) { return DoTokenList(c, *a); };
         }});
  t.Add({{"token", "revoke"}, "revoke an API token by its id (tok-...)", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<TokenArgs>();
           cmd.add_option("id", a->id, "the token's id")->required();
           return [a](Call& c) { return DoTokenRevoke(c, *a); };
         }});
}

}  // namespace duban::cli
