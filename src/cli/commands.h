// Subcommands of the `leitplanke` binary. Each Add*Command registers itself
// on the CLI11 app; its callback stores the process exit code in `exit_code`.
// CLI11 stays out of this header on purpose (compile time).
#pragma once

namespace CLI {
class App;
}

namespace leitplanke::cli {

// Exit codes shared by all subcommands (sysexits-style above 63).
inline constexpr int kExitUsage = 64;     // bad arguments
inline constexpr int kExitDataErr = 65;   // bad input data (file, line, offset in the message)
inline constexpr int kExitNoInput = 66;   // missing input file
inline constexpr int kExitSoftware = 70;  // internal error
inline constexpr int kExitConfig = 78;    // broken policy pack or configuration

void AddCheckCommand(CLI::App& app, int& exit_code);
void AddPolicyCommand(CLI::App& app, int& exit_code);
void AddEvalCommand(CLI::App& app, int& exit_code);
void AddTrainCommand(CLI::App& app, int& exit_code);
void AddDemoCommand(CLI::App& app, int& exit_code);
void AddServeCommand(CLI::App& app, int& exit_code);
// user, audit, vault, backup, restore
void AddOperatorCommands(CLI::App& app, int& exit_code);

}  // namespace leitplanke::cli
