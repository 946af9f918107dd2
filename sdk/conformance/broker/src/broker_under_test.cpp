#include "broker_under_test.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <dlfcn.h>

#include <cstring>
#include <stdexcept>

namespace mt5b::conformance::broker {

namespace {

template <class R>
struct Emitter {
  static void call(void* ctx, const R* record) {
    R copy;
    sdk::read_struct(record, copy);  // honour the plugin's struct_size
    (*static_cast<const std::function<void(const R&)>*>(ctx))(copy);
  }
};

// The config as the host passes it: an object with every absent option's default filled in.
std::string with_defaults(const mt5b_plugin_descriptor& d, const std::string& config_json) {
  rapidjson::Document doc;
  doc.Parse(config_json.data(), config_json.size());
  if (doc.HasParseError() || !doc.IsObject())
    throw std::runtime_error("--config must be a JSON object, e.g. '{\"scenario\": \"x.json\"}'");
  auto& a = doc.GetAllocator();
  for (uint32_t i = 0; i < d.option_count; ++i) {
    mt5b_option o = sdk::option_at(d, i);
    if (o.name == nullptr || doc.HasMember(o.name) || o.default_json == nullptr) continue;
    rapidjson::Document def(&a);
    def.Parse(o.default_json);
    if (!def.HasParseError())
      doc.AddMember(rapidjson::Value(o.name, a), rapidjson::Value(def, a), a);
  }
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  doc.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace

std::string CallResult::describe() const {
  return std::string(sdk::status_name(status)) + (error.empty() ? "" : ": " + error);
}

Session::~Session() {
  if (handle_ != nullptr) broker_->close(handle_);
}

BrokerUnderTest::BrokerUnderTest(const std::string& library, const std::string& plugin_name,
                                 const std::string& config_json) {
  library_ = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library_ == nullptr)
    throw std::runtime_error("cannot load plugin library '" + library + "': " + ::dlerror());
  auto entry = reinterpret_cast<mt5b_plugin_entry_fn>(::dlsym(library_, MT5B_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr)
    throw std::runtime_error(
        "'" + library + "' exports no " MT5B_PLUGIN_ENTRY_SYMBOL "; is it an mt5bridge plugin?");
  mt5b_plugin_list list;
  if (!sdk::read_struct(entry(), list))
    throw std::runtime_error("'" + library + "' returned no plugin list");
  abi_major_ = list.abi_major;
  abi_minor_ = list.abi_minor;
  if (list.abi_major != MT5B_ABI_VERSION_MAJOR || list.abi_minor > MT5B_ABI_VERSION_MINOR)
    throw std::runtime_error("'" + library + "' was built for ABI " +
                             std::to_string(list.abi_major) + "." + std::to_string(list.abi_minor) +
                             " but this suite speaks " + std::to_string(MT5B_ABI_VERSION_MAJOR) +
                             "." + std::to_string(MT5B_ABI_VERSION_MINOR) +
                             "; rebuild one against the other's SDK");
  std::string brokers;
  for (uint32_t i = 0; i < list.count; ++i) {
    mt5b_plugin_descriptor d;
    if (!sdk::read_struct(list.plugins[i], d) || d.kind != MT5B_KIND_BROKER) continue;
    brokers += (brokers.empty() ? "" : ", ") + std::string(d.name);
    if (descriptor_.name == nullptr && (plugin_name.empty() || plugin_name == d.name))
      descriptor_ = d;
  }
  if (descriptor_.name == nullptr)
    throw std::runtime_error(
        "'" + library + "' has no broker plugin" +
        (plugin_name.empty() ? std::string() : " named '" + plugin_name + "'") +
        (brokers.empty() ? std::string() : "; it offers: " + brokers));
  sdk::read_struct(static_cast<const mt5b_broker_vtable*>(descriptor_.kind_vtable), vtable_);
  if (!vtable_.on_session_open || !vtable_.on_session_close || !vtable_.on_account_info ||
      !vtable_.on_positions_get || !vtable_.on_history_deals_get || !vtable_.on_symbol_info)
    throw std::runtime_error(describe() + " lacks a required broker slot");

  auto config = with_defaults(descriptor_, config_json);
  mt5b_status s =
      descriptor_.on_create(host_.api(), sdk::str("conformance"), sdk::str(config), &instance_);
  if (s != MT5B_OK) {
    std::string why = instance_ != nullptr ? sdk::copy(descriptor_.on_last_error(instance_)) : "";
    if (instance_ != nullptr) descriptor_.on_destroy(instance_);
    instance_ = nullptr;
    throw std::runtime_error(describe() + " refused to create an instance (" + sdk::status_name(s) +
                             "): " + why);
  }
}

BrokerUnderTest::~BrokerUnderTest() {
  if (instance_ != nullptr) descriptor_.on_destroy(instance_);
  // The library stays loaded: a plugin's threads may still be unwinding in its code.
}

std::string BrokerUnderTest::describe() const {
  return std::string(descriptor_.name ? descriptor_.name : "?") + " " +
         (descriptor_.version ? descriptor_.version : "?") + " (ABI " + std::to_string(abi_major_) +
         "." + std::to_string(abi_minor_) + ")";
}

CallResult BrokerUnderTest::result(mt5b_status status) const {
  CallResult r;
  r.status = status;
  if (status != MT5B_OK) r.error = sdk::copy(descriptor_.on_last_error(instance_));
  return r;
}

CallResult BrokerUnderTest::open(int64_t login, const std::string& password,
                                 const std::string& server, uint32_t timeout_ms,
                                 std::unique_ptr<Session>& out) const {
  auto request = sdk::make<mt5b_broker_login>();
  request.login = login;
  request.password = sdk::str(password);
  request.server = sdk::str(server);
  request.timeout_ms = timeout_ms;
  mt5b_session* handle = nullptr;
  auto r = result(vtable_.on_session_open(instance_, &request, &handle));
  out = r.ok() && handle != nullptr ? std::make_unique<Session>(*this, handle) : nullptr;
  if (r.ok() && handle == nullptr) r = {MT5B_FAILED, "on_session_open returned OK and no session"};
  return r;
}

void BrokerUnderTest::close(mt5b_session* handle) const {
  vtable_.on_session_close(instance_, handle);
}

CallResult BrokerUnderTest::account_info(
    const Session& s, const std::function<void(const mt5b_account_info&)>& emit) const {
  return result(vtable_.on_account_info(instance_, s.handle(), &Emitter<mt5b_account_info>::call,
                                        const_cast<void*>(static_cast<const void*>(&emit))));
}

CallResult BrokerUnderTest::positions(
    const Session& s, const std::function<void(const mt5b_trade_position&)>& emit) const {
  return result(vtable_.on_positions_get(instance_, s.handle(), &Emitter<mt5b_trade_position>::call,
                                         const_cast<void*>(static_cast<const void*>(&emit))));
}

CallResult BrokerUnderTest::deals(const Session& s, const mt5b_history_query& q,
                                  const std::function<void(const mt5b_trade_deal&)>& emit) const {
  return result(vtable_.on_history_deals_get(instance_, s.handle(), &q,
                                             &Emitter<mt5b_trade_deal>::call,
                                             const_cast<void*>(static_cast<const void*>(&emit))));
}

CallResult BrokerUnderTest::orders(const Session& s, const mt5b_history_query& q,
                                   const std::function<void(const mt5b_trade_order&)>& emit) const {
  if (!vtable_.on_history_orders_get) return {MT5B_NOT_SUPPORTED, "no on_history_orders_get slot"};
  return result(vtable_.on_history_orders_get(instance_, s.handle(), &q,
                                              &Emitter<mt5b_trade_order>::call,
                                              const_cast<void*>(static_cast<const void*>(&emit))));
}

CallResult BrokerUnderTest::symbol_info(
    const Session& s, const std::string& symbol,
    const std::function<void(const mt5b_symbol_info&)>& emit) const {
  return result(vtable_.on_symbol_info(instance_, s.handle(), sdk::str(symbol),
                                       &Emitter<mt5b_symbol_info>::call,
                                       const_cast<void*>(static_cast<const void*>(&emit))));
}

CallResult BrokerUnderTest::tick(const Session& s, const std::string& symbol,
                                 mt5b_tick& out) const {
  if (!vtable_.on_symbol_info_tick) return {MT5B_NOT_SUPPORTED, "no on_symbol_info_tick slot"};
  out = sdk::make<mt5b_tick>();
  return result(vtable_.on_symbol_info_tick(instance_, s.handle(), sdk::str(symbol), &out));
}

CallResult BrokerUnderTest::backend_states(
    const std::function<void(const mt5b_backend_state&)>& emit) const {
  if (!vtable_.on_backend_states) return {MT5B_NOT_SUPPORTED, "no on_backend_states slot"};
  return result(vtable_.on_backend_states(instance_, &Emitter<mt5b_backend_state>::call,
                                          const_cast<void*>(static_cast<const void*>(&emit))));
}

}  // namespace mt5b::conformance::broker
