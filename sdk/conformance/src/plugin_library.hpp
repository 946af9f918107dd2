// The plugin under test, loaded the way the host loads it: dlopen, the one entry symbol, the
// ABI version check, and the storage descriptor's vtable copied into a zeroed struct of the
// suite's size, so a slot beyond the plugin's struct_size (an older ABI) reads as absent.
#ifndef MT5B_CONFORMANCE_PLUGIN_LIBRARY_HPP
#define MT5B_CONFORMANCE_PLUGIN_LIBRARY_HPP

#include <mt5bridge/abi.h>

#include <memory>
#include <string>
#include <vector>

namespace mt5b::conformance {

// One slot of mt5b_storage_vtable and whether the plugin provides it.
struct SlotPresence {
  const char* name;
  bool present;
};

class PluginLibrary {
 public:
  // Loads `path` and picks its storage plugin: the one named `plugin_name`, or the only one
  // when the name is empty. On failure returns nullptr and says why in `error`.
  static std::unique_ptr<PluginLibrary> load(const std::string& path,
                                             const std::string& plugin_name, std::string& error);
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;
  ~PluginLibrary();

  const mt5b_plugin_descriptor& descriptor() const noexcept { return descriptor_; }
  const mt5b_storage_vtable& vtable() const noexcept { return vtable_; }
  uint16_t abi_major() const noexcept { return abi_major_; }
  uint16_t abi_minor() const noexcept { return abi_minor_; }
  bool abi_at_least(uint16_t major, uint16_t minor) const noexcept;

  // Every slot in vtable order.
  std::vector<SlotPresence> slots() const;
  // "storage-sqlite 0.2.0 (ABI 1.1) from <path>; every slot provided" or the missing ones.
  std::string describe() const;

 private:
  // Only load() makes one; the key keeps the constructor usable by std::make_unique there.
  struct Key {
    explicit Key() = default;
  };

 public:
  explicit PluginLibrary(Key) {}

 private:
  void* handle_ = nullptr;
  std::string path_;
  uint16_t abi_major_ = 0;
  uint16_t abi_minor_ = 0;
  mt5b_plugin_descriptor descriptor_{};
  mt5b_storage_vtable vtable_{};
};

}  // namespace mt5b::conformance

#endif  // MT5B_CONFORMANCE_PLUGIN_LIBRARY_HPP
