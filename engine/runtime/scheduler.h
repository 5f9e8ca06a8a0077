// The daemon's deadline scheduler: an Asio timer that sleeps until the next
// deadline step falls due anywhere (the store answers that from its due-time
// index), ticks, and sleeps again. It never polls the instances; a command
// that moves a deadline nudges it with Reschedule().
//
// Time comes from a std::chrono-style clock: the system clock in the daemon,
// SimulatedClock when replaying or testing, so a year of deadlines runs in
// seconds without waiting for any of them. (On the system clock Asio re-reads
// the time at least every 5 minutes, so a corrected wall clock is noticed.)
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/wait_traits.hpp>

#include "core/status.h"
#include "core/time.h"

namespace duban::runtime {

// A clock that stands still until Set or Advance moves it. Process-wide (Asio
// reads clocks through a static now()); its epoch is the Unix epoch, like
// the system clock's.
class SimulatedClock {
 public:
  using rep = std::int64_t;
  using period = std::milli;
  using duration = std::chrono::milliseconds;
  using time_point = std::chrono::time_point<SimulatedClock, duration>;
  static constexpr bool is_steady = false;

  static time_point now() noexcept { return time_point(duration(now_ms_.load())); }
  static void Set(Instant t) {
    now_ms_.store(std::chrono::duration_cast<duration>(t.time_since_epoch()).count());
  }
  static void Advance(duration d) { now_ms_.fetch_add(d.count()); }

 private:
  static std::atomic<rep> now_ms_;
};

// How Asio waits for a SimulatedClock: in slices of at most 1 ms of real
// time, reading the simulated time again after each, so a timer fires within
// a millisecond of the clock being moved past it.
struct SimulatedWaitTraits {
  static SimulatedClock::duration to_wait_duration(const SimulatedClock::duration& d) {
    return std::clamp(d, SimulatedClock::duration::zero(), SimulatedClock::duration(1));
  }
  static SimulatedClock::duration to_wait_duration(const SimulatedClock::time_point& t) {
    return to_wait_duration(t - SimulatedClock::now());
  }
};

// Sleeps until next_due(), calls tick(now), and re-arms, on a strand of the
// executor it is given. `Clock` is a std::chrono clock whose epoch is the Unix
// epoch (std::chrono::system_clock, SimulatedClock).
//
// Contract with the callbacks, both called on the scheduler's strand:
//   next_due()  the earliest instant anything may fall due (the store's
//               next_deadline_at index), or nullopt: sleep until Reschedule.
//   tick(now)   evaluates everything due at `now`. On success the scheduler
//               asks next_due() again and, when that is still not after
//               `now` (a tick that works in batches), ticks again at once;
//               so a successful tick must make progress. On failure it
//               retries after Options::retry_after. Must not throw.
template <typename Clock, typename WaitTraits = boost::asio::wait_traits<Clock>>
class BasicScheduler {
 public:
  using NextDue = std::function<std::optional<Instant>()>;
  using Tick = std::function<Status(Instant now)>;
  struct Options {
    std::chrono::seconds retry_after{60};  // after a failed tick
  };

  BasicScheduler(boost::asio::any_io_executor executor, NextDue next_due, Tick tick,
                 Options options)
      : strand_(boost::asio::make_strand(std::move(executor))),
        timer_(strand_),
        next_due_(std::move(next_due)),
        tick_(std::move(tick)),
        options_(options) {}
  BasicScheduler(boost::asio::any_io_executor executor, NextDue next_due, Tick tick)
      : BasicScheduler(std::move(executor), std::move(next_due), std::move(tick), Options{}) {}

  BasicScheduler(const BasicScheduler&) = delete;
  BasicScheduler& operator=(const BasicScheduler&) = delete;

  // REQUIRES: the io_context outlives the scheduler, and no handler of the
  // scheduler is running (destroy it on the context's thread, or once the
  // context has stopped). A wait still pending is cancelled and its handler
  // does nothing.
  ~BasicScheduler() {
    alive_.reset();
    timer_.cancel();
  }

  // Starts sleeping until next_due(). Thread-safe.
  void Start() { Reschedule(); }

  // Asks next_due() again and re-arms the timer: call it after a command
  // changed a deadline. Thread-safe; returns at once (the work runs on the
  // strand).
  void Reschedule() {
    boost::asio::post(strand_, Guarded([this] {
      stopped_ = false;
      Arm(next_due_());
    }));
  }

  // Cancels the timer; nothing is ticked until the next Start or Reschedule.
  // Thread-safe.
  void Stop() {
    boost::asio::post(strand_, Guarded([this] {
      stopped_ = true;
      ++generation_;
      timer_.cancel();
    }));
  }

  // Clock::now() as an Instant (whole seconds).
  static Instant Now() {
    return Instant(std::chrono::floor<std::chrono::seconds>(Clock::now().time_since_epoch()));
  }

 private:
  // Wraps `f` so that it does nothing once the scheduler is destroyed.
  template <typename F>
  auto Guarded(F f) {
    return [life = std::weak_ptr<int>(alive_), f = std::move(f)](auto&&... args) mutable {
      if (!life.expired()) f(std::forward<decltype(args)>(args)...);
    };
  }

  void Arm(std::optional<Instant> wake) {
    ++generation_;
    if (!wake || stopped_) {
      timer_.cancel();
      return;
    }
    timer_.expires_at(typename Clock::time_point(
        std::chrono::duration_cast<typename Clock::duration>(wake->time_since_epoch())));
    timer_.async_wait(Guarded([this, generation = generation_](boost::system::error_code ec) {
      // A cancelled wait, or one overtaken by a later Arm, is stale.
      if (ec || generation != generation_ || stopped_) return;
      Fire();
    }));
  }

  void Fire() {
    const Instant now = Now();
    const Status status = tick_(now);
    if (!status.ok()) {
      Arm(now + options_.retry_after);
      return;
    }
    Arm(next_due_());
  }

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::basic_waitable_timer<Clock, WaitTraits, boost::asio::any_io_executor> timer_;
  NextDue next_due_;
  Tick tick_;
  Options options_;
  std::uint64_t generation_ = 0;  // bumped by every Arm and Stop; stale waits see another
  bool stopped_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// The daemon's scheduler, on the system clock.
using Scheduler = BasicScheduler<std::chrono::system_clock>;
// Replays and tests: ticks as fast as SimulatedClock is moved.
using SimulatedScheduler = BasicScheduler<SimulatedClock, SimulatedWaitTraits>;

extern template class BasicScheduler<std::chrono::system_clock>;
extern template class BasicScheduler<SimulatedClock, SimulatedWaitTraits>;

}  // namespace duban::runtime
