#include "runtime/serve.h"

#include <csignal>
#include <ostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "runtime/scheduler.h"
#include "runtime/systemd.h"

namespace duban::runtime {

namespace {

namespace asio = boost::asio;

// Sends due notices every `interval`, and asks the scheduler to look at the
// store's next deadline again (another process may have moved one).
class NoticeLoop {
 public:
  NoticeLoop(asio::io_context& io, Services& services, const ServeOptions& options, Scheduler& scheduler,
             std::chrono::seconds interval)
      : timer_(io), services_(services), options_(options), out_(*options.out), err_(*options.err),
        scheduler_(scheduler), interval_(interval) {}

  void Start() { Run(); }
  void Stop() { timer_.cancel(); }

 private:
  void Run() {
    for (const auto& c : options_.components)
      if (c.settle) c.settle();
    if (auto d = services_.Dispatcher(); !d.ok()) {
      err_ << "duban serve: notices: " << d.status().str() << '\n';
    } else if (auto r = (*d)->RunOnce(services_.env().Now()); !r.ok()) {
      err_ << "duban serve: notices: " << r.status().str() << '\n';
    } else if (r->delivered + r->retried + r->dead > 0) {
      out_ << "notices: delivered " << r->delivered << ", to retry " << r->retried << ", dead " << r->dead
           << ", held " << r->held << std::endl;
    }
    scheduler_.Reschedule();
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      Run();
    });
  }

  asio::steady_timer timer_;
  Services& services_;
  const ServeOptions& options_;
  std::ostream& out_;
  std::ostream& err_;
  Scheduler& scheduler_;
  std::chrono::seconds interval_;
};

}  // namespace

Status Serve(Services& services, const ServeOptions& options) {
  if (services.app() == nullptr) return Status::Internal("no database open");
  app::App& app = *services.app();
  std::ostream& out = *options.out;
  asio::io_context ctx;
  Scheduler scheduler(
      ctx.get_executor(),
      [&app]() -> std::optional<Instant> {
        auto next = app.NextDeadline();
        return next.ok() ? *next : std::nullopt;
      },
      [&app, &out, &services, &options](Instant now) -> Status {
        for (const auto& c : options.components)
          if (c.settle) c.settle();
        auto r = app.Tick(app::SystemRequest(now));
        if (!r.ok()) return r.status();
        for (const auto& e : r->value.raised)
          out << FormatUtc(e.event.at) << "  " << e.event.unit << "  " << model::EventTypeName(e.event.type)
              << std::endl;
        // What the tick raised goes out now, not at the next interval.
        if (!r->value.raised.empty())
          if (auto d = services.Dispatcher(); d.ok()) (void)(*d)->RunOnce(services.env().Now());
        return Status::Ok();
      });
  NoticeLoop notices(ctx, services, options, scheduler, services.config().notify.interval);
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  asio::steady_timer stop_after(ctx);
  auto stop = [&] {
    NotifyStopping();
    for (const auto& c : options.components)
      if (c.stop) c.stop();
    notices.Stop();
    scheduler.Stop();
    signals.cancel();
    stop_after.cancel();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) stop();
  });
  if (options.run_for) {
    stop_after.expires_after(*options.run_for);
    stop_after.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) stop();
    });
  }
  out << "duban serve: database " << services.database() << "; ticking deadlines, sending notices every "
      << services.config().notify.interval.count() << " s" << std::endl;
  for (const auto& c : options.components)
    if (c.start)
      if (Status st = c.start(ctx); !st.ok()) {
        for (const auto& d : options.components)
          if (d.done) d.done();
        return st;
      }
  scheduler.Start();
  notices.Start();
  NotifyReady("ticking deadlines and sending notices for " + services.database());
  ctx.run();
  for (const auto& c : options.components)
    if (c.done) c.done();
  out << "duban serve: stopped" << std::endl;
  return Status::Ok();
}

}  // namespace duban::runtime
