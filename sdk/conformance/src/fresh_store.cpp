#include "fresh_store.hpp"

#include <rapidjson/document.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace mt5b::conformance {
namespace {

// Runs `command` with /bin/sh, capturing standard output. Returns the exit status (-1 when it
// could not run).
int run_shell(const std::string& command, std::string& output) {
  output.clear();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  return status == -1 ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

std::string json_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// A name unique within this run and across concurrent runs: the pid and a counter.
std::string next_store_id() {
  static std::atomic<int> counter{0};  // the only state shared between tests: a counter
  return "mt5b_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

}  // namespace

std::string FreshStore::fill(const std::string& text, bool json) const {
  std::string out = text;
  replace_all(out, "{tmp}", json ? json_escaped(directory_) : directory_);
  replace_all(out, "{id}", id_);
  return out;
}

std::unique_ptr<FreshStore> FreshStore::make(const SuiteOptions& options, std::string& error) {
  auto store = std::make_unique<FreshStore>(Key{}, options);
  std::string pattern =
      (std::filesystem::temp_directory_path() / "mt5b-conformance-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    error = "cannot create a temporary directory for the store; check TMPDIR";
    return nullptr;
  }
  store->directory_ = pattern;
  store->id_ = next_store_id();
  std::string output;
  if (!options.reset_cmd.empty()) {
    const std::string command = store->fill(options.reset_cmd, false);
    if (int status = run_shell(command, output); status != 0) {
      error = "--reset-cmd failed with exit status " + std::to_string(status) + ": " + command +
              "\n" + output;
      return nullptr;
    }
  }
  if (!options.fresh_config_cmd.empty()) {
    const std::string command = store->fill(options.fresh_config_cmd, false);
    if (int status = run_shell(command, output); status != 0) {
      error = "--fresh-config-cmd failed with exit status " + std::to_string(status) + ": " +
              command + "\n" + output;
      return nullptr;
    }
    store->config_ = trimmed(output);
  } else {
    store->config_ = store->fill(options.config_template, true);
  }
  rapidjson::Document parsed;
  parsed.Parse(store->config_.data(), store->config_.size());
  if (parsed.HasParseError() || !parsed.IsObject()) {
    error = "the store config is not a JSON object: " + store->config_;
    return nullptr;
  }
  return store;
}

FreshStore::~FreshStore() {
  if (!options_.cleanup_cmd.empty()) {
    std::string output;
    const std::string command = fill(options_.cleanup_cmd, false);
    if (int status = run_shell(command, output); status != 0) {
      std::cerr << "warning: --cleanup-cmd failed with exit status " << status << ": " << command
                << "\n"
                << output;
    }
  }
  if (directory_.empty()) return;
  if (options_.keep_stores) {
    std::cerr << "kept the store directory " << directory_ << "\n";
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

}  // namespace mt5b::conformance
