/*
 * mt5bridge plugin ABI.
 *
 * One C header is the whole contract between the host (`mt5bridge`) and a plugin library.
 * Rules that hold for every declaration below:
 *
 *  - Every struct starts with `struct_size` (the size the *producer* compiled with). Fields are
 *    only ever appended. A reader copies at most `struct_size` bytes into a zeroed struct of its
 *    own, so a field an older producer lacks reads as zero / NULL. A slot (function pointer) that
 *    lies outside the producer's `struct_size`, or is NULL, is "not provided".
 *  - Versions: a plugin list carries the ABI major/minor it was built with. The host accepts it
 *    when the majors are equal and host minor >= plugin minor, and otherwise refuses with both
 *    versions in the message. Appending a field or slot bumps the minor; anything else bumps the
 *    major.
 *  - Strings and byte buffers cross as (pointer, length) in `mt5b_str`; they are UTF-8 and not
 *    NUL-terminated unless a field says so. Names in descriptors are static NUL-terminated C
 *    strings.
 *  - Integers are fixed-width. Times are Unix epoch milliseconds (`_ms`) in true UTC unless a
 *    field says `broker` (MetaTrader's broker wall clock encoded as if it were UTC; see MT5.md).
 *  - No allocator crosses the line: records travel either as caller-owned structs or through an
 *    `emit` callback whose arguments are valid only during that callback (copy what you keep).
 *  - No C++ type and no exception crosses the line.
 *  - `on_*` slots are what a plugin implements; `callback_*` slots are what the host offers.
 *
 * Each function documents: what it does, Required, OWNERSHIP, Thread-safety, Errors.
 */
#ifndef MT5BRIDGE_ABI_H
#define MT5BRIDGE_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MT5B_ABI_VERSION_MAJOR 1
#define MT5B_ABI_VERSION_MINOR 1

/* The one symbol every plugin library exports (see mt5b_plugin_entry_fn). */
#define MT5B_PLUGIN_ENTRY_SYMBOL "mt5b_plugin_entry"

#if defined(_WIN32)
#define MT5B_EXPORT __declspec(dllexport)
#else
#define MT5B_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------------------------ */
/* Basic types                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* One status for every call. RETRY means transient: the host's policy decides whether and when
 * to try again. The detail of any non-OK status is read with the handle's `on_last_error`. */
typedef enum mt5b_status {
  MT5B_OK = 0,
  MT5B_RETRY = 1,            /* transient failure (network, IPC, lock): may succeed later */
  MT5B_NOT_FOUND = 2,        /* the thing named does not exist */
  MT5B_NOT_SUPPORTED = 3,    /* this plugin does not implement that operation */
  MT5B_INVALID_ARGUMENT = 4, /* the caller passed something malformed */
  MT5B_UNAUTHENTICATED = 5,  /* credentials refused (never retried automatically) */
  MT5B_CONFLICT = 6,         /* uniqueness or state conflict */
  MT5B_TIMEOUT = 7,          /* a deadline passed; treated as transient by the host */
  MT5B_UNAVAILABLE = 8,      /* the backend is down or unreachable; transient */
  MT5B_FAILED = 9            /* anything else; permanent for this call */
} mt5b_status;

/* A borrowed string or byte buffer. `data` may be NULL only when `size` is 0. */
typedef struct mt5b_str {
  const char* data;
  uint64_t size;
} mt5b_str;

typedef enum mt5b_log_level {
  MT5B_LOG_TRACE = 0,
  MT5B_LOG_DEBUG = 1,
  MT5B_LOG_INFO = 2,
  MT5B_LOG_WARN = 3,
  MT5B_LOG_ERROR = 4
} mt5b_log_level;

typedef enum mt5b_plugin_kind {
  MT5B_KIND_TRANSPORT = 1,
  MT5B_KIND_AUTH = 2,
  MT5B_KIND_STORAGE = 3,
  MT5B_KIND_BROKER = 4
} mt5b_plugin_kind;

/* ------------------------------------------------------------------------------------------ */
/* Host services, handed to every plugin instance at create                                    */
/* ------------------------------------------------------------------------------------------ */

/* The host's service table. The host makes one per plugin instance, so log lines and metrics
 * are tagged with the instance automatically.
 * OWNERSHIP: host-owned; valid from on_create until on_destroy of that instance returns.
 * Thread-safety: every callback may be called from any thread at any time. */
typedef struct mt5b_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  void* host_ctx; /* pass back as the first argument of every callback */

  /* Writes one log line tagged [kind:plugin:instance]. The host escapes and redacts it.
   * Required (host provides). OWNERSHIP: message borrowed for the call. */
  void (*callback_log)(void* host_ctx, mt5b_log_level level, mt5b_str message);

  /* Adds `value` to the counter `name` with Prometheus label text `labels` (e.g.
   * `terminal="t1"`, may be empty). The host adds plugin/instance labels.
   * Required (host provides). OWNERSHIP: strings borrowed for the call. */
  void (*callback_counter_add)(void* host_ctx, mt5b_str name, mt5b_str labels, double value);

  /* Sets the gauge `name{labels}` to `value`. Required (host provides). */
  void (*callback_gauge_set)(void* host_ctx, mt5b_str name, mt5b_str labels, double value);

  /* Records one observation (seconds for durations) in the histogram `name{labels}`.
   * Required (host provides). */
  void (*callback_histogram_observe)(void* host_ctx, mt5b_str name, mt5b_str labels, double value);

  /* The wall clock, Unix epoch milliseconds UTC. Tests may substitute a fake clock.
   * Required (host provides). */
  int64_t (*callback_now_unix_ms)(void* host_ctx);

  /* A monotonic clock in nanoseconds, for durations and deadlines. Required (host provides). */
  int64_t (*callback_monotonic_ns)(void* host_ctx);
} mt5b_host_api;

/* ------------------------------------------------------------------------------------------ */
/* Options: each plugin declares what its config accepts                                       */
/* ------------------------------------------------------------------------------------------ */

typedef enum mt5b_option_type {
  MT5B_OPT_STRING = 1,
  MT5B_OPT_INT = 2,
  MT5B_OPT_DOUBLE = 3,
  MT5B_OPT_BOOL = 4,
  MT5B_OPT_STRING_LIST = 5,
  MT5B_OPT_OBJECT = 6,     /* any JSON object; the plugin validates its inside */
  MT5B_OPT_OBJECT_LIST = 7 /* a JSON array of objects; the plugin validates their inside */
} mt5b_option_type;

#define MT5B_OPT_REQUIRED 0x1u /* start-up stops when the key is absent */
#define MT5B_OPT_SECRET 0x2u   /* the value is redacted in every log line and listing */

/* One option. Arrays of these are read with stride `struct_size`. All strings static and
 * NUL-terminated; `default_json` is JSON text (e.g. "8", "\"x\"", "[]") or NULL for none. */
typedef struct mt5b_option {
  uint32_t struct_size;
  uint32_t type;  /* mt5b_option_type */
  uint32_t flags; /* MT5B_OPT_* */
  uint32_t reserved;
  const char* name;
  const char* default_json;
  const char* description;
} mt5b_option;

/* ------------------------------------------------------------------------------------------ */
/* The descriptor common to every kind                                                         */
/* ------------------------------------------------------------------------------------------ */

typedef struct mt5b_instance mt5b_instance; /* opaque, plugin-owned */

/* Describes one plugin the library offers. The kind-specific slots are in `kind_vtable`,
 * which points to the struct of that kind (mt5b_storage_vtable, ...).
 * OWNERSHIP: plugin-owned, static; valid while the library is loaded. */
typedef struct mt5b_plugin_descriptor {
  uint32_t struct_size;
  uint32_t kind;           /* mt5b_plugin_kind */
  const char* name;        /* e.g. "storage-sqlite"; [a-z0-9-]+, unique per host */
  const char* version;     /* the plugin's own semantic version, e.g. "0.1.0" */
  const char* description; /* one sentence */
  const mt5b_option* options;
  uint32_t option_count;
  uint32_t reserved;

  /* Creates one instance from its config. `config_json` is the instance's YAML subtree as a
   * JSON object, already validated against `options` with defaults filled in.
   * Required. On failure the plugin may still set *out to a handle so the host can read
   * on_last_error, and the host then calls on_destroy on it.
   * OWNERSHIP: host, instance_name and config_json are borrowed; `host` stays valid until
   * on_destroy returns. *out is plugin-owned until on_destroy.
   * Thread-safety: called once per instance, from the host's start-up thread.
   * Errors: INVALID_ARGUMENT for a config the plugin refuses; UNAVAILABLE / FAILED when the
   * outside thing cannot be reached or opened. */
  mt5b_status (*on_create)(const mt5b_host_api* host, mt5b_str instance_name, mt5b_str config_json,
                           mt5b_instance** out);

  /* Destroys an instance. Required. Called once, after every other call on it has returned.
   * OWNERSHIP: the handle is invalid afterwards. */
  void (*on_destroy)(mt5b_instance* instance);

  /* The message of the last failed call made on this instance *by the calling thread*.
   * Required. OWNERSHIP: plugin-owned; valid until the calling thread's next call on this
   * instance. Thread-safety: any thread. Never NULL data unless size is 0. */
  mt5b_str (*on_last_error)(mt5b_instance* instance);

  /* Points to the kind's vtable (mt5b_transport_vtable, mt5b_auth_vtable,
   * mt5b_storage_vtable or mt5b_broker_vtable), whose first field is its struct_size.
   * Required. OWNERSHIP: plugin-owned, static. */
  const void* kind_vtable;
} mt5b_plugin_descriptor;

/* What the entry symbol returns. OWNERSHIP: plugin-owned, static. */
typedef struct mt5b_plugin_list {
  uint32_t struct_size;
  uint16_t abi_major; /* MT5B_ABI_VERSION_MAJOR the library was built with */
  uint16_t abi_minor; /* MT5B_ABI_VERSION_MINOR the library was built with */
  uint32_t count;
  uint32_t reserved;
  const mt5b_plugin_descriptor* const* plugins;
} mt5b_plugin_list;

/* The entry symbol, exported as "mt5b_plugin_entry". Required. Must not fail and must not
 * have side effects: the host may call it more than once (e.g. for `mt5bridge plugins`).
 * Thread-safety: called from one thread. */
typedef const mt5b_plugin_list* (*mt5b_plugin_entry_fn)(void);

/* ------------------------------------------------------------------------------------------ */
/* Transport: accepts HTTP requests and WebSocket connections, hands them to the host          */
/* ------------------------------------------------------------------------------------------ */

typedef struct mt5b_header {
  mt5b_str name; /* compared case-insensitively by the host */
  mt5b_str value;
} mt5b_header;

/* A request as the transport received it. OWNERSHIP: transport-owned, borrowed for the call
 * that receives it; the host copies what it keeps. */
typedef struct mt5b_http_request {
  uint32_t struct_size;
  uint16_t client_port;
  uint16_t reserved;
  mt5b_str method; /* "GET", "POST", ... */
  mt5b_str path;   /* percent-encoded path without the query, e.g. "/api/mt5/accounts" */
  mt5b_str query;  /* raw query string without '?', may be empty */
  const mt5b_header* headers;
  uint32_t header_count;
  uint32_t reserved2;
  mt5b_str body;
  mt5b_str client_ip; /* textual address of the peer */
} mt5b_http_request;

/* A response as the host composes it. OWNERSHIP: host-owned, borrowed for the respond call;
 * the transport copies what it sends later. The transport adds framing headers
 * (Content-Length, Connection) itself. */
typedef struct mt5b_http_response {
  uint32_t struct_size;
  uint16_t status; /* HTTP status code */
  uint16_t reserved;
  const mt5b_header* headers;
  uint32_t header_count;
  uint32_t reserved2;
  mt5b_str body;
} mt5b_http_response;

/* How the host answers one request. OWNERSHIP: transport-owned; valid until `callback_respond`
 * has been called, which the host does exactly once, either before callback_dispatch returns
 * or later from any thread. */
typedef struct mt5b_responder {
  uint32_t struct_size;
  uint32_t reserved;
  void* transport_ctx;
  void (*callback_respond)(void* transport_ctx, const mt5b_http_response* response);
} mt5b_responder;

/* An upgraded WebSocket connection, offered by a transport. The host pushes messages with
 * callback_send and may close it. OWNERSHIP: transport-owned; `transport_ctx` and the slots
 * stay valid until the transport has called the dispatcher's callback_ws_closed for it.
 * Thread-safety: callback_send and callback_close may be called from any thread; after
 * callback_ws_closed they must not be called. */
typedef struct mt5b_ws_connection {
  uint32_t struct_size;
  uint32_t reserved;
  uint64_t connection_id; /* unique per transport instance */
  void* transport_ctx;
  /* Queues one text message. Returns RETRY when the peer's queue is full (slow consumer),
   * UNAVAILABLE when the connection is closing. OWNERSHIP: message copied before return. */
  mt5b_status (*callback_send)(void* transport_ctx, uint64_t connection_id, mt5b_str message);
  /* Starts a close handshake with a WebSocket close code (1000 normal, 1008 policy). */
  void (*callback_close)(void* transport_ctx, uint64_t connection_id, uint16_t code,
                         mt5b_str reason);
} mt5b_ws_connection;

/* What the host offers a transport. OWNERSHIP: host-owned; valid from on_start until on_stop
 * returns. Thread-safety: every callback may be called from any transport thread. */
typedef struct mt5b_dispatcher {
  uint32_t struct_size;
  uint32_t reserved;
  void* host_ctx;

  /* Handles one HTTP request; the answer arrives through responder->callback_respond.
   * Required (host provides). */
  void (*callback_dispatch)(void* host_ctx, const mt5b_http_request* request,
                            const mt5b_responder* responder);

  /* Offers a WebSocket upgrade request. The host answers through `responder`: status 101
   * accepts (the transport then completes the handshake and the connection is live), any other
   * status refuses with that response. When accepted, `connection` is the handle the host uses
   * to push messages. Required (host provides). OWNERSHIP: request and responder as for
   * callback_dispatch; *connection is copied by the host. */
  void (*callback_ws_open)(void* host_ctx, const mt5b_http_request* upgrade_request,
                           const mt5b_ws_connection* connection, const mt5b_responder* responder);

  /* A text message arrived on an accepted connection. Required (host provides).
   * OWNERSHIP: message borrowed for the call. */
  void (*callback_ws_message)(void* host_ctx, uint64_t connection_id, mt5b_str message);

  /* The connection is gone (either side closed it, or it failed). Called exactly once per
   * accepted connection. Required (host provides). */
  void (*callback_ws_closed)(void* host_ctx, uint64_t connection_id);
} mt5b_dispatcher;

typedef struct mt5b_transport_vtable {
  uint32_t struct_size;
  uint32_t reserved;

  /* Starts accepting connections and dispatching them. Returns once listening.
   * Required. OWNERSHIP: dispatcher borrowed until on_stop returns.
   * Thread-safety: host start-up thread. Errors: UNAVAILABLE (cannot bind), INVALID_ARGUMENT. */
  mt5b_status (*on_start)(mt5b_instance* instance, const mt5b_dispatcher* dispatcher);

  /* Stops accepting, finishes or abandons in-flight requests, closes WebSocket connections
   * (calling callback_ws_closed for each) and returns when no dispatcher callback is running
   * any more. Required. Thread-safety: host shutdown thread. */
  void (*on_stop)(mt5b_instance* instance);
} mt5b_transport_vtable;

/* ------------------------------------------------------------------------------------------ */
/* Auth: turns request credentials into a principal                                            */
/* ------------------------------------------------------------------------------------------ */

typedef enum mt5b_principal_kind {
  MT5B_PRINCIPAL_SERVICE = 1, /* a backend holding a service API key */
  MT5B_PRINCIPAL_USER = 2     /* an end user, identified by `subject` (a UUID) */
} mt5b_principal_kind;

typedef struct mt5b_principal {
  uint32_t struct_size;
  uint32_t kind;         /* mt5b_principal_kind */
  mt5b_str subject;      /* user id for USER; key label (never the key) for SERVICE */
  mt5b_str role;         /* e.g. "authenticated", "service" */
  int64_t expires_at_ms; /* 0 when the credential does not expire */
} mt5b_principal;

typedef struct mt5b_auth_vtable {
  uint32_t struct_size;
  uint32_t reserved;

  /* Examines the request's credentials (headers). Returns
   *  - OK and calls emit once with the principal when a credential of this plugin's kind is
   *    present and valid;
   *  - NOT_FOUND when no credential of this plugin's kind is present (the host tries others);
   *  - UNAUTHENTICATED when one is present but invalid; on_last_error says why in words that
   *    never contain the credential.
   * Required. OWNERSHIP: request borrowed; the principal passed to emit is valid only during
   * emit. Thread-safety: called concurrently from many threads. */
  mt5b_status (*on_authenticate)(mt5b_instance* instance, const mt5b_http_request* request,
                                 void (*emit)(void* ctx, const mt5b_principal* principal),
                                 void* ctx);
} mt5b_auth_vtable;

/* ------------------------------------------------------------------------------------------ */
/* Storage: persists accounts, encrypted credentials and synced data                           */
/* ------------------------------------------------------------------------------------------ */

/* A trading account as stored. `id` and `user_id` are lowercase UUID text. Money in the
 * account's currency. Times in UTC epoch ms, 0 = never. */
typedef struct mt5b_account_record {
  uint32_t struct_size;
  uint32_t is_active; /* 0 or 1 */
  mt5b_str id;
  mt5b_str user_id;
  int64_t login;
  mt5b_str server;
  mt5b_str broker_name;       /* the broker company, as the user named it */
  mt5b_str broker_instance;   /* the pipeline's broker instance that serves this account */
  mt5b_str connection_status; /* active | error | auth_failed | disabled */
  mt5b_str last_connection_error;
  int64_t sync_failure_count;
  int64_t broker_server_time_offset_s;
  mt5b_str currency;
  int64_t leverage;
  double balance;
  double equity;
  double margin;
  double free_margin;
  double margin_level;
  double credit;
  double profit;
  int64_t created_at_ms;
  int64_t updated_at_ms;
  int64_t last_sync_at_ms;
  int64_t last_successful_sync_at_ms;
  /* ABI 1.1 */
  int64_t next_sync_at_ms; /* when the scheduler may sync it again (auth back-off); 0 = now */
} mt5b_account_record;

/* An encrypted broker password. The host encrypts before storing and decrypts just before a
 * broker login: storage never sees plaintext. */
typedef struct mt5b_credential_record {
  uint32_t struct_size;
  uint32_t reserved;
  mt5b_str account_id;
  mt5b_str user_id;
  mt5b_str key_id;     /* which configured key sealed it */
  mt5b_str ciphertext; /* opaque bytes (may contain NUL) */
  int64_t created_at_ms;
} mt5b_credential_record;

/* A filter for listing accounts. Empty strings mean "any". */
typedef struct mt5b_account_query {
  uint32_t struct_size;
  uint32_t active_only; /* 1: only is_active accounts */
  mt5b_str user_id;
  int64_t limit; /* 0 = no limit */
  int64_t offset;
} mt5b_account_query;

typedef void (*mt5b_emit_account_fn)(void* ctx, const mt5b_account_record* account);

/* ---- ABI 1.1: synced data, leases, sync logs, audit, credential rotation ---- */

/* An open position as stored: normalised by the host (times UTC ms, `type` "buy" | "sell"). */
typedef struct mt5b_position_record {
  uint32_t struct_size;
  uint32_t reserved;
  mt5b_str account_id;
  int64_t ticket;
  mt5b_str symbol;           /* as the broker names it */
  mt5b_str canonical_symbol; /* without broker suffixes */
  mt5b_str type;
  double volume;
  double open_price;
  double current_price;
  double sl;
  double tp;
  double profit;
  double swap;
  double commission;
  int64_t magic;
  mt5b_str comment;
  int64_t open_time_ms;
  int64_t open_time_broker_ms;
  int64_t broker_offset_s;
  int64_t updated_at_ms;
} mt5b_position_record;

/* A closed trade: one position's life, or one segment of it between netting reversals.
 * Unique per (account_id, position_id, segment). */
typedef struct mt5b_trade_record {
  uint32_t struct_size;
  int32_t segment;
  mt5b_str account_id;
  int64_t ticket; /* position_id for segment 0; the reversing deal's ticket for later segments */
  int64_t position_id;
  mt5b_str symbol;
  mt5b_str canonical_symbol;
  mt5b_str type; /* "buy" | "sell" */
  double volume;
  double open_price;
  double close_price;
  int64_t open_time_ms;
  int64_t close_time_ms;
  int64_t open_time_broker_ms;
  int64_t close_time_broker_ms;
  int64_t broker_offset_s; /* offset in force at close */
  double profit;
  double swap;
  double commission;
  double fee;
  double net_profit;
  double points;
  double pips;
  double duration_hours;
  mt5b_str close_reason;
} mt5b_trade_record;

typedef struct mt5b_trade_deal mt5b_trade_deal; /* defined with the broker kind below */

/* A raw deal exactly as MT5 reported it, with its true UTC time. Unique per (account_id, ticket).
 */
typedef struct mt5b_deal_record {
  uint32_t struct_size;
  uint32_t reserved;
  mt5b_str account_id;
  const mt5b_trade_deal* deal;
  int64_t time_ms; /* UTC */
} mt5b_deal_record;

/* A non-trade deal (deposit, withdrawal, credit, charge, ...). Unique per (account_id, ticket). */
typedef struct mt5b_transaction_record {
  uint32_t struct_size;
  int32_t deal_type;
  mt5b_str account_id;
  int64_t ticket;
  mt5b_str kind; /* deposit | withdrawal | credit | charge | correction | bonus | commission |
                    interest | dividend | tax */
  double amount;
  int64_t time_ms;
  int64_t time_broker_ms;
  mt5b_str comment;
} mt5b_transaction_record;

/* One sync attempt of one account (seed story 4.3's sync_logs). */
typedef struct mt5b_sync_log_record {
  uint32_t struct_size;
  uint32_t reserved;
  mt5b_str id; /* UUID */
  mt5b_str account_id;
  mt5b_str sync_type; /* scheduled | manual | realtime */
  mt5b_str status;    /* processing | success | failed | partial */
  int64_t started_at_ms;
  int64_t completed_at_ms; /* 0 while processing */
  int64_t trades_synced;
  int64_t deals_synced;
  int64_t duration_ms;
  mt5b_str error_message;
} mt5b_sync_log_record;

/* Everything one sync writes, applied in ONE transaction: all of it or none of it.
 * `account` carries the account's new sync state (connection_status, last_connection_error,
 * sync_failure_count, next_sync_at_ms, last_sync_at_ms, last_successful_sync_at_ms,
 * broker_server_time_offset_s) and, unless `snapshot_valid` is 0, its snapshot (currency,
 * leverage, balance, equity, margin, free_margin, margin_level, credit, profit); other fields
 * are ignored. Deals and transactions are inserted once (existing tickets are left as they
 * are); trades are upserted by (account_id, position_id, segment); when `replace_positions` is 1
 * the positions are the complete open set and every other stored open position of the account
 * is removed. The sync log is upserted by id. */
typedef struct mt5b_sync_apply {
  uint32_t struct_size;
  uint32_t snapshot_valid;
  mt5b_str lease_owner; /* must still hold the account's lease, else CONFLICT and nothing written */
  const mt5b_account_record* account;
  const mt5b_position_record* positions;
  uint32_t position_count;
  uint32_t replace_positions;
  const mt5b_trade_record* trades;
  uint32_t trade_count;
  uint32_t deal_count;
  const mt5b_deal_record* deals;
  const mt5b_transaction_record* transactions;
  uint32_t transaction_count;
  uint32_t reserved;
  const mt5b_sync_log_record* sync_log; /* may be NULL */
} mt5b_sync_apply;

/* What an apply inserted (re-applying the same data inserts nothing). Caller-owned. */
typedef struct mt5b_sync_apply_result {
  uint32_t struct_size;
  uint32_t reserved;
  int64_t deals_inserted;
  int64_t trades_inserted;
  int64_t transactions_inserted;
} mt5b_sync_apply_result;

/* Leasing accounts for sync, so several hosts share the work and none syncs an account twice. */
typedef struct mt5b_lease_request {
  uint32_t struct_size;
  uint32_t reserved;
  mt5b_str owner;      /* who takes the lease (host instance id + a random part) */
  mt5b_str account_id; /* non-empty: lease this account only (manual sync), whether due or not */
  int64_t now_ms;
  int64_t lease_ttl_ms; /* the lease expires then unless released or renewed */
  int64_t limit;        /* at most this many accounts */
} mt5b_lease_request;

/* A filter for reading synced records. Empty strings and zeros mean "any". */
typedef struct mt5b_record_query {
  uint32_t struct_size;
  uint32_t reserved;
  mt5b_str account_id;
  mt5b_str symbol; /* canonical symbol */
  int64_t from_ms; /* inclusive, UTC */
  int64_t to_ms;   /* inclusive, UTC; 0 = no upper bound */
  int64_t limit;   /* 0 = no limit */
  int64_t offset;
} mt5b_record_query;

/* An audit event (GDPR erasure, key rotation, ...). Never holds the data it is about. */
typedef struct mt5b_audit_record {
  uint32_t struct_size;
  uint32_t reserved;
  mt5b_str id;
  int64_t at_ms;
  mt5b_str actor;   /* "service:key-1", "user:<uuid>" */
  mt5b_str action;  /* e.g. "user_data_deleted" */
  mt5b_str subject; /* e.g. the user id */
  mt5b_str details_json;
} mt5b_audit_record;

typedef struct mt5b_storage_vtable {
  uint32_t struct_size;
  uint32_t reserved;

  /* Creates or upgrades the schema to what this plugin version needs. Idempotent.
   * Required. Thread-safety: host start-up thread, before any other call.
   * Errors: UNAVAILABLE (database unreachable), FAILED. */
  mt5b_status (*on_migrate)(mt5b_instance* instance);

  /* Inserts an account and its credential in one transaction: both or neither.
   * Required. OWNERSHIP: records borrowed for the call. Thread-safety: concurrent calls allowed.
   * Errors: CONFLICT when the user already has an account with that (login, server) or the id
   * exists; RETRY/UNAVAILABLE when the database is busy or down. */
  mt5b_status (*on_account_insert)(mt5b_instance* instance, const mt5b_account_record* account,
                                   const mt5b_credential_record* credential);

  /* Reads one account by id and calls emit once. Required.
   * OWNERSHIP: the record is valid only during emit. Errors: NOT_FOUND. */
  mt5b_status (*on_account_get)(mt5b_instance* instance, mt5b_str account_id,
                                mt5b_emit_account_fn emit, void* ctx);

  /* Lists accounts matching `query`, ordered by created_at then id, calling emit per row.
   * Required. OWNERSHIP: each record valid only during its emit. */
  mt5b_status (*on_account_list)(mt5b_instance* instance, const mt5b_account_query* query,
                                 mt5b_emit_account_fn emit, void* ctx);

  /* Counts accounts matching `query` (limit/offset ignored). Required. */
  mt5b_status (*on_account_count)(mt5b_instance* instance, const mt5b_account_query* query,
                                  int64_t* out_count);

  /* Deletes an account and everything that belongs to it (credential, positions, trades,
   * deals, transactions, sync logs) in one transaction. Required. Errors: NOT_FOUND. */
  mt5b_status (*on_account_delete)(mt5b_instance* instance, mt5b_str account_id);

  /* Reads the account's credential and calls emit once. Required. Errors: NOT_FOUND.
   * OWNERSHIP: the record is valid only during emit. */
  mt5b_status (*on_credential_get)(mt5b_instance* instance, mt5b_str account_id,
                                   void (*emit)(void* ctx,
                                                const mt5b_credential_record* credential),
                                   void* ctx);

  /* Cheap liveness probe of the backing store (for /readyz). Optional: when absent the host
   * assumes reachable. Errors: UNAVAILABLE. */
  mt5b_status (*on_ping)(mt5b_instance* instance);

  /* ---- ABI 1.1. Every slot below is optional for the loader; the host refuses to start a
   * feature (sync engine, GDPR, key rotation) on a storage plugin that lacks what it needs,
   * naming the slot. ---- */

  /* Leases due active accounts (next_sync_at_ms <= now and no live lease of another owner),
   * oldest last_sync_at first (never synced first), or exactly `account_id` when given; marks
   * them leased to `owner` until now + lease_ttl_ms and emits each. Atomic: two concurrent
   * callers never lease the same account. Thread-safety: concurrent calls from several processes.
   * Errors: RETRY/UNAVAILABLE; NOT_FOUND when `account_id` names no account; CONFLICT when it is
   * leased by another owner. */
  mt5b_status (*on_lease_due)(mt5b_instance* instance, const mt5b_lease_request* request,
                              mt5b_emit_account_fn emit, void* ctx);

  /* Releases `owner`'s lease on an account (no effect when another owner holds it). */
  mt5b_status (*on_lease_release)(mt5b_instance* instance, mt5b_str account_id, mt5b_str owner);

  /* Applies one sync atomically (see mt5b_sync_apply). OWNERSHIP: everything borrowed; *result
   * caller-owned (set its struct_size). Errors: CONFLICT (lease lost: nothing written),
   * NOT_FOUND (account deleted meanwhile), RETRY/UNAVAILABLE. */
  mt5b_status (*on_sync_apply)(mt5b_instance* instance, const mt5b_sync_apply* apply,
                               mt5b_sync_apply_result* result);

  /* Inserts or replaces a sync log by id (e.g. "processing" for a manual sync). */
  mt5b_status (*on_sync_log_put)(mt5b_instance* instance, const mt5b_sync_log_record* log);

  /* Reads a sync log by id; emit once. Errors: NOT_FOUND. */
  mt5b_status (*on_sync_log_get)(mt5b_instance* instance, mt5b_str sync_id,
                                 void (*emit)(void* ctx, const mt5b_sync_log_record* log),
                                 void* ctx);

  /* Sync logs of one account (query.account_id required), newest first. */
  mt5b_status (*on_sync_log_list)(mt5b_instance* instance, const mt5b_record_query* query,
                                  void (*emit)(void* ctx, const mt5b_sync_log_record* log),
                                  void* ctx);

  /* Open positions of one account, by ticket. */
  mt5b_status (*on_position_list)(mt5b_instance* instance, const mt5b_record_query* query,
                                  void (*emit)(void* ctx, const mt5b_position_record* position),
                                  void* ctx);

  /* Closed trades of one account in [from_ms, to_ms] by close time, ordered by
   * (close_time_ms desc, ticket desc); `symbol` filters the canonical symbol. */
  mt5b_status (*on_trade_list)(mt5b_instance* instance, const mt5b_record_query* query,
                               void (*emit)(void* ctx, const mt5b_trade_record* trade), void* ctx);

  /* Raw deals of one account by (time_ms, ticket). */
  mt5b_status (*on_deal_list)(mt5b_instance* instance, const mt5b_record_query* query,
                              void (*emit)(void* ctx, const mt5b_deal_record* deal), void* ctx);

  /* Account transactions of one account by (time_ms, ticket). */
  mt5b_status (*on_transaction_list)(mt5b_instance* instance, const mt5b_record_query* query,
                                     void (*emit)(void* ctx,
                                                  const mt5b_transaction_record* transaction),
                                     void* ctx);

  /* Every stored credential (for key rotation); emit per credential. */
  mt5b_status (*on_credential_list)(mt5b_instance* instance,
                                    void (*emit)(void* ctx,
                                                 const mt5b_credential_record* credential),
                                    void* ctx);

  /* Replaces one account's credential (new password, or re-encryption under a new key).
   * Errors: NOT_FOUND. */
  mt5b_status (*on_credential_update)(mt5b_instance* instance,
                                      const mt5b_credential_record* credential);

  /* Deletes every row of a user (accounts, credentials, positions, trades, deals,
   * transactions, sync logs) and appends `audit` in ONE transaction; *out_accounts is how many
   * accounts went. */
  mt5b_status (*on_user_delete)(mt5b_instance* instance, mt5b_str user_id,
                                const mt5b_audit_record* audit, int64_t* out_accounts);

  /* Appends an audit record. */
  mt5b_status (*on_audit_append)(mt5b_instance* instance, const mt5b_audit_record* audit);

  /* Moves the schema to `target_version` (-1 = latest), up or down, and reports the version it
   * ends at; -2 changes nothing and reports the current version. Errors: INVALID_ARGUMENT for
   * an unknown version. */
  mt5b_status (*on_migrate_to)(mt5b_instance* instance, int64_t target_version,
                               int64_t* out_version);
} mt5b_storage_vtable;

/* ------------------------------------------------------------------------------------------ */
/* Broker: sessions on trading accounts, records in MetaTrader 5's own model (MT5.md)          */
/* ------------------------------------------------------------------------------------------ */

typedef struct mt5b_session mt5b_session; /* opaque, plugin-owned */

typedef struct mt5b_broker_login {
  uint32_t struct_size;
  uint32_t timeout_ms; /* the whole open must finish within this; 0 = plugin default */
  int64_t login;
  mt5b_str password; /* plaintext, borrowed for the call: never log or keep beyond the session */
  mt5b_str server;
} mt5b_broker_login;

/* AccountInfo, field for field (MT5.md). */
typedef struct mt5b_account_info {
  uint32_t struct_size;
  int32_t trade_mode;
  int64_t login;
  int64_t leverage;
  int32_t limit_orders;
  int32_t margin_so_mode;
  int32_t trade_allowed;
  int32_t trade_expert;
  int32_t margin_mode; /* 0 netting, 1 exchange, 2 hedging */
  int32_t currency_digits;
  int32_t fifo_close;
  int32_t reserved;
  double balance;
  double credit;
  double profit;
  double equity;
  double margin;
  double margin_free;
  double margin_level;
  double margin_so_call;
  double margin_so_so;
  double margin_initial;
  double margin_maintenance;
  double assets;
  double liabilities;
  double commission_blocked;
  mt5b_str name;
  mt5b_str server;
  mt5b_str currency;
  mt5b_str company;
} mt5b_account_info;

/* TradePosition, field for field. Times are broker clock. */
typedef struct mt5b_trade_position {
  uint32_t struct_size;
  int32_t type; /* POSITION_TYPE: 0 buy, 1 sell */
  int64_t ticket;
  int64_t time;
  int64_t time_msc;
  int64_t time_update;
  int64_t time_update_msc;
  int64_t magic;
  int64_t identifier;
  int32_t reason;
  int32_t reserved;
  double volume;
  double price_open;
  double sl;
  double tp;
  double price_current;
  double swap;
  double profit;
  mt5b_str symbol;
  mt5b_str comment;
  mt5b_str external_id;
} mt5b_trade_position;

/* TradeDeal, field for field. Times are broker clock. */
typedef struct mt5b_trade_deal {
  uint32_t struct_size;
  int32_t type; /* DEAL_TYPE */
  int64_t ticket;
  int64_t order;
  int64_t time;
  int64_t time_msc;
  int32_t entry;  /* DEAL_ENTRY */
  int32_t reason; /* DEAL_REASON */
  int64_t magic;
  int64_t position_id;
  double volume;
  double price;
  double commission;
  double swap;
  double profit;
  double fee;
  mt5b_str symbol;
  mt5b_str comment;
  mt5b_str external_id;
} mt5b_trade_deal;

/* TradeOrder, field for field. Times are broker clock. */
typedef struct mt5b_trade_order {
  uint32_t struct_size;
  int32_t type;
  int64_t ticket;
  int64_t time_setup;
  int64_t time_setup_msc;
  int64_t time_done;
  int64_t time_done_msc;
  int64_t time_expiration;
  int32_t type_time;
  int32_t type_filling;
  int32_t state;
  int32_t reason;
  int64_t magic;
  int64_t position_id;
  int64_t position_by_id;
  double volume_initial;
  double volume_current;
  double price_open;
  double sl;
  double tp;
  double price_current;
  double price_stoplimit;
  mt5b_str symbol;
  mt5b_str comment;
  mt5b_str external_id;
} mt5b_trade_order;

/* SymbolInfo, the fields the product uses. */
typedef struct mt5b_symbol_info {
  uint32_t struct_size;
  int32_t digits;
  int32_t trade_calc_mode;
  int32_t reserved;
  double point;
  double trade_tick_size;
  double trade_tick_value;
  double trade_contract_size;
  mt5b_str name;
  mt5b_str currency_base;
  mt5b_str currency_profit;
} mt5b_symbol_info;

/* Tick. `time` and `time_msc` are broker clock. */
typedef struct mt5b_tick {
  uint32_t struct_size;
  uint32_t flags;
  int64_t time;
  int64_t time_msc;
  double bid;
  double ask;
  double last;
  double volume_real;
  uint64_t volume;
} mt5b_tick;

/* A history range on the broker clock, or (position_id != 0) every record of one position. */
typedef struct mt5b_history_query {
  uint32_t struct_size;
  uint32_t reserved;
  int64_t from_broker_s; /* inclusive, broker clock seconds */
  int64_t to_broker_s;   /* inclusive, broker clock seconds */
  int64_t position_id;   /* when non-zero the range is ignored */
} mt5b_history_query;

/* The state of one backend connection (an MT5 terminal, or the mock's pretend terminal). */
typedef struct mt5b_backend_state {
  uint32_t struct_size;
  uint32_t state; /* 0 CONNECTED, 1 DISCONNECTED, 2 ERROR, 3 RECONNECTING */
  mt5b_str name;  /* e.g. the terminal's configured name */
  mt5b_str last_error;
  int64_t sessions; /* accounts currently logged in through it */
} mt5b_backend_state;

#define MT5B_BACKEND_CONNECTED 0u
#define MT5B_BACKEND_DISCONNECTED 1u
#define MT5B_BACKEND_ERROR 2u
#define MT5B_BACKEND_RECONNECTING 3u

typedef struct mt5b_broker_vtable {
  uint32_t struct_size;
  uint32_t reserved;

  /* Logs in to an account and returns a session on it.
   * Required. OWNERSHIP: `login` borrowed (the password is plaintext: copy it only into memory
   * the session wipes on close); *out plugin-owned until on_session_close.
   * Thread-safety: concurrent calls allowed; the plugin serialises what its backend needs.
   * Errors: UNAUTHENTICATED (wrong login/password/server: never retry automatically),
   * TIMEOUT, RETRY/UNAVAILABLE (terminal or network trouble), INVALID_ARGUMENT. */
  mt5b_status (*on_session_open)(mt5b_instance* instance, const mt5b_broker_login* login,
                                 mt5b_session** out);

  /* Ends a session. Required. The session handle is invalid afterwards. */
  void (*on_session_close)(mt5b_instance* instance, mt5b_session* session);

  /* AccountInfo of the session's account; emit called once. Required.
   * OWNERSHIP: record valid only during emit. Thread-safety: calls on one session are made by
   * one thread at a time; different sessions concurrently. Errors as on_session_open. */
  mt5b_status (*on_account_info)(mt5b_instance* instance, mt5b_session* session,
                                 void (*emit)(void* ctx, const mt5b_account_info* info), void* ctx);

  /* Every open position; emit called once per position (not at all when there are none).
   * Required. */
  mt5b_status (*on_positions_get)(mt5b_instance* instance, mt5b_session* session,
                                  void (*emit)(void* ctx, const mt5b_trade_position* position),
                                  void* ctx);

  /* Deals in the query's broker-clock range, or of one position; emit per deal. Required. */
  mt5b_status (*on_history_deals_get)(mt5b_instance* instance, mt5b_session* session,
                                      const mt5b_history_query* query,
                                      void (*emit)(void* ctx, const mt5b_trade_deal* deal),
                                      void* ctx);

  /* Orders in the query's range, or of one position; emit per order. Optional. */
  mt5b_status (*on_history_orders_get)(mt5b_instance* instance, mt5b_session* session,
                                       const mt5b_history_query* query,
                                       void (*emit)(void* ctx, const mt5b_trade_order* order),
                                       void* ctx);

  /* SymbolInfo of one symbol; emit once. Required. Errors: NOT_FOUND. */
  mt5b_status (*on_symbol_info)(mt5b_instance* instance, mt5b_session* session, mt5b_str symbol,
                                void (*emit)(void* ctx, const mt5b_symbol_info* info), void* ctx);

  /* The last tick of one symbol; written to the caller-owned *out (whose struct_size the
   * caller sets). Optional. Errors: NOT_FOUND. */
  mt5b_status (*on_symbol_info_tick)(mt5b_instance* instance, mt5b_session* session,
                                     mt5b_str symbol, mt5b_tick* out);

  /* The state of every backend connection (terminal); emit once per backend. Optional.
   * Thread-safety: any thread, concurrently with everything else. */
  mt5b_status (*on_backend_states)(mt5b_instance* instance,
                                   void (*emit)(void* ctx, const mt5b_backend_state* state),
                                   void* ctx);
} mt5b_broker_vtable;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MT5BRIDGE_ABI_H */
