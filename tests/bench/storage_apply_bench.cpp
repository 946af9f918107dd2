// storage_apply_bench: applies N synthetic account syncs through a storage plugin's C ABI, the
// way the host's sync engine does (lease the account, apply the sync in one call, release the
// lease), from T threads, and prints accounts/s. storage_apply_bench.sh runs it against SQLite
// and PostgreSQL next to a reference measured in the same run (README.md here).
//
//   storage_apply_bench --plugin PATH --config JSON [--accounts N] [--threads T] [--label L]
//                       [--setup-only [--reference-sql FILE --dialect sqlite|postgres
//                        --reference-parts K]] [--skip-setup]
//
// `{tmp}` in the config becomes a new temporary directory, removed at the end. Each account's
// sync is a first sync: 20 open positions, 50 deals (25 closed round trips), their 25 closed
// trades, 3 balance transactions, a new snapshot and a sync log. Accounts are inserted before
// the clock starts. --setup-only inserts the accounts and, with --reference-sql, writes the
// same rows for psql (COPY) or sqlite3 (multi-row INSERT) to time, one transaction per file;
// --skip-setup applies to accounts an earlier --setup-only run inserted (so a caller measuring
// the server's CPU measures the syncs alone). The RESULT line has the driver's own CPU time.
#include "storage_apply_bench.hpp"

#include <mt5bridge/testing.hpp>

#include <dlfcn.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace storage_bench;

// Every failure ends the run through main(), so the store is closed and {tmp} removed.
[[noreturn]] void die(const std::string& message) {
  throw std::runtime_error(message);
}

// ---- the plugin, through its C ABI only ----
class Store {
 public:
  Store(const std::string& path, const std::string& config, const mt5b_host_api* host) {
    library_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library_ == nullptr) die(std::string("cannot load the plugin: ") + dlerror());
    auto entry = reinterpret_cast<mt5b_plugin_entry_fn>(dlsym(library_, "mt5b_plugin_entry"));
    if (entry == nullptr) die(path + " exports no mt5b_plugin_entry");
    const mt5b_plugin_list* list = entry();
    for (uint32_t i = 0; i < list->count && descriptor_ == nullptr; ++i) {
      if (list->plugins[i]->kind == MT5B_KIND_STORAGE) descriptor_ = list->plugins[i];
    }
    if (descriptor_ == nullptr) die(path + " offers no storage plugin");
    mt5b::sdk::read_struct(static_cast<const mt5b_storage_vtable*>(descriptor_->kind_vtable), v_);
    if (!v_.on_lease_due || !v_.on_sync_apply || !v_.on_lease_release)
      die(std::string(descriptor_->name) + " lacks the ABI 1.1 sync slots");
    check(descriptor_->on_create(host, str("bench"), str(config), &instance_), "on_create");
    check(v_.on_migrate(instance_), "on_migrate");
  }
  ~Store() {
    if (instance_) descriptor_->on_destroy(instance_);
    // The library stays loaded: a plugin's threads may still be unwinding.
  }
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const char* name() const { return descriptor_->name; }
  const mt5b_storage_vtable& v() const { return v_; }
  mt5b_instance* instance() const { return instance_; }

  void check(mt5b_status status, const char* call) const {
    if (status == MT5B_OK) return;
    std::string detail;
    if (instance_ != nullptr) detail = mt5b::sdk::copy(descriptor_->on_last_error(instance_));
    die(std::string(call) + " failed with " + mt5b::sdk::status_name(status) + ": " + detail);
  }

 private:
  void* library_ = nullptr;
  const mt5b_plugin_descriptor* descriptor_ = nullptr;
  mt5b_storage_vtable v_{};
  mt5b_instance* instance_ = nullptr;
};

struct Options {
  std::string plugin, config, label, reference_sql, dialect = "postgres";
  int accounts = 1000, threads = 1, reference_parts = 1;
  bool setup_only = false, skip_setup = false;
};

// ---- the reference: the same rows, written the fastest plain way, one transaction a session ----
constexpr int kRowsPerAccount = kPositions + kClosedTrades + kDeals + kTransactions + 1;

std::string iso_ms(int64_t ms, int64_t offset_s) {  // 2025-11-12T10:30:00.000+02:00 or ...Z
  const int64_t wall_ms = ms + offset_s * 1000;
  const time_t seconds = static_cast<time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[48];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(text, n);
  std::snprintf(text, sizeof text, ".%03lld", static_cast<long long>(wall_ms % 1000));
  out += text;
  if (offset_s == 0) return out + "Z";
  std::snprintf(text, sizeof text, "%c%02lld:%02lld", offset_s < 0 ? '-' : '+',
                static_cast<long long>(std::llabs(offset_s) / 3600),
                static_cast<long long>(std::llabs(offset_s) % 3600 / 60));
  return out + text;
}

// Collects the rows of one table and writes them, 1000 at a time, as one multi-row INSERT
// (SQLite) or one COPY ... FROM stdin with its data inline (PostgreSQL's fastest way in).
class RowWriter {
 public:
  RowWriter(std::ofstream& out, bool copy, std::string table, std::string columns)
      : out_(out), copy_(copy), table_(std::move(table)), columns_(std::move(columns)) {}
  ~RowWriter() { flush(); }
  RowWriter& row() {
    if (rows_ == 1000) flush();
    if (!copy_) data_ += rows_ == 0 ? "(" : ",\n(";
    ++rows_;
    first_ = true;
    return *this;
  }
  RowWriter& text(std::string_view v) {
    sep();
    if (!copy_) data_ += '\'';
    for (char c : v) {
      if (copy_ && (c == '\\' || c == '\t' || c == '\n')) data_ += '\\';
      data_ += c;
      if (!copy_ && c == '\'') data_ += c;
    }
    if (!copy_) data_ += '\'';
    return *this;
  }
  RowWriter& text(mt5b_str v) { return text(mt5b::sdk::view(v)); }
  RowWriter& number(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.10g", v);
    return raw(buffer);
  }
  RowWriter& integer(int64_t v) { return raw(std::to_string(v)); }
  RowWriter& null() { return raw(copy_ ? "\\N" : "NULL"); }
  RowWriter& end() {
    data_ += copy_ ? '\n' : ')';
    return *this;
  }

 private:
  void sep() {
    if (!first_) data_ += copy_ ? '\t' : ',';
    first_ = false;
  }
  RowWriter& raw(const std::string& v) {
    sep();
    data_ += v;
    return *this;
  }
  void flush() {
    if (rows_ > 0 && copy_)
      out_ << "COPY " << table_ << " (" << columns_ << ") FROM stdin;\n" << data_ << "\\.\n";
    if (rows_ > 0 && !copy_)
      out_ << "INSERT INTO " << table_ << " (" << columns_ << ") VALUES\n" << data_ << ";\n";
    data_.clear();
    rows_ = 0;
  }
  std::ofstream& out_;
  bool copy_;
  std::string table_, columns_, data_;
  int rows_ = 0;
  bool first_ = true;
};

// Accounts n with n % parts == part, into `path`.
void write_reference_sql(const Options& o, int64_t now_ms, int part, const std::string& path) {
  std::ofstream out(path);
  if (!out) die("cannot write " + path);
  if (o.dialect == "sqlite") out << "PRAGMA foreign_keys = ON;\nPRAGMA synchronous = NORMAL;\n";
  out << "BEGIN;\n";
  {
    const bool copy = o.dialect == "postgres";
    RowWriter trades(out, copy, "trades",
                     "account_id, user_id, ticket, position_id, segment, status, symbol, "
                     "canonical_symbol, type, volume, open_price, close_price, current_price, "
                     "stop_loss, take_profit, open_time, open_time_broker, close_time, "
                     "close_time_broker, profit, swap, commission, fee, net_profit, pips, points, "
                     "close_reason, magic, comment");
    RowWriter deals(out, copy, "deals",
                    "account_id, ticket, order_ticket, position_id, symbol, type, entry, reason, "
                    "magic, volume, price, profit, swap, commission, fee, deal_time, "
                    "deal_time_broker, deal_time_msc, comment, external_id");
    RowWriter transactions(out, copy, "account_transactions",
                           "account_id, ticket, deal_type, type, amount, comment, "
                           "transaction_time, transaction_time_broker");
    RowWriter logs(out, copy, "sync_logs",
                   "id, account_id, sync_type, started_at, completed_at, status, trades_synced, "
                   "deals_synced, error_message, duration_ms");
    Sync s;
    for (int n = part; n < o.accounts; n += o.reference_parts) {
      make_sync(n, now_ms, s);
      for (const auto& p : s.positions) {
        trades.row().text(s.id).text(s.user_id).integer(p.ticket).integer(p.ticket).integer(0);
        trades.text("open").text(p.symbol).text(p.canonical_symbol).text(p.type).number(p.volume);
        trades.number(p.open_price).null().number(p.current_price).number(p.sl).number(p.tp);
        trades.text(iso_ms(p.open_time_ms, 0)).text(iso_ms(p.open_time_ms, p.broker_offset_s));
        trades.null().null().number(p.profit).number(p.swap).number(p.commission).number(0);
        trades.number(0).null().null().null().integer(p.magic).text(p.comment).end();
      }
      for (const auto& t : s.trades) {
        trades.row().text(s.id).text(s.user_id).integer(t.ticket).integer(t.position_id);
        trades.integer(t.segment).text("closed").text(t.symbol).text(t.canonical_symbol);
        trades.text(t.type).number(t.volume).number(t.open_price).number(t.close_price).null();
        trades.null().null().text(iso_ms(t.open_time_ms, 0));
        trades.text(iso_ms(t.open_time_ms, t.broker_offset_s)).text(iso_ms(t.close_time_ms, 0));
        trades.text(iso_ms(t.close_time_ms, t.broker_offset_s)).number(t.profit).number(t.swap);
        trades.number(t.commission).number(t.fee).number(t.net_profit).number(t.pips);
        trades.number(t.points).text(t.close_reason).null().null().end();
      }
      for (const auto& r : s.deals) {
        const mt5b_trade_deal& d = *r.deal;
        deals.row().text(s.id).integer(d.ticket).integer(d.order).integer(d.position_id);
        deals.text(d.symbol).integer(d.type).integer(d.entry).integer(d.reason).integer(d.magic);
        deals.number(d.volume).number(d.price).number(d.profit).number(d.swap);
        deals.number(d.commission).number(d.fee).text(iso_ms(r.time_ms, 0));
        deals.text(iso_ms(r.time_ms, kOffsetS)).integer(d.time_msc).null().null().end();
      }
      for (const auto& x : s.transactions) {
        transactions.row().text(s.id).integer(x.ticket).integer(x.deal_type).text(x.kind);
        transactions.number(x.amount).text(x.comment).text(iso_ms(x.time_ms, 0));
        transactions.text(iso_ms(x.time_ms, kOffsetS)).end();
      }
      logs.row()
          .text(s.log_id)
          .text(s.id)
          .text(s.log.sync_type)
          .text(iso_ms(s.log.started_at_ms, 0));
      logs.text(iso_ms(s.log.completed_at_ms, 0)).text(s.log.status);
      logs.integer(s.log.trades_synced).integer(s.log.deals_synced).null();
      logs.integer(s.log.duration_ms).end();
    }
  }
  out << "COMMIT;\n";
}

// One file, or with --reference-parts K > 1, FILE.0 ... FILE.<K-1> for K concurrent sessions.
void write_reference_sql(const Options& o, int64_t now_ms) {
  if (o.reference_parts == 1) return write_reference_sql(o, now_ms, 0, o.reference_sql);
  for (int part = 0; part < o.reference_parts; ++part)
    write_reference_sql(o, now_ms, part, o.reference_sql + "." + std::to_string(part));
}

// ---- the run ----
double process_cpu_seconds() {  // user + system, every thread of this process
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--plugin")
      o.plugin = value();
    else if (arg == "--config")
      o.config = value();
    else if (arg == "--accounts")
      o.accounts = std::stoi(value());
    else if (arg == "--threads")
      o.threads = std::stoi(value());
    else if (arg == "--label")
      o.label = value();
    else if (arg == "--reference-sql")
      o.reference_sql = value();
    else if (arg == "--dialect")
      o.dialect = value();
    else if (arg == "--reference-parts")
      o.reference_parts = std::stoi(value());
    else if (arg == "--setup-only")
      o.setup_only = true;
    else if (arg == "--skip-setup")
      o.skip_setup = true;
    else
      die("unknown argument " + arg + "; see the comment at the top of storage_apply_bench.cpp");
  }
  if (o.plugin.empty() || o.config.empty()) die("--plugin and --config are required");
  if (o.accounts < 1 || o.threads < 1 || o.reference_parts < 1)
    die("--accounts, --threads and --reference-parts must be at least 1");
  return o;
}

// Runs body(n, thread) for n in [0, count) on `threads` threads; the first failure stops them
// all and is rethrown here.
template <class Body>
void parallel(int count, int threads, Body body) {
  std::atomic<int> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      try {
        for (int n = next++; n < count; n = next++) body(n, t);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;
      }
    });
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

int run(const Options& o) {
  using Clock = std::chrono::steady_clock;
  mt5b::sdk::testing::FakeHost host;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  host.set_now_ms(now_ms);
  Store store(o.plugin, o.config, host.api());
  const std::string label = o.label.empty() ? store.name() : o.label;

  if (!o.skip_setup)
    parallel(o.accounts, o.threads, [&](int n, int) {  // set-up: not timed
      const std::string id = uuid(0xacc, n), user = uuid(0x05e4, n % 97);
      const auto account = account_record(id, user, n, now_ms);
      auto credential = mt5b::sdk::make<mt5b_credential_record>();
      credential.account_id = str(id);
      credential.user_id = str(user);
      credential.key_id = str("k1");
      credential.ciphertext = str("sealed-bytes-of-the-broker-password");
      credential.created_at_ms = now_ms;
      store.check(store.v().on_account_insert(store.instance(), &account, &credential),
                  "on_account_insert");
    });
  if (o.setup_only) {
    if (!o.reference_sql.empty()) write_reference_sql(o, now_ms);
    return 0;
  }

  std::vector<std::vector<double>> latencies_ms(o.threads);
  std::atomic<int64_t> deals{0}, trades{0};
  const double cpu_before = process_cpu_seconds();
  const auto started = Clock::now();
  parallel(o.accounts, o.threads, [&](int n, int t) {
    const auto begin = Clock::now();
    Sync s;
    make_sync(n, now_ms, s);
    const std::string owner = "bench-" + std::to_string(t);
    auto request = mt5b::sdk::make<mt5b_lease_request>();
    request.owner = str(owner);
    request.account_id = str(s.id);
    request.now_ms = now_ms;
    request.lease_ttl_ms = 300'000;
    request.limit = 1;
    int leased = 0;
    store.check(store.v().on_lease_due(
                    store.instance(), &request,
                    [](void* c, const mt5b_account_record*) { ++*static_cast<int*>(c); }, &leased),
                "on_lease_due");
    if (leased != 1) die("on_lease_due did not lease account " + s.id);
    auto apply = mt5b::sdk::make<mt5b_sync_apply>();
    apply.snapshot_valid = 1;
    apply.lease_owner = str(owner);
    apply.account = &s.account;
    apply.positions = s.positions.data();
    apply.position_count = kPositions;
    apply.replace_positions = 1;
    apply.trades = s.trades.data();
    apply.trade_count = kClosedTrades;
    apply.deals = s.deals.data();
    apply.deal_count = kDeals;
    apply.transactions = s.transactions.data();
    apply.transaction_count = kTransactions;
    apply.sync_log = &s.log;
    auto result = mt5b::sdk::make<mt5b_sync_apply_result>();
    store.check(store.v().on_sync_apply(store.instance(), &apply, &result), "on_sync_apply");
    store.check(store.v().on_lease_release(store.instance(), str(s.id), str(owner)),
                "on_lease_release");
    deals += result.deals_inserted;
    trades += result.trades_inserted;
    latencies_ms[t].push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
  });
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const double cpu_seconds = process_cpu_seconds() - cpu_before;  // the plugin's side, mostly

  if (deals != int64_t{kDeals} * o.accounts || trades != int64_t{kClosedTrades} * o.accounts)
    die("the plugin inserted " + std::to_string(deals.load()) + " deals and " +
        std::to_string(trades.load()) + " trades; expected " + std::to_string(kDeals) + " and " +
        std::to_string(kClosedTrades) + " per account");
  std::vector<double> all;
  for (const auto& l : latencies_ms) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) { return all[static_cast<size_t>(p * (all.size() - 1))]; };
  const double per_s = o.accounts / seconds;
  std::printf(
      "%s: %d accounts, %d thread(s), %.2f s: %.0f accounts/s, %.0f rows/s; per account "
      "(lease + apply + release) p50 %.1f ms, p99 %.1f ms\n",
      label.c_str(), o.accounts, o.threads, seconds, per_s, per_s * kRowsPerAccount,
      percentile(0.5), percentile(0.99));
  std::printf("RESULT %s accounts_per_s=%.1f seconds=%.3f client_cpu_s=%.3f\n", label.c_str(),
              per_s, seconds, cpu_seconds);
  return 0;
}

// `{tmp}` in the config: a temporary directory for file stores, removed on exit.
class TempDir {
 public:
  std::string path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "storage-bench-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) die("cannot create a temporary directory");
    path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

int main(int argc, char** argv) {
  try {
    Options options = parse(argc, argv);
    std::optional<TempDir> tmp;
    if (const auto at = options.config.find("{tmp}"); at != std::string::npos) {
      tmp.emplace();
      options.config.replace(at, 5, tmp->path);
    }
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "storage_apply_bench: " << e.what() << "\n";
    return 1;
  }
}
