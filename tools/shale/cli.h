#pragma once

// The `shale` command line: `shale <command> [options]`, `shale --help`, `shale --version`,
// `shale <command> --help`. Each subcommand is one CommandSpec (its options and a handler) in
// the table of commands.cc; adding one (server, status, scrub, repair, verify, bench) is one
// function plus one line there.
//
// Options are `--name value` (the value may not start with "--") or `--name=value`; a flag (an
// option without a value name) takes no value. Positional arguments (but a command's one operand),
// unknown or repeated options and missing required ones are usage errors. Exit codes: 0 success, 1
// the command failed (message on stderr), 2 usage error (usage on stderr), 3 the cluster or object
// is not healthy. Thread-safety: parsing is pure; Run() is called once, from main.

#include <functional>
#include <map>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace shale::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
// The cluster (or the object `shale verify` checked) is degraded or unavailable: the command
// worked, the answer is "not healthy".
inline constexpr int kExitDegraded = 3;

struct OptionSpec {
  std::string_view name;        // Without the leading "--".
  std::string_view value_name;  // Shown in usage ("DIR"); empty for a flag.
  std::string_view help;
  bool required = false;
};

// The options given to one command. A value: not synchronized, read by one command at a time.
class Args {
 public:
  bool Has(std::string_view name) const { return values_.count(std::string(name)) != 0; }
  // The value, or `fallback` when the option was not given ("" for a given flag).
  std::string Get(std::string_view name, std::string_view fallback = {}) const;
  void Set(std::string_view name, std::string_view value) {
    values_[std::string(name)] = std::string(value);
  }
  // The positional operand of a command that takes one (CommandSpec::operand).
  const std::string& operand() const { return operand_; }
  void SetOperand(std::string_view value) { operand_ = std::string(value); }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::string operand_;
};

// Where a command writes: `out` for its results, `err` for messages to the operator (log lines
// go through common/log.h, which writes to stderr).
struct Io {
  std::ostream& out;
  std::ostream& err;
  // What Run() returns when the command succeeds: a command answering "not healthy" sets
  // kExitDegraded.
  int exit_code = kExitOk;
};

struct CommandSpec {
  std::string_view name;
  std::string_view summary;  // One line, for `shale --help`.
  std::vector<OptionSpec> options;
  // Non-empty: the command takes exactly one positional argument, shown as this in usage
  // ("s3://BUCKET/KEY"); read it with Args::operand().
  std::string_view operand;
  // Checks combinations the option table cannot express; a failure is a usage error (exit 2)
  // and its message is printed above the usage. May be empty.
  std::function<Status(const Args&)> check;
  // Runs the command; a failure exits 1 with the status message on stderr.
  std::function<Status(const Args&, Io&)> run;
};

// Parses the arguments after the command name. InvalidArgument (naming the culprit) on a usage
// error. `--help` is not an option here: Run() handles it before parsing.
Result<Args> ParseOptions(const CommandSpec& command, std::span<const std::string_view> argv);

// The usage text of one command, and of the whole program.
std::string CommandUsage(const CommandSpec& command);
std::string ProgramUsage(std::span<const CommandSpec> commands);

// Dispatches argv (argv[0] is the program name) to `commands` and returns the exit code.
int Run(std::span<const std::string_view> argv, std::span<const CommandSpec> commands, Io& io);

}  // namespace shale::cli
