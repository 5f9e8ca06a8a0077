// duban's entry point: hands the command line to the CLI.
#include <clocale>
#include <iostream>

#include "cli.h"

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "C.UTF-8");
  std::vector<std::string> args(argv + 1, argv + argc);
  duban::cli::Session session;
  try {
    return duban::cli::Run(args, duban::cli::Io{std::cout, std::cerr}, session);
  } catch (const std::exception& e) {
    std::cerr << "duban: internal error: " << e.what() << '\n';
    return 1;
  }
}
