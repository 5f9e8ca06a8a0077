// Durable transitions per second through the real command path, beside a
// hand-written SQLite baseline that writes the same rows.
//
//   engine: app::App::Fire on store::OpenStore (default options: WAL,
//           synchronous=FULL, foreign_keys=ON), a file on disk, the shipped
//           annual-cycle workflow and Taishan roster. Each iteration fires
//           one transition at the next unit, cycling every unit through
//           submit → receive → return → revise → submit ...
//   raw:    the same database schema and campaign, written by a raw SQLiteCpp
//           connection with the same pragmas. Each transaction: one instance
//           UPDATE with a version check, one event INSERT carrying its SHA-256
//           chain hash, one campaigns head UPDATE, COMMIT.
//
// The summary line compares the two: `ratio engine/raw = 0.xx`. Beside them,
// the pure decision (machine::DecideFire on in-memory instances, no I/O), and
// `ratio pure/engine`: how much of a durable transition is the decision.
#include <SQLiteCpp/SQLiteCpp.h>
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"
#include "workflow/loader.h"
#include "core/time.h"
#include "store/store.h"
#include "bench_check.h"
#include "support/temp_dir.h"

namespace {

using duban::bench::Fail;
namespace fs = std::filesystem;
using duban::Instant;

const fs::path kSource = DUBAN_SOURCE_DIR;
const char* const kCampaign = "taishan-2021";
const std::string kApplied(duban::model::EventTypeName(duban::model::EventType::kTransitionApplied));

// Where the database lives: $DUBAN_BENCH_DIR, else the system temp dir (a
// real disk, not necessarily tmpfs: see the summary's note).
fs::path BenchRoot() {
  const char* env = std::getenv("DUBAN_BENCH_DIR");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::temp_directory_path();
}

using duban::testing::TempDir;

Instant At(const char* text) {
  auto t = duban::ParseInstant(text, duban::TimeZone::Default());
  return t.ok() ? *t : Instant{};
}

struct Rates {
  double engine = 0;
  double raw = 0;
  double pure = 0;
} g_rates;

// The Taishan campaign, every unit acknowledged and its required materials
// submitted, so that each unit can go round submit/receive/return/revise.
struct Campaign {
  struct UnitCycle {
    std::string id;
    std::string liaison;
  };
  std::vector<UnitCycle> units;
};

bool Prepare(duban::app::App& app, Campaign& out, std::string& error) {
  duban::app::CampaignSpec spec;
  spec.workflow = kSource / "workflows" / "annual-cycle.toml";
  spec.roster = kSource / "workflows" / "taishan-2021" / "roster.toml";
  spec.calendars = kSource / "workflows" / "calendars";
  const duban::app::RequestContext office{"office-cao-bin", At("2021-09-28"), std::nullopt, duban::app::Channel::kCli};
  auto created = app.CreateCampaign(spec, office);
  if (!created.ok()) return error = created.status().str(), false;
  auto ctx = app.Load(kCampaign);
  if (!ctx.ok()) return error = ctx.status().str(), false;
  // The unit's own actor: whoever holds, for the unit, the first role the
  // workflow lets fire "acknowledge" (the role is the workflow's to name).
  const duban::model::Workflow& wf = *ctx->workflow;
  const std::vector<duban::model::TransitionId> acknowledge = wf.FindTrigger("acknowledge");
  if (acknowledge.empty()) return error = "the workflow has no 'acknowledge'", false;
  const std::string& unit_role = wf.roles[wf.transitions[acknowledge.front()].roles.front()].id;
  // The record moves forward in time: every command a minute after the one before.
  Instant clock = At("2021-10-08T09:00");
  auto next = [&clock] { return clock += std::chrono::minutes(1); };
  for (const auto& u : ctx->roster->units) {
    auto k = app.Fire(kCampaign, u.id, "kickoff", "", {"office-cao-bin", next(), std::nullopt});
    if (!k.ok()) return error = k.status().str(), false;
  }
  clock = At("2021-10-09T10:00");
  for (const auto& u : ctx->roster->units) {
    Campaign::UnitCycle c{u.id, ""};
    for (const auto& p : ctx->roster->people)
      for (const auto& a : p.roles)
        if (a.role == unit_role && a.unit == u.id) c.liaison = p.id;
    const duban::app::RequestContext liaison{c.liaison, next(), std::nullopt, duban::app::Channel::kCli};
    auto a = app.Fire(kCampaign, u.id, "acknowledge", "", liaison);
    if (!a.ok()) return error = a.status().str(), false;
    const duban::model::Material* optional = nullptr;
    for (const auto& m : u.materials) {
      if (!m.required) {
        optional = &m;
        continue;
      }
      auto s = app.Material(kCampaign, u.id, m.id, duban::machine::MaterialAction::kSubmit, "", {}, liaison);
      if (!s.ok()) return error = s.status().str(), false;
    }
    // A return must name an item that failed review (guard materials_returned)
    // while submission needs only the required ones: an optional item handed
    // in and returned once stays returned, so every lap can return the unit
    // without a material command. Units without an optional item sit out.
    if (optional == nullptr) continue;
    auto handed = app.Material(kCampaign, u.id, optional->id, duban::machine::MaterialAction::kSubmit, "", {}, liaison);
    if (!handed.ok()) return error = handed.status().str(), false;
    auto returned = app.Material(kCampaign, u.id, optional->id, duban::machine::MaterialAction::kReturn, "请补充", {},
                                 {"office-cao-bin", next(), std::nullopt, duban::app::Channel::kCli});
    if (!returned.ok()) return error = returned.status().str(), false;
    out.units.push_back(std::move(c));
  }
  return true;
}

// The cycle every unit goes through, one step per iteration, from 材料收集.
struct Step {
  const char* trigger;
  bool by_office;
  const char* note;
};
constexpr std::array<Step, 4> kCycle{{{"submit", false, ""},
                                      {"receive", true, ""},
                                      {"return", true, "请补充2021年度数据"},
                                      {"revise", false, ""}}};

void BM_EngineTransitions(benchmark::State& state) {
  TempDir dir("bench-engine", BenchRoot());
  auto store = duban::store::OpenStore((dir.path() / "duban.db").string());  // default options: synchronous=FULL
  if (!store.ok()) return Fail(state, store.status().str().c_str());
  duban::app::App app(**store);
  Campaign campaign;
  std::string error;
  if (!Prepare(app, campaign, error)) return Fail(state, error.c_str());

  const Instant at = At("2021-10-12T10:00");
  std::size_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const auto& unit = campaign.units[n % campaign.units.size()];
    const Step& step = kCycle[(n / campaign.units.size()) % kCycle.size()];
    const duban::app::RequestContext actor{step.by_office ? "office-cao-bin" : unit.liaison, at, std::nullopt, duban::app::Channel::kCli};
    auto r = app.Fire(kCampaign, unit.id, step.trigger, step.note, actor);
    if (!r.ok()) return Fail(state, (unit.id + " " + step.trigger + ": " + r.status().str()).c_str());
    ++n;
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  g_rates.engine = static_cast<double>(n) / elapsed.count();
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["transitions/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);

  auto report = app.Verify(kCampaign, {"office-cao-bin", duban::Instant{}, std::nullopt, duban::app::Channel::kCli});
  if (!report.ok() || !report->ok) Fail(state, "the chain does not verify after the run");
}

void BM_RawSqliteTransitions(benchmark::State& state) {
  TempDir dir("bench-raw", BenchRoot());
  const fs::path path = dir.path() / "duban.db";
  Campaign campaign;
  // The same schema and the same campaign, set up through the store; the
  // timed writes then bypass it.
  {
    auto store = duban::store::OpenStore(path.string());
    if (!store.ok()) return Fail(state, store.status().str().c_str());
    duban::app::App app(**store);
    std::string error;
    if (!Prepare(app, campaign, error)) return Fail(state, error.c_str());
  }
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE, 10000);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");

  std::int64_t head_seq = 0;
  std::string head_hash;
  {
    SQLite::Statement q(db, "SELECT head_seq, head_hash FROM campaigns WHERE id = ?");
    q.bind(1, kCampaign);
    if (!q.executeStep()) return Fail(state, "no campaign");
    head_seq = q.getColumn(0).getInt64();
    head_hash = q.getColumn(1).getString();
  }
  struct UnitState {
    std::int64_t version = 0;
    int stage = 0;
  };
  std::vector<UnitState> units;
  for (const auto& u : campaign.units) {
    SQLite::Statement q(db, "SELECT version, stage FROM instances WHERE campaign_id = ? AND unit_id = ?");
    q.bind(1, kCampaign);
    q.bind(2, u.id);
    if (!q.executeStep()) return Fail(state, "no instance");
    units.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt()});
  }

  SQLite::Statement begin(db, "BEGIN IMMEDIATE");
  SQLite::Statement commit(db, "COMMIT");
  SQLite::Statement update(db,
                           "UPDATE instances SET stage = ?3, version = ?4, entered_at = ?5, due_at = ?6,"
                           " pending_request = NULL WHERE campaign_id = ?1 AND unit_id = ?2 AND version = ?7");
  SQLite::Statement insert(db,
                           "INSERT INTO events(campaign_id, seq, type, unit_id, actor, at, payload, prev_hash, hash)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement head(db, "UPDATE campaigns SET head_seq = ?, head_hash = ? WHERE id = ?");
  // The engine queues a notice with each event (the transactional outbox);
  // so does the baseline, with a body of the engine's size.
  SQLite::Statement notice(db,
                           "INSERT INTO notices(campaign_id, seq, id, unit_id, event_type, urgent, body, queued_at)"
                           " VALUES (?, ?, ?, ?, ?, 0, ?, ?)");
  const std::string notice_body =
      R"({"campaign":{"id":"taishan-2021","name":"泰山区2021年国家重点生态功能区县域生态环境质量监测评价与考核",)"
      R"("time_zone":"Asia/Shanghai"},"display":{"from":"材料收集","to":"已报送","trigger":"报送材料",)"
      R"("roles":{"coordinator":"协调人","liaison":"联络员"}},"event":{"actor":"finance-liaison","actor_name":)"
      R"("（方案未列明）区财政局联络员","at":"2021-10-12T02:00:00Z","payload":{"from":"collecting","to":"submitted",)"
      R"("trigger":"submit"},"seq":1,"type":")" + kApplied + R"(","unit":"finance","unit_name":"区财政局"},)"
      R"("id":"taishan-2021/1","recipients":[{"email":"finance-liaison@example.org","name":"（方案未列明）区财政局联络员",)"
      R"("person":"finance-liaison","role":"liaison"},{"email":"finance-coordinator@example.org","name":)"
      R"("（方案未列明）区财政局协调人","person":"finance-coordinator","role":"coordinator"}],"urgent":false})";

  const Instant at = At("2021-10-12T10:00");
  const std::int64_t at_secs = at.time_since_epoch().count();
  const std::int64_t due_secs = At("2021-10-20T23:59:59").time_since_epoch().count();
  static constexpr std::array<const char*, 4> kTriggers{"submit", "receive", "return", "revise"};
  std::size_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const std::size_t i = n % campaign.units.size();
    const auto& unit = campaign.units[i];
    const char* trigger = kTriggers[(n / campaign.units.size()) % kTriggers.size()];
    UnitState& u = units[i];
    const int to = u.stage == 5 ? 2 : u.stage + 1;  // a stand-in for the cycle's stages
    begin.exec();
    begin.reset();
    update.bind(1, kCampaign);
    update.bind(2, unit.id);
    update.bind(3, to);
    update.bind(4, u.version + 1);
    update.bind(5, at_secs);
    update.bind(6, due_secs);
    update.bind(7, u.version);
    if (update.exec() != 1) return Fail(state, "version check failed");
    update.reset();
    const std::int64_t seq = head_seq + 1;
    // A payload of the engine's shape and size.
    const std::string payload =
        std::string(R"({"from":"collecting","to":"submitted","trigger":")") + trigger + R"("})";
    const std::string hash =
        duban::store::EventHash(kCampaign, seq, kApplied, unit.id, unit.liaison, at, payload, head_hash);
    insert.bind(1, kCampaign);
    insert.bind(2, seq);
    insert.bind(3, kApplied);
    insert.bind(4, unit.id);
    insert.bind(5, unit.liaison);
    insert.bind(6, at_secs);
    insert.bind(7, payload);
    insert.bind(8, head_hash);
    insert.bind(9, hash);
    insert.exec();
    insert.reset();
    notice.bind(1, kCampaign);
    notice.bind(2, seq);
    notice.bind(3, std::string(kCampaign) + "/" + std::to_string(seq));
    notice.bind(4, unit.id);
    notice.bind(5, kApplied);
    notice.bind(6, notice_body);
    notice.bind(7, at_secs);
    notice.exec();
    notice.reset();
    head.bind(1, seq);
    head.bind(2, hash);
    head.bind(3, kCampaign);
    head.exec();
    head.reset();
    commit.exec();
    commit.reset();
    head_seq = seq;
    head_hash = hash;
    u.version += 1;
    u.stage = to;
    ++n;
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  g_rates.raw = static_cast<double>(n) / elapsed.count();
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["transitions/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}

// The pure decision alone (machine::DecideFire: the transition's stage,
// roles, note and guards, and the event it appends), no store and no I/O: the
// same cycle on in-memory instances, on one thread. Each decision is checked:
// applied, to the stage the workflow names.
void BM_PureDecision(benchmark::State& state) {
  auto wf_text = duban::workflow::ReadTextFile(kSource / "workflows" / "annual-cycle.toml");
  if (!wf_text.ok()) return Fail(state, wf_text.status().str());
  auto wf = duban::workflow::ParseWorkflow(*wf_text, "annual-cycle.toml");
  if (!wf.ok()) return Fail(state, wf.status().str());
  auto roster_text = duban::workflow::ReadTextFile(kSource / "workflows" / "taishan-2021" / "roster.toml");
  if (!roster_text.ok()) return Fail(state, roster_text.status().str());
  auto roster = duban::workflow::ParseRoster(*roster_text, "roster.toml", *wf);
  if (!roster.ok()) return Fail(state, roster.status().str());
  const auto acknowledge = wf->FindTrigger("acknowledge");
  if (acknowledge.empty()) return Fail(state, "the workflow has no 'acknowledge'");
  const std::string& unit_role = wf->roles[wf->transitions[acknowledge.front()].roles.front()].id;
  const auto collecting = wf->FindStage("collecting");
  if (!collecting) return Fail(state, "the workflow has no 'collecting' stage");
  struct Unit {
    duban::model::Instance instance;
    std::string liaison;
  };
  std::vector<Unit> units;
  for (const auto& u : roster->units) {
    Unit unit;
    unit.instance.unit = u.id;
    unit.instance.stage = *collecting;
    unit.instance.version = 1;
    for (const auto& p : roster->people)
      for (const auto& a : p.roles)
        if (a.role == unit_role && a.unit == u.id) unit.liaison = p.id;
    units.push_back(std::move(unit));
  }
  duban::machine::GuardFacts facts;  // the paperwork in order: every guard the cycle meets holds
  facts.materials_complete.holds = facts.materials_accepted.holds = facts.materials_returned.holds = true;
  const Instant at = At("2021-10-12T10:00");
  std::size_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    Unit& unit = units[n % units.size()];
    const Step& step = kCycle[(n / units.size()) % kCycle.size()];
    const duban::machine::Fire fire{step.trigger, step.by_office ? "office-cao-bin" : unit.liaison, at, step.note};
    duban::machine::Decision d =
        duban::machine::DecideFire(*wf, *roster, unit.instance, fire, facts, unit.instance.unit + "#1");
    if (!d.moves() || d.events.size() != 1)
      return Fail(state, unit.instance.unit + " " + step.trigger + ": " + d.rule + " " + d.message);
    unit.instance.stage = d.to;
    ++unit.instance.version;
    benchmark::DoNotOptimize(d);
    ++n;
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  g_rates.pure = static_cast<double>(n) / elapsed.count();
  for (const Unit& unit : units)  // every unit went round whole cycles or stands where its steps led
    if (unit.instance.version < 1) return Fail(state, "an instance went backwards");
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["decisions/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_PureDecision)->UseRealTime()->Unit(benchmark::kNanosecond)->MinTime(3.0);
BENCHMARK(BM_EngineTransitions)->UseRealTime()->Unit(benchmark::kMicrosecond)->MinTime(3.0);
BENCHMARK(BM_RawSqliteTransitions)->UseRealTime()->Unit(benchmark::kMicrosecond)->MinTime(3.0);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("\nDurable transitions per second (WAL, synchronous=FULL, database under %s):\n",
              BenchRoot().string().c_str());
  std::printf("  engine (app::App::Fire)  %10.0f /s\n", g_rates.engine);
  std::printf("  raw SQLite, same rows    %10.0f /s\n", g_rates.raw);
  if (!duban::bench::Failed() && g_rates.engine > 0 && g_rates.raw > 0) std::printf("ratio engine/raw = %.2f\n", g_rates.engine / g_rates.raw);
  std::printf("\nThe pure decision (machine::DecideFire, no I/O, one thread):\n");
  std::printf("  decisions                %10.0f /s (aim: at least 1000000)\n", g_rates.pure);
  if (!duban::bench::Failed() && g_rates.pure > 0 && g_rates.engine > 0)
    std::printf("ratio pure/engine = %.0f (the rest of a durable transition is the store and its fsync)\n",
                g_rates.pure / g_rates.engine);
  return duban::bench::Verdict("duban_bench_transitions");
}
