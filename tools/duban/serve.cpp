#include "serve.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <ostream>

#include "deadline/scheduler.h"

namespace duban::cli {

namespace {

namespace asio = boost::asio;

// Sends due notices every `interval`, and asks the scheduler to look at the
// store's next deadline again (another process may have moved one).
class NoticeLoop {
 public:
  NoticeLoop(asio::io_context& io, Session& session, Io out, deadline::Scheduler& scheduler,
             std::chrono::seconds interval)
      : timer_(io), session_(session), out_(out), scheduler_(scheduler), interval_(interval) {}

  void Start() { Run(); }
  void Stop() { timer_.cancel(); }

 private:
  void Run() {
    if (auto d = session_.Dispatcher(); !d.ok()) {
      out_.err << "duban serve: notices: " << d.status().str() << '\n';
    } else if (auto r = (*d)->RunOnce(SystemClock::now()); !r.ok()) {
      out_.err << "duban serve: notices: " << r.status().str() << '\n';
    } else if (r->delivered + r->retried + r->dead > 0) {
      out_.out << "notices: delivered " << r->delivered << ", to retry " << r->retried << ", dead " << r->dead
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
  Session& session_;
  Io out_;
  deadline::Scheduler& scheduler_;
  std::chrono::seconds interval_;
};

}  // namespace

int RunServe(Session& session, Io io, std::optional<int> seconds) {
  auto opened = session.Open(session.db_path());
  if (!opened.ok()) {
    io.err << "duban: " << opened.status().str() << '\n';
    return opened.status().exit_code();
  }
  app::App& app = **opened;
  asio::io_context ctx;
  deadline::Scheduler scheduler(
      ctx.get_executor(),
      [&app]() -> std::optional<Instant> {
        auto next = app.NextDeadline();
        return next.ok() ? *next : std::nullopt;
      },
      [&app, &io, &session](Instant now) -> Status {
        auto r = app.Tick(app::SystemRequest(now));
        if (!r.ok()) return r.status();
        for (const auto& e : r->result["raised"])
          io.out << e["at"].get<std::string>() << "  " << e["unit"].get<std::string>() << "  "
                 << e["type"].get<std::string>() << std::endl;
        // What the tick raised goes out now, not at the next interval.
        if (!r->result["raised"].empty())
          if (auto d = session.Dispatcher(); d.ok()) (void)(*d)->RunOnce(SystemClock::now());
        return Status::Ok();
      });
  NoticeLoop notices(ctx, session, io, scheduler, session.config().notify.interval);
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  asio::steady_timer stop_after(ctx);
  auto stop = [&] {
    notices.Stop();
    scheduler.Stop();
    signals.cancel();
    stop_after.cancel();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) stop();
  });
  if (seconds) {
    stop_after.expires_after(std::chrono::seconds(*seconds));
    stop_after.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) stop();
    });
  }
  io.out << "duban serve: database " << session.db_path() << "; ticking deadlines, sending notices every "
         << session.config().notify.interval.count() << " s" << std::endl;
  scheduler.Start();
  notices.Start();
  ctx.run();
  io.out << "duban serve: stopped" << std::endl;
  return 0;
}

}  // namespace duban::cli
