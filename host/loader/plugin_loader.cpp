#include "loader/plugin_loader.hpp"

#include <mt5bridge/sdk.hpp>

#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <set>

namespace mt5b::host {

namespace fs = std::filesystem;
using sdk::has_slot;

namespace {
// Boost.DLL reports a failed dlopen as a generic error code; dlopen's own text names the
// missing symbol or file, which is what an operator needs.
std::string dl_reason(const fs::path& path, const boost::dll::fs::error_code& ec) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle) {
    dlclose(handle);
    return ec.message();
  }
  const char* why = dlerror();
  return why ? why : ec.message();
}
}  // namespace

class PluginLibrary {
 public:
  explicit PluginLibrary(const fs::path& path) {
    boost::dll::fs::error_code ec;
    // RTLD_NOW: an unresolved symbol refuses the library here, with its path, instead of
    // killing the process at the first call that needs it.
    lib_.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec)
      throw LoadError("cannot load plugin library " + path.string() + ": " + dl_reason(path, ec));
    if (!lib_.has(MT5B_PLUGIN_ENTRY_SYMBOL))
      throw LoadError("the library " + path.string() + " is not an mt5bridge plugin: it does not " +
                      "export the entry symbol '" MT5B_PLUGIN_ENTRY_SYMBOL "'");
    entry_ = lib_.get<const mt5b_plugin_list*()>(MT5B_PLUGIN_ENTRY_SYMBOL);
  }
  mt5b_plugin_entry_fn entry() const { return entry_; }

 private:
  boost::dll::shared_library lib_;
  mt5b_plugin_entry_fn entry_ = nullptr;
};

std::string_view kind_name(mt5b_plugin_kind kind) {
  switch (kind) {
    case MT5B_KIND_TRANSPORT: return "transport";
    case MT5B_KIND_AUTH: return "auth";
    case MT5B_KIND_STORAGE: return "storage";
    case MT5B_KIND_BROKER: return "broker";
  }
  return "unknown";
}

std::string check_abi_version(uint16_t major, uint16_t minor, std::string_view origin) {
  if (major == MT5B_ABI_VERSION_MAJOR && minor <= MT5B_ABI_VERSION_MINOR) return {};
  std::string host_v =
      std::to_string(MT5B_ABI_VERSION_MAJOR) + "." + std::to_string(MT5B_ABI_VERSION_MINOR);
  std::string plugin_v = std::to_string(major) + "." + std::to_string(minor);
  std::string why = major != MT5B_ABI_VERSION_MAJOR
                        ? "the major versions differ"
                        : "the plugin needs a newer host (plugin minor > host minor)";
  return "refusing " + std::string(origin) + ": it was built for plugin ABI " + plugin_v +
         " but this host speaks ABI " + host_v + " (" + why +
         "); rebuild the plugin against this host's SDK or upgrade the host";
}

namespace {

// The smallest struct each kind's ABI 1.0 vtable can be: every required slot inside it.
template <class V, class F>
void require_slot(const V* v, F V::*slot, const char* slot_name, const std::string& who) {
  if (!has_slot(v, slot)) throw LoadError(who + " does not provide the required slot " + slot_name);
}

void validate_kind_vtable(const mt5b_plugin_descriptor& d, const std::string& who) {
  if (d.kind_vtable == nullptr) throw LoadError(who + " has no kind vtable");
  switch (d.kind) {
    case MT5B_KIND_TRANSPORT: {
      auto* v = static_cast<const mt5b_transport_vtable*>(d.kind_vtable);
      require_slot(v, &mt5b_transport_vtable::on_start, "on_start", who);
      require_slot(v, &mt5b_transport_vtable::on_stop, "on_stop", who);
      break;
    }
    case MT5B_KIND_AUTH: {
      auto* v = static_cast<const mt5b_auth_vtable*>(d.kind_vtable);
      require_slot(v, &mt5b_auth_vtable::on_authenticate, "on_authenticate", who);
      break;
    }
    case MT5B_KIND_STORAGE: {
      auto* v = static_cast<const mt5b_storage_vtable*>(d.kind_vtable);
      require_slot(v, &mt5b_storage_vtable::on_migrate, "on_migrate", who);
      require_slot(v, &mt5b_storage_vtable::on_account_insert, "on_account_insert", who);
      require_slot(v, &mt5b_storage_vtable::on_account_get, "on_account_get", who);
      require_slot(v, &mt5b_storage_vtable::on_account_list, "on_account_list", who);
      require_slot(v, &mt5b_storage_vtable::on_account_count, "on_account_count", who);
      require_slot(v, &mt5b_storage_vtable::on_account_delete, "on_account_delete", who);
      require_slot(v, &mt5b_storage_vtable::on_credential_get, "on_credential_get", who);
      break;
    }
    case MT5B_KIND_BROKER: {
      auto* v = static_cast<const mt5b_broker_vtable*>(d.kind_vtable);
      require_slot(v, &mt5b_broker_vtable::on_session_open, "on_session_open", who);
      require_slot(v, &mt5b_broker_vtable::on_session_close, "on_session_close", who);
      require_slot(v, &mt5b_broker_vtable::on_account_info, "on_account_info", who);
      require_slot(v, &mt5b_broker_vtable::on_positions_get, "on_positions_get", who);
      require_slot(v, &mt5b_broker_vtable::on_history_deals_get, "on_history_deals_get", who);
      require_slot(v, &mt5b_broker_vtable::on_symbol_info, "on_symbol_info", who);
      break;
    }
    default: throw LoadError(who + " declares unknown plugin kind " + std::to_string(d.kind));
  }
}

}  // namespace

PluginLoader::PluginLoader(std::vector<fs::path> search_path)
    : search_path_(std::move(search_path)) {}

std::vector<LoadedPlugin> PluginLoader::from_list(const mt5b_plugin_list* list,
                                                  std::shared_ptr<const PluginLibrary> library,
                                                  const std::string& origin) {
  if (list == nullptr) throw LoadError(origin + ": the entry function returned no plugin list");
  if (list->struct_size < offsetof(mt5b_plugin_list, plugins) + sizeof(list->plugins))
    throw LoadError(origin + ": the plugin list is smaller than any ABI version allows");
  if (auto why = check_abi_version(list->abi_major, list->abi_minor, origin); !why.empty())
    throw LoadError(why);
  if (list->count > 0 && list->plugins == nullptr)
    throw LoadError(origin + ": the plugin list counts " + std::to_string(list->count) +
                    " plugins but has no array of them");
  std::vector<LoadedPlugin> out;
  for (uint32_t i = 0; i < list->count; ++i) {
    const mt5b_plugin_descriptor* raw = list->plugins[i];
    LoadedPlugin p;
    p.library = library;
    p.origin = origin;
    constexpr size_t kMin = offsetof(mt5b_plugin_descriptor, kind_vtable) + sizeof(void*);
    if (raw == nullptr || raw->struct_size < kMin)
      throw LoadError(origin + ": plugin #" + std::to_string(i) +
                      " has a descriptor smaller than ABI 1.0 allows");
    sdk::read_struct(raw, p.descriptor);
    std::string who = origin + " plugin '" + (raw->name ? raw->name : "?") + "'";
    if (raw->name == nullptr || raw->version == nullptr)
      throw LoadError(who + " has no name or version");
    if (!p.descriptor.on_create || !p.descriptor.on_destroy || !p.descriptor.on_last_error)
      throw LoadError(who + " lacks on_create, on_destroy or on_last_error");
    if (p.descriptor.option_count > 0 &&
        (p.descriptor.options == nullptr ||
         p.descriptor.options[0].struct_size < offsetof(mt5b_option, description) + sizeof(char*)))
      throw LoadError(who + " has a malformed option table");
    validate_kind_vtable(p.descriptor, who);
    out.push_back(std::move(p));
  }
  return out;
}

void PluginLoader::register_static(mt5b_plugin_entry_fn entry, std::string_view origin) {
  auto plugins = from_list(entry(), nullptr, "static:" + std::string(origin));
  for (auto& p : plugins) static_plugins_.push_back(std::move(p));
}

std::vector<LoadedPlugin> PluginLoader::load_library(const fs::path& path) {
  if (!fs::exists(path)) throw LoadError("plugin library " + path.string() + " does not exist");
  auto lib = std::make_shared<const PluginLibrary>(path);
  return from_list(lib->entry()(), lib, path.string());
}

LoadedPlugin PluginLoader::find(std::string_view name, std::string_view library) {
  if (library.empty()) {
    for (const auto& p : static_plugins_)
      if (p.name() == name) return p;
  }
  // An explicit file (the `library` key, or a plugin named by path) is used as written.
  const bool by_path = name.find('/') != std::string_view::npos || name.ends_with(".so");
  if (!library.empty() || by_path) {
    fs::path path(library.empty() ? name : library);
    if (!fs::exists(path))
      throw LoadError("plugin library " + path.string() +
                      " does not exist; check the path (relative paths resolve against the "
                      "working directory)");
    auto plugins = load_library(path);
    if (library.empty() && plugins.size() == 1) return plugins.front();
    for (auto& p : plugins)
      if (p.name() == name) return p;
    throw LoadError("the library " + path.string() + " does not offer a plugin named '" +
                    std::string(name) + "'");
  }
  for (const auto& dir : search_path_) {
    fs::path path = dir / (std::string(name) + ".so");
    if (!fs::exists(path)) continue;
    for (auto& p : load_library(path))
      if (p.name() == name) return p;
    throw LoadError("the library " + path.string() + " does not offer a plugin named '" +
                    std::string(name) + "'");
  }
  std::string dirs;
  for (const auto& d : search_path_) dirs += (dirs.empty() ? "" : ", ") + d.string();
  throw LoadError("unknown plugin '" + std::string(name) + "': no " + std::string(name) +
                  ".so in the plugin search path (" + (dirs.empty() ? "empty" : dirs) +
                  "); run `mt5bridge plugins` to list what is installed, or set "
                  "plugins.search_path / MT5BRIDGE_PLUGIN_DIR");
}

std::vector<LoadedPlugin> PluginLoader::discover(std::vector<std::string>* problems) {
  std::vector<LoadedPlugin> out = static_plugins_;
  std::set<std::string> seen;
  for (const auto& p : out) seen.insert(p.name());
  for (const auto& dir : search_path_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      try {
        for (auto& p : load_library(f))
          if (seen.insert(p.name()).second) out.push_back(std::move(p));
      } catch (const LoadError& e) {
        if (problems) problems->push_back(e.what());
      }
    }
  }
  return out;
}

}  // namespace mt5b::host
