// An empty store of its own for one test: a fresh {tmp} directory and {id} name, the config
// JSON with them filled in (or printed by --fresh-config-cmd), and the reset/cleanup hooks.
#ifndef MT5B_CONFORMANCE_FRESH_STORE_HPP
#define MT5B_CONFORMANCE_FRESH_STORE_HPP

#include "suite_options.hpp"

#include <memory>
#include <string>

namespace mt5b::conformance {

class FreshStore {
 public:
  // nullptr with `error` set when the directory, a hook or the config fails.
  static std::unique_ptr<FreshStore> make(const SuiteOptions& options, std::string& error);
  FreshStore(const FreshStore&) = delete;
  FreshStore& operator=(const FreshStore&) = delete;
  // Runs --cleanup-cmd and removes the directory (unless --keep-stores).
  ~FreshStore();

  const std::string& config() const noexcept { return config_; }
  const std::string& directory() const noexcept { return directory_; }

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  FreshStore(Key, const SuiteOptions& options) : options_(options) {}

 private:
  std::string fill(const std::string& text, bool json) const;

  const SuiteOptions& options_;
  std::string directory_;
  std::string id_;
  std::string config_;
};

}  // namespace mt5b::conformance

#endif  // MT5B_CONFORMANCE_FRESH_STORE_HPP
