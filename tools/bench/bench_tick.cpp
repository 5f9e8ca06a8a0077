// One deadline tick, app::App::Tick, against databases of two sizes in the
// same run (issue 3, item 9: finding what is due must cost in proportion to
// what is due, not to all open instances):
//
//   small:  10,000 open instances, 100 of them due
//   large:  1,000,000 open instances, 100 of them due, plus 250,000 closed
//           instances of two past campaigns whose due dates have long passed
//           (terminal stage, next_deadline_at NULL)
//
// Each database is created and migrated by store::OpenStore (default
// options: WAL, synchronous=FULL), holds real campaigns created through
// App::CreateCampaign on the shipped workflow, roster and calendars, and is
// then filled with raw SQL in one transaction: rows consistent with the
// store's schema (engine/store/sqlite/migrations.cpp, migrations 1 and 2) and with
// the deadline schedule (due_at, deadline_step, next_deadline_at as
// deadline::Restart sets them).
//
//   due:     stage collecting, entered 13 Oct 2021, due 20 Oct 23:59:59, step 0
//            falling due 15 Oct 09:00 (the 3-working-day reminder)
//   open:    stage committed, due 20 Dec 2021, step 0 falling due 15 Dec 09:00
//   closed:  stage published, due_at in December 2019/2020, next_deadline_at NULL
//
// Every measured iteration is one App::Tick at 15 Oct 2021 10:00, which
// raises the 100 reminders in one transaction. Between iterations, outside
// the timed region, raw SQL re-arms the 100 rows (step 0, next_deadline_at
// 15 Oct 09:00), so each tick starts from the same state (but for the event
// log, which grows by 100 rows a tick).
//
// The summary prints both mean and median tick times and `ratio large/small`.
#include <SQLiteCpp/SQLiteCpp.h>
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "app/app.h"
#include "core/time.h"
#include "deadline/evaluator.h"
#include "store/store.h"
#include "bench_check.h"
#include "support/temp_dir.h"

namespace {

using duban::bench::Fail;
namespace fs = std::filesystem;
using duban::Instant;

const fs::path kSource = DUBAN_SOURCE_DIR;
const char* const kCampaign = "bench-2021";
constexpr int kDue = 100;

// Where the databases live: $DUBAN_BENCH_DIR, else the system temp dir.
fs::path BenchRoot() {
  const char* env = std::getenv("DUBAN_BENCH_DIR");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::temp_directory_path();
}

using duban::testing::TempDir;

Instant At(const char* text) {
  auto t = duban::ParseInstant(text, duban::TimeZone::Default());
  return t.ok() ? *t : Instant{};
}

std::int64_t Secs(Instant t) { return t.time_since_epoch().count(); }

std::string UnitId(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%07d", prefix, i);
  return buf;
}

// One instance row as the store writes it.
struct Row {
  int stage = 0;
  std::int64_t entered_at = 0;
  std::optional<std::int64_t> due_at;
  int deadline_step = 0;
  std::optional<std::int64_t> next_deadline_at;
};

struct Rows {
  Row due, open, closed;
};

struct Database {
  explicit Database(const std::string& name) : dir("bench-tick-" + name, BenchRoot()) {}
  TempDir dir;
  fs::path path;
  std::unique_ptr<duban::store::Store> store;
  std::unique_ptr<duban::app::App> app;
  std::vector<std::string> due_units;
  Row due_row;
  std::string plan;  // EXPLAIN QUERY PLAN of the store's due-instances query (store/sqlite/sqlite_store.cpp)
};

bool CreateCampaign(duban::app::App& app, const std::string& id, int year, const char* at, std::string& error) {
  duban::app::CampaignSpec spec;
  spec.workflow = kSource / "workflows" / "annual-cycle.toml";
  spec.roster = kSource / "workflows" / "taishan-2021" / "roster.toml";
  spec.calendars = kSource / "workflows" / "calendars";
  spec.id = id;
  spec.year = year;
  auto r = app.CreateCampaign(spec, {"office-cao-bin", At(at), std::nullopt});
  if (!r.ok()) return error = id + ": " + r.status().str(), false;
  return true;
}

// The three kinds of row, from the campaign's own definitions and calendar.
bool MakeRows(duban::app::App& app, Rows& out, std::string& error) {
  auto ctx = app.Load(kCampaign);
  if (!ctx.ok()) return error = ctx.status().str(), false;
  const auto& wf = *ctx->workflow;
  auto row = [&](const char* stage, const char* entered, Row& r) -> bool {
    auto sid = wf.FindStage(stage);
    if (!sid) return error = std::string("no stage ") + stage, false;
    duban::model::Instance inst;
    inst.stage = *sid;
    inst.entered_at = At(entered);
    auto due = ctx->DueFor(*sid, inst.entered_at, std::nullopt);
    if (!due.ok()) return error = due.status().str(), false;
    inst.due_at = *due;
    const auto progress = duban::deadline::Restart(wf, *ctx->calendar, ctx->tz, inst);
    r.stage = static_cast<int>(*sid);
    r.entered_at = Secs(inst.entered_at);
    if (inst.due_at) r.due_at = Secs(*inst.due_at);
    r.deadline_step = progress.step;
    if (progress.next_at) r.next_deadline_at = Secs(*progress.next_at);
    return true;
  };
  if (!row("collecting", "2021-10-13T09:00", out.due) || !row("committed", "2021-11-01T10:00", out.open))
    return false;
  if (!out.due.next_deadline_at || *out.due.next_deadline_at != Secs(At("2021-10-15T09:00")))
    return error = "unexpected schedule for the due rows", false;
  if (!out.open.next_deadline_at || *out.open.next_deadline_at != Secs(At("2021-12-15T09:00")))
    return error = "unexpected schedule for the open rows", false;
  auto published = wf.FindStage("published");
  if (!published) return error = "no stage published", false;
  out.closed.stage = static_cast<int>(*published);
  return true;
}

void Bind(SQLite::Statement& q, const std::string& campaign, const std::string& unit, const Row& r) {
  q.bind(1, campaign);
  q.bind(2, unit);
  q.bind(3, r.stage);
  q.bind(4, r.entered_at);
  if (r.due_at) q.bind(5, *r.due_at);
  else q.bind(5);
  q.bind(6, r.deadline_step);
  if (r.next_deadline_at) q.bind(7, *r.next_deadline_at);
  else q.bind(7);
}

// A database with `open` open instances in the bench campaign (`kDue` of them
// due) and `closed` closed ones split over two past campaigns.
std::unique_ptr<Database> Populate(const std::string& name, int open, int closed, std::string& error) {
  auto db = std::make_unique<Database>(name);
  db->path = db->dir.path() / "duban.db";
  auto store = duban::store::OpenStore(db->path.string());
  if (!store.ok()) return error = store.status().str(), nullptr;
  db->store = std::move(*store);
  db->app = std::make_unique<duban::app::App>(*db->store);
  if (!CreateCampaign(*db->app, kCampaign, 2021, "2021-09-28T10:00", error)) return nullptr;
  if (closed > 0 && (!CreateCampaign(*db->app, "past-2019", 2019, "2019-09-27T10:00", error) ||
                     !CreateCampaign(*db->app, "past-2020", 2020, "2020-09-28T10:00", error)))
    return nullptr;
  Rows rows;
  if (!MakeRows(*db->app, rows, error)) return nullptr;
  db->due_row = rows.due;

  try {
    SQLite::Database sql(db->path.string(), SQLite::OPEN_READWRITE, 10000);
    sql.exec("PRAGMA journal_mode = WAL");
    sql.exec("PRAGMA foreign_keys = ON");
    SQLite::Transaction tx(sql);
    // The campaigns' own roster instances: the bench campaign's are open and
    // not due; the past campaigns' closed long ago.
    {
      SQLite::Statement q(sql,
                          "UPDATE instances SET stage = ?3, entered_at = ?4, due_at = ?5, deadline_step = ?6,"
                          " next_deadline_at = ?7 WHERE campaign_id = ?1");
      Bind(q, kCampaign, "", rows.open);
      q.exec();
      for (const char* past : {"past-2019", "past-2020"}) {
        if (closed == 0) break;
        Row r = rows.closed;
        r.entered_at = Secs(At(std::string(past) == "past-2019" ? "2019-12-17T10:00" : "2020-12-17T10:00"));
        r.due_at = Secs(At(std::string(past) == "past-2019" ? "2019-12-20T23:59:59" : "2020-12-20T23:59:59"));
        q.reset();
        Bind(q, past, "", r);
        q.exec();
      }
    }
    SQLite::Statement insert(sql,
                             "INSERT INTO instances(campaign_id, unit_id, stage, version, entered_at, due_at,"
                             " pending_request, deadline_step, next_deadline_at, extended_to)"
                             " VALUES (?1, ?2, ?3, 1, ?4, ?5, NULL, ?6, ?7, NULL)");
    const int every = open / kDue;
    for (int i = 0; i < open; ++i) {
      const bool due = i % every == every / 2 && static_cast<int>(db->due_units.size()) < kDue;
      const std::string unit = UnitId("u", i);
      Bind(insert, kCampaign, unit, due ? rows.due : rows.open);
      insert.exec();
      insert.reset();
      if (due) db->due_units.push_back(unit);
    }
    for (int i = 0; i < closed; ++i) {
      const bool first = i < closed / 2;
      Row r = rows.closed;
      r.entered_at = Secs(At(first ? "2019-12-17T10:00" : "2020-12-17T10:00"));
      r.due_at = Secs(At(first ? "2019-12-20T23:59:59" : "2020-12-20T23:59:59"));
      Bind(insert, first ? "past-2019" : "past-2020", UnitId("c", i), r);
      insert.exec();
      insert.reset();
    }
    tx.commit();
    sql.exec("ANALYZE");
    SQLite::Statement plan(sql,
                           "EXPLAIN QUERY PLAN SELECT unit_id, stage, version, entered_at, due_at, pending_request,"
                           " deadline_step, next_deadline_at, extended_to, campaign_id FROM instances"
                           " WHERE next_deadline_at IS NOT NULL AND next_deadline_at <= ?"
                           " ORDER BY next_deadline_at LIMIT ?");
    while (plan.executeStep()) db->plan += plan.getColumn(3).getString() + "; ";
  } catch (const std::exception& e) {
    return error = std::string("populating: ") + e.what(), nullptr;
  }
  if (static_cast<int>(db->due_units.size()) != kDue) return error = "wrong number of due rows", nullptr;
  return db;
}

// Puts the due rows back at step 0, due at 15 October 09:00.
bool Rearm(Database& db, std::string& error) {
  try {
    SQLite::Database sql(db.path.string(), SQLite::OPEN_READWRITE, 10000);
    SQLite::Transaction tx(sql);
    SQLite::Statement q(sql,
                        "UPDATE instances SET deadline_step = ?3, next_deadline_at = ?4"
                        " WHERE campaign_id = ?1 AND unit_id = ?2");
    for (const auto& unit : db.due_units) {
      q.bind(1, kCampaign);
      q.bind(2, unit);
      q.bind(3, db.due_row.deadline_step);
      q.bind(4, *db.due_row.next_deadline_at);
      if (q.exec() != 1) return error = "re-arm: no row " + unit, false;
      q.reset();
    }
    tx.commit();
  } catch (const std::exception& e) {
    return error = std::string("re-arm: ") + e.what(), false;
  }
  return true;
}

struct Figures {
  int open = 0;
  int closed = 0;
  std::vector<double> ms;
  std::string plan;
  double mean() const { return ms.empty() ? 0 : std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size()); }
  double median() const {
    if (ms.empty()) return 0;
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    return s[s.size() / 2];
  }
};
Figures g_small, g_large;

void BM_Tick(benchmark::State& state) {
  const int open = static_cast<int>(state.range(0));
  const int closed = static_cast<int>(state.range(1));
  Figures& fig = closed > 0 || open > 100000 ? g_large : g_small;
  fig = Figures{open, closed, {}, ""};
  std::string error;
  const auto build_start = std::chrono::steady_clock::now();
  auto db = Populate(open > 100000 ? "large" : "small", open, closed, error);
  if (!db) return Fail(state, error.c_str());
  const std::chrono::duration<double> build = std::chrono::steady_clock::now() - build_start;
  fig.plan = db->plan;
  state.counters["populate_s"] = build.count();

  const Instant now = At("2021-10-15T10:00");
  // Warm-up, untimed: parses and caches the definitions and the calendar.
  {
    auto r = db->app->Tick(duban::app::SystemRequest(now));
    if (!r.ok()) return Fail(state, r.status().str().c_str());
    if (r->value.raised.size() != static_cast<std::size_t>(kDue))
      return Fail(state, ("warm-up tick raised " + std::to_string(r->value.raised.size())).c_str());
    if (!Rearm(*db, error)) return Fail(state, error.c_str());
  }
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto r = db->app->Tick(duban::app::SystemRequest(now));
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (!r.ok()) return Fail(state, r.status().str().c_str());
    if (r->value.raised.size() != static_cast<std::size_t>(kDue))
      return Fail(state, ("a tick raised " + std::to_string(r->value.raised.size())).c_str());
    state.SetIterationTime(elapsed.count());
    fig.ms.push_back(elapsed.count() * 1e3);
    if (!Rearm(*db, error)) return Fail(state, error.c_str());
  }
  state.counters["open"] = open;
  state.counters["closed"] = closed;
  state.counters["due"] = kDue;
}

BENCHMARK(BM_Tick)
    ->Args({10'000, 0})
    ->Args({1'000'000, 250'000})
    ->ArgNames({"open", "closed"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("\nOne App::Tick raising %d reminders (WAL, synchronous=FULL, databases under %s):\n", kDue,
              BenchRoot().string().c_str());
  for (const Figures* f : {&g_small, &g_large})
    std::printf("  %9d open + %7d closed, %d due: mean %8.3f ms  median %8.3f ms  (%zu ticks)\n", f->open,
                f->closed, kDue, f->mean(), f->median(), f->ms.size());
  if (!g_large.plan.empty()) std::printf("  query plan: %s\n", g_large.plan.c_str());
  if (!duban::bench::Failed() && g_small.median() > 0 && g_large.median() > 0)
    std::printf("ratio large/small = %.2f (median), %.2f (mean); aim: under 2\n", g_large.median() / g_small.median(),
                g_large.mean() / g_small.mean());
  return duban::bench::Verdict("duban_bench_tick");
}
