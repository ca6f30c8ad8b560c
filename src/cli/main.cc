// The `leitplanke` binary: a thin composition root over the modules.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Leitplanke: checks every outgoing word against the company's social media guideline"};
  app.require_subcommand(1);
  int exit_code = 0;
  leitplanke::cli::AddCheckCommand(app, exit_code);
  leitplanke::cli::AddPolicyCommand(app, exit_code);
  leitplanke::cli::AddEvalCommand(app, exit_code);
  leitplanke::cli::AddTrainCommand(app, exit_code);
  leitplanke::cli::AddDemoCommand(app, exit_code);
  leitplanke::cli::AddServeCommand(app, exit_code);
  leitplanke::cli::AddOperatorCommands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : leitplanke::cli::kExitUsage;
  }
  return exit_code;
}
