// mt5bridge C++ SDK (header-only).
//
// A plugin author writes one class per plugin, deriving from the kind's base class
// (TransportPlugin, AuthPlugin, StoragePlugin, BrokerPlugin), and one export line:
//
//   class MyStore : public mt5b::sdk::StoragePlugin {
//    public:
//     static constexpr const char* kName = "storage-mine";
//     static constexpr const char* kVersion = "0.1.0";
//     static constexpr const char* kDescription = "Stores everything in my database.";
//     static std::span<const mt5b_option> options();
//     MyStore(mt5b::sdk::Host host, const mt5b::sdk::Config& config);
//     ... overrides ...
//   };
//   MT5B_EXPORT_PLUGINS(mt5b::sdk::descriptor<MyStore>())
//
// Every thunk catches every exception: mt5b::sdk::Error carries its own status, any other
// exception becomes MT5B_FAILED with its what(). The message is what on_last_error returns.
#ifndef MT5BRIDGE_SDK_HPP
#define MT5BRIDGE_SDK_HPP

#include <mt5bridge/abi.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

// Everything of the SDK stays inside the plugin: the entry symbol is its only export.
#pragma GCC visibility push(hidden)
namespace mt5b::sdk {

// ---------------------------------------------------------------------------------------------
// Strings across the line
// ---------------------------------------------------------------------------------------------

inline mt5b_str str(std::string_view s) noexcept {
  return mt5b_str{s.data(), static_cast<uint64_t>(s.size())};
}
inline std::string_view view(mt5b_str s) noexcept {
  return s.size == 0 ? std::string_view{} : std::string_view{s.data, static_cast<size_t>(s.size)};
}
inline std::string copy(mt5b_str s) {
  return std::string(view(s));
}

// Copies a struct received across the ABI into a zeroed struct of the reader's own size, so
// fields the producer lacks read as zero. Returns false when struct_size is absurd.
template <class T>
bool read_struct(const T* in, T& out) noexcept {
  std::memset(&out, 0, sizeof(T));
  if (in == nullptr) return false;
  uint32_t size = in->struct_size;
  if (size < sizeof(uint32_t)) return false;
  std::memcpy(&out, in, size < sizeof(T) ? size : sizeof(T));
  out.struct_size = sizeof(T);
  return true;
}

// True when the slot at `member` lies within the producer's struct and is non-null.
template <class S, class F>
bool has_slot(const S* s, F S::*member) noexcept {
  if (s == nullptr) return false;
  auto offset = reinterpret_cast<size_t>(&(static_cast<const S*>(nullptr)->*member));
  return offset + sizeof(F) <= s->struct_size && (s->*member) != nullptr;
}

// A zero-initialised ABI struct with its struct_size set.
template <class T>
T make() noexcept {
  T t;
  std::memset(&t, 0, sizeof(T));
  t.struct_size = sizeof(T);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

// Thrown inside a plugin to fail the current call with a specific status.
class Error : public std::runtime_error {
 public:
  Error(mt5b_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  mt5b_status status() const noexcept { return status_; }

 private:
  mt5b_status status_;
};

inline const char* status_name(mt5b_status s) noexcept {
  switch (s) {
    case MT5B_OK: return "OK";
    case MT5B_RETRY: return "RETRY";
    case MT5B_NOT_FOUND: return "NOT_FOUND";
    case MT5B_NOT_SUPPORTED: return "NOT_SUPPORTED";
    case MT5B_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case MT5B_UNAUTHENTICATED: return "UNAUTHENTICATED";
    case MT5B_CONFLICT: return "CONFLICT";
    case MT5B_TIMEOUT: return "TIMEOUT";
    case MT5B_UNAVAILABLE: return "UNAVAILABLE";
    case MT5B_FAILED: return "FAILED";
  }
  return "UNKNOWN";
}

// ---------------------------------------------------------------------------------------------
// Host services
// ---------------------------------------------------------------------------------------------

// A thin, copyable view of the host's service table for one instance.
class Host {
 public:
  Host() = default;
  explicit Host(const mt5b_host_api* api) : api_(api) {}

  void log(mt5b_log_level level, std::string_view message) const {
    if (api_ && api_->callback_log) api_->callback_log(api_->host_ctx, level, str(message));
  }
  void debug(std::string_view m) const { log(MT5B_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(MT5B_LOG_INFO, m); }
  void warn(std::string_view m) const { log(MT5B_LOG_WARN, m); }
  void error(std::string_view m) const { log(MT5B_LOG_ERROR, m); }

  void counter_add(std::string_view name, std::string_view labels, double v = 1.0) const {
    if (api_ && api_->callback_counter_add)
      api_->callback_counter_add(api_->host_ctx, str(name), str(labels), v);
  }
  void gauge_set(std::string_view name, std::string_view labels, double v) const {
    if (api_ && api_->callback_gauge_set)
      api_->callback_gauge_set(api_->host_ctx, str(name), str(labels), v);
  }
  void observe(std::string_view name, std::string_view labels, double v) const {
    if (api_ && api_->callback_histogram_observe)
      api_->callback_histogram_observe(api_->host_ctx, str(name), str(labels), v);
  }
  int64_t now_unix_ms() const {
    return api_ && api_->callback_now_unix_ms ? api_->callback_now_unix_ms(api_->host_ctx) : 0;
  }
  int64_t monotonic_ns() const {
    return api_ && api_->callback_monotonic_ns ? api_->callback_monotonic_ns(api_->host_ctx) : 0;
  }
  const mt5b_host_api* raw() const noexcept { return api_; }

 private:
  const mt5b_host_api* api_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Options and config
// ---------------------------------------------------------------------------------------------

// Declares one option for a plugin's option table.
constexpr mt5b_option option(const char* name, mt5b_option_type type, uint32_t flags,
                             const char* default_json, const char* description) noexcept {
  return mt5b_option{
      sizeof(mt5b_option), static_cast<uint32_t>(type), flags, 0u, name, default_json, description};
}

// The instance config as the host validated it (defaults already filled in).
class Config {
 public:
  explicit Config(std::string_view json) {
    doc_.Parse(json.data(), json.size());
    if (doc_.HasParseError() || !doc_.IsObject())
      throw Error(MT5B_INVALID_ARGUMENT, "config is not a JSON object");
  }
  bool has(const char* key) const { return doc_.HasMember(key) && !doc_[key].IsNull(); }
  std::string string(const char* key, std::string fallback = {}) const {
    if (!has(key)) return fallback;
    const auto& v = doc_[key];
    if (!v.IsString()) throw Error(MT5B_INVALID_ARGUMENT, std::string(key) + " must be a string");
    return std::string(v.GetString(), v.GetStringLength());
  }
  int64_t integer(const char* key, int64_t fallback = 0) const {
    if (!has(key)) return fallback;
    const auto& v = doc_[key];
    if (!v.IsInt64()) throw Error(MT5B_INVALID_ARGUMENT, std::string(key) + " must be an integer");
    return v.GetInt64();
  }
  double number(const char* key, double fallback = 0) const {
    if (!has(key)) return fallback;
    const auto& v = doc_[key];
    if (!v.IsNumber()) throw Error(MT5B_INVALID_ARGUMENT, std::string(key) + " must be a number");
    return v.GetDouble();
  }
  bool boolean(const char* key, bool fallback = false) const {
    if (!has(key)) return fallback;
    const auto& v = doc_[key];
    if (!v.IsBool()) throw Error(MT5B_INVALID_ARGUMENT, std::string(key) + " must be a boolean");
    return v.GetBool();
  }
  std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> out;
    if (!has(key)) return out;
    const auto& v = doc_[key];
    if (!v.IsArray()) throw Error(MT5B_INVALID_ARGUMENT, std::string(key) + " must be a list");
    for (const auto& e : v.GetArray()) {
      if (!e.IsString())
        throw Error(MT5B_INVALID_ARGUMENT, std::string(key) + " must be a list of strings");
      out.emplace_back(e.GetString(), e.GetStringLength());
    }
    return out;
  }
  // The raw JSON value, for OBJECT and OBJECT_LIST options.
  const rapidjson::Value* value(const char* key) const { return has(key) ? &doc_[key] : nullptr; }
  const rapidjson::Document& document() const { return doc_; }

 private:
  rapidjson::Document doc_;
};

inline const char* option_type_json_name(uint32_t type) noexcept {
  switch (type) {
    case MT5B_OPT_STRING: return "string";
    case MT5B_OPT_INT: return "integer";
    case MT5B_OPT_DOUBLE: return "number";
    case MT5B_OPT_BOOL: return "boolean";
    case MT5B_OPT_STRING_LIST: return "array";
    case MT5B_OPT_OBJECT: return "object";
    case MT5B_OPT_OBJECT_LIST: return "array";
  }
  return "null";
}

// Reads the i-th option of a descriptor's table, honouring the producer's stride.
inline mt5b_option option_at(const mt5b_plugin_descriptor& d, uint32_t i) noexcept {
  auto first = reinterpret_cast<const unsigned char*>(d.options);
  uint32_t stride = d.options[0].struct_size;
  mt5b_option out;
  read_struct(reinterpret_cast<const mt5b_option*>(first + static_cast<size_t>(i) * stride), out);
  return out;
}

// The JSON Schema (draft 2020-12) of a plugin's options. Secret options are marked
// "writeOnly" and never carry their default.
inline std::string options_json_schema(const mt5b_plugin_descriptor& d) {
  using namespace rapidjson;
  Document doc(kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("$schema", "https://json-schema.org/draft/2020-12/schema", a);
  doc.AddMember("title", Value(d.name ? d.name : "", a), a);
  doc.AddMember("description", Value(d.description ? d.description : "", a), a);
  doc.AddMember("type", "object", a);
  Value props(kObjectType), required(kArrayType);
  for (uint32_t i = 0; i < d.option_count; ++i) {
    mt5b_option o = option_at(d, i);
    if (o.name == nullptr) continue;
    Value p(kObjectType);
    p.AddMember("type", StringRef(option_type_json_name(o.type)), a);
    if (o.type == MT5B_OPT_STRING_LIST) {
      Value items(kObjectType);
      items.AddMember("type", "string", a);
      p.AddMember("items", items, a);
    } else if (o.type == MT5B_OPT_OBJECT_LIST) {
      Value items(kObjectType);
      items.AddMember("type", "object", a);
      p.AddMember("items", items, a);
    }
    if (o.description) p.AddMember("description", Value(o.description, a), a);
    if (o.flags & MT5B_OPT_SECRET) p.AddMember("writeOnly", true, a);
    if (o.default_json && !(o.flags & MT5B_OPT_SECRET)) {
      Document def(&a);
      def.Parse(o.default_json);
      if (!def.HasParseError()) p.AddMember("default", Value(def, a), a);
    }
    if (o.flags & MT5B_OPT_REQUIRED) required.PushBack(Value(o.name, a), a);
    props.AddMember(Value(o.name, a), p, a);
  }
  doc.AddMember("properties", props, a);
  doc.AddMember("required", required, a);
  doc.AddMember("additionalProperties", false, a);
  StringBuffer sb;
  Writer<StringBuffer> w(sb);
  doc.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

// ---------------------------------------------------------------------------------------------
// Base classes, one per kind
// ---------------------------------------------------------------------------------------------

class PluginBase {
 public:
  virtual ~PluginBase() = default;
};

class TransportPlugin : public PluginBase {
 public:
  static constexpr mt5b_plugin_kind kKind = MT5B_KIND_TRANSPORT;
  // Start listening; `dispatcher` stays valid until stop() returns.
  virtual void start(const mt5b_dispatcher& dispatcher) = 0;
  virtual void stop() = 0;
};

// What an auth plugin returns for a valid credential.
struct Principal {
  mt5b_principal_kind kind = MT5B_PRINCIPAL_USER;
  std::string subject;
  std::string role;
  int64_t expires_at_ms = 0;
};

class AuthPlugin : public PluginBase {
 public:
  static constexpr mt5b_plugin_kind kKind = MT5B_KIND_AUTH;
  // nullopt: no credential of this kind present. Throw Error(MT5B_UNAUTHENTICATED, reason)
  // for a present but invalid one; the reason must never contain the credential.
  virtual std::optional<Principal> authenticate(const mt5b_http_request& request) = 0;
};

using AccountSink = std::function<void(const mt5b_account_record&)>;
using CredentialSink = std::function<void(const mt5b_credential_record&)>;
template <class Record>
using Sink = std::function<void(const Record&)>;

// The slots every storage plugin provides (ABI 1.0).
class StoragePlugin : public PluginBase {
 public:
  static constexpr mt5b_plugin_kind kKind = MT5B_KIND_STORAGE;
  virtual void migrate() = 0;
  virtual void account_insert(const mt5b_account_record& account,
                              const mt5b_credential_record& credential) = 0;
  virtual void account_get(std::string_view account_id, const AccountSink& emit) = 0;
  virtual void account_list(const mt5b_account_query& query, const AccountSink& emit) = 0;
  virtual int64_t account_count(const mt5b_account_query& query) = 0;
  virtual void account_delete(std::string_view account_id) = 0;
  virtual void credential_get(std::string_view account_id, const CredentialSink& emit) = 0;
  // Optional in the ABI; absent and "always reachable" mean the same to the host.
  virtual void ping() {}
};

// ---- Capabilities: optional slot groups a plugin opts into by deriving from them ----
//
// A plugin class derives from its kind's base class and from each capability it offers:
//
//   class MyStore : public StoragePlugin, public StorageSync, public StorageRecordLists { ... };
//
// The SDK fills a capability's slots only when the class derives from it, and leaves them NULL
// otherwise, so the host sees exactly what the plugin offers (it names a missing capability at
// start-up instead of failing every call). Every method of a capability is pure: offering half
// of one does not compile.

// Leases and sync application: what the host's sync engine needs (ABI 1.1).
class StorageSync {
 public:
  static constexpr const char* kCapability = "sync";
  virtual ~StorageSync() = default;
  virtual void lease_due(const mt5b_lease_request& request, const AccountSink& emit) = 0;
  virtual void lease_release(std::string_view account_id, std::string_view owner) = 0;
  virtual mt5b_sync_apply_result sync_apply(const mt5b_sync_apply& apply) = 0;
  virtual void sync_log_put(const mt5b_sync_log_record& log) = 0;
  virtual void sync_log_get(std::string_view sync_id, const Sink<mt5b_sync_log_record>& emit) = 0;
};

// Reading synced records back: the data routes and exports (ABI 1.1).
class StorageRecordLists {
 public:
  static constexpr const char* kCapability = "record lists";
  virtual ~StorageRecordLists() = default;
  virtual void sync_log_list(const mt5b_record_query& query,
                             const Sink<mt5b_sync_log_record>& emit) = 0;
  virtual void position_list(const mt5b_record_query& query,
                             const Sink<mt5b_position_record>& emit) = 0;
  virtual void trade_list(const mt5b_record_query& query, const Sink<mt5b_trade_record>& emit) = 0;
  virtual void deal_list(const mt5b_record_query& query, const Sink<mt5b_deal_record>& emit) = 0;
  virtual void transaction_list(const mt5b_record_query& query,
                                const Sink<mt5b_transaction_record>& emit) = 0;
};

// Re-encrypting every credential under a new key (ABI 1.1).
class StorageKeyRotation {
 public:
  static constexpr const char* kCapability = "key rotation";
  virtual ~StorageKeyRotation() = default;
  virtual void credential_list(const CredentialSink& emit) = 0;
  virtual void credential_update(const mt5b_credential_record& credential) = 0;
};

// GDPR erasure with its audit trail (ABI 1.1).
class StoragePrivacy {
 public:
  static constexpr const char* kCapability = "privacy";
  virtual ~StoragePrivacy() = default;
  // Returns how many accounts went.
  virtual int64_t user_delete(std::string_view user_id, const mt5b_audit_record& audit) = 0;
  virtual void audit_append(const mt5b_audit_record& audit) = 0;
};

// Moving the schema to a given version, up or down (ABI 1.1).
class StorageMigrations {
 public:
  static constexpr const char* kCapability = "migrations";
  virtual ~StorageMigrations() = default;
  virtual int64_t migrate_to(int64_t target_version) = 0;
};

class BrokerSession {
 public:
  virtual ~BrokerSession() = default;
};

// The slots every broker plugin provides.
class BrokerPlugin : public PluginBase {
 public:
  static constexpr mt5b_plugin_kind kKind = MT5B_KIND_BROKER;
  virtual std::unique_ptr<BrokerSession> open_session(const mt5b_broker_login& login) = 0;
  virtual void account_info(BrokerSession& s, const Sink<mt5b_account_info>& emit) = 0;
  virtual void positions_get(BrokerSession& s, const Sink<mt5b_trade_position>& emit) = 0;
  virtual void history_deals_get(BrokerSession& s, const mt5b_history_query& q,
                                 const Sink<mt5b_trade_deal>& emit) = 0;
  virtual void symbol_info(BrokerSession& s, std::string_view symbol,
                           const Sink<mt5b_symbol_info>& emit) = 0;
};

// History orders (optional slot on_history_orders_get).
class BrokerOrders {
 public:
  static constexpr const char* kCapability = "history orders";
  virtual ~BrokerOrders() = default;
  virtual void history_orders_get(BrokerSession& s, const mt5b_history_query& q,
                                  const Sink<mt5b_trade_order>& emit) = 0;
};

// Last ticks (optional slot on_symbol_info_tick).
class BrokerTicks {
 public:
  static constexpr const char* kCapability = "ticks";
  virtual ~BrokerTicks() = default;
  virtual void symbol_info_tick(BrokerSession& s, std::string_view symbol, mt5b_tick& out) = 0;
};

// Backend connection states for /readyz and metrics (optional slot on_backend_states).
class BrokerBackendStates {
 public:
  static constexpr const char* kCapability = "backend states";
  virtual ~BrokerBackendStates() = default;
  virtual void backend_states(const Sink<mt5b_backend_state>& emit) = 0;
};

// ---------------------------------------------------------------------------------------------
// Thunks: the C side of a C++ plugin
// ---------------------------------------------------------------------------------------------

namespace detail {

struct Box {
  std::unique_ptr<PluginBase> plugin;
  std::string create_error;
};

// Last error per (thread, instance), as the ABI promises.
inline std::unordered_map<const void*, std::string>& last_errors() {
  thread_local std::unordered_map<const void*, std::string> errors;
  return errors;
}
inline std::string& last_error_slot(const void* instance) {
  return last_errors()[instance];
}

// Runs `fn`, converting every exception into a status and the instance's last error.
template <class Fn>
mt5b_status guarded(const void* instance, Fn&& fn) noexcept {
  try {
    fn();
    return MT5B_OK;
  } catch (const Error& e) {
    try {
      last_error_slot(instance) = e.what();
    } catch (...) {
    }
    return e.status();
  } catch (const std::exception& e) {
    try {
      last_error_slot(instance) = e.what();
    } catch (...) {
    }
    return MT5B_FAILED;
  } catch (...) {
    try {
      last_error_slot(instance) = "unknown exception";
    } catch (...) {
    }
    return MT5B_FAILED;
  }
}

template <class T>
T& self(mt5b_instance* instance) {
  auto* box = reinterpret_cast<Box*>(instance);
  // After a failed create only on_last_error and on_destroy are allowed; fail anything else.
  if (!box->plugin) throw Error(MT5B_FAILED, "the instance was not created");
  return static_cast<T&>(*box->plugin);
}

template <class T>
mt5b_status create(const mt5b_host_api* host, mt5b_str name, mt5b_str config_json,
                   mt5b_instance** out) noexcept {
  *out = nullptr;
  Box* box = nullptr;
  try {
    box = new Box();  // owned by the host's handle until on_destroy
  } catch (...) {
    return MT5B_FAILED;
  }
  *out = reinterpret_cast<mt5b_instance*>(box);
  (void)name;
  return guarded(box, [&] {
    Config config(view(config_json));
    box->plugin = std::make_unique<T>(Host(host), config);
  });
}

inline void destroy(mt5b_instance* instance) noexcept {
  std::unique_ptr<Box> box(reinterpret_cast<Box*>(instance));
  try {
    box.reset();
    // Only the calling thread's entry can be reached; the ABI defines last_error only after a
    // failed call, so an entry left on another thread is never read for a new instance.
    last_errors().erase(instance);
  } catch (...) {
  }
}

inline mt5b_str last_error(mt5b_instance* instance) noexcept {
  try {
    return str(last_error_slot(instance));
  } catch (...) {
    return str("");
  }
}

// ---- transport ----
template <class T>
mt5b_status transport_start(mt5b_instance* i, const mt5b_dispatcher* d) noexcept {
  return guarded(i, [&] { self<T>(i).start(*d); });
}
template <class T>
void transport_stop(mt5b_instance* i) noexcept {
  guarded(i, [&] { self<T>(i).stop(); });
}

// ---- auth ----
template <class T>
mt5b_status auth_authenticate(mt5b_instance* i, const mt5b_http_request* r,
                              void (*emit)(void*, const mt5b_principal*), void* ctx) noexcept {
  mt5b_status found = MT5B_OK;
  mt5b_status s = guarded(i, [&] {
    auto p = self<T>(i).authenticate(*r);
    if (!p) {
      found = MT5B_NOT_FOUND;
      return;
    }
    auto out = make<mt5b_principal>();
    out.kind = p->kind;
    out.subject = str(p->subject);
    out.role = str(p->role);
    out.expires_at_ms = p->expires_at_ms;
    emit(ctx, &out);
  });
  return s == MT5B_OK ? found : s;
}

// ---- storage ----
template <class T>
mt5b_status storage_migrate(mt5b_instance* i) noexcept {
  return guarded(i, [&] { self<T>(i).migrate(); });
}
template <class T>
mt5b_status storage_account_insert(mt5b_instance* i, const mt5b_account_record* a,
                                   const mt5b_credential_record* c) noexcept {
  return guarded(i, [&] {
    mt5b_account_record account;
    mt5b_credential_record credential;
    read_struct(a, account);
    read_struct(c, credential);
    self<T>(i).account_insert(account, credential);
  });
}
template <class T>
mt5b_status storage_account_get(mt5b_instance* i, mt5b_str id, mt5b_emit_account_fn emit,
                                void* ctx) noexcept {
  return guarded(i, [&] {
    self<T>(i).account_get(view(id), [&](const mt5b_account_record& r) { emit(ctx, &r); });
  });
}
template <class T>
mt5b_status storage_account_list(mt5b_instance* i, const mt5b_account_query* q,
                                 mt5b_emit_account_fn emit, void* ctx) noexcept {
  return guarded(i, [&] {
    mt5b_account_query query;
    read_struct(q, query);
    self<T>(i).account_list(query, [&](const mt5b_account_record& r) { emit(ctx, &r); });
  });
}
template <class T>
mt5b_status storage_account_count(mt5b_instance* i, const mt5b_account_query* q,
                                  int64_t* out) noexcept {
  return guarded(i, [&] {
    mt5b_account_query query;
    read_struct(q, query);
    *out = self<T>(i).account_count(query);
  });
}
template <class T>
mt5b_status storage_account_delete(mt5b_instance* i, mt5b_str id) noexcept {
  return guarded(i, [&] { self<T>(i).account_delete(view(id)); });
}
template <class T>
mt5b_status storage_credential_get(mt5b_instance* i, mt5b_str id,
                                   void (*emit)(void*, const mt5b_credential_record*),
                                   void* ctx) noexcept {
  return guarded(i, [&] {
    self<T>(i).credential_get(view(id), [&](const mt5b_credential_record& r) { emit(ctx, &r); });
  });
}
template <class T>
mt5b_status storage_ping(mt5b_instance* i) noexcept {
  return guarded(i, [&] { self<T>(i).ping(); });
}
template <class R>
auto emitter(void (*emit)(void*, const R*), void* ctx) {
  return [emit, ctx](const R& r) { emit(ctx, &r); };
}
template <class T>
mt5b_status storage_lease_due(mt5b_instance* i, const mt5b_lease_request* q,
                              mt5b_emit_account_fn emit, void* ctx) noexcept {
  return guarded(i, [&] {
    mt5b_lease_request request;
    read_struct(q, request);
    self<T>(i).lease_due(request, emitter(emit, ctx));
  });
}
template <class T>
mt5b_status storage_lease_release(mt5b_instance* i, mt5b_str id, mt5b_str owner) noexcept {
  return guarded(i, [&] { self<T>(i).lease_release(view(id), view(owner)); });
}
template <class T>
mt5b_status storage_sync_apply(mt5b_instance* i, const mt5b_sync_apply* a,
                               mt5b_sync_apply_result* out) noexcept {
  return guarded(i, [&] {
    mt5b_sync_apply apply;
    read_struct(a, apply);
    mt5b_sync_apply_result r = self<T>(i).sync_apply(apply);
    if (out) {
      uint32_t size = out->struct_size < sizeof r ? out->struct_size : sizeof r;
      r.struct_size = size;
      std::memcpy(out, &r, size);
    }
  });
}
template <class T>
mt5b_status storage_sync_log_put(mt5b_instance* i, const mt5b_sync_log_record* l) noexcept {
  return guarded(i, [&] {
    mt5b_sync_log_record log;
    read_struct(l, log);
    self<T>(i).sync_log_put(log);
  });
}
template <class T>
mt5b_status storage_sync_log_get(mt5b_instance* i, mt5b_str id,
                                 void (*emit)(void*, const mt5b_sync_log_record*),
                                 void* ctx) noexcept {
  return guarded(i, [&] { self<T>(i).sync_log_get(view(id), emitter(emit, ctx)); });
}
// The list slots share one shape: (query, emit).
#define MT5B_SDK_LIST_THUNK(NAME, RECORD)                                              \
  template <class T>                                                                   \
  mt5b_status storage_##NAME(mt5b_instance* i, const mt5b_record_query* q,             \
                             void (*emit)(void*, const RECORD*), void* ctx) noexcept { \
    return guarded(i, [&] {                                                            \
      mt5b_record_query query;                                                         \
      read_struct(q, query);                                                           \
      self<T>(i).NAME(query, emitter(emit, ctx));                                      \
    });                                                                                \
  }
MT5B_SDK_LIST_THUNK(sync_log_list, mt5b_sync_log_record)
MT5B_SDK_LIST_THUNK(position_list, mt5b_position_record)
MT5B_SDK_LIST_THUNK(trade_list, mt5b_trade_record)
MT5B_SDK_LIST_THUNK(deal_list, mt5b_deal_record)
MT5B_SDK_LIST_THUNK(transaction_list, mt5b_transaction_record)
#undef MT5B_SDK_LIST_THUNK
template <class T>
mt5b_status storage_credential_list(mt5b_instance* i,
                                    void (*emit)(void*, const mt5b_credential_record*),
                                    void* ctx) noexcept {
  return guarded(i, [&] { self<T>(i).credential_list(emitter(emit, ctx)); });
}
template <class T>
mt5b_status storage_credential_update(mt5b_instance* i, const mt5b_credential_record* c) noexcept {
  return guarded(i, [&] {
    mt5b_credential_record credential;
    read_struct(c, credential);
    self<T>(i).credential_update(credential);
  });
}
template <class T>
mt5b_status storage_user_delete(mt5b_instance* i, mt5b_str user, const mt5b_audit_record* a,
                                int64_t* out) noexcept {
  return guarded(i, [&] {
    mt5b_audit_record audit;
    read_struct(a, audit);
    int64_t n = self<T>(i).user_delete(view(user), audit);
    if (out) *out = n;
  });
}
template <class T>
mt5b_status storage_audit_append(mt5b_instance* i, const mt5b_audit_record* a) noexcept {
  return guarded(i, [&] {
    mt5b_audit_record audit;
    read_struct(a, audit);
    self<T>(i).audit_append(audit);
  });
}
template <class T>
mt5b_status storage_migrate_to(mt5b_instance* i, int64_t target, int64_t* out) noexcept {
  return guarded(i, [&] {
    int64_t v = self<T>(i).migrate_to(target);
    if (out) *out = v;
  });
}

// ---- broker ----
template <class T>
mt5b_status broker_session_open(mt5b_instance* i, const mt5b_broker_login* l,
                                mt5b_session** out) noexcept {
  *out = nullptr;
  return guarded(i, [&] {
    mt5b_broker_login login;
    read_struct(l, login);
    auto session = self<T>(i).open_session(login);
    if (!session) throw Error(MT5B_FAILED, "broker returned no session");
    *out = reinterpret_cast<mt5b_session*>(session.release());
  });
}
template <class T>
void broker_session_close(mt5b_instance* i, mt5b_session* s) noexcept {
  guarded(i, [&] { std::unique_ptr<BrokerSession> owned(reinterpret_cast<BrokerSession*>(s)); });
}
inline BrokerSession& session(mt5b_session* s) {
  return *reinterpret_cast<BrokerSession*>(s);
}

template <class T>
mt5b_status broker_account_info(mt5b_instance* i, mt5b_session* s,
                                void (*emit)(void*, const mt5b_account_info*), void* ctx) noexcept {
  return guarded(i, [&] {
    self<T>(i).account_info(session(s), [&](const mt5b_account_info& r) { emit(ctx, &r); });
  });
}
template <class T>
mt5b_status broker_positions_get(mt5b_instance* i, mt5b_session* s,
                                 void (*emit)(void*, const mt5b_trade_position*),
                                 void* ctx) noexcept {
  return guarded(i, [&] {
    self<T>(i).positions_get(session(s), [&](const mt5b_trade_position& r) { emit(ctx, &r); });
  });
}
template <class T>
mt5b_status broker_history_deals_get(mt5b_instance* i, mt5b_session* s, const mt5b_history_query* q,
                                     void (*emit)(void*, const mt5b_trade_deal*),
                                     void* ctx) noexcept {
  return guarded(i, [&] {
    mt5b_history_query query;
    read_struct(q, query);
    self<T>(i).history_deals_get(session(s), query,
                                 [&](const mt5b_trade_deal& r) { emit(ctx, &r); });
  });
}
template <class T>
mt5b_status broker_history_orders_get(mt5b_instance* i, mt5b_session* s,
                                      const mt5b_history_query* q,
                                      void (*emit)(void*, const mt5b_trade_order*),
                                      void* ctx) noexcept {
  return guarded(i, [&] {
    mt5b_history_query query;
    read_struct(q, query);
    self<T>(i).history_orders_get(session(s), query,
                                  [&](const mt5b_trade_order& r) { emit(ctx, &r); });
  });
}
template <class T>
mt5b_status broker_symbol_info(mt5b_instance* i, mt5b_session* s, mt5b_str symbol,
                               void (*emit)(void*, const mt5b_symbol_info*), void* ctx) noexcept {
  return guarded(i, [&] {
    self<T>(i).symbol_info(session(s), view(symbol),
                           [&](const mt5b_symbol_info& r) { emit(ctx, &r); });
  });
}
template <class T>
mt5b_status broker_symbol_info_tick(mt5b_instance* i, mt5b_session* s, mt5b_str symbol,
                                    mt5b_tick* out) noexcept {
  return guarded(i, [&] {
    auto tick = make<mt5b_tick>();
    self<T>(i).symbol_info_tick(session(s), view(symbol), tick);
    uint32_t size = out->struct_size < sizeof(mt5b_tick) ? out->struct_size : sizeof(mt5b_tick);
    std::memcpy(out, &tick, size);
    out->struct_size = size;
  });
}
template <class T>
mt5b_status broker_backend_states(mt5b_instance* i, void (*emit)(void*, const mt5b_backend_state*),
                                  void* ctx) noexcept {
  return guarded(
      i, [&] { self<T>(i).backend_states([&](const mt5b_backend_state& r) { emit(ctx, &r); }); });
}

// True when plugin class T offers capability C.
template <class T, class C>
inline constexpr bool offers = std::is_base_of_v<C, T>;

// The storage vtable of T: the required slots always, each capability's slots only when T
// derives from it (NULL otherwise, which is what the host checks).
template <class T>
mt5b_storage_vtable storage_vtable() {
  auto v = make<mt5b_storage_vtable>();
  v.on_migrate = &storage_migrate<T>;
  v.on_account_insert = &storage_account_insert<T>;
  v.on_account_get = &storage_account_get<T>;
  v.on_account_list = &storage_account_list<T>;
  v.on_account_count = &storage_account_count<T>;
  v.on_account_delete = &storage_account_delete<T>;
  v.on_credential_get = &storage_credential_get<T>;
  v.on_ping = &storage_ping<T>;
  if constexpr (offers<T, StorageSync>) {
    v.on_lease_due = &storage_lease_due<T>;
    v.on_lease_release = &storage_lease_release<T>;
    v.on_sync_apply = &storage_sync_apply<T>;
    v.on_sync_log_put = &storage_sync_log_put<T>;
    v.on_sync_log_get = &storage_sync_log_get<T>;
  }
  if constexpr (offers<T, StorageRecordLists>) {
    v.on_sync_log_list = &storage_sync_log_list<T>;
    v.on_position_list = &storage_position_list<T>;
    v.on_trade_list = &storage_trade_list<T>;
    v.on_deal_list = &storage_deal_list<T>;
    v.on_transaction_list = &storage_transaction_list<T>;
  }
  if constexpr (offers<T, StorageKeyRotation>) {
    v.on_credential_list = &storage_credential_list<T>;
    v.on_credential_update = &storage_credential_update<T>;
  }
  if constexpr (offers<T, StoragePrivacy>) {
    v.on_user_delete = &storage_user_delete<T>;
    v.on_audit_append = &storage_audit_append<T>;
  }
  if constexpr (offers<T, StorageMigrations>) v.on_migrate_to = &storage_migrate_to<T>;
  return v;
}

template <class T>
mt5b_broker_vtable broker_vtable() {
  auto v = make<mt5b_broker_vtable>();
  v.on_session_open = &broker_session_open<T>;
  v.on_session_close = &broker_session_close<T>;
  v.on_account_info = &broker_account_info<T>;
  v.on_positions_get = &broker_positions_get<T>;
  v.on_history_deals_get = &broker_history_deals_get<T>;
  v.on_symbol_info = &broker_symbol_info<T>;
  if constexpr (offers<T, BrokerOrders>) v.on_history_orders_get = &broker_history_orders_get<T>;
  if constexpr (offers<T, BrokerTicks>) v.on_symbol_info_tick = &broker_symbol_info_tick<T>;
  if constexpr (offers<T, BrokerBackendStates>) v.on_backend_states = &broker_backend_states<T>;
  return v;
}

template <class T>
const void* kind_vtable() {
  if constexpr (std::is_base_of_v<TransportPlugin, T>) {
    static const mt5b_transport_vtable v{sizeof(mt5b_transport_vtable), 0, &transport_start<T>,
                                         &transport_stop<T>};
    return &v;
  } else if constexpr (std::is_base_of_v<AuthPlugin, T>) {
    static const mt5b_auth_vtable v{sizeof(mt5b_auth_vtable), 0, &auth_authenticate<T>};
    return &v;
  } else if constexpr (std::is_base_of_v<StoragePlugin, T>) {
    static const mt5b_storage_vtable v = storage_vtable<T>();
    return &v;
  } else {
    static const mt5b_broker_vtable v = broker_vtable<T>();
    return &v;
  }
}

// A capability belongs to one kind: deriving from another kind's capability is a mistake the
// SDK would otherwise ignore silently.
template <class T>
constexpr bool capabilities_match_kind() {
  constexpr bool storage_caps = offers<T, StorageSync> || offers<T, StorageRecordLists> ||
                                offers<T, StorageKeyRotation> || offers<T, StoragePrivacy> ||
                                offers<T, StorageMigrations>;
  constexpr bool broker_caps =
      offers<T, BrokerOrders> || offers<T, BrokerTicks> || offers<T, BrokerBackendStates>;
  return (!storage_caps || std::is_base_of_v<StoragePlugin, T>)&&(
      !broker_caps || std::is_base_of_v<BrokerPlugin, T>);
}

}  // namespace detail

// The descriptor of plugin class T. T derives from one kind's base class and provides
// kName, kVersion, kDescription, options() and a constructor (Host, const Config&).
template <class T>
const mt5b_plugin_descriptor* descriptor() {
  static_assert(std::is_base_of_v<TransportPlugin, T> || std::is_base_of_v<AuthPlugin, T> ||
                    std::is_base_of_v<StoragePlugin, T> || std::is_base_of_v<BrokerPlugin, T>,
                "a plugin class must derive from TransportPlugin, AuthPlugin, StoragePlugin or "
                "BrokerPlugin");
  static_assert(!std::is_abstract_v<T>,
                "a plugin class must implement every method of its kind's base class and of each "
                "capability it derives from (StorageSync, StorageRecordLists, ...): a capability "
                "is offered whole or not at all; the compiler names the missing methods below");
  static_assert(std::is_constructible_v<T, Host, const Config&>,
                "a plugin class needs a constructor T(mt5b::sdk::Host, const mt5b::sdk::Config&)");
  static_assert(std::is_convertible_v<decltype(T::kName), const char*>,
                "a plugin class needs `static constexpr const char* kName`");
  static_assert(std::is_convertible_v<decltype(T::kVersion), const char*>,
                "a plugin class needs `static constexpr const char* kVersion`");
  static_assert(std::is_convertible_v<decltype(T::kDescription), const char*>,
                "a plugin class needs `static constexpr const char* kDescription`");
  static_assert(detail::capabilities_match_kind<T>(),
                "a plugin class derives from a capability of another kind (Storage* "
                "capabilities belong to StoragePlugin, Broker* ones to BrokerPlugin)");
  static const std::span<const mt5b_option> opts = T::options();
  static const mt5b_plugin_descriptor d{sizeof(mt5b_plugin_descriptor),
                                        static_cast<uint32_t>(T::kKind),
                                        T::kName,
                                        T::kVersion,
                                        T::kDescription,
                                        opts.data(),
                                        static_cast<uint32_t>(opts.size()),
                                        0,
                                        &detail::create<T>,
                                        &detail::destroy,
                                        &detail::last_error,
                                        detail::kind_vtable<T>()};
  return &d;
}

}  // namespace mt5b::sdk
#pragma GCC visibility pop

// Defines `const mt5b_plugin_list* FN(void)` returning the given descriptors. Use it directly
// to register plugins statically in tests; MT5B_EXPORT_PLUGINS uses it for the entry symbol.
#define MT5B_DEFINE_PLUGIN_LIST(FN, ...)                                   \
  const mt5b_plugin_list* FN(void) {                                       \
    static const mt5b_plugin_descriptor* const plugins_[] = {__VA_ARGS__}; \
    static const mt5b_plugin_list list_{                                   \
        sizeof(mt5b_plugin_list),                                          \
        MT5B_ABI_VERSION_MAJOR,                                            \
        MT5B_ABI_VERSION_MINOR,                                            \
        static_cast<uint32_t>(sizeof(plugins_) / sizeof(plugins_[0])),     \
        0,                                                                 \
        plugins_};                                                         \
    return &list_;                                                         \
  }

// Exports the library's one entry symbol listing the given descriptors.
#define MT5B_EXPORT_PLUGINS(...) \
  extern "C" MT5B_EXPORT MT5B_DEFINE_PLUGIN_LIST(mt5b_plugin_entry, __VA_ARGS__)

#endif  // MT5BRIDGE_SDK_HPP
