#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <vector>

#include "http/metrics.h"
#include "http/multipart.h"
#include "http/problem.h"
#include "http/routes.h"

namespace duban::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

namespace {

// A connection as the batch and the server see it, over plain TCP or TLS.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  virtual void Start() = 0;
  // Graceful stop: an idle connection closes now; one with a request under
  // way closes after its answer.
  virtual void Stop() = 0;
  // Writes `res`, then reads the next request or closes.
  virtual void Answer(Response res, bool keep_alive, const std::string& method, const std::string& target) = 0;
};

// A multipart/form-data body fed to a FormReader as it arrives, never kept.
struct FormBody {
  using value_type = std::shared_ptr<FormReader>;
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) { ec = {}; }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      std::size_t n = 0;
      for (auto b : beast::buffers_range_ref(buffers)) {
        if (body_) body_->Feed(std::string_view(static_cast<const char*>(b.data()), b.size()));
        n += b.size();
      }
      ec = {};
      return n;
    }
    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

// An answer held until its batch is durable.
struct Held {
  std::shared_ptr<Connection> connection;
  Response response;
  bool keep_alive = false;
  std::string method;
  std::string target;
};

// What every connection shares: the API, the options, whether we stop, the
// open batch.
struct Shared {
  asio::io_context& io;
  Api& api;
  ServerOptions options;
  bool stopping = false;
  std::vector<std::weak_ptr<Connection>> connections;
  bool batch_open = false;
  std::vector<Held> held;  // the open batch's answers, in arrival order

  bool group_commit() const { return options.begin_batch && options.commit_batch; }
  void CloseBatch();
};

// Stream: beast::tcp_stream, or beast::ssl_stream<beast::tcp_stream> (TLS).
template <class Stream>
class Conn : public Connection {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  Conn(Shared& shared, tcp::socket socket, Args&... args) : stream_(std::move(socket), args...), shared_(shared) {
    beast::error_code ec;
    auto ep = Lowest().socket().remote_endpoint(ec);
    remote_ = ec ? std::string("?") : ep.address().to_string();
  }

  void Start() override {
    if constexpr (kTls) {
      state_ = State::kReading;
      Lowest().expires_after(shared_.options.request_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = Self()](beast::error_code ec) {
        if (ec) return self->Close();
        self->Read(true);
      });
    } else {
      Read(true);
    }
  }

  void Stop() override {
    if (state_ == State::kIdle || (state_ == State::kReading && header_ && !header_->got_some())) Close();
  }

 private:
  std::shared_ptr<Conn> Self() { return std::static_pointer_cast<Conn>(shared_from_this()); }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  enum class State { kIdle, kReading, kWriting, kClosed };

  void Read(bool first) {
    if (shared_.stopping) return Close();
    parser_.reset();
    form_parser_.reset();
    header_.emplace();
    header_->body_limit(boost::none);  // the limit is the route's, checked once the header is in
    state_ = first ? State::kReading : State::kIdle;
    Lowest().expires_after(first ? shared_.options.request_timeout : shared_.options.idle_timeout);
    // A kept-alive connection is idle until its next request's first bytes.
    bhttp::async_read_header(stream_, buffer_, *header_,
                             beast::bind_front_handler(&Conn::OnHeader, Self()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    state_ = State::kReading;
    started_ = std::chrono::steady_clock::now();
    Lowest().expires_after(shared_.options.request_timeout);
    const auto& h = header_->get();
    const std::string target(h.target());
    const auto route = MatchRoute(std::string(h.method_string()), std::string_view(target).substr(0, target.find('?'))).route;
    auto boundary = FormBoundary(std::string(h[bhttp::field::content_type]));
    const bool upload = route != nullptr && IsUpload(route->id) && boundary;
    const std::uint64_t limit = upload ? static_cast<std::uint64_t>(shared_.options.max_file) + shared_.options.body_limit
                                       : shared_.options.body_limit;
    if (auto length = header_->content_length(); length && *length > limit)
      return Answer(Problem(413, codes::kPayloadTooLarge, "the body is larger than " + std::to_string(limit) + " bytes"),
                    false, std::string(h.method_string()), target);
    if (upload) {
      // An upload: its body goes to the spool as it comes.
      form_parser_.emplace(std::move(*header_));
      header_.reset();
      const auto& o = shared_.options;
      form_parser_->body_limit(limit);
      FormLimits limits;
      limits.max_file = o.max_file;
      form_parser_->get().body() = std::make_shared<FormReader>(
          *boundary, o.spool_dir.empty() ? std::filesystem::temp_directory_path() / "duban-uploads" : o.spool_dir,
          limits);
      if (form_parser_->is_done()) return OnRead({}, 0);
      return bhttp::async_read(stream_, buffer_, *form_parser_,
                               beast::bind_front_handler(&Conn::OnRead, Self()));
    }
    parser_.emplace(std::move(*header_));
    header_.reset();
    parser_->body_limit(shared_.options.body_limit);
    if (parser_->is_done()) return OnRead({}, 0);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Conn::OnRead, Self()));
  }

  // The request's header, whichever parser holds it.
  const bhttp::request_header<>& Header() const {
    if (form_parser_) return form_parser_->get().base();
    if (parser_) return parser_->get().base();
    return header_->get().base();
  }
  bool GotSome() const {
    return form_parser_ ? form_parser_->got_some() : parser_ ? parser_->got_some() : header_->got_some();
  }
  // An upload's spool goes as soon as its request is answered or failed.
  void DiscardUpload() {
    if (form_parser_ && form_parser_->get().body()) form_parser_->get().body()->form()->Discard();
  }

  void OnReadError(beast::error_code ec) {
    DiscardUpload();
    if (ec == bhttp::error::body_limit) {
      const auto& msg = Header();
      const auto limit = form_parser_ ? static_cast<std::uint64_t>(shared_.options.max_file) + shared_.options.body_limit
                                      : shared_.options.body_limit;
      return Answer(Problem(413, codes::kPayloadTooLarge, "the body is larger than " + std::to_string(limit) + " bytes"),
                    false, std::string(msg.method_string()), std::string(msg.target()));
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof)
      return Close();
    if (state_ == State::kReading && GotSome())
      return Answer(Problem(400, codes::kBadRequest, "malformed HTTP request: " + ec.message()), false, "?", "?");
    Close();
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    const auto& h = Header();
    Request req;
    req.method = std::string(h.method_string());
    req.target = std::string(h.target());
    for (const auto& field : h) req.headers[std::string(field.name_string())] = std::string(field.value());
    bool keep_alive = false;
    if (form_parser_) {
      req.form = form_parser_->get().body()->Finish();
      keep_alive = form_parser_->get().keep_alive();
    } else {
      req.body = std::move(parser_->get().body());
      keep_alive = parser_->get().keep_alive();
    }
    req.remote = remote_;
    req.tls = kTls;
    if (shared_.options.trust_forwarded_for)
      if (auto fwd = req.Header("X-Forwarded-For"); fwd && !fwd->empty()) req.remote = fwd->substr(0, fwd->find(','));
    const auto route = MatchRoute(req.method, std::string_view(req.target).substr(0, req.target.find('?'))).route;
    if (shared_.group_commit() && route != nullptr && IsCommand(route->id)) {
      InBatch(req, keep_alive);
      if (req.form) req.form->Discard();
      return;
    }
    if (shared_.batch_open) shared_.CloseBatch();  // nothing is read that is not durable
    Response res = shared_.api.Handle(req);
    if (req.form) req.form->Discard();
    Answer(std::move(res), keep_alive, req.method, req.target);
  }

 private:
  // A command of the group: applied into the open batch (opened now if
  // none), answered when the batch is durable.
  void InBatch(const Request& req, bool keep_alive) {
    if (!shared_.batch_open) {
      if (Status s = shared_.options.begin_batch(); !s.ok())
        return Answer(ProblemOf(s), keep_alive, req.method, req.target);
      shared_.batch_open = true;
      // Closed once the handlers ready now (other connections' commands) have run.
      asio::post(shared_.io, [&shared = shared_] { shared.CloseBatch(); });
    }
    shared_.held.push_back({Self(), shared_.api.Handle(req), keep_alive, req.method, req.target});
    if (shared_.held.size() >= shared_.options.max_batch) shared_.CloseBatch();
  }

 public:
  // Writes `res`, then reads the next request or closes.
  void Answer(Response res, bool keep_alive, const std::string& method, const std::string& target) override {
    state_ = State::kWriting;
    keep_alive = keep_alive && !shared_.stopping;
    if (!res.file.empty()) {
      // A download: the file is sent as it is read.
      auto out = std::make_shared<bhttp::response<bhttp::file_body>>();
      beast::error_code ec;
      out->body().open(res.file.c_str(), beast::file_mode::scan, ec);
      if (!ec) {
        Head(*out, res, keep_alive);
        out->prepare_payload();
        Log(method, target, res.status, out->body().size());
        return Write(out, keep_alive);
      }
      spdlog::error("http: cannot open {} for {}: {}", res.file.string(), target, ec.message());
      res = Problem(500, codes::kInternal, "the stored file cannot be read");
    }
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    Head(*out, res, keep_alive);
    out->body() = std::move(res.body);
    out->prepare_payload();
    Log(method, target, res.status, out->body().size());
    Write(out, keep_alive);
  }

 private:
  template <class Message>
  static void Head(Message& out, const Response& res, bool keep_alive) {
    out.version(11);
    out.result(static_cast<unsigned>(res.status));
    out.set(bhttp::field::server, "duban");
    for (const auto& [k, v] : res.headers) out.insert(k, v);
    out.keep_alive(keep_alive);
  }

  // The access log line and the metrics of one answer.
  void Log(const std::string& method, const std::string& target, int status, std::uint64_t bytes) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
    auto& log = shared_.options.access_log ? *shared_.options.access_log : *spdlog::default_logger_raw();
    log.info("{} {} {} {} {}B {:.1f}ms", remote_, method, target, status, bytes,
             static_cast<double>(us.count()) / 1000.0);
    if (shared_.options.metrics) {
      const auto route = MatchRoute(method, std::string_view(target).substr(0, target.find('?'))).route;
      shared_.options.metrics->Observe(route ? route->pattern : std::string_view{}, method, status, us,
                                       route != nullptr && IsCommand(route->id));
    }
  }

  template <class Message>
  void Write(std::shared_ptr<Message> out, bool keep_alive) {
    Lowest().expires_after(shared_.options.request_timeout);
    bhttp::async_write(stream_, *out,
                       [self = Self(), out, keep_alive](beast::error_code ec, std::size_t) {
                         if (ec || !keep_alive) return self->Close();
                         self->Read(false);
                       });
  }

 private:
  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    if constexpr (kTls) {
      // close_notify, then the socket (at most a few seconds).
      Lowest().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = Self()](beast::error_code) { self->CloseSocket(); });
    } else {
      CloseSocket();
    }
  }
  void CloseSocket() {
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    Lowest().close();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request_parser<FormBody>> form_parser_;
  Shared& shared_;
  std::string remote_;
  State state_ = State::kIdle;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

void Shared::CloseBatch() {
  if (!batch_open) return;
  batch_open = false;
  const Status s = options.commit_batch();
  if (!s.ok()) spdlog::error("http: group commit of {} commands failed: {}", held.size(), s.str());
  std::vector<Held> answers = std::move(held);
  held.clear();
  for (auto& h : answers) {
    // A command answered 2xx is lost with its batch; a refusal stands.
    if (!s.ok() && h.response.status < 300) h.response = Problem(503, codes::kUnavailable, "not recorded: " + s.message());
    h.connection->Answer(std::move(h.response), h.keep_alive, h.method, h.target);
  }
}

}  // namespace

struct Server::Impl {
  Impl(asio::io_context& context, Api& api, ServerOptions options)
      : io(context), acceptor(context), shared{context, api, std::move(options), false, {}, false, {}} {}

  void Accept() {
    acceptor.async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || shared.stopping) return;
      if (!ec) {
        std::shared_ptr<Connection> c;
        if (tls) c = std::make_shared<Conn<beast::ssl_stream<beast::tcp_stream>>>(shared, std::move(socket), *tls);
        else c = std::make_shared<Conn<beast::tcp_stream>>(shared, std::move(socket));
        std::erase_if(shared.connections, [](const auto& w) { return w.expired(); });
        shared.connections.push_back(c);
        c->Start();
      } else {
        spdlog::warn("http: accept: {}", ec.message());
      }
      Accept();
    });
  }

  asio::io_context& io;
  tcp::acceptor acceptor;
  Shared shared;
  std::optional<ssl::context> tls;  // set when the options name a certificate
};

Server::Server(asio::io_context& io, Api& api, ServerOptions options)
    : impl_(std::make_unique<Impl>(io, api, std::move(options))) {}

Server::~Server() = default;

Status Server::Start() {
  beast::error_code ec;
  const auto& o = impl_->shared.options;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (o.tls_cert.empty() || o.tls_key.empty())
      return Status::InvalidInput("TLS needs both a certificate (tls_cert) and its key (tls_key)");
    auto& ctx = impl_->tls.emplace(ssl::context::tls_server);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    ctx.use_certificate_chain_file(o.tls_cert.string(), ec);
    if (ec) return Status::InvalidInput("cannot read the TLS certificate " + o.tls_cert.string() + ": " + ec.message());
    ctx.use_private_key_file(o.tls_key.string(), ssl::context::pem, ec);
    if (ec) return Status::InvalidInput("cannot read the TLS key " + o.tls_key.string() + ": " + ec.message());
  }
  const auto address = asio::ip::make_address(impl_->shared.options.address, ec);
  if (ec) return Status::InvalidInput("cannot listen on '" + impl_->shared.options.address + "': " + ec.message());
  const tcp::endpoint ep(address, impl_->shared.options.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::Io("cannot listen on " + impl_->shared.options.address + ":" +
                      std::to_string(impl_->shared.options.port) + ": " + ec.message());
  impl_->Accept();
  return Status::Ok();
}

void Server::Stop() {
  impl_->shared.stopping = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  for (auto& w : impl_->shared.connections)
    if (auto c = w.lock()) c->Stop();
}

void Server::Settle() { impl_->shared.CloseBatch(); }

bool Server::tls() const { return impl_->tls.has_value(); }

std::uint16_t Server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace duban::http
