#include "gateway_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace mt5b::broker_mt5::testing {

namespace {
const std::string kGateway = std::string(BROKER_MT5_GATEWAY_DIR) + "/mt5_gateway.py";
}

bool gateway_available() {
  return std::filesystem::exists(kGateway) && std::filesystem::exists(BROKER_MT5_PYTHON);
}

GatewayProcess::GatewayProcess(const std::string& name, const TestCertificate& cert,
                               const std::string& token_file, const std::string& scenario,
                               std::map<std::string, std::string> env,
                               std::vector<std::string> args)
    : name_(name),
      cert_(cert),
      token_file_(token_file),
      scenario_(scenario),
      env_(std::move(env)),
      args_(std::move(args)) {
  log_file_ = cert_.dir() + "/" + name_ + ".log";
  spawn();
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
}

void GatewayProcess::spawn() {
  std::vector<std::string> args = {BROKER_MT5_PYTHON, kGateway,
                                   "--host",          "127.0.0.1",
                                   "--port",          std::to_string(port_),
                                   "--mt5-module",    "fake_mt5.MetaTrader5",
                                   "--cert",          cert_.cert_file(),
                                   "--key",           cert_.key_file(),
                                   "--token-file",    token_file_,
                                   "--log-level",     "info"};
  args.insert(args.end(), args_.begin(), args_.end());
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    auto key = entry.substr(0, entry.find('='));
    if (key != "MT5_FAKE_SCENARIO" && key != "MT5_GATEWAY_TOKEN" &&
        key != "PYTHONDONTWRITEBYTECODE" && env_.count(key) == 0)
      env_strings.push_back(entry);
  }
  env_strings.push_back("MT5_FAKE_SCENARIO=" + scenario_);
  env_strings.push_back("PYTHONDONTWRITEBYTECODE=1");  // no __pycache__ in the source tree
  for (const auto& [k, v] : env_) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::ofstream(log_file_, std::ios::trunc).close();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_file_.c_str(), O_WRONLY | O_APPEND,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::runtime_error("cannot start the gateway: " + std::string(std::strerror(rc)));
  wait_listening();
}

void GatewayProcess::wait_listening() {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const std::string marker = "\"event\": \"listening\", \"port\": ";
  while (std::chrono::steady_clock::now() < until) {
    auto text = log();
    auto at = text.find(marker);
    if (at != std::string::npos) {
      port_ = std::stoi(text.substr(at + marker.size()));
      return;
    }
    if (!running()) throw std::runtime_error("gateway " + name_ + " exited:\n" + text);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("gateway " + name_ + " did not listen in time:\n" + log());
}

void GatewayProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void GatewayProcess::restart(std::map<std::string, std::string> env) {
  kill();
  env_ = std::move(env);
  spawn();
}

bool GatewayProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string GatewayProcess::log() const {
  std::ifstream in(log_file_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mt5b::broker_mt5::testing
