// Placeholder until `leitplanke train` lands in this file.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace leitplanke::cli {
void AddTrainCommand(CLI::App& app, int& exit_code) {
  app.add_subcommand("train", "Train a model (not available yet)")->callback([&exit_code] {
    exit_code = kExitSoftware;
  });
}
}  // namespace leitplanke::cli
