// duban's entry point: hands the command line to the CLI.
#include <clocale>
#include <iostream>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli.h"

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "C.UTF-8");
  // Logs go to stderr, warnings and up unless SPDLOG_LEVEL says otherwise.
  spdlog::set_default_logger(spdlog::stderr_color_mt("duban"));
  spdlog::set_level(spdlog::level::warn);
  spdlog::set_pattern("duban: %l: %v");
  spdlog::cfg::load_env_levels();
  std::vector<std::string> args(argv + 1, argv + argc);
  duban::cli::Session session;
  try {
    return duban::cli::Run(args, duban::cli::Io{std::cout, std::cerr}, session);
  } catch (const std::exception& e) {
    std::cerr << "duban: internal error: " << e.what() << '\n';
    return 1;
  }
}
