// auth-apikey through the C ABI, loaded from the built library the way the host loads it.
#include <mt5bridge/testing.hpp>

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

namespace {

namespace sdk = mt5b::sdk;

const std::string kKey = "abi-test-key-5e0c7d13a9b2f468";

struct LibraryCloser {
  void operator()(void* handle) const { dlclose(handle); }
};

// The plugin library and its auth-apikey descriptor.
class LoadedPlugin {
 public:
  LoadedPlugin() : library_(dlopen(PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL)) {
    if (!library_) return;
    auto entry =
        reinterpret_cast<mt5b_plugin_entry_fn>(dlsym(library_.get(), MT5B_PLUGIN_ENTRY_SYMBOL));
    if (!entry) return;
    const mt5b_plugin_list* list = entry();
    for (uint32_t i = 0; list && i < list->count; ++i)
      if (std::string_view(list->plugins[i]->name) == "auth-apikey") descriptor_ = list->plugins[i];
  }
  const mt5b_plugin_descriptor* descriptor() const { return descriptor_; }
  const mt5b_auth_vtable* auth() const {
    return static_cast<const mt5b_auth_vtable*>(descriptor_->kind_vtable);
  }

 private:
  std::unique_ptr<void, LibraryCloser> library_;
  const mt5b_plugin_descriptor* descriptor_ = nullptr;
};

// One instance, destroyed through the descriptor whether or not create succeeded.
class Instance {
 public:
  Instance(const LoadedPlugin& plugin, const sdk::testing::FakeHost& host,
           const std::string& config)
      : plugin_(plugin) {
    status_ = plugin.descriptor()->on_create(host.api(), sdk::str("service-keys"), sdk::str(config),
                                             &handle_);
  }
  ~Instance() {
    if (handle_) plugin_.descriptor()->on_destroy(handle_);
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  mt5b_status create_status() const { return status_; }
  std::string last_error() const { return sdk::copy(plugin_.descriptor()->on_last_error(handle_)); }
  mt5b_status authenticate(const mt5b_http_request& request, std::string& subject) {
    return plugin_.auth()->on_authenticate(
        handle_, &request,
        [](void* ctx, const mt5b_principal* principal) {
          *static_cast<std::string*>(ctx) = sdk::copy(principal->subject);
        },
        &subject);
  }

 private:
  const LoadedPlugin& plugin_;
  mt5b_instance* handle_ = nullptr;
  mt5b_status status_ = MT5B_FAILED;
};

mt5b_http_request request_with(const mt5b_header* headers, uint32_t count) {
  auto request = sdk::make<mt5b_http_request>();
  request.method = sdk::str("GET");
  request.path = sdk::str("/api/mt5/accounts");
  request.headers = headers;
  request.header_count = count;
  return request;
}

TEST(ApiKeyAbi, library_exports_an_auth_descriptor_with_its_options) {
  LoadedPlugin plugin;
  ASSERT_NE(plugin.descriptor(), nullptr) << "could not load auth-apikey from " << PLUGIN_PATH;
  EXPECT_EQ(plugin.descriptor()->kind, static_cast<uint32_t>(MT5B_KIND_AUTH));
  EXPECT_EQ(plugin.descriptor()->option_count, 1u);
  EXPECT_NE(plugin.auth()->on_authenticate, nullptr);
}

TEST(ApiKeyAbi, authenticates_accepts_refuses_and_reports_why) {
  LoadedPlugin plugin;
  ASSERT_NE(plugin.descriptor(), nullptr);
  sdk::testing::FakeHost host;
  Instance instance(plugin, host, R"({"keys": [")" + kKey + R"("]})");
  ASSERT_EQ(instance.create_status(), MT5B_OK);

  const mt5b_header valid[] = {{sdk::str("x-api-key"), sdk::str(kKey)}};
  std::string subject;
  EXPECT_EQ(instance.authenticate(request_with(valid, 1), subject), MT5B_OK);
  EXPECT_EQ(subject, "key-1");

  const mt5b_header wrong[] = {{sdk::str("X-API-Key"), sdk::str("not-the-configured-key")}};
  subject.clear();
  EXPECT_EQ(instance.authenticate(request_with(wrong, 1), subject), MT5B_UNAUTHENTICATED);
  EXPECT_TRUE(subject.empty());
  EXPECT_NE(instance.last_error().find("does not match"), std::string::npos);

  EXPECT_EQ(instance.authenticate(request_with(nullptr, 0), subject), MT5B_NOT_FOUND);
}

TEST(ApiKeyAbi, create_refuses_a_short_key_with_a_sentence_that_omits_it) {
  LoadedPlugin plugin;
  ASSERT_NE(plugin.descriptor(), nullptr);
  sdk::testing::FakeHost host;
  Instance instance(plugin, host, R"({"keys": ["too-short-key"]})");
  EXPECT_EQ(instance.create_status(), MT5B_INVALID_ARGUMENT);
  const std::string reason = instance.last_error();
  EXPECT_NE(reason.find("openssl rand -hex 32"), std::string::npos);
  EXPECT_TRUE(reason.find("too-short-key") == std::string::npos);
}

}  // namespace
