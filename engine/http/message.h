// An HTTP request and response as the API sees them: plain values, no Beast
// (the server converts at the socket, server.cpp), so that the routes compile
// quickly and are tested without a socket. Safe to copy between threads.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace duban::http {

struct Form;  // multipart.h

// Header names compare without regard to case.
struct Caseless {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // "/api/v1/campaigns?x=1", as sent
  std::map<std::string, std::string, Caseless> headers;
  std::string body;
  std::string remote;  // the client's address
  bool tls = false;    // came over TLS (cookies get Secure)
  // A multipart/form-data body of an upload route, read by the server as it
  // arrived (multipart.h); `body` is then empty. Its spool is removed when
  // the last copy of the request goes.
  std::shared_ptr<Form> form;

  // The header's value, or nullopt.
  std::optional<std::string> Header(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is this file's content, sent by the server from disk
  // as it is read (a download); `body` is then empty.
  std::filesystem::path file;

  void Set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
  // The first header `name`, or empty.
  std::string Get(std::string_view name) const;
};

}  // namespace duban::http
