// mt5bridge-broker-conformance: runs the broker conformance suite against a broker plugin
// through the C ABI only. README.md says what it checks and how to run it.
#include "broker_checks.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

namespace {

using namespace mt5b::conformance::broker;

constexpr const char* kUsage =
    "usage: mt5bridge-broker-conformance --plugin <library.so> --config '<json>' "
    "--scenario <scenario.json>\n"
    "         [--name <plugin>] [--skip check[,check...]] [--threads N] [--rounds N]\n"
    "         [--login-timeout-ms MS] [--list]\n"
    "  --config  the instance config as a JSON object, or @file to read it from a file\n"
    "  --skip    checks to leave out (optional features); --list prints every check\n";

struct Arguments {
  std::string plugin, name, config = "{}", scenario;
  std::set<std::string> skip;
  SuiteOptions options;
  bool list = false;
};

[[noreturn]] void usage_error(const std::string& why) {
  std::cerr << "mt5bridge-broker-conformance: " << why << "\n" << kUsage;
  std::exit(2);
}

int number(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    int v = std::stoi(text, &used);
    if (used == text.size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  usage_error(flag + " takes a whole number, not '" + text + "'");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("cannot read '" + path + "'");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--list") {
      a.list = true;
      continue;
    }
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) usage_error(flag + " needs a value");
    std::string value = argv[++i];
    if (flag == "--plugin") {
      a.plugin = value;
    } else if (flag == "--name") {
      a.name = value;
    } else if (flag == "--config") {
      a.config = !value.empty() && value[0] == '@' ? read_file(value.substr(1)) : value;
    } else if (flag == "--scenario") {
      a.scenario = value;
    } else if (flag == "--skip") {
      std::stringstream list(value);
      for (std::string check; std::getline(list, check, ',');) {
        const auto& names = check_names();
        if (std::find(names.begin(), names.end(), check) == names.end())
          usage_error("--skip: unknown check '" + check + "'; --list prints them");
        a.skip.insert(check);
      }
    } else if (flag == "--threads") {
      a.options.threads = std::max(1, number(flag, value));
    } else if (flag == "--rounds") {
      a.options.rounds = std::max(1, number(flag, value));
    } else if (flag == "--login-timeout-ms") {
      a.options.login_timeout_ms = static_cast<uint32_t>(number(flag, value));
    } else {
      usage_error("unknown option " + flag);
    }
  }
  if (!a.list && (a.plugin.empty() || a.scenario.empty()))
    usage_error("--plugin and --scenario are required");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse(argc, argv);
  if (args.list) {
    for (const auto& name : check_names()) std::cout << name << "\n";
    return 0;
  }
  try {
    auto scenario = load_expectations(args.scenario);
    BrokerUnderTest broker(args.plugin, args.name, args.config);
    std::cout << "# " << broker.describe() << " against " << args.scenario << std::endl;
    Report report(std::cout, args.skip);
    Suite suite{broker, scenario, report, args.options};

    std::vector<const ExpectedAccount*> eligible;
    std::vector<std::string> secrets;
    for (const auto& account : scenario.accounts) {
      secrets.push_back(account.password);
      secrets.push_back(wrong_password_for(account));
      if (account.has_failure_knobs) {
        std::cout << "# leaving out " << account.phrase() << ": it has failure knobs" << std::endl;
        continue;
      }
      eligible.push_back(&account);
    }
    for (const auto* account : eligible) check_account(suite, *account);
    check_concurrent_sessions(suite, eligible);
    check_backend_states(suite);
    check_no_secrets_logged(suite, secrets);
    return report.finish();
  } catch (const std::exception& e) {
    std::cerr << "mt5bridge-broker-conformance: " << e.what() << std::endl;
    return 2;
  }
}
