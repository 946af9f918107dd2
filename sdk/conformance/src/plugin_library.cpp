#include "plugin_library.hpp"

#include <mt5bridge/sdk.hpp>

#include <dlfcn.h>

#include <cstddef>

namespace mt5b::conformance {
namespace {

// Every slot of the storage vtable, for presence checks and the report.
#define MT5B_CONFORMANCE_STORAGE_SLOTS(X) \
  X(on_migrate)                           \
  X(on_account_insert)                    \
  X(on_account_get)                       \
  X(on_account_list)                      \
  X(on_account_count)                     \
  X(on_account_delete)                    \
  X(on_credential_get)                    \
  X(on_ping)                              \
  X(on_lease_due)                         \
  X(on_lease_release)                     \
  X(on_sync_apply)                        \
  X(on_sync_log_put)                      \
  X(on_sync_log_get)                      \
  X(on_sync_log_list)                     \
  X(on_position_list)                     \
  X(on_trade_list)                        \
  X(on_deal_list)                         \
  X(on_transaction_list)                  \
  X(on_credential_list)                   \
  X(on_credential_update)                 \
  X(on_user_delete)                       \
  X(on_audit_append)                      \
  X(on_migrate_to)

// Copies at most the producer's struct_size bytes into a zeroed struct of the suite's size.
template <class T>
bool copy_struct(const void* produced, T& out) {
  return produced != nullptr && sdk::read_struct(static_cast<const T*>(produced), out);
}

}  // namespace

std::unique_ptr<PluginLibrary> PluginLibrary::load(const std::string& path,
                                                   const std::string& plugin_name,
                                                   std::string& error) {
  auto library = std::make_unique<PluginLibrary>(Key{});
  library->path_ = path;
  library->handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library->handle_ == nullptr) {
    error = "cannot load the plugin library '" + path + "': " + dlerror() +
            "; pass --plugin the path of a built .so";
    return nullptr;
  }
  auto entry =
      reinterpret_cast<mt5b_plugin_entry_fn>(dlsym(library->handle_, MT5B_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    error = "'" + path +
            "' does not export " MT5B_PLUGIN_ENTRY_SYMBOL
            "; export it with MT5B_EXPORT_PLUGINS(...)";
    return nullptr;
  }
  mt5b_plugin_list list;
  if (!copy_struct(entry(), list)) {
    error = "the entry of '" + path + "' returned no valid plugin list";
    return nullptr;
  }
  library->abi_major_ = list.abi_major;
  library->abi_minor_ = list.abi_minor;
  // The host's rule: same major, and the suite's minor at least the plugin's.
  if (list.abi_major != MT5B_ABI_VERSION_MAJOR || list.abi_minor > MT5B_ABI_VERSION_MINOR) {
    error = "'" + path + "' was built for ABI " + std::to_string(list.abi_major) + "." +
            std::to_string(list.abi_minor) + " but this suite speaks ABI " +
            std::to_string(MT5B_ABI_VERSION_MAJOR) + "." + std::to_string(MT5B_ABI_VERSION_MINOR) +
            "; use the conformance suite of the SDK the plugin was built with";
    return nullptr;
  }
  std::string storage_names;
  for (uint32_t i = 0; i < list.count; ++i) {
    mt5b_plugin_descriptor descriptor;
    if (list.plugins == nullptr || !copy_struct(list.plugins[i], descriptor)) continue;
    if (descriptor.kind != MT5B_KIND_STORAGE || descriptor.name == nullptr) continue;
    storage_names += (storage_names.empty() ? "" : ", ") + std::string(descriptor.name);
    if (!plugin_name.empty() && plugin_name != descriptor.name) continue;
    if (library->descriptor_.name != nullptr) {
      error = "'" + path + "' offers several storage plugins (" + storage_names +
              "...); pick one with --plugin-name";
      return nullptr;
    }
    library->descriptor_ = descriptor;
  }
  if (library->descriptor_.name == nullptr) {
    error = storage_names.empty() ? "'" + path + "' offers no storage plugin"
                                  : "'" + path + "' offers no storage plugin named '" +
                                        plugin_name + "'; it offers: " + storage_names;
    return nullptr;
  }
  const auto& d = library->descriptor_;
  if (d.on_create == nullptr || d.on_destroy == nullptr || d.on_last_error == nullptr ||
      !copy_struct(d.kind_vtable, library->vtable_)) {
    error = "the storage plugin '" + std::string(d.name) +
            "' lacks on_create, on_destroy, on_last_error or its vtable";
    return nullptr;
  }
  return library;
}

PluginLibrary::~PluginLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

bool PluginLibrary::abi_at_least(uint16_t major, uint16_t minor) const noexcept {
  return abi_major_ > major || (abi_major_ == major && abi_minor_ >= minor);
}

std::vector<SlotPresence> PluginLibrary::slots() const {
  std::vector<SlotPresence> out;
#define MT5B_CONFORMANCE_PRESENCE(slot) out.push_back({#slot, vtable_.slot != nullptr});
  MT5B_CONFORMANCE_STORAGE_SLOTS(MT5B_CONFORMANCE_PRESENCE)
#undef MT5B_CONFORMANCE_PRESENCE
  return out;
}

std::string PluginLibrary::describe() const {
  std::string missing;
  for (const SlotPresence& slot : slots()) {
    if (!slot.present) missing += (missing.empty() ? "" : ", ") + std::string(slot.name);
  }
  return std::string(descriptor_.name) + " " + (descriptor_.version ? descriptor_.version : "?") +
         " (ABI " + std::to_string(abi_major_) + "." + std::to_string(abi_minor_) + ") from " +
         path_ + "; " +
         (missing.empty() ? std::string("every storage slot provided")
                          : "not provided (their tests are skipped): " + missing);
}

}  // namespace mt5b::conformance
