// Secrets in memory: one comparison and one owning string for API keys, tokens, digests and
// broker passwords, shared by the host and the plugins.
//
//   constant_time_equal(presented_digest, configured_digest)   // never == or memcmp on secrets
//   SecretString password(blob.size());                         // a buffer on the heap
//   std::size_t n = decrypt_into(password.data(), password.capacity());
//   password.resize(n);
//   broker.open(login, password.view(), ...);                   // wiped when `password` goes
//
// A check in the test suite (tests/lint/check_secret_comparisons.py) refuses any other way of
// comparing a secret-named value.
#ifndef MT5BRIDGE_SECRETS_HPP
#define MT5BRIDGE_SECRETS_HPP

#include <mt5bridge/abi.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <utility>

#pragma GCC visibility push(hidden)
namespace mt5b::sdk {

// Equality of two secrets in time that depends on their lengths only (a length is not secret:
// compare digests of equal length when it could be).
inline bool constant_time_equal(const void* a, const void* b, std::size_t size) noexcept {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  // volatile: the compiler may not stop at the first difference.
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < size; ++i) diff = diff | static_cast<unsigned char>(x[i] ^ y[i]);
  return diff == 0;
}
inline bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && constant_time_equal(a.data(), b.data(), a.size());
}
// Digests of a fixed size.
template <std::size_t N>
bool constant_time_equal(const std::array<unsigned char, N>& a,
                         const std::array<unsigned char, N>& b) noexcept {
  return constant_time_equal(a.data(), b.data(), N);
}

// Overwrites `size` bytes at `data` with zeros in a way the compiler cannot drop as a dead store.
inline void secure_wipe(void* data, std::size_t size) noexcept {
  volatile unsigned char* p = static_cast<volatile unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) p[i] = 0;
}

// An owned secret (a broker password, a token) in a heap buffer of fixed capacity that is wiped
// when the string is destroyed or assigned over. Unlike std::string it never keeps the bytes in
// an inline buffer that outlives it unwiped, never reallocates (leaving an unwiped copy behind)
// and does not convert to std::string. Move-only.
class SecretString {
 public:
  SecretString() noexcept = default;
  // An empty secret with room for `capacity` bytes, for a writer that fills data() directly.
  explicit SecretString(std::size_t capacity)
      : buffer_(capacity ? new char[capacity]() : nullptr), capacity_(capacity) {}
  // A copy of `text` (for secrets that arrive as text, e.g. from a request body).
  static SecretString copy_of(std::string_view text) {
    SecretString s(text.size());
    if (!text.empty()) std::memcpy(s.buffer_.get(), text.data(), text.size());
    s.size_ = text.size();
    return s;
  }

  SecretString(SecretString&& other) noexcept
      : buffer_(std::move(other.buffer_)),
        capacity_(std::exchange(other.capacity_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  SecretString& operator=(SecretString&& other) noexcept {
    if (this != &other) {
      wipe();
      buffer_ = std::move(other.buffer_);
      capacity_ = std::exchange(other.capacity_, 0);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() { wipe(); }

  // The writable buffer of capacity() bytes; set the length written with resize().
  char* data() noexcept { return buffer_.get(); }
  const char* data() const noexcept { return buffer_.get(); }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }
  // Sets the length of the secret; the bytes past it are wiped. Throws past the capacity.
  void resize(std::size_t size) {
    if (size > capacity_) throw std::length_error("SecretString::resize past its capacity");
    if (size < size_) secure_wipe(buffer_.get() + size, size_ - size);
    size_ = size;
  }

  // Borrowed views, valid while this string lives and is not resized.
  std::string_view view() const noexcept { return {buffer_.get(), size_}; }
  mt5b_str str() const noexcept { return mt5b_str{buffer_.get(), static_cast<uint64_t>(size_)}; }

  // Wipes the whole buffer now and leaves the string empty (its capacity kept).
  void wipe() noexcept {
    if (buffer_) secure_wipe(buffer_.get(), capacity_);
    size_ = 0;
  }

 private:
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

}  // namespace mt5b::sdk
#pragma GCC visibility pop

#endif  // MT5BRIDGE_SECRETS_HPP
