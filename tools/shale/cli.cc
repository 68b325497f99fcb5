#include "tools/shale/cli.h"

#include <algorithm>
#include <optional>

namespace shale::cli {
namespace {

constexpr std::string_view kProgram = "shale";

const OptionSpec* FindOption(const CommandSpec& command, std::string_view name) {
  for (const auto& o : command.options) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

const CommandSpec* FindCommand(std::span<const CommandSpec> commands, std::string_view name) {
  for (const auto& c : commands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool IsHelp(std::string_view arg) { return arg == "--help" || arg == "-h"; }

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string Args::Get(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string(fallback) : it->second;
}

Result<Args> ParseOptions(const CommandSpec& command, std::span<const std::string_view> argv) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view arg = argv[i];
    if (!command.operand.empty() && args.operand().empty() && !arg.empty() &&
        arg.substr(0, 2) != "--") {
      args.SetOperand(arg);
      continue;
    }
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return Status::InvalidArgument("unexpected argument '" + std::string(arg) + "'");
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> inline_value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = FindOption(command, name);
    if (spec == nullptr) {
      return Status::InvalidArgument("unknown option '--" + std::string(name) + "'");
    }
    if (args.Has(name)) {
      return Status::InvalidArgument("option '--" + std::string(name) + "' given twice");
    }
    if (spec->value_name.empty()) {
      if (inline_value) {
        return Status::InvalidArgument("option '--" + std::string(name) + "' takes no value");
      }
      args.Set(name, "");
      continue;
    }
    if (!inline_value) {
      // `--data --node-id x` is a forgotten value, not a directory named "--node-id"; such a
      // value can still be given as `--data=--node-id`.
      if (i + 1 == argv.size() || argv[i + 1].substr(0, 2) == "--") {
        return Status::InvalidArgument("option '--" + std::string(name) + "' needs a value (" +
                                       std::string(spec->value_name) + ")");
      }
      inline_value = argv[++i];
    }
    if (inline_value->empty()) {
      return Status::InvalidArgument("option '--" + std::string(name) + "' has an empty value");
    }
    args.Set(name, *inline_value);
  }
  if (!command.operand.empty() && args.operand().empty()) {
    return Status::InvalidArgument("missing " + std::string(command.operand));
  }
  for (const auto& o : command.options) {
    if (o.required && !args.Has(o.name)) {
      return Status::InvalidArgument("missing required option '--" + std::string(o.name) + "'");
    }
  }
  return args;
}

std::string CommandUsage(const CommandSpec& command) {
  std::string synopsis = "usage: " + std::string(kProgram) + " " + std::string(command.name);
  if (!command.operand.empty()) synopsis.append(" ").append(command.operand);
  std::vector<std::string> lefts;
  size_t width = 0;
  for (const auto& o : command.options) {
    // Built by appends: GCC 12 misreports "literal" + std::string (-Wrestrict).
    std::string left = "--";
    left.append(o.name);
    if (!o.value_name.empty()) left.append(" ").append(o.value_name);
    synopsis.append(o.required ? " " : " [").append(left).append(o.required ? "" : "]");
    width = std::max(width, left.size());
    lefts.push_back(std::move(left));
  }
  std::string text = synopsis + "\n\n" + std::string(command.summary) + "\n";
  if (!command.options.empty()) text += "\noptions:\n";
  for (size_t i = 0; i < lefts.size(); ++i) {
    text += "  " + Pad(lefts[i], width) + "  " + std::string(command.options[i].help) + "\n";
  }
  text += "  " + Pad("--help", width) + "  show this help\n";
  return text;
}

std::string ProgramUsage(std::span<const CommandSpec> commands) {
  std::string text = "usage: " + std::string(kProgram) + " <command> [options]\n" + "       " +
                     std::string(kProgram) + " <command> --help\n" + "       " +
                     std::string(kProgram) + " --version\n\ncommands:\n";
  size_t width = 0;
  for (const auto& c : commands) width = std::max(width, c.name.size());
  for (const auto& c : commands) {
    text += "  " + Pad(std::string(c.name), width) + "  " + std::string(c.summary) + "\n";
  }
  return text;
}

int Run(std::span<const std::string_view> argv, std::span<const CommandSpec> commands, Io& io) {
  if (argv.size() < 2) {
    io.err << ProgramUsage(commands);
    return kExitUsage;
  }
  std::string_view first = argv[1];
  if (IsHelp(first)) {
    io.out << ProgramUsage(commands);
    return kExitOk;
  }
  if (first == "--version") {
    io.out << kProgram << " " << SHALE_VERSION << "\n";
    return kExitOk;
  }
  const CommandSpec* command = FindCommand(commands, first);
  if (command == nullptr) {
    io.err << kProgram << ": unknown command '" << first << "'\n\n" << ProgramUsage(commands);
    return kExitUsage;
  }
  std::span<const std::string_view> rest = argv.subspan(2);
  if (std::any_of(rest.begin(), rest.end(), IsHelp)) {
    io.out << CommandUsage(*command);
    return kExitOk;
  }
  auto usage_error = [&](const Status& s) {
    io.err << kProgram << " " << command->name << ": " << s.message() << "\n\n"
           << CommandUsage(*command);
    return kExitUsage;
  };
  Result<Args> args = ParseOptions(*command, rest);
  if (!args.ok()) return usage_error(args.status());
  if (command->check) {
    if (Status s = command->check(*args); !s.ok()) return usage_error(s);
  }
  if (Status s = command->run(*args, io); !s.ok()) {
    io.err << kProgram << " " << command->name << ": " << s.message() << "\n";
    return kExitError;
  }
  return io.exit_code;
}

}  // namespace shale::cli
