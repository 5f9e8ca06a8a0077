#include "notify/dispatcher.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

namespace duban::notify {

using std::chrono::days;
using std::chrono::seconds;

seconds RetryPolicy::Delay(int failures, double u) const {
  const double exponent = std::min(std::max(failures, 1) - 1, 62);
  const double nominal = std::min(static_cast<double>(cap.count()),
                                  static_cast<double>(base.count()) * std::exp2(exponent));
  const double shortened = nominal * (1.0 - std::clamp(jitter, 0.0, 1.0) * std::clamp(u, 0.0, 1.0));
  return seconds(std::max<seconds::rep>(1, static_cast<seconds::rep>(shortened)));
}

namespace {

bool MondayToFriday(Date d) {
  const std::chrono::weekday wd{std::chrono::sys_days(d)};
  return wd != std::chrono::Saturday && wd != std::chrono::Sunday;
}

}  // namespace

bool WorkingHours::IsOpen(Instant t) const {
  if (!enabled) return true;
  const std::chrono::local_seconds local = tz.to_local(t);
  const auto day = std::chrono::floor<days>(local);
  const Date date{std::chrono::sys_days(day.time_since_epoch())};
  const auto time_of_day = local - day;
  const bool working = is_working_day ? is_working_day(date) : MondayToFriday(date);
  return working && time_of_day >= start && time_of_day < end;
}

std::optional<Instant> WorkingHours::NextOpen(Instant t) const {
  if (IsOpen(t)) return t;
  const auto today = std::chrono::floor<days>(tz.to_local(t));
  for (int i = 0; i <= 366; ++i) {
    const auto day = today + days(i);
    const Date date{std::chrono::sys_days(day.time_since_epoch())};
    if (!(is_working_day ? is_working_day(date) : MondayToFriday(date))) continue;
    const Instant opening = tz.to_instant(day + start);
    if (opening >= t) return opening;  // today's opening may lie behind us
  }
  return std::nullopt;
}

nlohmann::json AttemptJson(const store::Delivery& d, bool urgent, Instant now) {
  nlohmann::json j = model::ToJson(d.notice);
  j["urgent"] = urgent;
  j["delivery"] = {{"plugin", d.plugin}, {"attempt", d.attempts + 1}, {"at", FormatUtc(now)}};
  return j;
}

Dispatcher::Dispatcher(store::Outbox& outbox, Deliverer& plugins, DispatcherOptions options,
                       std::shared_ptr<spdlog::logger> log)
    : outbox_(outbox),
      plugins_(plugins),
      options_(std::move(options)),
      log_(std::move(log)),
      rng_(options_.seed              ? *options_.seed
           : options_.env != nullptr ? options_.env->Random()
                                     : 0),
      owner_(options_.owner) {
  if (owner_.empty()) {
    // Drawn from a copy, so that the jitter's sequence stays the seed's;
    // with the object's address, so that two dispatchers of one seed differ.
    std::mt19937_64 copy = rng_;
    owner_ = "dispatcher-" + std::to_string(copy() ^ reinterpret_cast<std::uintptr_t>(this));
  }
}

bool Dispatcher::IsUrgent(const model::Notice& notice) const {
  return notice.urgent || std::find(options_.urgent_types.begin(), options_.urgent_types.end(),
                                    notice.event.type) != options_.urgent_types.end();
}

store::DeliveryResult Dispatcher::Decide(const store::Delivery& d, const DeliveryOutcome& outcome, Instant now) {
  store::DeliveryResult r = store::DeliveryResult::AttemptOf(d, now);
  r.elapsed = outcome.elapsed;
  switch (outcome.kind) {
    case DeliveryOutcome::Kind::kDelivered:
      r.state = store::DeliveryState::kDelivered;
      break;
    case DeliveryOutcome::Kind::kPermanent:
      r.state = store::DeliveryState::kDead;
      r.error = outcome.error;
      break;
    case DeliveryOutcome::Kind::kRetry:
      r.error = outcome.error;
      if (r.attempts >= options_.retry.max_attempts) {
        r.state = store::DeliveryState::kDead;
        r.error += " (gave up after " + std::to_string(r.attempts) + " attempts)";
      } else {
        r.state = store::DeliveryState::kPending;
        const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
        r.next_attempt_at = now + options_.retry.Delay(r.attempts, u);
      }
      break;
  }
  r.event = DeliveryEndedEvent(d.notice, r);
  return r;
}

std::optional<model::Event> DeliveryEndedEvent(const model::Notice& notice, const store::DeliveryResult& r) {
  if (r.state != store::DeliveryState::kDelivered && r.state != store::DeliveryState::kDead) return std::nullopt;
  nlohmann::json payload = {{"notice", r.notice_id}, {"plugin", r.plugin}, {"attempts", r.attempts}};
  payload["event"] = notice.event.type;
  payload["recipients"] = nlohmann::json::array();
  for (const model::Recipient& rec : notice.recipients)
    payload["recipients"].push_back({{"person", rec.person}, {"email", rec.email}});
  if (!r.error.empty()) payload["error"] = r.error;
  return model::Event{r.state == store::DeliveryState::kDelivered ? model::EventType::kNoticeSent : model::EventType::kNoticeFailed,
                      notice.event.unit, "system", r.attempted_at, std::move(payload)};
}

Result<PassReport> Dispatcher::RunOnce(Instant now) {
  PassReport report;
  std::vector<std::string> active;
  const std::vector<std::string> plugins = plugins_.Plugins();
  for (const std::string& plugin : plugins) {
    Status planned = outbox_.Plan(
        plugin, [&](model::EventType type) { return plugins_.Wants(plugin, type); });
    if (planned.ok()) {
      active.push_back(plugin);
    } else {
      if (log_) log_->error("notices for plugin {} not planned: {}", plugin, planned.str());
      report.problems.push_back(std::move(planned));
    }
  }

  const bool open = options_.hours.IsOpen(now);
  const auto lease = std::max(options_.lease, seconds(1));
  bool attempted = false;
  std::set<std::pair<std::string, std::string>> held;  // (plugin, notice id)
  const auto started = std::chrono::steady_clock::now();
  auto last_beat = started;
  // The heartbeat: while jobs run, every claim of this dispatcher is moved to
  // `lease` past now + the wall time elapsed since the pass began.
  auto beat = [&] {
    const auto at = std::chrono::steady_clock::now();
    if (at - last_beat < lease / 3) return;
    last_beat = at;
    const Instant until = now + std::chrono::duration_cast<seconds>(at - started) + lease;
    if (auto n = outbox_.Extend(owner_, until); !n.ok() && log_)
      log_->warn("claims of {} not extended: {}", owner_, n.status().str());
  };
  for (int round = 0; round < options_.max_rounds && !active.empty(); ++round) {
    std::vector<store::Delivery> heads;
    std::vector<DeliveryJob> jobs;
    for (auto it = active.begin(); it != active.end();) {
      Result<std::vector<store::Delivery>> claimed = outbox_.Claim(
          *it, owner_, now, lease, std::max<std::size_t>(options_.batch, 1), [&](const store::Delivery& d) {
            if (open || IsUrgent(d.notice)) return true;
            held.emplace(d.plugin, d.notice.id);
            return false;
          });
      if (!claimed.ok()) {
        if (log_) log_->error("due notices for plugin {} not claimed: {}", *it, claimed.status().str());
        report.problems.push_back(std::move(claimed).status());
        it = active.erase(it);
        continue;
      }
      for (store::Delivery& d : *claimed) {
        jobs.push_back({d.plugin, AttemptJson(d, IsUrgent(d.notice), now).dump()});
        heads.push_back(std::move(d));
      }
      ++it;
    }
    if (jobs.empty()) break;

    attempted = true;
    // Each outcome is recorded as soon as it can be, so that a crash
    // repeats only the deliveries in flight, not the whole round.
    std::vector<bool> recorded_any(heads.size(), false);
    auto record = [&](std::size_t i, const DeliveryOutcome& outcome) {
      if (i >= heads.size() || recorded_any[i]) return;
      recorded_any[i] = true;
      store::DeliveryResult r = Decide(heads[i], outcome, now);
      Status recorded = outbox_.Record(r);
      if (!recorded.ok()) {
        // Not recorded, so still pending and claimed: once the claim runs
        // out a later pass delivers it again (at least once). This pass
        // leaves the plugin alone, so that a store that cannot record does
        // not make it deliver in a loop.
        if (log_) log_->error("notice {} via {}: outcome not recorded: {}", r.notice_id, r.plugin, recorded.str());
        report.problems.push_back(std::move(recorded));
        active.erase(std::remove(active.begin(), active.end(), r.plugin), active.end());
        return;
      }
      switch (r.state) {
        case store::DeliveryState::kDelivered:
          ++report.delivered;
          if (log_) log_->info("notice {} delivered via {}", r.notice_id, r.plugin);
          break;
        case store::DeliveryState::kDead:
          ++report.dead;
          if (log_) log_->error("notice {} via {} is a dead letter: {}", r.notice_id, r.plugin, r.error);
          break;
        default:
          ++report.retried;
          if (log_)
            log_->warn("notice {} via {} failed (attempt {}), retry at {}: {}", r.notice_id, r.plugin,
                       r.attempts, FormatUtc(*r.next_attempt_at), r.error);
          break;
      }
      report.results.push_back(std::move(r));
    };
    // Outcomes are recorded in job order (so the chain's notice.sent events
    // come in the same order on every run): each as soon as it and every
    // one before it are there.
    std::vector<std::optional<DeliveryOutcome>> arrived(heads.size());
    std::size_t next = 0;
    auto done = [&](std::size_t i, const DeliveryOutcome& outcome) {
      if (i >= arrived.size() || arrived[i]) return;
      arrived[i] = outcome;
      for (; next < arrived.size() && arrived[next]; ++next) record(next, *arrived[next]);
    };
    plugins_.DeliverEach(jobs, options_.parallel, DeliveryProgress{done, beat});
    for (std::size_t i = 0; i < heads.size(); ++i)
      if (!recorded_any[i]) record(i, arrived[i] ? *arrived[i] : DeliveryOutcome{DeliveryOutcome::Kind::kRetry, "no outcome", {}});
  }

  report.held = static_cast<int>(held.size());
  if (report.held > 0) report.next_open = options_.hours.NextOpen(now);
  if (!attempted && active.empty() && !report.problems.empty()) return report.problems.front();
  return report;
}

}  // namespace duban::notify
