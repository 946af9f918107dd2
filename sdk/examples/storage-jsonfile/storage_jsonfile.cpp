// storage-jsonfile: every storage slot of ABI 1.1 over one JSON file. An SDK example to copy; it
// passes the storage conformance suite. Not for production: every call reads the whole file and
// every change rewrites it.
//
// The file:  {"schema_version": 2, "audit_log": [...], "accounts": {"<id>": ENTRY, ...}}
// ENTRY:     {"account": {...}, "credential": {...}, "lease_owner": "", "lease_expires_at_ms": 0,
//             "positions": [], "trades": [], "deals": [], "transactions": [], "sync_logs": []}
// Everything of an account lives in its entry, so removing the entry is the cascade.
#include "json_file.hpp"
#include "json_records.hpp"

#include <mt5bridge/sdk.hpp>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

namespace storage_jsonfile {
namespace {

using mt5b::sdk::Error;
using mt5b::sdk::view;
using rapidjson::Document;
using rapidjson::Value;

constexpr int64_t kLatestSchema = 2;  // 1: accounts and synced data; 2: leases, audit log
constexpr const char* kRecordLists[] = {"positions", "trades", "deals", "transactions",
                                        "sync_logs"};
// What a sync apply copies onto the account: its sync state, and its snapshot when valid.
constexpr const char* kSyncStateFields[] = {"connection_status",
                                            "last_connection_error",
                                            "sync_failure_count",
                                            "next_sync_at_ms",
                                            "last_sync_at_ms",
                                            "last_successful_sync_at_ms",
                                            "broker_server_time_offset_s"};
constexpr const char* kSnapshotFields[] = {"currency",     "leverage", "balance",
                                           "equity",       "margin",   "free_margin",
                                           "margin_level", "credit",   "profit"};

// ---- the store file ----
Value& member(Value& object, const char* name) {
  const auto m = object.FindMember(name);
  if (m == object.MemberEnd())
    throw Error(MT5B_FAILED, std::string("the store file lacks '") + name +
                                 "'; it was edited by hand or is damaged: restore a backup");
  return m->value;
}
void require(mt5b_str value, const std::string& what) {
  if (value.size == 0) throw Error(MT5B_INVALID_ARGUMENT, what + " is empty; pass it");
}

Value& accounts(Value& db) {
  if (!db.HasMember("accounts"))
    throw Error(MT5B_FAILED, "the store is at schema version 0; run `mt5bridge migrate` first");
  return db["accounts"];
}
Value* find_entry(Value& db, std::string_view account_id) {
  Value& all = accounts(db);
  const auto m = all.FindMember(key(account_id));
  return m == all.MemberEnd() ? nullptr : &m->value;
}
Value& entry_of(Value& db, std::string_view account_id) {
  if (Value* entry = find_entry(db, account_id)) return *entry;
  throw Error(MT5B_NOT_FOUND, "no account with id '" + std::string(account_id) + "' exists");
}

// ---- records ----
// The credential as stored: its fields and the ciphertext hex-encoded.
Value credential_json(const mt5b_credential_record& credential, Allocator& a) {
  Value out = to_json(credential, a);
  out.AddMember("ciphertext_hex", copy_of(hex(view(credential.ciphertext)), a), a);
  return out;
}
// `bytes` holds the decoded ciphertext for as long as the record is used.
mt5b_credential_record credential_record(const Value& stored, std::string& bytes) {
  auto record = from_json<mt5b_credential_record>(stored);
  bytes = unhex(text(stored, "ciphertext_hex"));
  record.ciphertext = mt5b::sdk::str(bytes);
  return record;
}

// ---- lists ----
struct ListShape {
  const char* time;    // the record's time for [from_ms, to_ms], or nullptr
  const char* tie;     // the second sort key
  const char* symbol;  // the field query.symbol filters on, or nullptr
  bool newest_first;
};
// The records of query.account_id in `list` that the query selects, in the shape's order.
std::vector<const Value*> select(Document& db, const char* list, const mt5b_record_query& query,
                                 const ListShape& shape) {
  require(query.account_id, "the query's account_id (whose records to list)");
  std::vector<const Value*> out;
  Value* entry = find_entry(db, view(query.account_id));
  if (entry == nullptr) return out;  // no such account: an empty list
  for (const Value& r : member(*entry, list).GetArray()) {
    const int64_t time = shape.time ? integer(r, shape.time) : 0;
    if (shape.symbol && query.symbol.size != 0 && text(r, shape.symbol) != view(query.symbol))
      continue;
    if (shape.time &&
        ((query.from_ms != 0 && time < query.from_ms) || (query.to_ms != 0 && time > query.to_ms)))
      continue;
    out.push_back(&r);
  }
  std::sort(out.begin(), out.end(), [&](const Value* a, const Value* b) {
    if (shape.newest_first) std::swap(a, b);
    if (shape.time && integer(*a, shape.time) != integer(*b, shape.time))
      return integer(*a, shape.time) < integer(*b, shape.time);
    return less((*a)[shape.tie], (*b)[shape.tie]);
  });
  return page(std::move(out), query.offset, query.limit);
}

// ---- sync apply ----
// Checks every record of an apply before anything is written: one invalid record anywhere
// fails the whole apply.
void validate(const mt5b_sync_apply& apply, std::string_view account_id) {
  auto same_account = [&](mt5b_str id, const std::string& what) {
    if (id.size != 0 && view(id) != account_id)
      throw Error(MT5B_INVALID_ARGUMENT, what +
                                             " is of another account; apply each account on "
                                             "its own (nothing was written)");
  };
  auto side = [](mt5b_str type, const std::string& what) {
    if (view(type) != "buy" && view(type) != "sell")
      throw Error(MT5B_INVALID_ARGUMENT, what + " has type '" + mt5b::sdk::copy(type) +
                                             "'; use buy or sell (nothing was written)");
  };
  for (uint32_t i = 0; i < apply.position_count; ++i) {
    const auto p = element(apply.positions, i);
    same_account(p.account_id, "position " + std::to_string(p.ticket));
    side(p.type, "position " + std::to_string(p.ticket));
  }
  for (uint32_t i = 0; i < apply.trade_count; ++i) {
    const auto t = element(apply.trades, i);
    same_account(t.account_id, "trade " + std::to_string(t.ticket));
    side(t.type, "trade " + std::to_string(t.ticket));
  }
  for (uint32_t i = 0; i < apply.deal_count; ++i) {
    const auto d = element(apply.deals, i);
    if (d.deal == nullptr)
      throw Error(MT5B_INVALID_ARGUMENT, "deal record " + std::to_string(i + 1) +
                                             " has no TradeDeal (nothing was written)");
    same_account(d.account_id, "deal record " + std::to_string(i + 1));
  }
  for (uint32_t i = 0; i < apply.transaction_count; ++i) {
    const auto t = element(apply.transactions, i);
    same_account(t.account_id, "transaction " + std::to_string(t.ticket));
    require(t.kind, "the kind of transaction " + std::to_string(t.ticket));
  }
}

// Adds an apply's records to a stored list and returns how many were new. A record whose `keys`
// match a stored one replaces it when `replace` is set (upsert), else is left out (insert once).
template <class R>
int64_t merge(Value& list, const R* first, uint32_t count, std::initializer_list<const char*> keys,
              bool replace, const std::string& account_id, Allocator& a) {
  int64_t added = 0;
  for (uint32_t i = 0; i < count; ++i) {
    Value json = to_json(element(first, i), a);
    set(json, "account_id", copy_of(account_id, a), a);  // the record's may be empty
    if (Value* stored = find_same(list, json, keys)) {
      if (replace) *stored = json;
    } else {
      list.PushBack(json, a);
      ++added;
    }
  }
  return added;
}

class JsonFileStorage : public mt5b::sdk::StoragePlugin,
                        public mt5b::sdk::StorageSync,
                        public mt5b::sdk::StorageRecordLists,
                        public mt5b::sdk::StorageKeyRotation,
                        public mt5b::sdk::StoragePrivacy,
                        public mt5b::sdk::StorageMigrations {
 public:
  static constexpr const char* kName = "storage-jsonfile";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Keeps everything in one JSON file (an SDK example for demos and tests, not production).";

  static std::span<const mt5b_option> options() {
    static const mt5b_option table[] = {
        mt5b::sdk::option("path", MT5B_OPT_STRING, MT5B_OPT_REQUIRED, nullptr,
                          "The store's JSON file, e.g. /var/lib/mt5bridge/store.json; its "
                          "directory must exist (<path>.lock and <path>.tmp go next to it)."),
    };
    return table;
  }

  // Opens nothing: every call opens, locks and closes the file itself.
  JsonFileStorage(mt5b::sdk::Host host, const mt5b::sdk::Config& config)
      : host_(host), file_(config.string("path")) {
    if (file_.path().empty())
      throw Error(MT5B_INVALID_ARGUMENT, "path must name the store's JSON file");
  }

  void migrate() override { migrate_to(-1); }

  // -1: the latest version; -2: change nothing, report the current one (`mt5bridge migrate down`).
  int64_t migrate_to(int64_t target) override {
    if (target == -2) return integer(file_.read(), "schema_version");
    if (target == -1) target = kLatestSchema;
    if (target < 0 || target > kLatestSchema)
      throw Error(MT5B_INVALID_ARGUMENT, "there is no schema version " + std::to_string(target) +
                                             "; pass 0 to 2, or -1 for the latest");
    file_.update([&](Document& db) {
      auto& a = db.GetAllocator();
      int64_t version = integer(db, "schema_version");
      if (version > kLatestSchema)
        throw Error(MT5B_FAILED, "the store file is at schema version " + std::to_string(version) +
                                     "; use a newer storage-jsonfile");
      for (; version < target; ++version) {  // up steps
        if (version == 0) db.AddMember("accounts", Value(rapidjson::kObjectType), a);
        if (version == 1) db.AddMember("audit_log", Value(rapidjson::kArrayType), a);
      }
      for (; version > target; --version) {  // down steps remove exactly what the up step added
        if (version == 1) db.RemoveMember("accounts");
        if (version != 2) continue;
        db.RemoveMember("audit_log");
        for (auto& e : accounts(db).GetObject()) {
          e.value.RemoveMember("lease_owner");
          e.value.RemoveMember("lease_expires_at_ms");
          member(e.value, "account").RemoveMember("next_sync_at_ms");
          for (Value& log : member(e.value, "sync_logs").GetArray())
            log.RemoveMember("deals_synced");
        }
      }
      set(db, "schema_version", Value(target), a);
    });
    return target;
  }

  void ping() override { file_.read(); }

  void account_insert(const mt5b_account_record& account,
                      const mt5b_credential_record& credential) override {
    require(account.id, "the account's id");
    require(account.user_id, "the account's user_id");
    file_.update([&](Document& db) {
      Value& all = accounts(db);
      if (all.HasMember(key(view(account.id))))
        throw Error(MT5B_CONFLICT, "an account with this id already exists; use a new id");
      for (auto& e : all.GetObject()) {
        const Value& other = member(e.value, "account");
        if (text(other, "user_id") == view(account.user_id) &&
            integer(other, "login") == account.login &&
            text(other, "server") == view(account.server))
          throw Error(MT5B_CONFLICT, "the user already has an account for login " +
                                         std::to_string(account.login) + " on this server");
      }
      auto& a = db.GetAllocator();
      Value entry(rapidjson::kObjectType);
      entry.AddMember("account", to_json(account, a), a);
      entry.AddMember("credential", credential_json(credential, a), a);
      set(entry["credential"], "account_id", copy_of(view(account.id), a), a);
      for (const char* list : kRecordLists)
        entry.AddMember(rapidjson::StringRef(list), Value(rapidjson::kArrayType), a);
      all.AddMember(copy_of(view(account.id), a), entry, a);
    });
  }

  void account_get(std::string_view account_id, const mt5b::sdk::AccountSink& emit) override {
    Document db = file_.read();
    emit(from_json<mt5b_account_record>(member(entry_of(db, account_id), "account")));
  }

  void account_list(const mt5b_account_query& query, const mt5b::sdk::AccountSink& emit) override {
    Document db = file_.read();
    for (const Value* account : page(matching(db, query), query.offset, query.limit))
      emit(from_json<mt5b_account_record>(*account));
  }

  int64_t account_count(const mt5b_account_query& query) override {
    Document db = file_.read();
    return static_cast<int64_t>(matching(db, query).size());
  }

  void account_delete(std::string_view account_id) override {
    file_.update([&](Document& db) {
      entry_of(db, account_id);  // NOT_FOUND when it is not there
      accounts(db).RemoveMember(key(account_id));
    });
  }

  void credential_get(std::string_view account_id, const mt5b::sdk::CredentialSink& emit) override {
    Document db = file_.read();
    std::string bytes;
    emit(credential_record(member(entry_of(db, account_id), "credential"), bytes));
  }

  void credential_list(const mt5b::sdk::CredentialSink& emit) override {
    Document db = file_.read();
    std::string bytes;
    for (auto& e : accounts(db).GetObject())
      emit(credential_record(member(e.value, "credential"), bytes));
  }

  void credential_update(const mt5b_credential_record& credential) override {
    require(credential.key_id, "the credential's key_id");
    file_.update([&](Document& db) {
      Value& stored = member(entry_of(db, view(credential.account_id)), "credential");
      auto& a = db.GetAllocator();
      set(stored, "key_id", copy_of(view(credential.key_id), a), a);
      set(stored, "ciphertext_hex", copy_of(hex(view(credential.ciphertext)), a), a);
      if (credential.created_at_ms != 0)
        set(stored, "created_at_ms", Value(credential.created_at_ms), a);
    });
  }

  void lease_due(const mt5b_lease_request& request, const mt5b::sdk::AccountSink& emit) override {
    require(request.owner, "the lease owner");
    const std::string_view owner = view(request.owner);
    // Live and someone else's: the only kind of lease that keeps `owner` away.
    auto held_by_other = [&](const Value& entry) {
      return text(entry, "lease_owner") != owner &&
             integer(entry, "lease_expires_at_ms") >= request.now_ms;
    };
    std::vector<std::string> leased;
    Document db = file_.update([&](Document& db) {
      std::vector<Value*> chosen;
      if (request.account_id.size != 0) {  // this one account, due or not
        Value& entry = entry_of(db, view(request.account_id));
        if (held_by_other(entry))
          throw Error(MT5B_CONFLICT, "another host holds the lease on this account; try later");
        chosen.push_back(&entry);
      } else {
        for (auto& e : accounts(db).GetObject()) {
          const Value& account = member(e.value, "account");
          if (integer(account, "is_active") == 0) continue;
          if (integer(account, "next_sync_at_ms") > request.now_ms) continue;  // 0 = due now
          if (!held_by_other(e.value)) chosen.push_back(&e.value);
        }
        // Never synced first (last_sync_at 0), then the oldest sync, then by id.
        std::sort(chosen.begin(), chosen.end(), [](const Value* x, const Value* y) {
          const int64_t sx = integer((*x)["account"], "last_sync_at_ms");
          const int64_t sy = integer((*y)["account"], "last_sync_at_ms");
          if (sx != sy) return sx == 0 || (sy != 0 && sx < sy);
          return text((*x)["account"], "id") < text((*y)["account"], "id");
        });
        if (request.limit > 0 && chosen.size() > static_cast<size_t>(request.limit))
          chosen.resize(static_cast<size_t>(request.limit));
      }
      auto& a = db.GetAllocator();
      for (Value* entry : chosen) {
        set(*entry, "lease_owner", copy_of(owner, a), a);
        set(*entry, "lease_expires_at_ms", Value(request.now_ms + request.lease_ttl_ms), a);
        leased.emplace_back(text(member(*entry, "account"), "id"));
      }
    });
    // Emitted once the leases are on disk, outside the file lock.
    for (const std::string& id : leased)
      emit(from_json<mt5b_account_record>(member(entry_of(db, id), "account")));
  }

  void lease_release(std::string_view account_id, std::string_view owner) override {
    file_.update([&](Document& db) {
      Value* entry = find_entry(db, account_id);
      if (entry == nullptr || text(*entry, "lease_owner") != owner) return;  // not ours
      set(*entry, "lease_owner", Value(""), db.GetAllocator());
      set(*entry, "lease_expires_at_ms", Value(0), db.GetAllocator());
    });
  }

  // One sync, one file write: if anything throws, nothing is written.
  mt5b_sync_apply_result sync_apply(const mt5b_sync_apply& apply) override {
    mt5b_account_record state;
    if (!mt5b::sdk::read_struct(apply.account, state))
      throw Error(MT5B_INVALID_ARGUMENT, "the apply has no account; pass its id and sync state");
    require(state.id, "the apply's account id");
    const std::string id = mt5b::sdk::copy(state.id);
    validate(apply, id);
    const int64_t now = host_.now_unix_ms();
    auto result = mt5b::sdk::make<mt5b_sync_apply_result>();
    file_.update([&](Document& db) {
      auto& a = db.GetAllocator();
      Value& entry = entry_of(db, id);
      if (text(entry, "lease_owner") != view(apply.lease_owner) ||
          integer(entry, "lease_expires_at_ms") < now)
        throw Error(MT5B_CONFLICT, "this host no longer holds the lease on account " + id +
                                       "; lease it again (nothing was written)");
      Value& positions = member(entry, "positions");
      if (apply.replace_positions) positions.Clear();  // the apply has every open position
      merge(positions, apply.positions, apply.position_count, {"ticket"}, true, id, a);
      result.trades_inserted = merge(member(entry, "trades"), apply.trades, apply.trade_count,
                                     {"position_id", "segment"}, true, id, a);
      result.deals_inserted =
          merge(member(entry, "deals"), apply.deals, apply.deal_count, {"ticket"}, false, id, a);
      result.transactions_inserted = merge(member(entry, "transactions"), apply.transactions,
                                           apply.transaction_count, {"ticket"}, false, id, a);
      Value incoming = to_json(state, a);
      Value& account = member(entry, "account");
      for (const char* name : kSyncStateFields) set(account, name, std::move(incoming[name]), a);
      if (apply.snapshot_valid)
        for (const char* name : kSnapshotFields) set(account, name, std::move(incoming[name]), a);
      set(account, "updated_at_ms", Value(now), a);
      mt5b_sync_log_record log;
      if (mt5b::sdk::read_struct(apply.sync_log, log)) put_log(db, entry, log, id);
    });
    return result;  // the lease stays: only lease_release ends it
  }

  void sync_log_put(const mt5b_sync_log_record& log) override {
    require(log.account_id, "the sync log's account_id");
    const std::string account_id = mt5b::sdk::copy(log.account_id);
    file_.update([&](Document& db) { put_log(db, entry_of(db, account_id), log, account_id); });
  }

  void sync_log_get(std::string_view sync_id,
                    const std::function<void(const mt5b_sync_log_record&)>& emit) override {
    Document db = file_.read();
    for (auto& e : accounts(db).GetObject()) {
      for (const Value& log : member(e.value, "sync_logs").GetArray())
        if (text(log, "id") == sync_id) return emit(from_json<mt5b_sync_log_record>(log));
    }
    throw Error(MT5B_NOT_FOUND, "no sync log with id '" + std::string(sync_id) + "' exists");
  }

  void sync_log_list(const mt5b_record_query& query,
                     const std::function<void(const mt5b_sync_log_record&)>& emit) override {
    Document db = file_.read();
    for (const Value* r : select(db, "sync_logs", query, {"started_at_ms", "id", nullptr, true}))
      emit(from_json<mt5b_sync_log_record>(*r));
  }
  void position_list(const mt5b_record_query& query,
                     const std::function<void(const mt5b_position_record&)>& emit) override {
    Document db = file_.read();
    for (const Value* r :
         select(db, "positions", query, {nullptr, "ticket", "canonical_symbol", false}))
      emit(from_json<mt5b_position_record>(*r));
  }
  void trade_list(const mt5b_record_query& query,
                  const std::function<void(const mt5b_trade_record&)>& emit) override {
    Document db = file_.read();
    for (const Value* r :
         select(db, "trades", query, {"close_time_ms", "ticket", "canonical_symbol", true}))
      emit(from_json<mt5b_trade_record>(*r));
  }
  void deal_list(const mt5b_record_query& query,
                 const std::function<void(const mt5b_deal_record&)>& emit) override {
    Document db = file_.read();
    for (const Value* r : select(db, "deals", query, {"time_ms", "ticket", "symbol", false})) {
      const auto deal = from_json<mt5b_trade_deal>(*r);  // the record points at it
      auto record = from_json<mt5b_deal_record>(*r);
      record.deal = &deal;
      emit(record);
    }
  }
  void transaction_list(const mt5b_record_query& query,
                        const std::function<void(const mt5b_transaction_record&)>& emit) override {
    Document db = file_.read();
    for (const Value* r : select(db, "transactions", query, {"time_ms", "ticket", nullptr, false}))
      emit(from_json<mt5b_transaction_record>(*r));
  }

  int64_t user_delete(std::string_view user_id, const mt5b_audit_record& audit) override {
    if (user_id.empty()) throw Error(MT5B_INVALID_ARGUMENT, "the user id is empty; pass it");
    int64_t deleted = 0;
    file_.update([&](Document& db) {
      Value& all = accounts(db);
      for (auto it = all.MemberBegin(); it != all.MemberEnd();) {
        if (text(member(it->value, "account"), "user_id") == user_id) {
          it = all.EraseMember(it);
          ++deleted;
        } else {
          ++it;
        }
      }
      append_audit(db, audit);  // in the same write: both or neither
    });
    return deleted;
  }

  void audit_append(const mt5b_audit_record& audit) override {
    file_.update([&](Document& db) { append_audit(db, audit); });
  }

 private:
  // The accounts a query selects, ordered by created_at, then id.
  static std::vector<const Value*> matching(Document& db, const mt5b_account_query& q) {
    std::vector<const Value*> out;
    for (auto& e : accounts(db).GetObject()) {
      const Value& account = member(e.value, "account");
      if (q.user_id.size != 0 && text(account, "user_id") != view(q.user_id)) continue;
      if (q.active_only && integer(account, "is_active") == 0) continue;
      out.push_back(&account);
    }
    std::sort(out.begin(), out.end(), [](const Value* x, const Value* y) {
      if (integer(*x, "created_at_ms") != integer(*y, "created_at_ms"))
        return integer(*x, "created_at_ms") < integer(*y, "created_at_ms");
      return text(*x, "id") < text(*y, "id");
    });
    return out;
  }

  // Inserts or replaces a sync log by id (ids are unique across accounts).
  static void put_log(Document& db, Value& entry, const mt5b_sync_log_record& log,
                      const std::string& account_id) {
    require(log.id, "the sync log's id");
    for (auto& e : accounts(db).GetObject()) {
      Value& logs = member(e.value, "sync_logs");
      for (auto it = logs.Begin(); it != logs.End();)
        it = text(*it, "id") == view(log.id) ? logs.Erase(it) : it + 1;
    }
    auto& a = db.GetAllocator();
    Value json = to_json(log, a);
    set(json, "account_id", copy_of(account_id, a), a);
    member(entry, "sync_logs").PushBack(json, a);
  }

  static void append_audit(Document& db, const mt5b_audit_record& audit) {
    require(audit.id, "the audit record's id");
    if (!db.HasMember("audit_log"))
      throw Error(MT5B_FAILED, "the store is older than schema version 2; run mt5bridge migrate");
    Value record = to_json(audit, db.GetAllocator());
    if (find_same(db["audit_log"], record, {"id"}))
      throw Error(MT5B_CONFLICT, "an audit record with this id already exists; use a new id");
    db["audit_log"].PushBack(record, db.GetAllocator());
  }

  mt5b::sdk::Host host_;
  JsonFile file_;  // nothing here changes after construction, so the class needs no mutex
};

}  // namespace
}  // namespace storage_jsonfile

MT5B_EXPORT_PLUGINS(mt5b::sdk::descriptor<storage_jsonfile::JsonFileStorage>())
